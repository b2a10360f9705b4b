/* http: the exporter's web server (libmicrohttpd), knowing nothing of metrics.
 *
 * Serves the telemetry path through a render callback, a landing page linking
 * it, /-/healthy and /-/ready, 404 for unknown paths and 405 for methods other
 * than GET/HEAD (POST is accepted on /-/reload when a reload callback is set).
 * gzip is used when the client accepts it.
 *
 * With a web config (pkg/webcfg) it speaks TLS, checks client certificates
 * (a refused one fails the handshake, or gets 403), asks every request on
 * every path for basic auth (401 with WWW-Authenticate), and adds the
 * configured headers to the responses it makes. http_server_set_web()
 * changes the web config of a running server without closing its
 * listening socket.
 */
#ifndef FTE_HTTP_H
#define FTE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct webcfg;

/* Fills *text and *len with a body the server must free(); returns 0 or -1. */
typedef int (*http_render_fn)(void *ctx, char **text, size_t *len);
/* Returns 0 on success, -1 (with a message in msg) on failure. */
typedef int (*http_reload_fn)(void *ctx, char *msg, size_t msglen);

struct http_opts {
	const char *listen;		/* "[HOST]:PORT", "[::1]:9000", ":9000" */
	const char *telemetry_path;	/* "/metrics" */
	const char *content_type;	/* of the rendered body */
	http_render_fn render;
	void *render_ctx;
	http_reload_fn reload;		/* NULL: /-/reload answers 404 */
	void *reload_ctx;
	bool (*ready)(void *ctx);	/* NULL: always ready */
	void *ready_ctx;
	unsigned max_connections;	/* 0: 64 */
	unsigned timeout_seconds;	/* 0: 30 */
	const struct webcfg *web;	/* NULL: plain HTTP, no auth; else
					 * copied: the caller may free it
					 * after http_server_start() */
};

struct http_server;

/* Starts listening; NULL with errno and a message on stderr on failure. */
struct http_server *http_server_start(const struct http_opts *opts);
/* Serves with web (NULL: plain HTTP, no auth) from now on, on the same
 * listening socket and port: no connection is refused meanwhile, requests
 * in progress finish with the old config. web is copied: the caller may
 * free it on return. Any thread, the server's callbacks included (POST
 * /-/reload). 0, or -1 with errno and the reason logged, the old config
 * still serving. */
int http_server_set_web(struct http_server *srv, const struct webcfg *web);
/* Stops serving (requests in progress are cut), closes the socket, frees
 * srv. Not concurrently with itself. */
void http_server_stop(struct http_server *srv);
/* The port the server listens on (useful after listening on port 0). */
int http_server_port(const struct http_server *srv);

#endif
