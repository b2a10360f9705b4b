#!/usr/bin/env bash
# Issue 8, item 5: label values are always valid UTF-8, and string labels
# keep up to 255 bytes, cut before a character, never inside one.
#  - N UDP datagrams received on a veth named "v\xff" (any user can name a
#    device so in a namespace of their own) count as name="v\uFFFD" (each
#    byte that is no UTF-8 becomes U+FFFD), /metrics passes promtool, and
#    the well-named peer's series counts exactly N too;
#  - K execs of a binary at a 100+ byte path with multi-byte characters
#    count under the whole path; K from a path over 255 bytes, with a 3-byte
#    character at bytes 253..255, under its first 253 bytes;
#  - a real Prometheus scrapes it (up 1) and stores the v\uFFFD series.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C	# lengths and matches in bytes
N=${N:-2000}
K=5
INSTANCE=fte_test_labels
NS_A=fte_labels_a_$$
NS_B=fte_labels_b_$$
ADDR_A=10.251.77.1
ADDR_B=10.251.77.2
BAD=$'v\xff'
SHOWN=$'v\xef\xbf\xbd'
WIDE=$'\xc3\xa9t\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac'	# été-日本

labels_cleanup() {
	cleanup		# processes (Prometheus too), the instance, $TMP
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap labels_cleanup EXIT

# A in NS_A and "v\xff" in NS_B, a veth pair, IPv4.
make_netns() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip -n "$NS_A" link add fte-lbl-ok type veth peer name "$BAD" \
		netns "$NS_B" &&
	ip -n "$NS_A" addr add "$ADDR_A/24" dev fte-lbl-ok &&
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$BAD" &&
	ip -n "$NS_A" link set fte-lbl-ok up && ip -n "$NS_B" link set "$BAD" up
}

# long_path PREFIX LEN: PREFIX padded with x to LEN bytes.
long_path() {
	local p=$1
	while [ ${#p} -lt "$2" ]; do p+=x; done
	printf '%s' "$p"
}

# execs PATH: copies true to PATH and runs it K times.
execs() {
	mkdir -p "$(dirname "$1")" && cp "$(type -P true)" "$1" || return 1
	for _ in $(seq $K); do "$1" || return 1; done
}

rx() { printf 'ftrace_test_labels_rx_total{name="%s"}' "$1"; }
ex() { printf 'ftrace_test_labels_exec_total{filename="%s"}' "$1"; }

mount_tracefs
make_netns || { not_ok "cannot create namespaces and veths"; finish; exit 1; }
device_made() { ip -n "$NS_B" link show dev "$BAD" >/dev/null; }
check "iproute2 made the device v\\xff" device_made
start_exporter "$ROOT/tests/integration/configs/labels-utf8.yaml" || exit 1

ip netns exec "$NS_A" "$UDPFLOOD" "$ADDR_B" 9 "$N" 1000 >/dev/null
ip netns exec "$NS_B" "$UDPFLOOD" "$ADDR_A" 9 "$N" 1000 >/dev/null
got=$(wait_delta "$(rx "$SHOWN")" 0 "$N" 5)
check "v\\xff counted as v\\uFFFD, exactly $N (got $got)" [ "$got" -eq "$N" ]
got=$(wait_delta "$(rx fte-lbl-ok)" 0 "$N" 5)
check "its peer fte-lbl-ok counted exactly $N (got $got)" [ "$got" -eq "$N" ]

PATH1=$(long_path "$TMP/long-$WIDE-" 117)/true
PATH2=$(long_path "$TMP/cut-$WIDE-" 253)$'\xe6\x97\xa5-tail/true'
CUT2=${PATH2:0:253}
execs "$PATH1" && execs "$PATH2" || not_ok "cannot exec the long paths"
got=$(wait_delta "$(ex "$PATH1")" 0 "$K" 5)
check "a ${#PATH1}-byte path counted whole, $K times (got $got)" \
	[ "$got" -eq "$K" ]
got=$(wait_delta "$(ex "$CUT2")" 0 "$K" 5)
check "a ${#PATH2}-byte path counted as its first 253 bytes (got $got)" \
	[ "$got" -eq "$K" ]

scrape >"$TMP/metrics.txt"
check "promtool check metrics" promtool check metrics <"$TMP/metrics.txt"
check "no raw \\xff byte in the scrape" \
	bash -c "! grep -q \$'\\xff' '$TMP/metrics.txt'"
check "no parse errors" [ "$(value ftrace_exporter_parse_errors_total)" -eq 0 ]

# ---- a real Prometheus scrapes it ----
prom_port() { # an unused TCP port on 127.0.0.1
	node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",
		()=>{console.log(s.address().port);s.close();});'
}
# prom_query EXPR: the API's JSON answer
prom_query() {
	curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1"
}
# prom_has EXPR WANT: true once EXPR's value is WANT (within 30 s); else
# shows the last answer and Prometheus' log.
prom_has() {
	local answer
	for _ in $(seq 300); do
		answer=$(prom_query "$1")
		grep -q "\"$2\"\]" <<<"$answer" && return 0
		sleep 0.1
	done
	echo "# $answer"; tail -n3 "$TMP/prometheus.log" | sed 's/^/# /'
	return 1
}
PROM_PORT=$(prom_port)
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fte_test_labels
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$TMP/prometheus.yml" \
	--storage.tsdb.path="$TMP/prometheus" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
	>"$TMP/prometheus.log" 2>&1 &
PIDS+=($!)
check "Prometheus scrapes it: up 1" prom_has 'up{job="fte_test_labels"}' 1
# (PromQL refuses a literal U+FFFD, which Go reads as an error: escape it)
check "Prometheus stores name=\"v\\uFFFD\" = $N" \
	prom_has 'ftrace_test_labels_rx_total{name="v\uFFFD"}' "$N"
check "exit 0 on SIGTERM" stop_exporter
finish
