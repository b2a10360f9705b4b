/* diagnose: the subcommand's order: flags, the config, the two /metrics
 * texts (run.c tracing, or from.c a running exporter), the report in the
 * asked format. SIGINT, SIGTERM and SIGHUP set a flag that ends the wait
 * early; the run then unwinds through its normal teardown and the partial
 * report is printed. */
#include "diagnose/diagnose.h"
#include "diagnose/diagnose_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "causes/causes.h"
#include "log/log.h"

static volatile sig_atomic_t stop;

/* Async-signal-safe: only sets the flag the wait polls. */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT, SIGTERM and SIGHUP set stop (no SA_RESTART: a sleep ends
 * early). */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);	/* the terminal went away */
	signal(SIGPIPE, SIG_IGN);
}

/* The live line: elapsed of total seconds and, when known (drops >= 0),
 * the drops so far. */
static void progress(const char *what, double elapsed, double total,
		     double drops)
{
	printf("\r\033[2K%s %.0f s of %.0f s", what, elapsed, total);
	if (drops >= 0)
		printf(", %.0f drops so far", drops);
	printf(" (Ctrl-C ends early)");
	fflush(stdout);
}

/* See diagnose_int.h: polls stop every 100 ms, the progress line once a
 * second; the line is erased at the end. */
double diag_wait(struct diag_run *run, double (*sample)(void *ctx),
		 void *ctx)
{
	double t0 = causes_now(), now = t0, shown = -1;
	const struct timespec tick = { 0, 100 * 1000 * 1000 };

	while (!stop && (now = causes_now()) - t0 < run->flags->duration) {
		if (run->progress && now - shown >= 1) {
			progress(run->flags->from ? "watching" : "tracing",
				 now - t0, run->flags->duration,
				 sample ? sample(ctx) : -1);
			shown = now;
		}
		nanosleep(&tick, NULL);
	}
	if (run->progress)
		fputs("\r\033[2K", stdout);
	return now - t0;
}

/* The probe states of a traced run, for the report. */
static const char *run_why(void *ctx, int probe)
{
	const struct diag_run *run = ctx;

	return probe < run->nwhy ? run->why[probe] : NULL;
}

/* Builds and prints the report of run's texts. 0, or -1 with a message. */
static int report(struct diag_run *run)
{
	struct diag_samples *a = diag_samples_parse(run->start);
	struct diag_samples *b = a ? diag_samples_parse(run->end) : NULL;
	struct diag_report *r;

	if (!b) {
		fprintf(stderr, "ftrace_exporter diagnose: cannot read the "
			"/metrics text: %s\n", strerror(errno));
		diag_samples_free(a);
		return -1;
	}
	r = diag_report_new(run->cfg, a, b, run->duration, run_why, run);
	if (!r)
		return -1;
	r->source = run->source;
	r->interrupted = stop;
	if (run->flags->json)
		diag_report_json(r, stdout);
	else
		diag_report_text(r, stdout, isatty(STDOUT_FILENO));
	diag_report_free(r);
	return 0;
}

/* Frees what run.c or from.c left in run (not run itself). */
static void run_free(struct diag_run *run)
{
	for (int i = 0; i < run->nwhy; i++)
		free(run->why[i]);
	free(run->why);
	free(run->start);
	free(run->end);
}

/* See diagnose.h: the config is loaded (and valid) before tracefs is
 * touched; the run owns its texts, the report borrows the config. */
int diagnose_main(int argc, char **argv)
{
	struct diag_flags f;
	struct diag_run run = { .flags = &f };
	struct config *cfg;
	int ret = diag_flags_parse(argc, argv, &f, stdout, stderr);

	if (ret >= 0)
		return ret;
	log_set_level("error");	/* the report says what the log would */
	cfg = config_load(f.config_file, stderr);
	if (!cfg)
		return 1;
	catch_signals();
	run.cfg = cfg;
	run.progress = !f.json && isatty(STDOUT_FILENO);
	ret = f.from ? diag_run_from(&run) : diag_run_trace(&run);
	if (!ret)
		ret = report(&run);
	run_free(&run);
	config_free(cfg);
	if (ret)
		return 1;
	return stop ? 130 : 0;
}
