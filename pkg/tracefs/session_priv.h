/* Private to pkg/tracefs: the session object shared by its files. */
#ifndef FTE_TRACEFS_SESSION_PRIV_H
#define FTE_TRACEFS_SESSION_PRIV_H

#include "tracefs/tracefs.h"

struct tracefs_instance;

struct session {
	const struct config *cfg;
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	int free_fd;
	bool tracer_set, filter_set;
	bool *kprobe_made;	/* [nprobes] */
};

int kprobes_create(struct session *s);
void kprobes_remove(struct session *s);

#endif
