/* pstate: the probe-state table of one generation: for every probe of its
 * config, up (the kernel accepted it and it counts) or down with the
 * reason. The generation fills it while it turns probes on, then it is
 * read-only: the parser counts only up probes, the collectors report it as
 * ftrace_exporter_probe_up, the drop causes use only up probes, and
 * --check-config and the log print the reasons. The one record of probe
 * state: nothing else keeps a copy.
 */
#ifndef FTE_PSTATE_H
#define FTE_PSTATE_H

#include <stdbool.h>

struct pstate;

/* A table of n probes, all down with no reason yet. NULL with errno. */
struct pstate *pstate_new(int n);
void pstate_free(struct pstate *t);
int pstate_count(const struct pstate *t);
/* Marks probe i up (why NULL) or down with why (copied). -1 on ENOMEM,
 * the probe then down with a generic reason. */
int pstate_set(struct pstate *t, int i, const char *why);
bool pstate_up(const struct pstate *t, int i);
/* Why probe i is down; NULL when up. */
const char *pstate_why(const struct pstate *t, int i);
/* The up column, [count]: for the per-event path, which indexes it
 * without a call. Valid as long as t. */
const bool *pstate_up_flags(const struct pstate *t);

#endif
