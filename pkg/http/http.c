/* http: see http.h. The server owns the listening socket for its whole
 * life and serves it with one libmicrohttpd daemon at a time (daemon.c);
 * TLS lives in tls.c, basic auth in auth.c.
 *
 * DESIGN, replacing the web config (http_server_set_web()): a new daemon
 * starts on a duplicate of the same socket first, so a config it cannot
 * start with changes nothing. Then the old daemon is quiesced (it accepts
 * no more) and retired; connections that arrive meanwhile wait in the
 * socket's backlog for whichever daemon accepts them, none is refused, and
 * the port stays. A retired daemon may be running the very callback that
 * asked for the change (POST /-/reload), and MHD_stop_daemon() cuts the
 * requests in progress, so it is not stopped there: the reaper thread
 * stops it once its busy connections are through and it has settled (see
 * http_daemon_retire()), or at its deadline, closing the idle keep-alive
 * connections, and frees its web config. srv->lock guards the daemon
 * list; MHD_stop_daemon() is never called with it held, because MHD's
 * callbacks take it.
 *
 * The reaper also keeps the connection deadlines (daemon.c): it sleeps
 * until the earliest one (srv->sweep_at; a connection that sets an
 * earlier one wakes it) and cuts the connections past theirs. POST
 * /-/reload runs on the lifecycle thread (lifecycle.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/internal.h"
#include "log/log.h"
#include "webcfg/webcfg.h"

/* Copies opts' strings into srv with defaults; -1 with errno (EINVAL,
 * ENOMEM). The web config is not kept: each daemon copies it. */
static int copy_opts(struct http_server *srv, const struct http_opts *opts)
{
	srv->opts = *opts;
	srv->opts.web = NULL;
	if (!srv->opts.max_connections)
		srv->opts.max_connections = 256;
	if (!srv->opts.max_per_client)
		srv->opts.max_per_client = 16;
	if (!srv->opts.timeout_seconds)
		srv->opts.timeout_seconds = 30;
	if (!srv->opts.request_seconds)
		srv->opts.request_seconds = 10;
	if (!opts->listen || !opts->render) {
		errno = EINVAL;
		return -1;
	}
	srv->path = strdup(opts->telemetry_path ? opts->telemetry_path
						: "/metrics");
	srv->content_type = strdup(opts->content_type ? opts->content_type
						      : HTTP_TEXT_PLAIN);
	if (!srv->path || !srv->content_type)
		return -1;
	if (srv->path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	srv->landing = http_landing_page(srv->path);
	return srv->landing ? 0 : -1;
}

/* Frees what copy_opts made; srv's other fields are the caller's. */
static void free_opts(struct http_server *srv)
{
	free(srv->path);
	free(srv->content_type);
	free(srv->landing);
}

/* Sets up srv->lock and srv->wake (on the monotonic clock); 0, or -1
 * with errno and nothing to destroy. */
static int init_sync(struct http_server *srv)
{
	pthread_condattr_t attr;
	int err;

	err = pthread_condattr_init(&attr);
	if (err)
		goto err_out;
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&srv->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (err)
		goto err_out;
	pthread_mutex_init(&srv->lock, NULL);
	return 0;

err_out:
	errno = err;
	return -1;
}

static void destroy_sync(struct http_server *srv)
{
	pthread_cond_destroy(&srv->wake);
	pthread_mutex_destroy(&srv->lock);
}

bool http_time_set(const struct timespec *t)
{
	return t->tv_sec || t->tv_nsec;
}

bool http_time_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* When retired daemon d may be stopped: settled and idle, or at its
 * deadline. */
static const struct timespec *stop_time(const struct http_daemon *d)
{
	return d->busy ? &d->deadline : &d->settle;
}

/* Unlinks and returns the first retired daemon that may be stopped at
 * now (any of them once the server stops), or NULL. srv->lock held. */
static struct http_daemon *take_done(struct http_server *srv,
				     const struct timespec *now)
{
	struct http_daemon **pp, *d;

	for (pp = &srv->retired; *pp; pp = &(*pp)->next) {
		d = *pp;
		if (srv->quit || !http_time_before(now, stop_time(d))) {
			*pp = d->next;
			return d;
		}
	}
	return NULL;
}

/* Cuts the connections of every daemon that are past their deadline at
 * now and sets srv->sweep_at to the earliest deadline left (0: none).
 * srv->lock held. */
static void sweep(struct http_server *srv, const struct timespec *now)
{
	srv->sweep_at = (struct timespec){ 0 };
	http_daemon_sweep(srv->cur, now, &srv->sweep_at);
	for (struct http_daemon *d = srv->retired; d; d = d->next)
		http_daemon_sweep(d, now, &srv->sweep_at);
}

/* Waits for a wake-up, at most until the next sweep or the earliest stop
 * time of a retired daemon. srv->lock held. */
static void wait_event(struct http_server *srv)
{
	struct timespec until = srv->sweep_at;
	bool timed = http_time_set(&until);

	for (struct http_daemon *d = srv->retired; d; d = d->next) {
		if (!timed || http_time_before(stop_time(d), &until))
			until = *stop_time(d);
		timed = true;
	}
	if (timed)
		pthread_cond_timedwait(&srv->wake, &srv->lock, &until);
	else
		pthread_cond_wait(&srv->wake, &srv->lock);
}

/* The reaper thread: keeps the connection deadlines, stops retired
 * daemons when they may be, and all of them when the server stops; then
 * returns. */
static void *reap(void *arg)
{
	struct http_server *srv = arg;
	struct http_daemon *d;
	struct timespec now;

	pthread_mutex_lock(&srv->lock);
	while (!srv->quit || srv->retired) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		sweep(srv, &now);
		d = take_done(srv, &now);
		if (!d) {
			wait_event(srv);
			continue;
		}
		pthread_mutex_unlock(&srv->lock);
		http_daemon_stop(d);
		pthread_mutex_lock(&srv->lock);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

/* "true" or "false" for the log. */
static const char *yes(bool b)
{
	return b ? "true" : "false";
}

/* Logs where the server listens, with the bound port (operators and tests
 * that pass port 0 read it here), and how (opts->web NULL: plain). */
static void log_listening(const struct http_server *srv,
			  const struct http_opts *opts)
{
	const struct webcfg *web = opts->web;
	char port[8];

	snprintf(port, sizeof(port), "%d", srv->port);
	log_msg(LOG_INFO, "listening", "address", opts->listen, "port",
		port, "path", srv->path, "tls", yes(web && webcfg_tls(web)),
		"basic_auth", yes(web && webcfg_user_count(web)), NULL);
}

/* Validates opts, opens the listening socket and starts the first daemon
 * and the reaper. The server keeps opts' callbacks and contexts, not its
 * strings nor its web config (copied). On failure nothing is left open,
 * errno says why and the reason is logged. */
struct http_server *http_server_start(const struct http_opts *opts)
{
	struct http_server *srv;
	int err;

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		goto err_log;
	if (copy_opts(srv, opts))
		goto err_free_opts;
	if (init_sync(srv))
		goto err_free_opts;
	if (opts->reload) {
		srv->life = http_lifecycle_start(opts->reload, opts->reload_ctx);
		if (!srv->life)
			goto err_destroy_sync;
	}
	srv->fd = listen_open(opts->listen, &srv->port);
	if (srv->fd < 0)
		goto err_free_lifecycle;
	srv->cur = http_daemon_start(srv, opts->web);
	if (!srv->cur)
		goto err_close_fd;
	err = pthread_create(&srv->reaper, NULL, reap, srv);
	if (err) {
		errno = err;
		goto err_stop_daemon;
	}
	log_listening(srv, opts);
	return srv;

err_stop_daemon:
	err = errno;
	http_daemon_stop(srv->cur);
	errno = err;
err_close_fd:
	err = errno;
	close(srv->fd);
	errno = err;
err_free_lifecycle:
	err = errno;
	http_lifecycle_stop(srv->life);
	http_lifecycle_free(srv->life);
	errno = err;
err_destroy_sync:
	destroy_sync(srv);
err_free_opts:
	err = errno;
	free_opts(srv);
	free(srv);
	errno = err;
err_log:
	err = errno;
	log_msg(LOG_ERROR, "cannot start web server", "address",
		opts->listen ? opts->listen : "(none)", "err", strerror(err),
		NULL);
	errno = err;
	return NULL;
}

/* Serves the same socket with a new daemon using a copy of web (NULL:
 * plain HTTP, no auth), which stays the caller's to free at once; the old
 * daemon finishes its requests and is stopped by the reaper. Runs on any
 * thread, a callback of the server's included. Returns 0, or -1 with
 * errno (the new daemon's start error, logged; ECANCELED when the server
 * is stopping) with the old daemon still serving. */
int http_server_set_web(struct http_server *srv, const struct webcfg *web)
{
	struct http_daemon *d = http_daemon_start(srv, web);
	int err;

	if (!d)
		goto err_log;
	pthread_mutex_lock(&srv->lock);
	if (srv->quit) {
		pthread_mutex_unlock(&srv->lock);
		errno = ECANCELED;
		goto err_stop;
	}
	http_daemon_retire(srv->cur);
	srv->cur->next = srv->retired;
	srv->retired = srv->cur;
	srv->cur = d;
	pthread_cond_signal(&srv->wake);
	pthread_mutex_unlock(&srv->lock);
	log_msg(LOG_INFO, "web config reloaded", "file",
		web ? webcfg_path(web) : NULL, "tls", yes(web && webcfg_tls(web)),
		"basic_auth", yes(web && webcfg_user_count(web)), NULL);
	return 0;

err_stop:
	err = errno;
	http_daemon_stop(d);
	errno = err;
err_log:
	err = errno;
	log_msg(LOG_ERROR, "cannot serve with the new web config; the old one "
		"stays", "err", strerror(err), NULL);
	errno = err;
	return -1;
}

/* Lets a reload in progress finish and fails the queued ones (their
 * connections are waiting), stops the reaper and every daemon, waiting
 * for callbacks in flight (requests still in progress are cut), closes
 * the socket and frees srv. NULL is fine. */
void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	http_lifecycle_stop(srv->life);
	pthread_mutex_lock(&srv->lock);
	srv->quit = true;
	pthread_cond_signal(&srv->wake);
	pthread_mutex_unlock(&srv->lock);
	pthread_join(srv->reaper, NULL);
	http_daemon_stop(srv->cur);	/* no longer changes: quit is set */
	http_lifecycle_free(srv->life);	/* no connection thread is left */
	close(srv->fd);
	destroy_sync(srv);
	free_opts(srv);
	free(srv);
}

/* The port bound at start; the socket is the server's, srv not NULL. */
int http_server_port(const struct http_server *srv)
{
	return srv->port;
}
