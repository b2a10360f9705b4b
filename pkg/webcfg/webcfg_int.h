/* webcfg internals shared by the files of pkg/webcfg/.
 * Not a public header: only files under pkg/webcfg/ include it.
 */
#ifndef FTE_WEBCFG_INT_H
#define FTE_WEBCFG_INT_H

#include "webcfg.h"
#include "yamldoc/yamldoc.h"

#include <stddef.h>

/* Largest PEM file (certificate, key, CA bundle) we read; the web config
 * itself has the YAML limit, YAMLDOC_MAX_SIZE. */
#define WC_MAX_FILE (1 << 20)

struct webcfg {
	char *path;
	bool tls;
	char *cert_pem, *key_pem, *ca_pem;	/* NUL-terminated PEM text */
	enum webcfg_client_auth client_auth;
	enum webcfg_tls_version min_version, max_version;
	struct webcfg_pair *headers;		/* name and value malloc'd */
	int nheaders;
	struct webcfg_pair *users;
	int nusers;
};

/* State of one parse: the webcfg being built, the document with its error
 * reporting, and the base of relative file names. */
struct wc_ctx {
	struct webcfg *wc;
	struct yamldoc *yd;
	char *dir;	/* directory of the web config's path */
};

/* webcfg.c */
char *wc_path_in_dir(struct wc_ctx *ctx, const char *name);
int wc_fields(struct wc_ctx *ctx, yaml_node_t *map, const char *what,
	      const char *const *names, const char *const *unsupported,
	      struct yamldoc_kv *out);

/* webcfg_tls.c */
void wc_parse_tls(struct wc_ctx *ctx, yaml_node_t *n);

/* webcfg_pem.c */
void wc_check_key_pair(struct wc_ctx *ctx, const struct yamldoc_kv *cert,
		       const struct yamldoc_kv *key);
void wc_check_ca(struct wc_ctx *ctx, const struct yamldoc_kv *ca);

/* webcfg_http.c */
void wc_parse_http(struct wc_ctx *ctx, yaml_node_t *n);
void wc_parse_users(struct wc_ctx *ctx, yaml_node_t *n);

#endif
