/* Unit tests for pkg/parse: label kinds resolved from saved event formats
 * of real kernels (tests/fixtures/events), records replayed through
 * synthetic ring-buffer pages, labels rendered back to the kernel's names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event-parse.h>
#include <kbuffer.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixture_tep.h"
#include "page_builder.h"
#include "parse/funcs.h"
#include "parse/ksyms.h"
#include "parse/page.h"
#include "parse/parse.h"
#include "pktwin/pktwin.h"
#include "tracefs/tracefs.h"
#include "strtab/strtab.h"


/* An address inside the running kernel's tcp_v4_rcv (so the %p location of
 * old kernels is named too), as the parser's own kallsyms table names it;
 * when kallsyms hides addresses, a made-up one that renders in hex. */
static uint64_t location;
static bool text_known;
static char location_name[32] = "tcp_v4_rcv";

static uint64_t symbol_address(const char *want)
{
	char line[256], sym[128], type;
	unsigned long long addr = 0, found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, want))
			found = addr;
	if (f)
		fclose(f);
	return found;
}

struct env {
	struct tep_handle *tep;
	struct config *cfg;
	struct parser *parser;
	struct metrics *metrics;
	struct parse_thread *thread;
	struct pstate *st;
	unsigned char page[4096];
};

static struct env *env_new(const char *kver, const char *yaml)
{
	struct env *e = calloc(1, sizeof(*e));
	unsigned caps[8] = { 100, 100, 100, 100, 100, 100, 100, 100 };

	e->tep = fixture_tep_new(kver);
	fixture_load_event(e->tep, kver, "skb_kfree_skb", "skb");
	if (!strcmp(kver, "6.1")) {	/* event probes of instance vmcap */
		fixture_load_event(e->tep, kver, "fte_vmcap_drops", "fte_vmcap");
		fixture_load_event(e->tep, kver, "fte_vmcap_ports", "fte_vmcap");
	}
	if (!strcmp(kver, "6.18")) {
		fixture_load_event(e->tep, kver, "net_netif_receive_skb", "net");
		fixture_load_event(e->tep, kver, "tcp_tcp_retransmit_skb",
				   "tcp");
		fixture_load_event(e->tep, kver, "tcp_tcp_send_reset", "tcp");
		fixture_load_event(e->tep, kver, "sock_inet_sock_set_state",
				   "sock");
	}
	e->cfg = config_parse("t.yaml", yaml, stderr);
	assert_non_null(e->cfg);
	e->parser = parser_new(e->tep, e->cfg);
	assert_non_null(e->parser);
	e->st = pstate_new(config_probe_count(e->cfg));
	assert_non_null(e->st);
	for (int i = 0; i < config_probe_count(e->cfg); i++)
		pstate_set(e->st, i, NULL);
	parser_count_up(e->parser, e->st);
	e->metrics = metrics_new(config_probe_count(e->cfg), caps, 1);
	e->thread = parse_thread_new(e->parser, metrics_shard(e->metrics, 0));
	assert_non_null(e->thread);
	return e;
}

static void env_free(struct env *e)
{
	parse_thread_free(e->thread);
	metrics_free(e->metrics);
	parser_free(e->parser);
	pstate_free(e->st);
	config_free(e->cfg);
	tep_free(e->tep);
	free(e);
}

/* A kfree_skb record in the 6.18 layout (see the fixture's offsets). */
static int kfree_skb_618(unsigned char *rec, uint32_t reason)
{
	uint16_t type = 2310, proto = 2048;
	uint64_t loc = location;

	memset(rec, 0, 40);
	memcpy(rec, &type, 2);
	memcpy(rec + 16, &loc, 8);
	memcpy(rec + 32, &proto, 2);
	memcpy(rec + 36, &reason, 4);
	return 40;
}

/* A netif_receive_skb record: __data_loc name at 20 -> string at 24. */
static int netif_618(unsigned char *rec, const char *dev)
{
	uint16_t type = 2303;
	uint32_t loc = 24 | (uint32_t)(strlen(dev) + 1) << 16;

	memset(rec, 0, 40);
	memcpy(rec, &type, 2);
	memcpy(rec + 20, &loc, 4);
	memcpy(rec + 24, dev, strlen(dev) + 1);
	return 24 + (int)strlen(dev) + 1;
}

struct seen {
	char vals[4][CONFIG_MAX_LABELS][LABEL_VALUE_MAX];
	uint64_t counts[4];
	int n;
	const struct parser *parser;
	int probe;
};

static void collect(const struct series_key *k, uint64_t count, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 4);
	parser_render(s->parser, s->probe, k, s->vals[s->n]);
	s->counts[s->n++] = count;
}

static const char drops_yaml[] =
	"probes:\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location, protocol]\n";

static void test_kfree_skb_618_labels(void **state)
{
	struct env *e = env_new("6.18", drops_yaml);
	struct page_builder b;
	unsigned char rec[64];
	struct seen s = { .parser = e->parser };

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	for (int i = 0; i < 3; i++)
		assert_int_equal(pb_add(&b, rec, kfree_skb_618(rec, 3)), 0);
	assert_int_equal(pb_add(&b, rec, kfree_skb_618(rec, 9999)), 0);
	assert_int_equal(parse_page(e->thread, e->page), 4);
	assert_int_equal(metrics_hits(e->metrics, 0), 4);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < 2; i++) {
		const char *want = s.counts[i] == 3 ? "NO_SOCKET" : "9999";

		assert_string_equal(s.vals[i][0], want);
		assert_string_equal(s.vals[i][1], location_name);
		assert_string_equal(s.vals[i][2], "2048");
	}
	env_free(e);
}

/* Where a tcp/sock event of the 6.18 fixtures keeps its addresses. */
struct addr_layout {
	uint16_t type;
	int size, sport, family, v4, v6;	/* saddr; daddr follows each */
};

static const struct addr_layout retransmit_618 = { 2281, 80, 28, 32, 34, 42 };
static const struct addr_layout set_state_618 = { 2287, 72, 24, 28, 32, 40 };

/* Writes text (IPv4 or IPv6) as the kernel's TP_STORE_ADDRS does: an IPv4
 * address in the IPv4 field and, IPv4-mapped, in the IPv6 one; an IPv6
 * address in the IPv6 field, the IPv4 field left with junk (10.0.0.1) that
 * must not be read. Returns the family. */
static uint16_t put_addr(unsigned char *v4, unsigned char *v6,
			 const char *text)
{
	static const unsigned char junk[4] = { 10, 0, 0, 1 };

	if (inet_pton(AF_INET, text, v4) == 1) {
		memset(v6, 0, 16);
		v6[10] = v6[11] = 0xff;
		memcpy(v6 + 12, v4, 4);
		return AF_INET;
	}
	assert_int_equal(inet_pton(AF_INET6, text, v6), 1);
	memcpy(v4, junk, 4);
	return AF_INET6;
}

/* A record of layout l from src:sport to dst:80; family forced to fam when
 * fam is not 0 (an AF_INET6 socket with IPv4-mapped addresses). */
static int addr_rec(unsigned char *rec, const struct addr_layout *l,
		    const char *src, const char *dst, uint16_t sport,
		    uint16_t fam)
{
	uint16_t dport = 80, f;

	memset(rec, 0, l->size);
	memcpy(rec, &l->type, 2);
	memcpy(rec + l->sport, &sport, 2);
	memcpy(rec + l->sport + 2, &dport, 2);
	f = put_addr(rec + l->v4, rec + l->v6, src);
	put_addr(rec + l->v4 + 4, rec + l->v6 + 16, dst);
	if (fam)
		f = fam;
	memcpy(rec + l->family, &f, 2);
	return l->size;
}

/* The row of s whose first label is want, or -1. */
static int seen_find(const struct seen *s, const char *want)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->vals[i][0], want))
			return i;
	return -1;
}

/* Asserts row want of s: its labels (NULL-terminated) and its count. */
static void assert_row(const struct seen *s, uint64_t count, ...)
{
	const char *v, *first;
	va_list ap;
	int i, l = 1;

	va_start(ap, count);
	first = va_arg(ap, const char *);
	i = seen_find(s, first);
	assert_int_not_equal(i, -1);
	while ((v = va_arg(ap, const char *)))
		assert_string_equal(s->vals[i][l++], v);
	va_end(ap);
	assert_int_equal(s->counts[i], count);
}

/* Where an skb event probe of the 6.1 fixtures (tests/fixtures/events/6.1,
 * made by the exporter in the 6.1 guest) keeps its fields. */
struct eprobe_layout {
	uint16_t type;
	int size, head, data, nh, th, proto, win;
};

/* fte_vmcap/drops: location, reason, device (__data_loc at 24, the string
 * after the window), then the window fields; fte_vmcap/ports: netns, then
 * the window fields. */
static const struct eprobe_layout drops_61 = { 1338, 190, 28, 36, 44, 46,
					       48, 50 };
static const struct eprobe_layout ports_61 = { 1339, 162, 12, 20, 28, 30,
					       32, 34 };

#define SKB_HEAD 0xffff888004560000ull

/* RFC 1071's checksum of an IPv4 header of len bytes, stored in it. */
static void ip4_csum(uint8_t *h, int len)
{
	uint32_t sum = 0;

	h[10] = h[11] = 0;
	for (int i = 0; i < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	h[10] = (uint8_t)(~sum >> 8);
	h[11] = (uint8_t)~sum;
}

/* The window of a received UDP datagram src:40000 -> dst:9999 (IPv4 or
 * IPv6 by the text) at the receive path's offsets: Ethernet 14, then IP,
 * skb->data at the UDP header. nh 0xffff: no network header (the window
 * holds nothing the exporter may read). Writes the window fields of l. */
static void put_window(unsigned char *rec, const struct eprobe_layout *l,
		       const char *src, const char *dst, uint16_t nh)
{
	uint8_t *win = rec + l->win, ip[40] = { 0 };
	bool v6 = strchr(dst, ':');
	uint16_t th = 14 + (v6 ? 40 : 20), proto = htons(v6 ? 0x86dd : 0x0800);
	uint64_t head = SKB_HEAD, data = SKB_HEAD + th;
	uint8_t ports[4] = { 40000 >> 8, 40000 & 0xff, 9999 >> 8, 9999 & 0xff };

	if (v6) {
		ip[0] = 0x60, ip[5] = 72, ip[6] = 17, ip[7] = 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
	} else {
		ip[0] = 0x45, ip[3] = 92, ip[8] = 64, ip[9] = 17;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		ip4_csum(ip, 20);
	}
	memcpy(win + PKTWIN_BEFORE - (v6 ? 40 : 20), ip, v6 ? 40 : 20);
	memcpy(win + PKTWIN_BEFORE, ports, 4);
	memcpy(rec + l->head, &head, 8);
	memcpy(rec + l->data, &data, 8);
	memcpy(rec + l->nh, &nh, 2);
	memcpy(rec + l->th, &th, 2);
	memcpy(rec + l->proto, &proto, 2);
}

/* A record of fte_vmcap/drops: NO_SOCKET (2 in 6.1's table) at location,
 * on device dev. */
static int drops_61_rec(unsigned char *rec, const char *src, const char *dst,
			uint16_t nh, const char *dev)
{
	uint64_t reason = 2, loc = location;
	uint32_t dl = 178 | (uint32_t)(strlen(dev) + 1) << 16;

	memset(rec, 0, drops_61.size);
	memcpy(rec, &drops_61.type, 2);
	memcpy(rec + 8, &loc, 8);
	memcpy(rec + 16, &reason, 8);
	memcpy(rec + 24, &dl, 4);
	put_window(rec, &drops_61, src, dst, nh);
	memcpy(rec + 178, dev, strlen(dev) + 1);
	return 178 + (int)strlen(dev) + 1;
}

static int ports_61_rec(unsigned char *rec, const char *src, const char *dst)
{
	uint32_t netns = 4026532114u;

	memset(rec, 0, ports_61.size);
	memcpy(rec, &ports_61.type, 2);
	memcpy(rec + 8, &netns, 4);
	put_window(rec, &ports_61, src, dst, 14);
	return ports_61.size;
}

static const char packet_yaml[] =
	"tracing:\n  instance: vmcap\n"
	"probes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location, daddr, device]\n"
	"  - name: ports\n    tracepoint: skb:kfree_skb\n"
	"    labels: [saddr, sport, dport, netns]\n";

/* Packet labels from the 6.1 event probes: the probe counts its event
 * probe (session_probe_event()), reason and location copied as plain
 * numbers there are named with the tracepoint's own symbol table and by
 * kallsyms; addresses and ports come from the window (IPv4 and IPv6), a
 * drop with no network header leaves them empty and is counted under
 * status outside; device and netns are the event probe's own fields.
 * None of the window labels may be a hist key. */
static void test_eprobe_packet_labels(void **state)
{
	struct env *e = env_new("6.1", packet_yaml);
	struct seen s = { .parser = e->parser };
	const char *sys, *ev;
	struct page_builder b;
	unsigned char rec[256];

	(void)state;
	assert_true(session_probe_event(e->tep, e->cfg, 0, &sys, &ev));
	assert_string_equal(sys, "fte_vmcap");
	assert_string_equal(ev, "drops");
	assert_true(parser_packet_window(e->parser, 0));
	pb_init(&b, e->page, sizeof(e->page));
	for (int i = 0; i < 3; i++)
		pb_add(&b, rec, drops_61_rec(rec, "10.77.0.1", "10.77.0.2", 14,
					     "fte_pk1"));
	pb_add(&b, rec, drops_61_rec(rec, "fd77::1", "fd77::2", 14, "fte_pk1"));
	pb_add(&b, rec, drops_61_rec(rec, "10.77.0.1", "10.77.0.2", 0xffff,
				     "lo"));
	pb_add(&b, rec, ports_61_rec(rec, "10.77.0.1", "10.77.0.2"));
	pb_add(&b, rec, ports_61_rec(rec, "fd77::1", "fd77::2"));
	assert_int_equal(parse_page(e->thread, e->page), 7);
	assert_int_equal(metrics_parse_errors(e->metrics), 0);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 3);
	assert_row(&s, 3, "NO_SOCKET", location_name, "10.77.0.2", "fte_pk1",
		   NULL);
	assert_string_equal(s.vals[1][2], "fd77::2");
	assert_string_equal(s.vals[2][2], "");
	assert_string_equal(s.vals[2][3], "lo");
	assert_int_equal(metrics_packet_status(e->metrics, 0, PKTWIN_PORTS), 4);
	assert_int_equal(metrics_packet_status(e->metrics, 0, PKTWIN_OUTSIDE), 1);
	memset(&s, 0, sizeof(s));
	s.parser = e->parser;
	s.probe = 1;
	metrics_series_foreach(e->metrics, 1, collect, &s);
	assert_int_equal(s.n, 2);
	assert_row(&s, 1, "10.77.0.1", "40000", "9999", "4026532114", NULL);
	assert_row(&s, 1, "fd77::1", "40000", "9999", "4026532114", NULL);
	assert_non_null(parser_hist_refused(e->parser, 0));
	assert_non_null(parser_hist_refused(e->parser, 1));
	env_free(e);
}

/* Without its event probe (the kernel refused it: no format of it in the
 * tep) the probe counts its tracepoint: reason and location as always,
 * the packet labels missing (empty), still never hist keys. */
static void test_eprobe_absent_counts_tracepoint(void **state)
{
	struct env *e = env_new("6.1", "tracing:\n  instance: other\n"
		"probes:\n  - name: drops\n    tracepoint: skb:kfree_skb\n"
		"    labels: [reason, location, daddr, device]\n");
	struct seen s = { .parser = e->parser };
	uint16_t type = 1319;
	uint32_t reason = 2;
	uint64_t loc = location;
	const char *sys, *ev;
	struct page_builder b;
	unsigned char rec[32] = { 0 };

	(void)state;
	assert_false(session_probe_event(e->tep, e->cfg, 0, &sys, &ev));
	assert_string_equal(sys, "skb");
	assert_string_equal(ev, "kfree_skb");
	assert_false(parser_packet_window(e->parser, 0));
	assert_false(parser_label_missing(e->parser, 0, 0));
	assert_true(parser_label_missing(e->parser, 0, 2));
	assert_true(parser_label_missing(e->parser, 0, 3));
	memcpy(rec, &type, 2);
	memcpy(rec + 16, &loc, 8);
	memcpy(rec + 28, &reason, 4);
	pb_init(&b, e->page, sizeof(e->page));
	pb_add(&b, rec, sizeof(rec));
	pb_add(&b, rec, sizeof(rec));
	assert_int_equal(parse_page(e->thread, e->page), 2);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 1);
	assert_row(&s, 2, "NO_SOCKET", location_name, "", "", NULL);
	assert_non_null(parser_hist_refused(e->parser, 0));
	env_free(e);
}

/* Regression: __u8 saddr[4] was a string label (a u8 array), kept up to
 * its first NUL byte, so 10.0.0.1 and 10.0.1.1 were both "\n": one series.
 * Now each address is its own series, rendered as text, the IPv4 field
 * read for AF_INET and the IPv6 one for AF_INET6; an IPv4-mapped address
 * of an AF_INET6 socket is the IPv4 peer; ports stay decimal. */
static void test_address_labels(void **state)
{
	struct env *e = env_new("6.18", "probes:\n"
		"  - name: rtx\n    tracepoint: tcp:tcp_retransmit_skb\n"
		"    labels: [saddr, daddr, sport, dport]\n");
	const struct addr_layout *l = &retransmit_618;
	struct seen s = { .parser = e->parser };
	struct page_builder b;
	unsigned char rec[128];

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	pb_add(&b, rec, addr_rec(rec, l, "10.0.0.1", "10.0.0.2", 40000, 0));
	pb_add(&b, rec, addr_rec(rec, l, "10.0.1.1", "10.0.0.2", 40000, 0));
	pb_add(&b, rec, addr_rec(rec, l, "fd00::1", "fd00::2", 40000, 0));
	pb_add(&b, rec, addr_rec(rec, l, "10.0.0.1", "10.0.0.2", 40000,
				 AF_INET6));
	assert_int_equal(parse_page(e->thread, e->page), 4);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 3);
	assert_row(&s, 2, "10.0.0.1", "10.0.0.2", "40000", "80", NULL);
	assert_row(&s, 1, "10.0.1.1", "10.0.0.2", "40000", "80", NULL);
	assert_row(&s, 1, "fd00::1", "fd00::2", "40000", "80", NULL);
	assert_non_null(parser_hist_refused(e->parser, 0));
	env_free(e);
}

/* IPv6 in RFC 5952 form (the longest zero run shortened, the first of
 * equal runs, lower case), on
 * another event's layout, and the IPv6 field named directly. */
static void test_address_rfc5952(void **state)
{
	struct env *e = env_new("6.18", "probes:\n"
		"  - name: st\n    tracepoint: sock:inet_sock_set_state\n"
		"    labels: [daddr, saddr_v6]\n");
	struct seen s = { .parser = e->parser };
	struct page_builder b;
	unsigned char rec[128];

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	pb_add(&b, rec, addr_rec(rec, &set_state_618, "2001:DB8:0:0:1:0:0:1",
				 "2001:db8::ABCD:0:0:0", 1, 0));
	pb_add(&b, rec, addr_rec(rec, &set_state_618, "192.168.1.7",
				 "192.168.1.8", 1, 0));
	assert_int_equal(parse_page(e->thread, e->page), 2);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 2);
	assert_row(&s, 1, "2001:db8:0:0:abcd::", "2001:db8::1:0:0:1", NULL);
	assert_row(&s, 1, "192.168.1.8", "192.168.1.7", NULL);
	env_free(e);
}

/* A sockaddr field (%pISpc, tcp_send_reset's saddr[28]) says its own
 * family: sin_addr of a sockaddr_in, sin6_addr of a sockaddr_in6. */
static void test_address_sockaddr(void **state)
{
	struct env *e = env_new("6.18", "probes:\n"
		"  - name: rst\n    tracepoint: tcp:tcp_send_reset\n"
		"    labels: [daddr]\n");
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = 80 };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct seen s = { .parser = e->parser };
	uint16_t type = 2280;
	struct page_builder b;
	unsigned char rec[88];

	(void)state;
	inet_pton(AF_INET, "172.16.0.9", &in.sin_addr);
	inet_pton(AF_INET6, "fe80::9", &in6.sin6_addr);
	pb_init(&b, e->page, sizeof(e->page));
	memset(rec, 0, sizeof(rec));
	memcpy(rec, &type, 2);
	memcpy(rec + 60, &in, sizeof(in));
	pb_add(&b, rec, sizeof(rec));
	memcpy(rec + 60, &in6, sizeof(in6));
	pb_add(&b, rec, sizeof(rec));
	assert_int_equal(parse_page(e->thread, e->page), 2);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 2);
	assert_row(&s, 1, "172.16.0.9", NULL);
	assert_row(&s, 1, "fe80::9", NULL);
	env_free(e);
}

static void test_data_loc_device_name(void **state)
{
	struct env *e = env_new("6.18",
		"probes:\n"
		"  - name: rx\n"
		"    tracepoint: net:netif_receive_skb\n"
		"    labels: [name]\n");
	struct page_builder b;
	unsigned char rec[64];
	struct seen s = { .parser = e->parser };
	int lo;

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, netif_618(rec, "lo")), 0);
	assert_int_equal(pb_add(&b, rec, netif_618(rec, "veth-long-name0")), 0);
	assert_int_equal(parse_page(e->thread, e->page), 2);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 2);
	lo = strcmp(s.vals[0][0], "lo") != 0;	/* table order is a hash's */
	assert_string_equal(s.vals[lo][0], "lo");
	assert_string_equal(s.vals[!lo][0], "veth-long-name0");
	assert_int_equal(s.counts[lo], 1);
	assert_int_equal(s.counts[!lo], 1);
	env_free(e);
}

/* Long names (alt-names, paths): a name of 121 bytes with multi-byte
 * characters whole; names over STRTAB_LEN_MAX cut before the character
 * that would not fit; names equal in their first 255 bytes one series. */
static char long_name[4][300];

static void long_names_make(void)
{
	char *n = long_name[0];

	n[0] = '\0';
	while (strlen(n) < 120)
		strcat(n, "veth-\xc3\xa9t\xc3\xa9-\xe6\x97\xa5");	/* é, 日 */
	memset(long_name[1], 'a', 254);		/* 254 + é: é must go */
	strcpy(long_name[1] + 254, "\xc3\xa9tail");
	memset(long_name[2], 'b', 252);		/* 252 + U+1F600 */
	strcpy(long_name[2] + 252, "\xf0\x9f\x98\x80zz");
	memset(long_name[3], 'c', 255);
	strcpy(long_name[3] + 255, "ddd");
}

/* The row of s whose first value is want, or -1. */
static int seen_row(const struct seen *s, const char *want)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->vals[i][0], want))
			return i;
	return -1;
}

static void test_long_device_names(void **state)
{
	struct env *e = env_new("6.18",
		"probes:\n  - name: rx\n    tracepoint: net:netif_receive_skb\n"
		"    labels: [name]\n");
	struct seen s = { .parser = e->parser };
	struct page_builder b;
	unsigned char rec[320];
	char want[3][256] = { "", "", "" }, *other = long_name[3] + 255;

	(void)state;
	long_names_make();
	pb_init(&b, e->page, sizeof(e->page));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pb_add(&b, rec, netif_618(rec, long_name[i])),
				 0);
	strcpy(other, "eee");	/* same first 255 bytes as long_name[3] */
	assert_int_equal(pb_add(&b, rec, netif_618(rec, long_name[3])), 0);
	assert_int_equal(parse_page(e->thread, e->page), 5);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 4);
	memcpy(want[0], long_name[1], 254);
	memcpy(want[1], long_name[2], 252);
	memcpy(want[2], long_name[3], 255);
	assert_true(seen_row(&s, long_name[0]) >= 0);
	assert_true(seen_row(&s, want[0]) >= 0);
	assert_true(seen_row(&s, want[1]) >= 0);
	assert_int_equal(s.counts[seen_row(&s, want[2])], 2);
	env_free(e);
}

static void test_two_probes_one_event(void **state)
{
	struct env *e = env_new("6.18",
		"probes:\n"
		"  - name: a\n"
		"    tracepoint: skb:kfree_skb\n"
		"  - name: b\n"
		"    tracepoint: skb:kfree_skb\n"
		"    labels: [reason]\n");
	struct page_builder b;
	unsigned char rec[64];

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, kfree_skb_618(rec, 3)), 0);
	parse_page(e->thread, e->page);
	assert_int_equal(metrics_hits(e->metrics, 0), 1);
	assert_int_equal(metrics_hits(e->metrics, 1), 1);
	assert_int_equal(metrics_parse_errors(e->metrics), 0);
	env_free(e);
}

static void test_unknown_event_is_parse_error(void **state)
{
	struct env *e = env_new("6.18", drops_yaml);
	struct page_builder b;
	unsigned char rec[64] = { 0x34, 0x12 };	/* id 0x1234: not ours */

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, 16), 0);
	parse_page(e->thread, e->page);
	assert_int_equal(metrics_parse_errors(e->metrics), 1);
	assert_int_equal(metrics_hits(e->metrics, 0), 0);
	env_free(e);
}

/* A commit beyond the page (a damaged copy; found by tests/fuzz) is refused
 * before kbuffer reads past the page; flag bits above the size are not. */
static void test_corrupt_commit_is_parse_error(void **state)
{
	struct env *e = env_new("6.18", drops_yaml);
	struct page_builder b;
	unsigned char rec[64];
	uint64_t commit;

	(void)state;
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, kfree_skb_618(rec, 3)), 0);
	memcpy(&commit, e->page + 8, 8);
	commit |= 1ULL << 31;	/* RB_MISSED_EVENTS: a flag, not size */
	memcpy(e->page + 8, &commit, 8);
	assert_int_equal(parse_page(e->thread, e->page), 1);
	commit = 0x0404040404040404ULL;
	memcpy(e->page + 8, &commit, 8);
	assert_int_equal(parse_page(e->thread, e->page), -1);
	assert_int_equal(metrics_parse_errors(e->metrics), 1);
	assert_int_equal(metrics_hits(e->metrics, 0), 1);
	env_free(e);
}

static void test_disabled_probe_not_counted(void **state)
{
	struct env *e = env_new("6.18", drops_yaml);
	struct page_builder b;
	unsigned char rec[64];

	(void)state;
	pstate_set(e->st, 0, "disabled");
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, kfree_skb_618(rec, 3)), 0);
	parse_page(e->thread, e->page);
	assert_int_equal(metrics_hits(e->metrics, 0), 0);
	env_free(e);
}

/* The parser expects records only of the probes the table says count by
 * the ring buffer: an auto probe the generation put on a hist trigger is
 * not chained on its event, so the records a count probe on the same
 * event reads are not counted for it too (the trigger counts them), nor
 * are they parse errors. The table is read when parser_count_up() runs:
 * the mode set after parser_new() is the one obeyed. */
static void test_hist_mode_probe_not_chained(void **state)
{
	struct env *e = env_new("6.18", "probes:\n"
		"  - name: auto\n    tracepoint: skb:kfree_skb\n    mode: auto\n"
		"  - name: count\n    tracepoint: skb:kfree_skb\n"
		"  - name: auto_ring\n    tracepoint: skb:kfree_skb\n    mode: auto\n"
		"    labels: [reason]\n");
	struct page_builder b;
	unsigned char rec[64];

	(void)state;
	pstate_set_mode(e->st, 0, PSTATE_HIST);
	parser_count_up(e->parser, e->st);
	pb_init(&b, e->page, sizeof(e->page));
	for (int i = 0; i < 3; i++)
		assert_int_equal(pb_add(&b, rec, kfree_skb_618(rec, 3)), 0);
	assert_int_equal(parse_page(e->thread, e->page), 3);
	assert_int_equal(metrics_hits(e->metrics, 0), 0);
	assert_int_equal(metrics_hits(e->metrics, 1), 3);
	assert_int_equal(metrics_hits(e->metrics, 2), 3);
	assert_int_equal(metrics_parse_errors(e->metrics), 0);
	/* all on the ring buffer again: chained once each, no loop */
	pstate_set_mode(e->st, 0, PSTATE_RING);
	parser_count_up(e->parser, e->st);
	assert_int_equal(parse_page(e->thread, e->page), 3);
	assert_int_equal(metrics_hits(e->metrics, 0), 3);
	assert_int_equal(metrics_hits(e->metrics, 1), 6);
	assert_int_equal(metrics_hits(e->metrics, 2), 6);
	env_free(e);
}

static void test_missing_event_marks_probe(void **state)
{
	struct env *e = env_new("6.18",
		"probes:\n"
		"  - name: ghost\n"
		"    tracepoint: skb:no_such_event\n");

	(void)state;
	assert_non_null(parser_probe_error(e->parser, 0));
	assert_non_null(strstr(parser_probe_error(e->parser, 0),
			       "skb:no_such_event"));
	env_free(e);
}

/* Before 5.17 kfree_skb has no reason: that label is left empty, the rest
 * still works, and a %p location inside kernel text is still named. */
static void test_kfree_skb_510_no_reason(void **state)
{
	struct env *e = env_new("5.10", drops_yaml);
	struct page_builder b;
	unsigned char rec[32] = { 0 };
	uint16_t type = 1293, proto = 2048;
	uint64_t loc = location;
	struct seen s = { .parser = e->parser };

	(void)state;
	if (!text_known)
		skip();	/* kallsyms hides addresses: no text range */
	assert_true(parser_label_missing(e->parser, 0, 0));
	assert_false(parser_label_missing(e->parser, 0, 1));
	memcpy(rec, &type, 2);
	memcpy(rec + 16, &loc, 8);
	memcpy(rec + 24, &proto, 2);
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, 28), 0);
	assert_int_equal(parse_page(e->thread, e->page), 1);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.vals[0][0], "");
	assert_string_equal(s.vals[0][2], "2048");
	assert_string_equal(s.vals[0][1], "tcp_v4_rcv");
	env_free(e);
}

/* ---- page: sub-buffers kbuffer must not walk (page.c) ---- */

#define PAGE_SIZE 4096
#define PAGE_ROOM (PAGE_SIZE - PB_DATA_OFFSET)
#define COMMIT_MISSED_STORED (3ULL << 30)	/* missed events, count kept */
#define HDR(type_len) ((uint32_t)(type_len) | 1u << 5)	/* time delta 1 */

/* A zeroed sub-buffer of exactly page size on the heap, so that under the
 * sanitizers (scripts/run-sanitize.sh) a read past it is reported. */
static unsigned char *page_new(uint64_t commit)
{
	unsigned char *page = calloc(1, PAGE_SIZE);

	assert_non_null(page);
	memcpy(page + 8, &commit, 8);
	return page;
}

/* Writes the 32-bit word w at data offset at. */
static void page_word(unsigned char *page, int at, uint32_t w)
{
	memcpy(page + PB_DATA_OFFSET + at, &w, 4);
}

/* parse_page(page) refuses it as one parse error, and counts nothing. The
 * alarm turns an endless walk (the old code) into a failing test. */
static void assert_page_refused(unsigned char *page)
{
	struct env *e = env_new("6.18", drops_yaml);

	alarm(5);
	assert_int_equal(parse_page(e->thread, page), -1);
	alarm(0);
	assert_int_equal(metrics_parse_errors(e->metrics), 1);
	assert_int_equal(metrics_hits(e->metrics, 0), 0);
	env_free(e);
	free(page);
}

/* A padding event of length -4 leads kbuffer back to itself: it used to
 * loop forever. */
static void test_page_padding_loops(void **state)
{
	unsigned char *page = page_new(8);

	(void)state;
	page_word(page, 0, HDR(29));
	page_word(page, 4, (uint32_t)-4);
	assert_page_refused(page);
}

/* An event whose second word lies past a full commit: kbuffer read 4 bytes
 * past the page (an unaligned padding before it makes that up to 7). */
static void test_page_event_past_end(void **state)
{
	const uint32_t types[] = { 30, 31, 0, 29 };

	(void)state;
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		unsigned char *page = page_new(PAGE_ROOM);

		page_word(page, 0, HDR(29));	/* padding up to the last word */
		page_word(page, 4, PAGE_ROOM - 8);
		page_word(page, PAGE_ROOM - 4, HDR(types[i]));
		assert_page_refused(page);
	}
	for (int pad = 1; pad < 4; pad++) {	/* header across the end */
		unsigned char *page = page_new(PAGE_ROOM);

		page_word(page, 0, HDR(29));
		page_word(page, 4, PAGE_ROOM - 8 + pad);
		assert_page_refused(page);
	}
}

/* A missed-events count "stored" after a commit that fills the page: kbuffer
 * read 8 bytes past the page. */
static void test_page_missed_count_past_end(void **state)
{
	unsigned char *page = page_new(PAGE_ROOM | COMMIT_MISSED_STORED);

	(void)state;
	page_word(page, 0, HDR(29));
	page_word(page, 4, PAGE_ROOM - 4);
	assert_page_refused(page);
}

/* Every shape the kernel writes passes: time extend, absolute time stamp,
 * a discarded event (padding), a record longer than 112 bytes (type_len 0),
 * the rest of the page padded beyond the commit, and a missed-events count
 * stored after the commit. */
/* page_next_record() gives the records kbuffer gives, at the same
 * addresses and of the same sizes. */
static void assert_same_walk(unsigned char *page)
{
	struct page_layout l = { 8, 8, PAGE_SIZE };
	struct kbuffer *kb = kbuffer_alloc(KBUFFER_LSIZE_8,
					   KBUFFER_ENDIAN_LITTLE);
	int end = page_check(&l, page), at = 0, size, n = 0;
	unsigned long long ts;
	void *rec;

	assert_non_null(kb);
	assert_true(end > 0);
	assert_int_equal(kbuffer_load_subbuffer(kb, page), 0);
	for (rec = kbuffer_read_event(kb, &ts); rec;
	     rec = kbuffer_next_event(kb, &ts), n++) {
		assert_ptr_equal(page_next_record(&l, page, end, &at, &size),
				 rec);
		assert_int_equal(size, kbuffer_event_size(kb));
		if (!n)	/* kbuffer gives the count with the first event */
			assert_int_equal(page_missed(&l, page, end),
					 kbuffer_missed_events(kb));
	}
	assert_null(page_next_record(&l, page, end, &at, &size));
	assert_int_equal(n, 2);
	kbuffer_free(kb);
}

static void test_page_kernel_shapes(void **state)
{
	struct env *e = env_new("6.18", drops_yaml);
	unsigned char *page = page_new(0), rec[128] = { 0 };
	int at = 0;
	uint64_t commit;

	(void)state;
	page_word(page, at, HDR(30));
	at += 8;
	page_word(page, at, HDR(31));
	at += 8;
	page_word(page, at, HDR(29));		/* discarded 8-byte event */
	page_word(page, at + 4, 8);
	at += 12;
	page_word(page, at, HDR(0));		/* a 128-byte record */
	page_word(page, at + 4, 128 + 4);
	kfree_skb_618(rec, 3);
	memcpy(page + PB_DATA_OFFSET + at + 8, rec, sizeof(rec));
	at += 8 + 128;
	page_word(page, at, HDR(40 / 4));
	memcpy(page + PB_DATA_OFFSET + at + 4, rec, 40);
	at += 4 + 40;
	page_word(page, at, HDR(29));		/* the rest of the page */
	page_word(page, at + 4, PAGE_ROOM - at - 4);
	commit = (at + 8) | COMMIT_MISSED_STORED;
	memcpy(page + 8, &commit, 8);
	assert_int_equal(parse_page(e->thread, page), 2);
	assert_int_equal(metrics_parse_errors(e->metrics), 0);
	assert_int_equal(metrics_hits(e->metrics, 0), 2);
	assert_same_walk(page);
	free(page);
	env_free(e);
}

/* ---- hist: the kernel's hist text read back as series ---- */

struct hist_seen {
	const struct parser *parser;
	int probe, n;
	char vals[4][CONFIG_MAX_LABELS][LABEL_VALUE_MAX];
	uint64_t counts[4];
};

static void hist_collect(const struct series_key *k, uint64_t count,
			 void *arg)
{
	struct hist_seen *s = arg;

	assert_true(s->n < 4);
	parser_render(s->parser, s->probe, k, s->vals[s->n]);
	s->counts[s->n++] = count;
}

/* Numbers (enum, %pS address) and padded strings, as 6.1 prints them, in
 * the trigger's key order; totals from the footer. */
static void test_hist_text_to_series(void **state)
{
	struct env *e = env_new("6.18", drops_yaml);
	const struct probe_spec *spec = config_probe(e->cfg, 0);
	struct hist_seen s = { .parser = e->parser };
	struct hist_totals t;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text),
		 "# event histogram\n#\n# trigger info: hist:keys=reason,"
		 "location,protocol:vals=hitcount:sort=hitcount:size=1024 "
		 "[active]\n#\n\n"
		 "{ reason:          3, location: %llu, protocol:       2048 }"
		 " hitcount:         50\n"
		 "{ reason:       9999, location: %llu, protocol:         34 }"
		 " hitcount:          7\n\nTotals:\n    Hits: 58\n"
		 "    Entries: 2\n    Dropped: 1\n",
		 (unsigned long long)location, (unsigned long long)location);
	assert_int_equal(parser_hist_parse(e->parser, 0, spec, text,
					   hist_collect, &s, &t), 2);
	assert_string_equal(s.vals[0][0], "NO_SOCKET");
	assert_string_equal(s.vals[0][1], location_name);
	assert_string_equal(s.vals[0][2], "2048");
	assert_int_equal(s.counts[0], 50);
	assert_string_equal(s.vals[1][0], "9999");
	assert_int_equal(s.counts[1], 7);
	assert_true(t.hits == 58 && t.dropped == 1);
	assert_int_equal(parser_hist_parse(e->parser, 0, spec,
					   "{ reason: 3 } hitcount: 1\n",
					   hist_collect, &s, &t), -1);
	env_free(e);
}

static const char rx_yaml[] =
	"probes:\n  - name: rx\n    tracepoint: net:netif_receive_skb\n"
	"    labels: [name, len]\n";

/* Appends one entry of the rx probe's hist file as the kernel prints it
 * (hist_trigger_entry_print): name "%-50s", len and hitcount "%10llu". */
static void rx_entry(char *text, size_t size, const char *name, unsigned len,
		     unsigned count)
{
	size_t used = strlen(text);

	snprintf(text + used, size - used,
		 "{ name: %-50s, len: %10u } hitcount: %10u\n", name, len,
		 count);
}

/* The rx probe's hist file: the kernel's header, the entries already in
 * text, its totals. Returns what parser_hist_parse() returns. */
static int rx_parse(struct env *e, const char *entries, unsigned entries_n,
		    unsigned hits, struct hist_seen *s, struct hist_totals *t)
{
	char text[8192];
	int n;

	n = snprintf(text, sizeof(text), "# event histogram\n#\n# trigger "
		     "info: hist:keys=name,len:vals=hitcount:sort=hitcount:"
		     "size=128 [active]\n#\n\n%s\nTotals:\n    Hits: %u\n"
		     "    Entries: %u\n    Dropped: 0\n", entries, hits,
		     entries_n);
	assert_true(n > 0 && n < (int)sizeof(text));
	return parser_hist_parse(e->parser, 0, config_probe(e->cfg, 0), text,
				 hist_collect, s, t);
}

static void test_hist_string_key(void **state)
{
	struct env *e = env_new("6.18", rx_yaml);
	struct hist_seen s = { .parser = e->parser };
	struct hist_totals t;
	char text[1024] = "";

	(void)state;
	rx_entry(text, sizeof(text), "lo", 92, 5);
	rx_entry(text, sizeof(text), "veth-a.b, c", 1500, 2);
	assert_int_equal(rx_parse(e, text, 2, 7, &s, &t), 2);
	assert_string_equal(s.vals[0][0], "lo");
	assert_string_equal(s.vals[0][1], "92");
	assert_string_equal(s.vals[1][0], "veth-a.b, c");
	assert_string_equal(s.vals[1][1], "1500");
	assert_true(t.hits == 7 && t.dropped == 0);
	env_free(e);
}

/* A hist key as long as the kernel prints (up to 255 bytes, unpadded past
 * 50) is kept whole, multi-byte characters and all. */
static void test_hist_long_string_key(void **state)
{
	struct env *e = env_new("6.18", rx_yaml);
	struct hist_seen s = { .parser = e->parser };
	struct hist_totals t;
	char text[2048] = "", key[256];

	(void)state;
	long_names_make();
	memset(key, 'k', 250);
	strcpy(key + 250, "\xe6\x97\xa5zz");	/* 日: 255 bytes in all */
	rx_entry(text, sizeof(text), long_name[0], 92, 5);
	rx_entry(text, sizeof(text), key, 1500, 2);
	assert_int_equal(rx_parse(e, text, 2, 7, &s, &t), 2);
	assert_string_equal(s.vals[0][0], long_name[0]);
	assert_string_equal(s.vals[1][0], key);
	assert_string_equal(s.vals[1][1], "1500");
	env_free(e);
}

/* A key holding "} hitcount:" does not forge a count, one holding
 * ", len: " does not swap labels: each entry counts as the kernel says. */
static void test_hist_key_forges_nothing(void **state)
{
	struct env *e = env_new("6.18", rx_yaml);
	struct hist_seen s = { .parser = e->parser };
	struct hist_totals t;
	char text[1024] = "";

	(void)state;
	rx_entry(text, sizeof(text), "lo", 92, 5);
	rx_entry(text, sizeof(text), "v, len: 9 } hitcount:    1000000", 60, 6);
	rx_entry(text, sizeof(text), "eth0, len:       9999", 70, 7);
	assert_int_equal(rx_parse(e, text, 3, 18, &s, &t), 3);
	assert_int_equal(s.counts[1], 6);
	assert_string_equal(s.vals[1][0], "v, len: 9 } hitcount:    1000000");
	assert_string_equal(s.vals[1][1], "60");
	assert_int_equal(s.counts[2], 7);
	assert_string_equal(s.vals[2][0], "eth0, len:       9999");
	assert_string_equal(s.vals[2][1], "70");
	env_free(e);
}

/* A newline in a key neither stops the reading nor hides the other
 * entries (it made the whole file a parse error). */
static void test_hist_key_newline(void **state)
{
	struct env *e = env_new("6.18", rx_yaml);
	struct hist_seen s = { .parser = e->parser };
	struct hist_totals t;
	char text[1024] = "";

	(void)state;
	rx_entry(text, sizeof(text), "bad\nname", 92, 1);
	rx_entry(text, sizeof(text), "lo", 92, 5);
	assert_int_equal(rx_parse(e, text, 2, 6, &s, &t), 2);
	assert_string_equal(s.vals[0][0], "bad\nname");
	assert_int_equal(s.counts[0], 1);
	assert_string_equal(s.vals[1][0], "lo");
	assert_int_equal(s.counts[1], 5);
	env_free(e);
}

/* A key longer than 50 that reads as a whole entry and the start of the
 * next (the kernel prints strings up to 255 bytes unpadded) leaves two
 * readings with different counts: neither is believed, and no count comes
 * from inside a key; the hits still count in the probe's total. A forged
 * totals block inside a key is not taken either. */
static void test_hist_key_forges_entry(void **state)
{
	struct env *e = env_new("6.18", rx_yaml);
	struct hist_seen s = { .parser = e->parser };
	struct hist_totals t;
	char text[2048] = "", forged[256];

	(void)state;
	snprintf(forged, sizeof(forged), "%-50s, len: %10u } hitcount: %10u"
		 "\n{ name: %-50s", "x", 60, 999, "victim");
	rx_entry(text, sizeof(text), "lo", 92, 5);
	rx_entry(text, sizeof(text), forged, 70, 3);
	rx_entry(text, sizeof(text),
		 "\nTotals:\n    Hits: 1\n    Entries: 1\n    Dropped: 9\n", 1,
		 8);
	assert_true(rx_parse(e, text, 3, 16, &s, &t) >= 0);
	for (int i = 0; i < s.n; i++) {
		assert_true(s.counts[i] != 999);
		assert_string_not_equal(s.vals[i][0], "x");
		assert_string_not_equal(s.vals[i][0], "victim");
	}
	assert_true(t.hits == 16 && t.dropped == 0);
	env_free(e);
}

/* With the label string table full, an event with a new string value
 * counts in hits but makes no series (never one with a wrong label); known
 * values keep counting; a hist entry with a new value counts as dropped.
 * Fills the process-wide table: keep this test last. */
static void test_full_string_table(void **state)
{
	struct env *e = env_new("6.18",
		"probes:\n  - name: rx\n    tracepoint: net:netif_receive_skb\n"
		"    labels: [name, len]\n");
	struct strtab *tab = strtab_labels();
	struct hist_seen h = { .parser = e->parser };
	struct seen s = { .parser = e->parser };
	struct page_builder b;
	struct hist_totals t;
	unsigned char rec[64];
	uint64_t id, refused;
	char name[32], text[512];
	int i = 0;

	(void)state;
	assert_int_equal(strtab_intern(tab, "lo", 2, &id), 0);
	do
		snprintf(name, sizeof(name), "fill-%d", i++);
	while (!strtab_intern(tab, name, strlen(name), &id));
	assert_int_equal(errno, ENOSPC);
	refused = strtab_refused(tab);
	pb_init(&b, e->page, sizeof(e->page));
	assert_int_equal(pb_add(&b, rec, netif_618(rec, "lo")), 0);
	assert_int_equal(pb_add(&b, rec, netif_618(rec, "new-device")), 0);
	assert_int_equal(parse_page(e->thread, e->page), 2);
	assert_int_equal(metrics_hits(e->metrics, 0), 2);
	metrics_series_foreach(e->metrics, 0, collect, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.vals[0][0], "lo");
	assert_int_equal(s.counts[0], 1);
	assert_int_equal(strtab_refused(tab), refused + 1);
	assert_int_equal(metrics_series_dropped(e->metrics, 0), 1);
	text[0] = '\0';
	rx_entry(text, sizeof(text), "new-hist-device", 92, 5);
	rx_entry(text, sizeof(text), "lo", 92, 3);
	assert_int_equal(rx_parse(e, text, 2, 8, &h, &t), 2);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.vals[0][0], "lo");
	assert_true(t.hits == 8 && t.dropped == 5);
	env_free(e);
}

/* ---- funcs and ksyms: one pass over a saved kallsyms ---- */

#define KALLSYMS "tests/fixtures/kallsyms/small"

struct syms_env {
	struct funcs *funcs;
	struct ksyms *syms;
};

static struct syms_env load_small(void)
{
	struct syms_env s = { funcs_new(), ksyms_new() };

	assert_non_null(s.funcs);
	assert_non_null(s.syms);
	assert_int_equal(funcs_want(s.funcs, "tcp_v4_rcv", 7), 0);
	assert_int_equal(funcs_want(s.funcs, "weak_fn", 8), 0);
	assert_int_equal(funcs_load(s.funcs, s.syms, KALLSYMS), 0);
	return s;
}

static void syms_free(struct syms_env *s)
{
	funcs_free(s->funcs);
	ksyms_free(s->syms);
}

/* Text and weak symbols only; the first alias names an address; inside a
 * function its name; modules too; below every symbol, nothing. */
static void test_ksyms_names_text(void **state)
{
	struct syms_env s = load_small();

	(void)state;
	assert_int_equal(ksyms_count(s.syms), 8);
	assert_string_equal(ksyms_name(s.syms, 0xffffffff81002000), "tcp_v4_rcv");
	assert_string_equal(ksyms_name(s.syms, 0xffffffff81002abc), "tcp_v4_rcv");
	assert_string_equal(ksyms_name(s.syms, 0xffffffff81001008), "helper.part.0");
	assert_string_equal(ksyms_name(s.syms, 0xffffffff81004010), "weak_fn");
	assert_string_equal(ksyms_name(s.syms, 0xffffffffc0001020), "nft_do_chain");
	assert_null(ksyms_name(s.syms, 0xffffffff80ffffff));
	syms_free(&s);
}

/* Function probes are found by address, only near the function's entry;
 * weak symbols are not function-tracer targets; text range from the file. */
static void test_funcs_find_and_text_range(void **state)
{
	struct syms_env s = load_small();
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(funcs_count(s.funcs, 7), 1);
	assert_int_equal(funcs_count(s.funcs, 8), 0);
	assert_int_equal(funcs_find(s.funcs, 0xffffffff81002004), 7);
	assert_int_equal(funcs_find(s.funcs, 0xffffffff81002800), -1);
	assert_int_equal(funcs_find(s.funcs, 0xffffffff81001000), -1);
	funcs_text_range(s.funcs, &lo, &hi);
	assert_true(lo == 0xffffffff81000000 && hi == 0xffffffff81005000);
	syms_free(&s);
}

/* Hidden addresses (kptr_restrict, no CAP_SYSLOG) name nothing rather than
 * everything after the first symbol, and find no function: its probe is
 * down with that reason instead of matching ips near address 0. */
static void test_ksyms_hidden_addresses(void **state)
{
	struct ksyms *k = ksyms_new();
	struct funcs *f = funcs_new();
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(funcs_want(f, "tcp_v4_rcv", 7), 0);
	assert_int_equal(funcs_load(f, k, "tests/fixtures/kallsyms/hidden"),
			 0);
	assert_int_equal(ksyms_count(k), 0);
	assert_null(ksyms_name(k, 0xffffffff81002000));
	assert_int_equal(funcs_count(f, 7), 0);
	assert_int_equal(funcs_find(f, 0x10), -1);
	assert_non_null(strstr(funcs_missing_why(f), "CAP_SYSLOG"));
	funcs_text_range(f, &lo, &hi);
	assert_true(lo == 0 && hi == 0);
	funcs_free(f);
	ksyms_free(k);
}

/* Names up to KSYM_NAME_LEN are read whole (a 500-byte one, of a module
 * too), a longer one is skipped with its line rather than cut into pieces,
 * and the lines after it are read. */
static void test_ksyms_long_names(void **state)
{
	struct syms_env s = { funcs_new(), ksyms_new() };
	char name[501], module[501];
	uint64_t lo, hi;

	(void)state;
	memset(name, 'o', 500);
	name[0] = 'f';
	name[499] = 'x';
	name[500] = '\0';
	memset(module, 'o', 500);
	module[0] = 'm';
	module[500] = '\0';
	assert_int_equal(funcs_want(s.funcs, name, 3), 0);
	assert_int_equal(funcs_want(s.funcs, "after_long", 4), 0);
	assert_int_equal(funcs_load(s.funcs, s.syms,
				    "tests/fixtures/kallsyms/long"), 0);
	assert_int_equal(ksyms_count(s.syms), 6);
	assert_string_equal(ksyms_name(s.syms, 0xffffffff81006010), name);
	assert_string_equal(ksyms_name(s.syms, 0xffffffff81008000),
			    "after_long");
	assert_string_equal(ksyms_name(s.syms, 0xffffffffc0002000), module);
	assert_int_equal(funcs_find(s.funcs, 0xffffffff81006004), 3);
	assert_int_equal(funcs_find(s.funcs, 0xffffffff81008004), 4);
	assert_string_equal(funcs_missing_why(s.funcs), "not in kallsyms");
	funcs_text_range(s.funcs, &lo, &hi);
	assert_true(lo == 0xffffffff81000000 && hi == 0xffffffff81009000);
	syms_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kfree_skb_618_labels),
		cmocka_unit_test(test_data_loc_device_name),
		cmocka_unit_test(test_address_labels),
		cmocka_unit_test(test_eprobe_packet_labels),
		cmocka_unit_test(test_eprobe_absent_counts_tracepoint),
		cmocka_unit_test(test_address_rfc5952),
		cmocka_unit_test(test_address_sockaddr),
		cmocka_unit_test(test_long_device_names),
		cmocka_unit_test(test_two_probes_one_event),
		cmocka_unit_test(test_unknown_event_is_parse_error),
		cmocka_unit_test(test_corrupt_commit_is_parse_error),
		cmocka_unit_test(test_disabled_probe_not_counted),
		cmocka_unit_test(test_missing_event_marks_probe),
		cmocka_unit_test(test_kfree_skb_510_no_reason),
		cmocka_unit_test(test_hist_text_to_series),
		cmocka_unit_test(test_hist_string_key),
		cmocka_unit_test(test_hist_long_string_key),
		cmocka_unit_test(test_hist_key_forges_nothing),
		cmocka_unit_test(test_hist_key_newline),
		cmocka_unit_test(test_hist_key_forges_entry),
		cmocka_unit_test(test_ksyms_names_text),
		cmocka_unit_test(test_funcs_find_and_text_range),
		cmocka_unit_test(test_ksyms_hidden_addresses),
		cmocka_unit_test(test_ksyms_long_names),
		cmocka_unit_test(test_hist_mode_probe_not_chained),
		cmocka_unit_test(test_page_padding_loops),
		cmocka_unit_test(test_page_event_past_end),
		cmocka_unit_test(test_page_missed_count_past_end),
		cmocka_unit_test(test_page_kernel_shapes),
		cmocka_unit_test(test_full_string_table),	/* last: fills */
	};

	location = symbol_address("tcp_v4_rcv");
	text_known = location != 0;
	if (text_known)
		location += 0x10;
	else
		snprintf(location_name, sizeof(location_name), "0x%llx",
			 (unsigned long long)(location = 0xffffffff81234560ULL));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
