/* config: see config.h. This file holds the lifecycle (load, parse, free),
 * error reporting, the string pool, the accessors and the cpu list parser.
 * The YAML walking lives in config_yaml.c (node helpers, tracing, limits),
 * config_probes.c and config_causes.c.
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

static void cfg_verr(struct cfg_ctx *ctx, int line, int col, const char *fmt,
		     va_list ap)
{
	ctx->nerr++;
	if (!ctx->errs)
		return;
	fprintf(ctx->errs, "%s:%d:%d: ", ctx->path, line, col);
	vfprintf(ctx->errs, fmt, ap);
	fputc('\n', ctx->errs);
}

/* Prints "FILE:LINE:COL: message" for the start of node n and counts it. */
void cfg_err(struct cfg_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(ctx, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1,
		 fmt, ap);
	va_end(ap);
}

/* Like cfg_err() at an explicit 1-based line and column. */
void cfg_err_at(struct cfg_ctx *ctx, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verr(ctx, line, col, fmt, ap);
	va_end(ap);
}

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
		cfg_err_at(ctx, 1, 1, "out of memory");
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
	free(cfg->rules);
	free(cfg);
}

/* Reads all of path into a malloc'ed string the caller frees. On failure
 * prints "FILE: reason" to errs and returns NULL with errno set. */
static char *read_file(const char *path, FILE *errs)
{
	char *text = NULL;
	size_t size = 0;
	ssize_t len;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(errs, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	len = getdelim(&text, &size, '\0', f);
	if (len < 0 && !feof(f)) {
		fprintf(errs, "%s: %s\n", path, strerror(errno));
		goto close_file;
	}
	if (len >= 0 && fgetc(f) != EOF) {
		fprintf(errs, "%s: contains a NUL byte\n", path);
		goto close_file;
	}
	fclose(f);
	if (len < 0 && text)
		text[0] = '\0';
	return text ? text : strdup("");
close_file:
	free(text);
	fclose(f);
	errno = EINVAL;
	return NULL;
}

/* Loads and validates the YAML file at path. Returns a config the caller
 * frees with config_free(), or NULL with errno set after printing every
 * problem to errs. */
struct config *config_load(const char *path, FILE *errs)
{
	struct config *cfg;
	char *text;
	int saved;

	text = read_file(path, errs);
	if (!text)
		return NULL;
	cfg = config_parse(path, text, errs);
	saved = errno;
	free(text);
	errno = saved;
	return cfg;
}

/* Converts a byte offset of text to a 1-based line and column. */
static void offset_to_mark(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		*col = text[i] == '\n' ? 1 : *col + 1;
		*line += text[i] == '\n';
	}
}

/* Reports the error a libyaml parser stopped at. */
static void syntax_error(struct cfg_ctx *ctx, yaml_parser_t *parser,
			 const char *text)
{
	int line = (int)parser->problem_mark.line + 1;
	int col = (int)parser->problem_mark.column + 1;

	if (parser->error == YAML_MEMORY_ERROR) {
		cfg_err_at(ctx, 1, 1, "out of memory");
		return;
	}
	if (parser->error == YAML_READER_ERROR)
		offset_to_mark(text, parser->problem_offset, &line, &col);
	cfg_err_at(ctx, line, col, "YAML syntax error: %s%s%s%s",
		   parser->problem ? parser->problem : "unknown problem",
		   parser->context ? " (" : "",
		   parser->context ? parser->context : "",
		   parser->context ? ")" : "");
}

/* Makes sure nothing but comments follows the first document. Returns -1
 * after a syntax error, 0 otherwise (a second document is reported). */
static int check_single_doc(struct cfg_ctx *ctx, yaml_parser_t *parser,
			    const char *text)
{
	yaml_document_t extra;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &extra)) {
		syntax_error(ctx, parser, text);
		return -1;
	}
	root = yaml_document_get_root_node(&extra);
	if (root)
		cfg_err(ctx, root, "only one YAML document is allowed");
	yaml_document_delete(&extra);
	return 0;
}

/* Parses text into ctx->doc. Returns 0 (caller deletes the document) or
 * -1 after reporting a syntax error, with no document left behind. */
static int load_doc(struct cfg_ctx *ctx, const char *text)
{
	yaml_parser_t parser;

	if (!yaml_parser_initialize(&parser)) {
		cfg_err_at(ctx, 1, 1, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	if (!yaml_parser_load(&parser, &ctx->doc)) {
		syntax_error(ctx, &parser, text);
		goto delete_parser;
	}
	if (check_single_doc(ctx, &parser, text) < 0)
		goto delete_doc;
	yaml_parser_delete(&parser);
	return 0;
delete_doc:
	yaml_document_delete(&ctx->doc);
delete_parser:
	yaml_parser_delete(&parser);
	return -1;
}

/* Marks node index idx as referenced; returns -1 if it already was. */
static int mark_ref(unsigned char *seen, int idx)
{
	if (seen[idx])
		return -1;
	seen[idx] = 1;
	return 0;
}

/* Marks the children of n as referenced. Returns the index of the first
 * child that already was, or 0. */
static int mark_children(yaml_node_t *n, unsigned char *seen)
{
	yaml_node_item_t *item;
	yaml_node_pair_t *pair;

	if (n->type == YAML_SEQUENCE_NODE) {
		for (item = n->data.sequence.items.start;
		     item < n->data.sequence.items.top; item++)
			if (mark_ref(seen, *item))
				return *item;
	}
	if (n->type != YAML_MAPPING_NODE)
		return 0;
	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		if (mark_ref(seen, pair->key))
			return pair->key;
		if (mark_ref(seen, pair->value))
			return pair->value;
	}
	return 0;
}

/* Returns the index of the first node referenced twice (an alias, or a
 * cycle back to the root), 0 if the document is a plain tree. */
static int first_alias(yaml_document_t *doc, unsigned char *seen)
{
	yaml_node_t *n;
	int idx = 0;

	seen[1] = 1;
	for (n = doc->nodes.start; !idx && n < doc->nodes.top; n++)
		idx = mark_children(n, seen);
	return idx;
}

/* Rejects anchors and aliases: libyaml shares aliased nodes, which would
 * make the walk below see one node twice (or loop). Returns 0 or -1. */
static int check_aliases(struct cfg_ctx *ctx)
{
	size_t count = ctx->doc.nodes.top - ctx->doc.nodes.start;
	unsigned char *seen;
	int idx;

	if (!count)
		return 0;
	seen = calloc(count + 1, sizeof(*seen));
	if (!seen) {
		cfg_err_at(ctx, 1, 1, "out of memory");
		return -1;
	}
	idx = first_alias(&ctx->doc, seen);
	free(seen);
	if (!idx)
		return 0;
	cfg_err(ctx, cfg_node(ctx, idx),
		"anchors and aliases are not supported");
	return -1;
}

/* Walks the top-level mapping, sections in dependency order. */
static void parse_root(struct cfg_ctx *ctx)
{
	yaml_node_t *root = yaml_document_get_root_node(&ctx->doc);
	struct cfg_kv kv[TOP_N] = { { 0 } };

	if (!root) {
		cfg_err_at(ctx, 1, 1, "no probes: the file is empty");
		return;
	}
	if (cfg_fields(ctx, root, "the top level", top_keys, kv) < 0)
		return;
	if (kv[TOP_TRACING].val)
		cfg_parse_tracing(ctx, kv[TOP_TRACING].val);
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

/* Parses YAML text; path only names the source in messages. Returns a
 * config the caller frees with config_free(), or NULL with errno set
 * (EINVAL: problems were printed to errs; ENOMEM). */
struct config *config_parse(const char *path, const char *text, FILE *errs)
{
	struct cfg_ctx ctx = { .path = path, .errs = errs };

	ctx.cfg = calloc(1, sizeof(*ctx.cfg));
	if (!ctx.cfg)
		return NULL;
	set_defaults(ctx.cfg);
	ctx.cfg->path = cfg_printf(&ctx, "%s", path);
	if (load_doc(&ctx, text) < 0)
		goto free_cfg;
	if (check_aliases(&ctx) == 0)
		parse_root(&ctx);
	yaml_document_delete(&ctx.doc);
	if (ctx.nerr)
		goto free_cfg;
	return ctx.cfg;
free_cfg:
	config_free(ctx.cfg);
	errno = EINVAL;
	return NULL;
}

const char *config_path(const struct config *cfg)
{
	return cfg->path;
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
	for (int i = 0; i < cfg->nprobes; i++) {
		if (cfg->probes[i].name && !strcmp(cfg->probes[i].name, name))
			return &cfg->probes[i];
	}
	return NULL;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool config_probe_same(const struct probe_spec *a, const struct probe_spec *b)
{
	if (a->kind != b->kind || a->nlabels != b->nlabels ||
	    a->max_series != b->max_series)
		return false;
	for (int i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i], b->labels[i]))
			return false;
	return str_same(a->name, b->name) && str_same(a->target, b->target) &&
	       str_same(a->fetchargs, b->fetchargs) &&
	       str_same(a->metric, b->metric) && str_same(a->help, b->help) &&
	       str_same(a->filter, b->filter);
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
