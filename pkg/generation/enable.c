/* generation enable: the one place where probes are turned on. A probe is
 * up when the parser resolved it and the kernel accepted it; otherwise it
 * is down with the first reason met. Either way one log line says so, and
 * the probe-state table records it for the parser, the collectors and the
 * drop causes. */
#include <stdlib.h>

#include "generation/generation_int.h"
#include "log/log.h"

/* Records probe i's state and logs it; -1 on ENOMEM. */
static int set_state(struct generation *g, int i, const char *why)
{
	const struct probe_spec *p = config_probe(g->cfg, i);

	log_msg(why ? LOG_WARN : LOG_INFO, why ? "probe down" : "probe up",
		"probe", p->name, "target", p->target, "reason", why, NULL);
	return pstate_set(g->states, i, why);
}

/* Tracepoint, kprobe and hist probes, one by one; marks in want[] the
 * function probes the parser resolved (they go on together). */
static int enable_events(struct generation *g, bool *want)
{
	int ret = 0;

	for (int i = 0; i < config_probe_count(g->cfg); i++) {
		const struct probe_spec *p = config_probe(g->cfg, i);
		const char *why = parser_probe_error(g->parser, i);
		struct session *s = g->env.session;

		if (p->kind == PROBE_FUNCTION && !why) {
			want[i] = true;
			continue;
		}
		if (!why && (p->hist ? session_hist_enable(s, i, &why) :
			     session_enable(s, i, &why)) && !why)
			why = "refused by the kernel";
		ret |= set_state(g, i, why);
	}
	return ret;
}

/* The function probes in want[] at once: one instance filter, set before
 * the function tracer. A target the filter refuses is down with its
 * reason, the others go on. */
static int enable_functions(struct generation *g, const bool *want)
{
	int n = config_probe_count(g->cfg), ret = 0;
	bool *on = calloc(n + 1, sizeof(*on)), any = false, ok;
	const char *why = NULL;

	if (!on)
		return -1;
	for (int i = 0; i < n; i++)
		any |= on[i] = want[i];
	ok = any && session_enable_functions(g->env.session, on, &why) == 0;
	for (int i = 0; any && i < n; i++)
		if (want[i])
			ret |= set_state(g, i, ok && on[i] ? NULL :
					 ok ? SESSION_FUNCTION_REFUSED : why);
	free(on);
	return ret;
}

/* Logs, once, each label whose field this kernel's event does not have. */
static void log_missing_labels(const struct generation *g)
{
	for (int i = 0; i < config_probe_count(g->cfg); i++) {
		const struct probe_spec *p = config_probe(g->cfg, i);

		for (int l = 0; l < p->nlabels; l++)
			if (parser_label_missing(g->parser, i, l))
				log_msg(LOG_WARN, "event has no such field; label "
					"left empty", "probe", p->name, "label",
					p->labels[l], NULL);
	}
}

int gen_enable(struct generation *g)
{
	bool *want = calloc(config_probe_count(g->cfg) + 1, sizeof(*want));
	int ret;

	if (!want)
		return -1;
	ret = enable_events(g, want) | enable_functions(g, want);
	free(want);
	parser_count_up(g->parser, g->states);
	log_missing_labels(g);
	return ret ? -1 : 0;
}
