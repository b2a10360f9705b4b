/* generation check: --check-config's kernel half. Resolves a config's
 * probes against the running kernel as a generation would, without
 * creating anything in tracefs, and prints what would be down and why,
 * and which way each `mode: auto` probe would count here. */
#include <event-parse.h>

#include "generation/generation_int.h"

/* Which way auto probe i (resolved) would count on this kernel, as a
 * note: a hist trigger where the event has hist triggers and every label
 * is a field of it (a key the event lacks is refused) and no address
 * (parser_hist_refused), else the ring
 * buffer. The kernel may still refuse the trigger (enable.c then falls
 * back to the ring buffer): only turning it on tells. */
static void check_auto(const struct config *cfg, const struct parser *ps,
		       int i, FILE *errs)
{
	const struct probe_spec *p = config_probe(cfg, i);
	const char *why = session_hist_supported(p) ? NULL : SESSION_NO_HIST;

	if (!why)
		why = parser_hist_refused(ps, i);

	for (int l = 0; !why && l < p->nlabels; l++)
		if (gen_label_absent(cfg, ps, i, l))
			why = "a label is no field of the event here";
	fprintf(errs, "%s:%d:%d: note: probe %s: mode auto would count as "
		"mode=%s on this kernel%s%s\n", config_path(cfg), p->line,
		p->col, p->name, pstate_mode_name(why ? PSTATE_RING : PSTATE_HIST),
		why ? ": " : "", why ? why : "");
}

/* Event and field problems of every tracepoint probe; returns errors. */
static int check_events(const struct config *cfg, const struct parser *ps,
			FILE *errs)
{
	int bad = 0;

	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);
		const char *why = parser_probe_error(ps, i);

		if (p->kind != PROBE_TRACEPOINT)
			continue;	/* checked by session_check_functions() */
		if (why) {
			fprintf(errs, "%s:%d:%d: probe %s: %s\n",
				config_path(cfg), p->line, p->col, p->name, why);
			bad++;
			continue;
		}
		for (int l = 0; l < p->nlabels; l++)
			if (gen_label_absent(cfg, ps, i, l))
				fprintf(errs, "%s:%d:%d: warning: probe %s: "
					"event has no field %s on this kernel; "
					"the label will be empty\n",
					config_path(cfg), p->line, p->col,
					p->name, p->labels[l]);
		if (p->mode == PROBE_AUTO)
			check_auto(cfg, ps, i, errs);
	}
	return bad;
}

int generation_check(const char *tracefs, const struct config *cfg,
		     FILE *errs)
{
	struct tep_handle *tep = session_load_tep(tracefs, cfg);
	struct parser *ps;
	int bad;

	if (!tep) {
		fprintf(errs, "%s: cannot read event formats from tracefs "
			"(mounted? root?)\n", config_path(cfg));
		return 1;
	}
	ps = parser_new(tep, cfg);
	bad = ps ? check_events(cfg, ps, errs) : 1;
	if (ps)	/* warnings only: such reasons count as cause other */
		causes_check_reasons(cfg, ps, errs);
	session_check_eprobes(tep, cfg, errs);	/* warnings and notes */
	bad += session_check_functions(tracefs, cfg, errs);
	parser_free(ps);
	tep_free(tep);
	return bad;
}
