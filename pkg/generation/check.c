/* generation check: --check-config's kernel half. Resolves a config's
 * probes against the running kernel as a generation would, without
 * creating anything in tracefs, and prints what would be down and why. */
#include <event-parse.h>

#include "generation/generation_int.h"

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
			if (parser_label_missing(ps, i, l))
				fprintf(errs, "%s:%d:%d: warning: probe %s: "
					"event has no field %s on this kernel; "
					"the label will be empty\n",
					config_path(cfg), p->line, p->col,
					p->name, p->labels[l]);
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
	bad += session_check_functions(tracefs, cfg, errs);
	parser_free(ps);
	tep_free(tep);
	return bad;
}
