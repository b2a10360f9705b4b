/* The binary's own pieces: flags (main.c), the wired pipeline (pipeline.c)
 * and --check-config (check.c). */
#ifndef FTE_CMD_EXPORTER_H
#define FTE_CMD_EXPORTER_H

struct flags {
	const char *config_file;
	const char *listen;
	const char *telemetry_path;
	const char *web_config;
	const char *tracefs;
};

struct pipeline;

/* Loads the config and starts tracing, readers and the web server. NULL
 * (with the reason logged) when anything fails; nothing is left behind. */
struct pipeline *pipeline_start(const struct flags *f);
/* SIGHUP: re-reads the config; a bad one keeps the running state. */
int pipeline_reload(struct pipeline *p, char *msg, size_t len);
/* Stops the web server and readers, removes the instance. */
void pipeline_stop(struct pipeline *p);

/* --check-config: returns the exit status (0 valid, 1 problems). */
int check_config(const struct flags *f);

#endif
