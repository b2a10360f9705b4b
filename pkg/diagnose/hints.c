/* hints: what a cause means in the seed's terms (network loss, queue
 * congestion, a NIC or driver fault) and the next step an operator takes.
 * Keyed by the cause names of config/default.yaml and the kernel's reason
 * names; a cause a config adds gets the generic sentence. */
#include "diagnose/diagnose_int.h"

#include <string.h>

struct hint {
	const char *key, *text;
};

static const struct hint explain[] = {
	{ "congestion", "Queue congestion: a socket buffer or queue was full." },
	{ "policy", "Dropped on purpose by a firewall, filter or BPF program: "
		    "not loss." },
	{ "no_listener", "Nothing listens on the destination port: the "
			 "packets are refused, not lost." },
	{ "corruption", "Damaged or malformed packets: points at a NIC or "
			"driver fault, or the link." },
	{ "routing", "No usable path: routes, neighbours (ARP/NDP) or "
		     "addresses." },
	{ "protocol", "The protocol rejected valid packets (TCP state, "
		      "sequence or window checks, fragments)." },
	{ "other", "Drops the config does not classify (often normal "
		   "teardown)." },
};

static const struct hint next_reason[] = {
	{ "SOCKET_RCVBUFF", "The application reads too slowly: make it read "
			    "faster, raise its SO_RCVBUF or net.core.rmem_max." },
	{ "NETFILTER_DROP", "Find the DROP rule: `nft list ruleset` or "
			    "`iptables-save` (filter table, INPUT and FORWARD "
			    "chains)." },
	{ "NO_SOCKET", "Nothing listens on that port: check that the service "
		       "runs and binds it (`ss -lnup`, `ss -lntp`)." },
	{ "SOCKET_BACKLOG", "The socket's backlog overflowed: the application "
			    "is too slow, or raise net.core.rmem_max." },
	{ "TCP_LISTEN_OVERFLOW", "The accept queue is full: accept faster, "
				 "raise listen()'s backlog and "
				 "net.core.somaxconn." },
	{ "CPU_BACKLOG", "The CPU's backlog is full: raise "
			 "net.core.netdev_max_backlog, spread load (RPS)." },
	{ "QDISC_DROP", "A queueing discipline dropped: `tc -s qdisc`." },
};

static const struct hint next_cause[] = {
	{ "congestion", "Find the full queue: `nstat -az | grep -i -e drop "
			"-e overflow`, then raise it or slow the sender." },
	{ "policy", "Look at the rule sets: `nft list ruleset`, "
		    "`iptables-save`, `tc filter show`, `bpftool prog`." },
	{ "no_listener", "Check the destination service and its port "
			 "(`ss -lnup`, `ss -lntp`)." },
	{ "corruption", "Check the NIC: `ethtool -S DEV` (CRC, frame "
			"errors), the cable and the driver." },
	{ "routing", "Check the path: `ip route get ADDR`, `ip neigh`." },
	{ "protocol", "Compare both ends: `nstat -az 'Tcp*'`, `ss -ti`." },
};

static const struct hint rules[] = {
	{ "retransmits", "Retransmits point at congestion, loss on the path "
			 "or a slow peer." },
	{ "send_receive_deficit", "Sends without matching receives point at "
				  "network loss." },
	{ "receive_path_gap", "Packets that entered the receive path but did "
			      "not reach the stack point at the NIC or "
			      "driver." },
};

/* The text of key in table[n], or NULL. */
static const char *lookup(const struct hint *table, int n, const char *key)
{
	for (int i = 0; key && i < n; i++)
		if (!strcmp(table[i].key, key))
			return table[i].text;
	return NULL;
}

#define LOOKUP(table, key) lookup(table, sizeof(table) / sizeof(*table), key)

/* See diagnose_int.h: static strings, never NULL. */
const char *diag_hint_explain(const char *cause)
{
	const char *s = LOOKUP(explain, cause);

	return s ? s : "A cause named by the config's causes section.";
}

/* The reason's own step where there is one, else the cause's. */
const char *diag_hint_next(const char *cause, const char *reason)
{
	const char *s = LOOKUP(next_reason, reason);

	if (!s)
		s = LOOKUP(next_cause, cause);
	return s ? s : "See the reasons and locations below.";
}

/* A heuristic's meaning, by its cause name. */
const char *diag_hint_rule(const char *cause)
{
	const char *s = LOOKUP(rules, cause);

	return s ? s : "A heuristic of the config's causes section.";
}
