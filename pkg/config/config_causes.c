/* config: the `causes:` section. Runs after `probes:` so that every probe
 * reference can be checked; a missing section still yields the defaults.
 */
#include "config_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const causes_keys[] = {
	"window_seconds", "probe", "classes", "heuristics", NULL
};

enum { CA_WINDOW, CA_PROBE, CA_CLASSES, CA_HEURISTICS, CA_N };

static const char *const rule_keys[] = { "cause", "probe", "minus", NULL };

enum { RU_CAUSE, RU_PROBE, RU_MINUS, RU_N };

/* Returns the probe scalar n names, or NULL after reporting it. */
static const struct probe_spec *find_probe(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const char *s = yamldoc_scalar(ctx->yd, n);
	const struct probe_spec *p = s ? config_probe_by_name(ctx->cfg, s) : NULL;

	if (s && !p)
		yamldoc_err(ctx->yd, n, "unknown probe \"%s\": it must be defined in probes", s);
	return p;
}

/* Default causes probe: the first skb:kfree_skb tracepoint labelled by
 * reason, or none. */
static void default_causes_probe(struct config *cfg)
{
	for (int i = 0; i < cfg->nprobes; i++) {
		const struct probe_spec *p = &cfg->probes[i];

		if (p->kind == PROBE_TRACEPOINT && p->target &&
		    !strcmp(p->target, "skb:kfree_skb") &&
		    cfg_has_label(p, "reason")) {
			cfg->causes_probe = p->name;
			return;
		}
	}
}

/* Picks the probe whose `reason` label is classified: the one named by n,
 * which must have that label, or the default when n is NULL. */
static void parse_causes_probe(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const struct probe_spec *p;

	if (!n) {
		default_causes_probe(ctx->cfg);
		return;
	}
	p = find_probe(ctx, n);
	if (p && !cfg_has_label(p, "reason"))
		yamldoc_err(ctx->yd, n, "probe \"%s\" has no label \"reason\" to classify",
			    p->name);
	else if (p)
		ctx->cfg->causes_probe = p->name;
}

/* Returns the class entry of reason, or NULL. */
const struct cause_class *config_class_of(const struct config *cfg,
					  const char *reason)
{
	for (int i = 0; i < cfg->nclasses; i++) {
		if (!strcmp(cfg->classes[i].reason, reason))
			return &cfg->classes[i];
	}
	return NULL;
}

static void add_class(struct cfg_ctx *ctx, yaml_node_t *n, const char *reason,
		      const char *cause)
{
	struct config *cfg = ctx->cfg;
	const struct cause_class *prev = config_class_of(cfg, reason);
	struct cause_class *classes;

	if (prev) {
		yamldoc_err(ctx->yd, n,
			    "drop reason \"%s\" is already in cause \"%s\"",
			    reason, prev->cause);
		return;
	}
	classes = realloc(cfg->classes, (cfg->nclasses + 1) * sizeof(*classes));
	if (!classes) {
		yamldoc_err(ctx->yd, n, "out of memory");
		return;
	}
	cfg->classes = classes;
	classes[cfg->nclasses].reason = reason;
	classes[cfg->nclasses++].cause = cause;
}

/* Parses one `cause: [REASON, ...]` entry of classes. */
static void parse_class(struct cfg_ctx *ctx, const char *cause, yaml_node_t *seq)
{
	int count = yamldoc_seq_len(ctx->yd, seq);
	const char *reason;
	yaml_node_t *item;

	for (int i = 0; i < count; i++) {
		item = yamldoc_item(ctx->yd, seq, i);
		reason = cfg_name(ctx, item, &cfg_reason_name);
		if (reason)
			add_class(ctx, item, reason, cause);
	}
}

static void parse_classes(struct cfg_ctx *ctx, yaml_node_t *map)
{
	yaml_node_pair_t *pair;
	yaml_node_t *key;
	const char *cause;

	if (yamldoc_mapping(ctx->yd, map, "causes.classes") < 0)
		return;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		key = yamldoc_node(ctx->yd, pair->key);
		cause = cfg_name(ctx, key, &cfg_cause_name);
		if (cause && yamldoc_dup_key(ctx->yd, map, pair) == 0)
			parse_class(ctx, cause,
				    yamldoc_node(ctx->yd, pair->value));
	}
}

/* Returns the cause of heuristic r if valid and not defined elsewhere. */
static const char *rule_cause(struct cfg_ctx *ctx, yaml_node_t *n,
			      const struct cause_rule *r)
{
	const struct config *cfg = ctx->cfg;
	const char *cause = cfg_name(ctx, n, &cfg_cause_name);
	const struct cause_rule *q;

	for (q = cfg->rules; cause && q < r; q++) {
		if (q->cause && !strcmp(q->cause, cause)) {
			yamldoc_err(ctx->yd, n, "cause \"%s\" already has a heuristic", cause);
			return NULL;
		}
	}
	for (int i = 0; cause && i < cfg->nclasses; i++) {
		if (!strcmp(cfg->classes[i].cause, cause)) {
			yamldoc_err(ctx->yd, n, "cause \"%s\" is already defined by classes", cause);
			return NULL;
		}
	}
	return cause;
}

static const char *rule_probe(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const struct probe_spec *p = find_probe(ctx, n);

	return p ? p->name : NULL;
}

static void parse_rule(struct cfg_ctx *ctx, yaml_node_t *n,
		       struct cause_rule *r)
{
	struct yamldoc_kv kv[RU_N] = { { 0 } };

	if (yamldoc_fields(ctx->yd, n, "a heuristic", rule_keys, NULL, kv) < 0)
		return;
	if (!kv[RU_CAUSE].val)
		yamldoc_err(ctx->yd, n, "heuristic needs a cause");
	else
		r->cause = rule_cause(ctx, kv[RU_CAUSE].val, r);
	if (!kv[RU_PROBE].val)
		yamldoc_err(ctx->yd, n, "heuristic needs a probe");
	else
		r->probe = rule_probe(ctx, kv[RU_PROBE].val);
	if (kv[RU_MINUS].val)
		r->minus = rule_probe(ctx, kv[RU_MINUS].val);
}

static void parse_rules(struct cfg_ctx *ctx, yaml_node_t *seq)
{
	struct config *cfg = ctx->cfg;
	int count = yamldoc_seq_len(ctx->yd, seq);

	if (count <= 0)
		return;
	cfg->rules = calloc(count, sizeof(*cfg->rules));
	if (!cfg->rules) {
		yamldoc_err(ctx->yd, seq, "out of memory");
		return;
	}
	for (int i = 0; i < count; i++) {
		cfg->nrules = i + 1;
		parse_rule(ctx, yamldoc_item(ctx->yd, seq, i), &cfg->rules[i]);
	}
}

/* Parses `causes:` (n may be NULL: defaults only). Needs the probes. */
void cfg_parse_causes(struct cfg_ctx *ctx, yaml_node_t *n)
{
	struct yamldoc_kv kv[CA_N] = { { 0 } };

	if (n && yamldoc_fields(ctx->yd, n, "causes", causes_keys, NULL,
				kv) < 0)
		return;
	if (kv[CA_WINDOW].val)
		cfg_uint(ctx, kv[CA_WINDOW].val, 1, 3600,
			 &ctx->cfg->window_seconds);
	parse_causes_probe(ctx, kv[CA_PROBE].val);
	if (kv[CA_CLASSES].val)
		parse_classes(ctx, kv[CA_CLASSES].val);
	if (kv[CA_HEURISTICS].val)
		parse_rules(ctx, kv[CA_HEURISTICS].val);
}
