/* tracefs session: instance life cycle (see tracefs.h). */
#include "tracefs/tracefs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tracefs.h>
#include <unistd.h>

#include "log/log.h"
#include "tracefs/session_priv.h"

/* Readers wake when the buffer is this % full, or at their poll timeout. */
#define BUFFER_PERCENT "10"

/* Leaves a stale instance of ours (from a killed run) quiet and removes it.
 * Its hist triggers are found on the events cfg's hist probes use. */
static int instance_clean(const char *name, const struct config *cfg)
{
	struct tracefs_instance *old = tracefs_instance_alloc(NULL, name);
	int ret;

	if (!old)
		return -1;
	tracefs_trace_off(old);
	tracefs_event_disable(old, NULL, NULL);
	tracefs_instance_file_write(old, "current_tracer", "nop");
	tracefs_function_filter(old, NULL, NULL, TRACEFS_FL_RESET);
	session_hist_clear(old, cfg);
	ret = tracefs_instance_destroy(old);
	tracefs_instance_free(old);
	log_msg(ret ? LOG_ERROR : LOG_WARN,
		ret ? "stale instance busy (another exporter running?)"
		    : "removed stale instance", "instance", name, NULL);
	return ret;
}

/* Arms disable_on_free and keeps free_buffer open: if this process dies,
 * the kernel stops tracing into the instance and frees its buffer. */
static int instance_arm(struct session *s)
{
	char kb[32];

	snprintf(kb, sizeof(kb), "%u", config_buffer_size_kb(s->cfg));
	if (tracefs_trace_off(s->inst) ||
	    tracefs_instance_file_write(s->inst, "buffer_size_kb", kb) <= 0 ||
	    tracefs_instance_file_write(s->inst, "buffer_percent",
					BUFFER_PERCENT) <= 0 ||
	    tracefs_option_enable(s->inst, TRACEFS_OPTION_DISABLE_ON_FREE))
		return -1;
	s->free_fd = tracefs_instance_file_open(s->inst, "free_buffer",
						O_WRONLY | O_CLOEXEC);
	return s->free_fd < 0 ? -1 : 0;
}

/* tracefs_instance_exists() in libtracefs 1.6 ignores the tracing dir set
 * with tracefs_set_tracing_dir(), so look where --tracefs.path points. */
static bool instance_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/instances/%s", tracefs_tracing_dir(),
		 name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int instance_open(struct session *s)
{
	const char *name = config_instance(s->cfg);

	if (instance_exists(name) && instance_clean(name, s->cfg))
		return -1;
	s->inst = tracefs_instance_create(name);
	if (!s->inst)
		return -1;
	return instance_arm(s);
}

struct session *session_open(const char *dir, const struct config *cfg)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->free_fd = -1;
	if (dir && tracefs_set_tracing_dir((char *)dir))
		goto err_free;
	if (instance_open(s))
		goto err_instance;
	if (kprobes_create(s))
		goto err_instance;
	s->tep = session_load_tep(NULL, cfg);	/* dir is set above */
	if (!s->tep)
		goto err_instance;
	return s;
err_instance:
	log_msg(LOG_ERROR, "cannot set up tracefs instance", "instance",
		config_instance(cfg), "err", strerror(errno), NULL);
	session_close(s);
	return NULL;
err_free:
	free(s);
	return NULL;
}

int session_start(struct session *s)
{
	return tracefs_trace_on(s->inst);
}

int session_stop(struct session *s)
{
	return tracefs_trace_off(s->inst);
}

void session_close(struct session *s)
{
	if (!s)
		return;
	if (s->inst) {
		tracefs_trace_off(s->inst);
		tracefs_event_disable(s->inst, NULL, NULL);
		if (s->tracer_set)
			session_tracer_off(s);
		if (s->filter_set)
			tracefs_function_filter(s->inst, NULL, NULL,
						TRACEFS_FL_RESET);
		if (s->muted)
			tracefs_function_notrace(s->inst, NULL, NULL,
						 TRACEFS_FL_RESET);
		session_hist_clear(s->inst, s->cfg);
	}
	kprobes_remove(s);
	if (s->free_fd >= 0)
		close(s->free_fd);
	if (s->inst) {
		if (tracefs_instance_destroy(s->inst))
			log_msg(LOG_WARN, "cannot remove instance", "err",
				strerror(errno), NULL);
		tracefs_instance_free(s->inst);
	}
	tep_free(s->tep);
	free(s);
}

struct tep_handle *session_tep(struct session *s)
{
	return s->tep;
}

int session_cpu_open(struct session *s, int cpu)
{
	char path[64];

	snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", cpu);
	return tracefs_instance_file_open(s->inst, path,
					  O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

int session_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (int)n : 1;
}
