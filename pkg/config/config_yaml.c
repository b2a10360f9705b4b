/* config: value helpers shared by every section (integers, names), name
 * rules, and the `tracing:` and `limits:` sections. Every helper reports its
 * own errors through yamldoc_err() and lets the caller carry on.
 */
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct cfg_name_rule cfg_instance_name = {
	"instance name", CFG_ALNUM "_.-", CFG_ALNUM "_.-", CFG_INSTANCE_MAX,
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
/* A location as the `location` label renders it: no clone suffix. */
const struct cfg_name_rule cfg_location_name = {
	"function name", CFG_ALPHA "_", CFG_ALNUM "_", 0,
	"a C identifier as the location label shows it, as in nf_hook_slow "
	"(no .isra/.part suffix)"
};

static const char *const tracing_keys[] = {
	"instance", "buffer_size_kb", "cpus", NULL
};

enum { TR_INSTANCE, TR_BUFFER_SIZE_KB, TR_CPUS, TR_N };

static const char *const limits_keys[] = {
	"max_series_per_probe", "series_idle_seconds", NULL
};

/* Reads scalar n as an integer in [min, max] into *out. Returns 0, or -1
 * after reporting the problem (*out is then unchanged). */
int cfg_uint(struct cfg_ctx *ctx, yaml_node_t *n, unsigned min, unsigned max,
	     unsigned *out)
{
	const char *s = yamldoc_scalar(ctx->yd, n);
	long long v;
	char *end;

	if (!s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)s[*s == '-']) || *end) {
		yamldoc_err(ctx->yd, n, "expected an integer, found \"%s\"", s);
		return -1;
	}
	if (errno || v < min || v > max) {
		yamldoc_err(ctx->yd, n, "%s is out of range (%u to %u)", s, min,
			    max);
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
	const char *s = yamldoc_scalar(ctx->yd, n);

	if (!s)
		return NULL;
	if (!cfg_chars(s, rule->first, rule->rest) ||
	    (rule->max && strlen(s) > rule->max)) {
		yamldoc_err(ctx->yd, n, "invalid %s \"%s\": expected %s",
			    rule->what, s, rule->pattern);
		return NULL;
	}
	return cfg_printf(ctx, "%s", s);
}

static void parse_instance(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const char *s = cfg_name(ctx, n, &cfg_instance_name);

	if (s && (!strcmp(s, ".") || !strcmp(s, ".."))) {
		yamldoc_err(ctx->yd, n, "invalid instance name \"%s\"", s);
		return;
	}
	if (s)
		ctx->cfg->instance = s;
}

static void parse_cpus(struct cfg_ctx *ctx, yaml_node_t *n)
{
	const char *s = yamldoc_scalar(ctx->yd, n);
	char err[256];

	if (!s)
		return;
	if (config_parse_cpus(s, ctx->cfg->cpu_mask, err, sizeof(err)) < 0) {
		yamldoc_err(ctx->yd, n, "%s", err);
		return;
	}
	ctx->cfg->cpus = cfg_printf(ctx, "%s", s);
}

/* Parses `tracing:` (instance, buffer_size_kb, cpus) over the defaults. */
void cfg_parse_tracing(struct cfg_ctx *ctx, yaml_node_t *n)
{
	struct yamldoc_kv kv[TR_N] = { { 0 } };

	if (yamldoc_fields(ctx->yd, n, "tracing", tracing_keys, NULL,
			   kv) < 0)
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
	struct yamldoc_kv kv[2] = { { 0 } };

	if (yamldoc_fields(ctx->yd, n, "limits", limits_keys, NULL, kv) < 0)
		return;
	if (kv[0].val)
		cfg_uint(ctx, kv[0].val, 1, 1000000, &ctx->cfg->max_series);
	if (kv[1].val)
		cfg_uint(ctx, kv[1].val, 0, CONFIG_IDLE_MAX,
			 &ctx->cfg->idle_seconds);
}
