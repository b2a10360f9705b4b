/* http/internal: private to pkg/http (http.c, routes.c, listen.c). */
#ifndef FTE_HTTP_INTERNAL_H
#define FTE_HTTP_INTERNAL_H

#include <microhttpd.h>

#include "http/http.h"

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_opts opts;	/* the caller's, with the strings below */
	char *path;		/* telemetry path */
	char *content_type;
	char *landing;		/* landing page HTML */
	int port;
};

/* Answers a request whose body (if any) has been read. Returns what MHD's
 * access handler must return. */
enum MHD_Result http_route(struct http_server *srv, struct MHD_Connection *c,
			   const char *url, const char *method);

/* Builds the landing page linking path, malloc'd; NULL with ENOMEM. */
char *http_landing_page(const char *path);

/* Returns a bound, listening, non-blocking socket and its port in *port,
 * or -1 with errno (EINVAL for a malformed address, EADDRNOTAVAIL for a
 * host that does not resolve, else the socket call's error). */
int listen_open(const char *addr, int *port);

#endif
