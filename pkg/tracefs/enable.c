/* tracefs enable: turning probes on in the session's instance. A refusal is
 * returned with a reason; it never stops the other probes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "tracefs/session_priv.h"

const char *session_errno_reason(const char *what)
{
	static __thread char buf[160];

	snprintf(buf, sizeof(buf), "%s: %s", what, strerror(errno ? errno : EINVAL));
	return buf;
}

bool session_same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}
/* Turns on the event probe i counts (session_probe_event()), its filter
 * first. */
static int enable_event(struct session *s, int i, const char **why)
{
	const char *filter = config_probe(s->cfg, i)->filter, *sys, *ev;

	session_probe_event(s->tep, s->cfg, i, &sys, &ev);
	errno = 0;
	if (filter && tracefs_event_file_write(s->inst, sys, ev, "filter",
					       filter) < 0) {
		*why = session_errno_reason("filter rejected");
		return -1;
	}
	errno = 0;
	if (tracefs_event_enable(s->inst, sys, ev)) {
		*why = session_errno_reason("cannot enable event");
		return -1;
	}
	return 0;
}

/* True when probe i has packet labels but counts its tracepoint (no
 * event probe) and another probe writes that tracepoint's filter with a
 * different one: any probe without packet labels that is not counted by
 * a hist trigger (config_filter_conflict() left probe i out), or an
 * earlier one also without its event probe. The probe without packet
 * labels keeps the filter. */
static bool fallback_conflict(struct session *s, int i)
{
	const struct probe_spec *p = config_probe(s->cfg, i), *q;
	int first = config_event_first(s->cfg, i);

	if (!session_on_tracepoint(s, i))
		return false;
	for (int j = 0; j < config_probe_count(s->cfg); j++) {
		q = config_probe(s->cfg, j);
		if (j == i || config_event_first(s->cfg, j) != first ||
		    q->mode == PROBE_HIST ||
		    session_same_str(q->filter, p->filter))
			continue;
		if (!config_packet_labels(s->cfg, j) ||
		    (j < i && session_on_tracepoint(s, j)))
			return true;
	}
	return false;
}

int session_enable(struct session *s, int probe, const char **why)
{
	const struct probe_spec *p = config_probe(s->cfg, probe);

	if (p->kind == PROBE_FUNCTION) {
		*why = "function probes are enabled together";
		return -1;
	}
	/* an instance has one filter per event (hist probes filter in their
	 * own trigger) */
	if (config_filter_conflict(s->cfg, probe) >= 0 ||
	    fallback_conflict(s, probe)) {
		*why = "another probe on this event has a different filter";
		return -1;
	}
	return enable_event(s, probe, why);
}

static bool wanted(const struct session *s, const bool *on, int i)
{
	return on ? on[i] : config_probe(s->cfg, i)->kind == PROBE_FUNCTION;
}

/* Writes one target into the open sequence; flags carries TRACEFS_FL_RESET
 * until the file is open (so it is truncated once, by the first target
 * that opens it). libtracefs's answer: 0, 1 when refused before the file
 * was opened (nothing written), -1 when refused after. */
static int write_target(struct session *s, int i, ftrace_list_fn write,
			unsigned *flags)
{
	int ret = write(s->inst, config_probe(s->cfg, i)->target, NULL,
			*flags | TRACEFS_FL_CONTINUE);

	if (ret != 1)
		*flags = 0;
	return ret;
}

/* Every target goes with TRACEFS_FL_CONTINUE, so one refused target (e.g.
 * in kallsyms but not traceable) never ends the sequence; a last call
 * without a filter closes it, which libtracefs allows in any state, and
 * the kernel applies the list then. Nothing is truncated when no target
 * was written: the filter stays as it was (an empty filter would trace
 * every function). */
int session_write_functions(struct session *s, const bool *on,
			    ftrace_list_fn write, bool *refused)
{
	int n = config_probe_count(s->cfg), written = 0, err = 0;
	unsigned flags = TRACEFS_FL_RESET;

	for (int i = 0; i < n; i++) {
		if (!wanted(s, on, i))
			continue;
		errno = 0;
		if (write_target(s, i, write, &flags) == 0)
			written++;
		else if (refused)
			refused[i] = true;
		if (!written && !err)
			err = errno;
	}
	write(s->inst, NULL, NULL, 0);
	errno = err;
	return written ? 0 : -1;
}

/* Takes the function probes in on[] whose target the filter refused out
 * of on[] (they report SESSION_FUNCTION_REFUSED); -1 when none is left. */
static int write_filter(struct session *s, bool *on)
{
	int n = config_probe_count(s->cfg);
	bool *refused = calloc(n + 1, sizeof(*refused));
	int ret;

	if (!refused)
		return -1;
	ret = session_write_functions(s, on, tracefs_function_filter, refused);
	for (int i = 0; i < n; i++)
		on[i] &= !refused[i];
	free(refused);
	return ret;
}

int session_enable_functions(struct session *s, bool *on, const char **why)
{
	errno = 0;
	s->filter_set = true;
	if (write_filter(s, on)) {	/* EINVAL: the kernel refused a name */
		*why = errno && errno != EINVAL ?
		       session_errno_reason("function filter refused") :
		       SESSION_FUNCTION_REFUSED;
		return -1;
	}
	if (s->muted && tracefs_function_notrace(s->inst, NULL, NULL,
						 TRACEFS_FL_RESET) == 0)
		s->muted = false;	/* after the new filter: see update.c */
	errno = 0;
	if (tracefs_tracer_set(s->inst, TRACEFS_TRACER_FUNCTION)) {
		*why = session_errno_reason("function tracer refused");
		return -1;
	}
	s->tracer_set = true;
	return 0;
}

/* Writes nop to the instance's current_tracer (not tracefs_tracer_clear(),
 * which did not switch an instance's tracer off on 6.1). -1 with errno. */
int session_tracer_off(struct session *s)
{
	if (tracefs_instance_file_write(s->inst, "current_tracer", "nop") < 0)
		return -1;
	s->tracer_set = false;
	return 0;
}
