/* packet_bench: parse+aggregate throughput of packet labels read from the
 * skb event probe's window (pkg/pktwin), on synthetic records in the
 * format the exporter's event probe has on Debian's 6.1
 * (tests/fixtures/events/6.1/fte_vmcap_drops: this host refuses event
 * probes, so nothing can be captured here). 64 IPv4 and 16 IPv6
 * destinations of UDP drops on one device, replayed on one thread:
 *   - labels [reason, location, daddr, device]: one window extraction per
 *     record (IP header checked, checksum summed) and an address key;
 *   - labels [reason, location, device]: the same records without it.
 * Prints events/s per core for each. Run from the repository root. */
#include <arpa/inet.h>
#include <event-parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/unit/page_builder.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pktwin/pktwin.h"
#include "pstate/pstate.h"

#define FIXTURES "tests/fixtures/events/6.1/"
#define PAGES 256
#define PAGE 4096
#define EVENT_ID 1338	/* fte_vmcap/drops in the fixture */
#define REC_SIZE 186	/* the fixture's fields, then "eth0" */
#define SKB_HEAD 0xffff888004560000ull

static const char with_yaml[] =
	"tracing:\n  instance: vmcap\nprobes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location, daddr, device]\n";
static const char without_yaml[] =
	"tracing:\n  instance: vmcap\nprobes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location, device]\n";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parses FIXTURES/file (an event of system sys, or the page header when
 * sys is NULL) into tep; -1 when it cannot. */
static int load(struct tep_handle *tep, const char *file, const char *sys)
{
	static char buf[1 << 16];
	char path[256];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "%s", file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (!sys)
		return tep_parse_header_page(tep, buf, len, 8);
	return tep_parse_event(tep, buf, len, sys) ? -1 : 0;
}

static struct tep_handle *fixture_tep(void)
{
	struct tep_handle *tep = tep_alloc();

	if (!tep)
		return NULL;
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_page_size(tep, PAGE);
	if (load(tep, "header_page", NULL) ||
	    load(tep, "skb_kfree_skb", "skb") ||
	    load(tep, "fte_vmcap_drops", "fte_vmcap")) {
		tep_free(tep);
		return NULL;
	}
	return tep;
}

/* IPv4 header checksum (RFC 1071) of h, stored in it. */
static void ip4_csum(uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	h[10] = (uint8_t)(~sum >> 8);
	h[11] = (uint8_t)~sum;
}

/* Record i: a UDP drop to destination i % 80 (IPv6 from 64 on), received
 * (skb->data at the UDP header), NO_SOCKET at a fixed location. */
static void record(unsigned char *rec, int i)
{
	uint16_t type = EVENT_ID, nh = 14, th, proto;
	uint64_t reason = 2, loc = 0xffffffff81a00000ull, head = SKB_HEAD, data;
	uint32_t dl = 178 | 5u << 16;
	uint8_t ip[40] = { 0 }, *win = rec + 50;
	int d = i % 80, v6 = d >= 64, ihl = v6 ? 40 : 20;

	memset(rec, 0, REC_SIZE);
	th = 14 + ihl;
	data = head + th;
	proto = htons(v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60, ip[6] = 17, ip[7] = 64;
		ip[23] = 1, ip[8] = ip[24] = 0xfd, ip[39] = (uint8_t)d;
	} else {
		ip[0] = 0x45, ip[3] = 60, ip[8] = 64, ip[9] = 17;
		ip[12] = ip[16] = 10, ip[15] = 1, ip[19] = (uint8_t)d;
		ip4_csum(ip);
	}
	memcpy(win + PKTWIN_BEFORE - ihl, ip, ihl);
	win[PKTWIN_BEFORE + 2] = 9999 >> 8, win[PKTWIN_BEFORE + 3] = 9999 & 0xff;
	memcpy(rec, &type, 2);
	memcpy(rec + 8, &loc, 8);
	memcpy(rec + 16, &reason, 8);
	memcpy(rec + 24, &dl, 4);
	memcpy(rec + 28, &head, 8);
	memcpy(rec + 36, &data, 8);
	memcpy(rec + 44, &nh, 2);
	memcpy(rec + 46, &th, 2);
	memcpy(rec + 48, &proto, 2);
	memcpy(rec + 178, "eth0", 5);
}

/* PAGES pages full of records; the records in *n. */
static unsigned char *pages_build(long *n)
{
	unsigned char *pages = malloc((size_t)PAGES * PAGE), rec[REC_SIZE];
	struct page_builder b;

	*n = 0;
	for (int p = 0; pages && p < PAGES; p++) {
		pb_init(&b, pages + (size_t)p * PAGE, PAGE);
		do
			record(rec, (int)*n);
		while (pb_add(&b, rec, REC_SIZE) == 0 && ++*n);
	}
	return pages;
}

/* Replays the pages for about two seconds with the config yaml. */
static int replay(struct tep_handle *tep, const unsigned char *pages,
		  const char *yaml, const char *what)
{
	struct config *cfg = config_parse("bench", yaml, stderr);
	struct parser *p = cfg ? parser_new(tep, cfg) : NULL;
	struct pstate *st = pstate_new(1);
	unsigned caps[1] = { 1000 };
	struct metrics *m = metrics_new(1, caps, 1);
	struct parse_thread *t = NULL;
	uint64_t events = 0;
	double t0, dt;

	if (!p || !st || !m || pstate_set(st, 0, NULL) ||
	    !(t = parse_thread_new(p, metrics_shard(m, 0))))
		return 1;
	parser_count_up(p, st);
	t0 = now();
	while ((dt = now() - t0) < 2)
		for (int i = 0; i < PAGES; i++)
			events += parse_page(t, (void *)(pages + (size_t)i * PAGE));
	printf("packet labels: %.1f M events/s per core (%.1f ns per event, "
	       "%llu events, labelled by %s; %llu with ports)\n",
	       events / dt / 1e6, dt * 1e9 / events,
	       (unsigned long long)events, what,
	       (unsigned long long)metrics_packet_status(m, 0, PKTWIN_PORTS));
	parse_thread_free(t);
	metrics_free(m);
	pstate_free(st);
	parser_free(p);
	config_free(cfg);
	return 0;
}

int main(void)
{
	struct tep_handle *tep = fixture_tep();
	long n;
	unsigned char *pages = pages_build(&n);
	int ret;

	if (!tep || !pages) {
		fprintf(stderr, "packet_bench: no fixtures (run from the "
			"repository root)\n");
		return 1;
	}
	ret = replay(tep, pages, with_yaml, "reason, location, daddr "
		     "(from the window), device") |
	      replay(tep, pages, without_yaml, "reason, location, device");
	free(pages);
	tep_free(tep);
	return ret;
}
