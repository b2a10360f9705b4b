/* tracefs stats: per-CPU ring-buffer loss counters. libtracefs 1.6 has no
 * API for per_cpu/cpuN/stats, so the text file is read and parsed here. */
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "tracefs/session_priv.h"

/* Value of "key: N" in the stats text, 0 when absent. */
static uint64_t stat_value(const char *text, const char *key)
{
	const char *p = text;
	size_t len = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n') && p[len] == ':')
			return strtoull(p + len + 1, NULL, 10);
		p += len;
	}
	return 0;
}

int session_cpu_stats(struct session *s, int cpu, struct cpu_stats *st)
{
	char path[64], *text;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	text = tracefs_instance_file_read(s->inst, path, NULL);
	if (!text)
		return -1;
	st->entries = stat_value(text, "entries");
	st->overrun = stat_value(text, "overrun");
	st->commit_overrun = stat_value(text, "commit overrun");
	st->dropped = stat_value(text, "dropped events");
	free(text);
	return 0;
}
