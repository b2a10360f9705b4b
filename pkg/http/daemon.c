/* http/daemon: one libmicrohttpd daemon (struct http_daemon) serving the
 * server's routes with one web config, on a duplicate of the server's
 * listening socket.
 *
 * DESIGN, threads: a thread per connection (MHD_USE_THREAD_PER_CONNECTION,
 * with poll), so that nothing one client does (a slow TLS handshake, a
 * bcrypt of a wrong password, a POST /-/reload waiting for its result)
 * holds up the thread of another: a scrape with verified credentials is
 * served on its own thread whatever else runs. The threads are bounded
 * by the connection limits: max_per_client per client address (a client
 * beyond it is closed at once, so 64 idle sockets of one client no longer
 * lock everyone out) and max_connections in all (beyond it new
 * connections wait in the listen backlog); each has HTTP_STACK bytes of
 * stack and MHD's pool of HTTP_CONN_MEMORY bytes for its request.
 *
 * DESIGN, deadlines: MHD's timeout (timeout_seconds) is an idle timeout,
 * which a client sending one byte now and then never meets. So each
 * connection also has a deadline that only the reaper thread (http.c)
 * enforces, by shutting the socket down (MHD then closes it): a new
 * connection's first request must be in whole (TLS handshake, headers and
 * body) within request_seconds; a reply must be out, and the next request
 * of a kept-alive connection in, within timeout_seconds. Only while our
 * own callback runs (rendering, waiting for a reload) is there none. The
 * socket is shut down under srv->lock, and MHD's close notification
 * (which comes before MHD closes the socket) unlinks the connection under
 * it too, so the descriptor is never another file's.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/internal.h"
#include "log/log.h"
#include "webcfg/webcfg.h"

#define SETTLE_NS 200000000L		/* 0.2 s */
#define HTTP_CONN_MEMORY (32 * 1024)	/* MHD's pool per connection:
					 * headers beyond it get 431 */
#define HTTP_STACK (512 * 1024)		/* per connection thread */

/* Per connection, in MHD's socket context, on d->conns; NULL when it
 * could not be allocated (the connection is then refused). Fields under
 * srv->lock but route and body, which only the connection's thread
 * uses. */
struct http_conn {
	struct http_conn *prev, *next;
	int fd;
	bool busy;
	bool cut;			/* shut down by the sweep */
	struct timespec deadline;	/* 0: none */
	const struct http_route *route;	/* of the request being read */
	size_t body;			/* its body bytes so far */
};

/* Marks conn busy or not and keeps d->busy in step; wakes the reaper when
 * a retired daemon has nothing busy left. srv->lock held. */
static void set_busy_locked(struct http_daemon *d, struct http_conn *conn,
			    bool busy)
{
	if (conn->busy == busy)
		return;
	conn->busy = busy;
	d->busy += busy ? 1 : -1;
	if (!d->busy && d->retired)
		pthread_cond_signal(&d->srv->wake);
}

/* Gives conn a deadline secs from now (0: none), waking the reaper when
 * it is earlier than its next sweep. srv->lock held. */
static void set_deadline_locked(struct http_daemon *d, struct http_conn *conn,
				unsigned secs)
{
	struct http_server *srv = d->srv;

	conn->deadline = (struct timespec){ 0 };
	if (!secs)
		return;
	clock_gettime(CLOCK_MONOTONIC, &conn->deadline);
	conn->deadline.tv_sec += secs;
	if (!http_time_set(&srv->sweep_at) ||
	    http_time_before(&conn->deadline, &srv->sweep_at))
		pthread_cond_signal(&srv->wake);
}

static void set_busy(struct http_daemon *d, struct http_conn *conn,
		     bool busy)
{
	pthread_mutex_lock(&d->srv->lock);
	set_busy_locked(d, conn, busy);
	pthread_mutex_unlock(&d->srv->lock);
}

/* Sets conn busy or not and its deadline, in one go. */
static void set_state(struct http_daemon *d, struct http_conn *conn,
		      bool busy, unsigned secs)
{
	pthread_mutex_lock(&d->srv->lock);
	set_busy_locked(d, conn, busy);
	set_deadline_locked(d, conn, secs);
	pthread_mutex_unlock(&d->srv->lock);
}

/* Shuts down the connections of d past their deadline at now (MHD then
 * closes them) and keeps the earliest deadline ahead in *next. srv->lock
 * held: the close notification unlinks under it too. */
void http_daemon_sweep(struct http_daemon *d, const struct timespec *now,
		       struct timespec *next)
{
	for (struct http_conn *c = d->conns; c; c = c->next) {
		if (c->cut || !http_time_set(&c->deadline))
			continue;
		if (http_time_before(now, &c->deadline)) {
			if (!http_time_set(next) ||
			    http_time_before(&c->deadline, next))
				*next = c->deadline;
			continue;
		}
		shutdown(c->fd, SHUT_RDWR);
		c->cut = true;
		log_msg(LOG_DEBUG, "closed a connection past its deadline",
			NULL);
	}
}

/* The struct http_conn of connection c, or NULL. */
static struct http_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Once the headers are in, before any body is read: 403 when the client
 * certificate does not satisfy the policy, 401 without valid credentials
 * (429 when they could not be checked now), else the route's own checks.
 * MHD_YES with conn->route set lets the body come. */
static enum MHD_Result admit(struct http_daemon *d, struct MHD_Connection *c,
			     struct http_conn *conn, const char *url,
			     const char *method)
{
	enum http_auth_verdict v;

	conn->route = NULL;
	conn->body = 0;
	set_busy(d, conn, true);
	if (!http_tls_peer_ok(d, c))
		return http_reply_text(d, c, MHD_HTTP_FORBIDDEN,
				       "Client certificate missing or not "
				       "trusted\n");
	v = d->auth ? http_auth_check(d->auth, c) : HTTP_AUTH_OK;
	if (v != HTTP_AUTH_OK)
		return http_auth_refuse(d, c, v);
	return http_route_admit(d, c, url, method, &conn->route);
}

/* A chunk of an admitted request's body, discarded; a body over the
 * route's limit (one sent chunked: its size was not declared) closes the
 * connection, as MHD cannot queue a reply in the middle of a body. */
static enum MHD_Result take_body(struct http_conn *conn, size_t *size)
{
	conn->body += *size;
	*size = 0;
	return conn->body > http_route_max_body(conn->route) ? MHD_NO : MHD_YES;
}

/* Serves the admitted request: no deadline while our callback runs, then
 * timeout_seconds for the reply to go out. */
static enum MHD_Result serve(struct http_daemon *d, struct MHD_Connection *c,
			     struct http_conn *conn)
{
	enum MHD_Result ret;

	set_state(d, conn, true, 0);
	ret = http_route_serve(d, c, conn->route);
	set_state(d, conn, true, d->srv->opts.timeout_seconds);
	return ret;
}

/* MHD calls this first with the headers (checked at once: see admit()),
 * then once per chunk of body, then once more to get the reply. A
 * refusal queued at the headers ends the request there: MHD reads no body
 * and closes the connection if one was announced. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **state)
{
	struct http_conn *conn = conn_of(c);

	(void)version;
	(void)data;
	if (!conn)
		return MHD_NO;
	if (!*state) {
		*state = conn;
		return admit(cls, c, conn, url, method);
	}
	if (*size)
		return take_body(conn, size);
	return serve(cls, c, conn);
}

/* MHD's request completion callback: the reply went out (or the request
 * failed); the connection is idle until its next request, which must
 * arrive within timeout_seconds. */
static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode code)
{
	struct http_daemon *d = cls;
	struct http_conn *conn = conn_of(c);

	(void)state;
	(void)code;
	if (conn)
		set_state(d, conn, false, d->srv->opts.timeout_seconds);
}

/* Links a new connection's struct on d->conns, busy, with the deadline of
 * its first request. */
static void conn_open(struct http_daemon *d, struct MHD_Connection *c,
		      struct http_conn *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	conn->fd = ci ? ci->connect_fd : -1;
	conn->cut = conn->fd < 0;	/* never shut down */
	pthread_mutex_lock(&d->srv->lock);
	conn->next = d->conns;
	if (d->conns)
		d->conns->prev = conn;
	d->conns = conn;
	set_busy_locked(d, conn, true);
	set_deadline_locked(d, conn, d->srv->opts.request_seconds);
	pthread_mutex_unlock(&d->srv->lock);
}

/* Unlinks a closing connection's struct and frees it; MHD has not closed
 * the socket yet. */
static void conn_close(struct http_daemon *d, struct http_conn *conn)
{
	pthread_mutex_lock(&d->srv->lock);
	set_busy_locked(d, conn, false);
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		d->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	pthread_mutex_unlock(&d->srv->lock);
	free(conn);
}

/* MHD's connection hook: a new connection is busy until its first request
 * is through; TLS sets up its client certificate policy here. */
static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_conn *conn = *socket_ctx;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (conn)
			conn_close(cls, conn);
		*socket_ctx = NULL;
		return;
	}
	conn = calloc(1, sizeof(*conn));
	*socket_ctx = conn;
	if (conn)
		conn_open(cls, c, conn);
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
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
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
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_client,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_STACK,
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
