/* tracefs update: moving a running session to a new config (hot reload)
 * without stopping what both configs trace. Probes are matched by their
 * kernel-side definition: an event stays enabled while a probe of the new
 * config uses it with the same filter, a kprobe stays while one defines it
 * the same way, a hist trigger while one spells it the same way. The
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

/* True when p and q need the same event in the kernel: a tracepoint with the
 * same filter, or a kprobe with the same definition. */
static bool same_event(const struct probe_spec *p, const struct probe_spec *q)
{
	if (p->kind != q->kind || p->kind == PROBE_FUNCTION || p->hist ||
	    q->hist || strcmp(p->system, q->system) ||
	    strcmp(p->event, q->event))
		return false;
	if (p->kind == PROBE_KPROBE)
		return !strcmp(p->target, q->target) &&
		       session_same_str(p->fetchargs, q->fetchargs);
	return session_same_str(p->filter, q->filter);
}

/* True when a hist probe of cfg has hist probe p's trigger. */
static bool hist_kept(const struct config *cfg, const struct probe_spec *p)
{
	char a[1024], b[1024];

	if (session_hist_trigger(p, a, sizeof(a)))
		return false;
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *q = config_probe(cfg, i);

		if (q->hist && !strcmp(q->system, p->system) &&
		    !strcmp(q->event, p->event) &&
		    !session_hist_trigger(q, b, sizeof(b)) && !strcmp(a, b))
			return true;
	}
	return false;
}

/* The probe of cfg that needs p's event enabled, or -1. */
static int event_user(const struct config *cfg, const struct probe_spec *p)
{
	for (int i = 0; i < config_probe_count(cfg); i++)
		if (same_event(config_probe(cfg, i), p))
			return i;
	return -1;
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

/* Turns off an event no probe of the new config uses, and clears its filter
 * so a later probe on it starts clean. */
static void event_retire(struct session *s, const struct probe_spec *p)
{
	tracefs_event_disable(s->inst, p->system, p->event);
	if (p->filter)
		tracefs_event_file_write(s->inst, p->system, p->event,
					 "filter", "0");
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

void session_retire(struct session *s, const struct config *next)
{
	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (p->hist && !hist_kept(next, p))
			session_hist_remove(s, p);
		else if (!p->hist && p->kind != PROBE_FUNCTION &&
			 event_user(next, p) < 0)
			event_retire(s, p);
	}
	if (s->tracer_set && !s->muted && !has_functions(next))
		functions_mute(s);
}

/* Removes kprobe i of the current config unless next defines it the same
 * way; its event is already off (session_retire). */
static void kprobe_retire(struct session *s, int i, const struct config *next)
{
	const struct probe_spec *p = config_probe(s->cfg, i);
	struct tracefs_dynevent *ev;

	if (p->kind != PROBE_KPROBE || !s->kprobe_made[i] ||
	    event_user(next, p) >= 0)
		return;
	s->kprobe_made[i] = false;
	ev = tracefs_dynevent_get(TRACEFS_DYNEVENT_KPROBE, p->system, p->event);
	if (!ev || tracefs_dynevent_destroy(ev, false))
		log_msg(LOG_WARN, "cannot remove kprobe", "probe", p->name,
			"err", strerror(errno ? errno : ENOENT), NULL);
	tracefs_dynevent_free(ev);
}

/* made[j]: kprobe j of next exists, kept from the current config or created
 * now. */
static void kprobes_adopt(struct session *s, const struct config *next,
			  bool *made)
{
	for (int j = 0; j < config_probe_count(next); j++) {
		const struct probe_spec *q = config_probe(next, j);
		int i;

		if (q->kind != PROBE_KPROBE)
			continue;
		i = event_user(s->cfg, q);
		made[j] = (i >= 0 && s->kprobe_made[i]) || kprobe_make(q);
	}
}

struct tep_handle *session_switch(struct session *s, const struct config *next)
{
	bool *made = calloc(config_probe_count(next) + 1, sizeof(*made));
	struct tep_handle *old = s->tep, *tep;

	if (!made)
		return NULL;
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		kprobe_retire(s, i, next);
	kprobes_adopt(s, next, made);
	tep = session_load_tep(NULL, next);
	if (!tep) {	/* kprobes made for next: see kprobes_remove() */
		free(made);
		return NULL;
	}
	free(s->kprobe_made);
	s->kprobe_made = made;
	s->cfg = next;
	s->tep = tep;
	return old;
}
