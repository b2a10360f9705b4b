/* http/daemon: one libmicrohttpd daemon (struct http_daemon) serving the
 * server's routes with one web config, on a duplicate of the server's
 * listening socket. The daemon runs an internal poll thread; every
 * callback (render, reload, ready) runs on it.
 *
 * For the server to replace a daemon without dropping a connection, each
 * daemon counts its busy connections: accepted and not yet through their
 * first request (a TLS handshake, headers on their way), or in a request.
 * A connection idle between keep-alive requests is not busy. A retired
 * daemon accepts nothing (MHD_quiesce_daemon()), answers with "Connection:
 * close", and can be stopped once nothing is busy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/internal.h"
#include "webcfg/webcfg.h"

#define SETTLE_NS 200000000L	/* 0.2 s */

/* Per connection, in MHD's socket context; NULL when it could not be
 * allocated (the connection then never counts as busy). */
struct http_conn {
	bool busy;
};

/* Marks conn busy or not and keeps d->busy in step; wakes the reaper when
 * a retired daemon has nothing busy left. */
static void set_busy(struct http_daemon *d, struct http_conn *conn,
		     bool busy)
{
	if (!conn)
		return;
	pthread_mutex_lock(&d->srv->lock);
	if (conn->busy != busy) {
		conn->busy = busy;
		d->busy += busy ? 1 : -1;
		if (!d->busy && d->retired)
			pthread_cond_signal(&d->srv->wake);
	}
	pthread_mutex_unlock(&d->srv->lock);
}

/* The struct http_conn of connection c, or NULL. */
static struct http_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Serves a request whose body has been read: 403 when the client
 * certificate does not satisfy the policy, 401 without valid credentials,
 * else the route. */
static enum MHD_Result serve(struct http_daemon *d, struct MHD_Connection *c,
			     const char *url, const char *method)
{
	if (!http_tls_peer_ok(d, c))
		return http_reply_text(d, c, MHD_HTTP_FORBIDDEN,
				       "Client certificate missing or not "
				       "trusted\n");
	if (d->auth && !http_auth_ok(d->auth, c))
		return http_auth_refuse(d, c);
	return http_route(d, c, url, method);
}

/* MHD calls this first with the headers (the connection is busy from
 * there), then once per chunk of body (discarded), then once more to get
 * the reply. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **state)
{
	static int started;

	(void)version;
	(void)data;
	if (!*state) {
		*state = &started;
		set_busy(cls, conn_of(c), true);
		return MHD_YES;
	}
	if (*size) {
		*size = 0;
		return MHD_YES;
	}
	return serve(cls, c, url, method);
}

/* MHD's request completion callback: the reply went out (or the request
 * failed); the connection is idle until its next request. */
static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode code)
{
	(void)state;
	(void)code;
	set_busy(cls, conn_of(c), false);
}

/* MHD's connection hook: a new connection is busy until its first request
 * is through; TLS sets up its client certificate policy here. */
static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_conn *conn = *socket_ctx;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		set_busy(cls, conn, false);
		free(conn);
		*socket_ctx = NULL;
		return;
	}
	conn = calloc(1, sizeof(*conn));
	*socket_ctx = conn;
	set_busy(cls, conn, true);
	http_tls_session_start(cls, c);
}

/* Closes dup_fd if it is still the duplicate of fd that we made: MHD
 * closes the listening socket on some of its failures and not on others,
 * and the number may already belong to another thread's file. */
static void close_if_duplicate(int dup_fd, int fd)
{
	struct stat a, b;
	int err = errno;

	if (!fstat(dup_fd, &a) && !fstat(fd, &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		close(dup_fd);
	errno = err;
}

/* Starts MHD for d on a duplicate of the server's socket, with TLS when
 * the web config asks for it. MHD_USE_ITC lets MHD_quiesce_daemon() hand
 * the socket back. Returns 0, or -1 with errno (EIO when MHD gives no
 * reason) and no descriptor left open. */
static int start_mhd(struct http_daemon *d)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			     MHD_USE_ITC;
	struct MHD_OptionItem tls[HTTP_TLS_ITEMS];
	const struct http_opts *o = &d->srv->opts;

	if (http_tls_options(d, tls, &flags))
		return -1;
	d->fd = fcntl(d->srv->fd, F_DUPFD_CLOEXEC, 0);
	if (d->fd < 0)
		return -1;
	errno = 0;
	d->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, d,
		MHD_OPTION_LISTEN_SOCKET, d->fd,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_seconds,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0U,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
	if (d->mhd)
		return 0;
	if (!errno)
		errno = EIO;
	close_if_duplicate(d->fd, d->srv->fd);
	return -1;
}

/* Frees what a daemon owns besides MHD; NULL is fine. */
static void daemon_free(struct http_daemon *d)
{
	if (!d)
		return;
	http_auth_free(d->auth);
	webcfg_free(d->web);
	free(d);
}

/* Starts a daemon of srv serving with a copy of web (NULL: plain HTTP, no
 * auth); web stays the caller's. Returns the daemon, which the caller
 * stops with http_daemon_stop(), or NULL with errno (ENOMEM, EIO, an error
 * of MHD or of the descriptor table) and nothing started. */
struct http_daemon *http_daemon_start(struct http_server *srv,
				      const struct webcfg *web)
{
	struct http_daemon *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return NULL;
	d->srv = srv;
	d->fd = -1;
	if (web) {
		d->web = webcfg_dup(web);
		if (!d->web)
			goto err_free;
	}
	if (d->web && webcfg_user_count(d->web)) {
		d->auth = http_auth_new(d->web);
		if (!d->auth)
			goto err_free;
	}
	if (start_mhd(d))
		goto err_free;
	return d;

err_free:
	err = errno;
	daemon_free(d);
	errno = err;
	return NULL;
}

/* Retires d: it accepts no more connections (the listening socket stays
 * open through the server's own descriptor) and answers its remaining
 * requests with "Connection: close". It may be stopped once nothing is
 * busy, but not before SETTLE_NS: a connection its thread accepted just
 * before the quiesce is counted busy a few microseconds later. It is
 * stopped anyway at the deadline, the connection timeout. Called with
 * srv->lock held; never fails (should MHD refuse to quiesce, d keeps
 * accepting until it is stopped). */
void http_daemon_retire(struct http_daemon *d)
{
	d->quiesced = MHD_quiesce_daemon(d->mhd) != MHD_INVALID_SOCKET;
	__atomic_store_n(&d->retired, true, __ATOMIC_RELEASE);
	clock_gettime(CLOCK_MONOTONIC, &d->settle);
	d->deadline = d->settle;
	d->deadline.tv_sec += d->srv->opts.timeout_seconds;
	d->settle.tv_nsec += SETTLE_NS;
	if (d->settle.tv_nsec >= 1000000000L) {
		d->settle.tv_sec++;
		d->settle.tv_nsec -= 1000000000L;
	}
}

/* True once d is retired; any thread. */
bool http_daemon_retired(const struct http_daemon *d)
{
	return __atomic_load_n(&d->retired, __ATOMIC_ACQUIRE);
}

/* Stops d's MHD, which closes d's connections (waiting for callbacks in
 * flight), closes the socket MHD handed back and frees d. Never with
 * srv->lock held: MHD's callbacks take it. NULL is fine. */
void http_daemon_stop(struct http_daemon *d)
{
	if (!d)
		return;
	MHD_stop_daemon(d->mhd);
	if (d->quiesced)
		close(d->fd);
	daemon_free(d);
}
