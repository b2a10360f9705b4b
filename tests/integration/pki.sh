# Throwaway PKI and password hashes for the web-config tests (sourced after
# lib.sh; files go to $PKI, which the caller creates under $TMP).
SERVER_EXT='subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n'
CLIENT_EXT='basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n'

# pki_ca NAME: a self-signed CA NAME.crt/NAME.key ("fte test NAME").
pki_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fte test $1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.crt" 2>/dev/null
}

# pki_leaf NAME CN EXT CA: NAME.crt/NAME.key signed by CA, extensions EXT.
pki_leaf() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$PKI/$1.key" \
		-out "$PKI/$1.csr" 2>/dev/null &&
	printf '%b' "$3" >"$PKI/$1.ext" &&
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$4.crt" -CAkey "$PKI/$4.key" \
		-CAcreateserial -days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
}

# bcrypt PASSWORD: a bcrypt hash, cost 10, with whatever is installed.
bcrypt() {
	if command -v htpasswd >/dev/null; then
		htpasswd -nbBC 10 "" "$1" | tr -d ':\n'
	elif python3 -c 'import crypt' 2>/dev/null; then
		python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)),
      end="")' "$1"
	else	# perl's crypt() is libcrypt's, which does bcrypt on Debian
		perl -e 'my @a = (".", "/", "A".."Z", "a".."z", "0".."9");
			my $s = join("", map { $a[rand @a] } 1..21) . "u";
			print crypt($ARGV[0], "\$2b\$10\$$s")' "$1"
	fi
}
