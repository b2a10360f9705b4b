/* generation: everything that belongs to one loaded config while it runs:
 * the config, the parser, the counters, the per-CPU parse state and
 * readers, the probe-state table (pkg/pstate), the hist refresh, the drop
 * causes with their ticker, and the metric families built for it.
 *
 * A hot reload builds the next generation beside the running one on the
 * same session, carries the counters of the probes both define the same
 * way, and frees the old one. The session (the tracefs instance) and the
 * web server outlive generations; cmd/ftrace_exporter orders the steps.
 */
#ifndef FTE_GENERATION_H
#define FTE_GENERATION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "collect/collect.h"
#include "config/config.h"
#include "expose/expose.h"
#include "pstate/pstate.h"
#include "tracefs/tracefs.h"

struct generation;

/* What a generation borrows from its caller; all of it outlives it. */
struct generation_env {
	struct session *session;	/* switched to the config already */
	const struct collect_status *status;	/* the reload status */
};

/* Builds the generation of cfg on env->session: resolves every probe
 * against the session's event formats, turns each on (a probe the kernel
 * refuses is down with its reason in the probe-state table, logged once;
 * the others go on), and builds its counters, parse state, drop causes and
 * metric families. Nothing runs yet. Takes cfg on success; NULL with errno
 * (ENOMEM) and cfg still the caller's on failure. */
struct generation *generation_new(struct config *cfg,
				  const struct generation_env *env);
/* The same for a reload: cfg was loaded after prev's config
 * (config_load_after()), and each auto probe of cfg that continues an up
 * probe of prev counts the way that one did (pkg/pstate). prev is only
 * read here; generation_carry() then moves its counters. */
struct generation *generation_new_after(struct config *cfg,
					const struct generation_env *env,
					const struct generation *prev);
/* Hot reload: g's probes that continue a probe of prev (same name and
 * definition, config_probe_previous()) take its counters, and g takes the
 * per-CPU totals; logs how many probes were kept, started and removed.
 * prev must be stopped (its readers drained). */
void generation_carry(struct generation *g, const struct generation *prev);
/* Starts the readers on the session's per-CPU buffers with g's parser,
 * then the causes ticker, which runs generation_refresh() and a snapshot
 * once a second holding lock (the lock scrapes hold). 0, or -1 with errno
 * (what started is stopped again). */
int generation_start(struct generation *g, pthread_mutex_t *lock);
/* Reads the kernel-held counts (hist triggers of the up probes that count
 * by one: mode hist, or auto where the trigger was taken) into the
 * counters; the caller holds the lock given to generation_start (or g is
 * not started). */
void generation_refresh(struct generation *g);
/* One scrape: the kernel-held counts read (generation_refresh), g's
 * families written into w, and w's text detached: malloc'd, its length in
 * *len; NULL on ENOMEM. Lock held. */
char *generation_scrape(struct generation *g, struct expo *w, size_t *len);
/* Stops g's threads: the ticker first (the caller must not hold the lock
 * given to generation_start), then the readers, which drain the buffers
 * into g's counters. Idempotent; g can still be read, carried and
 * scraped. */
void generation_stop(struct generation *g);
/* Stops g if needed and frees it with its config. NULL is a no-op. */
void generation_free(struct generation *g);

/* --check-config: what a generation of cfg would find on this kernel
 * (tracefs: NULL for the default mount), without creating anything: each
 * probe that would be down, label fields the events lack and drop reasons
 * causes.classes does not name, printed to errs as FILE:LINE:COL. Returns
 * the number of errors (warnings are not counted). */
int generation_check(const char *tracefs, const struct config *cfg,
		     FILE *errs);

const struct config *generation_config(const struct generation *g);
const struct pstate *generation_states(const struct generation *g);

#endif
