/* config: see config.h. This file holds the lifecycle (load, parse, free),
 * the string pool, the accessors and the cpu list parser. The document and
 * its error reporting are pkg/yamldoc's; the YAML walking lives in
 * config_yaml.c (value helpers, tracing, limits), config_probes.c and
 * config_causes.c.
 */
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {
	"tracing", "limits", "probes", "causes", NULL
};

enum { TOP_TRACING, TOP_LIMITS, TOP_PROBES, TOP_CAUSES, TOP_N };

/* Formats a string owned by ctx->cfg (freed by config_free). On allocation
 * failure reports "out of memory" and returns NULL. */
char *cfg_printf(struct cfg_ctx *ctx, const char *fmt, ...)
{
	struct cfg_str *str;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	str = len < 0 ? NULL : malloc(sizeof(*str) + len + 1);
	if (!str) {
		yamldoc_err_at(ctx->yd, 1, 1, "out of memory");
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(str->s, len + 1, fmt, ap);
	va_end(ap);
	str->next = ctx->cfg->strs;
	ctx->cfg->strs = str;
	return str->s;
}

/* Frees cfg and every string it owns. NULL is allowed. */
void config_free(struct config *cfg)
{
	struct cfg_str *str, *next;

	if (!cfg)
		return;
	for (str = cfg->strs; str; str = next) {
		next = str->next;
		free(str);
	}
	free(cfg->probes);
	free(cfg->classes);
	free(cfg->locations);
	free(cfg->rules);
	free(cfg->derived);
	free(cfg->by_name);
	free(cfg);
}

/* Appends ctx->instance_suffix to the instance name, before the kprobe
 * group is named after it (cfg_parse_probes). */
static void rename_instance(struct cfg_ctx *ctx)
{
	const char *s = cfg_printf(ctx, "%s%s", ctx->cfg->instance,
				   ctx->instance_suffix);

	if (s && strlen(s) > CFG_INSTANCE_MAX)
		yamldoc_err_at(ctx->yd, 1, 1, "instance name \"%s\" is longer "
			       "than %d characters", s, CFG_INSTANCE_MAX);
	if (s)
		ctx->cfg->instance = s;
}

/* Walks the top-level mapping, sections in dependency order (a
 * yamldoc_walk_fn on a struct cfg_ctx). */
static void parse_root(void *arg, yaml_node_t *root)
{
	struct yamldoc_kv kv[TOP_N] = { { 0 } };
	struct cfg_ctx *ctx = arg;

	if (!root) {
		yamldoc_err_at(ctx->yd, 1, 1, "no probes: the file is empty");
		return;
	}
	if (yamldoc_fields(ctx->yd, root, "the top level", top_keys, NULL,
			   kv) < 0)
		return;
	if (kv[TOP_TRACING].val)
		cfg_parse_tracing(ctx, kv[TOP_TRACING].val);
	if (ctx->instance_suffix)
		rename_instance(ctx);
	if (kv[TOP_LIMITS].val)
		cfg_parse_limits(ctx, kv[TOP_LIMITS].val);
	cfg_parse_probes(ctx, root, kv[TOP_PROBES].val);
	cfg_parse_causes(ctx, kv[TOP_CAUSES].val);
}

static void set_defaults(struct config *cfg)
{
	cfg->instance = "ftrace_exporter";
	cfg->buffer_size_kb = 2048;
	cfg->cpus = "all";
	for (int i = 0; i < CONFIG_MAX_CPUS; i++)
		cfg->cpu_mask[i] = true;
	cfg->max_series = 1000;
	cfg->window_seconds = 30;
}

/* Parses text, or the file at path when text is NULL; path names the
 * source in messages. Returns a config the caller frees with
 * config_free(), or NULL with errno set (EINVAL: problems were printed to
 * errs; ENOMEM; or why the file could not be read, printed too). */
static struct config *parse(const char *path, const char *text,
			     const struct config *prev, const char *suffix,
			     FILE *errs)
{
	struct cfg_ctx ctx = { .instance_suffix = suffix };
	int err = ENOMEM;

	ctx.cfg = calloc(1, sizeof(*ctx.cfg));
	ctx.yd = yamldoc_new(path, errs);
	if (!ctx.cfg || !ctx.yd)
		goto err_free;
	set_defaults(ctx.cfg);
	ctx.cfg->path = cfg_printf(&ctx, "%s", path);
	if (yamldoc_parse(ctx.yd, text, YAMLDOC_MAX_SIZE, "", parse_root,
			  &ctx) < 0) {
		err = errno;
		goto err_free;
	}
	if (cfg_derive(ctx.cfg, prev))
		goto err_free;
	yamldoc_free(ctx.yd);
	return ctx.cfg;

err_free:
	yamldoc_free(ctx.yd);
	config_free(ctx.cfg);
	errno = err;
	return NULL;
}

/* Loads and validates the YAML file at path. Returns a config the caller
 * frees with config_free(), or NULL with errno set after printing every
 * problem to errs ("FILE: reason" when the file cannot be read). */
struct config *config_load(const char *path, FILE *errs)
{
	return parse(path, NULL, NULL, NULL, errs);
}

/* config_load() for a hot reload: also links each probe to the probe of
 * prev it continues (config_probe_previous). */
struct config *config_load_after(const char *path, const struct config *prev,
				 FILE *errs)
{
	return parse(path, NULL, prev, NULL, errs);
}

/* config_load() with suffix appended to tracing.instance, so the kprobe
 * group is named after the new name too: a second tracer of the same config
 * (`ftrace_exporter diagnose`) in an instance of its own. */
struct config *config_load_renamed(const char *path, const char *suffix,
				   FILE *errs)
{
	return parse(path, NULL, NULL, suffix, errs);
}

/* Parses YAML text (not NULL); path only names the source in messages.
 * Returns a config the caller frees with config_free(), or NULL with errno
 * set (EINVAL: problems were printed to errs; ENOMEM). */
struct config *config_parse(const char *path, const char *text, FILE *errs)
{
	return parse(path, text, NULL, NULL, errs);
}

const char *config_path(const struct config *cfg)
{
	return cfg->path;
}

const char *config_kprobe_group(const struct config *cfg)
{
	return cfg->kprobe_group;
}

const char *config_instance(const struct config *cfg)
{
	return cfg->instance;
}

unsigned config_buffer_size_kb(const struct config *cfg)
{
	return cfg->buffer_size_kb;
}

const char *config_cpus(const struct config *cfg)
{
	return cfg->cpus;
}

bool config_cpu_enabled(const struct config *cfg, int cpu)
{
	return cpu >= 0 && cpu < CONFIG_MAX_CPUS && cfg->cpu_mask[cpu];
}

int config_probe_count(const struct config *cfg)
{
	return cfg->nprobes;
}

/* Returns probe i (0-based), or NULL when out of range. */
const struct probe_spec *config_probe(const struct config *cfg, int i)
{
	return i >= 0 && i < cfg->nprobes ? &cfg->probes[i] : NULL;
}

/* Returns the probe called name, or NULL. */
const struct probe_spec *config_probe_by_name(const struct config *cfg,
					      const char *name)
{
	if (cfg->by_name)	/* loaded: the index */
		return config_probe(cfg, config_probe_index(cfg, name));
	for (int i = 0; i < cfg->nprobes; i++) {
		if (cfg->probes[i].name && !strcmp(cfg->probes[i].name, name))
			return &cfg->probes[i];
	}
	return NULL;
}

bool config_tracing_same(const struct config *a, const struct config *b)
{
	return !strcmp(a->instance, b->instance) &&
	       a->buffer_size_kb == b->buffer_size_kb &&
	       !memcmp(a->cpu_mask, b->cpu_mask, sizeof(a->cpu_mask));
}

unsigned config_window_seconds(const struct config *cfg)
{
	return cfg->window_seconds;
}

const char *config_causes_probe(const struct config *cfg)
{
	return cfg->causes_probe;
}

int config_class_count(const struct config *cfg)
{
	return cfg->nclasses;
}

const struct cause_class *config_class(const struct config *cfg, int i)
{
	return i >= 0 && i < cfg->nclasses ? &cfg->classes[i] : NULL;
}

int config_location_count(const struct config *cfg)
{
	return cfg->nlocations;
}

const struct cause_location *config_location(const struct config *cfg,
					     int i)
{
	return i >= 0 && i < cfg->nlocations ? &cfg->locations[i] : NULL;
}

int config_rule_count(const struct config *cfg)
{
	return cfg->nrules;
}

const struct cause_rule *config_rule(const struct config *cfg, int i)
{
	return i >= 0 && i < cfg->nrules ? &cfg->rules[i] : NULL;
}

/* Reads a cpu number at *s and advances *s. Returns 0, -1 when there is no
 * number, -2 when it is too large. */
static int cpu_number(const char **s, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -1;
	errno = 0;
	*out = strtoul(*s, &end, 10);
	*s = end;
	return errno || *out >= CONFIG_MAX_CPUS ? -2 : 0;
}

/* Reads "N" or "N-M" at *s into [*lo, *hi] and advances *s past it. */
static int cpu_range(const char **s, unsigned long *lo, unsigned long *hi)
{
	int ret = cpu_number(s, lo);

	*hi = *lo;
	if (ret == 0 && **s == '-') {
		(*s)++;
		ret = cpu_number(s, hi);
	}
	if (ret == 0 && *hi < *lo)
		return -3;
	if (ret == 0 && **s && **s != ',')
		return -1;
	return ret;
}

/* Fills mask from s ("all" or "N[-M],..."). Returns 0, or -1 with a
 * message in err; the mask is then partly filled. */
int config_parse_cpus(const char *s, bool *mask, char *err, size_t errlen)
{
	const char *p = s;
	unsigned long lo, hi;
	int ret;

	for (int i = 0; i < CONFIG_MAX_CPUS; i++)
		mask[i] = !strcmp(s, "all");
	if (!strcmp(s, "all"))
		return 0;
	do {
		ret = cpu_range(&p, &lo, &hi);
		for (unsigned long i = lo; ret == 0 && i <= hi; i++)
			mask[i] = true;
	} while (ret == 0 && *p++ == ',');
	if (ret == -1)
		snprintf(err, errlen, "bad cpu list \"%s\": expected \"all\" or N or N-M separated by commas", s);
	if (ret == -2)
		snprintf(err, errlen, "bad cpu list \"%s\": cpu numbers go from 0 to %d", s, CONFIG_MAX_CPUS - 1);
	if (ret == -3)
		snprintf(err, errlen, "bad cpu list \"%s\": range %lu-%lu is reversed", s, lo, hi);
	return ret ? -1 : 0;
}
