/* config: the `causes:` section. Runs after `probes:` so that every probe
 * reference can be checked; a missing section still yields the defaults.
 * Three parts feed the causes: classes (kernel drop reasons), locations (the
 * function that dropped, for kernels without reasons) and heuristics (probe
 * rates). A cause comes from classes and locations, or from one heuristic.
 */
#include "config_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const causes_keys[] = {
	"window_seconds", "probe", "classes", "locations", "heuristics", NULL
};

enum { CA_WINDOW, CA_PROBE, CA_CLASSES, CA_LOCATIONS, CA_HEURISTICS, CA_N };

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

/* The first skb:kfree_skb tracepoint labelled by label, or NULL. */
static const char *kfree_skb_by(const struct config *cfg, const char *label)
{
	for (int i = 0; i < cfg->nprobes; i++) {
		const struct probe_spec *p = &cfg->probes[i];

		if (p->kind == PROBE_TRACEPOINT && p->target &&
		    !strcmp(p->target, "skb:kfree_skb") &&
		    cfg_has_label(p, label))
			return p->name;
	}
	return NULL;
}

/* Picks the probe whose drops are classified: the one named by n, which
 * must have a `reason` or `location` label, or by default the first
 * skb:kfree_skb probe labelled by reason, else by location. */
static void parse_causes_probe(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const struct probe_spec *p;

	if (!n) {
		ctx->cfg->causes_probe = kfree_skb_by(ctx->cfg, "reason");
		if (!ctx->cfg->causes_probe)
			ctx->cfg->causes_probe = kfree_skb_by(ctx->cfg,
							      "location");
		return;
	}
	p = find_probe(ctx, n);
	if (p && !cfg_has_label(p, "reason") && !cfg_has_label(p, "location"))
		yamldoc_err(ctx->yd, n, "probe \"%s\" has no label \"reason\" or \"location\" to classify",
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

/* Returns the locations entry of function, or NULL. Linear: pkg/causes
 * asks once per drop address and caches the answer. */
const struct cause_location *config_location_of(const struct config *cfg,
						const char *function)
{
	for (int i = 0; i < cfg->nlocations; i++) {
		if (!strcmp(cfg->locations[i].function, function))
			return &cfg->locations[i];
	}
	return NULL;
}

/* Appends function -> cause (strings owned by the config), or reports at
 * n a function listed before or running out of memory. */
static void add_location(struct cfg_ctx *ctx, yaml_node_t *n,
			 const char *function, const char *cause)
{
	struct config *cfg = ctx->cfg;
	const struct cause_location *prev = config_location_of(cfg, function);
	struct cause_location *v;

	if (prev) {
		yamldoc_err(ctx->yd, n,
			    "function \"%s\" is already in cause \"%s\"",
			    function, prev->cause);
		return;
	}
	v = realloc(cfg->locations, (cfg->nlocations + 1) * sizeof(*v));
	if (!v) {
		yamldoc_err(ctx->yd, n, "out of memory");
		return;
	}
	cfg->locations = v;
	v[cfg->nlocations].function = function;
	v[cfg->nlocations++].cause = cause;
}

/* Locations classify the causes probe's `location` label: it must have
 * one. */
static void check_location_probe(struct cfg_ctx *ctx, yaml_node_t *map)
{
	const char *name = ctx->cfg->causes_probe;
	const struct probe_spec *p = name ? config_probe_by_name(ctx->cfg, name)
					  : NULL;

	if (!p)
		yamldoc_err(ctx->yd, map, "causes.locations needs a causes probe labelled by location (causes.probe)");
	else if (!cfg_has_label(p, "location"))
		yamldoc_err(ctx->yd, map, "causes.locations: the causes probe \"%s\" has no label \"location\"",
			    p->name);
}

/* Takes one item of a `cause: [NAME, ...]` list. */
typedef void (*cause_item_fn)(struct cfg_ctx *ctx, yaml_node_t *item,
			      const char *cause);

/* A drop reason of causes.classes; reported at item when invalid. */
static void class_item(struct cfg_ctx *ctx, yaml_node_t *item,
		       const char *cause)
{
	const char *reason = cfg_name(ctx, item, &cfg_reason_name);

	if (reason)
		add_class(ctx, item, reason, cause);
}

/* A function of causes.locations; reported at item when invalid. */
static void location_item(struct cfg_ctx *ctx, yaml_node_t *item,
			  const char *cause)
{
	const char *function = cfg_name(ctx, item, &cfg_location_name);

	if (function)
		add_location(ctx, item, function, cause);
}

/* Walks a mapping of `cause: [NAME, ...]` (classes, locations; what names
 * it in messages), giving each item of a valid cause to fn. */
static void parse_cause_map(struct cfg_ctx *ctx, yaml_node_t *map,
			    const char *what, cause_item_fn fn)
{
	yaml_node_pair_t *pair;
	yaml_node_t *key, *seq;
	const char *cause;
	int count;

	if (yamldoc_mapping(ctx->yd, map, what) < 0)
		return;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		key = yamldoc_node(ctx->yd, pair->key);
		cause = cfg_name(ctx, key, &cfg_cause_name);
		if (!cause || yamldoc_dup_key(ctx->yd, map, pair))
			continue;
		seq = yamldoc_node(ctx->yd, pair->value);
		count = yamldoc_seq_len(ctx->yd, seq);
		for (int i = 0; i < count; i++)
			fn(ctx, yamldoc_item(ctx->yd, seq, i), cause);
	}
}

/* The part of `causes:` other than heuristics that defines cause, or
 * NULL. */
static const char *defined_by(const struct config *cfg, const char *cause)
{
	for (int i = 0; i < cfg->nclasses; i++)
		if (!strcmp(cfg->classes[i].cause, cause))
			return "classes";
	for (int i = 0; i < cfg->nlocations; i++)
		if (!strcmp(cfg->locations[i].cause, cause))
			return "locations";
	return NULL;
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
	if (cause && defined_by(cfg, cause)) {
		yamldoc_err(ctx->yd, n, "cause \"%s\" is already defined by %s",
			    cause, defined_by(cfg, cause));
		return NULL;
	}
	return cause;
}

/* Adds the probe item names to names[*n], unless listed already. */
static void add_rule_probe(struct cfg_ctx *ctx, yaml_node_t *item,
			   const char **names, int *n)
{
	const struct probe_spec *p = find_probe(ctx, item);

	for (int i = 0; p && i < *n; i++) {
		if (names[i] && !strcmp(names[i], p->name)) {
			yamldoc_err(ctx->yd, item, "probe \"%s\" is listed twice", p->name);
			return;
		}
	}
	names[(*n)++] = p ? p->name : NULL;
}

/* Parses a heuristic's `probe:` or `minus:`: one probe name, or a list of
 * them in order of preference, into names[CONFIG_MAX_FALLBACKS]. Returns
 * how many, 0 after reporting a problem. */
static int rule_probes(struct cfg_ctx *ctx, yaml_node_t *n, const char **names)
{
	int count = 1, len = 0;

	if (n->type == YAML_SEQUENCE_NODE)
		count = yamldoc_seq_len(ctx->yd, n);
	if (count == 0 || count > CONFIG_MAX_FALLBACKS) {
		yamldoc_err(ctx->yd, n, "a heuristic names 1 to %d probes in order of preference, not %d",
			    CONFIG_MAX_FALLBACKS, count);
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		add_rule_probe(ctx, n, names, &len);
	for (int i = 0; n->type == YAML_SEQUENCE_NODE && i < count; i++)
		add_rule_probe(ctx, yamldoc_item(ctx->yd, n, i), names, &len);
	return len;
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
		r->nprobes = rule_probes(ctx, kv[RU_PROBE].val, r->probes);
	if (kv[RU_MINUS].val)
		r->nminus = rule_probes(ctx, kv[RU_MINUS].val, r->minuses);
	r->probe = r->probes[0];
	r->minus = r->minuses[0];
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
		parse_cause_map(ctx, kv[CA_CLASSES].val, "causes.classes",
				class_item);
	if (kv[CA_LOCATIONS].val)
		parse_cause_map(ctx, kv[CA_LOCATIONS].val, "causes.locations",
				location_item);
	if (ctx->cfg->nlocations)
		check_location_probe(ctx, kv[CA_LOCATIONS].val);
	if (kv[CA_HEURISTICS].val)
		parse_rules(ctx, kv[CA_HEURISTICS].val);
}
