/* Unit tests of pkg/config: good configs with every accessor, one test per
 * kind of bad input (exact "FILE:LINE:COL:" and a message fragment), the
 * shipped config/default.yaml, and config_parse_cpus(). Run from the repo
 * root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "yamldoc/yamldoc.h"

#define CAPTURE_TYPE struct config
#define CAPTURE_PARSE config_parse
#define CAPTURE_FREE config_free
#define CAPTURE_PATH "t.yaml"
#include "capture.h"

/* One tracepoint probe: the mapping starts at 2:5, the target at 3:17. */
#define TP "probes:\n" \
	   "  - name: p\n" \
	   "    tracepoint: skb:kfree_skb\n"

static void test_defaults(void **state)
{
	struct config *cfg = expect_ok(TP);
	const struct probe_spec *p;

	(void)state;
	assert_string_equal(config_path(cfg), "t.yaml");
	assert_string_equal(config_instance(cfg), "ftrace_exporter");
	assert_int_equal(config_buffer_size_kb(cfg), 2048);
	assert_string_equal(config_cpus(cfg), "all");
	assert_true(config_cpu_enabled(cfg, 0));
	assert_true(config_cpu_enabled(cfg, CONFIG_MAX_CPUS - 1));
	assert_false(config_cpu_enabled(cfg, CONFIG_MAX_CPUS));
	assert_false(config_cpu_enabled(cfg, -1));
	assert_int_equal(config_window_seconds(cfg), 30);
	assert_null(config_causes_probe(cfg));
	assert_int_equal(config_class_count(cfg), 0);
	assert_int_equal(config_rule_count(cfg), 0);
	assert_null(config_class(cfg, 0));
	assert_null(config_rule(cfg, 0));
	assert_int_equal(config_probe_count(cfg), 1);
	assert_null(config_probe(cfg, 1));
	assert_null(config_probe(cfg, -1));
	assert_null(config_probe_by_name(cfg, "q"));
	p = config_probe(cfg, 0);
	assert_ptr_equal(config_probe_by_name(cfg, "p"), p);
	assert_string_equal(p->name, "p");
	assert_int_equal(p->kind, PROBE_TRACEPOINT);
	assert_string_equal(p->target, "skb:kfree_skb");
	assert_string_equal(p->system, "skb");
	assert_string_equal(p->event, "kfree_skb");
	assert_int_equal(p->nlabels, 0);
	assert_null(p->metric);
	assert_null(p->help);
	assert_null(p->filter);
	assert_null(p->fetchargs);
	assert_int_equal(p->max_series, 1000);
	assert_int_equal(p->idle_seconds, 0);	/* series never expire */
	assert_int_equal(p->line, 2);
	assert_int_equal(p->col, 5);
	config_free(cfg);
}

static const char full_yaml[] =
	"tracing:\n"
	"  instance: my.inst-1\n"
	"  buffer_size_kb: 4096\n"
	"  cpus: 0-3,8\n"
	"limits:\n"
	"  max_series_per_probe: 50\n"
	"probes:\n"
	"  - name: drops\n"				/* 8 */
	"    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location]\n"
	"    filter: 'protocol == 2048'\n"
	"  - name: retrans\n"				/* 12 */
	"    function: tcp_retransmit_skb.isra.0\n"
	"    labels: [caller]\n"
	"    metric: ftrace_retrans_total\n"
	"    help: Retransmits by caller.\n"
	"    max_series: 7\n"
	"  - name: send\n"				/* 18 */
	"    kprobe: tcp_sendmsg+0x4\n"
	"    fetchargs: 'size=%dx:u64 %si'\n"
	"    labels: [size, arg2]\n"
	"    filter: size > 100\n"
	"  - name: drops2\n"				/* 23 */
	"    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location]\n"
	"    metric: ftrace_drops_total\n"
	"  - name: recv\n"
	"    function: tcp_recvmsg\n"
	"causes:\n"
	"  window_seconds: 10\n"
	"  probe: drops2\n"
	"  classes:\n"
	"    congestion: [QDISC_DROP, CPU_BACKLOG]\n"
	"    no_listener: [NO_SOCKET]\n"
	"  heuristics:\n"
	"    - cause: retransmits\n"
	"      probe: retrans\n"
	"    - cause: deficit\n"
	"      probe: send\n"
	"      minus: recv\n";

/* The kprobe group of instance name: every character a group name allows,
 * and distinct names give distinct groups. */
static const char *group_of(const char *name, char *yaml, size_t size)
{
	struct config *cfg;
	static char group[128];

	snprintf(yaml, size, "tracing:\n  instance: %s\n" TP, name);
	cfg = expect_ok(yaml);
	snprintf(group, sizeof(group), "%s", config_kprobe_group(cfg));
	config_free(cfg);
	assert_int_equal(strspn(group, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
			 strlen(group));
	return group;
}

static void test_kprobe_group(void **state)
{
	static const char *const names[] = {
		"a.b", "a-b", "a_b", "a__b", "a_db", "a._", "ab", "a_hb",
		"ftrace_exporter",
	};
	char yaml[256], seen[9][128];

	(void)state;
	assert_string_equal(group_of("a.b", yaml, sizeof(yaml)), "fte_a_db");
	assert_string_equal(group_of("vmexp", yaml, sizeof(yaml)), "fte_vmexp");
	for (size_t i = 0; i < 9; i++) {
		snprintf(seen[i], sizeof(seen[i]), "%s",
			 group_of(names[i], yaml, sizeof(yaml)));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	expect_error("tracing:\n  instance: a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z\n"
		     "probes:\n  - name: p\n    kprobe: tcp_sendmsg\n", "5:13",
		     "is longer than 63 characters: shorten tracing.instance");
}

static void test_full(void **state)
{
	struct config *cfg = expect_ok(full_yaml);
	const struct probe_spec *p;

	(void)state;
	assert_string_equal(config_instance(cfg), "my.inst-1");
	assert_int_equal(config_buffer_size_kb(cfg), 4096);
	assert_string_equal(config_cpus(cfg), "0-3,8");
	assert_true(config_cpu_enabled(cfg, 0));
	assert_true(config_cpu_enabled(cfg, 3));
	assert_false(config_cpu_enabled(cfg, 4));
	assert_true(config_cpu_enabled(cfg, 8));
	assert_false(config_cpu_enabled(cfg, 9));
	assert_int_equal(config_probe_count(cfg), 5);

	p = config_probe(cfg, 0);
	assert_int_equal(p->nlabels, 2);
	assert_string_equal(p->labels[0], "reason");
	assert_string_equal(p->labels[1], "location");
	assert_string_equal(p->metric, "ftrace_drops_total");
	assert_string_equal(p->help, "Events of probe drops by reason, location.");
	assert_string_equal(p->filter, "protocol == 2048");
	assert_int_equal(p->max_series, 50);
	assert_int_equal(p->line, 8);

	p = config_probe(cfg, 1);
	assert_int_equal(p->kind, PROBE_FUNCTION);
	assert_string_equal(p->target, "tcp_retransmit_skb.isra.0");
	assert_null(p->system);
	assert_string_equal(p->labels[0], "caller");
	assert_string_equal(p->metric, "ftrace_retrans_total");
	assert_string_equal(p->help, "Retransmits by caller.");
	assert_int_equal(p->max_series, 7);
	assert_int_equal(p->line, 12);

	p = config_probe_by_name(cfg, "send");
	assert_int_equal(p->kind, PROBE_KPROBE);
	assert_string_equal(p->target, "tcp_sendmsg+0x4");
	assert_string_equal(p->system, "fte_my_dinst_h1");
	assert_string_equal(p->event, "send");
	assert_string_equal(p->fetchargs, "size=%dx:u64 %si");
	assert_string_equal(p->labels[1], "arg2");
	assert_string_equal(p->filter, "size > 100");
	assert_string_equal(p->metric, "ftrace_send_total");
	assert_int_equal(p->line, 18);
	assert_int_equal(p->col, 5);

	assert_int_equal(config_window_seconds(cfg), 10);
	assert_string_equal(config_causes_probe(cfg), "drops2");
	assert_int_equal(config_class_count(cfg), 3);
	assert_string_equal(config_class(cfg, 0)->reason, "QDISC_DROP");
	assert_string_equal(config_class(cfg, 0)->cause, "congestion");
	assert_string_equal(config_class(cfg, 1)->reason, "CPU_BACKLOG");
	assert_string_equal(config_class(cfg, 2)->reason, "NO_SOCKET");
	assert_string_equal(config_class(cfg, 2)->cause, "no_listener");
	assert_int_equal(config_rule_count(cfg), 2);
	assert_string_equal(config_rule(cfg, 0)->cause, "retransmits");
	assert_string_equal(config_rule(cfg, 0)->probe, "retrans");
	assert_null(config_rule(cfg, 0)->minus);
	assert_string_equal(config_rule(cfg, 1)->probe, "send");
	assert_string_equal(config_rule(cfg, 1)->minus, "recv");
	config_free(cfg);
}

static void test_default_causes_probe(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = expect_ok("probes:\n"
			"  - name: a\n"
			"    tracepoint: skb:kfree_skb\n"
			"    labels: [location]\n"
			"  - name: b\n"
			"    tracepoint: net:netif_rx\n"
			"    labels: [reason]\n"
			"    metric: ftrace_b_total\n"
			"  - name: c\n"
			"    tracepoint: skb:kfree_skb\n"
			"    labels: [reason]\n");
	assert_string_equal(config_causes_probe(cfg), "c");
	config_free(cfg);
}

static void test_default_yaml(void **state)
{
	struct config *cfg;
	char *errs;
	size_t len;
	FILE *f;
	int i;

	(void)state;
	f = open_memstream(&errs, &len);
	cfg = config_load("config/default.yaml", f);
	fclose(f);
	if (*errs)
		print_message("%s", errs);
	assert_string_equal(errs, "");
	free(errs);
	assert_non_null(cfg);
	assert_string_equal(config_causes_probe(cfg), "skb_drops");
	assert_int_equal(config_window_seconds(cfg), 30);
	assert_int_equal(config_rule_count(cfg), 3);
	assert_true(config_class_count(cfg) > 100);
	for (i = 0; i < config_class_count(cfg); i++) {
		if (!strcmp(config_class(cfg, i)->reason, "NO_SOCKET"))
			break;
	}
	assert_string_equal(config_class(cfg, i)->cause, "no_listener");
	assert_string_equal(config_rule(cfg, 2)->cause, "receive_path_gap");
	assert_string_equal(config_rule(cfg, 2)->minus, "netif_receive_skb");
	config_free(cfg);
}

/* The shipped mapping of drop sites (proven in the 5.10 guest) and the
 * heuristics' tracepoint fallbacks. */
static void test_default_yaml_fallbacks(void **state)
{
	struct config *cfg = config_load("config/default.yaml", stderr);
	const struct cause_rule *r;

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(config_location_of(cfg, "nf_hook_slow")->cause, "policy");
	assert_string_equal(config_location_of(cfg, "udp_queue_rcv_one_skb")->cause,
			    "congestion");
	assert_string_equal(config_location_of(cfg, "__udp4_lib_rcv")->cause,
			    "no_listener");
	assert_null(config_location_of(cfg, "tcp_v4_rcv"));	/* ambiguous */
	assert_int_equal(config_location_probe(cfg), config_probe_index(cfg, "skb_drops"));
	r = config_rule(cfg, 0);
	assert_string_equal(r->cause, "retransmits");
	assert_int_equal(r->nprobes, 2);
	assert_string_equal(r->probes[1], "tcp_retransmit");
	assert_string_equal(config_probe_by_name(cfg, r->probes[1])->target,
			    "tcp:tcp_retransmit_skb");
	r = config_rule(cfg, 1);
	assert_string_equal(config_probe_by_name(cfg, r->probes[1])->target,
			    "sock:sock_send_length");
	assert_string_equal(config_probe_by_name(cfg, r->minuses[1])->target,
			    "sock:sock_recv_length");
	config_free(cfg);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX", *errs;
	struct config *cfg;
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, TP, strlen(TP)), (int)strlen(TP));
	close(fd);
	f = open_memstream(&errs, &len);
	cfg = config_load(path, f);
	fclose(f);
	assert_non_null(cfg);
	assert_string_equal(config_path(cfg), path);
	assert_string_equal(errs, "");
	config_free(cfg);
	free(errs);

	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "\0x: 1\n", 6), 6);
	close(fd);
	f = open_memstream(&errs, &len);
	cfg = config_load(path, f);
	fclose(f);
	unlink(path);
	assert_null(cfg);
	assert_true(has_line(errs, path, "NUL"));
	free(errs);
}

/* config_load_renamed(): the instance and its kprobe group get the
 * suffix (a diagnose run's own), the rest is the file's; a name made too
 * long is an error. */
static void test_load_renamed(void **state)
{
	static const char yaml[] =
		"tracing: {instance: my.inst}\n"
		"probes:\n"
		"  - {name: k, kprobe: tcp_sendmsg}\n";
	char path[] = "/tmp/test_config_XXXXXX", suffix[80];
	FILE *null = fopen("/dev/null", "w");
	struct config *cfg;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (int)strlen(yaml));
	close(fd);
	cfg = config_load_renamed(path, "_diag_42", stderr);
	assert_non_null(cfg);
	assert_string_equal(config_instance(cfg), "my.inst_diag_42");
	assert_string_equal(config_kprobe_group(cfg), "fte_my_dinst__diag__42");
	assert_string_equal(config_probe(cfg, 0)->system,
			    config_kprobe_group(cfg));
	config_free(cfg);
	memset(suffix, 'x', sizeof(suffix) - 1);
	suffix[sizeof(suffix) - 1] = '\0';
	assert_null(config_load_renamed(path, suffix, null));
	fclose(null);
	unlink(path);
}

static void test_load_missing(void **state)
{
	struct config *cfg;
	char *errs;
	size_t len;
	FILE *f;

	(void)state;
	f = open_memstream(&errs, &len);
	errno = 0;
	cfg = config_load("/nonexistent/x.yaml", f);
	assert_int_equal(errno, ENOENT);
	fclose(f);
	assert_null(cfg);
	assert_string_equal(errs, "/nonexistent/x.yaml: No such file or directory\n");
	free(errs);
}

static void test_syntax_error(void **state)
{
	(void)state;
	expect_error(TP "    labels: [a, b\n", "5:1", "YAML syntax error");
	expect_error("probes:\n  - name: p\n   bad: indent\n", "3:4",
		     "did not find expected '-' indicator");
	expect_error(TP "\xff\n", "4:1", "YAML syntax error");
	expect_error(TP "    filter: \"\\0\"\n", "4:13", "NUL");
}

static void test_all_errors_reported(void **state)
{
	struct config *cfg;
	char *errs;

	(void)state;
	cfg = parse("tracing:\n"
		    "  buffer_size_kb: 0\n"
		    "  cpus: x\n"
		    "probes:\n"
		    "  - name: 1p\n"
		    "    tracepoint: skb\n", &errs);
	assert_null(cfg);
	assert_int_equal(count_lines(errs), 4);
	assert_true(has_line(errs, "t.yaml:2:19: ", "out of range"));
	assert_true(has_line(errs, "t.yaml:3:9: ", "bad cpu list"));
	assert_true(has_line(errs, "t.yaml:5:11: ", "invalid probe name"));
	assert_true(has_line(errs, "t.yaml:6:17: ", "invalid tracepoint"));
	free(errs);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("foo: 1\n" TP, "1:1",
		     "unknown key \"foo\" in the top level (allowed: tracing, limits, probes, causes)");
	expect_error("tracing:\n  size: 1\n" TP, "2:3",
		     "unknown key \"size\" in tracing (allowed: instance, buffer_size_kb, cpus)");
	expect_error("limits:\n  max: 1\n" TP, "2:3", "unknown key \"max\"");
	expect_error(TP "    label: [x]\n", "4:5",
		     "unknown key \"label\" in a probe (allowed: name, ");
	expect_error(TP "causes:\n  window: 3\n", "5:3",
		     "unknown key \"window\" in causes");
	expect_error(TP "causes:\n  heuristics:\n    - cause: x\n      probe: p\n      plus: p\n",
		     "8:7", "unknown key \"plus\" in a heuristic");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("tracing: 5\n" TP, "1:10", "expected a mapping for tracing, found a scalar");
	expect_error("- a\n", "1:1", "expected a mapping for the top level, found a sequence");
	expect_error("probes: p\n", "1:9", "expected a sequence");
	expect_error("probes:\n  - p\n", "2:5", "expected a mapping for a probe");
	expect_error("probes:\n  - name: [p]\n    tracepoint: a:b\n", "2:11", "expected a scalar, found a sequence");
	expect_error(TP "    labels: reason\n", "4:13", "expected a sequence, found a scalar");
	expect_error(TP "    labels: [{a: b}]\n", "4:14", "expected a scalar, found a mapping");
	expect_error("tracing:\n  buffer_size_kb: lots\n" TP, "2:19", "expected an integer, found \"lots\"");
	expect_error("tracing:\n  buffer_size_kb: 1.5\n" TP, "2:19", "expected an integer");
	expect_error(TP "    max_series: ' 5'\n", "4:17", "expected an integer");
	expect_error(TP "causes: []\n", "4:9", "expected a mapping for causes");
	expect_error(TP "causes:\n  classes: [a]\n", "5:12", "expected a mapping for causes.classes");
	expect_error(TP "causes:\n  classes:\n    x: Y\n", "6:8", "expected a sequence");
	expect_error(TP "causes:\n  heuristics: {a: b}\n", "5:15", "expected a sequence");
	expect_error(TP "causes:\n  heuristics: [x]\n", "5:16", "expected a mapping for a heuristic");
	expect_error("? [a]\n: b\n" TP, "1:3", "expected a scalar");
}

static void test_out_of_range(void **state)
{
	(void)state;
	expect_error("tracing:\n  buffer_size_kb: 0\n" TP, "2:19", "0 is out of range (1 to 1048576)");
	expect_error("tracing:\n  buffer_size_kb: 1048577\n" TP, "2:19", "out of range");
	expect_error("tracing:\n  buffer_size_kb: 99999999999999999999999\n" TP, "2:19", "out of range");
	expect_error("limits:\n  max_series_per_probe: 1000001\n" TP, "2:25", "out of range (1 to 1000000)");
	expect_error(TP "    max_series: -1\n", "4:17", "-1 is out of range");
	expect_error(TP "causes:\n  window_seconds: 3601\n", "5:19", "out of range (1 to 3600)");
	expect_error(TP "causes:\n  window_seconds: 0\n", "5:19", "out of range");
}

/* Issue 11 item 4: limits.series_idle_seconds is every probe's, a probe's
 * own overrides it, 0 is never, and a week is the most. */
static void test_series_idle_seconds(void **state)
{
	struct config *cfg = expect_ok("limits:\n  series_idle_seconds: 300\n"
				       TP "  - name: q\n"
				       "    tracepoint: skb:kfree_skb\n"
				       "    series_idle_seconds: 0\n");

	(void)state;
	assert_int_equal(config_probe(cfg, 0)->idle_seconds, 300);
	assert_int_equal(config_probe(cfg, 1)->idle_seconds, 0);
	config_free(cfg);
	expect_error("limits:\n  series_idle_seconds: 604801\n" TP, "2:24",
		     "out of range (0 to 604800)");
	expect_error(TP "    series_idle_seconds: -5\n", "4:26",
		     "out of range");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_error(TP "    name: q\n", "4:5", "duplicate key \"name\" (first at line 2)");
	expect_error("tracing: {}\ntracing: {}\n" TP, "2:1", "duplicate key \"tracing\"");
	expect_error(TP "causes:\n  classes:\n    a: [A]\n    a: [B]\n", "7:5", "duplicate key \"a\"");
}

static void test_duplicate_probe_names(void **state)
{
	(void)state;
	expect_error(TP "  - name: p\n    function: f\n", "4:11",
		     "duplicate probe name \"p\" (first at line 2)");
}

static void test_probe_kind(void **state)
{
	(void)state;
	expect_error("probes:\n  - name: p\n", "2:5", "exactly one of tracepoint, function, kprobe");
	expect_error(TP "    function: f\n", "4:5", "probe has both tracepoint and function");
	expect_error(TP "    kprobe: f\n", "4:5", "both tracepoint and kprobe");
	expect_error("probes:\n  - tracepoint: a:b\n", "2:5", "probe needs a name");
}

static void test_bad_tracepoint(void **state)
{
	static const char *const bad[] = { "skb", "skb:", ":x", "a:b:c", "a b:c", "a:b-c" };
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), "probes:\n  - name: p\n    tracepoint: '%s'\n", bad[i]);
		expect_error(text, "3:17", "expected system:event");
	}
}

static void test_bad_names(void **state)
{
	(void)state;
	expect_error("probes:\n  - name: 1p\n    function: f\n", "2:11", "invalid probe name \"1p\"");
	expect_error("probes:\n  - name: a-b\n    function: f\n", "2:11", "invalid probe name");
	expect_error("probes:\n  - name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    function: f\n",
		     "2:11", "at most 63 characters");
	expect_error("tracing:\n  instance: a/b\n" TP, "2:13", "invalid instance name \"a/b\"");
	expect_error("tracing:\n  instance: ..\n" TP, "2:13", "invalid instance name");
	expect_error("tracing:\n  instance: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" TP,
		     "2:13", "at most 64 characters");
	expect_error(TP "    labels: [bad-label]\n", "4:14", "invalid label name \"bad-label\"");
	expect_error(TP "    labels: [__x]\n", "4:14", "reserved");
	expect_error("probes:\n  - name: p\n    function: tcp-send\n", "3:15", "invalid function name");
	expect_error("probes:\n  - name: p\n    function: 1f\n", "3:15", "invalid function name");
	expect_error("probes:\n  - name: p\n    kprobe: f+x\n", "3:13", "expected SYMBOL or SYMBOL+OFFSET");
	expect_error("probes:\n  - name: p\n    kprobe: +4\n", "3:13", "invalid kprobe target");
	expect_error("probes:\n  - name: p\n    kprobe: f+0x\n", "3:13", "invalid kprobe target");
	expect_error(TP "causes:\n  classes:\n    Congestion: [A]\n", "6:5", "invalid cause name \"Congestion\"");
	expect_error(TP "causes:\n  classes:\n    c: [no_socket]\n", "6:9", "invalid drop reason \"no_socket\"");
	expect_error(TP "causes:\n  heuristics:\n    - cause: Bad\n      probe: p\n", "6:14", "invalid cause name");
}

static void test_too_many_labels(void **state)
{
	(void)state;
	expect_error(TP "    labels: [a, b, c, d, e]\n", "4:13", "too many labels (5)");
	expect_error(TP "    labels: [a, a]\n", "4:17", "duplicate label \"a\"");
}

static void test_function_labels(void **state)
{
	(void)state;
	expect_error("probes:\n  - name: p\n    function: f\n    labels: [caller, reason]\n",
		     "4:22", "only the label \"caller\"");
}

static void test_filter_on_function(void **state)
{
	(void)state;
	expect_error("probes:\n  - name: p\n    function: f\n    filter: 'x == 1'\n",
		     "4:5", "filter is not supported on function probes");
}

static void test_fetchargs(void **state)
{
	(void)state;
	expect_error(TP "    fetchargs: 'a=%di'\n", "4:5", "fetchargs is only allowed on kprobe probes");
	expect_error("probes:\n  - name: p\n    kprobe: f\n    fetchargs: 'a=%di'\n    labels: [b]\n",
		     "5:14", "label \"b\" is not a field of this kprobe");
	expect_error("probes:\n  - name: p\n    kprobe: f\n    labels: [arg1]\n",
		     "4:14", "not a field of this kprobe");
	expect_error("probes:\n  - name: p\n    kprobe: f\n    fetchargs: \"a=%di\\nb=%si\"\n",
		     "4:16", "one line");
}

static void test_metric_conflict(void **state)
{
	(void)state;
	expect_error("probes:\n"
		     "  - name: a\n"
		     "    tracepoint: skb:kfree_skb\n"
		     "    labels: [reason]\n"
		     "    metric: ftrace_x_total\n"
		     "  - name: b\n"
		     "    tracepoint: skb:consume_skb\n"
		     "    labels: [location]\n"
		     "    metric: ftrace_x_total\n",
		     "6:5",
		     "probe \"b\" feeds metric \"ftrace_x_total\" with labels [location], but probe \"a\" (line 2)");
}

static void test_bad_metric(void **state)
{
	(void)state;
	expect_error(TP "    labels: [reason]\n    metric: ftrace_drops\n", "5:13", "must end in _total");
	expect_error(TP "    labels: [reason]\n    metric: 1x_total\n", "5:13", "invalid metric name");
	expect_error(TP "    labels: [reason]\n    metric: ftrace_event_hits_total\n", "5:13", "reserved");
	expect_error(TP "    labels: [reason]\n    metric: ftrace_exporter_x_total\n", "5:13", "reserved");
	expect_error(TP "    metric: ftrace_x_total\n", "4:5", "metric needs labels");
	expect_error(TP "    labels: []\n    help: text\n", "5:5", "help needs labels");
}

static void test_no_probes(void **state)
{
	(void)state;
	expect_error("", "1:1", "no probes");
	expect_error("# only a comment\n", "1:1", "no probes");
	expect_error("tracing: {}\n", "1:1", "no probes: the \"probes\" key is missing");
	expect_error("probes: []\n", "1:9", "no probes: \"probes\" is empty");
}

static void test_bad_cpus(void **state)
{
	(void)state;
	expect_error("tracing:\n  cpus: 0-1024\n" TP, "2:9", "cpu numbers go from 0 to 1023");
	expect_error("tracing:\n  cpus: '3-1'\n" TP, "2:9", "range 3-1 is reversed");
	expect_error("tracing:\n  cpus: some\n" TP, "2:9", "bad cpu list \"some\"");
}

static void test_bad_causes(void **state)
{
	(void)state;
	expect_error(TP "causes:\n  probe: q\n", "5:10", "unknown probe \"q\"");
	expect_error(TP "causes:\n  probe: p\n", "5:10", "probe \"p\" has no label \"reason\"");
	expect_error(TP "causes:\n  classes:\n    a: [X, Y]\n    b: [Z, X]\n", "7:12",
		     "drop reason \"X\" is already in cause \"a\"");
	expect_error(TP "causes:\n  heuristics:\n    - cause: c\n      probe: q\n", "7:14", "unknown probe \"q\"");
	expect_error(TP "causes:\n  heuristics:\n    - cause: c\n      probe: p\n      minus: r\n", "8:14",
		     "unknown probe \"r\"");
	expect_error(TP "causes:\n  heuristics:\n    - probe: p\n", "6:7", "heuristic needs a cause");
	expect_error(TP "causes:\n  heuristics:\n    - cause: c\n", "6:7", "heuristic needs a probe");
	expect_error(TP "causes:\n  heuristics:\n    - {cause: c, probe: p}\n    - {cause: c, probe: p}\n",
		     "7:15", "cause \"c\" already has a heuristic");
	expect_error(TP "causes:\n  classes:\n    c: [X]\n  heuristics:\n    - {cause: c, probe: p}\n",
		     "8:15", "cause \"c\" is already defined by classes");
}

static void test_aliases(void **state)
{
	(void)state;
	expect_error("probes:\n  - &a {name: p, function: f}\n  - *a\n", "2:5", "aliases are not supported");
	expect_error("&a [*a]\n", "1:1", "aliases are not supported");
}

static void test_two_documents(void **state)
{
	(void)state;
	expect_error(TP "---\n" TP, "5:1", "only one YAML document");
}

/* mode: count by default, hist on tracepoints only; a changed mode makes
 * another probe for a reload. */
static void test_mode(void **state)
{
	struct config *cfg = expect_ok(TP "    mode: hist\n"
				       "  - name: q\n    tracepoint: skb:kfree_skb\n"
				       "    mode: count\n");

	(void)state;
	assert_true(config_probe(cfg, 0)->mode == PROBE_HIST);
	assert_false(config_probe(cfg, 1)->mode == PROBE_HIST);
	config_free(cfg);
	expect_error(TP "    mode: sometimes\n", "4:11", "mode must be count or hist");
	expect_error("probes:\n  - name: f\n    function: tcp_sendmsg\n"
		     "    mode: hist\n", "4:5", "only for tracepoint probes");
}

/* mode: auto, on tracepoints only; auto, hist and count are three ways of
 * defining a probe (a reload keeps none as another). */
static void test_mode_auto(void **state)
{
	struct config *cfg = expect_ok(TP "    mode: auto\n"
				       "  - name: h\n    tracepoint: skb:kfree_skb\n"
				       "    mode: hist\n"
				       "  - name: c\n    tracepoint: skb:kfree_skb\n");
	struct config *hist = expect_ok(TP "    mode: hist\n");

	(void)state;
	assert_int_equal(config_probe(cfg, 0)->mode, PROBE_AUTO);
	assert_int_equal(config_probe(cfg, 1)->mode, PROBE_HIST);
	assert_int_equal(config_probe(cfg, 2)->mode, PROBE_COUNT);
	assert_false(config_probe_same(config_probe(cfg, 0),
				       config_probe(hist, 0)));
	config_free(cfg);
	config_free(hist);
	expect_error("probes:\n  - name: k\n    kprobe: tcp_sendmsg\n"
		     "    mode: auto\n", "4:5",
		     "mode: auto is only for tracepoint probes");
	expect_error(TP "    mode: Auto\n", "4:11",
		     "mode must be count or hist or auto, not \"Auto\"");
}

/* The labels an event probe derives: the packet labels of a probe on an
 * skb tracepoint that carries only the skb pointer, none elsewhere (a tcp
 * event has its own saddr field); the others (reason) stay the
 * tracepoint's. */
static void test_packet_labels(void **state)
{
	struct config *cfg = expect_ok("probes:\n"
		"  - name: drops\n    tracepoint: skb:kfree_skb\n"
		"    labels: [reason, daddr, device, dport]\n"
		"  - name: consumed\n    tracepoint: skb:consume_skb\n"
		"    labels: [saddr, netns]\n"
		"  - name: plain\n    tracepoint: skb:kfree_skb\n"
		"    labels: [reason, location]\n"
		"  - name: rtx\n    tracepoint: tcp:tcp_retransmit_skb\n"
		"    labels: [saddr, daddr]\n"
		"  - name: rx\n    tracepoint: net:netif_receive_skb\n"
		"    labels: [l4proto]\n");

	(void)state;
	assert_int_equal(config_packet_labels(cfg, 0), 0xe);
	assert_int_equal(config_packet_labels(cfg, 1), 0x3);
	assert_int_equal(config_packet_labels(cfg, 2), 0);
	assert_int_equal(config_packet_labels(cfg, 3), 0);
	assert_int_equal(config_packet_labels(cfg, 4), 0);
	assert_true(config_packet_label("l4proto"));
	assert_false(config_packet_label("reason"));
	/* addresses and ports, on any event (diagnose's peers) */
	assert_int_equal(config_address_labels(cfg, 0), 0xa);
	assert_int_equal(config_address_labels(cfg, 1), 0x1);
	assert_int_equal(config_address_labels(cfg, 2), 0);
	assert_int_equal(config_address_labels(cfg, 3), 0x3);
	assert_int_equal(config_address_labels(cfg, 4), 0);
	assert_true(config_address_label("sport"));
	assert_false(config_address_label("device"));
	config_free(cfg);
}

/* A probe with packet labels needs its own event probe (named after it,
 * fetching what its labels need): another name or other labels is another
 * kernel object, even with the same filter. */
static void test_packet_same_kernel_need(void **state)
{
	struct config *a = expect_ok("probes:\n"
		"  - name: d\n    tracepoint: skb:kfree_skb\n"
		"    labels: [daddr, device]\n"
		"  - name: e\n    tracepoint: skb:kfree_skb\n"
		"    labels: [daddr, device]\n"
		"  - name: plain\n    tracepoint: skb:kfree_skb\n");
	struct config *b = expect_ok("probes:\n"
		"  - name: d\n    tracepoint: skb:kfree_skb\n"
		"    labels: [daddr]\n"
		"  - name: e\n    tracepoint: skb:kfree_skb\n"
		"    labels: [daddr, device]\n");

	(void)state;
	assert_false(config_same_kernel_need(config_probe(a, 0), false,
					     config_probe(b, 0), false));
	assert_true(config_same_kernel_need(config_probe(a, 1), false,
					    config_probe(b, 1), false));
	assert_false(config_same_kernel_need(config_probe(a, 0), false,
					     config_probe(a, 1), false));
	assert_false(config_same_kernel_need(config_probe(a, 2), false,
					     config_probe(a, 1), false));
	assert_false(config_same_kernel_need(config_probe(a, 0), true,
					     config_probe(b, 0), true));
	config_free(a);
	config_free(b);
}

/* What an auto probe needs in the kernel depends on the way it counts: by
 * the ring buffer, what a count probe with its filter needs; by hist, what
 * a hist probe with its trigger needs. Two auto probes are the same kernel
 * event only when they would be either way. */
static void test_same_kernel_need(void **state)
{
	struct config *cfg = expect_ok("probes:\n"
		"  - name: a\n" "    tracepoint: skb:kfree_skb\n"
		"    mode: auto\n    labels: [reason]\n    filter: 'protocol == 8'\n"
		"  - name: c\n" "    tracepoint: skb:kfree_skb\n"
		"    filter: 'protocol == 8'\n"
		"  - name: h\n" "    tracepoint: skb:kfree_skb\n"
		"    mode: hist\n    labels: [reason]\n    filter: 'protocol == 8'\n"
		"  - name: a2\n" "    tracepoint: skb:kfree_skb\n"
		"    mode: auto\n    filter: 'protocol == 8'\n");
	const struct probe_spec *a = config_probe(cfg, 0), *c = config_probe(cfg, 1);
	const struct probe_spec *h = config_probe(cfg, 2), *a2 = config_probe(cfg, 3);

	(void)state;
	assert_true(config_same_kernel_need(a, false, c, false));
	assert_false(config_same_kernel_need(a, true, c, false));
	assert_true(config_same_kernel_need(a, true, h, true));
	assert_false(config_same_kernel_need(a2, true, h, true));	/* keys */
	assert_true(config_same_kernel_need(a2, false, a, false));
	/* an auto probe may count by the ring buffer: another filter
	 * conflicts with it, a hist probe's does not */
	config_free(cfg);
	cfg = expect_ok("probes:\n"
		"  - name: a\n    tracepoint: skb:kfree_skb\n    mode: auto\n"
		"  - name: c\n    tracepoint: skb:kfree_skb\n    filter: 'protocol == 8'\n"
		"  - name: h\n    tracepoint: skb:kfree_skb\n    mode: hist\n"
		"  - name: a3\n    tracepoint: skb:kfree_skb\n    mode: auto\n"
		"    filter: 'protocol == 6'\n");
	assert_int_equal(config_filter_conflict(cfg, 1), 0);
	assert_int_equal(config_filter_conflict(cfg, 2), -1);
	assert_int_equal(config_filter_conflict(cfg, 3), 0);
	config_free(cfg);
}

/* A reload keeps a probe only when every part of it is the same. */
static void test_probe_same(void **state)
{
	struct config *a = expect_ok(TP "    labels: [reason]\n");
	struct config *b = expect_ok(TP "    labels: [reason]\n");
	struct config *c = expect_ok(TP "    labels: [reason]\n    mode: hist\n");
	struct config *d = expect_ok(TP "    labels: [reason]\n    filter: 'len > 1'\n");

	(void)state;
	assert_true(config_probe_same(config_probe(a, 0), config_probe(b, 0)));
	assert_false(config_probe_same(config_probe(a, 0), config_probe(c, 0)));
	assert_false(config_probe_same(config_probe(a, 0), config_probe(d, 0)));
	assert_true(config_tracing_same(a, d));
	config_free(a);
	config_free(b);
	config_free(c);
	config_free(d);
}

#define DROP "    tracepoint: skb:kfree_skb\n"
#define FAM "    labels: [reason]\n    metric: m_total\n"
static const char derived_yaml[] = "probes:\n"
	"  - name: a\n" DROP FAM
	"  - name: b\n" DROP "    filter: 'protocol == 8'\n"
	"  - name: c\n    tracepoint: net:netif_receive_skb\n" FAM
	"  - name: d\n    function: tcp_sendmsg\n"
	"  - name: e\n" DROP "    mode: hist\n    filter: 'protocol == 8'\n";

/* The facts computed once at load: event groups, families, the filter
 * conflict (not for hist probes), the reason probe, the index by name. */
static void test_derived_facts(void **state)
{
	struct config *cfg = expect_ok(derived_yaml);
	static const int event[] = { 0, 0, 2, -1, 0 }, family[] = { 0, -1, 0, -1, -1 };
	static const int conflict[] = { -1, 0, -1, -1, -1 };

	(void)state;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(config_event_first(cfg, i), event[i]);
		assert_int_equal(config_family_first(cfg, i), family[i]);
		assert_int_equal(config_filter_conflict(cfg, i), conflict[i]);
		assert_int_equal(config_probe_previous(cfg, i), -1);
		assert_int_equal(config_probe_index(cfg, config_probe(cfg, i)->name), i);
	}
	assert_int_equal(config_probe_index(cfg, "zz"), -1);
	assert_int_equal(config_probe_index(cfg, NULL), -1);
	assert_int_equal(config_reason_probe(cfg), 0);
	assert_int_equal(config_reason_label(cfg), 0);
	assert_true(config_same_kernel_need(config_probe(cfg, 1), false,
					    config_probe(cfg, 1), false));
	assert_false(config_same_kernel_need(config_probe(cfg, 0), false,
					     config_probe(cfg, 1), false));
	assert_false(config_same_kernel_need(config_probe(cfg, 1), false,
					     config_probe(cfg, 4), true));
	assert_false(config_same_kernel_need(config_probe(cfg, 3), false,
					     config_probe(cfg, 3), false));
	config_free(cfg);
}

/* A reload links each probe to the one it continues: same name and
 * definition, wherever it is in the list. */
static void test_derived_previous(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX";
	static const char next_yaml[] = "probes:\n"
		"  - name: e\n" DROP "    mode: hist\n    filter: 'protocol == 8'\n"
		"  - name: a\n" DROP "    labels: [location]\n"
		"  - name: new\n" DROP
		"  - name: d\n    function: tcp_sendmsg\n";
	struct config *prev = expect_ok(derived_yaml), *next;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, next_yaml, strlen(next_yaml)),
			 (int)strlen(next_yaml));
	close(fd);
	next = config_load_after(path, prev, stderr);
	unlink(path);
	assert_non_null(next);
	assert_int_equal(config_probe_previous(next, 0), 4);	/* e */
	assert_int_equal(config_probe_previous(next, 1), -1);	/* a changed */
	assert_int_equal(config_probe_previous(next, 2), -1);	/* new */
	assert_int_equal(config_probe_previous(next, 3), 3);	/* d */
	assert_int_equal(config_reason_probe(next), -1);	/* a lost reason */
	assert_true(config_same_kernel_need(config_probe(next, 0), true,
					    config_probe(prev, 4), true));
	config_free(next);
	config_free(prev);
}

/* Issue 10: causes.locations and heuristics that name probes in order of
 * preference. The drops probe has both labels, l only a location; the
 * causes section starts at line 12. */
#define LOC_PROBES "probes:\n" \
	"  - name: drops\n" DROP "    labels: [reason, location]\n" \
	"  - name: fn\n    function: tcp_retransmit_skb\n" \
	"  - name: tp\n    tracepoint: tcp:tcp_retransmit_skb\n" \
	"  - name: l\n" DROP "    labels: [location]\n"

static void test_locations(void **state)
{
	struct config *cfg = expect_ok(LOC_PROBES
		"causes:\n"
		"  classes:\n"
		"    policy: [NETFILTER_DROP]\n"
		"  locations:\n"
		"    policy: [nf_hook_slow]\n"
		"    no_listener: [__udp4_lib_rcv, __udp6_lib_rcv]\n");

	(void)state;
	assert_string_equal(config_causes_probe(cfg), "drops");
	assert_int_equal(config_location_count(cfg), 3);
	assert_string_equal(config_location(cfg, 0)->function, "nf_hook_slow");
	assert_string_equal(config_location(cfg, 0)->cause, "policy");
	assert_string_equal(config_location(cfg, 2)->function, "__udp6_lib_rcv");
	assert_string_equal(config_location(cfg, 2)->cause, "no_listener");
	assert_null(config_location(cfg, 3));
	assert_null(config_location(cfg, -1));
	assert_ptr_equal(config_location_of(cfg, "__udp4_lib_rcv"),
			 config_location(cfg, 1));
	assert_null(config_location_of(cfg, "tcp_v4_rcv"));
	assert_int_equal(config_reason_probe(cfg), 0);
	assert_int_equal(config_reason_label(cfg), 0);
	assert_int_equal(config_location_probe(cfg), 0);
	assert_int_equal(config_location_label(cfg), 1);
	config_free(cfg);
}

/* A probe with only a location label may be the causes probe (kernels
 * without reasons); by default the first kfree_skb probe labelled by
 * location is, when none is labelled by reason. */
static void test_location_only_probe(void **state)
{
	struct config *cfg = expect_ok(LOC_PROBES "causes:\n  probe: l\n"
				       "  locations: {policy: [nf_hook_slow]}\n");

	(void)state;
	assert_int_equal(config_reason_probe(cfg), -1);
	assert_int_equal(config_location_probe(cfg), 3);
	assert_int_equal(config_location_label(cfg), 0);
	config_free(cfg);
	cfg = expect_ok("probes:\n  - name: x\n" DROP
			"  - name: y\n" DROP "    labels: [location]\n");
	assert_string_equal(config_causes_probe(cfg), "y");
	assert_int_equal(config_location_probe(cfg), 1);
	config_free(cfg);
	cfg = expect_ok(TP);	/* no labels: no causes probe */
	assert_int_equal(config_location_probe(cfg), -1);
	assert_int_equal(config_location_count(cfg), 0);
	config_free(cfg);
}

static void test_bad_locations(void **state)
{
	(void)state;
	expect_error(LOC_PROBES "causes:\n  locations:\n    a: [f, g]\n    b: [h, f]\n", "15:12",
		     "function \"f\" is already in cause \"a\"");
	expect_error(LOC_PROBES "causes:\n  locations:\n    a: [f.isra.0]\n", "14:9",
		     "invalid function name \"f.isra.0\": expected a C identifier");
	expect_error(LOC_PROBES "causes:\n  locations:\n    A: [f]\n", "14:5", "invalid cause name");
	expect_error(LOC_PROBES "causes:\n  locations: [f]\n", "13:14",
		     "expected a mapping for causes.locations");
	expect_error(LOC_PROBES "causes:\n  locations:\n    a: f\n", "14:8", "expected a sequence");
	expect_error(LOC_PROBES "causes:\n  locations:\n    a: [f]\n    a: [g]\n", "15:5",
		     "duplicate key");
	expect_error("probes:\n  - name: p\n" DROP "    labels: [reason]\n"
		     "causes:\n  locations:\n    a: [f]\n", "7:5",
		     "the causes probe \"p\" has no label \"location\"");
	expect_error(TP "causes:\n  locations:\n    a: [f]\n", "6:5",
		     "causes.locations needs a causes probe labelled by location");
	expect_error(LOC_PROBES "causes:\n  locations:\n    c: [f]\n  heuristics:\n"
		     "    - {cause: c, probe: tp}\n", "16:15",
		     "cause \"c\" is already defined by locations");
	expect_error(TP "causes:\n  probe: p\n", "5:10",
		     "probe \"p\" has no label \"reason\" or \"location\" to classify");
}

static void test_rule_fallbacks(void **state)
{
	struct config *cfg = expect_ok(LOC_PROBES
		"causes:\n"
		"  heuristics:\n"
		"    - cause: retransmits\n"
		"      probe: [fn, tp]\n"
		"    - cause: deficit\n"
		"      probe: [tp]\n"
		"      minus: [fn, l, drops]\n");
	const struct cause_rule *r = config_rule(cfg, 0);

	(void)state;
	assert_int_equal(r->nprobes, 2);
	assert_string_equal(r->probe, "fn");
	assert_string_equal(r->probes[0], "fn");
	assert_string_equal(r->probes[1], "tp");
	assert_int_equal(r->nminus, 0);
	assert_null(r->minus);
	r = config_rule(cfg, 1);
	assert_int_equal(r->nprobes, 1);
	assert_string_equal(r->probe, "tp");
	assert_int_equal(r->nminus, 3);
	assert_string_equal(r->minus, "fn");
	assert_string_equal(r->minuses[2], "drops");
	config_free(cfg);
	cfg = expect_ok(LOC_PROBES "causes:\n  heuristics:\n    - {cause: c, probe: tp, minus: fn}\n");
	r = config_rule(cfg, 0);
	assert_int_equal(r->nprobes, 1);
	assert_int_equal(r->nminus, 1);
	assert_string_equal(r->probes[0], "tp");
	assert_string_equal(r->minuses[0], "fn");
	config_free(cfg);
}

static void test_bad_rule_fallbacks(void **state)
{
	(void)state;
	expect_error(LOC_PROBES "causes:\n  heuristics:\n    - {cause: c, probe: [tp, q]}\n",
		     "14:30", "unknown probe \"q\"");
	expect_error(LOC_PROBES "causes:\n  heuristics:\n    - {cause: c, probe: [tp, fn, tp]}\n",
		     "14:34", "probe \"tp\" is listed twice");
	expect_error(LOC_PROBES "causes:\n  heuristics:\n    - {cause: c, probe: []}\n",
		     "14:25", "a heuristic names 1 to 4 probes in order of preference, not 0");
	expect_error(LOC_PROBES "causes:\n  heuristics:\n"
		     "    - {cause: c, probe: tp, minus: [fn, tp, l, drops, fn]}\n",
		     "14:36", "names 1 to 4 probes in order of preference, not 5");
	expect_error(LOC_PROBES "causes:\n  heuristics:\n    - {cause: c, probe: [[tp]]}\n",
		     "14:26", "expected a scalar, found a sequence");
}

static void test_null_errs(void **state)
{
	(void)state;
	assert_null(config_parse("t.yaml", "probes: []\n", NULL));
	assert_int_equal(errno, EINVAL);
}

static void test_parse_cpus(void **state)
{
	static bool mask[CONFIG_MAX_CPUS];
	char err[256];

	(void)state;
	assert_int_equal(config_parse_cpus("all", mask, err, sizeof(err)), 0);
	assert_true(mask[0] && mask[CONFIG_MAX_CPUS - 1]);
	assert_int_equal(config_parse_cpus("0", mask, err, sizeof(err)), 0);
	assert_true(mask[0]);
	assert_false(mask[1]);
	assert_int_equal(config_parse_cpus("0-3,8,10-10", mask, err, sizeof(err)), 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(mask[i], i <= 3 || i == 8 || i == 10);
	assert_int_equal(config_parse_cpus("1023", mask, err, sizeof(err)), 0);
	assert_true(mask[1023]);

	assert_int_equal(config_parse_cpus("1024", mask, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "from 0 to 1023"));
	assert_int_equal(config_parse_cpus("5-2", mask, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "range 5-2 is reversed"));
	static const char *const bad[] = {
		"", "0,", ",1", "a", "0-", "-1", "1 ,2", "1-2-3", "ALL", "0x1", "+1"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = 0;
		assert_int_equal(config_parse_cpus(bad[i], mask, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "bad cpu list"));
	}
	assert_int_equal(config_parse_cpus("x", mask, NULL, 0), -1);
}

/* A config longer than 1 MiB (YAMLDOC_MAX_SIZE) is refused at its first
 * byte past it, one nested deeper than 64 levels where it gets too deep:
 * 50,000 "[" are refused at once instead of keeping libyaml busy. */
static void test_size_and_depth_limits(void **state)
{
	size_t n = YAMLDOC_MAX_SIZE + 10;
	char *text = malloc(n + 1), *errs;

	(void)state;
	assert_non_null(text);
	memset(text, '#', n);
	text[n] = '\0';
	memcpy(text, TP, strlen(TP));
	assert_null(parse(text, &errs));
	assert_int_equal(errno, EFBIG);
	assert_true(has_line(errs, "t.yaml:4:1048527: ", "larger than 1048576 "
			     "bytes"));
	free(errs);
	memset(text, '[', 50000);
	text[50000] = '\0';
	expect_error(text, "1:65", "nested deeper than 64 levels");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_default_causes_probe),
		cmocka_unit_test(test_default_yaml),
		cmocka_unit_test(test_default_yaml_fallbacks),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_series_idle_seconds),
		cmocka_unit_test(test_duplicate_probe_names),
		cmocka_unit_test(test_probe_kind),
		cmocka_unit_test(test_bad_tracepoint),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_too_many_labels),
		cmocka_unit_test(test_function_labels),
		cmocka_unit_test(test_filter_on_function),
		cmocka_unit_test(test_fetchargs),
		cmocka_unit_test(test_metric_conflict),
		cmocka_unit_test(test_bad_metric),
		cmocka_unit_test(test_no_probes),
		cmocka_unit_test(test_bad_cpus),
		cmocka_unit_test(test_bad_causes),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_two_documents),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_mode_auto),
		cmocka_unit_test(test_same_kernel_need),
		cmocka_unit_test(test_probe_same),
		cmocka_unit_test(test_derived_facts),
		cmocka_unit_test(test_derived_previous),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_location_only_probe),
		cmocka_unit_test(test_bad_locations),
		cmocka_unit_test(test_rule_fallbacks),
		cmocka_unit_test(test_bad_rule_fallbacks),
		cmocka_unit_test(test_null_errs),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_kprobe_group),
		cmocka_unit_test(test_load_renamed),
		cmocka_unit_test(test_packet_labels),
		cmocka_unit_test(test_packet_same_kernel_need),
		cmocka_unit_test(test_size_and_depth_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
