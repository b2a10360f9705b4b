/* The binary's own pieces: flags (main.c) and the wired pipeline
 * (pipeline.c, reload.c). */
#ifndef FTE_CMD_EXPORTER_H
#define FTE_CMD_EXPORTER_H

#include <stdbool.h>

struct flags {
	const char *config_file;
	const char *listen;
	const char *telemetry_path;
	const char *web_config;
	const char *tracefs;
	bool enable_lifecycle;	/* POST /-/reload allowed */
};

struct pipeline;

/* Loads the config and the web config (both before tracefs is touched),
 * then starts tracing, readers and the web server. NULL (with the reason
 * logged) when anything fails; nothing is left behind. */
struct pipeline *pipeline_start(const struct flags *f);
/* SIGHUP, POST /-/reload (with --web.enable-lifecycle): applies the config
 * file and the web config file again (reload.c). Probes defined the same
 * way keep counting; the web server keeps its socket; a bad file keeps the
 * running state. -1 with a message in msg when refused or failed. */
int pipeline_reload(struct pipeline *p, char *msg, size_t len);
/* True after a reload failed midway (the process is being stopped). */
bool pipeline_failed(const struct pipeline *p);
/* Stops the web server and readers, removes the instance. */
void pipeline_stop(struct pipeline *p);

#endif
