/* flags: the subcommand's flags and their durations. */
#include "diagnose/diagnose_int.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: ftrace_exporter diagnose [flags]\n"
	"Traces for a while in a tracefs instance of its own and says why\n"
	"packets were dropped, ranked by rate, with the next step to take.\n\n"
	"  --duration=D          how long to trace: 10s (default), 500ms, 2m\n"
	"  --config.file=PATH    probe list (default config/default.yaml)\n"
	"  --format=FORMAT       text (default) or json\n"
	"  --from=URL            read a running exporter's /metrics at the\n"
	"                        start and the end instead of tracing\n"
	"  --tracefs.path=DIR    tracefs mount (default: found by libtracefs)\n"
	"  --help                print this help\n";

enum { OPT_DURATION = 1, OPT_CONFIG, OPT_FORMAT, OPT_FROM, OPT_TRACEFS,
       OPT_HELP };

static const struct option options[] = {
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "config.file", required_argument, NULL, OPT_CONFIG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "tracefs.path", required_argument, NULL, OPT_TRACEFS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ 0 }
};

/* A unit's length in seconds, or 0 when unit is none of ours. */
static double unit_seconds(const char *unit)
{
	if (!*unit || !strcmp(unit, "s"))
		return 1;
	if (!strcmp(unit, "ms"))
		return 1e-3;
	if (!strcmp(unit, "m"))
		return 60;
	return 0;
}

/* See diagnose_int.h: the number, then its unit. */
int diag_duration_parse(const char *s, double *seconds)
{
	char *end;
	double v, unit;

	if (!s || !*s || strchr(" \t+-", *s))
		return -1;
	v = strtod(s, &end);
	unit = end == s ? 0 : unit_seconds(end);
	if (!unit || !isfinite(v) || v * unit <= 0 || v * unit > 86400)
		return -1;
	*seconds = v * unit;
	return 0;
}

/* The message for a bad flag value, then the usage; exit status 2. */
static int bad_flag(FILE *errs, const char *what, const char *value)
{
	fprintf(errs, "ftrace_exporter diagnose: bad %s: %s\n%s", what, value,
		usage);
	return 2;
}

/* One option c with its argument; -1 to go on, or an exit status. */
static int parse_one(int c, struct diag_flags *f, FILE *out, FILE *errs)
{
	switch (c) {
	case OPT_DURATION:
		if (diag_duration_parse(optarg, &f->duration))
			return bad_flag(errs, "--duration", optarg);
		return -1;
	case OPT_CONFIG: f->config_file = optarg; return -1;
	case OPT_FORMAT:
		if (strcmp(optarg, "text") && strcmp(optarg, "json"))
			return bad_flag(errs, "--format", optarg);
		f->json = !strcmp(optarg, "json");
		return -1;
	case OPT_FROM: f->from = optarg; return -1;
	case OPT_TRACEFS: f->tracefs = optarg; return -1;
	case OPT_HELP: case 'h': fputs(usage, out); return 0;
	default: fputs(usage, errs); return 2;
	}
}

/* See diagnose_int.h. getopt is reset first: the caller may have parsed
 * other flags before. */
int diag_flags_parse(int argc, char **argv, struct diag_flags *f,
		     FILE *out, FILE *errs)
{
	int c, ret;

	*f = (struct diag_flags){ .config_file = "config/default.yaml",
				  .duration = 10 };
	optind = 0;
	opterr = errs != NULL;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1)
		if ((ret = parse_one(c, f, out, errs)) >= 0)
			return ret;
	if (optind < argc)
		return bad_flag(errs, "argument", argv[optind]);
	return -1;
}
