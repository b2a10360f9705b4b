/* Unit tests of pkg/generation, the run state of one loaded config.
 *
 * On the real tracefs (needs root; skipped otherwise): generations on a
 * session of the test's own instance (fte_test_gen_<pid>, removed by the
 * teardown even when a check fails) with tracepoint probes on
 * net:netif_receive_skb, fed by UDP datagrams of a length nothing else on
 * the host sends (the probes filter on it) to a socket of the test, which
 * receives each one: once recv() returned, the kernel has recorded its
 * event. Counts are read from the generation's own counters
 * (generation_int.h) and asserted exactly:
 *
 * - carry across a reload, in the order of cmd/ftrace_exporter/reload.c:
 *   a kept probe keeps its counts and series, a changed and a new probe
 *   start from zero, a removed one goes, the per-CPU totals carry, and the
 *   events that wait in the ring buffer during the reload are counted once;
 * - the probe-state table: each way a probe goes down, with its reason;
 *   down probes count nothing;
 * - the ordering of stop: the readers run until the ticker is joined, drain
 *   every event, and no thread is left;
 * - mode: auto where the kernel has no hist triggers (this host): the ring
 *   buffer, exact counts, both reasons when that refuses too, and a reload
 *   that keeps it on the ring buffer with its counts.
 *
 * Hist refresh on a fake tracefs directory (this host has no hist
 * triggers), as tests/unit/test_tracefs.c builds it: generation_new() runs
 * on a fake session (pkg/tracefs/session_priv.h) with the saved 6.18 event
 * formats, and generation_refresh() reads the hist file the test writes in
 * the fake instance. There too, mode: auto where an event has hist
 * triggers: the trigger is chosen, read, and kept by a reload. Run from
 * the repo root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <tracefs.h>
#include <unistd.h>

#include "dir_count.h"
#include "fixture_tep.h"
#include "generation/generation_int.h"
#include "tracefs/session_priv.h"

#define TRACEFS "/sys/kernel/tracing"
/* UDP payload of the test's datagrams: netif_receive_skb sees IP + UDP
 * headers and this, LEN in all (an unusual length, so that the filter
 * keeps only the test's datagrams). */
#define PAYLOAD 1289
#define LEN "1317"
#define DEADLINE_MS 5000

/* ---- helpers shared by both kinds of test ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Polls cond(arg) every 10 ms until it holds or DEADLINE_MS passed. */
static bool eventually(bool (*cond)(void *), void *arg)
{
	double end = now_ms() + DEADLINE_MS;

	while (!cond(arg)) {
		if (now_ms() > end)
			return false;
		usleep(10000);
	}
	return true;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int rm_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static uint64_t hits(const struct generation *g, const char *probe)
{
	int i = config_probe_index(g->cfg, probe);

	assert_true(i >= 0);
	return metrics_hits(g->metrics, i);
}

/* The series of one probe, rendered, summed over shards by value. */
struct series {
	const struct parser *parser;
	int probe, n;
	char vals[4][CONFIG_MAX_LABELS][LABEL_VALUE_MAX];
	uint64_t counts[4];
};

static void series_add(const struct series_key *k, uint64_t count, void *arg)
{
	struct series *s = arg;
	/* zeroed: compared whole, past each value's NUL too */
	char vals[CONFIG_MAX_LABELS][LABEL_VALUE_MAX] = { { 0 } };
	int i;

	parser_render(s->parser, s->probe, k, vals);
	for (i = 0; i < s->n && memcmp(s->vals[i], vals, sizeof(vals)); i++)
		;
	if (i == s->n) {
		assert_true(s->n < 4);
		memcpy(s->vals[s->n++], vals, sizeof(vals));
	}
	s->counts[i] += count;
}

static struct series series_of(const struct generation *g, const char *probe)
{
	struct series s = { .parser = g->parser };

	s.probe = config_probe_index(g->cfg, probe);
	assert_true(s.probe >= 0);
	metrics_series_foreach(g->metrics, s.probe, series_add, &s);
	return s;
}

/* ---- the real tracefs ---- */

struct real {
	char instance[64];
	char dir[64];			/* the config files */
	struct session *s;
	struct generation *gen[2];
	struct config *orphan;		/* loaded, not taken by a generation */
	struct collect_status status;	/* the reload status cmd keeps */
	pthread_mutex_t lock;		/* the lock scrapes would hold */
	int sink;			/* UDP socket on 127.0.0.1 */
	struct sockaddr_in addr;	/* its address */
};

/* A UDP socket bound to 127.0.0.1 on a port the kernel picks; each
 * receive waits DEADLINE_MS at most. */
static int sink_open(struct sockaddr_in *addr)
{
	struct timeval tv = { DEADLINE_MS / 1000, 0 };
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	*addr = (struct sockaddr_in){ .sin_family = AF_INET };
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    getsockname(fd, (struct sockaddr *)addr, &len) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Removes instances fte_test_gen_<pid> whose test process is gone (killed
 * before its teardown ran); an instance of a live run is left alone. */
static void remove_stale_instances(void)
{
	DIR *d = opendir(TRACEFS "/instances");
	char path[PATH_MAX];
	struct dirent *e;
	int pid;

	while (d && (e = readdir(d))) {
		if (sscanf(e->d_name, "fte_test_gen_%d", &pid) != 1 ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), TRACEFS "/instances/%s", e->d_name);
		rmdir(path);
	}
	if (d)
		closedir(d);
}

/* True when the test can use the real tracefs (root, instances). */
static bool have_tracefs(void)
{
	struct stat st;

	return geteuid() == 0 && stat(TRACEFS "/instances", &st) == 0;
}

static int real_setup(void **state)
{
	struct real *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	*state = r;
	r->sink = -1;
	snprintf(r->instance, sizeof(r->instance), "fte_test_gen_%d",
		 (int)getpid());
	snprintf(r->dir, sizeof(r->dir), "/tmp/fte_test_gen.XXXXXX");
	pthread_mutex_init(&r->lock, NULL);
	if (!mkdtemp(r->dir))
		return -1;
	r->sink = sink_open(&r->addr);
	if (!have_tracefs())
		return 0;	/* the test skips */
	remove_stale_instances();
	return r->sink < 0 ? -1 : 0;
}

/* Undoes what the test got to, in the order of pipeline_stop(): tracing
 * off, the threads stopped, the session (which reads the newest config)
 * closed, then the generations freed. Fails when the instance is left. */
static int real_teardown(void **state)
{
	struct real *r = *state;
	char path[PATH_MAX];
	struct stat st;

	if (r->s)
		session_stop(r->s);
	for (int i = 0; i < 2; i++)
		if (r->gen[i])
			generation_stop(r->gen[i]);
	session_close(r->s);
	for (int i = 0; i < 2; i++)
		generation_free(r->gen[i]);
	config_free(r->orphan);
	if (r->sink >= 0)
		close(r->sink);
	rm_tree(r->dir);
	pthread_mutex_destroy(&r->lock);
	snprintf(path, sizeof(path), TRACEFS "/instances/%s", r->instance);
	free(r);
	if (stat(path, &st) == 0) {
		rmdir(path);
		print_error("instance %s was left behind\n", path);
		return -1;
	}
	return 0;
}

/* Skips the test when it cannot use the real tracefs. */
static void need_tracefs(void)
{
	if (!have_tracefs()) {
		print_message("needs root and tracefs at " TRACEFS "\n");
		skip();
	}
}

/* Writes the config text, after a `tracing:` section naming the test's
 * instance, into the file NAME of the test's directory; its path in path. */
static void config_write(struct real *r, const char *name, const char *probes,
			 char *path, size_t size)
{
	char text[4096];

	snprintf(path, size, "%s/%s", r->dir, name);
	snprintf(text, sizeof(text), "tracing:\n  instance: %s\n"
		 "  buffer_size_kb: 256\n%s", r->instance, probes);
	write_file(path, text);
}

/* Loads the config written as NAME, after prev (NULL: a first load). */
static struct config *config_make(struct real *r, const char *name,
				  const char *probes,
				  const struct config *prev)
{
	char path[PATH_MAX];
	struct config *cfg;

	config_write(r, name, probes, path, sizeof(path));
	cfg = prev ? config_load_after(path, prev, stderr) :
		     config_load(path, stderr);
	assert_non_null(cfg);
	return cfg;
}

/* The generation of cfg on the test's session; NULL when it fails (cfg
 * is then still the caller's). */
static struct generation *gen_new(struct real *r, struct config *cfg)
{
	struct generation_env env = { .session = r->s, .status = &r->status };

	return generation_new(cfg, &env);
}

/* The generation of cfg loaded after prev's config, as a reload builds
 * it; NULL when it fails. */
static struct generation *gen_new_after(struct real *r, struct config *cfg,
					const struct generation *prev)
{
	struct generation_env env = { .session = r->s, .status = &r->status };

	return generation_new_after(cfg, &env, prev);
}

/* The session of cfg and its first generation (r->gen[0]), not started. */
static struct generation *open_first(struct real *r, const char *probes)
{
	struct config *cfg = config_make(r, "a.yaml", probes, NULL);

	r->orphan = cfg;
	r->s = session_open(NULL, cfg);
	assert_non_null(r->s);
	r->gen[0] = gen_new(r, cfg);
	assert_non_null(r->gen[0]);
	r->orphan = NULL;
	return r->gen[0];
}

static void start(struct real *r, struct generation *g)
{
	assert_int_equal(generation_start(g, &r->lock), 0);
	assert_int_equal(session_start(r->s), 0);
}

/* n datagrams of the test's length through the loopback, each received:
 * n netif_receive_skb events recorded by the time this returns. False
 * when one could not be sent or received (asserts nothing: it also runs
 * with the lock held). */
static bool send_recv(struct real *r, int n)
{
	static char buf[PAYLOAD + 1];

	for (int i = 0; i < n; i++)
		if (sendto(r->sink, buf, PAYLOAD, 0, (struct sockaddr *)&r->addr,
			   sizeof(r->addr)) != PAYLOAD ||
		    recv(r->sink, buf, sizeof(buf), 0) != PAYLOAD)
			return false;
	return true;
}

static void datagrams(struct real *r, int n)
{
	assert_true(send_recv(r, n));
}

/* Sum of the per-CPU event totals; each CPU's into per_cpu[]. */
static uint64_t cpu_events(const struct generation *g, uint64_t *per_cpu)
{
	uint64_t sum = 0;

	for (int c = 0; c < g->ncpus; c++)
		sum += per_cpu[c] = metrics_cpu_events(g->metrics, c);
	return sum;
}

/* ---- carry across a reload ---- */

#define RX(name) "  - name: " name "\n    tracepoint: net:netif_receive_skb\n" \
		 "    filter: len == " LEN "\n"

static const char carry_a[] = "probes:\n"
	RX("kept") "    labels: [name]\n"
	RX("changed") "    labels: [len]\n"
	"  - name: removed\n    tracepoint: skb:kfree_skb\n";

/* kept at another index, changed by its labels, removed gone, new added */
static const char carry_b[] = "probes:\n"
	RX("new")
	RX("kept") "    labels: [name]\n"
	RX("changed") "    labels: [name]\n";

/* The reload of reload.c, steps 1 to 3, from the running a to next:
 * retire, stop a (its readers drain), then, under the lock, switch the
 * session, build next's generation and carry. events datagrams are sent
 * between the stop and the switch: they wait in the ring buffer. Returns
 * the new generation (r->gen[1]); a is still there, stopped. */
static struct generation *reload(struct real *r, struct generation *a,
				 struct config *next, int events)
{
	struct generation *b = NULL;

	r->orphan = next;
	session_retire(r->s, next, a->states);
	generation_stop(a);
	datagrams(r, events);
	pthread_mutex_lock(&r->lock);
	if (session_switch(r->s, next, a->states) == 0)
		b = gen_new_after(r, next, a);
	if (b)
		generation_carry(b, a);
	pthread_mutex_unlock(&r->lock);
	assert_non_null(b);
	r->orphan = NULL;
	return r->gen[1] = b;
}

static void assert_series(const struct generation *g, const char *probe,
			  const char *value, uint64_t count)
{
	struct series s = series_of(g, probe);

	assert_int_equal(s.n, 1);
	assert_string_equal(s.vals[0][0], value);
	assert_int_equal(s.counts[0], count);
}

/* Before the new generation starts: what config_probe_previous() links
 * keeps its counts and series, the rest is at zero, and the per-CPU totals
 * are the old generation's, CPU by CPU. */
static void check_carried(const struct generation *a, const struct generation *b)
{
	uint64_t cpu_a[CONFIG_MAX_CPUS], cpu_b[CONFIG_MAX_CPUS];
	const struct config *next = b->cfg;

	assert_int_equal(config_probe_previous(next, config_probe_index(next,
			 "kept")), config_probe_index(a->cfg, "kept"));
	assert_int_equal(config_probe_previous(next, config_probe_index(next,
			 "changed")), -1);
	assert_int_equal(config_probe_previous(next, config_probe_index(next,
			 "new")), -1);
	assert_int_equal(config_probe_index(next, "removed"), -1);
	assert_int_equal(hits(b, "kept"), 40);
	assert_series(b, "kept", "lo", 40);
	assert_int_equal(hits(b, "changed"), 0);
	assert_int_equal(series_of(b, "changed").n, 0);
	assert_int_equal(hits(b, "new"), 0);
	assert_true(cpu_events(a, cpu_a) >= 40);
	assert_int_equal(cpu_events(b, cpu_b), cpu_events(a, cpu_a));
	assert_memory_equal(cpu_a, cpu_b, a->ncpus * sizeof(*cpu_a));
}

static void test_carry_across_reload(void **state)
{
	struct real *r = *state;
	struct generation *a, *b;
	struct config *next;

	need_tracefs();
	a = open_first(r, carry_a);
	start(r, a);
	datagrams(r, 40);
	next = config_make(r, "b.yaml", carry_b, a->cfg);
	b = reload(r, a, next, 7);
	assert_int_equal(hits(a, "kept"), 40);		/* drained at stop */
	assert_int_equal(hits(a, "changed"), 40);
	check_carried(a, b);
	r->gen[0] = NULL;
	generation_free(a);
	assert_int_equal(generation_start(b, &r->lock), 0);	/* step 4 */
	datagrams(r, 30);
	generation_stop(b);
	/* the 7 that waited in the ring buffer count once, for next */
	assert_int_equal(hits(b, "kept"), 40 + 7 + 30);
	assert_series(b, "kept", "lo", 77);
	assert_int_equal(hits(b, "changed"), 37);
	assert_series(b, "changed", "lo", 37);
	assert_int_equal(hits(b, "new"), 37);
	assert_int_equal(metrics_parse_errors(b->metrics), 0);
}

/* ---- the probe-state table ---- */

static const char states_yaml[] = "probes:\n"
	RX("rx")
	"  - name: missing\n    tracepoint: skb:fte_no_such_event\n"
	"  - name: badfilter\n    tracepoint: skb:kfree_skb\n"
	"    filter: fte_no_such_field == 1\n"
	RX("rx_len") "    labels: [len]\n"
	"  - name: conflict\n    tracepoint: net:netif_receive_skb\n"
	"    filter: len == 1318\n"
	"  - name: hist\n    tracepoint: net:netif_receive_skb\n"
	"    mode: hist\n    labels: [name]\n";

static const char *why(const struct generation *g, const char *probe)
{
	return pstate_why(g->states, config_probe_index(g->cfg, probe));
}

/* True when this kernel has hist triggers (the event has a hist file). */
static bool kernel_has_hist(const struct real *r)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), TRACEFS "/instances/%s/events/net/"
		 "netif_receive_skb/hist", r->instance);
	return stat(path, &st) == 0;
}

static void test_probe_states(void **state)
{
	struct real *r = *state;
	struct generation *g;
	int missing;

	need_tracefs();
	g = open_first(r, states_yaml);
	missing = config_probe_index(g->cfg, "missing");
	assert_null(why(g, "rx"));
	assert_null(why(g, "rx_len"));
	assert_non_null(parser_probe_error(g->parser, missing));
	assert_string_equal(why(g, "missing"),
			    parser_probe_error(g->parser, missing));
	assert_non_null(why(g, "badfilter"));
	assert_true(!strncmp(why(g, "badfilter"), "filter rejected: ", 17));
	assert_int_equal(config_filter_conflict(g->cfg, config_probe_index(
			 g->cfg, "conflict")), config_probe_index(g->cfg, "rx"));
	assert_string_equal(why(g, "conflict"),
			    "another probe on this event has a different filter");
	if (kernel_has_hist(r))
		assert_null(why(g, "hist"));
	else
		assert_string_equal(why(g, "hist"), "this kernel has no hist "
				    "triggers (CONFIG_HIST_TRIGGERS)");
	start(r, g);
	datagrams(r, 25);
	generation_stop(g);
	assert_int_equal(hits(g, "rx"), 25);
	assert_int_equal(hits(g, "rx_len"), 25);
	/* conflict is chained on rx's event and sees its records: down, it
	 * counts none of them */
	assert_int_equal(hits(g, "conflict"), 0);
	assert_int_equal(hits(g, "missing"), 0);
	assert_int_equal(hits(g, "badfilter"), 0);
	if (!kernel_has_hist(r))
		assert_int_equal(hits(g, "hist"), 0);
}

/* ---- packet labels: the event probe, or the tracepoint without it ---- */

static const char packet_yaml[] = "probes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, daddr, device]\n";

/* A probe with packet labels is up either way: on its event probe where
 * the kernel made it (session_probe_event() then names it), else on its
 * tracepoint with the reason recorded in the probe-state table (this
 * host's 6.18 refuses event probes): the labels it names stay empty. */
static void test_packet_labels_fallback(void **state)
{
	struct real *r = *state;
	struct generation *g;
	const char *sys, *ev, *fallback;
	bool on;

	need_tracefs();
	g = open_first(r, packet_yaml);
	on = session_probe_event(session_tep(r->s), g->cfg, 0, &sys, &ev);
	fallback = pstate_fallback(g->states, 0);
	assert_null(why(g, "drops"));
	assert_string_equal(fallback ? fallback : "(none)",
			    session_eprobe_why(r->s, 0) ?
			    session_eprobe_why(r->s, 0) : "(none)");
	if (on) {
		assert_null(fallback);
		assert_string_equal(ev, "drops");
		return;
	}
	assert_non_null(fallback);
	assert_non_null(strstr(fallback, "labels daddr,device stay empty: "));
	assert_string_equal(sys, "skb");
	assert_true(parser_label_missing(g->parser, 0, 1));
	assert_false(parser_label_missing(g->parser, 0, 0));
}

/* A probe with packet labels filters its own event probe, so another
 * filter on its tracepoint is no conflict (config_filter_conflict()); on
 * the tracepoint without it (this host), the probe without packet labels
 * keeps the tracepoint's filter and the other is down saying why. */
static const char conflict_yaml[] = "probes:\n"
	"  - name: plain\n    tracepoint: skb:kfree_skb\n"
	"    filter: protocol == 2048\n"
	"  - name: peer\n    tracepoint: skb:kfree_skb\n"
	"    labels: [daddr]\n    filter: protocol == 34525\n";

static void test_packet_labels_filter_conflict(void **state)
{
	struct real *r = *state;
	struct generation *g;
	const char *sys, *ev;

	need_tracefs();
	g = open_first(r, conflict_yaml);
	assert_int_equal(config_filter_conflict(g->cfg, 1), -1);
	assert_null(why(g, "plain"));
	if (session_probe_event(session_tep(r->s), g->cfg, 1, &sys, &ev)) {
		assert_null(why(g, "peer"));
		return;
	}
	assert_non_null(why(g, "peer"));
	assert_string_equal(why(g, "peer"), "another probe on this event has "
			    "a different filter");
}

/* n UDP datagrams from the sink to a closed port of 127.0.0.1 (one the
 * kernel gave and took back): n IPv4 drops, NO_SOCKET. */
static void closed_port_drops(struct real *r, int n)
{
	struct sockaddr_in to;
	int fd = sink_open(&to);

	assert_true(fd >= 0);
	close(fd);
	for (int i = 0; i < n; i++)
		assert_int_equal(sendto(r->sink, "x", 1, 0,
					(struct sockaddr *)&to, sizeof(to)), 1);
}

struct gen_probe {
	const struct generation *g;
	const char *probe;
	uint64_t at_least;
};

static bool hits_reach(void *arg)
{
	const struct gen_probe *w = arg;

	return hits(w->g, w->probe) >= w->at_least;
}

/* Regression: a reload that removes a probe with packet labels counting
 * its tracepoint (no event probe here) turned the tracepoint off although
 * a kept probe without packet labels counts it with the same filter
 * (session_retire() took the removed probe's need for its event probe):
 * the drops of the reload's gap were lost to the kept probe. */
static const char shared_a[] = "probes:\n"
	"  - name: plain\n    tracepoint: skb:kfree_skb\n"
	"    filter: protocol == 2048\n"
	"  - name: peer\n    tracepoint: skb:kfree_skb\n"
	"    labels: [daddr]\n    filter: protocol == 2048\n";
static const char shared_b[] = "probes:\n"
	"  - name: plain\n    tracepoint: skb:kfree_skb\n"
	"    filter: protocol == 2048\n";

static void test_packet_fallback_reload_keeps_tracepoint(void **state)
{
	struct real *r = *state;
	struct generation *a, *b;
	struct config *next;
	struct gen_probe w = { .probe = "plain", .at_least = 50 };
	const char *sys, *ev;

	need_tracefs();
	a = open_first(r, shared_a);
	if (session_probe_event(session_tep(r->s), a->cfg, 1, &sys, &ev))
		skip();	/* the event probe was made: nothing shared */
	start(r, a);
	assert_null(why(a, "peer"));
	next = config_make(r, "b.yaml", shared_b, a->cfg);
	r->orphan = next;
	session_retire(r->s, next, a->states);
	generation_stop(a);
	closed_port_drops(r, 50);	/* in the reload's gap */
	assert_int_equal(session_switch(r->s, next, a->states), 0);
	b = r->gen[1] = gen_new_after(r, next, a);
	assert_non_null(b);
	r->orphan = NULL;
	generation_carry(b, a);
	assert_int_equal(generation_start(b, &r->lock), 0);
	w.g = b;
	assert_true(eventually(hits_reach, &w));
}

/* ---- mode: auto on the real tracefs ---- */

static enum pstate_mode mode_of(const struct generation *g, const char *probe)
{
	return pstate_mode(g->states, config_probe_index(g->cfg, probe));
}

/* rx_auto counts by hist where this kernel has hist triggers, else by the
 * ring buffer; bad_auto's filter is refused either way. */
static const char auto_yaml[] = "probes:\n"
	RX("rx_auto") "    mode: auto\n    labels: [name]\n"
	RX("rx_count") "    labels: [name]\n"
	"  - name: bad_auto\n    tracepoint: skb:kfree_skb\n    mode: auto\n"
	"    filter: fte_no_such_field == 1\n";

/* On a kernel without hist triggers (this host) an auto probe is up on the
 * ring buffer and counts exactly what a count probe on the same packets
 * counts, with the same series; one that the ring buffer refuses too is
 * down with both reasons. (Where the kernel has hist triggers the test
 * checks that the trigger was chosen; the hist side is proven on the fake
 * tracefs below and in the guests.) */
static void test_auto_ring_buffer(void **state)
{
	struct real *r = *state;
	struct generation *g;

	need_tracefs();
	g = open_first(r, auto_yaml);
	assert_null(why(g, "rx_auto"));
	assert_true(!strncmp(why(g, "bad_auto"), "hist trigger: ", 14));
	assert_non_null(strstr(why(g, "bad_auto"), "; ring buffer: filter "
			       "rejected: "));
	if (kernel_has_hist(r)) {
		assert_int_equal(mode_of(g, "rx_auto"), PSTATE_HIST);
		return;
	}
	assert_string_equal(why(g, "bad_auto"), "hist trigger: " SESSION_NO_HIST
			    "; ring buffer: filter rejected: Invalid argument");
	assert_int_equal(mode_of(g, "rx_auto"), PSTATE_RING);
	assert_int_equal(mode_of(g, "rx_count"), PSTATE_RING);
	start(r, g);
	datagrams(r, 25);
	generation_stop(g);
	assert_int_equal(hits(g, "rx_auto"), 25);
	assert_series(g, "rx_auto", "lo", 25);
	assert_int_equal(hits(g, "rx_count"), 25);
	assert_int_equal(hits(g, "bad_auto"), 0);
	assert_int_equal(metrics_parse_errors(g->metrics), 0);
}

/* kept: an auto probe both configs define alike; gone: an auto probe on
 * the same event and filter as the count probe stay, removed by the
 * reload; fresh: a new auto probe there (with other keys than gone, so
 * that no trigger could be shared). */
static const char auto_a[] = "probes:\n"
	RX("kept") "    mode: auto\n    labels: [name]\n"
	RX("gone") "    mode: auto\n"
	RX("stay");
static const char auto_b[] = "probes:\n"
	RX("stay")
	RX("fresh") "    mode: auto\n    labels: [len]\n"
	RX("kept") "    mode: auto\n    labels: [name]\n";

/* A reload keeps an auto probe counted by the ring buffer on the ring
 * buffer, with its counts, and the events that wait in the buffer during
 * the reload are counted once. The event stays on because the removed
 * auto probe counted by the ring buffer needs what stay needs: matching
 * probes by configured mode (auto is not count) would turn the event off
 * at step 1 and lose those events for stay and kept. */
static void test_auto_kept_across_reload(void **state)
{
	struct real *r = *state;
	struct generation *a, *b;
	struct config *next;

	need_tracefs();
	a = open_first(r, auto_a);
	if (kernel_has_hist(r)) {
		print_message("this kernel has hist triggers: auto probes use "
			      "them (the guests test that reload)\n");
		skip();
	}
	start(r, a);
	datagrams(r, 40);
	next = config_make(r, "b.yaml", auto_b, a->cfg);
	b = reload(r, a, next, 7);
	assert_int_equal(hits(a, "kept"), 40);
	assert_int_equal(hits(a, "gone"), 40);
	assert_int_equal(mode_of(b, "kept"), PSTATE_RING);
	assert_int_equal(mode_of(b, "fresh"), PSTATE_RING);
	assert_int_equal(hits(b, "kept"), 40);
	assert_int_equal(hits(b, "stay"), 40);
	assert_int_equal(hits(b, "fresh"), 0);
	r->gen[0] = NULL;
	generation_free(a);
	assert_int_equal(generation_start(b, &r->lock), 0);
	datagrams(r, 30);
	generation_stop(b);
	assert_int_equal(hits(b, "kept"), 77);
	assert_series(b, "kept", "lo", 77);
	assert_int_equal(hits(b, "stay"), 77);
	assert_int_equal(hits(b, "fresh"), 37);
	assert_int_equal(metrics_parse_errors(b->metrics), 0);
}

/* ---- the ordering of stop ---- */

/* tick is a hist probe whose hist file no kernel has: the test marks it
 * up, so that every generation_refresh(), which the ticker runs before
 * each snapshot, counts one parse error: the parse errors count ticks. */
static const char order_yaml[] = "probes:\n"
	RX("rx")
	"  - name: tick\n    tracepoint: skb:fte_no_such_event\n"
	"    mode: hist\n";

/* The futex word task tid is blocked on, from /proc/self/task/TID/syscall
 * ("NR ARG0 ..."); 0 when it is not in futex(). */
static uintptr_t futex_word(pid_t tid)
{
	unsigned long long arg0 = 0;
	char path[64], line[256];
	bool in = false;
	long nr;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%ld %llx", &nr, &arg0) == 2)
		in = nr == SYS_futex;
	fclose(f);
	return in ? (uintptr_t)arg0 : 0;
}

struct order {
	struct generation *g;
	pthread_mutex_t *lock;
	pid_t ticker;		/* the thread blocked on lock */
	pid_t stopper;		/* the thread in generation_stop() */
	int threads;		/* entries of /proc/self/task before start */
};

/* Finds the thread blocked in pthread_mutex_lock(o->lock): the ticker,
 * the one thread of g that takes it. */
static bool ticker_waits(void *arg)
{
	struct order *o = arg;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	while (d && (e = readdir(d)) && !o->ticker)
		if (atoi(e->d_name) > 0 &&
		    futex_word(atoi(e->d_name)) == (uintptr_t)o->lock)
			o->ticker = atoi(e->d_name);
	if (d)
		closedir(d);
	return o->ticker != 0;
}

/* True when the stopper waits in pthread_join() for the ticker: glibc
 * waits on the joined thread's tid word, which holds its TID until it
 * exits. Read with process_vm_readv(), which fails rather than faults. */
static bool stopper_joins_ticker(void *arg)
{
	struct order *o = arg;
	pid_t stopper = __atomic_load_n(&o->stopper, __ATOMIC_ACQUIRE), v = 0;
	uintptr_t w = stopper ? futex_word(stopper) : 0;
	struct iovec local = { &v, sizeof(v) }, remote = { (void *)w, sizeof(v) };

	return w && process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
		    sizeof(v) && v == o->ticker;
}

static void *stopper(void *arg)
{
	struct order *o = arg;

	__atomic_store_n(&o->stopper, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	generation_stop(o->g);
	return NULL;
}

static bool ticked_twice(void *arg)
{
	const struct generation *g = arg;

	return metrics_parse_errors(g->metrics) >= 2;
}

static bool threads_back(void *arg)
{
	const struct order *o = arg;

	return dir_count("/proc/self/task") == o->threads;
}

/* The ticker waits for the lock, which the test holds, while another
 * thread stops g: generation_stop() must be joining the ticker with the
 * readers still running, so the events sent meanwhile are counted (the
 * readers drain them once the ticker is gone). Stopping the readers first
 * would leave them in the ring buffer, uncounted. Asserts only with the
 * lock released (the teardown joins the ticker). */
static void stop_with_ticker_waiting(struct real *r, struct order *o, int n)
{
	bool waits, joins = false, sent = false;
	pthread_t th;

	pthread_mutex_lock(&r->lock);
	waits = eventually(ticker_waits, o);
	if (waits && pthread_create(&th, NULL, stopper, o) == 0) {
		joins = eventually(stopper_joins_ticker, o);
		sent = joins && send_recv(r, n);
		pthread_mutex_unlock(&r->lock);
		pthread_join(th, NULL);
	} else {
		pthread_mutex_unlock(&r->lock);
	}
	assert_true(waits);
	assert_true(joins);
	assert_true(sent);
}

static void test_stop_order(void **state)
{
	struct real *r = *state;
	struct order o = { .lock = &r->lock };
	uint64_t ticks;

	need_tracefs();
	o.g = open_first(r, order_yaml);
	pstate_set(o.g->states, config_probe_index(o.g->cfg, "tick"), NULL);
	o.threads = dir_count("/proc/self/task");
	start(r, o.g);
	assert_true(eventually(ticked_twice, o.g));	/* the ticker runs */
	datagrams(r, 10);
	stop_with_ticker_waiting(r, &o, 25);
	assert_int_equal(hits(o.g, "rx"), 10 + 25);
	/* no thread of g is left: no tick, no reader after stop */
	assert_true(eventually(threads_back, &o));
	ticks = metrics_parse_errors(o.g->metrics);
	datagrams(r, 5);
	generation_stop(o.g);				/* idempotent */
	assert_int_equal(dir_count("/proc/self/task"), o.threads);
	assert_int_equal(metrics_parse_errors(o.g->metrics), ticks);
	assert_int_equal(hits(o.g, "rx"), 35);
}

/* A generation never started stops and frees without a thread; one that
 * is stopped frees (the session closed first: it reads the config). */
static void test_free_without_start(void **state)
{
	struct real *r = *state;
	int threads = dir_count("/proc/self/task");
	struct generation *g;

	need_tracefs();
	g = open_first(r, carry_a);
	generation_stop(g);
	generation_stop(g);
	assert_int_equal(dir_count("/proc/self/task"), threads);
	session_close(r->s);
	r->s = NULL;
	r->gen[0] = NULL;
	generation_free(g);
	generation_free(NULL);
}

/* ---- hist refresh, on a fake tracefs ---- */

#define FAKE_INSTANCE "fte_unit_generation"
#define FAKE_EVENT "instances/" FAKE_INSTANCE "/events/net/netif_receive_skb"

/* rxh is up (its event has a hist file in the fake instance); down has
 * no hist file: down, and never read. */
static const char hist_yaml[] = "probes:\n"
	"  - name: rxh\n    tracepoint: net:netif_receive_skb\n"
	"    mode: hist\n    labels: [name, len]\n    max_series: 2\n"
	"  - name: down\n    tracepoint: skb:kfree_skb\n    mode: hist\n";

struct fake {
	char root[64];
	struct session *s;
	struct generation *g;
	struct collect_status status;
};

/* root/rel, its directories made. */
static void fake_path(const struct fake *f, const char *rel, char *path,
		      size_t size)
{
	char cmd[PATH_MAX + 16];

	snprintf(path, size, "%s/%s", f->root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
}

static void fake_put(const struct fake *f, const char *rel, const char *text)
{
	char path[PATH_MAX];

	fake_path(f, rel, path, sizeof(path));
	write_file(path, text);
}

/* A session on the fake root as session_open() would have made it, with
 * the saved 6.18 event formats, switched to cfg. */
static struct session *fake_session(struct fake *f)
{
	struct session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->free_fd = s->lock_fd = -1;
	fake_put(f, "instances/" FAKE_INSTANCE "/per_cpu/.keep", "");
	s->inst = tracefs_instance_alloc(f->root, FAKE_INSTANCE);
	assert_non_null(s->inst);
	s->tep = fixture_tep_new("6.18");
	fixture_load_event(s->tep, "6.18", "net_netif_receive_skb", "net");
	fixture_load_event(s->tep, "6.18", "skb_kfree_skb", "skb");
	return s;
}

/* The fake root with rxh's hist and trigger files (and files of yaml's
 * own: extra, made before the generation), a fake session on it, and the
 * generation of yaml. */
static int fake_setup_with(void **state, const char *yaml, const char *extra)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct config *cfg;

	if (!f)
		return -1;
	*state = f;
	snprintf(f->root, sizeof(f->root), "/tmp/fte_unit_generation.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	fake_put(f, FAKE_EVENT "/hist", "");
	fake_put(f, FAKE_EVENT "/trigger", "");
	if (extra)
		fake_put(f, extra, "0\n");
	f->s = fake_session(f);
	cfg = config_parse("t.yaml", yaml, stderr);
	if (!cfg)
		return -1;
	f->s->cfg = cfg;
	f->g = generation_new(cfg, &(struct generation_env){
		.session = f->s, .status = &f->status });
	if (!f->g)
		config_free(cfg);
	return f->g ? 0 : -1;
}

static int fake_setup(void **state)
{
	return fake_setup_with(state, hist_yaml, NULL);
}

#define FAKE_DROP_ENABLE "instances/" FAKE_INSTANCE "/events/skb/kfree_skb/enable"

/* mode: auto on a kernel with hist triggers for one event (the fake
 * instance gives net:netif_receive_skb a hist file) and none for the
 * other (skb:kfree_skb has only its enable file): rxh, as hist_yaml's,
 * gets a trigger, drops the ring buffer. */
static const char auto_hist_yaml[] = "probes:\n"
	"  - name: rxh\n    tracepoint: net:netif_receive_skb\n"
	"    mode: auto\n    labels: [name, len]\n    max_series: 2\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n    mode: auto\n";

static int fake_auto_setup(void **state)
{
	return fake_setup_with(state, auto_hist_yaml, FAKE_DROP_ENABLE);
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;
	int ret = 0;

	if (f->s)	/* before f->g frees the config it is sized by */
		eprobes_why_free(f->s->eprobe_why,
				 config_probe_count(f->s->cfg));
	generation_free(f->g);
	if (f->s) {
		tracefs_instance_free(f->s->inst);
		tep_free(f->s->tep);
		tep_free(f->s->prev_tep);
		free(f->s);
	}
	if (f->root[0] && rm_tree(f->root))
		ret = -1;
	free(f);
	return ret;
}

/* The rxh hist file as the kernel prints it (hist_trigger_entry_print):
 * its trigger, one line per entry (name "%-50s", len and hitcount
 * "%10llu"), the totals. */
static void put_hist(struct fake *f, const unsigned counts[3], unsigned hits,
		     unsigned dropped)
{
	static const char *const names[3] = { "lo", "eth0", "veth0" };
	static const unsigned lens[3] = { 92, 1500, 60 };
	char text[4096], trigger[1024];
	size_t n;

	assert_int_equal(session_hist_trigger(config_probe(f->g->cfg, 0),
					      trigger, sizeof(trigger)), 0);
	n = snprintf(text, sizeof(text), "# event histogram\n#\n# trigger "
		     "info: %s [active]\n#\n\n", trigger);
	for (int i = 0; i < 3; i++)
		n += snprintf(text + n, sizeof(text) - n, "{ name: %-50s, len: "
			      "%10u } hitcount: %10u\n", names[i], lens[i],
			      counts[i]);
	snprintf(text + n, sizeof(text) - n, "\nTotals:\n    Hits: %u\n    "
		 "Entries: 3\n    Dropped: %u\n", hits, dropped);
	fake_put(f, FAKE_EVENT "/hist", text);
}

/* Probe rxh's series, in the order the hist file lists them. */
static void assert_hist_series(const struct generation *g, unsigned lo,
			       unsigned eth0)
{
	struct series s = series_of(g, "rxh");

	assert_int_equal(s.n, 2);
	assert_string_equal(s.vals[0][0], "lo");
	assert_string_equal(s.vals[0][1], "92");
	assert_int_equal(s.counts[0], lo);
	assert_string_equal(s.vals[1][0], "eth0");
	assert_string_equal(s.vals[1][1], "1500");
	assert_int_equal(s.counts[1], eth0);
}

/* generation_new() put rxh's trigger on its event, up; down is down. */
static void test_hist_probe_enabled(void **state)
{
	struct fake *f = *state;
	char path[PATH_MAX], trigger[1024], text[1024] = "";
	FILE *in;

	fake_path(f, FAKE_EVENT "/trigger", path, sizeof(path));
	in = fopen(path, "r");
	assert_non_null(in);
	assert_non_null(fgets(text, sizeof(text), in));
	fclose(in);
	assert_int_equal(session_hist_trigger(config_probe(f->g->cfg, 0),
					      trigger, sizeof(trigger)), 0);
	assert_string_equal(text, trigger);
	assert_true(pstate_up(f->g->states, 0));
	assert_string_equal(pstate_why(f->g->states, 1), "this kernel has no "
			    "hist triggers (CONFIG_HIST_TRIGGERS)");
}

/* Hits, series (two: the cap) and dropped (the kernel's and the entry
 * over the cap) land in the hist shard as absolute values: a second read
 * replaces the first. The down probe's hist is never read (that would be
 * a parse error). */
static void test_hist_refresh(void **state)
{
	struct fake *f = *state;
	const struct generation *g = f->g;

	put_hist(f, (const unsigned[3]){ 5, 2, 4 }, 12, 1);
	generation_refresh(f->g);
	assert_int_equal(metrics_hits(g->metrics, 0), 12);
	assert_int_equal(metrics_series_dropped(g->metrics, 0), 1 + 4);
	assert_hist_series(g, 5, 2);
	assert_int_equal(metrics_parse_errors(g->metrics), 0);
	put_hist(f, (const unsigned[3]){ 9, 2, 6 }, 18, 1);
	generation_refresh(f->g);
	assert_int_equal(metrics_hits(g->metrics, 0), 18);
	assert_int_equal(metrics_series_dropped(g->metrics, 0), 1 + 6);
	assert_hist_series(g, 9, 2);
	for (int c = 0; c < 2; c++)	/* none in the CPU shards */
		assert_int_equal(metrics_cpu_events(g->metrics, c), 0);
	assert_int_equal(metrics_hits(g->metrics, 1), 0);
	assert_int_equal(metrics_parse_errors(g->metrics), 0);
}

/* A garbled file, then none: one parse error each, the last values kept. */
static void test_hist_bad_file_keeps_values(void **state)
{
	struct fake *f = *state;
	const struct generation *g = f->g;
	char path[PATH_MAX];

	put_hist(f, (const unsigned[3]){ 5, 2, 4 }, 12, 1);
	generation_refresh(f->g);
	fake_put(f, FAKE_EVENT "/hist", "# event histogram\n{ name: lo } "
		 "hitcount: 99\n");
	generation_refresh(f->g);
	assert_int_equal(metrics_parse_errors(g->metrics), 1);
	assert_int_equal(metrics_hits(g->metrics, 0), 12);
	assert_int_equal(metrics_series_dropped(g->metrics, 0), 5);
	assert_hist_series(g, 5, 2);
	fake_path(f, FAKE_EVENT "/hist", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	generation_refresh(f->g);
	assert_int_equal(metrics_parse_errors(g->metrics), 2);
	assert_int_equal(metrics_hits(g->metrics, 0), 12);
	assert_hist_series(g, 5, 2);
}

/* The text of the fake file rel ("" when there is none). */
static const char *fake_read(const struct fake *f, const char *rel)
{
	static char text[4096];
	char path[PATH_MAX];
	FILE *in;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", f->root, rel);
	in = fopen(path, "r");
	if (in) {
		n = fread(text, 1, sizeof(text) - 1, in);
		fclose(in);
	}
	text[n] = '\0';
	return text;
}

/* The auto probe whose event has hist triggers got its trigger, written as
 * a hist probe's, and counts by it; the one whose event has none was
 * enabled on the ring buffer. Both are up; the table says which way. */
static void test_auto_picks_hist(void **state)
{
	struct fake *f = *state;
	char trigger[1024];

	assert_int_equal(session_hist_trigger(config_probe(f->g->cfg, 0),
					      trigger, sizeof(trigger)), 0);
	assert_string_equal(fake_read(f, FAKE_EVENT "/trigger"), trigger);
	assert_true(pstate_up(f->g->states, 0));
	assert_int_equal(pstate_mode(f->g->states, 0), PSTATE_HIST);
	assert_true(pstate_up(f->g->states, 1));
	assert_int_equal(pstate_mode(f->g->states, 1), PSTATE_RING);
	assert_string_equal(fake_read(f, FAKE_DROP_ENABLE), "1");
}

/* The config yaml, loaded after prev as a reload loads it (from a file
 * in the fake root). */
static struct config *fake_config_after(const struct fake *f,
					const char *yaml,
					const struct config *prev)
{
	char path[PATH_MAX];
	struct config *cfg;

	snprintf(path, sizeof(path), "%s/next.yaml", f->root);
	write_file(path, yaml);
	cfg = config_load_after(path, prev, stderr);
	assert_non_null(cfg);
	return cfg;
}

/* Step 3 of a reload on the fake session, the switch: next, loaded after
 * f->g's config, is the session's. */
static struct config *fake_switch(struct fake *f, const char *yaml)
{
	struct config *next = fake_config_after(f, yaml, f->g->cfg);

	assert_int_equal(session_switch(f->s, next, f->g->states), 0);
	return next;
}

/* The rest of step 3: the generation of next after f->g, carry; f->g
 * becomes it and the old one is freed. */
static struct generation *fake_next(struct fake *f, struct config *next)
{
	struct generation *a = f->g, *b;

	b = generation_new_after(next, &(struct generation_env){
		.session = f->s, .status = &f->status }, a);
	assert_non_null(b);
	generation_carry(b, a);
	f->g = b;
	generation_free(a);
	return b;
}

/* A reload on a kernel with hist triggers (this host's formats, the fake
 * instance): the kept auto probe keeps its trigger (nothing removed) and
 * its way, and its counts go on, read from the same hist file; once
 * changed, its old trigger is removed ("!" written to the trigger file). */
static void test_auto_hist_kept_across_reload(void **state)
{
	struct fake *f = *state;
	struct generation *b;
	struct config *next;
	char listed[1024];

	if (geteuid() != 0) {
		print_message("needs the host's event formats (root)\n");
		skip();
	}
	/* the trigger file as the kernel lists it: a line per trigger */
	assert_int_equal(session_hist_trigger(config_probe(f->g->cfg, 0),
					      listed, sizeof(listed) - 1), 0);
	fake_put(f, FAKE_EVENT "/trigger", strcat(listed, "\n"));
	put_hist(f, (const unsigned[3]){ 5, 2, 4 }, 12, 1);
	generation_refresh(f->g);
	b = fake_next(f, fake_switch(f, auto_hist_yaml));
	assert_int_equal(config_probe_previous(b->cfg, 0), 0);
	assert_string_equal(fake_read(f, FAKE_EVENT "/trigger"), listed);
	assert_int_equal(pstate_mode(b->states, 0), PSTATE_HIST);
	assert_true(pstate_up(b->states, 0));
	assert_int_equal(metrics_hits(b->metrics, 0), 12);
	put_hist(f, (const unsigned[3]){ 9, 2, 6 }, 18, 1);
	generation_refresh(b);
	assert_int_equal(metrics_hits(b->metrics, 0), 18);
	assert_hist_series(b, 9, 2);
	/* the fake file is written from its start (no O_APPEND): read the
	 * removal before anything else is written */
	next = fake_switch(f, "probes:\n"
			   "  - name: rxh\n    tracepoint: net:netif_receive_skb\n"
			   "    mode: auto\n    labels: [name, len]\n    max_series: 3\n");
	assert_int_equal(config_probe_previous(next, 0), -1);
	assert_int_equal(strncmp(fake_read(f, FAKE_EVENT "/trigger"),
				 "!hist:keys=name,len:", 20), 0);
	fake_next(f, next);
}

#define REAL(t) cmocka_unit_test_setup_teardown(t, real_setup, real_teardown)
#define FAKE(t) cmocka_unit_test_setup_teardown(t, fake_setup, fake_teardown)
#define FAKE_AUTO(t) cmocka_unit_test_setup_teardown(t, fake_auto_setup, \
						     fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		REAL(test_carry_across_reload),
		REAL(test_probe_states),
		REAL(test_packet_labels_fallback),
		REAL(test_packet_labels_filter_conflict),
		REAL(test_packet_fallback_reload_keeps_tracepoint),
		REAL(test_auto_ring_buffer),
		REAL(test_auto_kept_across_reload),
		REAL(test_stop_order),
		REAL(test_free_without_start),
		FAKE(test_hist_probe_enabled),
		FAKE(test_hist_refresh),
		FAKE(test_hist_bad_file_keeps_values),
		FAKE_AUTO(test_auto_picks_hist),
		FAKE_AUTO(test_hist_refresh),
		FAKE_AUTO(test_auto_hist_kept_across_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
