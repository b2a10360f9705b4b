#!/usr/bin/env bash
# Check 5 of issue 2: bad configs exit non-zero with FILE:LINE:COL before
# touching tracefs (no instance is created); --check-config validates against
# the running kernel and prints every problem.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_bad
mount_tracefs

bad() { # bad NAME EXPECTED-REGEX: the config in $TMP/NAME.yaml must be refused
	local f=$TMP/$1.yaml out
	# A deadline, so that a config wrongly accepted fails instead of serving.
	out=$(timeout 20 "$EXPORTER" --config.file="$f" \
		--web.listen-address=127.0.0.1:0 2>&1)
	local rc=$?
	check "$1: exits non-zero" [ "$rc" -ne 0 ]
	check "$1: says $2" grep -qE "$2" <<<"$out"
	check "$1: no instance created" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
}

cat >"$TMP/unknown_key.yaml" <<'YAML'
tracing:
  instance: fte_test_bad
probes:
  - name: drops
    tracepoint: skb:kfree_skb
    lables: [reason]
YAML
bad unknown_key "unknown_key.yaml:6:5: .*lables"

cat >"$TMP/syntax.yaml" <<'YAML'
tracing:
  instance: fte_test_bad
probes:
  - name: drops
    tracepoint: [skb:kfree_skb
YAML
bad syntax "syntax.yaml:[0-9]+:[0-9]+: "

cat >"$TMP/dup.yaml" <<'YAML'
tracing:
  instance: fte_test_bad
probes:
  - name: drops
    tracepoint: skb:kfree_skb
  - name: drops
    tracepoint: net:netif_receive_skb
YAML
bad dup "dup.yaml:6:11: duplicate probe name .drops"

cat >"$TMP/type.yaml" <<'YAML'
tracing:
  instance: fte_test_bad
  buffer_size_kb: lots
probes:
  - name: drops
    tracepoint: skb:kfree_skb
YAML
bad type "type.yaml:3:19: "

# Limits of pkg/yamldoc: 1 MiB, refused at the first byte past it, and 64
# levels of nesting, refused where it gets deeper (50,000 "[" used to keep
# libyaml busy for seconds).
{ printf 'tracing:\n  instance: fte_test_bad\nprobes:\n'
  printf '  - name: drops\n    tracepoint: skb:kfree_skb\n'
  head -c 1048576 /dev/zero | tr '\0' '#'; echo; } >"$TMP/big.yaml"
bad big "big.yaml:6:[0-9]+: larger than 1048576 bytes"
head -c 50000 /dev/zero | tr '\0' '[' >"$TMP/deep.yaml"
bad deep "deep.yaml:1:65: nested deeper than 64 levels"

cat >"$TMP/kernel.yaml" <<'YAML'
tracing:
  instance: fte_test_bad
probes:
  - name: drops
    tracepoint: skb:kfree_skb
    labels: [reason, no_such_field]
  - name: ghost
    tracepoint: skb:no_such_event
  - name: ghost2
    tracepoint: nosys:nothing
YAML
out=$("$EXPORTER" --check-config --config.file="$TMP/kernel.yaml" 2>&1); rc=$?
check "check-config: missing event is an error" [ "$rc" -eq 1 ]
check "check-config: names the first missing event" grep -q 'kernel.yaml:7:5: .*skb:no_such_event' <<<"$out"
check "check-config: prints every problem" grep -q 'kernel.yaml:9:5: .*nosys:nothing' <<<"$out"
check "check-config: warns about a missing field" grep -q 'kernel.yaml:4:5: warning: .*no_such_field' <<<"$out"
check "check-config: created no instance" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
check "check-config: default config is valid here" \
	"$EXPORTER" --check-config --config.file="$ROOT/config/default.yaml"
finish
