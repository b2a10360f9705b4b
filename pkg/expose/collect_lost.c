/* collect_lost: events the exporter did not see, never hidden. Per CPU:
 * ring-buffer overrun and dropped events (from the kernel's per-CPU stats)
 * and the in-stream missed count of each page (from the parser). */
#include <stdio.h>

#include "expose/collectors.h"

static void lost_sample(struct expo *w, const char *cpu, const char *kind,
			uint64_t n)
{
	static const char *const names[] = { "cpu", "kind" };
	const char *values[] = { cpu, kind };

	expo_sample(w, names, values, 2, n);
}

int collect_lost(void *src, struct expo *w)
{
	const struct scrape_src *s = src;
	struct cpu_stats st;
	char cpu[16];

	if (expo_family(w, "ftrace_exporter_events_lost_total", EXPO_COUNTER,
			"Trace events lost before the exporter read them, by "
			"CPU and kind (overrun, dropped, missed)."))
		return -1;
	for (int c = 0; c < s->ncpus; c++) {
		if (!s->cpus[c])
			continue;
		snprintf(cpu, sizeof(cpu), "%d", c);
		if (s->session && !session_cpu_stats(s->session, c, &st)) {
			lost_sample(w, cpu, "overrun", st.overrun);
			lost_sample(w, cpu, "dropped", st.dropped);
		}
		lost_sample(w, cpu, "missed", metrics_cpu_missed(s->metrics, c));
	}
	return 0;
}
