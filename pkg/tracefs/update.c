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

/* The probe of cfg that needs what p needs in the kernel, or -1. */
static int event_user(const struct config *cfg, const struct probe_spec *p)
{
	for (int i = 0; i < config_probe_count(cfg); i++)
		if (config_same_kernel_event(config_probe(cfg, i), p))
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

		if (!p->hist && p->kind != PROBE_FUNCTION &&
		    event_user(next, p) < 0)
			event_retire(s, p);
	}
	if (s->tracer_set && !s->muted && !has_functions(next))
		functions_mute(s);
}

/* Removes the kprobes of the current config that next does not define the
 * same way (their events are already off: session_retire), then creates
 * those of next the kernel does not list yet: the others are kept, so
 * their events keep counting. A refused one is logged and stays out. */
static void kprobes_update(struct session *s, const struct config *next)
{
	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (p->kind == PROBE_KPROBE && event_user(next, p) < 0)
			kprobe_destroy(p);
	}
	for (int j = 0; j < config_probe_count(next); j++) {
		const struct probe_spec *q = config_probe(next, j);

		if (q->kind == PROBE_KPROBE && !kprobe_exists(q))
			kprobe_make(q);
	}
}

int session_switch(struct session *s, const struct config *next)
{
	struct tep_handle *tep;

	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (p->hist && event_user(next, p) < 0)
			session_hist_remove(s, p);
	}
	kprobes_update(s, next);
	tep = session_load_tep(NULL, next);
	if (!tep)	/* kprobes made for next: see kprobes_remove() */
		return -1;
	tep_free(s->prev_tep);
	s->prev_tep = s->tep;
	s->cfg = next;
	s->tep = tep;
	return 0;
}
