/* tracefs session: instance life cycle (see tracefs.h). */
#include "tracefs/tracefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>
#include <unistd.h>

#include "log/log.h"
#include "tracefs/session_priv.h"

/* Readers wake when the buffer is this % full, or at their poll timeout. */
#define BUFFER_PERCENT "10"
/* The instance file whose lock names its owner (see owner_lock()). */
#define OWNER_FILE "tracing_cpumask"

/* Cleans a stale instance (its owner is gone: we hold its lock) while the
 * lock is still held: tracing and events off, tracers and filters reset,
 * and the hist triggers on the events cfg's hist probes use. */
static void instance_quiet(struct tracefs_instance *old,
			   const struct config *cfg)
{
	tracefs_trace_off(old);
	tracefs_event_disable(old, NULL, NULL);
	tracefs_instance_file_write(old, "current_tracer", "nop");
	tracefs_function_filter(old, NULL, NULL, TRACEFS_FL_RESET);
	tracefs_function_notrace(old, NULL, NULL, TRACEFS_FL_RESET);
	session_hist_clear(old, cfg);
}

/* Names the exporter holding the owner lock of fd's instance: its PID as
 * this PID namespace sees it (0 when it cannot) and its comm. */
static void owner_log(int fd, const char *name)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char pid[16], path[64], comm[64] = "?";
	FILE *f;

	if (fcntl(fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		fl.l_pid = 0;	/* gone meanwhile: the next start takes it */
	snprintf(pid, sizeof(pid), "%d", (int)fl.l_pid);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)fl.l_pid);
	f = fl.l_pid > 0 ? fopen(path, "re") : NULL;
	if (f && fgets(comm, sizeof(comm), f))
		comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
	log_msg(LOG_ERROR, "instance owned by a running exporter; leaving it "
		"alone", "instance", name, "owner_pid", pid, "owner_comm",
		comm, NULL);
}

/* Takes the owner lock of inst: a POSIX write lock on OWNER_FILE, held
 * open for the whole run. The kernel drops it when the owner dies (even by
 * kill -9), every mount of the same tracefs sees it, and F_GETLK names the
 * owner. A POSIX lock also drops when its process closes any other fd of
 * the file: the exporter and the libtracefs calls it makes never open
 * OWNER_FILE, and opening it is harmless. Returns the fd, or -1: errno
 * EBUSY when a live exporter owns inst (logged with its PID). */
static int owner_lock(struct tracefs_instance *inst)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = tracefs_instance_file_open(inst, OWNER_FILE,
					    O_RDWR | O_CLOEXEC);

	if (fd < 0 || fcntl(fd, F_SETLK, &fl) == 0)
		return fd;
	if (errno == EAGAIN || errno == EACCES) {
		owner_log(fd, tracefs_instance_get_name(inst));
		errno = EBUSY;
	}
	close(fd);
	return -1;
}

/* The instance name, created if missing, with its owner lock in *lock_fd.
 * NULL with errno (EBUSY: a live exporter owns it; it is left as it is; a
 * directory just made that cannot be locked, not a tracefs instance, is
 * removed). */
static struct tracefs_instance *instance_take(const char *name, int *lock_fd)
{
	struct tracefs_instance *inst = tracefs_instance_create(name);
	int err;

	if (!inst)
		return NULL;
	*lock_fd = owner_lock(inst);
	if (*lock_fd >= 0)
		return inst;
	err = errno;
	if (err != EBUSY && tracefs_instance_is_new(inst))
		tracefs_instance_destroy(inst);
	tracefs_instance_free(inst);
	errno = err;
	return NULL;
}

/* Cleans the stale instance we just took the lock of, then removes it.
 * The lock is dropped before the rmdir (which fails while any fd of the
 * instance is open); a start that takes it meanwhile finds it quiet. */
static int instance_clean(struct tracefs_instance *old, int lock_fd,
			  const struct config *cfg)
{
	int ret;

	instance_quiet(old, cfg);
	close(lock_fd);
	ret = tracefs_instance_destroy(old);
	log_msg(ret ? LOG_ERROR : LOG_WARN,
		ret ? "stale instance busy (another exporter starting?)"
		    : "removed stale instance", "instance",
		tracefs_instance_get_name(old), NULL);
	tracefs_instance_free(old);
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

/* Takes the instance (see instance_take); a stale one, left by an owner
 * that is gone, is cleaned and made again. Nothing in the instance is
 * changed before its lock is held; s->inst is set only then. */
static int instance_open(struct session *s)
{
	const char *name = config_instance(s->cfg);
	struct tracefs_instance *inst = instance_take(name, &s->lock_fd);

	if (inst && !tracefs_instance_is_new(inst)) {
		int busy = instance_clean(inst, s->lock_fd, s->cfg);

		s->lock_fd = -1;
		inst = busy ? NULL : instance_take(name, &s->lock_fd);
	}
	if (!inst)
		return -1;
	s->inst = inst;
	return instance_arm(s);
}

struct session *session_open(const char *dir, const struct config *cfg)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->free_fd = -1;
	s->lock_fd = -1;
	if (dir && tracefs_set_tracing_dir((char *)dir))
		goto err_free;
	if (instance_open(s))
		goto err_instance;
	if (kprobes_create(s))
		goto err_instance;
	s->tep = session_load_tep(NULL, cfg);	/* dir is set above */
	if (!s->tep)
		goto err_instance;
	s->eprobe_why = eprobes_create(s->tep, cfg);
	if (!s->eprobe_why)
		goto err_instance;
	session_load_events(s->tep, cfg);
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
	if (s->lock_fd >= 0)	/* last: the instance is quiet by now */
		close(s->lock_fd);
	if (s->inst) {
		if (tracefs_instance_destroy(s->inst))
			log_msg(LOG_WARN, "cannot remove instance", "err",
				strerror(errno), NULL);
		tracefs_instance_free(s->inst);
	}
	tep_free(s->tep);
	tep_free(s->prev_tep);
	eprobes_why_free(s->eprobe_why, config_probe_count(s->cfg));
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
