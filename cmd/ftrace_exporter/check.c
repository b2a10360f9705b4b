/* check: --check-config. Validates the file, then the probes against the
 * running kernel (events and label fields exist, functions are traceable)
 * without creating anything, and the web config when one is given (its
 * certificate, key and CA files included), and prints every problem. */
#include <event-parse.h>
#include <stdio.h>

#include "exporter.h"
#include "causes/causes.h"
#include "config/config.h"
#include "parse/parse.h"
#include "tracefs/tracefs.h"
#include "webcfg/webcfg.h"

/* Event and field problems of every tracepoint probe; returns errors. */
static int check_events(const struct config *cfg, const struct parser *ps)
{
	int bad = 0;

	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);
		const char *why = parser_probe_error(ps, i);

		if (p->kind != PROBE_TRACEPOINT)
			continue;	/* checked by session_check_functions() */
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
	if (ps)	/* warnings only: such reasons count as cause other */
		causes_check_reasons(cfg, ps, stderr);
	bad += session_check_functions(f->tracefs, cfg, stderr);
	parser_free(ps);
	tep_free(tep);
	return bad;
}

/* Loads --web.config.file, if given; returns 1 when it is bad, else 0. */
static int check_web(const struct flags *f)
{
	struct webcfg *web;

	if (!f->web_config)
		return 0;
	web = webcfg_load(f->web_config, stderr);
	if (!web)
		return 1;
	printf("%s: ok, tls %s, client auth %s, %d users, %d headers\n",
	       webcfg_path(web), webcfg_tls(web) ? "on" : "off",
	       webcfg_client_auth_name(webcfg_client_auth(web)),
	       webcfg_user_count(web), webcfg_header_count(web));
	webcfg_free(web);
	return 0;
}

int check_config(const struct flags *f)
{
	int bad_web = check_web(f), bad;
	struct config *cfg = config_load(f->config_file, stderr);

	if (!cfg)
		return 1;
	bad = check_kernel(f, cfg);
	if (!bad)
		printf("%s: ok, %d probes\n", config_path(cfg),
		       config_probe_count(cfg));
	config_free(cfg);
	return bad || bad_web ? 1 : 0;
}
