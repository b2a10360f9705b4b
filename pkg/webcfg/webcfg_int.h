/* webcfg internals shared by the files of pkg/webcfg/.
 * Not a public header: only files under pkg/webcfg/ include it.
 */
#ifndef FTE_WEBCFG_INT_H
#define FTE_WEBCFG_INT_H

#include "webcfg.h"

#include <stddef.h>
#include <yaml.h>

/* Largest file (web config, certificate, key, CA bundle) we read. */
#define WC_MAX_FILE (1 << 20)

struct webcfg {
	char *path;
	bool tls;
	char *cert_pem, *key_pem, *ca_pem;	/* NUL-terminated PEM text */
	size_t key_len;				/* wiped on free */
	enum webcfg_client_auth client_auth;
	enum webcfg_tls_version min_version, max_version;
	struct webcfg_pair *headers;		/* name and value malloc'd */
	int nheaders;
	struct webcfg_pair *users;
	int nusers;
};

/* State of one parse: the document, where errors go and how many. */
struct wc_ctx {
	struct webcfg *wc;
	yaml_document_t doc;
	const char *path;
	char *dir;	/* directory of path: base of relative file names */
	FILE *errs;
	int nerr;
};

/* Key and value node of one allowed key of a mapping; NULL when absent. */
struct wc_kv {
	yaml_node_t *key, *val;
};

/* webcfg.c */
char *wc_read_file(const char *path, size_t *len);
char *wc_path_in_dir(struct wc_ctx *ctx, const char *name);

/* webcfg_yaml.c: errors and node helpers; webcfg_doc.c: the document */
void wc_err(struct wc_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void wc_err_at(struct wc_ctx *ctx, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int wc_load_doc(struct wc_ctx *ctx, const char *text);
yaml_node_t *wc_node(struct wc_ctx *ctx, int index);
bool wc_null(const yaml_node_t *n);
int wc_mapping(struct wc_ctx *ctx, yaml_node_t *n, const char *what);
int wc_dup_key(struct wc_ctx *ctx, yaml_node_t *map, yaml_node_pair_t *pair);
const char *wc_scalar(struct wc_ctx *ctx, yaml_node_t *n);
int wc_fields(struct wc_ctx *ctx, yaml_node_t *map, const char *what,
	      const char *const *names, const char *const *unsupported,
	      struct wc_kv *out);

/* webcfg_tls.c */
void wc_parse_tls(struct wc_ctx *ctx, yaml_node_t *n);

/* webcfg_pem.c */
void wc_check_key_pair(struct wc_ctx *ctx, const struct wc_kv *cert,
		       const struct wc_kv *key);
void wc_check_ca(struct wc_ctx *ctx, const struct wc_kv *ca);

/* webcfg_http.c */
void wc_parse_http(struct wc_ctx *ctx, yaml_node_t *n);
void wc_parse_users(struct wc_ctx *ctx, yaml_node_t *n);

#endif
