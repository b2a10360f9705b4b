/* collect_lost: events the exporter did not see, never hidden. Per CPU:
 * ring-buffer overrun and dropped events (from the kernel's per-CPU stats)
 * and the in-stream missed count of each page (from the parser). */
#include "collect/collect_int.h"

/* One sample of the lost family: cpu and kind. */
static void lost_sample(struct expo *w, const char *cpu, const char *kind,
			uint64_t n)
{
	static const char *const names[] = { "cpu", "kind" };
	const char *values[] = { cpu, kind };

	expo_sample(w, names, values, 2, n);
}

/* Every traced CPU: the kernel's overrun and dropped when there is a
 * session, the parser's missed always. -1 only if the family fails. */
int collect_lost(void *ctx, struct expo *w)
{
	const struct collect *c = ctx;
	struct cpu_stats st;

	if (expo_family(w, COLLECT_EVENTS_LOST, EXPO_COUNTER,
			"Trace events lost before the exporter read them, by "
			"CPU and kind (overrun, dropped, missed)."))
		return -1;
	for (int i = 0; i < c->ncpus; i++) {
		const struct collect_cpu *cpu = &c->cpus[i];

		if (c->src.session &&
		    !session_cpu_stats(c->src.session, cpu->cpu, &st)) {
			lost_sample(w, cpu->label, "overrun", st.overrun);
			lost_sample(w, cpu->label, "dropped", st.dropped);
		}
		lost_sample(w, cpu->label, "missed",
			    metrics_cpu_missed(c->src.metrics, cpu->cpu));
	}
	return 0;
}
