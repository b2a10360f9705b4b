#!/usr/bin/env bash
# Reloading --web.config.file (SIGHUP, POST /-/reload) on a running exporter
# with TLS and basic auth, on the same port: (a) a new password hash: the
# old password gets 401, the new one 200; (b) certificate and key replaced
# in place by ones of a second CA: curl trusts it with the new CA only;
# (c) a broken web config is refused (config_last_reload_successful 0,
# FILE:LINE:COL in the log) and the old password and certificate keep
# working; (d) a scrape loop running through every reload sees no refused,
# reset or failed connection; (e) the probe counters keep counting: the
# drops of the test's UDP datagrams are exact across the reloads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"
INSTANCE=fte_test_web_reload
CFG=$ROOT/tests/integration/configs/webconfig-reload.yaml
PKI=$TMP/pki
WEB=$PKI/web.yml
PASS1='first pass:word'
PASS2='second pass:word'
drops='ftrace_skb_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
mount_tracefs

for tool in openssl curl; do
	command -v $tool >/dev/null || { not_ok "missing tool $tool (make deps)"; finish; exit; }
done

# ---- two throwaway CAs, a server certificate from each ---------------------
mkdir -p "$PKI"
pki_ca ca1 && pki_ca ca2 && pki_leaf server1 localhost "$SERVER_EXT" ca1 &&
	pki_leaf server2 localhost "$SERVER_EXT" ca2
cat "$PKI/ca1.crt" "$PKI/ca2.crt" >"$PKI/both.crt"
pki_ok() {
	openssl verify -CAfile "$PKI/ca1.crt" "$PKI/server1.crt" >/dev/null &&
	openssl verify -CAfile "$PKI/ca2.crt" "$PKI/server2.crt" >/dev/null &&
	! openssl verify -CAfile "$PKI/ca1.crt" "$PKI/server2.crt" >/dev/null 2>&1
}
check "openssl made two CAs and a server certificate from each" pki_ok

HASH1=$(bcrypt "$PASS1")
HASH2=$(bcrypt "$PASS2")
check "bcrypt hashes made" grep -qE '^\$2[aby]\$10\$.{53}$' <<<"$HASH1"$'\n'"$HASH2"

# web_config HASH [EXTRA]: writes $WEB, TLS from tls.crt/tls.key (replaced
# in place below), user alice with HASH; EXTRA goes into tls_server_config.
web_config() {
	cat >"$WEB" <<YAML
tls_server_config:
  cert_file: tls.crt
  key_file: tls.key
${2:-}
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  alice: '$1'
YAML
}
# install_cert NAME: copies NAME.crt/NAME.key over tls.crt/tls.key, in
# place (same files, as cert-manager renews them).
install_cert() {
	cat "$PKI/$1.crt" >"$PKI/tls.crt" && cat "$PKI/$1.key" >"$PKI/tls.key"
}

# ---- helpers ----------------------------------------------------------------
# lib.sh's start_exporter polls http://127.0.0.1:$PORT/-/ready with curl;
# it goes over HTTPS with these arguments.
READY_ARGS=(--cacert "$PKI/ca1.crt" -u "alice:$PASS1")
curl() {
	local url=${*: -1}
	if [[ $url == http://127.0.0.1:*/-/ready ]]; then
		command curl "${@:1:$#-1}" "${READY_ARGS[@]}" "https://${url#http://}"
	else
		command curl "$@"
	fi
}
# lib.sh's value() and wait_delta() scrape through this, over HTTPS with
# the current CA and password.
SCRAPE_ARGS=(--cacert "$PKI/both.crt" -u "alice:$PASS1")
scrape() {
	command curl -sf --max-time 10 "${SCRAPE_ARGS[@]}" "https://127.0.0.1:$PORT/metrics"
}
# status PATH CURL-ARGS...: the HTTP status curl gets, 000 when it gets none.
status() {
	local path=$1; shift
	command curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" \
		"https://127.0.0.1:$PORT$path"
}
# count MSG: how many log lines carry msg="MSG".
count() { grep -c "msg=\"$1\"" "$LOG"; }
# hup_and_wait MSG: SIGHUP, then waits (10 s at most) for one more MSG.
hup_and_wait() {
	local n
	n=$(count "$1")
	kill -HUP "$EXPORTER_PID"
	for _ in $(seq 100); do
		[ "$(count "$1")" -gt "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
SENT=0
# flood N [RATE]: N datagrams to the closed port 9 (N NO_SOCKET drops).
flood() {
	"$UDPFLOOD" 127.0.0.1 9 "$1" 1000 "${2:-0}" >/dev/null && SENT=$((SENT + $1))
}
# drops_exact SECONDS: the drop counter has counted exactly SENT since V0.
drops_exact() {
	local d
	d=$(wait_delta "$drops" "$V0" "$SENT" "$1")
	[ "$d" = "$SENT" ] || { echo "# drops delta $d, sent $SENT"; return 1; }
}
reload_ok() { [ "$(value ftrace_exporter_config_last_reload_successful)" = "$1" ]; }

# ---- start with certificate 1 and password 1 ---------------------------------
install_cert server1
web_config "$HASH1"
start_exporter "$CFG" --web.config.file="$WEB" --web.enable-lifecycle || { not_ok "exporter started"; finish; exit; }
START_PORT=$PORT
check "starts with tls=true basic_auth=true" \
	grep -q 'msg=listening .*tls=true basic_auth=true' "$LOG"
check "start: password 1 with CA 1 gets 200" \
	[ "$(status /metrics --cacert "$PKI/ca1.crt" -u "alice:$PASS1")" = 200 ]
V0=$(value "$drops")
flood 1000
check "start: drops counted exactly" drops_exact 3

# (d) a scrape loop through every reload: one line "CURL-EXIT HTTP-CODE"
# per request, with the password of $TMP/loop.pass and both CAs.
printf '%s' "$PASS1" >"$TMP/loop.pass"
scrape_loop() {
	while [ ! -e "$TMP/loop.stop" ]; do
		code=$(command curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
			--cacert "$PKI/both.crt" -u "alice:$(cat "$TMP/loop.pass")" \
			"https://127.0.0.1:$PORT/metrics")
		echo "$? $code"
	done >"$TMP/loop.log"
}
scrape_loop &
LOOP_PID=$!
PIDS+=("$LOOP_PID")
eventually 10 test -s "$TMP/loop.log"	# the loop has scraped

# ---- (a) a new password hash, SIGHUP --------------------------------------
web_config "$HASH2"
check "(a) SIGHUP reloads the web config" hup_and_wait "config reloaded"
printf '%s' "$PASS2" >"$TMP/loop.pass"
SCRAPE_ARGS=(--cacert "$PKI/both.crt" -u "alice:$PASS2")
check "(a) log says web config reloaded with tls and basic auth" \
	grep -q 'msg="web config reloaded" .*tls=true basic_auth=true' "$LOG"
check "(a) old password now gets 401" \
	[ "$(status /metrics --cacert "$PKI/ca1.crt" -u "alice:$PASS1")" = 401 ]
check "(a) new password gets 200" \
	[ "$(status /metrics --cacert "$PKI/ca1.crt" -u "alice:$PASS2")" = 200 ]
check "(a) reload successful" reload_ok 1
flood 500
check "(a) drops still exact" drops_exact 3

# ---- (b) certificate of a second CA in place, POST /-/reload ---------------
install_cert server2
out=$(command curl -s --max-time 30 --cacert "$PKI/ca1.crt" -u "alice:$PASS2" \
	-X POST "https://127.0.0.1:$PORT/-/reload")
check "(b) POST /-/reload with the new password: Reloaded" [ "$out" = Reloaded ]
check "(b) CA 2 now verifies the server: 200" \
	[ "$(status /metrics --cacert "$PKI/ca2.crt" -u "alice:$PASS2")" = 200 ]
check "(b) CA 1 no longer does: no HTTP status" \
	[ "$(status /metrics --cacert "$PKI/ca1.crt" -u "alice:$PASS2")" = 000 ]
check "(b) headers still sent" bash -c "command curl -s -D - -o /dev/null \
	--cacert '$PKI/ca2.crt' -u 'alice:$PASS2' https://127.0.0.1:$PORT/metrics |
	grep -qi '^X-Frame-Options: deny'"
check "(b) reload successful" reload_ok 1
flood 500
check "(b) drops still exact" drops_exact 3

# ---- (c) a broken web config, SIGHUP: refused, nothing changes ---------------
cp "$WEB" "$PKI/web.good"
web_config "$HASH1" "  bogus_key: 1"
check "(c) SIGHUP with a broken web config fails" hup_and_wait "reload failed"
check "(c) FILE:LINE:COL of the problem logged" \
	grep -q 'web.yml:4:3: unknown key "bogus_key"' "$LOG"
check "(c) the reload error names the web config" \
	grep -q 'msg="reload failed" err="invalid web config; keeping the running config"' "$LOG"
check "(c) config_last_reload_successful 0" reload_ok 0
check "(c) old password and certificate still work: 200" \
	[ "$(status /metrics --cacert "$PKI/ca2.crt" -u "alice:$PASS2")" = 200 ]
check "(c) the broken file's password was not applied: 401" \
	[ "$(status /metrics --cacert "$PKI/ca2.crt" -u "alice:$PASS1")" = 401 ]
flood 500
check "(c) drops still exact" drops_exact 3
cp "$PKI/web.good" "$WEB"
check "(c) fixed web config reloads" hup_and_wait "config reloaded"
check "(c) reload successful again" reload_ok 1

# ---- (d, e) reloads, SIGHUP and POST, during a paced flood -------------------
flood_n=4000
"$UDPFLOOD" 127.0.0.1 9 "$flood_n" 1000 2000 >/dev/null &
flood_pid=$!
reloads=0
for i in 1 2 3 4 5 6; do
	if [ $((i % 2)) = 1 ]; then
		hup_and_wait "config reloaded" && reloads=$((reloads + 1))
	else
		out=$(command curl -s --max-time 30 --cacert "$PKI/ca2.crt" \
			-u "alice:$PASS2" -X POST "https://127.0.0.1:$PORT/-/reload")
		[ "$out" = Reloaded ] && reloads=$((reloads + 1))
	fi
	sleep 0.2
done
wait "$flood_pid" && SENT=$((SENT + flood_n))
check "(d) 6 reloads, SIGHUP and POST alternating" [ "$reloads" = 6 ]
check "(e) drops exact across every reload ($SENT sent)" drops_exact 5
check "(e) no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" = 0 ]

touch "$TMP/loop.stop"
wait "$LOOP_PID"
total=$(wc -l <"$TMP/loop.log")
failed=$(awk '$1 != 0 || ($2 != 200 && $2 != 401)' "$TMP/loop.log" | wc -l)
check "(d) the scrape loop ran through the reloads ($total requests)" [ "$total" -ge 20 ]
check "(d) no refused, reset or failed request in the loop ($failed)" [ "$failed" = 0 ]
[ "$failed" = 0 ] || sort "$TMP/loop.log" | uniq -c
ok200=$(awk '$2 == 200' "$TMP/loop.log" | wc -l)
check "(d) most loop requests got 200 ($ok200 of $total)" [ $((ok200 * 10)) -ge $((total * 8)) ]

check "same port throughout: one listening line" [ "$(grep -c 'msg=listening' "$LOG")" = 1 ]
check "same port throughout: $START_PORT" [ "$(listen_port "$LOG")" = "$START_PORT" ]
check "no cannot-start error in the log" bash -c "! grep -q 'cannot serve\|cannot start' '$LOG'"
check "exporter exits 0 on SIGTERM" stop_exporter
check "instance removed" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
