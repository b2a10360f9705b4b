/* tracefs update: moving a running session to a new config (hot reload)
 * without stopping what both configs trace. Probes are matched by their
 * kernel-side definition and the way they count (the running generation's
 * probe-state table, and pstate_mode_planned() for the new config's): an
 * event stays enabled while a ring-buffer probe of the new config uses it
 * with the same filter, a kprobe stays while one defines it the same way,
 * a hist trigger while one spells it the same way. The
 * function tracer, once on, stays on: its filter is rewritten atomically by
 * session_enable_functions(), and without function probes it is muted
 * (set_ftrace_notrace = the filter), because changing the tracer would
 * reset the ring buffer under the probes that stay.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "log/log.h"
#include "tracefs/session_priv.h"

/* The probe of next that needs what p, counted the way mode says, needs
 * in the kernel, or -1. states: the running generation's (see
 * session_retire()). */
static int need_user(const struct config *next, const struct pstate *states,
		     const struct probe_spec *p, enum pstate_mode mode)
{
	for (int j = 0; j < config_probe_count(next); j++) {
		enum pstate_mode m = pstate_mode_planned(next, j, states);

		if (m != PSTATE_AUTO &&
		    config_same_kernel_need(config_probe(next, j), m == PSTATE_HIST,
					    p, mode == PSTATE_HIST))
			return j;
	}
	return -1;
}

/* The same for probe i of the session's config, counted as states says. */
static bool needed(const struct session *s, const struct config *next,
		   const struct pstate *states, int i)
{
	return need_user(next, states, config_probe(s->cfg, i),
			 pstate_mode(states, i)) >= 0;
}

/* For probe i of the session's config when it has packet labels but
 * counts its tracepoint (no event probe): true when a ring-buffer probe
 * of next counts that tracepoint with the same filter, with packet labels
 * or without (this kernel refuses the event probe of the one as it did
 * i's). config_same_kernel_need() takes a probe with packet labels as its
 * event probe, which i does not have. */
static bool tracepoint_needed(const struct session *s,
			      const struct config *next,
			      const struct pstate *states, int i)
{
	const struct probe_spec *p = config_probe(s->cfg, i), *q;

	if (!session_on_tracepoint(s, i))
		return false;
	for (int j = 0; j < config_probe_count(next); j++) {
		q = config_probe(next, j);
		if (pstate_mode_planned(next, j, states) == PSTATE_RING &&
		    q->kind == PROBE_TRACEPOINT &&
		    !strcmp(q->system, p->system) &&
		    !strcmp(q->event, p->event) &&
		    session_same_str(q->filter, p->filter))
			return true;
	}
	return false;
}

/* True when cfg has a function probe this kernel can trace (an unreadable
 * list: assume so). Without one, session_enable_functions() leaves the
 * filter as it is, so the tracer must be muted on the old one. The list
 * (every traceable function) is read only when cfg has function probes. */
static bool has_functions(const struct config *cfg)
{
	char *list = NULL;
	bool any = false, read = false;

	for (int i = 0; i < config_probe_count(cfg) && !any; i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (p->kind != PROBE_FUNCTION)
			continue;
		if (!read) {
			list = session_traceable_read();
			read = true;
		}
		any = !list || session_traceable(list, p->target);
	}
	free(list);
	return any;
}

/* Turns off the event probe i counts, when no probe of the new config
 * uses it, and clears its filter so a later probe on it starts clean. */
static void event_retire(struct session *s, int i)
{
	const char *sys, *ev;

	session_probe_event(s->tep, s->cfg, i, &sys, &ev);
	tracefs_event_disable(s->inst, sys, ev);
	if (config_probe(s->cfg, i)->filter)
		tracefs_event_file_write(s->inst, sys, ev, "filter", "0");
}

/* Makes the function tracer trace nothing: every function of the filter is
 * also put in set_ftrace_notrace. Switching the tracer to nop instead is
 * refused while readers are open, and resets the ring buffer (losing the
 * kept probes' events) when they are not. */
static void functions_mute(struct session *s)
{
	errno = 0;
	if (session_write_functions(s, NULL, tracefs_function_notrace, NULL)) {
		log_msg(LOG_WARN, "cannot mute the function tracer", "err",
			strerror(errno ? errno : EINVAL), NULL);
		return;
	}
	s->muted = true;
}

void session_retire(struct session *s, const struct config *next,
		    const struct pstate *states)
{
	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (pstate_mode(states, i) == PSTATE_RING &&
		    p->kind != PROBE_FUNCTION && !needed(s, next, states, i) &&
		    !tracepoint_needed(s, next, states, i))
			event_retire(s, i);
	}
	if (s->tracer_set && !s->muted && !has_functions(next))
		functions_mute(s);
}

/* Removes the kprobes of the current config that next does not define the
 * same way (their events are already off: session_retire), then creates
 * those of next the kernel does not list yet: the others are kept, so
 * their events keep counting. A refused one is logged and stays out. */
static void kprobes_update(struct session *s, const struct config *next,
			   const struct pstate *states)
{
	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (p->kind == PROBE_KPROBE && !needed(s, next, states, i))
			kprobe_destroy(p);
	}
	for (int j = 0; j < config_probe_count(next); j++) {
		const struct probe_spec *q = config_probe(next, j);

		if (q->kind == PROBE_KPROBE && !kprobe_exists(q))
			kprobe_make(q);
	}
}

int session_switch(struct session *s, const struct config *next,
		   const struct pstate *states)
{
	struct tep_handle *tep;
	char **why;

	for (int i = 0; i < config_probe_count(s->cfg); i++)
		if (pstate_mode(states, i) == PSTATE_HIST &&
		    !needed(s, next, states, i))
			session_hist_remove(s, i);
	kprobes_update(s, next, states);
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		if (config_packet_labels(s->cfg, i) && !needed(s, next, states, i))
			eprobe_destroy(s->cfg, i);
	tep = session_load_tep(NULL, next);
	why = tep ? eprobes_create(tep, next) : NULL;
	if (!why) {	/* probes made for next: see kprobes_remove() */
		tep_free(tep);
		return -1;
	}
	session_load_events(tep, next);
	eprobes_why_free(s->eprobe_why, config_probe_count(s->cfg));
	s->eprobe_why = why;
	tep_free(s->prev_tep);
	s->prev_tep = s->tep;
	s->cfg = next;
	s->tep = tep;
	return 0;
}
