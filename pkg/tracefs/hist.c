/* tracefs hist: kernel hist triggers for probes with mode: hist, and for
 * mode: auto probes where the kernel takes the trigger. The trigger is
 * appended to the event in our instance, which stays disabled:
 * the kernel counts in the trigger (soft-enabled event) and nothing reaches
 * the ring buffer or the readers. The counts are read from the event's hist
 * file when wanted. Triggers are always appended, never written with
 * O_TRUNC, which would remove every trigger of the event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "tracefs/session_priv.h"

/* Table sizes the kernel accepts (TRACING_MAP_BITS 7..17). The trigger is
 * spelled as the kernel lists it (keys, vals, sort, size, filter), so a
 * kept one is found again in the trigger file. */
#define HIST_SIZE_MIN 128u
#define HIST_SIZE_MAX 131072u

/* The smallest table size that holds max_series entries. */
static unsigned hist_size(unsigned max_series)
{
	unsigned size = HIST_SIZE_MIN;

	while (size < max_series && size < HIST_SIZE_MAX)
		size <<= 1;
	return size;
}

int session_hist_trigger(const struct probe_spec *p, char *buf, size_t size)
{
	size_t len = snprintf(buf, size, "hist:keys=");

	for (int l = 0; l < p->nlabels && len < size; l++)
		len += snprintf(buf + len, size - len, "%s%s", l ? "," : "",
				p->labels[l]);
	if (!p->nlabels && len < size)
		len += snprintf(buf + len, size - len, "common_type");
	if (len < size)
		len += snprintf(buf + len, size - len,
				":vals=hitcount:sort=hitcount:size=%u%s%s",
				hist_size(p->max_series), p->filter ? " if " : "",
				p->filter ? p->filter : "");
	return len < size ? 0 : -1;
}

/* The event probe i of the session counts (session_probe_event()). */
struct ev_name {
	const char *sys, *ev;
};

static struct ev_name probe_ev(const struct session *s, int i)
{
	struct ev_name n;

	session_probe_event(s->tep, s->cfg, i, &n.sys, &n.ev);
	return n;
}

/* True when the event's trigger file lists trigger (kept by a reload). */
static bool trigger_present(struct session *s, struct ev_name e,
			    const char *trigger)
{
	char *list = tracefs_event_file_read(s->inst, e.sys, e.ev, "trigger",
					     NULL);
	bool found = false;
	size_t len = strlen(trigger);

	for (char *line = list; line && *line && !found;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		found = !strncmp(line, trigger, len) &&
			(line[len] == '\n' || line[len] == ' ');
	free(list);
	return found;
}

bool session_hist_supported(const struct probe_spec *p)
{
	return tracefs_event_file_exists(NULL, p->system, p->event, "hist");
}

int session_hist_enable(struct session *s, int probe, const char **why)
{
	const struct probe_spec *p = config_probe(s->cfg, probe);
	struct ev_name e = probe_ev(s, probe);
	char trigger[1024];

	if (!tracefs_event_file_exists(s->inst, e.sys, e.ev, "hist")) {
		*why = SESSION_NO_HIST;
		return -1;
	}
	if (session_hist_trigger(p, trigger, sizeof(trigger))) {
		*why = "hist trigger too long";
		return -1;
	}
	if (trigger_present(s, e, trigger))
		return 0;
	errno = 0;
	if (tracefs_event_file_append(s->inst, e.sys, e.ev, "trigger",
				      trigger) < 0) {
		*why = session_errno_reason("hist trigger refused");
		return -1;
	}
	return 0;
}

void session_hist_remove(struct session *s, int probe)
{
	struct ev_name e = probe_ev(s, probe);
	char trigger[1024] = "!";

	if (!session_hist_trigger(config_probe(s->cfg, probe), trigger + 1,
				  sizeof(trigger) - 1) &&
	    trigger_present(s, e, trigger + 1))
		tracefs_event_file_append(s->inst, e.sys, e.ev, "trigger",
					  trigger);
}

char *session_hist_read(struct session *s, int probe)
{
	struct ev_name e = probe_ev(s, probe);

	return tracefs_event_file_read(s->inst, e.sys, e.ev, "hist", NULL);
}

/* Removes every hist trigger listed for the event sys:ev in inst; nothing
 * when the event has no trigger file (this kernel lacks the event). */
static void event_hist_clear(struct tracefs_instance *inst, const char *sys,
			     const char *ev)
{
	char *list = tracefs_event_file_read(inst, sys, ev, "trigger", NULL);
	char *line, *save = NULL, rm[1024];

	for (line = list ? strtok_r(list, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "hist:", 5))
			continue;
		line[strcspn(line, "[")] = '\0';	/* " [active]" */
		snprintf(rm, sizeof(rm), "!%s", line);
		tracefs_event_file_append(inst, sys, ev, "trigger", rm);
	}
	free(list);
}

/* Every probe that may have put a trigger (hist and auto: an auto probe's
 * way is not needed, a stale instance has no record of it), on its event
 * and on its event probe, if it wants one: which one it counted is not
 * known here either, and a trigger left on the event probe would keep the
 * kernel from removing it. */
void session_hist_clear(struct tracefs_instance *inst,
			const struct config *cfg)
{
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (p->mode == PROBE_COUNT)
			continue;
		event_hist_clear(inst, p->system, p->event);
		if (config_packet_labels(cfg, i))
			event_hist_clear(inst, config_kprobe_group(cfg),
					 p->name);
	}
}
