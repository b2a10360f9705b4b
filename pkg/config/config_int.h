/* config internals shared by the files of pkg/config/.
 * Not a public header: only files under pkg/config/ include it.
 */
#ifndef FTE_CONFIG_INT_H
#define FTE_CONFIG_INT_H

#include "config.h"

#include <yaml.h>

#define CFG_LOWER "abcdefghijklmnopqrstuvwxyz"
#define CFG_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define CFG_DIGIT "0123456789"
#define CFG_ALPHA CFG_LOWER CFG_UPPER
#define CFG_ALNUM CFG_ALPHA CFG_DIGIT

/* One string owned by a struct config; all of them form a list. */
struct cfg_str {
	struct cfg_str *next;
	char s[];
};

struct config {
	const char *path;
	const char *instance;
	unsigned buffer_size_kb;
	const char *cpus;
	bool cpu_mask[CONFIG_MAX_CPUS];
	unsigned max_series;
	struct probe_spec *probes;
	int nprobes;
	unsigned window_seconds;
	const char *causes_probe;
	struct cause_class *classes;
	int nclasses;
	struct cause_rule *rules;
	int nrules;
	struct cfg_str *strs;
};

/* State of one parse: the document, where errors go and how many. */
struct cfg_ctx {
	struct config *cfg;
	yaml_document_t doc;
	const char *path;
	FILE *errs;
	int nerr;
};

/* Key and value node of one allowed key of a mapping; NULL when absent. */
struct cfg_kv {
	yaml_node_t *key, *val;
};

/* What a valid name looks like: first char, other chars, max length (0:
 * unlimited), and the pattern quoted in messages. */
struct cfg_name_rule {
	const char *what;
	const char *first, *rest;
	size_t max;
	const char *pattern;
};

extern const struct cfg_name_rule cfg_instance_name, cfg_probe_name,
	cfg_label_name, cfg_metric_name, cfg_cause_name, cfg_reason_name;

/* config.c */
void cfg_err(struct cfg_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cfg_err_at(struct cfg_ctx *ctx, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
char *cfg_printf(struct cfg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* config_yaml.c: node helpers */
yaml_node_t *cfg_node(struct cfg_ctx *ctx, int index);
int cfg_mapping(struct cfg_ctx *ctx, yaml_node_t *n, const char *what);
int cfg_fields(struct cfg_ctx *ctx, yaml_node_t *map, const char *what,
	       const char *const *names, struct cfg_kv *out);
int cfg_dup_key(struct cfg_ctx *ctx, yaml_node_t *map, yaml_node_pair_t *pair);
const char *cfg_scalar(struct cfg_ctx *ctx, yaml_node_t *n);
int cfg_seq_len(struct cfg_ctx *ctx, yaml_node_t *n);
yaml_node_t *cfg_item(struct cfg_ctx *ctx, yaml_node_t *seq, int i);
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

/* config_causes.c */
void cfg_parse_causes(struct cfg_ctx *ctx, yaml_node_t *n);

#endif
