#!/usr/bin/env bash
# --web.config.file against the real binary with real curl: TLS with a CA,
# server and client certificates made here with openssl; basic auth with a
# bcrypt hash made here; extra headers; RequireAndVerifyClientCert (and
# the clientAuth extended key usage it verifies, as Go does); TLS 1.3
# only; bad web configs exit non-zero with FILE:LINE:COL before tracefs is
# touched (no instance); --check-config reads the web config; promtool
# checks the TLS scrape; a real Prometheus (when installed) scrapes over TLS
# with basic auth and reports up 1 (and up 0 with a wrong password).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"
INSTANCE=fte_test_web
CFG=$ROOT/tests/integration/configs/webconfig.yaml
PKI=$TMP/pki
PASS='s3cret pass:word'
mount_tracefs

for tool in openssl curl promtool; do
	command -v $tool >/dev/null || { not_ok "missing tool $tool (make deps)"; finish; exit; }
done

# ---- throwaway PKI -------------------------------------------------------
mkdir -p "$PKI"
pki_ca ca &&
pki_leaf server localhost "$SERVER_EXT" ca &&
pki_leaf client scraper "$CLIENT_EXT" ca &&
pki_ca rogue
pki_ok() {
	[ -s "$PKI/rogue.crt" ] && openssl verify -CAfile "$PKI/ca.crt" \
		"$PKI/server.crt" "$PKI/client.crt" >/dev/null
}
check "openssl made the CA, server, client and rogue certificates" pki_ok

HASH=$(bcrypt "$PASS")
check "bcrypt hash made ($HASH)" grep -qE '^\$2[aby]\$10\$.{53}$' <<<"$HASH"

# ---- helpers -------------------------------------------------------------
# lib.sh's start_exporter polls http://127.0.0.1:$PORT/-/ready with curl;
# while READY_ARGS is set, that poll goes over HTTPS with these arguments.
READY_ARGS=()
curl() {
	local url=${*: -1}
	if [ ${#READY_ARGS[@]} -gt 0 ] && [[ $url == http://127.0.0.1:*/-/ready ]]; then
		command curl "${@:1:$#-1}" "${READY_ARGS[@]}" "https://${url#http://}"
	else
		command curl "$@"
	fi
}

# start_web WEBCONFIG READY-CURL-ARGS...: the exporter on CFG with WEBCONFIG.
start_web() {
	local web=$1; shift
	READY_ARGS=("$@")
	start_exporter "$CFG" --web.config.file="$web"
}

# status URL CURL-ARGS...: the HTTP status curl gets, 000 when it gets none.
status() {
	local url=$1; shift
	command curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url"
}

CA=(--cacert "$PKI/ca.crt")
AUTH=(-u "alice:$PASS")
CLIENT=(--cert "$PKI/client.crt" --key "$PKI/client.key")
ROGUE=(--cert "$PKI/rogue.crt" --key "$PKI/rogue.key")
SERVER_AS_CLIENT=(--cert "$PKI/server.crt" --key "$PKI/server.key")	# EKU serverAuth only

# ---- TLS, basic auth, headers ----------------------------------------------
cat >"$PKI/web.yml" <<YAML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
basic_auth_users:
  alice: '$HASH'
YAML
if start_web "$PKI/web.yml" "${CA[@]}" "${AUTH[@]}"; then
	url=https://127.0.0.1:$PORT
	check "log says listening with tls=true" grep -q 'msg=listening .*tls=true' "$LOG"
	command curl -sS --max-time 10 "${CA[@]}" "${AUTH[@]}" -D "$TMP/tls.hdr" \
		"$url/metrics" >"$TMP/tls.txt"
	check "https scrape with --cacert and the password returns metrics" \
		grep -q '^ftrace_exporter_build_info{' "$TMP/tls.txt"
	check "promtool check metrics on the TLS scrape" promtool check metrics <"$TMP/tls.txt"
	check "configured header X-Frame-Options on the scrape" \
		grep -qi '^X-Frame-Options: deny' "$TMP/tls.hdr"
	check "right password: 200" [ "$(status "$url/metrics" "${CA[@]}" "${AUTH[@]}")" = 200 ]
	check "plain http to the TLS port fails" \
		bash -c "! command curl -s --max-time 5 -o /dev/null http://127.0.0.1:$PORT/metrics"
	check "plain http to the TLS port gets no HTTP status" \
		[ "$(status "http://127.0.0.1:$PORT/metrics")" = 000 ]
	check "untrusted server cert is refused by curl without --cacert" \
		[ "$(status "$url/metrics" "${AUTH[@]}")" = 000 ]
	command curl -s --max-time 10 "${CA[@]}" -u "alice:wrong" -D "$TMP/401.hdr" \
		-o /dev/null "$url/metrics"
	check "wrong password: 401" grep -q '^HTTP/1.1 401' "$TMP/401.hdr"
	check "wrong password: WWW-Authenticate Basic realm" \
		grep -qi '^WWW-Authenticate: Basic realm="ftrace_exporter"' "$TMP/401.hdr"
	check "401 carries the configured headers too" \
		grep -qi '^X-Content-Type-Options: nosniff' "$TMP/401.hdr"
	command curl -s --max-time 10 "${CA[@]}" -D "$TMP/noauth.hdr" -o /dev/null "$url/metrics"
	check "no credentials: 401 with WWW-Authenticate" \
		grep -qi '^WWW-Authenticate: Basic' "$TMP/noauth.hdr"
	check "no credentials: 401" grep -q '^HTTP/1.1 401' "$TMP/noauth.hdr"
	check "unknown user: 401" [ "$(status "$url/metrics" "${CA[@]}" -u "bob:$PASS")" = 401 ]
	check "every path asks: /-/healthy without credentials is 401" \
		[ "$(status "$url/-/healthy" "${CA[@]}")" = 401 ]
	check "/-/healthy with credentials is 200" \
		[ "$(status "$url/-/healthy" "${CA[@]}" "${AUTH[@]}")" = 200 ]
	check "TLS 1.2 client works (default min_version TLS12)" \
		[ "$(status "$url/metrics" "${CA[@]}" "${AUTH[@]}" --tls-max 1.2)" = 200 ]
	PROM_TARGET=127.0.0.1:$PORT
else
	not_ok "exporter with TLS and basic auth started"
	PROM_TARGET=
fi

# ---- a real Prometheus scrapes it over TLS with basic auth -----------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# up_of JOB: the value of up{job=JOB} in Prometheus, empty before a scrape.
up_of() {
	command curl -s --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=up{job=\"$1\"}" |
		sed -n 's/.*"value":\[[0-9.]*,"\([0-9]\)"\].*/\1/p'
}
if ! command -v prometheus >/dev/null; then
	echo "# skip - prometheus is not installed (make deps installs it)"
elif [ -n "$PROM_TARGET" ]; then
	PROM_PORT=$(free_port)
	cat >"$TMP/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fte_tls
    scheme: https
    tls_config:
      ca_file: $PKI/ca.crt
    basic_auth:
      username: alice
      password: '$PASS'
    static_configs:
      - targets: ['$PROM_TARGET']
  - job_name: fte_tls_wrong_password
    scheme: https
    tls_config:
      ca_file: $PKI/ca.crt
    basic_auth:
      username: alice
      password: wrong
    static_configs:
      - targets: ['$PROM_TARGET']
YAML
	prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom-data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
		>"$TMP/prometheus.log" 2>&1 &
	PIDS+=($!)
	up= down=
	for _ in $(seq 300); do
		up=$(up_of fte_tls) down=$(up_of fte_tls_wrong_password)
		[ "$up" = 1 ] && [ -n "$down" ] && break
		sleep 0.1
	done
	check "prometheus scrapes over TLS with basic auth: up 1" [ "$up" = 1 ]
	check "prometheus with a wrong password: up 0" [ "$down" = 0 ]
	[ "$up" = 1 ] || tail -5 "$TMP/prometheus.log"
	kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null
fi
[ -n "$PROM_TARGET" ] && stop_exporter

# ---- RequireAndVerifyClientCert, TLS 1.3 only -------------------------------
cat >"$PKI/mtls.yml" <<YAML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
YAML
if start_web "$PKI/mtls.yml" "${CA[@]}" "${CLIENT[@]}"; then
	url=https://127.0.0.1:$PORT
	check "mTLS: no client certificate is refused" \
		[ "$(status "$url/metrics" "${CA[@]}")" = 000 ]
	check "mTLS: client certificate signed by the CA gets 200" \
		[ "$(status "$url/metrics" "${CA[@]}" "${CLIENT[@]}")" = 200 ]
	check "mTLS: self-signed client certificate of another CA is refused" \
		[ "$(status "$url/metrics" "${CA[@]}" "${ROGUE[@]}")" = 000 ]
	check "mTLS: a certificate of the CA without clientAuth EKU (serverAuth only) is refused" \
		[ "$(status "$url/metrics" "${CA[@]}" "${SERVER_AS_CLIENT[@]}")" = 000 ]
	check "min_version TLS13: a TLS 1.2 client is refused" \
		[ "$(status "$url/metrics" "${CA[@]}" "${CLIENT[@]}" --tls-max 1.2)" = 000 ]
	check "mTLS: exporter still serves after refusals" \
		[ "$(status "$url/-/healthy" "${CA[@]}" "${CLIENT[@]}")" = 200 ]
	stop_exporter
else
	not_ok "exporter with RequireAndVerifyClientCert started"
fi
READY_ARGS=()

# ---- bad web configs: exit non-zero before tracefs ---------------------------
# bad NAME REGEX: $PKI/NAME.yml is refused with REGEX, leaving no instance.
bad() {
	local f=$PKI/$1.yml out rc
	out=$(timeout 20 "$EXPORTER" --config.file="$CFG" --web.listen-address=127.0.0.1:0 \
		--web.config.file="$f" 2>&1)
	rc=$?
	check "bad $1: exits non-zero at once" test "$rc" -ne 0 -a "$rc" -ne 124
	check "bad $1: says $2" grep -qE "$2" <<<"$out"
	check "bad $1: no instance created" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
}
printf 'tls_server_config:\n  cert_file: server.crt\n  key_fil: server.key\n' >"$PKI/unknown.yml"
bad unknown "unknown.yml:3:3: unknown key \"key_fil\""
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n' >"$PKI/unsupported.yml"
bad unsupported "unsupported.yml:4:3: key \"cipher_suites\" .*not supported"
printf 'tls_server_config:\n  cert_file: server.crt\n' >"$PKI/nokey.yml"
bad nokey "nokey.yml:2:3: cert_file is set but key_file is not"
printf 'basic_auth_users:\n  alice: hunter2\n' >"$PKI/plain_password.yml"
bad plain_password "plain_password.yml:2:10: password of user alice is not a bcrypt hash"
printf 'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n' >"$PKI/missing_cert.yml"
bad missing_cert "missing_cert.yml:2:14: cannot read cert_file .*missing.crt"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n' >"$PKI/noca.yml"
bad noca "noca.yml:4:21: .*needs client_ca_file"
bad does_not_exist "does_not_exist.yml: cannot read web config"

out=$("$EXPORTER" --check-config --config.file="$CFG" --web.config.file="$PKI/nokey.yml" 2>&1); rc=$?
check "check-config: a bad web config is an error" [ "$rc" -eq 1 ]
check "check-config: names it with line and column" grep -q 'nokey.yml:2:3: ' <<<"$out"
out=$("$EXPORTER" --check-config --config.file="$CFG" --web.config.file="$PKI/mtls.yml" 2>&1); rc=$?
check "check-config: a good web config passes" [ "$rc" -eq 0 ]
check "check-config: says the web config is ok" grep -q 'mtls.yml: ok, tls on' <<<"$out"
check "check-config: created no instance" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
