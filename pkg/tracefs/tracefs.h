/* tracefs: the exporter's own tracefs instance (libtracefs).
 *
 * session_open() takes the instance's owner lock (held until
 * session_close(); the kernel drops it when the owner dies) before it
 * changes anything: an instance a live exporter owns is left alone and
 * session_open() fails with EBUSY, naming the owner in the log. A stale
 * instance of the same name (its owner gone) is cleaned and made again,
 * with tracing off; options/disable_on_free is armed and free_buffer held
 * open (so a killed exporter leaves no tracing running), and the config's
 * kprobes are created in the instance's private group. session_enable()
 * turns each probe on (tracepoint filter before enable, function filter
 * before tracer); a probe the kernel refuses is reported down with its
 * reason and the others go on.
 * The global tracer, its events and tracing_on are never touched.
 */
#ifndef FTE_TRACEFS_H
#define FTE_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "pstate/pstate.h"

struct session;
struct tep_handle;

struct cpu_stats {
	uint64_t overrun, dropped, commit_overrun, entries;
};

/* dir: tracefs mount point (NULL: the default). NULL with errno and a log
 * line on failure (EBUSY: a live exporter owns the instance); nothing is
 * left behind and another owner's instance is not touched. */
struct session *session_open(const char *dir, const struct config *cfg);
/* Stops tracing, removes kprobes of our group and the instance. */
void session_close(struct session *s);

/* Event formats of every system the config uses, plus kallsyms. Owned by
 * the session. */
struct tep_handle *session_tep(struct session *s);
/* Enables probe i in the kernel. Returns 0 or -1; *why says why not. */
int session_enable(struct session *s, int probe, const char **why);
/* Why a function probe is down when set_ftrace_filter refused its target. */
#define SESSION_FUNCTION_REFUSED "function not traceable on this kernel " \
	"(not in available_filter_functions, or refused by set_ftrace_filter)"
/* Sets the function filter then the function tracer for the function
 * probes marked in on[]. A refused target is taken out of on[] (its probe
 * is down with SESSION_FUNCTION_REFUSED) and the others go on. 0, or -1
 * with *why for every probe in on[] (none traceable, or the tracer
 * refused). */
int session_enable_functions(struct session *s, bool *on, const char **why);
/* The reload steps below take states, the probe-state table of the
 * running generation (of the session's config): it says which way each of
 * its probes counts (an auto probe: ring buffer or hist trigger). Each
 * probe of next is matched by the way it will count
 * (pstate_mode_planned(next, j, states)); an auto probe that continues no
 * up probe matches nothing (its generation chooses its way later), so
 * what it would share is retired and made again, and it starts from zero
 * as a new probe does. */
/* Hot reload, step 1, while readers still run: turns off the ring-buffer
 * events no probe of next needs (and the function tracer), so what is left
 * in the buffers can be drained by the old parser. Hist triggers stay (they
 * put nothing in the buffers; the old generation may still read them). */
void session_retire(struct session *s, const struct config *next,
		    const struct pstate *states);
/* Hot reload, step 2, readers stopped: removes the hist triggers and
 * kprobes next does not define, creates its new kprobes, loads its event
 * formats and makes next the session's config. The previous formats stay
 * valid until the next switch or session_close() (the previous config's
 * parser reads them until it is freed). 0, or -1 with errno (the session
 * keeps its config). Probes are then turned on with session_enable*() as
 * at start. */
int session_switch(struct session *s, const struct config *next,
		   const struct pstate *states);
/* Why a hist or auto probe cannot have a trigger on this kernel. */
#define SESSION_NO_HIST "this kernel has no hist triggers (CONFIG_HIST_TRIGGERS)"
/* mode: hist, and auto first. Appends probe's hist trigger to its event
 * (left disabled: the kernel counts, nothing reaches the readers); 0 when
 * it is there already. -1 with *why when the kernel refuses it or has no
 * hist triggers (SESSION_NO_HIST). */
int session_hist_enable(struct session *s, int probe, const char **why);
/* --check-config: true when p's event has hist triggers on this kernel
 * (session_load_tep() chose the tracefs mount). */
bool session_hist_supported(const struct probe_spec *p);
/* The event's hist file (malloc'd text), NULL with errno. */
char *session_hist_read(struct session *s, int probe);
/* The hist trigger text of p, as the kernel lists it; -1 if too long. */
int session_hist_trigger(const struct probe_spec *p, char *buf, size_t size);
int session_start(struct session *s);
int session_stop(struct session *s);

/* Opens per_cpu/cpuN/trace_pipe_raw non-blocking; -1 with errno. */
int session_cpu_open(struct session *s, int cpu);
int session_cpu_stats(struct session *s, int cpu, struct cpu_stats *st);
int session_cpu_count(void);

/* Loads the event formats the config needs, without creating anything. */
struct tep_handle *session_load_tep(const char *dir, const struct config *cfg);
/* Kernel checks of function and kprobe targets for --check-config, without
 * creating anything: prints each problem as "FILE:LINE:COL: ..." to errs.
 * Returns the number of errors (warnings are printed, not counted). */
int session_check_functions(const char *dir, const struct config *cfg,
			    FILE *errs);

/* Event probes that derive packet labels from an skb pointer. */
struct kbtf_skb;
/* Writes the fetch arguments ("NAME=+OFF(+OFF(SKB)):TYPE ...") for the
 * derivable labels among labels[0..n) into buf, skb being the pointer
 * argument (e.g. "$skbaddr"), with the offsets of l; any window label adds
 * the PKTWIN_F_* fields once. Returns 0, or -1 with errno ENOENT (none
 * derivable), ENOSPC (buf too small) or EINVAL (a member of a size no
 * fetch type has). */
int session_eprobe_fetchargs(const struct kbtf_skb *l, const char *skb,
			     const char *const *labels, int n, char *buf,
			     size_t size);
/* Creates the event probe group/event on target_system.target_event with
 * fetchargs (event probes are global: group is the instance's private
 * kprobe group, whose every dynamic event the owner removes at start and
 * at close). Returns 0, or -1 with errno: the kernel's refusal (EINVAL or
 * ENOENT where it has no event probes: it lists the "e:" synopsis in its
 * README all the same), after which nothing of it is left. */
int session_eprobe_make(const char *group, const char *event,
			const char *target_system, const char *target_event,
			const char *fetchargs);
/* The kernel event probe i of cfg counts, into *sys and *ev: its event
 * probe (config_kprobe_group(), the probe's name) when tep holds that
 * event's format, i.e. the session made it; else the probe's own event.
 * True for the event probe. The one rule of which event a probe with
 * packet labels counts: the session, the parser and the hist side ask it. */
bool session_probe_event(struct tep_handle *tep, const struct config *cfg,
			 int i, const char **sys, const char **ev);
/* Why probe i of the session's config, which wants an event probe for its
 * packet labels, has none (those labels stay empty; it counts on its
 * tracepoint); NULL when it has one or wants none. */
const char *session_eprobe_why(const struct session *s, int i);
/* --check-config: tries to make the event probe of every probe of cfg
 * that wants one (its tracepoint's format in tep) in a group of its own
 * ("fte_check_PID": an exporter running on the config keeps its own), and
 * removes it at once: only trying tells whether the kernel takes event
 * probes. Prints a warning for each it refuses (those labels will be
 * empty) and a note for each it takes. Returns 0. */
int session_check_eprobes(struct tep_handle *tep, const struct config *cfg,
			  FILE *errs);

#endif
