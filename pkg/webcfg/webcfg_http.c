/* webcfg: `http_server_config` (extra response headers) and
 * `basic_auth_users` (user: bcrypt hash). Both are mappings of names to
 * strings read by parse_pairs(); the rules are exporter-toolkit's: only the
 * security headers it allows, with its values where it fixes them, and
 * bcrypt hashes ($2a$, $2b$ or $2y$) for passwords.
 */
#include "webcfg_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const http_keys[] = { "headers", NULL };
static const char *const http_unsupported[] = { "http2", NULL };

/* A header exporter-toolkit lets users set, and its allowed values (none
 * listed: any value). */
struct header_rule {
	const char *name;
	const char *values[3];
};

static const struct header_rule header_rules[] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

#define NRULES (sizeof(header_rules) / sizeof(*header_rules))

/* Checks one entry (name and value text, nodes for messages); returns
 * true when it may be kept, else reports why not. */
typedef bool (*pair_check_fn)(struct wc_ctx *ctx, yaml_node_t *key,
			      const char *name, yaml_node_t *val,
			      const char *value);

/* True for a value a header line can carry: no control characters. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool check_header(struct wc_ctx *ctx, yaml_node_t *key,
			 const char *name, yaml_node_t *val, const char *value)
{
	const struct header_rule *r = header_rules;
	const char *const *v;

	while (r < header_rules + NRULES && strcmp(r->name, name))
		r++;
	if (r == header_rules + NRULES) {
		yamldoc_err(ctx->yd, key, "header \"%s\" cannot be configured "
			    "(allowed: Strict-Transport-Security, "
			    "X-Content-Type-Options, X-Frame-Options, "
			    "X-XSS-Protection, Content-Security-Policy)", name);
		return false;
	}
	if (!*value || !printable(value)) {
		yamldoc_err(ctx->yd, val, "header %s needs a value without "
			    "control characters", name);
		return false;
	}
	for (v = r->values; *v && strcmp(*v, value); v++)
		;
	if (!*v && r->values[0]) {
		yamldoc_err(ctx->yd, val, "invalid value \"%s\" for header %s "
			    "(allowed: %s%s%s)", value, name, r->values[0],
			    r->values[1] ? ", " : "",
			    r->values[1] ? r->values[1] : "");
		return false;
	}
	return true;
}

/* True for a bcrypt hash: $2a$, $2b$ or $2y$, a cost of 04 to 31, then 53
 * characters of bcrypt's base64 (22 of salt, 31 of hash). */
static bool is_bcrypt(const char *s)
{
	static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(s) != 60 || strncmp(s, "$2", 2) || !strchr("aby", s[2]) ||
	    s[3] != '$' || !isdigit((unsigned char)s[4]) ||
	    !isdigit((unsigned char)s[5]) || s[6] != '$')
		return false;
	cost = (s[4] - '0') * 10 + (s[5] - '0');
	return cost >= 4 && cost <= 31 && strspn(s + 7, b64) == 53;
}

static bool check_user(struct wc_ctx *ctx, yaml_node_t *key,
		       const char *name, yaml_node_t *val, const char *value)
{
	if (!*name || strchr(name, ':') || !printable(name)) {
		yamldoc_err(ctx->yd, key, "invalid user name \"%s\": it must "
			    "be non-empty, without ':' or control characters",
			    name);
		return false;
	}
	if (!is_bcrypt(value)) {
		yamldoc_err(ctx->yd, val, "password of user %s is not a bcrypt "
			    "hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 "
			    "characters; make one with: htpasswd -nBC 10 \"\" "
			    "| tr -d ':\\n')", name);
		return false;
	}
	return true;
}

/* Appends (name, value) to the n entries of *out, copied. Returns 0, or
 * -1 after reporting "out of memory". */
static int add_pair(struct wc_ctx *ctx, struct webcfg_pair *out, int *n,
		    const char *name, const char *value)
{
	char *k = strdup(name), *v = strdup(value);

	if (!k || !v) {
		free(k);
		free(v);
		yamldoc_err_at(ctx->yd, 1, 1, "out of memory");
		return -1;
	}
	out[*n].name = k;
	out[(*n)++].value = v;
	return 0;
}

/* Reads mapping n (null: empty) of names to strings into *out and *nout,
 * keeping the entries check accepts; the rest are reported. */
static void parse_pairs(struct wc_ctx *ctx, yaml_node_t *n, const char *what,
			pair_check_fn check, struct webcfg_pair **out,
			int *nout)
{
	yaml_node_pair_t *p;
	yaml_node_t *key, *val;
	const char *name, *value;

	if (yamldoc_is_null(n) || yamldoc_mapping(ctx->yd, n, what) < 0)
		return;
	*out = calloc(n->data.mapping.pairs.top - n->data.mapping.pairs.start
		      + 1, sizeof(**out));
	if (!*out) {
		yamldoc_err_at(ctx->yd, 1, 1, "out of memory");
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		key = yamldoc_node(ctx->yd, p->key);
		val = yamldoc_node(ctx->yd, p->value);
		name = yamldoc_scalar(ctx->yd, key);
		if (!name || yamldoc_dup_key(ctx->yd, n, p) < 0)
			continue;
		value = yamldoc_is_null(val) ? "" :
			yamldoc_scalar(ctx->yd, val);
		if (value && check(ctx, key, name, val, value))
			add_pair(ctx, *out, nout, name, value);
	}
}

/* Parses http_server_config: headers added to every response. */
void wc_parse_http(struct wc_ctx *ctx, yaml_node_t *n)
{
	struct yamldoc_kv kv[1] = { { 0 } };

	if (wc_fields(ctx, n, "http_server_config", http_keys,
		      http_unsupported, kv) < 0 || !kv[0].val)
		return;
	parse_pairs(ctx, kv[0].val, "headers", check_header,
		    &ctx->wc->headers, &ctx->wc->nheaders);
}

/* Parses basic_auth_users: user name to bcrypt hash. */
void wc_parse_users(struct wc_ctx *ctx, yaml_node_t *n)
{
	parse_pairs(ctx, n, "basic_auth_users", check_user, &ctx->wc->users,
		    &ctx->wc->nusers);
}
