/* ftrace_exporter: flags, signals, --check-config; the pipeline (start,
 * stop, reload) is pipeline.c and reload.c. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"
#include "config/config.h"
#include "diagnose/diagnose.h"
#include "generation/generation.h"
#include "log/log.h"
#include "webcfg/webcfg.h"

static const char usage[] =
	"Usage: ftrace_exporter [flags] | diagnose [--help]\n"
	"Exports Linux ftrace events (packet drops, function hits) as\n"
	"Prometheus metrics.\n\n"
	"  --config.file=PATH          probe list (default config/default.yaml)\n"
	"  --web.listen-address=ADDR   [HOST]:PORT to listen on (default :9435)\n"
	"  --web.telemetry-path=PATH   path of the metrics (default /metrics)\n"
	"  --web.config.file=PATH      TLS, basic auth, headers (exporter-toolkit)\n"
	"  --web.enable-lifecycle      allow POST /-/reload (SIGHUP always works)\n"
	"  --tracefs.path=DIR          tracefs mount (default: found by libtracefs)\n"
	"  --log.level=LEVEL           debug, info, warn or error (default info)\n"
	"  --log.format=FORMAT         logfmt or json (default logfmt)\n"
	"  --check-config              check the config (and web config) on this kernel\n"
	"  --version                   print the version\n"
	"  --help                      print this help\n";

enum { OPT_CONFIG = 1, OPT_LISTEN, OPT_PATH, OPT_WEBCFG, OPT_LIFECYCLE,
       OPT_TRACEFS, OPT_LEVEL, OPT_FORMAT, OPT_CHECK, OPT_VERSION, OPT_HELP };

static const struct option options[] = {
	{ "config.file", required_argument, NULL, OPT_CONFIG },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "web.config.file", required_argument, NULL, OPT_WEBCFG },
	{ "web.enable-lifecycle", no_argument, NULL, OPT_LIFECYCLE },
	{ "tracefs.path", required_argument, NULL, OPT_TRACEFS },
	{ "log.level", required_argument, NULL, OPT_LEVEL },
	{ "log.format", required_argument, NULL, OPT_FORMAT },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ 0 }
};

static int bad_flag(const char *what, const char *value)
{
	fprintf(stderr, "ftrace_exporter: bad %s: %s\n%s", what, value, usage);
	return 2;
}

/* Parses argv into f. Returns -1 to go on, or an exit status. */
static int parse_flags(int argc, char **argv, struct flags *f, int *check)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG: f->config_file = optarg; break;
		case OPT_LISTEN: f->listen = optarg; break;
		case OPT_PATH:
			if (optarg[0] != '/')
				return bad_flag("--web.telemetry-path", optarg);
			f->telemetry_path = optarg;
			break;
		case OPT_WEBCFG: f->web_config = optarg; break;
		case OPT_LIFECYCLE: f->enable_lifecycle = true; break;
		case OPT_TRACEFS: f->tracefs = optarg; break;
		case OPT_LEVEL:
			if (log_set_level(optarg))
				return bad_flag("--log.level", optarg);
			break;
		case OPT_FORMAT:
			if (log_set_format(optarg))
				return bad_flag("--log.format", optarg);
			break;
		case OPT_CHECK: *check = 1; break;
		case OPT_VERSION: printf("ftrace_exporter %s\n", FTE_VERSION); return 0;
		case OPT_HELP: case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc)
		return bad_flag("argument", argv[optind]);
	return -1;
}

/* --check-config: the config file, then its probes against the running
 * kernel without creating anything, and the web config when given (its
 * PEM files included); every problem printed. The exit status. */
static int check_config(const struct flags *f)
{
	int bad_web = f->web_config &&
		      webcfg_check(f->web_config, stdout, stderr) < 0;
	struct config *cfg = config_load(f->config_file, stderr);
	int bad;

	if (!cfg)
		return 1;
	bad = generation_check(f->tracefs, cfg, stderr);
	if (!bad)
		printf("%s: ok, %d probes\n", config_path(cfg),
		       config_probe_count(cfg));
	config_free(cfg);
	return bad || bad_web ? 1 : 0;
}

/* Waits for signals: SIGHUP reloads, SIGINT/SIGTERM return. */
static void wait_signals(struct pipeline *p, const sigset_t *set)
{
	char msg[256];
	int sig;

	while (sigwait(set, &sig) == 0 && sig == SIGHUP)
		if (pipeline_reload(p, msg, sizeof(msg)))
			log_msg(LOG_ERROR, "reload failed", "err", msg, NULL);
	log_msg(LOG_INFO, "shutting down", "signal", strsignal(sig), NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "diagnose"))	/* pkg/diagnose */
		return diagnose_main(argc - 1, argv + 1);
	struct flags f = {
		.config_file = "config/default.yaml",
		.listen = ":9435",
		.telemetry_path = "/metrics",
	};
	struct pipeline *p;
	sigset_t set;
	int check = 0, ret = parse_flags(argc, argv, &f, &check);

	if (ret >= 0)
		return ret;
	if (check)
		return check_config(&f);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	p = pipeline_start(&f);
	if (!p)
		return 1;
	wait_signals(p, &set);
	ret = pipeline_failed(p) ? 1 : 0;
	pipeline_stop(p);
	return ret;
}
