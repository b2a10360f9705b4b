/* collect_self: the exporter's own health: build info, probe state and
 * the way each up probe counts, events read per CPU, parse errors, series
 * over the cap, live and expired, packet labels, config reloads. */
#include "collect/collect_int.h"

#include "pktwin/pktwin.h"

static uint64_t probe_up(const struct collect_src *s, int i)
{
	return pstate_up(s->states, i);
}

static uint64_t probe_dropped(const struct collect_src *s, int i)
{
	return metrics_series_dropped(s->metrics, i);
}

static uint64_t probe_live(const struct collect_src *s, int i)
{
	return metrics_series_live(s->metrics, i);
}

static uint64_t probe_expired(const struct collect_src *s, int i)
{
	return metrics_series_expired(s->metrics, i);
}

/* One sample per probe, its value(s, probe). */
static void per_probe(const struct collect_src *s, struct expo *w,
		      uint64_t (*value)(const struct collect_src *, int))
{
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		expo_sample1(w, "probe", config_probe(s->cfg, i)->name,
			     value(s, i));
}

/* The series families: over the cap, live (what the cap counts), expired. */
static int series_families(const struct collect_src *s, struct expo *w)
{
	if (expo_family(w, "ftrace_exporter_series_dropped_total", EXPO_COUNTER,
			"Events not counted in a labelled family because its "
			"series cap was reached or a label value found no room "
			"in the string table (still in the hit totals)."))
		return -1;
	per_probe(s, w, probe_dropped);
	if (expo_family(w, "ftrace_exporter_series_live", EXPO_GAUGE,
			"Distinct series of the probe's labelled family on "
			"/metrics: what max_series caps."))
		return -1;
	per_probe(s, w, probe_live);
	if (expo_family(w, "ftrace_exporter_series_expired_total", EXPO_COUNTER,
			"Series removed from /metrics after series_idle_seconds "
			"without an event; one that comes back restarts from 0."))
		return -1;
	per_probe(s, w, probe_expired);
	return 0;
}

/* One sample per up probe: 1, labelled with the way it counts (fixed for
 * the generation: pkg/pstate). A down probe counts no way: no sample. */
static void per_probe_mode(const struct collect_src *s, struct expo *w)
{
	static const char *const names[] = { "probe", "mode" };

	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const char *v[] = {
			config_probe(s->cfg, i)->name,
			pstate_mode_name(pstate_mode(s->states, i)),
		};

		if (pstate_up(s->states, i))
			expo_sample(w, names, v, 2, 1);
	}
}

/* Events of each probe that reads packet labels from the packet's bytes,
 * by how far pkg/pktwin got (a drop with no IP header in the window counts
 * under outside or not_ip, its address labels empty). */
static void per_packet_status(const struct collect_src *s, struct expo *w)
{
	static const char *const names[] = { "probe", "status" };

	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		if (!parser_packet_window(s->parser, i))
			continue;
		for (int st = 0; st < PKTWIN_NSTATUS; st++) {
			const char *v[] = { config_probe(s->cfg, i)->name,
					    pktwin_status_name(st) };

			expo_sample(w, names, v, 2,
				    metrics_packet_status(s->metrics, i, st));
		}
	}
}

/* 1 for each up probe whose packet labels come from its event probe, 0
 * for one that counts on its tracepoint with them empty because the
 * kernel refused the event probe (pstate_fallback(): the log and
 * --check-config say why). No sample for probes without packet labels. */
static void per_packet_available(const struct collect_src *s,
				 struct expo *w)
{
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		if (config_packet_labels(s->cfg, i) && pstate_up(s->states, i))
			expo_sample1(w, "probe", config_probe(s->cfg, i)->name,
				     !pstate_fallback(s->states, i));
}

/* Records read, one sample per traced CPU. */
static void per_cpu_events(const struct collect *c, struct expo *w)
{
	for (int i = 0; i < c->ncpus; i++)
		expo_sample1(w, "cpu", c->cpus[i].label,
			     metrics_cpu_events(c->src.metrics, c->cpus[i].cpu));
}

/* The self families in order; -1 when one cannot be started. */
int collect_self(void *ctx, struct expo *w)
{
	const struct collect *c = ctx;
	const struct collect_src *s = &c->src;

	if (expo_family(w, "ftrace_exporter_build_info", EXPO_GAUGE,
			"A metric with a constant '1' value labelled by version."))
		return -1;
	expo_sample1(w, "version", FTE_VERSION, 1);
	if (expo_family(w, COLLECT_PROBE_UP, EXPO_GAUGE,
			"1 when the kernel accepted the probe and it is counting."))
		return -1;
	per_probe(s, w, probe_up);
	if (expo_family(w, "ftrace_exporter_probe_mode", EXPO_GAUGE,
			"1 for each up probe, labelled with the way it counts: "
			"hist (a kernel hist trigger) or ring_buffer (records "
			"read by the exporter)."))
		return -1;
	per_probe_mode(s, w);
	if (expo_family(w, "ftrace_exporter_events_total", EXPO_COUNTER,
			"Trace records read from the ring buffer, by CPU."))
		return -1;
	per_cpu_events(c, w);
	if (expo_family(w, "ftrace_exporter_parse_errors_total", EXPO_COUNTER,
			"Records that could not be attributed to a probe."))
		return -1;
	expo_sample1(w, NULL, NULL, metrics_parse_errors(s->metrics));
	if (series_families(s, w))
		return -1;
	if (expo_family(w, "ftrace_exporter_packet_labels_total", EXPO_COUNTER,
			"Events of probes with packet labels read from the "
			"packet's bytes, by how far the headers were found: "
			"ports, addresses (no ports), outside (no network "
			"header in the copied bytes), not_ip."))
		return -1;
	per_packet_status(s, w);
	if (expo_family(w, "ftrace_exporter_packet_labels_available", EXPO_GAUGE,
			"1 when the probe's packet labels come from its event "
			"probe; 0 when the kernel refused it and the probe "
			"counts on its tracepoint with those labels empty."))
		return -1;
	per_packet_available(s, w);
	if (expo_family(w, "ftrace_exporter_config_last_reload_successful",
			EXPO_GAUGE, "1 when the last configuration load succeeded."))
		return -1;
	expo_sample1(w, NULL, NULL, s->status->reload_ok);
	if (expo_family(w, "ftrace_exporter_config_last_reload_success_timestamp_seconds",
			EXPO_GAUGE, "Unix time of the last successful configuration load."))
		return -1;
	expo_sample1(w, NULL, NULL, s->status->reload_time);
	return 0;
}
