/* Unit tests of pkg/tracefs against a fake tracefs directory built in a
 * temporary directory, so no kernel tracefs is needed:
 *
 * - session_check_functions() on a fake available_filter_functions;
 * - session_load_tep() on the event formats saved in tests/fixtures/events;
 * - session_cpu_stats() parsing of per_cpu/cpuN/stats;
 * - session_write_functions(): refused targets, the sequence always closed;
 * - session_open() failing cleanly on a directory that is not tracefs.
 *
 * session_open() cannot succeed on a plain directory: libtracefs creates the
 * instance with mkdir(), and only the kernel fills an instance directory
 * with tracing_on, buffer_size_kb, free_buffer... So the stats tests build
 * the struct session from the module's private header (session_priv.h) with
 * an instance allocated on the fake directory. Run from the repo root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tracefs.h>
#include <unistd.h>

#include "config/config.h"
#include "kbtf/kbtf.h"
#include "log/log.h"
#include "pktwin/pktwin.h"
#include "tracefs/session_priv.h"
#include "tracefs/tracefs.h"

#define FIXTURES "tests/fixtures/events/6.18"
#define INSTANCE "fte_unit_tracefs"

static char root[64];

/* ---- fake tracefs helpers ---- */

/* mkdir -p root/rel */
static void make_dir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

/* Writes text to root/rel, creating its directories. */
static void put_file(const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		make_dir(dir);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Copies a saved event format into root/rel. */
static void put_fixture(const char *rel, const char *fixture)
{
	char path[PATH_MAX], *text;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, fixture);
	f = fopen(path, "r");
	if (!f)
		print_message("cannot open %s (run from the repo root)\n", path);
	assert_non_null(f);
	text = calloc(1, 65536);
	assert_non_null(text);
	len = fread(text, 1, 65535, f);
	fclose(f);
	assert_true(len > 0);
	put_file(rel, text);
	free(text);
}

static int rm_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int make_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/fte_unit_tracefs.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
	(void)state;
	return rm_tree(root) ? -1 : 0;
}

/* Parses text as "t.yaml"; fails the test on any error. */
static struct config *parse(const char *text)
{
	struct config *cfg = config_parse("t.yaml", text, stderr);

	assert_non_null(cfg);
	return cfg;
}

/* Runs session_check_functions() on root; *out gets what it printed. */
static int check(const char *yaml, char **out)
{
	struct config *cfg = parse(yaml);
	size_t len;
	FILE *f;
	int bad;

	f = open_memstream(out, &len);
	assert_non_null(f);
	bad = session_check_functions(root, cfg, f);
	fclose(f);
	config_free(cfg);
	return bad;
}

/* Probe mappings start at line 2, column 5 in every config below. */
#define FUNC(name) "probes:\n  - name: p\n    function: " name "\n"
#define KPROBE(target) "tracing:\n  instance: u\n" \
	"probes:\n  - name: k\n    kprobe: " target "\n"

static const char traceable[] =
	"tcp_sendmsg_locked\n"
	"tcp_sendmsg\n"
	"__netif_receive_skb\n"
	"e1000_clean [e1000]\n"
	"last_line_without_newline";

/* ---- session_check_functions ---- */

static void test_check_listed_function_passes(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("tcp_sendmsg"), &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_check_module_function_passes(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("e1000_clean"), &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_check_last_line_without_newline_passes(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("last_line_without_newline"), &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_check_unlisted_function_is_error_with_position(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("tcp_recvmsg"), &out), 1);
	assert_true(strncmp(out, "t.yaml:2:5: ", 12) == 0);
	assert_non_null(strstr(out, "tcp_recvmsg is not traceable"));
	assert_null(strstr(out, "warning"));
	free(out);
}

static void test_check_prefix_of_listed_name_is_error(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("tcp_send"), &out), 1);
	free(out);
}

static void test_check_suffix_of_listed_name_is_error(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("netif_receive_skb"), &out), 1);
	free(out);
}

static void test_check_module_name_is_not_a_function(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(FUNC("e1000"), &out), 1);
	free(out);
}

static void test_check_kprobe_symbol_ignores_offset(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(KPROBE("tcp_sendmsg+0x10"), &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_check_unlisted_kprobe_is_error_with_position(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check(KPROBE("no_such_fn+4"), &out), 1);
	assert_true(strncmp(out, "t.yaml:4:5: ", 12) == 0);
	assert_non_null(strstr(out, "function no_such_fn is"));
	free(out);
}

static void test_check_counts_every_bad_probe(void **state)
{
	char *out;

	(void)state;
	put_file("available_filter_functions", traceable);
	assert_int_equal(check("probes:\n"
			       "  - name: a\n    function: nope1\n"
			       "  - name: b\n    function: tcp_sendmsg\n"
			       "  - name: c\n    function: nope2\n", &out), 2);
	assert_non_null(strstr(out, "t.yaml:2:5: probe a:"));
	assert_non_null(strstr(out, "t.yaml:6:5: probe c:"));
	free(out);
}

static void test_check_missing_list_only_warns(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(check(FUNC("tcp_sendmsg"), &out), 0);
	assert_true(strncmp(out, "t.yaml:2:5: warning: ", 21) == 0);
	assert_non_null(strstr(out, "probe_up 0"));
	free(out);
}

static void test_check_unreadable_list_only_warns(void **state)
{
	char *out;

	(void)state;
	make_dir("available_filter_functions");	/* read() gives EISDIR */
	assert_int_equal(check(FUNC("tcp_sendmsg"), &out), 0);
	assert_true(strncmp(out, "t.yaml:2:5: warning: ", 21) == 0);
	free(out);
}

static void test_check_ignores_tracepoint_probes(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(check("probes:\n  - name: p\n"
			       "    tracepoint: skb:kfree_skb\n", &out), 0);
	assert_string_equal(out, "");
	free(out);
}

/* ---- session_load_tep ---- */

/* events/ with skb, net and ftrace systems, as saved from 6.18. */
static void put_events(void)
{
	put_fixture("events/header_page", "header_page");
	put_file("events/skb/enable", "0\n");
	put_fixture("events/skb/kfree_skb/format", "skb_kfree_skb");
	put_file("events/net/enable", "0\n");
	put_fixture("events/net/netif_receive_skb/format",
		    "net_netif_receive_skb");
	put_fixture("events/ftrace/function/format", "ftrace_function");
}

static struct tep_handle *load(const char *yaml)
{
	struct config *cfg = parse(yaml);
	struct tep_handle *tep = session_load_tep(root, cfg);

	config_free(cfg);
	return tep;
}

static void test_load_tep_has_configured_tracepoint(void **state)
{
	struct tep_handle *tep;
	struct tep_event *ev;

	(void)state;
	put_events();
	tep = load("probes:\n  - name: p\n    tracepoint: skb:kfree_skb\n");
	assert_non_null(tep);
	ev = tep_find_event_by_name(tep, "skb", "kfree_skb");
	assert_non_null(ev);
	assert_non_null(tep_find_field(ev, "reason"));
	assert_non_null(tep_find_field(ev, "location"));
	/* kbuffer reads pages with these: a zero long size misparses them */
	assert_int_equal(tep_get_long_size(tep), sizeof(long));
	assert_int_equal(tep_get_cpus(tep), session_cpu_count());
	tep_free(tep);
}

static void test_load_tep_skips_unused_systems(void **state)
{
	struct tep_handle *tep;

	(void)state;
	put_events();
	tep = load("probes:\n  - name: p\n    tracepoint: skb:kfree_skb\n");
	assert_non_null(tep);
	assert_null(tep_find_event_by_name(tep, "net", "netif_receive_skb"));
	assert_null(tep_find_event_by_name(tep, "ftrace", "function"));
	tep_free(tep);
}

static void test_load_tep_function_probe_loads_ftrace(void **state)
{
	struct tep_handle *tep;
	struct tep_event *ev;

	(void)state;
	put_events();
	tep = load(FUNC("tcp_sendmsg"));
	assert_non_null(tep);
	ev = tep_find_event_by_name(tep, "ftrace", "function");
	assert_non_null(ev);
	assert_non_null(tep_find_field(ev, "parent_ip"));
	assert_null(tep_find_event_by_name(tep, "skb", "kfree_skb"));
	tep_free(tep);
}

static void test_load_tep_several_systems(void **state)
{
	struct tep_handle *tep;

	(void)state;
	put_events();
	tep = load("probes:\n"
		   "  - name: a\n    tracepoint: skb:kfree_skb\n"
		   "  - name: b\n    tracepoint: net:netif_receive_skb\n"
		   "  - name: c\n    tracepoint: skb:kfree_skb\n");
	assert_non_null(tep);
	assert_non_null(tep_find_event_by_name(tep, "skb", "kfree_skb"));
	assert_non_null(tep_find_event_by_name(tep, "net",
					       "netif_receive_skb"));
	tep_free(tep);
}

static void test_load_tep_without_header_page_fails(void **state)
{
	(void)state;
	put_file("events/skb/enable", "0\n");
	put_fixture("events/skb/kfree_skb/format", "skb_kfree_skb");
	assert_null(load("probes:\n  - name: p\n"
			 "    tracepoint: skb:kfree_skb\n"));
}

/* ---- session_cpu_stats ---- */

/* A session on the fake root, as session_open() would have made it. */
static struct session *fake_session(void)
{
	struct session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->free_fd = -1;
	make_dir("instances/" INSTANCE "/per_cpu");	/* alloc wants it */
	s->inst = tracefs_instance_alloc(root, INSTANCE);
	assert_non_null(s->inst);
	return s;
}

static void fake_session_free(struct session *s)
{
	tracefs_instance_free(s->inst);
	free(s);
}

static void put_stats(int cpu, const char *text)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "instances/" INSTANCE "/per_cpu/cpu%d/stats",
		 cpu);
	put_file(rel, text);
}

/* Layout of per_cpu/cpuN/stats on 6.18, with distinct values. */
static const char stats_618[] =
	"entries: 11\n"
	"overrun: 22\n"
	"commit overrun: 33\n"
	"bytes: 4096\n"
	"oldest event ts:   610.000001\n"
	"now ts:   623.851795\n"
	"dropped events: 44\n"
	"read events: 55\n";

static void test_stats_parses_kernel_layout(void **state)
{
	struct session *s = fake_session();
	struct cpu_stats st;

	(void)state;
	put_stats(0, stats_618);
	assert_int_equal(session_cpu_stats(s, 0, &st), 0);
	assert_int_equal(st.entries, 11);
	assert_int_equal(st.overrun, 22);
	assert_int_equal(st.commit_overrun, 33);
	assert_int_equal(st.dropped, 44);
	fake_session_free(s);
}

static void test_stats_overrun_not_taken_from_commit_overrun(void **state)
{
	struct session *s = fake_session();
	struct cpu_stats st;

	(void)state;
	put_stats(0, "commit overrun: 7\noverrun: 3\n");
	assert_int_equal(session_cpu_stats(s, 0, &st), 0);
	assert_int_equal(st.overrun, 3);
	assert_int_equal(st.commit_overrun, 7);
	fake_session_free(s);
}

static void test_stats_absent_keys_read_as_zero(void **state)
{
	struct session *s = fake_session();
	struct cpu_stats st;

	(void)state;
	memset(&st, 0xff, sizeof(st));
	put_stats(0, "entries: 5\noverrun: 6\n");	/* no dropped events */
	assert_int_equal(session_cpu_stats(s, 0, &st), 0);
	assert_int_equal(st.entries, 5);
	assert_int_equal(st.overrun, 6);
	assert_int_equal(st.commit_overrun, 0);
	assert_int_equal(st.dropped, 0);
	fake_session_free(s);
}

static void test_stats_values_above_32_bits(void **state)
{
	struct session *s = fake_session();
	struct cpu_stats st;

	(void)state;
	put_stats(0, "overrun: 18446744073709551615\n"
		     "dropped events: 4294967296\n");
	assert_int_equal(session_cpu_stats(s, 0, &st), 0);
	assert_true(st.overrun == UINT64_MAX);
	assert_true(st.dropped == 4294967296ULL);
	fake_session_free(s);
}

static void test_stats_reads_the_given_cpu(void **state)
{
	struct session *s = fake_session();
	struct cpu_stats st;

	(void)state;
	put_stats(0, "overrun: 1\n");
	put_stats(1, "overrun: 2\n");
	put_stats(12, "overrun: 13\n");
	assert_int_equal(session_cpu_stats(s, 1, &st), 0);
	assert_int_equal(st.overrun, 2);
	assert_int_equal(session_cpu_stats(s, 12, &st), 0);
	assert_int_equal(st.overrun, 13);
	fake_session_free(s);
}

static void test_stats_missing_file_fails(void **state)
{
	struct session *s = fake_session();
	struct cpu_stats st;

	(void)state;
	put_stats(0, stats_618);
	assert_int_equal(session_cpu_stats(s, 3, &st), -1);
	fake_session_free(s);
}

/* ---- session_write_functions ---- */

#define FUNCS3 "probes:\n" \
	"  - name: good\n    function: tcp_sendmsg\n" \
	"  - name: bad\n    function: do_syscall_64\n" \
	"  - name: good2\n    function: __netif_receive_skb\n"

/* The fake instance's set_ftrace_filter (malloc'd). */
static char *read_filter(void)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/instances/" INSTANCE
		 "/set_ftrace_filter", root);
	f = fopen(path, "r");
	assert_non_null(f);
	if (getdelim(&text, &len, '\0', f) < 0) {	/* empty */
		free(text);
		text = strdup("");
	}
	fclose(f);
	assert_non_null(text);
	return text;
}

/* Issue 8, item 4: a target libtracefs refuses (in kallsyms, not in
 * available_filter_functions) between good ones is marked refused, the
 * good ones are written, and the CONTINUE sequence is closed: a new
 * TRACEFS_FL_RESET write is not refused with EBUSY (it was: the handle
 * stayed open, function probes stayed down across reloads and the
 * instance could not be removed). */
static void test_write_functions_skips_refused_and_closes(void **state)
{
	struct session *s = fake_session();
	bool refused[4] = { false };
	char *text;

	(void)state;
	assert_int_equal(tracefs_set_tracing_dir(root), 0);
	put_file("available_filter_functions", traceable);
	put_file("instances/" INSTANCE "/set_ftrace_filter", "old_fn\n");
	s->cfg = parse(FUNCS3);
	assert_int_equal(session_write_functions(s, NULL,
			 tracefs_function_filter, refused), 0);
	assert_false(refused[0]);
	assert_true(refused[1]);
	assert_false(refused[2]);
	text = read_filter();
	assert_null(strstr(text, "old_fn"));	/* truncated once */
	assert_int_not_equal(strlen(text), 0);
	free(text);
	assert_int_equal(tracefs_function_filter(s->inst, NULL, NULL,
						 TRACEFS_FL_RESET), 0);
	config_free((struct config *)s->cfg);
	fake_session_free(s);
}

/* No target traceable: -1, every one refused, the filter left as it was
 * (truncating it would trace every function), the sequence closed. */
static void test_write_functions_none_traceable_keeps_filter(void **state)
{
	struct session *s = fake_session();
	bool refused[2] = { false };
	char *text;

	(void)state;
	assert_int_equal(tracefs_set_tracing_dir(root), 0);
	put_file("available_filter_functions", traceable);
	put_file("instances/" INSTANCE "/set_ftrace_filter", "old_fn\n");
	s->cfg = parse("probes:\n  - name: bad\n    function: do_syscall_64\n");
	assert_int_equal(session_write_functions(s, NULL,
			 tracefs_function_filter, refused), -1);
	assert_true(refused[0]);
	text = read_filter();
	assert_string_equal(text, "old_fn\n");
	free(text);
	assert_int_equal(tracefs_function_filter(s->inst, NULL, NULL,
						 TRACEFS_FL_RESET), 0);
	config_free((struct config *)s->cfg);
	fake_session_free(s);
}

/* ---- session_hist_clear ---- */

/* A hist probe on an event this kernel lacks has no trigger file: nothing
 * to clear there (reading that NULL list crashed session_close() and the
 * clean-up of a stale instance); the other event's trigger is removed. */
static void test_hist_clear_skips_event_without_trigger_file(void **state)
{
	struct session *s = fake_session();
	struct config *cfg = parse("probes:\n"
		"  - name: gone\n    tracepoint: skb:fte_no_such_event\n"
		"    mode: hist\n"
		"  - name: h\n    tracepoint: skb:kfree_skb\n    mode: hist\n");
	char *text;

	(void)state;
	put_file("instances/" INSTANCE "/events/skb/kfree_skb/trigger",
		 "hist:keys=common_type:vals=hitcount [active]\n");
	session_hist_clear(s->inst, cfg);
	text = tracefs_event_file_read(s->inst, "skb", "kfree_skb", "trigger",
				       NULL);
	assert_non_null(text);
	/* the removal was written (a plain file takes it at offset 0) */
	assert_true(!strncmp(text, "!hist:keys=common_type:vals=hitcount ", 37));
	free(text);
	config_free(cfg);
	fake_session_free(s);
}

/* ---- session_open ---- */

static void test_open_on_plain_dir_fails_and_leaves_nothing(void **state)
{
	struct config *cfg;
	struct stat st;
	char path[PATH_MAX];

	(void)state;
	make_dir("instances");
	put_events();
	cfg = parse("tracing:\n  instance: " INSTANCE "\n"
		    "probes:\n  - name: p\n    tracepoint: skb:kfree_skb\n");
	log_set_level("error");
	errno = 0;
	assert_null(session_open(root, cfg));
	log_set_level("info");
	assert_int_not_equal(errno, 0);
	snprintf(path, sizeof(path), "%s/instances/" INSTANCE, root);
	assert_int_equal(stat(path, &st), -1);
	config_free(cfg);
}

/* The skb event probe's fetch arguments: device and netns dereference the
 * skb with the offsets given, in the order asked; labels no fetch argument
 * can compute are left out. */
static void test_eprobe_fetchargs_use_given_offsets(void **state)
{
	static const char *const labels[] = { "netns", "reason", "device" };
	struct kbtf_skb l = { .dev = { 16, 8 }, .dev_name = { 280, 16 },
			      .dev_nd_net = { 264, 8 }, .net_inum = { 176, 4 } };
	char buf[256];

	(void)state;
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 3,
						  buf, sizeof(buf)), 0);
	assert_string_equal(buf, "netns=+176(+264(+16($skbaddr))):u32 "
			    "device=+280(+16($skbaddr)):string");
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 3,
						  buf, 20), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels + 1, 1,
						  buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
}

/* The host's BTF (the caller frees it) with its skb layout in *l; skips
 * the test where the host has no BTF. */
static struct kbtf *host_btf(struct kbtf_skb *l)
{
	struct kbtf *b = kbtf_open(KBTF_VMLINUX);
	const char *missing = NULL;

	if (!b)
		skip();
	assert_int_equal(kbtf_skb_layout(b, l, &missing), 0);
	return b;
}

/* The host's own BTF gives the offsets: the device's name is at
 * net_device.name behind sk_buff.dev. */
static void test_eprobe_fetchargs_from_host_btf(void **state)
{
	static const char *const labels[] = { "device" };
	struct kbtf_field dev, name;
	struct kbtf_skb l;
	struct kbtf *b = host_btf(&l);
	char buf[256], want[64];

	(void)state;
	assert_int_equal(kbtf_member(b, "sk_buff", "dev", &dev), 0);
	assert_int_equal(kbtf_member(b, "net_device", "name", &name), 0);
	kbtf_free(b);
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 1,
						  buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "device=+%u(+%u($skbaddr)):string",
		 name.off, dev.off);
	assert_string_equal(buf, want);
}

/* Window labels add head, data, the header offsets, protocol and the u64
 * array from PKTWIN_BEFORE bytes before skb->data, once for all of them,
 * typed by each member's size; a size no fetch type has is refused. */
static void test_eprobe_fetchargs_window(void **state)
{
	static const char *const labels[] = { "daddr", "device", "dport" };
	struct kbtf_skb l = { .head = { 192, 8 }, .data = { 200, 8 },
			      .network_header = { 182, 2 },
			      .transport_header = { 180, 2 },
			      .protocol = { 176, 2 }, .dev = { 16, 8 },
			      .dev_name = { 280, 16 } };
	char buf[512];

	(void)state;
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 3,
						  buf, sizeof(buf)), 0);
	assert_string_equal(buf, "device=+280(+16($skbaddr)):string "
			    "skb_head=+192($skbaddr):u64 "
			    "skb_data=+200($skbaddr):u64 "
			    "skb_nh=+182($skbaddr):u16 "
			    "skb_th=+180($skbaddr):u16 "
			    "skb_proto=+176($skbaddr):u16 "
			    "skb_win=-64(+200($skbaddr)):u64[16]");
	l.transport_header.size = 3;
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 3,
						  buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

/* The window's offsets on the host are sk_buff's own, as BTF gives them. */
static void test_eprobe_window_from_host_btf(void **state)
{
	static const char *const labels[] = { "saddr" };
	struct kbtf_field head, data, nh, th, proto;
	struct kbtf_skb l;
	struct kbtf *b = host_btf(&l);
	char buf[512], want[512];

	(void)state;
	assert_int_equal(kbtf_member(b, "sk_buff", "head", &head), 0);
	assert_int_equal(kbtf_member(b, "sk_buff", "data", &data), 0);
	assert_int_equal(kbtf_member(b, "sk_buff", "network_header", &nh), 0);
	assert_int_equal(kbtf_member(b, "sk_buff", "transport_header", &th), 0);
	assert_int_equal(kbtf_member(b, "sk_buff", "protocol", &proto), 0);
	kbtf_free(b);
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 1,
						  buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "skb_head=+%u($skbaddr):u64 "
		 "skb_data=+%u($skbaddr):u64 skb_nh=+%u($skbaddr):u16 "
		 "skb_th=+%u($skbaddr):u16 skb_proto=+%u($skbaddr):u16 "
		 "skb_win=-64(+%u($skbaddr)):u64[16]", head.off, data.off,
		 nh.off, th.off, proto.off, data.off);
	assert_string_equal(buf, want);
}

#define EPROBE_GROUP "fte_test_eprobe_unit"

/* True when the event probe's format lists the window as 16 u64. */
static bool eprobe_format_has_window(void)
{
	char *fmt = tracefs_event_file_read(NULL, EPROBE_GROUP, "kfree_skb",
					    "format", NULL);
	bool has = fmt && strstr(fmt, "u64 " PKTWIN_F_WIN "[16];");

	free(fmt);
	return has;
}

/* The real kernel takes the event probe on skb:kfree_skb with the host
 * BTF's window fetch arguments (and the probe is then removed), or refuses
 * it with an errno and leaves nothing: this machine's 6.18 has no event
 * probes although its README shows the "e:" synopsis. */
static void test_eprobe_make_on_host_tracefs(void **state)
{
	static const char *const labels[] = { "device", "daddr", "dport" };
	struct tracefs_dynevent *ev;
	struct kbtf_skb l;
	char args[512];

	(void)state;
	if (access("/sys/kernel/tracing/dynamic_events", W_OK))
		skip();
	kbtf_free(host_btf(&l));
	assert_int_equal(session_eprobe_fetchargs(&l, "$skbaddr", labels, 3,
						  args, sizeof(args)), 0);
	errno = 0;
	if (session_eprobe_make(EPROBE_GROUP, "kfree_skb", "skb", "kfree_skb",
				args) == 0) {
		assert_true(eprobe_format_has_window());
	} else {
		assert_int_not_equal(errno, 0);
	}
	ev = tracefs_dynevent_get(TRACEFS_DYNEVENT_EPROBE, EPROBE_GROUP,
				  "kfree_skb");
	if (ev)
		assert_int_equal(tracefs_dynevent_destroy(ev, true), 0);
	tracefs_dynevent_free(ev);
	assert_null(tracefs_dynevent_get(TRACEFS_DYNEVENT_EPROBE, EPROBE_GROUP,
					 "kfree_skb"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, make_root, remove_root)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_functions_skips_refused_and_closes),
		T(test_write_functions_none_traceable_keeps_filter),
		T(test_check_listed_function_passes),
		T(test_check_module_function_passes),
		T(test_check_last_line_without_newline_passes),
		T(test_check_unlisted_function_is_error_with_position),
		T(test_check_prefix_of_listed_name_is_error),
		T(test_check_suffix_of_listed_name_is_error),
		T(test_check_module_name_is_not_a_function),
		T(test_check_kprobe_symbol_ignores_offset),
		T(test_check_unlisted_kprobe_is_error_with_position),
		T(test_check_counts_every_bad_probe),
		T(test_check_missing_list_only_warns),
		T(test_check_unreadable_list_only_warns),
		T(test_check_ignores_tracepoint_probes),
		T(test_load_tep_has_configured_tracepoint),
		T(test_load_tep_skips_unused_systems),
		T(test_load_tep_function_probe_loads_ftrace),
		T(test_load_tep_several_systems),
		T(test_load_tep_without_header_page_fails),
		T(test_stats_parses_kernel_layout),
		T(test_stats_overrun_not_taken_from_commit_overrun),
		T(test_stats_absent_keys_read_as_zero),
		T(test_stats_values_above_32_bits),
		T(test_stats_reads_the_given_cpu),
		T(test_stats_missing_file_fails),
		T(test_hist_clear_skips_event_without_trigger_file),
		T(test_open_on_plain_dir_fails_and_leaves_nothing),
		T(test_eprobe_fetchargs_use_given_offsets),
		T(test_eprobe_fetchargs_from_host_btf),
		T(test_eprobe_fetchargs_window),
		T(test_eprobe_window_from_host_btf),
		T(test_eprobe_make_on_host_tracefs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
