#!/usr/bin/env bash
# Issue 8 item 9 against the real binary: without --web.enable-lifecycle
# POST /-/reload answers 403 "Lifecycle API is not enabled." and reloads
# nothing, while SIGHUP still reloads; with the flag POST reloads, and a
# scrape during a slow reload (the config file is a FIFO the reload blocks
# on until the test writes it) completes within 1 s. Before: anyone who
# reached the port could reload, on the only HTTP thread, so the scrape
# waited for the reload.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_web_life
mount_tracefs
cfg=$TMP/life.yaml
sed "s/instance: fte_test_exact/instance: $INSTANCE/" \
	"$ROOT/tests/integration/configs/exact.yaml" >"$cfg"
reloaded() { grep -c 'msg="config reloaded"' "$LOG"; }
# reloads_reach N: true once N reloads are logged (within 5 s).
reloads_reach() {
	local want=$1
	eventually 5 eval '[ "$(reloaded)" -ge "$want" ]'
}
post() { curl -s -o "$TMP/post.txt" -w '%{http_code}' --max-time 10 -X POST "$@"; }

# ---- lifecycle API off (the default) ----------------------------------------
start_exporter "$cfg" || { finish; exit; }
n=$(reloaded)
check "without the flag POST /-/reload is 403" [ "$(post "http://127.0.0.1:$PORT/-/reload")" = 403 ]
check "it says Lifecycle API is not enabled." grep -qx 'Lifecycle API is not enabled.' "$TMP/post.txt"
check "PUT /-/reload is 403 too" [ "$(post -X PUT "http://127.0.0.1:$PORT/-/reload")" = 403 ]
check "and nothing was reloaded" [ "$(reloaded)" = "$n" ]
kill -HUP "$EXPORTER_PID"
check "SIGHUP still reloads" reloads_reach $((n + 1))
check "SIGTERM exits 0" stop_exporter

# ---- --web.enable-lifecycle ---------------------------------------------------
start_exporter "$cfg" --web.enable-lifecycle || { finish; exit; }
n=$(reloaded)
check "with the flag POST /-/reload is 200" [ "$(post "http://127.0.0.1:$PORT/-/reload")" = 200 ]
check "and reloaded" [ "$(reloaded)" = $((n + 1)) ]

# A slow reload: the config file becomes a FIFO, whose open blocks (in
# the kernel's wait_for_partner) until the test opens it for writing.
mv "$cfg" "$cfg.real" && mkfifo "$cfg"
post "http://127.0.0.1:$PORT/-/reload" >"$TMP/slow_post.code" &
post_pid=$!; PIDS+=("$post_pid")
blocked() { grep -qs wait_for_partner /proc/"$EXPORTER_PID"/task/*/wchan; }
check "the reload is blocked reading the config" eventually 5 blocked
out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 3 \
	"http://127.0.0.1:$PORT/metrics")
echo "# scrape during the slow reload: ${out#* }s"
check "a scrape during the slow reload gets 200" [ "${out% *}" = 200 ]
check "within 1 s (${out#* }s)" awk -v t="${out#* }" 'BEGIN { exit !(t < 1) }'
check "the reload is still in progress" blocked
timeout 5 cp "$cfg.real" "$cfg"	# the reload reads it and goes on
wait "$post_pid"
check "the slow POST /-/reload then answers 200" [ "$(cat "$TMP/slow_post.code")" = 200 ]
rm -f "$cfg" && mv "$cfg.real" "$cfg"
check "reloaded twice in all" [ "$(reloaded)" = $((n + 2)) ]
check "SIGTERM exits 0" stop_exporter
check "instance gone" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
