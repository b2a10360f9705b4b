/* config: the YAML probe list (libyaml), validated strictly.
 *
 * config_load() parses a file into an immutable struct config. Every problem
 * is printed to the error stream as "FILE:LINE:COL: message", and all of them
 * are reported, not just the first. A config with any problem is never
 * returned half-built: the caller gets NULL and the previous config (if any)
 * stays in force.
 */
#ifndef FTE_CONFIG_H
#define FTE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#define CONFIG_MAX_LABELS 4
#define CONFIG_MAX_CPUS 1024
#define CONFIG_IDLE_MAX (7 * 86400)	/* series_idle_seconds: a week */

enum probe_kind { PROBE_TRACEPOINT, PROBE_FUNCTION, PROBE_KPROBE };

/* How a probe counts, as configured (`mode:`). count: the exporter reads
 * and counts the records (the ring buffer); hist: a kernel hist trigger
 * counts; auto: a hist trigger where the kernel accepts one, the ring
 * buffer otherwise, chosen by the generation that turns the probe on
 * (pkg/generation/enable.c) and recorded in its probe-state table
 * (pkg/pstate). hist and auto are for tracepoints only. */
enum probe_mode { PROBE_COUNT, PROBE_HIST, PROBE_AUTO };

/* One entry of `probes:`. Plain data owned by its struct config. */
struct probe_spec {
	const char *name;
	enum probe_kind kind;
	const char *target;	/* "sys:event", function name, or "SYMBOL[+off]" */
	const char *system;	/* tracepoint: "skb"; kprobe: private group */
	const char *event;	/* tracepoint: "kfree_skb"; kprobe: event name */
	const char *fetchargs;	/* kprobe only: "dev=+0(%di):u64 ..." or NULL */
	const char *labels[CONFIG_MAX_LABELS];
	int nlabels;
	const char *metric;	/* family fed by labels; NULL when no labels */
	const char *help;	/* HELP text of that family */
	const char *filter;	/* in-kernel ftrace filter or NULL */
	unsigned max_series;	/* cap for this probe's labelled family */
	unsigned idle_seconds;	/* a series idle this long expires; 0 never */
	enum probe_mode mode;	/* as configured; see enum probe_mode */
	int line, col;		/* where the probe starts in the file */
};

/* The most probes one input of a heuristic may name. */
#define CONFIG_MAX_FALLBACKS 4

/* One `causes.heuristics` rule: rate(probe) [- rate(minus)], clamped at 0.
 * Each input names its probes in order of preference (`probe: [a, b]`);
 * the first one that is up counts (pkg/causes picks it per generation). */
struct cause_rule {
	const char *cause;
	const char *probe;	/* probes[0], the preferred one */
	const char *minus;	/* minuses[0]; NULL: plain rate */
	const char *probes[CONFIG_MAX_FALLBACKS];
	const char *minuses[CONFIG_MAX_FALLBACKS];
	int nprobes, nminus;
};

/* One `causes.classes` entry: a kernel drop reason name and its cause. */
struct cause_class {
	const char *reason;
	const char *cause;
};

/* One `causes.locations` entry: a function that drops packets (as the
 * causes probe's `location` label names it) and its cause. */
struct cause_location {
	const char *function;
	const char *cause;
};

struct config;

struct config *config_load(const char *path, FILE *errs);
struct config *config_load_after(const char *path, const struct config *prev,
				 FILE *errs);
/* config_load() with suffix appended to tracing.instance (and so to the
 * kprobe group): an instance of its own for a second tracer of the config. */
struct config *config_load_renamed(const char *path, const char *suffix,
				   FILE *errs);
struct config *config_parse(const char *path, const char *text, FILE *errs);
void config_free(struct config *cfg);

const char *config_path(const struct config *cfg);
const char *config_instance(const struct config *cfg);
/* The instance's private kprobe group: "fte_" and the instance name with
 * '_' written "__", '.' "_d" and '-' "_h" (one group per instance name;
 * my.inst-1 -> fte_my_dinst_h1). Every kprobe probe is created there, and
 * only that group is ever removed, by the instance's owner. */
const char *config_kprobe_group(const struct config *cfg);
unsigned config_buffer_size_kb(const struct config *cfg);
const char *config_cpus(const struct config *cfg);
bool config_cpu_enabled(const struct config *cfg, int cpu);
int config_probe_count(const struct config *cfg);
const struct probe_spec *config_probe(const struct config *cfg, int i);
const struct probe_spec *config_probe_by_name(const struct config *cfg,
					      const char *name);
/* True when a and b define the same probe: same name, kind, target, labels,
 * family, filter and cap (so its counters mean the same across a reload). */
bool config_probe_same(const struct probe_spec *a, const struct probe_spec *b);
/* True when a and b need the same thing in the kernel, across configs
 * too, once it is known how each counts (a_hist, b_hist: by a hist
 * trigger; false: by ring-buffer records), whatever their configured
 * modes: a ring-buffer event with the same filter, a kprobe with the same
 * definition, or a hist trigger with the same keys, size and filter
 * (function probes: never). The tracefs reload steps match kernel objects
 * by it. */
bool config_same_kernel_need(const struct probe_spec *a, bool a_hist,
			     const struct probe_spec *b, bool b_hist);

/* Facts derived once at load (config_derive.c); i is a probe index. */
/* The probe called name, or -1 (a binary search). */
int config_probe_index(const struct config *cfg, const char *name);
/* The first probe on i's kernel event (i itself when it is the first);
 * -1 for function probes. Probes on one event see the same records. */
int config_event_first(const struct config *cfg, int i);
/* The first probe feeding i's metric family (i when it is the first), -1
 * when i has none. */
int config_family_first(const struct config *cfg, int i);
/* An earlier ring-buffer probe on i's event with another filter (an
 * instance has one filter per event), or -1. Hist probes are left out,
 * and probes with packet labels (they filter their own event probe; one
 * that counts its tracepoint without it is checked when it is turned on):
 * an auto probe may count by the ring buffer, so it is taken as one on
 * both sides (put probes on one event under one filter, or the count
 * probe before the auto one). */
int config_filter_conflict(const struct config *cfg, int i);
/* The probe of the config this one was loaded after (config_load_after)
 * that i continues, same name and definition, or -1 (new or changed). */
int config_probe_previous(const struct config *cfg, int i);
/* The causes probe and its `reason` label, or -1 when there is none. */
int config_reason_probe(const struct config *cfg);
int config_reason_label(const struct config *cfg);
/* The causes probe and its `location` label, or -1 when there is none. */
int config_location_probe(const struct config *cfg);
int config_location_label(const struct config *cfg);
/* The labels of probe i an event probe derives from the skb (bit l for
 * label l): on an skb tracepoint that carries only the skb pointer
 * (skb:kfree_skb, skb:consume_skb), the labels among saddr, daddr, sport,
 * dport, l4proto, device and netns. 0 for every other probe. Such a probe
 * counts the records of its event probe, made in the private group under
 * the probe's name (config_kprobe_group()), when the kernel takes one. */
unsigned config_packet_labels(const struct config *cfg, int i);
/* True when label names a label config_packet_labels() gives to probes on
 * skb tracepoints. */
bool config_packet_label(const char *label);
/* True when label names an address or a port: saddr, daddr, sport,
 * dport (who a packet or a segment belongs to). */
bool config_address_label(const char *label);
/* The address labels of probe i (bit l for label l), whatever its event:
 * the probes that can say whose packets they count. */
unsigned config_address_labels(const struct config *cfg, int i);
/* True when the `tracing:` sections agree (instance, buffer size, cpus):
 * those apply at start only. */
bool config_tracing_same(const struct config *a, const struct config *b);
unsigned config_window_seconds(const struct config *cfg);
const char *config_causes_probe(const struct config *cfg);
int config_class_count(const struct config *cfg);
/* The causes.classes entry naming reason, or NULL (the cause "other"). */
const struct cause_class *config_class_of(const struct config *cfg,
					  const char *reason);
const struct cause_class *config_class(const struct config *cfg, int i);
/* causes.locations, in config order; config_location_of() is the entry
 * naming function, or NULL (the cause "other"). */
int config_location_count(const struct config *cfg);
const struct cause_location *config_location(const struct config *cfg,
					     int i);
const struct cause_location *config_location_of(const struct config *cfg,
						const char *function);
int config_rule_count(const struct config *cfg);
const struct cause_rule *config_rule(const struct config *cfg, int i);

/* Parses a cpu list such as "0-3,8" or "all" into mask[CONFIG_MAX_CPUS].
 * Returns 0, or -1 with a message in err (size errlen) on bad syntax. */
int config_parse_cpus(const char *s, bool *mask, char *err, size_t errlen);

#endif
