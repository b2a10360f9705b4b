/* http: the exporter's web server (libmicrohttpd), knowing nothing of metrics.
 *
 * Serves the telemetry path through a render callback, a landing page linking
 * it, /-/healthy and /-/ready, 404 for unknown paths and 405 for methods other
 * than GET/HEAD (POST and PUT on /-/reload, which answers 403 "Lifecycle API
 * is not enabled." without a reload callback, as Prometheus does). gzip is
 * used when the client accepts it.
 *
 * Hostile clients are bounded (see daemon.c and auth.c): connections per
 * client address and in total, a deadline for each request to arrive whole
 * (slow senders are cut), an idle timeout, no request body but on
 * /-/reload (1 KiB, 413 beyond), credentials checked before any body is
 * read, and wrong passwords that cannot take the CPU or the threads that
 * serve verified clients.
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
	http_reload_fn reload;		/* NULL: /-/reload answers 403; else
					 * run on the server's own lifecycle
					 * thread, never on one serving
					 * connections */
	void *reload_ctx;
	bool (*ready)(void *ctx);	/* NULL: always ready */
	void *ready_ctx;
	unsigned max_connections;	/* 0: 256 */
	unsigned max_per_client;	/* per client address; 0: 16 */
	unsigned timeout_seconds;	/* idle, and for a reply to go out and
					 * the next request on a kept-alive
					 * connection to arrive; 0: 30 */
	unsigned request_seconds;	/* for a new connection's first
					 * request to arrive whole (TLS
					 * handshake, headers, body); 0: 10 */
	const struct webcfg *web;	/* NULL: plain HTTP, no auth; else
					 * copied: the caller may free it
					 * after http_server_start() */
};

struct http_server;

/* Starts listening and logs "listening" with the bound port; NULL with
 * errno and the reason logged on failure. */
struct http_server *http_server_start(const struct http_opts *opts);
/* Serves with web (NULL: plain HTTP, no auth) from now on, on the same
 * listening socket and port: no connection is refused meanwhile, requests
 * in progress finish with the old config. web is copied: the caller may
 * free it on return. Any thread, the server's callbacks included (POST
 * /-/reload). 0 (logged: "web config reloaded"), or -1 with errno and the
 * reason logged, the old config still serving. */
int http_server_set_web(struct http_server *srv, const struct webcfg *web);
/* Stops serving (requests in progress are cut), closes the socket, frees
 * srv. Not concurrently with itself. */
void http_server_stop(struct http_server *srv);
/* The port the server listens on (useful after listening on port 0). */
int http_server_port(const struct http_server *srv);
/* Splits [HOST]:PORT (HOST may be [v6]; empty for all addresses, as
 * --web.listen-address takes it) into host and *port, which points into
 * addr; PORT is 0 to 65535 in decimal. 0, or -1 with EINVAL when addr is
 * malformed. */
int http_addr_split(const char *addr, char *host, size_t size,
		    const char **port);

#endif
