/* Unit tests for pkg/collect: the /metrics text of the families built once
 * per generation, over real event formats (tests/fixtures/events/6.18):
 * an event's hits reported once when two probes share it, and by the
 * second when the first is down; a family fed by two probes merges their
 * series; a down probe contributes nothing and reports probe_up 0; an up
 * probe's way of counting (ftrace_exporter_probe_mode); the
 * lost and self families, per traced CPU; whether packet labels are
 * available. Run from the repo root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event-parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collect.h"
#include "config/config.h"
#include "expose/expose.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pstate/pstate.h"
#include "fixture_tep.h"

#define NCPUS 3
#define NPROBES 5
enum { RX_A, RX_B, DROPS, DROPS_TOO, SEND };

/* Two probes on one event feeding one family, two on another event with
 * no labels, and a function probe. */
static const char yaml[] =
	"probes:\n"
	"  - name: rx_a\n"
	"    tracepoint: net:netif_receive_skb\n"
	"    labels: [len]\n"
	"    metric: ftrace_rx_total\n"
	"    help: Packets received, by length.\n"
	"  - name: rx_b\n"
	"    tracepoint: net:netif_receive_skb\n"
	"    labels: [len]\n"
	"    metric: ftrace_rx_total\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"  - name: drops_too\n"
	"    tracepoint: skb:kfree_skb\n"
	"  - name: send\n"
	"    function: tcp_sendmsg\n";

struct env {
	struct tep_handle *tep;
	struct config *cfg;
	struct parser *parser;
	struct metrics *m;
	struct pstate *st;
	struct collect_status status;
	bool cpus[NCPUS];
	struct expo *w;
};

/* An env of config text with n probes (series caps caps), all up. */
static struct env *env_new(const char *text, int n, const unsigned *caps)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->tep = fixture_tep_new("6.18");
	fixture_load_event(e->tep, "6.18", "skb_kfree_skb", "skb");
	fixture_load_event(e->tep, "6.18", "net_netif_receive_skb", "net");
	fixture_load_event(e->tep, "6.18", "ftrace_function", "ftrace");
	e->cfg = config_parse("t.yaml", text, stderr);
	assert_non_null(e->cfg);
	assert_int_equal(config_probe_count(e->cfg), n);
	e->parser = parser_new(e->tep, e->cfg);
	e->m = metrics_new(n, caps, NCPUS);
	e->st = pstate_new(n);
	e->w = expo_new();
	assert_true(e->parser && e->m && e->st && e->w);
	for (int i = 0; i < n; i++)
		pstate_set(e->st, i, NULL);
	e->status = (struct collect_status){ true, 1700000000 };
	e->cpus[0] = e->cpus[2] = true;	/* CPU 1 is not traced */
	return e;
}

static int setup(void **state)
{
	static const unsigned caps[NPROBES] = { 100, 100, 0, 0, 0 };

	*state = env_new(yaml, NPROBES, caps);
	return 0;
}

/* A probe with packet labels beside one without, on skb:kfree_skb. */
static int setup_packet(void **state)
{
	static const unsigned caps[2] = { 100, 0 };

	*state = env_new("probes:\n"
			 "  - name: by_peer\n"
			 "    tracepoint: skb:kfree_skb\n"
			 "    labels: [reason, daddr]\n"
			 "    metric: ftrace_drops_by_peer_total\n"
			 "  - name: plain\n"
			 "    tracepoint: skb:kfree_skb\n", 2, caps);
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	expo_free(e->w);
	pstate_free(e->st);
	metrics_free(e->m);
	parser_free(e->parser);
	tep_free(e->tep);
	config_free(e->cfg);
	free(e);
	return 0;
}

/* n hits of probe on cpu's shard. */
static void hits(struct env *e, int cpu, int probe, int n)
{
	for (int i = 0; i < n; i++)
		shard_hit(metrics_shard(e->m, cpu), probe);
}

/* n events of probe with label len on cpu's shard. */
static void rx(struct env *e, int cpu, int probe, uint64_t len, int n)
{
	struct series_key k = { 0 };

	k.v[0].num = len;
	hits(e, cpu, probe, n);
	for (int i = 0; i < n; i++)
		shard_series_add(metrics_shard(e->m, cpu), probe, &k);
}

/* The families of e, built now (the probe states final). */
static struct collect *families(struct env *e)
{
	struct collect_src src = {
		.cfg = e->cfg, .parser = e->parser, .metrics = e->m,
		.states = e->st, .cpus = e->cpus, .ncpus = NCPUS,
		.status = &e->status,
	};
	struct collect *c = collect_new(&src);

	assert_non_null(c);
	return c;
}

/* One scrape of the families built now; the text stays in e->w. */
static const char *scrape(struct env *e)
{
	struct collect *c = families(e);

	assert_int_equal(collect_run(c, e->w), 0);
	collect_free(c);
	return expo_text(e->w);
}

/* The sample lines of family name in text (up to the next comment line),
 * in a static buffer; fails when the family is missing or repeated. */
static const char *samples(const char *text, const char *name)
{
	static char buf[4096];
	char type[128];
	const char *at, *end;

	snprintf(type, sizeof(type), "# TYPE %s ", name);
	at = strstr(text, type);
	assert_non_null(at);
	assert_null(strstr(at + 1, type));
	at = strchr(at, '\n') + 1;
	for (end = at; *end && *end != '#'; end = strchr(end, '\n') + 1)
		;
	assert_true((size_t)(end - at) < sizeof(buf));
	memcpy(buf, at, end - at);
	buf[end - at] = '\0';
	return buf;
}

/* Two up probes on skb:kfree_skb see the same records: one sample. */
static void test_event_once(void **state)
{
	struct env *e = *state;
	const char *text;

	hits(e, 0, DROPS, 4);
	hits(e, 0, DROPS_TOO, 4);
	hits(e, 2, DROPS, 1);
	hits(e, 2, DROPS_TOO, 1);
	rx(e, 0, RX_A, 60, 2);
	rx(e, 0, RX_B, 60, 2);
	text = scrape(e);
	assert_string_equal(samples(text, "ftrace_event_hits_total"),
		"ftrace_event_hits_total{event=\"net:netif_receive_skb\"} 2\n"
		"ftrace_event_hits_total{event=\"skb:kfree_skb\"} 5\n");
}

/* The first probe on the event is down: the second reports it. */
static void test_event_second_probe(void **state)
{
	struct env *e = *state;
	const char *text;

	pstate_set(e->st, DROPS, "refused by the kernel");
	hits(e, 0, DROPS_TOO, 7);
	text = scrape(e);
	assert_string_equal(samples(text, "ftrace_event_hits_total"),
		"ftrace_event_hits_total{event=\"net:netif_receive_skb\"} 0\n"
		"ftrace_event_hits_total{event=\"skb:kfree_skb\"} 7\n");
	assert_non_null(strstr(samples(text, "ftrace_exporter_probe_up"),
			       "ftrace_exporter_probe_up{probe=\"drops\"} 0\n"
			       "ftrace_exporter_probe_up{probe=\"drops_too\"} 1\n"));
}

/* rx_a and rx_b feed ftrace_rx_total: their series are summed by value
 * across probes and CPUs, in first-seen order, under rx_a's HELP. */
static void test_family_merge(void **state)
{
	struct env *e = *state;
	const char *text;

	rx(e, 0, RX_A, 100, 3);
	rx(e, 2, RX_A, 200, 1);
	rx(e, 0, RX_B, 100, 2);
	rx(e, 2, RX_B, 300, 1);
	text = scrape(e);
	assert_non_null(strstr(text, "# HELP ftrace_rx_total Packets received, "
			       "by length.\n# TYPE ftrace_rx_total counter\n"));
	assert_string_equal(samples(text, "ftrace_rx_total"),
			    "ftrace_rx_total{len=\"100\"} 5\n"
			    "ftrace_rx_total{len=\"200\"} 1\n"
			    "ftrace_rx_total{len=\"300\"} 1\n");
}

/* Down probes count nothing: rx_b's series and send's hits (left in the
 * counters here) are not written, and probe_up says 0 for them. */
static void test_down_probe(void **state)
{
	struct env *e = *state;
	const char *text;

	pstate_set(e->st, RX_B, "no such field");
	pstate_set(e->st, SEND, "refused by the filter");
	rx(e, 0, RX_A, 100, 3);
	rx(e, 0, RX_B, 100, 2);
	rx(e, 0, RX_B, 300, 1);
	hits(e, 0, SEND, 9);
	text = scrape(e);
	assert_string_equal(samples(text, "ftrace_rx_total"),
			    "ftrace_rx_total{len=\"100\"} 3\n");
	assert_string_equal(samples(text, "ftrace_function_hits_total"), "");
	assert_string_equal(samples(text, "ftrace_exporter_probe_up"),
			    "ftrace_exporter_probe_up{probe=\"rx_a\"} 1\n"
			    "ftrace_exporter_probe_up{probe=\"rx_b\"} 0\n"
			    "ftrace_exporter_probe_up{probe=\"drops\"} 1\n"
			    "ftrace_exporter_probe_up{probe=\"drops_too\"} 1\n"
			    "ftrace_exporter_probe_up{probe=\"send\"} 0\n");
}

/* ftrace_exporter_probe_mode: one sample per up probe, labelled with the
 * way the table says it counts; none for a down probe. The families are
 * built after the table is final and read it as it is. */
static void test_probe_mode(void **state)
{
	struct env *e = *state;

	pstate_set_mode(e->st, DROPS, PSTATE_HIST);
	pstate_set(e->st, RX_B, "refused");
	assert_string_equal(samples(scrape(e), "ftrace_exporter_probe_mode"),
		"ftrace_exporter_probe_mode{probe=\"rx_a\",mode=\"ring_buffer\"} 1\n"
		"ftrace_exporter_probe_mode{probe=\"drops\",mode=\"hist\"} 1\n"
		"ftrace_exporter_probe_mode{probe=\"drops_too\",mode=\"ring_buffer\"} 1\n"
		"ftrace_exporter_probe_mode{probe=\"send\",mode=\"ring_buffer\"} 1\n");
}

/* An up function probe: one sample by function name. */
static void test_function_hits(void **state)
{
	struct env *e = *state;

	hits(e, 2, SEND, 9);
	assert_string_equal(samples(scrape(e), "ftrace_function_hits_total"),
		"ftrace_function_hits_total{function=\"tcp_sendmsg\"} 9\n");
}

/* Lost and self families, for the traced CPUs only (0 and 2); without a
 * session, no kernel stats (overrun, dropped), only the parser's missed;
 * without causes, no drop-cause families. */
static void test_lost_and_self(void **state)
{
	struct env *e = *state;
	const char *text;

	shard_events(metrics_shard(e->m, 2), 11);
	shard_missed(metrics_shard(e->m, 2), 3);
	shard_parse_error(metrics_shard(e->m, 0));
	text = scrape(e);
	assert_string_equal(samples(text, "ftrace_exporter_events_lost_total"),
		"ftrace_exporter_events_lost_total{cpu=\"0\",kind=\"missed\"} 0\n"
		"ftrace_exporter_events_lost_total{cpu=\"2\",kind=\"missed\"} 3\n");
	assert_string_equal(samples(text, "ftrace_exporter_events_total"),
			    "ftrace_exporter_events_total{cpu=\"0\"} 0\n"
			    "ftrace_exporter_events_total{cpu=\"2\"} 11\n");
	assert_string_equal(samples(text, "ftrace_exporter_parse_errors_total"),
			    "ftrace_exporter_parse_errors_total 1\n");
	assert_string_equal(samples(text,
			"ftrace_exporter_config_last_reload_successful"),
			"ftrace_exporter_config_last_reload_successful 1\n");
	assert_string_equal(samples(text,
		"ftrace_exporter_config_last_reload_success_timestamp_seconds"),
		"ftrace_exporter_config_last_reload_success_timestamp_seconds "
		"1700000000\n");
	assert_non_null(strstr(text, "# TYPE ftrace_exporter_build_info gauge\n"
			       "ftrace_exporter_build_info{version=\""));
	assert_null(strstr(text, "ftrace_drop_cause"));
}

/* The status is read at each scrape, not copied when the families are
 * built: a failed reload shows at the next scrape. */
static void test_status_read_at_scrape(void **state)
{
	struct env *e = *state;
	struct collect *c = families(e);

	e->status.reload_ok = false;
	assert_int_equal(collect_run(c, e->w), 0);
	assert_string_equal(samples(expo_text(e->w),
			"ftrace_exporter_config_last_reload_successful"),
			"ftrace_exporter_config_last_reload_successful 0\n");
	collect_free(c);
}

/* ftrace_exporter_packet_labels_available: 1 while the packet-labelled
 * probe has its event probe, 0 when it counts on its tracepoint (the
 * kernel refused the event probe); nothing for the plain probe, nor for a
 * down one. */
static void test_packet_labels_available(void **state)
{
	struct env *e = *state;
	const char *name = "ftrace_exporter_packet_labels_available";

	assert_string_equal(samples(scrape(e), name),
		"ftrace_exporter_packet_labels_available{probe=\"by_peer\"} 1\n");
	pstate_set_fallback(e->st, 0, "the kernel refused the event probe");
	assert_string_equal(samples(scrape(e), name),
		"ftrace_exporter_packet_labels_available{probe=\"by_peer\"} 0\n");
	pstate_set(e->st, 0, "down");
	assert_string_equal(samples(scrape(e), name), "");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_event_once),
		T(test_event_second_probe),
		T(test_family_merge),
		T(test_down_probe),
		T(test_probe_mode),
		T(test_function_hits),
		T(test_lost_and_self),
		T(test_status_read_at_scrape),
		cmocka_unit_test_setup_teardown(test_packet_labels_available,
						setup_packet, teardown),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
