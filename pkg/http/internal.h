/* http/internal: private to pkg/http (http.c, daemon.c, routes.c, reply.c,
 * listen.c, tls.c, auth.c, lifecycle.c). */
#ifndef FTE_HTTP_INTERNAL_H
#define FTE_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <time.h>

#include "http/http.h"

struct http_auth;
struct http_conn;
struct http_lifecycle;
struct http_route;
struct http_server;

/* One libmicrohttpd daemon and the web config it serves with. The server
 * replaces it whole when the web config changes (http_server_set_web()):
 * every callback gets its own daemon's struct, so a request is served from
 * start to end with one web config, and nothing here changes after start
 * but the fields marked otherwise. */
struct http_daemon {
	struct MHD_Daemon *mhd;
	struct http_server *srv;
	struct webcfg *web;	/* own copy; NULL: plain HTTP, no auth */
	struct http_auth *auth;	/* NULL: no basic auth */
	char priorities[96];	/* gnutls priority string, with TLS */
	int fd;			/* MHD's duplicate of srv->fd */
	bool quiesced;		/* MHD handed fd back: ours to close */
	/* changed under srv->lock (retired also read atomically): */
	bool retired;		/* no longer accepting; replies close */
	int busy;		/* connections before or in a request */
	struct http_conn *conns;	/* every open one, for the sweep */
	struct timespec settle;		/* retired: not stopped before */
	struct timespec deadline;	/* retired: stopped by then at last */
	struct http_daemon *next;	/* in srv->retired */
};

struct http_server {
	struct http_opts opts;	/* the caller's callbacks; opts.web unused */
	char *path;		/* telemetry path */
	char *content_type;
	char *landing;		/* landing page HTML */
	int fd;			/* the listening socket, kept for life */
	int port;
	pthread_mutex_t lock;	/* cur, retired, quit, busy, retired flags */
	pthread_cond_t wake;	/* the reaper's: a daemon went idle, an
				 * earlier deadline, quit */
	pthread_t reaper;
	struct http_daemon *cur;	/* the one accepting */
	struct http_daemon *retired;	/* quiesced, finishing requests */
	struct timespec sweep_at;	/* the reaper's next sweep; 0: none */
	bool quit;
	struct http_lifecycle *life;	/* NULL without a reload callback */
};

/* http.c: deadlines on the monotonic clock, {0, 0} meaning none. True
 * when a is earlier than b; true when t is a time, not none. */
bool http_time_before(const struct timespec *a, const struct timespec *b);
bool http_time_set(const struct timespec *t);

/* daemon.c */
struct http_daemon *http_daemon_start(struct http_server *srv,
				      const struct webcfg *web);
void http_daemon_retire(struct http_daemon *d);
void http_daemon_stop(struct http_daemon *d);
bool http_daemon_retired(const struct http_daemon *d);
/* Cuts d's connections whose deadline is past at now and lowers *next to
 * the earliest deadline still ahead (left alone when none is). srv->lock
 * held. */
void http_daemon_sweep(struct http_daemon *d, const struct timespec *now,
		       struct timespec *next);

/* routes.c. Once a request's headers are in, finds its route and checks
 * method, lifecycle and the declared body size: returns MHD_YES with
 * *route set when the request may go on (its body, if any, is read next),
 * else queues the refusal (404, 405, 403, 413) and returns what MHD's
 * access handler must return, *route NULL. */
enum MHD_Result http_route_admit(const struct http_daemon *d,
				 struct MHD_Connection *c, const char *url,
				 const char *method,
				 const struct http_route **route);
/* The most body bytes route r accepts. */
size_t http_route_max_body(const struct http_route *r);
/* Answers a request of route r whose body has been read. */
enum MHD_Result http_route_serve(const struct http_daemon *d,
				 struct MHD_Connection *c,
				 const struct http_route *r);

/* reply.c: every response goes out through http_queue(), which adds the
 * web config's headers. */
struct MHD_Response *http_response(const char *body, size_t len,
				   enum MHD_ResponseMemoryMode mode,
				   const char *ctype);
enum MHD_Result http_queue(const struct http_daemon *d,
			   struct MHD_Connection *c, unsigned status,
			   struct MHD_Response *r);
#define HTTP_TEXT_PLAIN "text/plain; charset=utf-8"
enum MHD_Result http_reply_text(const struct http_daemon *d,
				struct MHD_Connection *c, unsigned status,
				const char *text);
/* Like http_reply_text() with one more header, name: value. */
enum MHD_Result http_reply_text_hdr(const struct http_daemon *d,
				    struct MHD_Connection *c, unsigned status,
				    const char *text, const char *name,
				    const char *value);

/* tls.c: at most HTTP_TLS_ITEMS options, the last one MHD_OPTION_END. */
#define HTTP_TLS_ITEMS 5
int http_tls_options(struct http_daemon *d, struct MHD_OptionItem *items,
		     unsigned int *flags);
void http_tls_session_start(const struct http_daemon *d,
			    struct MHD_Connection *c);
bool http_tls_peer_ok(const struct http_daemon *d, struct MHD_Connection *c);

/* auth.c */
enum http_auth_verdict {
	HTTP_AUTH_OK,
	HTTP_AUTH_DENIED,	/* no or wrong credentials: 401 */
	HTTP_AUTH_BUSY,		/* not checked (throttled, queue full): 429 */
};
struct http_auth *http_auth_new(const struct webcfg *web);
void http_auth_free(struct http_auth *a);
enum http_auth_verdict http_auth_check(struct http_auth *a,
				       struct MHD_Connection *c);
enum MHD_Result http_auth_refuse(const struct http_daemon *d,
				 struct MHD_Connection *c,
				 enum http_auth_verdict v);

/* lifecycle.c: runs the reload callback on a thread of its own, one
 * request at a time in arrival order. */
struct http_lifecycle *http_lifecycle_start(http_reload_fn fn, void *ctx);
/* Queues a reload and waits for its result (any thread but the
 * lifecycle's); -1 with msg set when it failed or the server stops. */
int http_lifecycle_reload(struct http_lifecycle *l, char *msg, size_t len);
/* Lets the reload in progress finish, fails the queued ones and joins the
 * thread; later calls fail at once. */
void http_lifecycle_stop(struct http_lifecycle *l);
/* Frees l once nothing can call it any more; NULL is fine. */
void http_lifecycle_free(struct http_lifecycle *l);

/* gzip.c: text gzip-compressed (level 1) into a malloc'd buffer of
 * *outlen bytes; NULL with errno (ENOMEM, EOVERFLOW, EIO). */
unsigned char *http_gzip(const char *text, size_t len, size_t *outlen);

/* Builds the landing page linking path, malloc'd; NULL with ENOMEM. */
char *http_landing_page(const char *path);

/* Returns a bound, listening, non-blocking socket and its port in *port,
 * or -1 with errno (EINVAL for a malformed address, EADDRNOTAVAIL for a
 * host that does not resolve, else the socket call's error). */
int listen_open(const char *addr, int *port);

#endif
