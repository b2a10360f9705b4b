/* check: --check-config. Validates the file, then the probes against the
 * running kernel (events and label fields exist, functions are traceable)
 * without creating anything, and prints every problem. */
#include <event-parse.h>
#include <stdio.h>

#include "exporter.h"
#include "config/config.h"
#include "parse/parse.h"
#include "tracefs/tracefs.h"

/* Event and field problems of every tracepoint probe; returns errors. */
static int check_events(const struct config *cfg, const struct parser *ps)
{
	int bad = 0;

	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);
		const char *why = parser_probe_error(ps, i);

		if (p->kind == PROBE_KPROBE)
			continue;	/* its event exists only once created */
		if (why) {
			fprintf(stderr, "%s:%d:%d: probe %s: %s\n",
				config_path(cfg), p->line, p->col, p->name, why);
			bad++;
			continue;
		}
		for (int l = 0; l < p->nlabels; l++)
			if (parser_label_missing(ps, i, l))
				fprintf(stderr, "%s:%d:%d: warning: probe %s: "
					"event has no field %s on this kernel; "
					"the label will be empty\n",
					config_path(cfg), p->line, p->col,
					p->name, p->labels[l]);
	}
	return bad;
}

static int check_kernel(const struct flags *f, const struct config *cfg)
{
	struct tep_handle *tep = session_load_tep(f->tracefs, cfg);
	struct parser *ps;
	int bad;

	if (!tep) {
		fprintf(stderr, "%s: cannot read event formats from tracefs "
			"(mounted? root?)\n", config_path(cfg));
		return 1;
	}
	ps = parser_new(tep, cfg);
	bad = ps ? check_events(cfg, ps) : 1;
	bad += session_check_functions(f->tracefs, cfg, stderr);
	parser_free(ps);
	tep_free(tep);
	return bad;
}

int check_config(const struct flags *f)
{
	struct config *cfg = config_load(f->config_file, stderr);
	int bad;

	if (!cfg)
		return 1;
	bad = check_kernel(f, cfg);
	if (!bad)
		printf("%s: ok, %d probes\n", config_path(cfg),
		       config_probe_count(cfg));
	config_free(cfg);
	return bad ? 1 : 0;
}
