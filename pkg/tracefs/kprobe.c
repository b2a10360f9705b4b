/* tracefs kprobes: created in the config's private group (kprobes are
 * global, not per instance) and only that group is ever removed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "log/log.h"
#include "tracefs/session_priv.h"

/* Removes every kprobe in our group, e.g. left by a killed run. */
static void group_clean(const char *group)
{
	struct tracefs_dynevent **all;

	all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE, group);
	for (int i = 0; all && all[i]; i++)
		if (tracefs_dynevent_destroy(all[i], true))
			log_msg(LOG_WARN, "cannot remove stale kprobe",
				"group", group, "err", strerror(errno), NULL);
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
 * the group. A refused kprobe is logged and left out (its probe reports
 * down); -1 only on allocation failure. */
int kprobes_create(struct session *s)
{
	s->kprobe_made = calloc(config_probe_count(s->cfg) + 1,
				sizeof(*s->kprobe_made));
	if (!s->kprobe_made)
		return -1;
	group_clean(config_kprobe_group(s->cfg));
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		if (config_probe(s->cfg, i)->kind == PROBE_KPROBE)
			s->kprobe_made[i] = kprobe_make(config_probe(s->cfg, i));
	return 0;
}

/* Removes the whole group: also kprobes a failed reload made for a config
 * the session never switched to (the group is the instance's, the same for
 * every config a reload accepts). */
void kprobes_remove(struct session *s)
{
	if (s->kprobe_made)
		group_clean(config_kprobe_group(s->cfg));
	free(s->kprobe_made);
	s->kprobe_made = NULL;
}
