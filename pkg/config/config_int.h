/* config internals shared by the files of pkg/config/.
 * Not a public header: only files under pkg/config/ include it.
 */
#ifndef FTE_CONFIG_INT_H
#define FTE_CONFIG_INT_H

#include "config.h"
#include "yamldoc/yamldoc.h"

#define CFG_LOWER "abcdefghijklmnopqrstuvwxyz"
#define CFG_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define CFG_DIGIT "0123456789"
#define CFG_ALPHA CFG_LOWER CFG_UPPER
#define CFG_ALNUM CFG_ALPHA CFG_DIGIT
/* The longest tracing.instance (a kprobe group name is derived from it). */
#define CFG_INSTANCE_MAX 64

/* One string owned by a struct config; all of them form a list. */
struct cfg_str {
	struct cfg_str *next;
	char s[];
};

/* Facts derived from the probe list at load (config_derive.c). */
struct cfg_derived {
	int event_first, family_first, filter_conflict, previous;
	unsigned packet_labels;	/* config_packet_labels() */
	unsigned address_labels;	/* config_address_labels() */
};

struct config {
	const char *path;
	const char *instance;
	const char *kprobe_group;	/* "fte_<instance>", see cfg_parse_probes */
	unsigned buffer_size_kb;
	const char *cpus;
	bool cpu_mask[CONFIG_MAX_CPUS];
	unsigned max_series;
	unsigned idle_seconds;	/* limits.series_idle_seconds */
	struct probe_spec *probes;
	int nprobes;
	unsigned window_seconds;
	const char *causes_probe;
	struct cause_class *classes;
	int nclasses;
	struct cause_location *locations;
	int nlocations;
	struct cause_rule *rules;
	int nrules;
	struct cfg_str *strs;
	struct cfg_derived *derived;	/* [nprobes] */
	int *by_name;			/* probe indices sorted by name */
	int reason_probe, reason_label;
	int location_probe, location_label;
};

/* State of one parse: the config being built, and the document with its
 * error reporting. */
struct cfg_ctx {
	struct config *cfg;
	struct yamldoc *yd;
	const char *instance_suffix;	/* appended to tracing.instance, or NULL */
};

/* What a valid name looks like: first char, other chars, max length (0:
 * unlimited), and the pattern quoted in messages. */
struct cfg_name_rule {
	const char *what;
	const char *first, *rest;
	size_t max;
	const char *pattern;
};

/* Same label names in the same order (config_probes.c). */
bool cfg_same_labels(const struct probe_spec *a, const struct probe_spec *b);
extern const struct cfg_name_rule cfg_instance_name, cfg_probe_name,
	cfg_label_name, cfg_metric_name, cfg_cause_name, cfg_reason_name,
	cfg_location_name;

/* config.c */
char *cfg_printf(struct cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* config_yaml.c: value helpers (the node helpers are yamldoc's) */
int cfg_uint(struct cfg_ctx *ctx, yaml_node_t *n, unsigned min, unsigned max,
	     unsigned *out);
bool cfg_chars(const char *s, const char *first, const char *rest);
const char *cfg_name(struct cfg_ctx *ctx, yaml_node_t *n,
		     const struct cfg_name_rule *rule);

/* config_yaml.c: sections */
void cfg_parse_tracing(struct cfg_ctx *ctx, yaml_node_t *n);
void cfg_parse_limits(struct cfg_ctx *ctx, yaml_node_t *n);

/* config_probes.c */
void cfg_parse_probes(struct cfg_ctx *ctx, yaml_node_t *root, yaml_node_t *n);
bool cfg_has_label(const struct probe_spec *p, const char *label);

/* config_derive.c: fills cfg->derived, by_name and the reason probe of a
 * valid config; prev (NULL at start) is the config it follows. -1 on
 * ENOMEM. */
int cfg_derive(struct config *cfg, const struct config *prev);

/* config_causes.c */
void cfg_parse_causes(struct cfg_ctx *ctx, yaml_node_t *n);

#endif
