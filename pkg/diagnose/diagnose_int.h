/* diagnose internals shared by the files of pkg/diagnose and its unit
 * test: flags, /metrics samples, the report model and its two formats.
 *
 * Both ways of running (run.c: an own generation; from.c: a running
 * exporter) end with two /metrics texts, at the start and at the end; the
 * report is built from their difference (report.c), so both give the same
 * shapes by the same code. Causes, probe states and families are the
 * exporter's own (pkg/causes, pkg/collect), never re-derived here.
 */
#ifndef FTE_DIAGNOSE_INT_H
#define FTE_DIAGNOSE_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"

/* flags.c */
struct diag_flags {
	const char *config_file;
	const char *tracefs;	/* NULL: the default mount */
	const char *from;	/* URL of a running exporter's /metrics */
	double duration;	/* seconds */
	bool json;
};

/* Parses "10s", "500ms", "2m" (a bare number is seconds) into seconds,
 * more than 0 and at most a day. -1 when malformed. */
int diag_duration_parse(const char *s, double *seconds);
/* Parses argv (argv[0] the subcommand) into f over its defaults. -1 to go
 * on, or an exit status (0 after --help, 2 after a message on errs). */
int diag_flags_parse(int argc, char **argv, struct diag_flags *f,
		     FILE *out, FILE *errs);

/* samples.c: one /metrics text, parsed. */
#define DIAG_MAX_LABELS 8

struct diag_sample {
	const char *name;
	const char *lname[DIAG_MAX_LABELS], *lvalue[DIAG_MAX_LABELS];
	int nlabels;
	double value;
};

struct diag_samples;

/* Parses text (exposition format 0.0.4; comments skipped). NULL with
 * errno: EINVAL (a line that is no sample), ENOMEM. */
struct diag_samples *diag_samples_parse(const char *text);
void diag_samples_free(struct diag_samples *s);
int diag_samples_count(const struct diag_samples *s);
const struct diag_sample *diag_samples_at(const struct diag_samples *s,
					  int i);
/* The value of label name of x, NULL when x has none. */
const char *diag_sample_label(const struct diag_sample *x, const char *name);
/* The sample of s with x's name and labels, or NULL. */
const struct diag_sample *diag_samples_find(const struct diag_samples *s,
					    const struct diag_sample *x);
/* The value of name{label="value"} (label NULL: no label), 0 if absent. */
double diag_samples_value(const struct diag_samples *s, const char *name,
			  const char *label, const char *value);
/* The sum of every sample called name. */
double diag_samples_sum(const struct diag_samples *s, const char *name);
/* How much counter x of the end text grew since start (a counter that
 * restarted: its whole value). */
double diag_delta(const struct diag_samples *start,
		  const struct diag_sample *x);

/* report.c: the model both formats print. Rates are per second over the
 * duration. Strings are the samples' or the config's. */
struct diag_location {
	const char *location;
	double rate;
};

struct diag_reason {
	const char *reason;
	double rate, drops;	/* drops: the count over the duration */
	struct diag_location *locs;	/* ranked by rate */
	int nlocs;
	/* Whose drops: the address labels (config_address_label) with a
	 * value, "name=value ...", of the causes probe or of a probe on its
	 * event with a reason label, ranked by rate; none without one. */
	struct diag_location *peers;
	int npeers;
};

struct diag_cause {
	const char *cause;
	double rate, share;	/* share of all drops, 0..1 */
	double drops;
	struct diag_reason *reasons;	/* ranked by rate */
	int nreasons;
};

/* A causes.heuristics rule: the classic picture. probe NULL: off. */
struct diag_rule {
	const char *cause, *probe, *minus;
	double plus_rate, minus_rate, rate;
};

struct diag_retransmits {
	double rate;
	bool split;		/* the caller label is counted */
	double rto, fast, other;
	/* The address labels with a value of a probe on
	 * tcp:tcp_retransmit_skb, "saddr=... daddr=...", ranked by rate. */
	struct diag_location *peers;
	int npeers;
};

struct diag_down {
	const char *probe;
	const char *why;	/* NULL: not known (--from) */
	char *hides;		/* what the probe being down hides */
};

struct diag_report {
	char kernel[65];
	const char *source;	/* "instance NAME" or the URL */
	double duration;
	bool interrupted;
	double total;		/* drops/s */
	struct diag_cause *causes;	/* ranked by rate */
	int ncauses;
	struct diag_rule *rules;
	int nrules;
	struct diag_retransmits retransmits;
	struct diag_down *downs;
	int ndowns;
	double events_lost;
	struct diag_samples *start, *end;	/* owned */
	char **owned;		/* strings made for the report (peers) */
	int nowned;
};

/* The report of what changed from start to end over duration seconds for
 * cfg's probes (both taken; cfg borrowed for the report's life). why(i)
 * says why probe i is down where known (NULL: not known). NULL with
 * errno. */
struct diag_report *diag_report_new(const struct config *cfg,
				    struct diag_samples *start,
				    struct diag_samples *end, double duration,
				    const char *(*why)(void *ctx, int probe),
				    void *why_ctx);
void diag_report_free(struct diag_report *r);
/* The causes probe whose family the drops are read from (the reason
 * probe, else the location probe), NULL when cfg has none with a family. */
const struct probe_spec *diag_drops_probe(const struct config *cfg);

/* hints.c: the seed's terms for a cause, a reason, a heuristic. */
const char *diag_hint_explain(const char *cause);
/* The next step for a cause whose top reason is reason (may be NULL). */
const char *diag_hint_next(const char *cause, const char *reason);
const char *diag_hint_rule(const char *cause);

/* report_text.c: for a person, at most DIAG_COLUMNS wide; colour when
 * colour is true. */
#define DIAG_COLUMNS 80
/* The callers of tcp_retransmit_skb that tell RTO from fast retransmit. */
#define CALLER_RTO "tcp_retransmit_timer"
#define CALLER_FAST "tcp_xmit_retransmit_queue"
void diag_report_text(const struct diag_report *r, FILE *out, bool colour);
/* report_json.c */
void diag_report_json(const struct diag_report *r, FILE *out);

/* run.c and from.c: the two /metrics texts. stop is set by SIGINT,
 * SIGTERM or SIGHUP: the wait ends early and everything made is removed. progress:
 * a live line on stdout (a terminal). 0, or -1 with a message on stderr. */
struct diag_run {
	const struct diag_flags *flags;
	const struct config *cfg;	/* the config as loaded */
	bool progress;
	char *start, *end;	/* malloc'd /metrics texts */
	double duration;
	char source[128];
	char **why;		/* [nprobes] why each probe is down, or NULL */
	int nwhy;
};
int diag_run_trace(struct diag_run *run);
int diag_run_from(struct diag_run *run);
/* Waits until run->flags->duration passed or stop is set, showing
 * progress on a terminal, where sample(ctx) gives the drops so far (NULL:
 * none shown; not called without progress). The time waited, in seconds. */
double diag_wait(struct diag_run *run, double (*sample)(void *ctx),
		 void *ctx);
/* GET url: the body of a 200 answer (malloc'd), NULL with a message in
 * err. */
char *diag_http_get(const char *url, char *err, size_t len);

#endif
