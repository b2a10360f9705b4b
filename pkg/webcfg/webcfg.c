/* webcfg: see webcfg.h. This file holds the lifecycle (load, parse, free),
 * file reading and the top level of the document. The sections live in
 * webcfg_tls.c (tls_server_config, with the PEM checks of webcfg_pem.c) and
 * webcfg_http.c (http_server_config, basic_auth_users); the document in
 * webcfg_doc.c, the YAML helpers in webcfg_yaml.c and the accessors in
 * webcfg_get.c.
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
		explicit_bzero(wc->key_pem, wc->key_len);
	free(wc->key_pem);
	free(wc->cert_pem);
	free(wc->ca_pem);
	free_pairs(wc->headers, wc->nheaders);
	free_pairs(wc->users, wc->nusers);
	free(wc->path);
	free(wc);
}

/* Reads all of path (at most WC_MAX_FILE bytes) into a malloc'd,
 * NUL-terminated buffer the caller frees; its length goes to *len. NULL
 * with errno on failure: EFBIG when too large, EILSEQ for a NUL byte. */
char *wc_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0;
	int err;

	if (!f)
		return NULL;
	buf = malloc(WC_MAX_FILE + 1);
	if (buf)
		n = fread(buf, 1, WC_MAX_FILE + 1, f);
	err = !buf ? ENOMEM : ferror(f) ? errno : n > WC_MAX_FILE ? EFBIG : 0;
	fclose(f);
	if (!err && memchr(buf, '\0', n))
		err = EILSEQ;
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Returns name resolved against the web config's directory (absolute
 * names are kept), malloc'd; NULL after reporting "out of memory". */
char *wc_path_in_dir(struct wc_ctx *ctx, const char *name)
{
	char *s = NULL;

	if (name[0] == '/' || !ctx->dir)
		s = strdup(name);
	else if (asprintf(&s, "%s/%s", ctx->dir, name) < 0)
		s = NULL;
	if (!s)
		wc_err_at(ctx, 1, 1, "out of memory");
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

/* Walks the top-level mapping; an empty document is a valid empty file. */
static void parse_root(struct wc_ctx *ctx)
{
	yaml_node_t *root = yaml_document_get_root_node(&ctx->doc);
	struct wc_kv kv[TOP_N] = { { 0 } };

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

/* Parses YAML text; path names the source in messages, and its directory
 * is the base of relative file names. Returns a webcfg the caller frees
 * with webcfg_free(), or NULL with errno (EINVAL: problems were printed to
 * errs; ENOMEM). */
struct webcfg *webcfg_parse(const char *path, const char *text, FILE *errs)
{
	struct wc_ctx ctx = { .path = path, .errs = errs };

	ctx.wc = calloc(1, sizeof(*ctx.wc));
	ctx.dir = dir_of(path);
	if (!ctx.wc || !ctx.dir)
		goto err_nomem;
	ctx.wc->path = strdup(path);
	if (!ctx.wc->path)
		goto err_nomem;
	ctx.wc->min_version = WEBCFG_TLS12;
	ctx.wc->max_version = WEBCFG_TLS13;
	if (wc_load_doc(&ctx, text) < 0)
		goto err_invalid;
	parse_root(&ctx);
	yaml_document_delete(&ctx.doc);
	if (ctx.nerr)
		goto err_invalid;
	free(ctx.dir);
	return ctx.wc;

err_nomem:
	if (errs)
		fprintf(errs, "%s: out of memory\n", path);
	free(ctx.dir);
	webcfg_free(ctx.wc);
	errno = ENOMEM;
	return NULL;
err_invalid:
	free(ctx.dir);
	webcfg_free(ctx.wc);
	errno = EINVAL;
	return NULL;
}

/* Loads and validates the web config file at path, printing every problem
 * to errs ("FILE: reason" when the file cannot be read). Returns a webcfg
 * the caller frees with webcfg_free(), or NULL with errno. */
struct webcfg *webcfg_load(const char *path, FILE *errs)
{
	struct webcfg *wc;
	size_t len;
	char *text;
	int err;

	text = wc_read_file(path, &len);
	if (!text) {
		err = errno;
		if (errs)
			fprintf(errs, "%s: cannot read web config: %s\n", path,
				err == EILSEQ ? "contains a NUL byte" :
				strerror(err));
		errno = err;
		return NULL;
	}
	wc = webcfg_parse(path, text, errs);
	err = errno;
	free(text);
	errno = err;
	return wc;
}
