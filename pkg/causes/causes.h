/* causes: drop-cause gauges (ftrace_drop_cause_rate{cause}) over a sliding
 * window.
 *
 * A cause collects drops from three kinds of input. Reason classes: each
 * series of the causes probe (skb:kfree_skb) is attributed by its raw
 * `reason` code to the cause whose `causes.classes` list names the kernel's
 * name of that code; codes not named anywhere go to "other". Locations: a
 * drop without a reason is attributed by its raw `location` address to the
 * cause whose `causes.locations` list names that function; functions not
 * named go to "other". "Without a reason" is every drop on a kernel whose
 * event has no reason (before 5.17), and a drop whose reason is
 * NOT_SPECIFIED on a newer one, unless causes.classes names NOT_SPECIFIED
 * itself: the kernel's own reason, where it gives one, always wins, being
 * exact where a function name is a guess (one function drops for several
 * reasons), and the locations still sort the drops the kernel left
 * unexplained, which would all be "other" otherwise. Heuristics: a rule
 * adds rate(probe) and subtracts rate(minus), the result clamped at 0; each
 * of the two is the first up probe of its list in the config, so a
 * heuristic preferring a function probe falls back to a tracepoint on a
 * kernel that refuses the function tracer.
 *
 * Rates come from a ring of per-second snapshots of cumulative counts
 * (struct causes_window, pure math, no clock or lock): at a scrape at time
 * now, a rate is (newest - base) / (t_newest - t_base), where base is the
 * oldest snapshot not older than now - window_seconds. Both ends are ticker
 * snapshots taken at the same phase of the readers' batching, so a steady
 * rate is exact (real timestamps), a cause falls to 0 within one window
 * (plus the readers' latency) after its drops stop, and a scrape reads no
 * counters at all.
 *
 * struct causes reads the counters (pkg/metrics), caches the cause of each
 * raw reason code, and owns a ticker thread that snapshots once a second
 * under the caller's mutex, the one scrapes hold.
 */
#ifndef FTE_CAUSES_H
#define FTE_CAUSES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pstate/pstate.h"

#define CAUSES_OTHER "other"
/* The kernel's reason for a drop it did not explain. */
#define CAUSES_UNSPECIFIED "NOT_SPECIFIED"

/* Cumulative inputs of one cause: its rate is d(plus) - d(minus) per
 * second, clamped at 0. */
struct causes_input {
	uint64_t plus, minus;
};

struct causes_window;

/* A ring for ncauses causes over seconds (>= 1) seconds. NULL with errno. */
struct causes_window *causes_window_new(int ncauses, unsigned seconds);
void causes_window_free(struct causes_window *w);
/* Stores a snapshot of in[ncauses] taken at time t (seconds, monotonic,
 * never decreasing), replacing the oldest one when the ring is full. */
void causes_window_push(struct causes_window *w, double t,
			const struct causes_input *in);
/* Writes each cause's rate at time now into rates[ncauses]. All 0 with
 * fewer than two snapshots or when no time passed between them. */
void causes_window_rates(const struct causes_window *w, double now,
			 double *rates);
/* The index of the highest non-zero rate (the first on ties), -1 if none. */
int causes_dominant(const double *rates, int n);

struct causes;

/* Builds the causes of cfg (classes and locations in config order, then
 * heuristics, then "other") over the parser's and metrics' probes; st says
 * which probes count. Logs once where drop causes come from when that is
 * not the reasons alone (no reasons on this kernel, locations in use), for
 * each heuristic that counts with a fallback probe and for each heuristic
 * whose probes are all down. cfg, p and m must outlive the result. NULL
 * with errno. */
struct causes *causes_new(const struct config *cfg, const struct parser *p,
			  const struct metrics *m, const struct pstate *st);
/* Stops the ticker if running and frees everything. NULL is a no-op. */
void causes_free(struct causes *c);
/* Starts the ticker: one snapshot now, then one a second, each taken with
 * lock held, after refresh(refresh_ctx) when not NULL (it brings counters
 * the kernel keeps, such as hist triggers, up to date). Returns 0, or -1
 * with errno. */
int causes_start(struct causes *c, pthread_mutex_t *lock,
		 void (*refresh)(void *ctx), void *refresh_ctx);
/* Joins the ticker; the caller must not hold the lock it was given. */
void causes_stop(struct causes *c);

/* Takes one snapshot at time t. Caller serialises (holds the lock). */
void causes_tick(struct causes *c, double t);
/* Rates of every cause at time now into rates[causes_size(c)], from the
 * snapshots only; the caller serialises it with causes_tick() (holds the
 * lock). */
void causes_rates(const struct causes *c, double now, double *rates);
int causes_size(const struct causes *c);
const char *causes_name(const struct causes *c, int i);
/* False when the causes probe has no usable `reason` (before Linux 5.17,
 * no causes probe, or the probe is down): only heuristics count. */
bool causes_have_reasons(const struct causes *c);
/* True when causes.locations classify drops (see above). */
bool causes_have_locations(const struct causes *c);
/* --check-config: prints to errs, as one warning, the running kernel's
 * drop reasons (p's names of the causes probe's reason enum) that
 * causes.classes does not name: they count as cause other (nothing when
 * cfg has no causes probe or this kernel no reasons); and, when cfg has
 * causes.locations, one note saying which drops they will classify on this
 * kernel. */
void causes_check_reasons(const struct config *cfg, const struct parser *p,
			  FILE *errs);
/* The cause of a drop whose causes-probe labels read reason (NULL: the
 * kernel gives none) and location (NULL: causes.locations not in use), by
 * the rule above: the reason's class, else for a drop without a reason or
 * with NOT_SPECIFIED the location's, else "other". The ticker applies the
 * same rule to raw codes and addresses; `diagnose` to label values read
 * from /metrics. A string owned by cfg, or CAUSES_OTHER. */
const char *causes_cause_of(const struct config *cfg, const char *reason,
			    const char *location);
/* CLOCK_MONOTONIC in seconds: the clock causes_tick()/causes_rates() use. */
double causes_now(void);

#endif
