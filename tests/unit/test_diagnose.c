/* Unit tests of pkg/diagnose: flags and durations, the /metrics samples
 * and their difference, the report's ranking and shares from fixture
 * texts, the JSON shape and escaping, the text layout (80 columns,
 * aligned, colour only when asked), and the HTTP client's errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/diagnose_int.h"

static const char yaml[] =
	"tracing:\n"
	"  instance: t\n"
	"probes:\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"    metric: ftrace_skb_drops_total\n"
	"    labels: [reason, location]\n"
	"  - name: tcp_retransmit_skb\n"
	"    function: tcp_retransmit_skb\n"
	"    metric: ftrace_tcp_retransmits_total\n"
	"    labels: [caller]\n"
	"  - name: tcp_retransmit\n"
	"    tracepoint: tcp:tcp_retransmit_skb\n"
	"  - name: sock_send\n"
	"    tracepoint: sock:sock_send_length\n"
	"  - name: sock_recv\n"
	"    tracepoint: sock:sock_recv_length\n"
	"causes:\n"
	"  probe: drops\n"
	"  classes:\n"
	"    congestion: [SOCKET_RCVBUFF]\n"
	"    no_listener: [NO_SOCKET]\n"
	"  locations:\n"
	"    policy: [nf_hook_slow]\n"
	"  heuristics:\n"
	"    - cause: retransmits\n"
	"      probe: [tcp_retransmit_skb, tcp_retransmit]\n"
	"    - cause: send_receive_deficit\n"
	"      probe: sock_send\n"
	"      minus: sock_recv\n";

/* The start of a 10 s diagnosis. */
static const char start_text[] =
	"# HELP ftrace_skb_drops_total Drops.\n"
	"# TYPE ftrace_skb_drops_total counter\n"
	"ftrace_skb_drops_total{reason=\"NO_SOCKET\",location=\"__udp4_lib_rcv\"} 100\n"
	"ftrace_skb_drops_total{reason=\"SOCKET_RCVBUFF\",location=\"__udp_queue_rcv_skb\"} 0\n"
	"ftrace_skb_drops_total{reason=\"NOT_SPECIFIED\",location=\"foo\"} 20\n"
	"ftrace_skb_drops_total{reason=\"TCP_CLOSE\",location=\"tcp_rcv\"} 900\n"
	"ftrace_function_hits_total{function=\"tcp_retransmit_skb\"} 0\n"
	"ftrace_tcp_retransmits_total{caller=\"tcp_retransmit_timer+0x1f\"} 0\n"
	"ftrace_exporter_probe_up{probe=\"drops\"} 1\n"
	"ftrace_exporter_events_lost_total{cpu=\"0\",kind=\"overrun\"} 5\n";

/* Ten seconds later: congestion 60/s (two locations), no_listener 30/s,
 * policy 5/s (NOT_SPECIFIED at nf_hook_slow), other 3/s (NOT_SPECIFIED
 * elsewhere 2/s, a quoted reason 1/s); TCP_CLOSE restarted at 10 (a
 * counter reset: 1/s more of other, 4/s in all). */
static const char end_text[] =
	"ftrace_skb_drops_total{reason=\"NO_SOCKET\",location=\"__udp4_lib_rcv\"} 400\n"
	"ftrace_skb_drops_total{reason=\"SOCKET_RCVBUFF\",location=\"__udp_queue_rcv_skb\"} 500\n"
	"ftrace_skb_drops_total{reason=\"SOCKET_RCVBUFF\",location=\"udp_queue_rcv_one_skb\"} 100\n"
	"ftrace_skb_drops_total{reason=\"NOT_SPECIFIED\",location=\"nf_hook_slow\"} 50\n"
	"ftrace_skb_drops_total{reason=\"NOT_SPECIFIED\",location=\"foo\"} 40\n"
	"ftrace_skb_drops_total{reason=\"A\\\"B\\\\C\\nD\",location=\"x\"} 10\n"
	"ftrace_skb_drops_total{reason=\"TCP_CLOSE\",location=\"tcp_rcv\"} 10\n"
	"ftrace_function_hits_total{function=\"tcp_retransmit_skb\"} 50\n"
	"ftrace_tcp_retransmits_total{caller=\"tcp_retransmit_timer+0x1f\"} 20\n"
	"ftrace_tcp_retransmits_total{caller=\"tcp_xmit_retransmit_queue+0x2\"} 30\n"
	"ftrace_exporter_probe_up{probe=\"drops\"} 1\n"
	"ftrace_exporter_probe_up{probe=\"tcp_retransmit_skb\"} 1\n"
	"ftrace_exporter_probe_up{probe=\"tcp_retransmit\"} 1\n"
	"ftrace_exporter_probe_up{probe=\"sock_send\"} 0\n"
	"ftrace_exporter_probe_up{probe=\"sock_recv\"} 1\n"
	"ftrace_exporter_events_lost_total{cpu=\"0\",kind=\"overrun\"} 12\n";

struct fixture {
	struct config *cfg;
	struct diag_report *r;
	char *out;
	size_t len;
};

static const char *why_down(void *ctx, int probe)
{
	(void)ctx;
	return probe == 3 ? "event sock:sock_send_length not found" : NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->cfg = config_parse("t.yaml", yaml, stderr);
	assert_non_null(f->cfg);
	f->r = diag_report_new(f->cfg, diag_samples_parse(start_text),
			       diag_samples_parse(end_text), 10, why_down,
			       NULL);
	assert_non_null(f->r);
	f->r->source = "instance t_diag_1";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	diag_report_free(f->r);
	config_free(f->cfg);
	free(f->out);
	free(f);
	return 0;
}

static void test_durations(void **state)
{
	static const struct { const char *s; double want; } good[] = {
		{ "10s", 10 }, { "500ms", 0.5 }, { "2m", 120 }, { "3", 3 },
		{ "1.5s", 1.5 },
	};
	static const char *const bad[] = {
		"", "s", "abc", "-1s", "+1s", "0s", "10h", "1e9s", "5 s",
		"nan", "inf",
	};
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		assert_int_equal(diag_duration_parse(good[i].s, &v), 0);
		assert_true(fabs(v - good[i].want) < 1e-9);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(diag_duration_parse(bad[i], &v), -1);
}

/* Parses the flags of args (argv[0] "diagnose"). */
static int flags_of(struct diag_flags *f, int argc, char **argv)
{
	FILE *null = fopen("/dev/null", "w");
	int ret = diag_flags_parse(argc, argv, f, null, null);

	fclose(null);
	return ret;
}

static void test_flags(void **state)
{
	char *dflt[] = { "diagnose", NULL };
	char *all[] = { "diagnose", "--duration=250ms", "--format=json",
			"--config.file=c.yaml", "--from=http://h:1/m", NULL };
	char *bad_format[] = { "diagnose", "--format=xml", NULL };
	char *bad_duration[] = { "diagnose", "--duration=10x", NULL };
	char *extra[] = { "diagnose", "now", NULL };
	char *help[] = { "diagnose", "--help", NULL };
	struct diag_flags f;

	(void)state;
	assert_int_equal(flags_of(&f, 1, dflt), -1);
	assert_string_equal(f.config_file, "config/default.yaml");
	assert_true(f.duration == 10 && !f.json && !f.from);
	assert_int_equal(flags_of(&f, 5, all), -1);
	assert_true(f.duration == 0.25 && f.json);
	assert_string_equal(f.config_file, "c.yaml");
	assert_string_equal(f.from, "http://h:1/m");
	assert_int_equal(flags_of(&f, 2, bad_format), 2);
	assert_int_equal(flags_of(&f, 2, bad_duration), 2);
	assert_int_equal(flags_of(&f, 2, extra), 2);
	assert_int_equal(flags_of(&f, 2, help), 0);
}

static void test_samples(void **state)
{
	struct diag_samples *s = diag_samples_parse(
		"# TYPE a counter\n\n"
		"a{l=\"x\\\"y\\\\z\\nw\",m=\"\"} 3\n"
		"b 4.5\n");
	const struct diag_sample *x;

	(void)state;
	assert_non_null(s);
	assert_int_equal(diag_samples_count(s), 2);
	x = diag_samples_at(s, 0);
	assert_string_equal(x->name, "a");
	assert_string_equal(diag_sample_label(x, "l"), "x\"y\\z\nw");
	assert_string_equal(diag_sample_label(x, "m"), "");
	assert_null(diag_sample_label(x, "n"));
	assert_true(diag_samples_value(s, "b", NULL, NULL) == 4.5);
	assert_true(diag_samples_sum(s, "a") == 3);
	diag_samples_free(s);
	errno = 0;
	assert_null(diag_samples_parse("a{l=\"open} 1\n"));
	assert_int_equal(errno, EINVAL);
	assert_null(diag_samples_parse("novalue\n"));
}

/* The difference: a series missing at the start counts whole, a counter
 * that restarted counts its end value. */
static void test_delta(void **state)
{
	struct diag_samples *a = diag_samples_parse("c{k=\"1\"} 10\nd 50\n");
	struct diag_samples *b = diag_samples_parse(
		"c{k=\"1\"} 25\nd 7\ne{k=\"2\"} 3\n");

	(void)state;
	assert_true(diag_delta(a, diag_samples_at(b, 0)) == 15);
	assert_true(diag_delta(a, diag_samples_at(b, 1)) == 7);
	assert_true(diag_delta(a, diag_samples_at(b, 2)) == 3);
	diag_samples_free(a);
	diag_samples_free(b);
}

static void test_ranking(void **state)
{
	const struct diag_report *r = ((struct fixture *)*state)->r;
	static const char *const order[] = { "congestion", "no_listener",
					     "policy", "other" };
	static const double rates[] = { 60, 30, 5, 4 };

	assert_int_equal(r->ncauses, 4);
	assert_true(fabs(r->total - 99) < 1e-9);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(r->causes[i].cause, order[i]);
		assert_true(fabs(r->causes[i].rate - rates[i]) < 1e-9);
		assert_true(fabs(r->causes[i].share - rates[i] / 99) < 1e-9);
	}
	/* congestion: one reason at two locations, the bigger first */
	assert_int_equal(r->causes[0].nreasons, 1);
	assert_string_equal(r->causes[0].reasons[0].reason, "SOCKET_RCVBUFF");
	assert_int_equal(r->causes[0].reasons[0].nlocs, 2);
	assert_string_equal(r->causes[0].reasons[0].locs[0].location,
			    "__udp_queue_rcv_skb");
	assert_true(r->causes[0].reasons[0].locs[1].rate == 10);
	/* NOT_SPECIFIED goes by its location: nf_hook_slow is policy */
	assert_string_equal(r->causes[2].reasons[0].reason, "NOT_SPECIFIED");
	assert_string_equal(r->causes[2].reasons[0].locs[0].location,
			    "nf_hook_slow");
	assert_int_equal(r->causes[3].nreasons, 3);
}

static void test_retransmits_and_probes(void **state)
{
	const struct diag_report *r = ((struct fixture *)*state)->r;

	assert_true(r->retransmits.split);
	assert_true(r->retransmits.rate == 5);
	assert_true(r->retransmits.rto == 2 && r->retransmits.fast == 3);
	assert_int_equal(r->nrules, 2);
	assert_string_equal(r->rules[0].probe, "tcp_retransmit_skb");
	assert_null(r->rules[1].probe);	/* sock_send is down */
	assert_int_equal(r->ndowns, 1);
	assert_string_equal(r->downs[0].probe, "sock_send");
	assert_string_equal(r->downs[0].why,
			    "event sock:sock_send_length not found");
	assert_non_null(strstr(r->downs[0].hides, "send_receive_deficit is off"));
	assert_true(r->events_lost == 7);
}

/* Renders r into f->out with fn. */
static void render(struct fixture *f, bool json, bool colour)
{
	FILE *out = open_memstream(&f->out, &f->len);

	free(f->out);
	f->out = NULL;
	assert_non_null(out);
	if (json)
		diag_report_json(f->r, out);
	else
		diag_report_text(f->r, out, colour);
	assert_int_equal(fclose(out), 0);
}

/* JSON: the shape in rank order, numbers as numbers, strings escaped. */
static void test_json(void **state)
{
	struct fixture *f = *state;
	const char *congestion, *no_listener;

	render(f, true, false);
	congestion = strstr(f->out, "{\"cause\":\"congestion\",\"rate\":60.000,"
			    "\"share\":0.606,\"drops\":600,");
	no_listener = strstr(f->out, "{\"cause\":\"no_listener\",\"rate\":30.000");
	assert_non_null(congestion);
	assert_non_null(no_listener);
	assert_true(congestion < no_listener);
	assert_non_null(strstr(f->out, "\"reason\":\"A\\\"B\\\\C\\nD\""));
	assert_non_null(strstr(f->out, "\"locations\":[{\"location\":"
			       "\"__udp_queue_rcv_skb\",\"rate\":50.000}"));
	assert_non_null(strstr(f->out, "\"retransmits\":{\"rate\":5.000,"
			       "\"rto\":2.000,\"fast\":3.000,\"other\":0.000,"
			       "\"peers\":[]}"));
	assert_non_null(strstr(f->out, "\"probes_down\":[{\"probe\":"
			       "\"sock_send\",\"why\":\"event"));
	assert_non_null(strstr(f->out, "\"events_lost\":7.000}"));
	assert_non_null(strstr(f->out, "\"duration_seconds\":10.000"));
	assert_non_null(strstr(f->out, "\"kernel\":\""));
	for (const char *p = f->out; *p; p++)	/* no raw control char */
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
}

/* Columns of line [s, e) as a terminal shows them: escapes left out,
 * one per UTF-8 character. */
static int shown_width(const char *s, const char *e)
{
	int w = 0;

	while (s < e) {
		if (*s == '\033') {
			s += strcspn(s, "m") + 1;
			continue;
		}
		w += (*s & 0xc0) != 0x80;
		s++;
	}
	return w;
}

/* Every line fits 80 columns; the rate column is aligned on every row
 * with drops/s; the verdict comes first. */
static void check_layout(const char *text)
{
	int unit_col = -1;

	assert_int_equal(strncmp(text + strspn(text, "\033[0123456789;m"),
				 "Verdict: mostly congestion, 60.6 % of 99.0 "
				 "drops/s over 10.0 s", 60), 0);
	for (const char *s = text, *e; *s; s = e + 1) {
		const char *unit;

		e = strchr(s, '\n');
		assert_non_null(e);
		assert_true(shown_width(s, e) <= DIAG_COLUMNS);
		assert_false(e > s && e[-1] == ' ');	/* no trailing blank */
		unit = strstr(s, " drops/s");
		if (!unit || unit > e || s == text)	/* the verdict */
			continue;
		if (unit_col < 0)
			unit_col = shown_width(s, unit);
		assert_int_equal(shown_width(s, unit), unit_col);
	}
	assert_true(unit_col > 0);
}

static void test_text_layout(void **state)
{
	struct fixture *f = *state;
	char *long_loc = malloc(301);
	struct diag_location *l = &f->r->causes[1].reasons[0].locs[0];

	assert_non_null(long_loc);
	memset(long_loc, 'f', 300);
	long_loc[300] = '\0';
	l->location = long_loc;	/* cut to its column, "..." at the end */
	/* UTF-8 names, short and long: aligned by characters, cut whole */
	f->r->causes[0].reasons[0].locs[1].location = "\xc3\xa9t\xc3\xa9";
	f->r->causes[2].reasons[0].locs[0].location =
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	render(f, false, false);
	assert_non_null(strstr(f->out, "at \xc3\xa9t\xc3\xa9 "));
	assert_non_null(strstr(f->out, "\xc3\xa9\xc3\xa9..."));
	check_layout(f->out);
	assert_null(strchr(f->out, '\033'));
	assert_non_null(strstr(f->out, "fff...  "));
	assert_non_null(strstr(f->out, "Next: The application reads too slowly"));
	assert_non_null(strstr(f->out, "RTO (tcp_retransmit_timer)"));
	assert_non_null(strstr(f->out, "sock_send: event sock:sock_send_length"));
	assert_non_null(strstr(f->out, "7 events lost"));
	render(f, false, true);
	check_layout(f->out);
	assert_non_null(strstr(f->out, "\033[1;31mVerdict"));
	free(long_loc);
}

/* A causes probe with address labels: each reason's peers, ranked, the
 * reason and location labels left out of them; no location classifies
 * (no causes.locations), yet the location is shown. */
static void test_peers(void **state)
{
	static const char peer_yaml[] =
		"probes:\n"
		"  - name: drops\n"
		"    tracepoint: skb:kfree_skb\n"
		"    metric: d_total\n"
		"    labels: [reason, daddr, location, dport]\n"
		"causes:\n"
		"  probe: drops\n"
		"  classes:\n"
		"    no_listener: [NO_SOCKET]\n";
	struct config *cfg = config_parse("p.yaml", peer_yaml, stderr);
	struct diag_report *r;
	const struct diag_reason *k;

	(void)state;
	assert_non_null(cfg);
	r = diag_report_new(cfg, diag_samples_parse(""), diag_samples_parse(
		"d_total{reason=\"NO_SOCKET\",daddr=\"10.0.0.1\",location=\"f\",dport=\"53\"} 10\n"
		"d_total{reason=\"NO_SOCKET\",daddr=\"fd00::2\",location=\"f\",dport=\"9\"} 30\n"
		"d_total{reason=\"NO_SOCKET\",daddr=\"\",location=\"g\",dport=\"9\"} 5\n"),
		5, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->ncauses, 1);
	k = &r->causes[0].reasons[0];
	assert_int_equal(k->nlocs, 2);
	assert_string_equal(k->locs[0].location, "f");
	assert_int_equal(k->npeers, 3);
	assert_string_equal(k->peers[0].location, "daddr=fd00::2 dport=9");
	assert_true(k->peers[0].rate == 6);
	assert_string_equal(k->peers[1].location, "daddr=10.0.0.1 dport=53");
	assert_string_equal(k->peers[2].location, "dport=9");
	diag_report_free(r);
	config_free(cfg);
}

/* The default config's shape: the causes probe without addresses, a
 * second probe on its event by reason and addresses, retransmits by
 * peer beside a caller-labelled function probe. */
static const char by_peer_yaml[] =
	"probes:\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"    metric: d_total\n"
	"    labels: [reason, location]\n"
	"  - name: drops_by_peer\n"
	"    tracepoint: skb:kfree_skb\n"
	"    metric: p_total\n"
	"    labels: [reason, saddr, daddr, dport]\n"
	"  - name: retrans\n"
	"    tracepoint: tcp:tcp_retransmit_skb\n"
	"  - name: retrans_by_peer\n"
	"    tracepoint: tcp:tcp_retransmit_skb\n"
	"    metric: r_total\n"
	"    labels: [saddr, daddr]\n"
	"  - name: by_dev\n"
	"    tracepoint: net:netif_receive_skb\n"
	"    metric: n_total\n"
	"    labels: [name]\n"
	"causes:\n"
	"  probe: drops\n"
	"  classes:\n"
	"    no_listener: [NO_SOCKET]\n"
	"    policy: [NETFILTER_DROP]\n";

static const char by_peer_up[] =
	"ftrace_exporter_probe_up{probe=\"drops\"} 1\n"
	"ftrace_exporter_probe_up{probe=\"drops_by_peer\"} 1\n"
	"ftrace_exporter_probe_up{probe=\"retrans\"} 1\n"
	"ftrace_exporter_probe_up{probe=\"retrans_by_peer\"} 1\n";

/* The report of by_peer_yaml over 10 s from "" to end (with the probes
 * up), into *cfg and the result. */
static struct diag_report *by_peer_report(struct config **cfg,
					  const char *end)
{
	char *text = NULL;
	struct diag_report *r;

	assert_true(asprintf(&text, "%s%s", by_peer_up, end) > 0);
	*cfg = config_parse("b.yaml", by_peer_yaml, stderr);
	assert_non_null(*cfg);
	r = diag_report_new(*cfg, diag_samples_parse(""),
			    diag_samples_parse(text), 10, NULL, NULL);
	assert_non_null(r);
	free(text);
	return r;
}

/* Drops peers from a second probe on the causes probe's event: ranked,
 * to the right reason, no rate added; empty addresses skipped. */
static void test_peers_other_probe(void **state)
{
	struct config *cfg;
	struct diag_report *r = by_peer_report(&cfg,
		"d_total{reason=\"NO_SOCKET\",location=\"__udp4_lib_rcv\"} 100\n"
		"d_total{reason=\"NETFILTER_DROP\",location=\"nf_hook_slow\"} 50\n"
		"p_total{reason=\"NO_SOCKET\",saddr=\"10.0.0.2\",daddr=\"10.0.0.1\",dport=\"53\"} 30\n"
		"p_total{reason=\"NO_SOCKET\",saddr=\"fd00::2\",daddr=\"fd00::1\",dport=\"9\"} 70\n"
		"p_total{reason=\"NETFILTER_DROP\",saddr=\"\",daddr=\"\",dport=\"\"} 50\n"
		"n_total{name=\"eth0\"} 500\n");
	const struct diag_reason *k = &r->causes[0].reasons[0];
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_true(r->total == 15);	/* the peers add nothing */
	assert_int_equal(r->ncauses, 2);
	assert_string_equal(r->causes[0].cause, "no_listener");
	assert_true(k->rate == 10);
	assert_int_equal(k->npeers, 2);
	assert_string_equal(k->peers[0].location,
			    "saddr=fd00::2 daddr=fd00::1 dport=9");
	assert_true(k->peers[0].rate == 7);
	assert_string_equal(k->peers[1].location,
			    "saddr=10.0.0.2 daddr=10.0.0.1 dport=53");
	assert_int_equal(r->causes[1].reasons[0].npeers, 0);	/* all empty */
	assert_non_null(f);
	diag_report_text(r, f, false);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(out, "      peer saddr=fd00::2 daddr=fd00::1 "
			       "dport=9"));
	assert_null(strstr(out, "peer \n"));
	free(out);
	diag_report_free(r);
	config_free(cfg);
}

/* The causes probe with address labels and a second probe on its event
 * with them too: the peers are the causes probe's, each drop once. */
static void test_peers_counted_once(void **state)
{
	static const char yaml2[] =
		"probes:\n"
		"  - name: drops\n"
		"    tracepoint: skb:kfree_skb\n"
		"    metric: d_total\n"
		"    labels: [reason, daddr]\n"
		"  - name: drops_by_peer\n"
		"    tracepoint: skb:kfree_skb\n"
		"    metric: p_total\n"
		"    labels: [reason, daddr]\n"
		"causes:\n"
		"  probe: drops\n";
	struct config *cfg = config_parse("o.yaml", yaml2, stderr);
	struct diag_report *r;

	(void)state;
	assert_non_null(cfg);
	r = diag_report_new(cfg, diag_samples_parse(""), diag_samples_parse(
		"ftrace_exporter_probe_up{probe=\"drops\"} 1\n"
		"ftrace_exporter_probe_up{probe=\"drops_by_peer\"} 1\n"
		"d_total{reason=\"NO_SOCKET\",daddr=\"10.0.0.1\"} 20\n"
		"p_total{reason=\"NO_SOCKET\",daddr=\"10.0.0.1\"} 20\n"),
		10, NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->causes[0].reasons[0].npeers, 1);
	assert_true(r->causes[0].reasons[0].peers[0].rate == 2);
	assert_true(r->total == 2);
	diag_report_free(r);
	config_free(cfg);
}

/* Retransmit peers from the probe on tcp:tcp_retransmit_skb with address
 * labels, in both formats. */
static void test_retransmit_peers(void **state)
{
	struct config *cfg;
	struct diag_report *r = by_peer_report(&cfg,
		"r_total{saddr=\"10.0.0.1\",daddr=\"10.0.0.2\"} 40\n"
		"r_total{saddr=\"10.0.0.1\",daddr=\"10.0.0.3\"} 60\n"
		"r_total{saddr=\"\",daddr=\"\"} 5\n");
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(r->retransmits.npeers, 2);
	assert_string_equal(r->retransmits.peers[0].location,
			    "saddr=10.0.0.1 daddr=10.0.0.3");
	assert_true(r->retransmits.peers[0].rate == 6);
	assert_non_null(f);
	diag_report_json(r, f);
	diag_report_text(r, f, false);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(out, "\"retransmits\":{\"rate\":0.000,"
			       "\"rto\":null,\"fast\":null,\"other\":null,"
			       "\"peers\":[{\"peer\":\"saddr=10.0.0.1 daddr="
			       "10.0.0.3\",\"rate\":6.000},{\"peer\":\"saddr="
			       "10.0.0.1 daddr=10.0.0.2\",\"rate\":4.000}]}"));
	assert_non_null(strstr(out, "\n    peer saddr=10.0.0.1 daddr=10.0.0.3 "));
	for (const char *s = strstr(out, "\n\n") + 2, *e; *s; s = e + 1) {
		e = strchr(s, '\n');
		assert_true(e - s <= DIAG_COLUMNS);
	}
	free(out);
	diag_report_free(r);
	config_free(cfg);
}

/* A bad URL (a port is required: an exporter is not on 80) and a closed
 * port: NULL with the reason. */
static void test_http_errors(void **state)
{
	char err[256];

	(void)state;
	assert_null(diag_http_get("https://h/metrics", err, sizeof(err)));
	assert_non_null(strstr(err, "bad URL"));
	assert_null(diag_http_get("http://:9/", err, sizeof(err)));
	assert_null(diag_http_get("http://127.0.0.1:1/metrics", err,
				  sizeof(err)));
	assert_non_null(strstr(err, "refused"));
	assert_null(diag_http_get("http://[::1]:1", err, sizeof(err)));
	assert_non_null(strstr(err, "refused"));	/* parsed: dialled */
	assert_null(diag_http_get("http://[::1:1/", err, sizeof(err)));
	assert_non_null(strstr(err, "bad URL"));
	assert_null(diag_http_get("http://h:/", err, sizeof(err)));
	assert_non_null(strstr(err, "bad URL"));
	assert_null(diag_http_get("http://h:1234567/", err, sizeof(err)));
	assert_non_null(strstr(err, "bad URL"));
	assert_null(diag_http_get("http://h/metrics", err, sizeof(err)));
	assert_non_null(strstr(err, "bad URL"));	/* no port: no guess */
}

/* A server that takes the connection and never answers: the read times
 * out, and the message says so, not what errno held before (the old
 * client printed a leftover errno, e.g. "Connection refused"). */
static void test_http_timeout(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char url[64], err[256];

	(void)state;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);	/* the kernel accepts */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics",
		 ntohs(a.sin_port));
	errno = ECONNREFUSED;
	assert_null(diag_http_get(url, err, sizeof(err)));
	assert_string_equal(err, "reading the answer: timed out");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_http_timeout),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_delta),
		cmocka_unit_test_setup_teardown(test_ranking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmits_and_probes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_layout, setup,
						teardown),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_peers_other_probe),
		cmocka_unit_test(test_peers_counted_once),
		cmocka_unit_test(test_retransmit_peers),
		cmocka_unit_test(test_http_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
