/* pstate: the probe-state table of one generation: for every probe of its
 * config, up (the kernel accepted it and it counts) or down with the
 * reason, and the way it counts: ring-buffer records read by the exporter,
 * or a kernel hist trigger. The generation fills it while it turns probes
 * on (pkg/generation/enable.c: that is where a `mode: auto` probe's way is
 * chosen), then it is read-only: the parser counts only up probes and
 * expects records only of ring-buffer ones, the hist refresh reads only
 * hist ones, the collectors report it as ftrace_exporter_probe_up and
 * ftrace_exporter_probe_mode, the drop causes use only up probes, the
 * tracefs reload steps keep or remove an auto probe's event or trigger by
 * its way, and --check-config and the log print the reasons. The one
 * record of probe state: nothing else keeps a copy.
 */
#ifndef FTE_PSTATE_H
#define FTE_PSTATE_H

#include <stdbool.h>

#include "config/config.h"

struct pstate;

/* The way a probe counts. PSTATE_AUTO is only an answer of
 * pstate_mode_planned(): an auto probe whose way is not chosen yet. */
enum pstate_mode { PSTATE_RING, PSTATE_HIST, PSTATE_AUTO };

/* A table of n probes, all down with no reason yet, PSTATE_RING. NULL
 * with errno. */
struct pstate *pstate_new(int n);
void pstate_free(struct pstate *t);
int pstate_count(const struct pstate *t);
/* Marks probe i up (why NULL) or down with why (copied). -1 on ENOMEM,
 * the probe then down with a generic reason. */
int pstate_set(struct pstate *t, int i, const char *why);
bool pstate_up(const struct pstate *t, int i);
/* Why probe i counts on its tracepoint without the event probe its packet
 * labels want (those labels stay empty), copied; NULL clears it. -1 on
 * ENOMEM. pstate_fallback() is NULL when it has its event probe or wants
 * none. */
int pstate_set_fallback(struct pstate *t, int i, const char *why);
const char *pstate_fallback(const struct pstate *t, int i);
/* Why probe i is down; NULL when up. */
const char *pstate_why(const struct pstate *t, int i);
/* The up column, [count]: for the per-event path, which indexes it
 * without a call. Valid as long as t. */
const bool *pstate_up_flags(const struct pstate *t);
/* Probe i's way of counting (PSTATE_RING or PSTATE_HIST); set it before
 * its state. A down probe keeps the way last tried. */
void pstate_set_mode(struct pstate *t, int i, enum pstate_mode mode);
enum pstate_mode pstate_mode(const struct pstate *t, int i);
/* "ring_buffer" or "hist" (the log's and /metrics' spelling); "auto". */
const char *pstate_mode_name(enum pstate_mode mode);
/* How probe j of cfg will count before its generation turns it on: the
 * configured way (count, function and kprobe probes: the ring buffer;
 * hist: a trigger), and for an auto probe the way of the up probe of prev
 * it continues (config_probe_previous(): a kept auto probe keeps its way,
 * so its trigger or its event, and its counts, go on); PSTATE_AUTO for an
 * auto probe that continues none that was up (its generation chooses).
 * prev is the table of the generation cfg was loaded after, or NULL. */
enum pstate_mode pstate_mode_planned(const struct config *cfg, int j,
				     const struct pstate *prev);

#endif
