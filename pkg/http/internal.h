/* http/internal: private to pkg/http (http.c, routes.c, reply.c, listen.c,
 * tls.c, auth.c). */
#ifndef FTE_HTTP_INTERNAL_H
#define FTE_HTTP_INTERNAL_H

#include <microhttpd.h>

#include "http/http.h"

struct http_auth;

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_opts opts;	/* the caller's, with the strings below */
	char *path;		/* telemetry path */
	char *content_type;
	char *landing;		/* landing page HTML */
	char priorities[96];	/* gnutls priority string, with TLS */
	struct http_auth *auth;	/* NULL: no basic auth */
	int port;
};

/* Answers a request whose body (if any) has been read. Returns what MHD's
 * access handler must return. */
enum MHD_Result http_route(struct http_server *srv, struct MHD_Connection *c,
			   const char *url, const char *method);

/* reply.c: every response goes out through http_queue(), which adds the
 * web config's headers. */
struct MHD_Response *http_response(const char *body, size_t len,
				   enum MHD_ResponseMemoryMode mode,
				   const char *ctype);
enum MHD_Result http_queue(const struct http_server *srv,
			   struct MHD_Connection *c, unsigned status,
			   struct MHD_Response *r);
enum MHD_Result http_reply_text(const struct http_server *srv,
				struct MHD_Connection *c, unsigned status,
				const char *text);

/* tls.c: at most HTTP_TLS_ITEMS options, the last one MHD_OPTION_END. */
#define HTTP_TLS_ITEMS 6
int http_tls_options(struct http_server *srv, struct MHD_OptionItem *items,
		     unsigned int *flags);
bool http_tls_peer_ok(const struct http_server *srv,
		      struct MHD_Connection *c);

/* auth.c */
struct http_auth *http_auth_new(const struct webcfg *web);
void http_auth_free(struct http_auth *a);
bool http_auth_ok(struct http_auth *a, struct MHD_Connection *c);
enum MHD_Result http_auth_refuse(const struct http_server *srv,
				 struct MHD_Connection *c);

/* Builds the landing page linking path, malloc'd; NULL with ENOMEM. */
char *http_landing_page(const char *path);

/* Returns a bound, listening, non-blocking socket and its port in *port,
 * or -1 with errno (EINVAL for a malformed address, EADDRNOTAVAIL for a
 * host that does not resolve, else the socket call's error). */
int listen_open(const char *addr, int *port);

#endif
