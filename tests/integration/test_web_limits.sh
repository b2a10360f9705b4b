#!/usr/bin/env bash
# Issue 8 item 10 against the real binary: with 200 slow clients (a
# request line, then one header byte every 2 s, from 127.0.0.2..21) and 50
# wrong-password requests a second (from 127.0.0.100..104) running, a
# Prometheus-like client at 127.0.0.1 with the right password (bcrypt cost
# 10) scrapes every 0.2 s, on a new connection each time: every scrape
# gets 200 within 1 s (the figures are printed), the slow clients are cut
# at the request deadline (10 s), the wrong passwords get 401 then 429.
# Before: 64 connections in all locked the scraper out, and each wrong
# password ran bcrypt on the only HTTP thread.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pki.sh"
INSTANCE=fte_test_web_limits
STRESS=${STRESS:-$ROOT/build/tools/webstress}
PASS='pr0m pass'
ATTACK_SECS=16
mount_tracefs
[ -x "$STRESS" ] || { not_ok "missing $STRESS (make tools)"; finish; exit; }

cfg=$TMP/limits.yaml
sed "s/instance: fte_test_exact/instance: $INSTANCE/" \
	"$ROOT/tests/integration/configs/exact.yaml" >"$cfg"
HASH=$(bcrypt "$PASS")
printf "basic_auth_users:\n  prom: '%s'\n" "$HASH" >"$TMP/web.yml"

# lib.sh's start_exporter polls /-/ready with curl: with the password here.
curl() { command curl -u "prom:$PASS" "$@"; }
start_exporter "$cfg" --web.config.file="$TMP/web.yml" || { finish; exit; }
unset -f curl

# scrape_loop SECONDS OUT: scrapes every 0.2 s, one line per scrape in OUT:
# "HTTP-CODE TIME-TOTAL" (000 and the time when none came within 3 s).
scrape_loop() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		command curl -s -o /dev/null --max-time 3 -u "prom:$PASS" \
			-w '%{http_code} %{time_total}\n' \
			"http://127.0.0.1:$PORT/metrics" >>"$2"
		sleep 0.2
	done
}

: >"$TMP/calm.txt"
scrape_loop 2 "$TMP/calm.txt"
check "scrapes without attack: all 200" awk '$1 != 200 { bad = 1 } END { exit bad }' "$TMP/calm.txt"

"$STRESS" slow "$PORT" 2 20 200 "$ATTACK_SECS" >"$TMP/slow.txt" &
PIDS+=($!); slow_pid=$!
"$STRESS" badauth "$PORT" 100 5 50 "$ATTACK_SECS" >"$TMP/bad.txt" &
PIDS+=($!); bad_pid=$!
check "attackers under way" wait_grep "$TMP/slow.txt" '^ready' 5
wait_grep "$TMP/bad.txt" '^ready' 5
# the slow clients' 200 connections are all open before the scrapes start
slow_open() { [ "$(ss -Htn state established "( dport = :$PORT )" | wc -l)" -ge 200 ]; }
check "200 slow connections open" eventually 10 slow_open
: >"$TMP/attack.txt"
scrape_loop $((ATTACK_SECS - 3)) "$TMP/attack.txt"
wait "$slow_pid" "$bad_pid"

n=$(wc -l <"$TMP/attack.txt")
stats=$(awk '{ print $2 }' "$TMP/attack.txt" | sort -n | awk '{ t[NR] = $1 }
	END { i = int(NR * 0.99 + 0.999); if (i < 1) i = 1
	      printf "max=%.3fs p99=%.3fs p50=%.3fs", t[NR], t[i], t[int((NR + 1) / 2)] }')
echo "# scrapes under attack: n=$n $stats"
echo "# $(cat "$TMP/slow.txt" | tail -n1)"
echo "# $(cat "$TMP/bad.txt" | tail -n1)"
check "scrapes ran through the attack ($n)" [ "$n" -ge 30 ]
check "every scrape under attack got 200" \
	awk '$1 != 200 { bad = 1 } END { exit bad }' "$TMP/attack.txt"
check "every scrape under attack took under 1 s ($stats)" \
	awk '$2 >= 1.0 { bad = 1 } END { exit bad }' "$TMP/attack.txt"
slow=$(tail -n1 "$TMP/slow.txt")
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
check "200 slow connections were opened" [ "$(field opened "$slow")" -ge 200 ]
check "slow clients were cut at the request deadline" [ "$(field cut "$slow")" -ge 150 ]
check "none held on past 12 s" awk -v l="$(field longest_cut_after "$slow")" 'BEGIN { exit !(l <= 12) }'
bad=$(tail -n1 "$TMP/bad.txt")
check "50 wrong passwords a second were sent" [ "$(field sent "$bad")" -ge $((50 * (ATTACK_SECS - 1))) ]
check "wrong passwords got 401 then 429" \
	[ "$(field 401 "$bad")" -gt 0 -a "$(field 429 "$bad")" -gt 0 -a "$(field other "$bad")" = 0 -a "$(field timeout "$bad")" = 0 ]
check "exporter still serves after the attack" \
	[ "$(command curl -s -o /dev/null -w '%{http_code}' -u "prom:$PASS" "http://127.0.0.1:$PORT/metrics")" = 200 ]
check "SIGTERM exits 0" stop_exporter
check "instance gone" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
