/* config: libyaml node helpers shared by every section, name rules, and
 * the `tracing:` and `limits:` sections. Every helper reports its own
 * errors through cfg_err() and lets the caller carry on.
 */
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct cfg_name_rule cfg_instance_name = {
	"instance name", CFG_ALNUM "_.-", CFG_ALNUM "_.-", 64,
	"[A-Za-z0-9_.-]+, at most 64 characters"
};
const struct cfg_name_rule cfg_probe_name = {
	"probe name", CFG_ALPHA "_", CFG_ALNUM "_", 63,
	"[A-Za-z_][A-Za-z0-9_]*, at most 63 characters"
};
const struct cfg_name_rule cfg_label_name = {
	"label name", CFG_ALPHA "_", CFG_ALNUM "_", 0, "[a-zA-Z_][a-zA-Z0-9_]*"
};
const struct cfg_name_rule cfg_metric_name = {
	"metric name", CFG_ALPHA "_:", CFG_ALNUM "_:", 0,
	"[a-zA-Z_:][a-zA-Z0-9_:]*"
};
const struct cfg_name_rule cfg_cause_name = {
	"cause name", CFG_LOWER, CFG_LOWER CFG_DIGIT "_", 0, "[a-z][a-z0-9_]*"
};
const struct cfg_name_rule cfg_reason_name = {
	"drop reason", CFG_UPPER CFG_DIGIT "_", CFG_UPPER CFG_DIGIT "_", 0,
	"[A-Z0-9_]+, as in NO_SOCKET"
};

static const char *const tracing_keys[] = {
	"instance", "buffer_size_kb", "cpus", NULL
};

enum { TR_INSTANCE, TR_BUFFER_SIZE_KB, TR_CPUS, TR_N };

static const char *const limits_keys[] = { "max_series_per_probe", NULL };

/* Returns node index of the document, NULL if out of range. */
yaml_node_t *cfg_node(struct cfg_ctx *ctx, int index)
{
	return yaml_document_get_node(&ctx->doc, index);
}

static const char *type_name(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "sequence";
	return "scalar";
}

/* Returns 0 if n is a mapping, else reports it and returns -1. */
int cfg_mapping(struct cfg_ctx *ctx, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	cfg_err(ctx, n, "expected a mapping for %s, found a %s", what,
		type_name(n));
	return -1;
}

/* Returns the text of scalar n, or NULL after reporting a non-scalar or a
 * scalar with an embedded NUL. The text belongs to the document. */
const char *cfg_scalar(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		cfg_err(ctx, n, "expected a scalar, found a %s", type_name(n));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		cfg_err(ctx, n, "NUL characters are not allowed");
		return NULL;
	}
	return s;
}

/* Returns the number of items of sequence n, or -1 after reporting that
 * n is not a sequence. */
int cfg_seq_len(struct cfg_ctx *ctx, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		cfg_err(ctx, n, "expected a sequence, found a %s", type_name(n));
		return -1;
	}
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

/* Returns item i of sequence seq (i < cfg_seq_len()). */
yaml_node_t *cfg_item(struct cfg_ctx *ctx, yaml_node_t *seq, int i)
{
	return cfg_node(ctx, seq->data.sequence.items.start[i]);
}

/* Reports pair's key if an earlier key of map has the same text. Returns
 * -1 for a duplicate, 0 otherwise. */
int cfg_dup_key(struct cfg_ctx *ctx, yaml_node_t *map, yaml_node_pair_t *pair)
{
	yaml_node_t *key = cfg_node(ctx, pair->key), *prev;
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < pair; p++) {
		prev = cfg_node(ctx, p->key);
		if (prev->type != YAML_SCALAR_NODE || key->type != YAML_SCALAR_NODE)
			continue;
		if (strcmp((char *)prev->data.scalar.value,
			   (char *)key->data.scalar.value))
			continue;
		cfg_err(ctx, key, "duplicate key \"%s\" (first at line %d)",
			(char *)key->data.scalar.value,
			(int)prev->start_mark.line + 1);
		return -1;
	}
	return 0;
}

static void unknown_key(struct cfg_ctx *ctx, yaml_node_t *key,
			const char *what, const char *const *names)
{
	char allowed[256] = "";
	size_t len = 0;

	for (int i = 0; names[i] && len < sizeof(allowed); i++)
		len += snprintf(allowed + len, sizeof(allowed) - len, "%s%s",
				i ? ", " : "", names[i]);
	cfg_err(ctx, key, "unknown key \"%s\" in %s (allowed: %s)",
		(char *)key->data.scalar.value, what, allowed);
}

/* Checks that map is a mapping whose keys are distinct scalars taken from
 * the NULL-terminated names, and fills out[i] with the key and value of
 * names[i] (out must be zeroed by the caller). Returns -1 only when map is
 * not a mapping; other problems are reported and skipped. */
int cfg_fields(struct cfg_ctx *ctx, yaml_node_t *map, const char *what,
	       const char *const *names, struct cfg_kv *out)
{
	yaml_node_pair_t *pair;
	const char *key;
	int i;

	if (cfg_mapping(ctx, map, what) < 0)
		return -1;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		key = cfg_scalar(ctx, cfg_node(ctx, pair->key));
		if (!key || cfg_dup_key(ctx, map, pair) < 0)
			continue;
		for (i = 0; names[i] && strcmp(names[i], key); i++)
			;
		if (!names[i]) {
			unknown_key(ctx, cfg_node(ctx, pair->key), what, names);
			continue;
		}
		out[i].key = cfg_node(ctx, pair->key);
		out[i].val = cfg_node(ctx, pair->value);
	}
	return 0;
}

/* Reads scalar n as an integer in [min, max] into *out. Returns 0, or -1
 * after reporting the problem (*out is then unchanged). */
int cfg_uint(struct cfg_ctx *ctx, yaml_node_t *n, unsigned min, unsigned max,
	     unsigned *out)
{
	const char *s = cfg_scalar(ctx, n);
	long long v;
	char *end;

	if (!s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)s[*s == '-']) || *end) {
		cfg_err(ctx, n, "expected an integer, found \"%s\"", s);
		return -1;
	}
	if (errno || v < min || v > max) {
		cfg_err(ctx, n, "%s is out of range (%u to %u)", s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* True if s is non-empty, starts with a char of first and continues with
 * chars of rest. */
bool cfg_chars(const char *s, const char *first, const char *rest)
{
	return *s && strchr(first, *s) && strspn(s + 1, rest) == strlen(s + 1);
}

/* Returns a copy (owned by the config) of scalar n if it follows rule, or
 * NULL after reporting why not. */
const char *cfg_name(struct cfg_ctx *ctx, yaml_node_t *n,
		     const struct cfg_name_rule *rule)
{
	const char *s = cfg_scalar(ctx, n);

	if (!s)
		return NULL;
	if (!cfg_chars(s, rule->first, rule->rest) ||
	    (rule->max && strlen(s) > rule->max)) {
		cfg_err(ctx, n, "invalid %s \"%s\": expected %s", rule->what,
			s, rule->pattern);
		return NULL;
	}
	return cfg_printf(ctx, "%s", s);
}

static void parse_instance(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const char *s = cfg_name(ctx, n, &cfg_instance_name);

	if (s && (!strcmp(s, ".") || !strcmp(s, ".."))) {
		cfg_err(ctx, n, "invalid instance name \"%s\"", s);
		return;
	}
	if (s)
		ctx->cfg->instance = s;
}

static void parse_cpus(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const char *s = cfg_scalar(ctx, n);
	char err[256];

	if (!s)
		return;
	if (config_parse_cpus(s, ctx->cfg->cpu_mask, err, sizeof(err)) < 0) {
		cfg_err(ctx, n, "%s", err);
		return;
	}
	ctx->cfg->cpus = cfg_printf(ctx, "%s", s);
}

/* Parses `tracing:` (instance, buffer_size_kb, cpus) over the defaults. */
void cfg_parse_tracing(struct cfg_ctx *ctx, yaml_node_t *n)
{
	struct cfg_kv kv[TR_N] = { { 0 } };

	if (cfg_fields(ctx, n, "tracing", tracing_keys, kv) < 0)
		return;
	if (kv[TR_INSTANCE].val)
		parse_instance(ctx, kv[TR_INSTANCE].val);
	if (kv[TR_BUFFER_SIZE_KB].val)
		cfg_uint(ctx, kv[TR_BUFFER_SIZE_KB].val, 1, 1048576,
			 &ctx->cfg->buffer_size_kb);
	if (kv[TR_CPUS].val)
		parse_cpus(ctx, kv[TR_CPUS].val);
}

/* Parses `limits:`; must run before the probes, which inherit from it. */
void cfg_parse_limits(struct cfg_ctx *ctx, yaml_node_t *n)
{
	struct cfg_kv kv[1] = { { 0 } };

	if (cfg_fields(ctx, n, "limits", limits_keys, kv) < 0)
		return;
	if (kv[0].val)
		cfg_uint(ctx, kv[0].val, 1, 1000000, &ctx->cfg->max_series);
}
