/* tracefs kprobes: created in the config's private group (kprobes are
 * global, not per instance) and only that group is ever removed, with the
 * event probes made there (eprobe.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "log/log.h"
#include "tracefs/session_priv.h"

/* Removes every kprobe and event probe in our group: at start those a
 * killed run left (stale: each one logged), at close our own. */
static void group_clean(const char *group, bool stale)
{
	struct tracefs_dynevent **all;
	char *name;

	all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE |
				       TRACEFS_DYNEVENT_EPROBE, group);
	for (int i = 0; all && all[i]; i++) {
		name = NULL;
		tracefs_dynevent_info(all[i], NULL, &name, NULL, NULL, NULL);
		if (tracefs_dynevent_destroy(all[i], true))
			log_msg(LOG_WARN, "cannot remove dynamic event", "group",
				group, "event", name, "err", strerror(errno),
				NULL);
		else if (stale)
			log_msg(LOG_INFO, "removed stale dynamic event",
				"group", group, "event", name, NULL);
		free(name);
	}
	tracefs_dynevent_list_free(all);
}

bool kprobe_make(const struct probe_spec *p)
{
	if (tracefs_kprobe_raw(p->system, p->event, p->target, p->fetchargs)) {
		log_msg(LOG_WARN, "kernel refused kprobe", "probe", p->name,
			"err", strerror(errno ? errno : EINVAL), NULL);
		return false;
	}
	return true;
}

/* Creates the config's kprobes, after removing any a killed run left in
 * the group. A refused kprobe is logged and left out: its event then has
 * no format, so the parser reports its probe down. Never fails. */
int kprobes_create(struct session *s)
{
	s->group_owned = true;
	group_clean(config_kprobe_group(s->cfg), true);
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		if (config_probe(s->cfg, i)->kind == PROBE_KPROBE)
			kprobe_make(config_probe(s->cfg, i));
	return 0;
}

bool kprobe_exists(const struct probe_spec *p)
{
	struct tracefs_dynevent *ev;

	ev = tracefs_dynevent_get(TRACEFS_DYNEVENT_KPROBE, p->system, p->event);
	tracefs_dynevent_free(ev);
	return ev;
}

/* A kprobe the kernel does not list is already gone: nothing to log. */
void kprobe_destroy(const struct probe_spec *p)
{
	struct tracefs_dynevent *ev;

	ev = tracefs_dynevent_get(TRACEFS_DYNEVENT_KPROBE, p->system, p->event);
	if (ev && tracefs_dynevent_destroy(ev, false))
		log_msg(LOG_WARN, "cannot remove kprobe", "probe", p->name,
			"err", strerror(errno ? errno : EBUSY), NULL);
	tracefs_dynevent_free(ev);
}

/* Removes the whole group: also kprobes a failed reload made for a config
 * the session never switched to (the group is the instance's, the same for
 * every config a reload accepts). */
void kprobes_remove(struct session *s)
{
	if (s->group_owned)
		group_clean(config_kprobe_group(s->cfg), false);
	s->group_owned = false;
}
