#!/usr/bin/env bash
# Checks of issue 12: the text report of `ftrace_exporter diagnose` under a
# real terminal (a tmux pane 120 columns wide, so a line over 80 would
# show) and without one (a pipe). Run it under the host lock (flock
# /tmp/fte-host.lock): it makes a tracefs instance (fte_test_diag_tty's
# diagnose instance).
#  1. Terminal, with UDP to a closed port in a namespace of its own while
#     it traces: a live progress line, erased before the report; colour;
#     the verdict first; every line fits 80 columns; rates aligned; exit 0.
#  2. --from a running exporter under the terminal: the progress line
#     counts the exporter's drops (UDP to a closed port again).
#  3. Pipe: no escape codes, no progress line, the same verdict first.
. "$(dirname "$0")/lib.sh"
SESSION=fte_diag_tty_$$
CFG=$TMP/tty.yaml
BASE=fte_test_diag_tty
NS=fte_diag_tty_$$

tty_cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	# SIGHUP from the closed pane ends a diagnose still running: its
	# instance goes with it.
	eventually 10 eval '! ls "$TRACEFS/instances" | grep -q "^${BASE}_diag_"'
	cleanup
	ip netns del "$NS" 2>/dev/null
}
trap tty_cleanup EXIT

# pane [-e]: the pane's text (-e: with its escape codes).
pane() { tmux capture-pane -p -t "$SESSION" "$@"; }
pane_has() { pane | grep -qE "$1"; }

command -v tmux >/dev/null || { not_ok "tmux missing (scripts/deps.sh)"; finish; exit 1; }
mount_tracefs
sed "s/^  instance: ftrace_exporter /  instance: $BASE /" \
	"$ROOT/config/default.yaml" >"$CFG"
grep -q "instance: $BASE " "$CFG" || { not_ok "config copy"; finish; exit 1; }

# 1. Under a terminal.
tmux new-session -d -s "$SESSION" -x 120 -y 80 "bash --norc --noprofile" ||
	{ not_ok "tmux session"; finish; exit 1; }
tmux send-keys -t "$SESSION" "clear; $EXPORTER diagnose --config.file=$CFG \
--duration=4s; echo DIAG_EXIT=\$?" Enter
check "terminal: a live progress line while tracing" \
	eventually 10 pane_has '^tracing [0-9]+ s of 4 s, [0-9]+ drops so far'
ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip netns exec "$NS" "$UDPFLOOD" ::1 9 2000 32 2000 >/dev/null ||
	not_ok "flood in $NS"
check "terminal: the run ends" eventually 15 pane_has '^DIAG_EXIT=[0-9]+'
pane -e >"$TMP/tty.ansi"
pane >"$TMP/tty.txt"
check "terminal: exit 0" grep -q '^DIAG_EXIT=0' "$TMP/tty.txt"
check "terminal: the progress line is erased" \
	eval '! grep -q "drops so far" "$TMP/tty.txt"'
# The report starts after the echoed command line(s): the verdict is the
# first line after them.
first=$(grep -v -e "diagnose --config.file" -e '^--duration' "$TMP/tty.txt" |
	grep -m1 .)
check "terminal: the verdict comes first (got '$first')" \
	eval '[[ "$first" == Verdict:* ]]'
# (tmux writes "bold red" as two sequences: ESC[1m ESC[31m)
check "terminal: colour on the verdict (red or green)" \
	grep -qE $'\033\\[([0-9]+;)*3[12]m(\033\\[[0-9;]*m)*Verdict' "$TMP/tty.ansi"
check "terminal: headings in bold" grep -q $'\033\[1mProbes the kernel refused' "$TMP/tty.ansi"
check "terminal: every line fits 80 columns" \
	awk 'length($0) > 80 { print "too wide: " $0; bad = 1 } END { exit bad }' \
	"$TMP/tty.txt"
aligned() { awk '
	/ drops\/s/ && !/^Verdict/ { c = index($0, " drops/s"); if (!w) w = c
		if (c != w) bad = 1 }
	END { exit bad || !w }' "$TMP/tty.txt"; }
aligned || sed 's/^/# /' "$TMP/tty.txt"	# why, in the log
check "terminal: rates aligned" aligned

# 2. --from, under the same terminal.
INSTANCE=$BASE
start_exporter "$CFG" || { finish; exit 1; }
tmux send-keys -t "$SESSION" "clear; $EXPORTER diagnose --config.file=$CFG \
--duration=4s --from=http://127.0.0.1:$PORT/metrics; echo FROM_EXIT=\$?" Enter
check "--from: a live progress line" \
	eventually 10 pane_has '^watching [0-9]+ s of 4 s, 0 drops so far'
ip netns exec "$NS" "$UDPFLOOD" ::1 9 2000 32 2000 >/dev/null ||
	not_ok "flood in $NS"
check "--from: the progress line counts the exporter's drops" \
	eventually 5 pane_has '^watching [0-9]+ s of 4 s, [1-9][0-9]* drops so far'
check "--from: exit 0" eventually 10 pane_has '^FROM_EXIT=0'
check "--from: no_listener first" eventually 2 pane_has '^ 1\. no_listener '
stop_exporter
INSTANCE=
tmux kill-session -t "$SESSION"

# 3. In a pipe.
"$EXPORTER" diagnose --config.file="$CFG" --duration=1s | cat >"$TMP/pipe.txt"
check "pipe: exit 0" [ "${PIPESTATUS[0]}" -eq 0 ]
check "pipe: no escape codes" eval '! grep -q $'"'"'\033'"'"' "$TMP/pipe.txt"'
check "pipe: no carriage return (no progress line)" \
	eval '! grep -q $'"'"'\r'"'"' "$TMP/pipe.txt"'
check "pipe: the verdict first" eval '[[ "$(head -n1 "$TMP/pipe.txt")" == Verdict:* ]]'
check "pipe: every line fits 80 columns" \
	awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$TMP/pipe.txt"
finish
