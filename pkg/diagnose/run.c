/* run: a diagnosis by tracing, with a generation of its own (pkg/generation)
 * on a tracefs instance of its own: the config's instance name with
 * "_diag_<pid>", so never a running exporter's, and its kprobes in the
 * private group named after it. The /metrics text of that generation is
 * taken just before tracing starts and after it stopped and drained, so
 * their difference is every event the instance recorded.
 *
 * DESIGN: the generation's readers and causes ticker run on their own
 * threads; this thread takes the start and end texts (and the progress
 * line's) under the lock the ticker holds, and orders the teardown as the
 * exporter does: tracing off, generation stopped (readers drain), session
 * closed (instance and kprobe group removed), generation freed. Every exit
 * path, SIGINT, SIGTERM and SIGHUP included, goes through that teardown.
 */
#include "diagnose/diagnose_int.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>
#include <unistd.h>

#include "causes/causes.h"
#include "generation/generation.h"

#define DIAG_SUFFIX "_diag_"

struct tracer {
	struct session *session;
	struct generation *gen;
	struct generation_env env;
	struct collect_status status;
	struct expo *expo;
	struct config *orphan;	/* the session's config when no generation
				 * took it: freed after the session */
	pthread_mutex_t lock;
};

/* One /metrics text of the generation (malloc'd), NULL on ENOMEM. */
static char *tracer_text(struct tracer *t)
{
	size_t len;
	char *text;

	pthread_mutex_lock(&t->lock);
	text = generation_scrape(t->gen, t->expo, &len);
	pthread_mutex_unlock(&t->lock);
	return text;
}

/* The progress line's figure: drops counted so far by the causes probe. */
static double tracer_drops(void *ctx)
{
	struct tracer *t = ctx;
	const struct probe_spec *p = diag_drops_probe(generation_config(t->gen));
	char *text = p ? tracer_text(t) : NULL;
	struct diag_samples *s = text ? diag_samples_parse(text) : NULL;
	double n = s ? diag_samples_sum(s, p->metric) : 0;

	diag_samples_free(s);
	free(text);
	return n;
}

/* Removes a diagnose instance of base left by a process that is gone,
 * through the session's own stale-instance cleaning (which leaves an
 * instance whose owner lock a live process holds alone). */
static void clean_stale(const struct diag_flags *f, const char *name,
			const char *base)
{
	size_t len = strlen(base) + strlen(DIAG_SUFFIX);
	char *end, suffix[64];
	long pid;
	struct config *cfg;

	if (strncmp(name, base, strlen(base)) ||
	    strncmp(name + strlen(base), DIAG_SUFFIX, strlen(DIAG_SUFFIX)))
		return;
	pid = strtol(name + len, &end, 10);
	if (*end || pid <= 0 || pid == getpid() || kill(pid, 0) == 0 ||
	    errno != ESRCH)
		return;
	snprintf(suffix, sizeof(suffix), DIAG_SUFFIX "%ld", pid);
	cfg = config_load_renamed(f->config_file, suffix, stderr);
	if (cfg)
		session_close(session_open(f->tracefs, cfg));
	config_free(cfg);
}

/* Every stale diagnose instance of the config's instance name (mine
 * without its suffix of suffix_len characters). */
static void clean_stale_all(const struct diag_flags *f, const char *mine,
			    size_t suffix_len)
{
	char *dir = NULL, base[128];
	struct dirent *e;
	DIR *d;

	snprintf(base, sizeof(base), "%.*s", (int)(strlen(mine) - suffix_len),
		 mine);
	if (asprintf(&dir, "%s/instances", f->tracefs ? f->tracefs :
		     tracefs_tracing_dir()) < 0)
		return;
	d = opendir(dir);
	while (d && (e = readdir(d)))
		clean_stale(f, e->d_name, base);
	if (d)
		closedir(d);
	free(dir);
}

/* Says why tracing could not start, on stderr. */
static void say_why(const char *what, const char *instance, int err)
{
	fprintf(stderr, "ftrace_exporter diagnose: cannot %s %s: %s%s\n", what,
		instance, strerror(err), err == EACCES || err == EPERM ?
		" (tracing needs root, or CAP_SYS_ADMIN)" : "");
}

/* The instance and its generation, readers running, tracing still off.
 * Takes cfg (the generation
 * does, or t->orphan until the session is closed). -1 with a message;
 * what was made is then for tracer_close(). */
static int tracer_open(struct tracer *t, const struct diag_flags *f,
		       struct config *cfg)
{
	t->session = session_open(f->tracefs, cfg);
	if (!t->session) {
		say_why("make tracefs instance", config_instance(cfg), errno);
		config_free(cfg);
		return -1;
	}
	t->env = (struct generation_env){ t->session, &t->status };
	t->status = (struct collect_status){ true, 0 };
	t->gen = generation_new(cfg, &t->env);
	if (!t->gen) {
		say_why("build the probes of", config_path(cfg), errno);
		t->orphan = cfg;
		return -1;
	}
	if (generation_start(t->gen, &t->lock)) {
		say_why("start reading", config_instance(cfg), errno);
		return -1;
	}
	return 0;
}

/* Tracing on, after the start text: every event the instance records is
 * in the difference. The time it started, or -1 with a message. */
static double tracer_start(struct tracer *t)
{
	if (session_start(t->session)) {
		say_why("start tracing in", config_instance(
			generation_config(t->gen)), errno);
		return -1;
	}
	return causes_now();
}

/* Tracing off, readers drained, instance and kprobe group removed, all
 * freed; in the exporter's order (see the top). */
static void tracer_close(struct tracer *t)
{
	if (t->session)
		session_stop(t->session);
	if (t->gen)
		generation_stop(t->gen);
	session_close(t->session);
	generation_free(t->gen);
	config_free(t->orphan);
	t->session = NULL;
	t->gen = NULL;
	t->orphan = NULL;
}

/* Keeps why each probe of the generation is down, for the report. */
static int keep_why(struct diag_run *run, const struct generation *g)
{
	const struct pstate *st = generation_states(g);

	run->nwhy = pstate_count(st);
	run->why = calloc(run->nwhy + 1, sizeof(*run->why));
	for (int i = 0; run->why && i < run->nwhy; i++)
		if (!pstate_up(st, i) && !(run->why[i] = strdup(
			pstate_why(st, i) ? pstate_why(st, i) : "down")))
			return -1;
	return run->why ? 0 : -1;
}

/* The end of a run: tracing off, the time, the drained end text. */
static int tracer_finish(struct tracer *t, struct diag_run *run, double t0)
{
	session_stop(t->session);
	run->duration = causes_now() - t0;
	generation_stop(t->gen);
	run->end = tracer_text(t);
	return run->end && !keep_why(run, t->gen) ? 0 : -1;
}

/* See diagnose_int.h. */
int diag_run_trace(struct diag_run *run)
{
	struct tracer t = { .expo = expo_new() };
	struct config *cfg;
	char suffix[64];
	int ret = -1;

	if (!run->flags->tracefs && !tracefs_tracing_dir()) {
		fputs("ftrace_exporter diagnose: no tracefs mounted (mount -t "
		      "tracefs nodev /sys/kernel/tracing)\n", stderr);
		return -1;
	}
	snprintf(suffix, sizeof(suffix), DIAG_SUFFIX "%d", (int)getpid());
	cfg = config_load_renamed(run->flags->config_file, suffix, stderr);
	pthread_mutex_init(&t.lock, NULL);
	if (!cfg || !t.expo)
		goto out;
	snprintf(run->source, sizeof(run->source), "instance %s",
		 config_instance(cfg));
	clean_stale_all(run->flags, config_instance(cfg), strlen(suffix));
	if (tracer_open(&t, run->flags, cfg))
		goto out;
	run->start = tracer_text(&t);
	if (run->start) {
		double t0 = tracer_start(&t);

		if (t0 < 0)
			goto out;
		diag_wait(run, tracer_drops, &t);
		ret = tracer_finish(&t, run, t0);
	}
out:
	tracer_close(&t);
	expo_free(t.expo);
	pthread_mutex_destroy(&t.lock);
	return ret;
}
