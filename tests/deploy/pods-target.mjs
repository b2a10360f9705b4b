// pods-target.mjs: a static scrape target for tests/deploy/live-prometheus.sh --pods.
// Serves, on 127.0.0.1:<free port> (printed on stdout once listening):
//   /ksm/metrics  kube_pod_info series as kube-state-metrics writes them, for addresses the
//                 test owns (documentation ranges, RFC 5737 and RFC 3849), and for the pods
//                 of $LIVE_PODS ("namespace pod host_network ip..." per line): network
//                 namespaces the test made, whose traffic the real exporter sees; a pod's
//                 first IP is kube_pod_info's pod_ip, and kube_pod_ips lists every IP
//                 (dual stack);
//   /metrics      exporter-shaped counters with saddr/daddr labels that grow at fixed rates
//                 (value = rate x seconds since start), so rate() is known.
// The expected results of the shipped rules over these series are in live-prometheus.sh.
import http from "node:http";

const t0 = Date.now();
const pods = [
    // namespace, pod, host_network, ip...
    ["shop", "web-1", "false", "192.0.2.10"],
    ["shop", "db-0", "false", "2001:db8::20"],
    // Host-network pods: pod_ip is the node's IP, for both.
    ["kube-system", "kube-proxy-n1", "true", "192.0.2.1"],
    ["monitoring", "node-exporter-n1", "true", "192.0.2.1"],
    ...(process.env.LIVE_PODS || "").split("\n").filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)),
];
const pkt = 'dport="53"';
const counters = [
    // name, labels, per second
    ["ftrace_skb_drops_by_peer_total", `reason="NO_SOCKET",saddr="198.51.100.7",daddr="192.0.2.10",${pkt}`, 20],
    ["ftrace_skb_drops_by_peer_total", `reason="QDISC_DROP",saddr="2001:db8::20",daddr="2001:db8::99",${pkt}`, 3],
    ["ftrace_skb_drops_by_peer_total", `reason="NO_SOCKET",saddr="198.51.100.7",daddr="192.0.2.1",${pkt}`, 7],
    ["ftrace_skb_drops_by_peer_total", 'reason="NO_SOCKET"', 11],
    ["ftrace_tcp_retransmits_by_peer_total", 'saddr="192.0.2.10",daddr="198.51.100.9",dport="443"', 2],
    ["ftrace_tcp_retransmits_by_peer_total", 'saddr="2001:db8::99",daddr="2001:db8::20",dport="5432"', 1],
];

function ksm_text() {
    const lines = ["# TYPE kube_pod_info gauge"];
    for (const [ns, pod, hn, ip] of pods)
        lines.push(`kube_pod_info{namespace="${ns}",pod="${pod}",pod_ip="${ip}",host_network="${hn}",node="n1"} 1`);
    lines.push("# TYPE kube_pod_ips gauge");
    for (const [ns, pod, , ...ips] of pods)
        for (const ip of ips)
            lines.push(`kube_pod_ips{namespace="${ns}",pod="${pod}",ip="${ip}",ip_family="${ip.includes(":") ? 6 : 4}"} 1`);
    return lines.join("\n") + "\n";
}

function exporter_text() {
    const s = (Date.now() - t0) / 1000, lines = [];
    for (const name of new Set(counters.map((c) => c[0]))) lines.push(`# TYPE ${name} counter`);
    for (const [name, labels, rate] of counters) lines.push(`${name}{${labels}} ${(rate * s).toFixed(3)}`);
    return lines.join("\n") + "\n";
}

const server = http.createServer((req, res) => {
    const body = req.url === "/ksm/metrics" ? ksm_text() : req.url === "/metrics" ? exporter_text() : null;
    res.writeHead(body === null ? 404 : 200, { "Content-Type": "text/plain; version=0.0.4" });
    res.end(body ?? "not found\n");
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
