/* webcfg: error reporting and the node helpers every section uses. Helpers
 * report their own errors through wc_err() and let the caller carry on, so
 * that one run reports every problem.
 */
#include "webcfg_int.h"

#include <stdarg.h>
#include <string.h>

static void wc_verr(struct wc_ctx *ctx, int line, int col, const char *fmt,
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
void wc_err(struct wc_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wc_verr(ctx, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1,
		fmt, ap);
	va_end(ap);
}

/* Like wc_err() at an explicit 1-based line and column. */
void wc_err_at(struct wc_ctx *ctx, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wc_verr(ctx, line, col, fmt, ap);
	va_end(ap);
}

/* Node index of the document; NULL when out of range. */
yaml_node_t *wc_node(struct wc_ctx *ctx, int index)
{
	return yaml_document_get_node(&ctx->doc, index);
}

/* True for YAML's null: an empty or ~ or null plain scalar. */
bool wc_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
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
int wc_mapping(struct wc_ctx *ctx, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	wc_err(ctx, n, "expected a mapping for %s, found a %s", what,
	       type_name(n));
	return -1;
}

/* Returns the text of scalar n (owned by the document), or NULL after
 * reporting a mapping, a sequence, or an embedded NUL. */
const char *wc_scalar(struct wc_ctx *ctx, yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		wc_err(ctx, n, "expected a scalar, found a %s", type_name(n));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		wc_err(ctx, n, "NUL characters are not allowed");
		return NULL;
	}
	return s;
}

/* Reports pair's key if an earlier key of map has the same text. Returns
 * -1 for a duplicate, 0 otherwise. */
int wc_dup_key(struct wc_ctx *ctx, yaml_node_t *map, yaml_node_pair_t *pair)
{
	yaml_node_t *key = wc_node(ctx, pair->key), *prev;
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < pair; p++) {
		prev = wc_node(ctx, p->key);
		if (prev->type != YAML_SCALAR_NODE ||
		    key->type != YAML_SCALAR_NODE ||
		    strcmp((char *)prev->data.scalar.value,
			   (char *)key->data.scalar.value))
			continue;
		wc_err(ctx, key, "duplicate key \"%s\" (first at line %d)",
		       (char *)key->data.scalar.value,
		       (int)prev->start_mark.line + 1);
		return -1;
	}
	return 0;
}

/* True when the NULL-terminated list names holds s. */
static bool listed(const char *const *names, const char *s)
{
	for (; names && *names; names++)
		if (!strcmp(*names, s))
			return true;
	return false;
}

/* Reports key, which is neither allowed nor a known unsupported key. */
static void unknown_key(struct wc_ctx *ctx, yaml_node_t *key, const char *s,
			const char *what, const char *const *names)
{
	char allowed[256] = "";
	size_t len = 0;

	for (int i = 0; names[i] && len < sizeof(allowed); i++)
		len += snprintf(allowed + len, sizeof(allowed) - len, "%s%s",
				i ? ", " : "", names[i]);
	wc_err(ctx, key, "unknown key \"%s\" in %s (allowed: %s)", s, what,
	       allowed);
}

/* Checks that map is a mapping (or null: an empty section) whose keys are
 * distinct scalars taken from names, and fills out[i] with the key and
 * value of names[i] (out zeroed by the caller). A key in unsupported is
 * exporter-toolkit's but not implemented here: an error naming it. Returns
 * -1 only when map is neither a mapping nor null; other problems are
 * reported and skipped. */
int wc_fields(struct wc_ctx *ctx, yaml_node_t *map, const char *what,
	      const char *const *names, const char *const *unsupported,
	      struct wc_kv *out)
{
	yaml_node_pair_t *pair;
	yaml_node_t *key;
	const char *s;
	int i;

	if (wc_null(map))
		return 0;
	if (wc_mapping(ctx, map, what) < 0)
		return -1;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		key = wc_node(ctx, pair->key);
		s = wc_scalar(ctx, key);
		if (!s || wc_dup_key(ctx, map, pair) < 0)
			continue;
		for (i = 0; names[i] && strcmp(names[i], s); i++)
			;
		if (names[i]) {
			out[i].key = key;
			out[i].val = wc_node(ctx, pair->value);
		} else if (listed(unsupported, s)) {
			wc_err(ctx, key, "key \"%s\" in %s is not supported by "
			       "ftrace_exporter (exporter-toolkit has it; remove "
			       "it)", s, what);
		} else {
			unknown_key(ctx, key, s, what, names);
		}
	}
	return 0;
}
