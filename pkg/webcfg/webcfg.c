/* webcfg: see webcfg.h. This file holds the lifecycle (load, parse, free),
 * the top level of the document and what every section shares; the document
 * itself is read by pkg/yamldoc. The sections live in webcfg_tls.c
 * (tls_server_config, with the PEM checks of webcfg_pem.c) and webcfg_http.c
 * (http_server_config, basic_auth_users); the accessors in webcfg_get.c.
 */
#include "webcfg_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {
	"tls_server_config", "http_server_config", "basic_auth_users", NULL
};

static const char *const top_unsupported[] = { "rate_limit", NULL };

enum { TOP_TLS, TOP_HTTP, TOP_USERS, TOP_N };

/* Frees the pairs and the strings they own. */
static void free_pairs(struct webcfg_pair *pairs, int n)
{
	for (int i = 0; i < n; i++) {
		free((char *)pairs[i].name);
		free((char *)pairs[i].value);
	}
	free(pairs);
}

/* Frees wc, wiping the private key first. NULL is allowed. */
void webcfg_free(struct webcfg *wc)
{
	if (!wc)
		return;
	if (wc->key_pem)
		explicit_bzero(wc->key_pem, strlen(wc->key_pem));
	free(wc->key_pem);
	free(wc->cert_pem);
	free(wc->ca_pem);
	free_pairs(wc->headers, wc->nheaders);
	free_pairs(wc->users, wc->nusers);
	free(wc->path);
	free(wc);
}

/* Copies the n pairs of in into a new array (*out stays NULL when n is 0).
 * Returns 0, or -1 with ENOMEM after freeing what it copied. */
static int dup_pairs(const struct webcfg_pair *in, int n,
		     struct webcfg_pair **out)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -1;
	for (int i = 0; i < n; i++) {
		(*out)[i].name = strdup(in[i].name);
		(*out)[i].value = strdup(in[i].value);
		if (!(*out)[i].name || !(*out)[i].value) {
			free_pairs(*out, i + 1);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* strdup() of s, NULL for NULL; sets *failed when the copy fails. */
static char *dup_str(const char *s, bool *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = true;
	return d;
}

/* Returns a deep copy of wc (PEM text, headers, users included) that the
 * caller frees with webcfg_free(); wc may be freed meanwhile. NULL with
 * ENOMEM. */
struct webcfg *webcfg_dup(const struct webcfg *wc)
{
	struct webcfg *c = calloc(1, sizeof(*c));
	bool failed = false;

	if (!c)
		return NULL;
	*c = *wc;
	c->headers = c->users = NULL;
	c->nheaders = c->nusers = 0;
	c->path = dup_str(wc->path, &failed);
	c->cert_pem = dup_str(wc->cert_pem, &failed);
	c->key_pem = dup_str(wc->key_pem, &failed);
	c->ca_pem = dup_str(wc->ca_pem, &failed);
	if (failed || dup_pairs(wc->headers, wc->nheaders, &c->headers))
		goto err_free;
	c->nheaders = wc->nheaders;
	if (dup_pairs(wc->users, wc->nusers, &c->users))
		goto err_free;
	c->nusers = wc->nusers;
	return c;

err_free:
	webcfg_free(c);
	errno = ENOMEM;
	return NULL;
}

/* Returns name resolved against the web config's directory (absolute
 * names are kept), malloc'd; NULL after reporting "out of memory". */
char *wc_path_in_dir(struct wc_ctx *ctx, const char *name)
{
	char *s = NULL;

	if (name[0] == '/')
		s = strdup(name);
	else if (asprintf(&s, "%s/%s", ctx->dir, name) < 0)
		s = NULL;
	if (!s)
		yamldoc_err_at(ctx->yd, 1, 1, "out of memory");
	return s;
}

/* The directory part of path ("." for a bare name), malloc'd or NULL. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

/* yamldoc_fields() for a section of the web config: null (an empty
 * section) has no keys, and a key in unsupported (may be NULL) is
 * exporter-toolkit's but not implemented here: an error naming it. Returns
 * -1 only when map is neither a mapping nor null. */
int wc_fields(struct wc_ctx *ctx, yaml_node_t *map, const char *what,
	      const char *const *names, const char *const *unsupported,
	      struct yamldoc_kv *out)
{
	const struct yamldoc_refused refused = {
		unsupported, "exporter-toolkit has it; remove it"
	};

	if (yamldoc_is_null(map))
		return 0;
	return yamldoc_fields(ctx->yd, map, what, names, &refused, out);
}

/* Walks the top-level mapping; an empty document is a valid empty file.
 * A yamldoc_walk_fn on a struct wc_ctx. */
static void parse_root(void *arg, yaml_node_t *root)
{
	struct yamldoc_kv kv[TOP_N] = { { 0 } };
	struct wc_ctx *ctx = arg;

	if (!root || wc_fields(ctx, root, "the top level", top_keys,
			       top_unsupported, kv) < 0)
		return;
	if (kv[TOP_TLS].val)
		wc_parse_tls(ctx, kv[TOP_TLS].val);
	if (kv[TOP_HTTP].val)
		wc_parse_http(ctx, kv[TOP_HTTP].val);
	if (kv[TOP_USERS].val)
		wc_parse_users(ctx, kv[TOP_USERS].val);
}

/* Parses text, or the file at path when text is NULL; path names the
 * source in messages, and its directory is the base of relative file
 * names. Returns a webcfg the caller frees with webcfg_free(), or NULL with
 * errno (EINVAL: problems were printed to errs; ENOMEM; or why the file
 * could not be read, printed too). */
static struct webcfg *parse(const char *path, const char *text, FILE *errs)
{
	struct wc_ctx ctx = { 0 };
	int err;

	ctx.wc = calloc(1, sizeof(*ctx.wc));
	ctx.dir = dir_of(path);
	ctx.yd = yamldoc_new(path, errs);
	if (!ctx.wc || !ctx.dir || !ctx.yd)
		goto err_nomem;
	ctx.wc->path = strdup(path);
	if (!ctx.wc->path)
		goto err_nomem;
	ctx.wc->min_version = WEBCFG_TLS12;
	ctx.wc->max_version = WEBCFG_TLS13;
	if (yamldoc_parse(ctx.yd, text, YAMLDOC_MAX_SIZE, "cannot read web config: ",
			  parse_root, &ctx) < 0) {
		err = errno;
		goto err_free;
	}
	free(ctx.dir);
	yamldoc_free(ctx.yd);
	return ctx.wc;

err_nomem:
	if (errs)
		fprintf(errs, "%s: out of memory\n", path);
	err = ENOMEM;
err_free:
	free(ctx.dir);
	yamldoc_free(ctx.yd);
	webcfg_free(ctx.wc);
	errno = err;
	return NULL;
}

/* Parses YAML text (not NULL) as if read from path. See webcfg.h. */
struct webcfg *webcfg_parse(const char *path, const char *text, FILE *errs)
{
	return parse(path, text, errs);
}

/* Loads and validates the web config file at path, printing every problem
 * to errs ("FILE: cannot read web config: reason" when the file cannot be
 * read). Returns a webcfg the caller frees with webcfg_free(), or NULL with
 * errno. */
struct webcfg *webcfg_load(const char *path, FILE *errs)
{
	return parse(path, NULL, errs);
}

/* Loads path and prints a one-line summary to out, or its problems to
 * errs; 0 when valid, else -1. */
int webcfg_check(const char *path, FILE *out, FILE *errs)
{
	struct webcfg *wc = webcfg_load(path, errs);

	if (!wc)
		return -1;
	fprintf(out, "%s: ok, tls %s, client auth %s, %d users, %d headers\n",
		webcfg_path(wc), webcfg_tls(wc) ? "on" : "off",
		webcfg_client_auth_name(webcfg_client_auth(wc)),
		webcfg_user_count(wc), webcfg_header_count(wc));
	webcfg_free(wc);
	return 0;
}
