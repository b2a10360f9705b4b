#!/usr/bin/env bash
# Issue 8, item 1: a config whose every probe names an event this kernel
# lacks. The exporter starts and serves probe_up 0 with the reason logged
# (no crash: it used to die with SIGSEGV in parser_new on a tep with no
# events); --check-config lists the probe and exits 1 without crashing;
# nothing is left in tracefs after SIGTERM, nor after a start that fails
# later (the listen port is taken).
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_life_absent
mount_tracefs
inst=$TRACEFS/instances/$INSTANCE
trap 'rmdir "${inst}2" 2>/dev/null; cleanup' EXIT
cfg=$TMP/absent.yaml
cat >"$cfg" <<YAML
tracing:
  instance: $INSTANCE
probes:
  - name: ghost
    tracepoint: skb:no_such_event
  - name: ghost2
    tracepoint: nosys:nothing
YAML
UP='ftrace_exporter_probe_up{probe="ghost"}'

out=$("$EXPORTER" --check-config --config.file="$cfg" 2>&1); rc=$?
check "check-config: exits 1, no crash (rc $rc)" [ "$rc" -eq 1 ]
check "check-config: lists the missing event" grep -q 'absent.yaml:4:5: probe ghost: .*skb:no_such_event' <<<"$out"
check "check-config: lists every probe" grep -q 'absent.yaml:6:5: probe ghost2: ' <<<"$out"
check "check-config: created no instance" [ ! -d "$inst" ]

if start_exporter "$cfg"; then
	ok "starts with every probe's event missing"
	check "probe_up 0" [ "$(scrape | grep -c '^ftrace_exporter_probe_up{probe="ghost2\?"} 0$')" -eq 2 ]
	check "reason logged" grep -q 'msg="probe down" probe=ghost .*reason="event skb:no_such_event not found"' "$LOG"
	check "SIGTERM exits 0" stop_exporter
	check "instance gone after SIGTERM" [ ! -d "$inst" ]
else
	not_ok "starts with every probe's event missing (status $(wait "$EXPORTER_PID"; echo $?))"
fi

# A start that fails after its instance was set up: the port is taken (by
# a first exporter, on an instance of its own).
start_exporter "$cfg" || exit 1
cfg2=$TMP/absent2.yaml
sed "s/$INSTANCE/${INSTANCE}2/" "$cfg" >"$cfg2"
"$EXPORTER" --config.file="$cfg2" --web.listen-address="127.0.0.1:$PORT" \
	>"$TMP/busy.log" 2>&1 &
second=$!
PIDS+=("$second")
wait "$second"; rc=$?
check "port in use: exits 1, no crash (rc $rc)" [ "$rc" -eq 1 ]
check "first one still serves" [ "$(value "$UP")" = 0 ]
check "SIGTERM exits 0" stop_exporter
check "failed start left no instance" [ ! -d "${inst}2" ]
check "nothing left after both" [ ! -d "$inst" ]
finish
