/* Private to cmd/ftrace_exporter: the pipeline object shared by
 * pipeline.c (start, stop, scrape) and reload.c (hot reload). */
#ifndef FTE_CMD_PIPELINE_INT_H
#define FTE_CMD_PIPELINE_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "exporter.h"
#include "generation/generation.h"

struct pipeline {
	const struct flags *flags;
	struct session *session;
	struct generation_env env;	/* the session, &status */
	struct generation *gen;	/* the running config's */
	struct config *orphan;	/* a reload that failed midway left the
				 * session on it: freed after the session */
	struct http_server *http;
	struct expo *expo;
	struct collect_status status;
	pthread_mutex_t lock;	/* scrapes, ticks and the generation switch */
	pthread_mutex_t reload_lock;	/* one reload at a time (reload.c) */
	bool ready;
	bool failed;	/* a reload failed midway: exit 1 */
};

#endif
