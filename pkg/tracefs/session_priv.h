/* Private to pkg/tracefs: the session object shared by its files. */
#ifndef FTE_TRACEFS_SESSION_PRIV_H
#define FTE_TRACEFS_SESSION_PRIV_H

#include "tracefs/tracefs.h"

struct tracefs_instance;

struct session {
	const struct config *cfg;
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct tep_handle *prev_tep;	/* the formats before the last
					 * session_switch(), freed at the
					 * next one or at close */
	int free_fd;
	int lock_fd;		/* owner lock (session.c), held while open */
	bool tracer_set, filter_set;
	bool muted;		/* set_ftrace_notrace = the filter (update.c) */
	bool group_owned;	/* kprobes_create() ran: the group is ours */
	char **eprobe_why;	/* [probes of cfg]: why a probe that wants an
				 * event probe has none (eprobes_create()) */
};

int kprobes_create(struct session *s);
/* Equal strings, or both NULL. */
bool session_same_str(const char *a, const char *b);
/* True when probe i of the session's config has packet labels but counts
 * its tracepoint: the kernel refused its event probe (eprobe.c). */
bool session_on_tracepoint(const struct session *s, int i);
/* "what: strerror(errno)" in a per-thread buffer. */
const char *session_errno_reason(const char *what);
/* Removes every hist trigger from the events of cfg's hist probes in inst
 * (ours, or a stale instance's) so that it can be removed. */
void session_hist_clear(struct tracefs_instance *inst,
			const struct config *cfg);
/* Removes probe's hist trigger from the instance if it is there. */
void session_hist_remove(struct session *s, int probe);
typedef int (*ftrace_list_fn)(struct tracefs_instance *inst, const char *filter,
			      const char *module, unsigned int flags);
/* Writes the targets of the function probes marked on[] (NULL: all of the
 * config) with write (tracefs_function_filter or _notrace) as one
 * sequence, truncating the list first, applied by the kernel at once after
 * the last. A target refused (not traceable) is marked in refused[] (may be
 * NULL) and the others still go; the sequence is always closed. 0, or -1
 * when no target was written (the list is then left as it was), errno
 * that of the first refusal (EINVAL: the kernel refused a name). */
int session_write_functions(struct session *s, const bool *on,
			    ftrace_list_fn write, bool *refused);
/* available_filter_functions (malloc'd text), NULL with errno when the
 * kernel refuses it; session_traceable() looks a function up in it (a
 * whole line, ignoring " [module]"). */
char *session_traceable_read(void);
bool session_traceable(const char *list, const char *name);
/* Switches the instance's function tracer off (not while readers are
 * open: EBUSY); -1 with errno. */
int session_tracer_off(struct session *s);
/* Creates the kprobe of p; false (logged) when the kernel refuses it. */
bool kprobe_make(const struct probe_spec *p);
/* True when the kernel lists the kprobe of p. */
bool kprobe_exists(const struct probe_spec *p);
/* Removes the kprobe of p if it exists (logged when the kernel refuses). */
void kprobe_destroy(const struct probe_spec *p);
void kprobes_remove(struct session *s);
/* Makes the event probe of every probe of cfg that wants one
 * (config_packet_labels()) and the kernel does not list yet, with the
 * offsets of the running kernel's BTF; tep holds the formats of cfg's
 * tracepoints. Returns, per probe of cfg, why it has none (NULL: made or
 * not wanted; "labels a,b stay empty: the kernel refused the event probe:
 * Invalid argument"), malloc'd; NULL on ENOMEM. */
char **eprobes_create(struct tep_handle *tep, const struct config *cfg);
void eprobes_why_free(char **why, int n);
/* Removes the event probe of probe i of cfg if the kernel lists it. */
void eprobe_destroy(const struct config *cfg, int i);
/* Loads into tep the formats of the events cfg's probes count that it
 * lacks (tracepoints, kprobes, event probes made since). 0, or -1 when
 * the page header cannot be read. */
int session_load_events(struct tep_handle *tep, const struct config *cfg);

#endif
