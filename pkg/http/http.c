/* http: see http.h. One libmicrohttpd daemon with an internal poll thread;
 * every callback (render, reload, ready) runs on that thread. TLS lives in
 * tls.c, basic auth in auth.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/internal.h"
#include "log/log.h"
#include "webcfg/webcfg.h"

#define DEFAULT_CONTENT_TYPE "text/plain; charset=utf-8"

/* Serves a request whose body has been read: 403 when the client
 * certificate does not satisfy the policy, 401 without valid credentials,
 * else the route. */
static enum MHD_Result serve(struct http_server *srv, struct MHD_Connection *c,
			     const char *url, const char *method)
{
	if (!http_tls_peer_ok(srv, c))
		return http_reply_text(srv, c, MHD_HTTP_FORBIDDEN,
				       "Client certificate missing or not "
				       "trusted\n");
	if (srv->auth && !http_auth_ok(srv->auth, c))
		return http_auth_refuse(srv, c);
	return http_route(srv, c, url, method);
}

/* MHD calls this first with the headers (we just note the request), then
 * once per chunk of body (discarded), then once more to get the reply. */
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
		return MHD_YES;
	}
	if (*size) {
		*size = 0;
		return MHD_YES;
	}
	return serve(cls, c, url, method);
}

/* Copies opts into srv with defaults, and makes the basic auth state when
 * the web config has users; -1 with errno (EINVAL, ENOMEM, ...). */
static int copy_opts(struct http_server *srv, const struct http_opts *opts)
{
	srv->opts = *opts;
	if (!opts->listen || !opts->render) {
		errno = EINVAL;
		return -1;
	}
	srv->path = strdup(opts->telemetry_path ? opts->telemetry_path
						: "/metrics");
	srv->content_type = strdup(opts->content_type ? opts->content_type
						      : DEFAULT_CONTENT_TYPE);
	if (!srv->path || !srv->content_type)
		return -1;
	if (srv->path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	srv->landing = http_landing_page(srv->path);
	if (!srv->landing)
		return -1;
	if (!opts->web || !webcfg_user_count(opts->web))
		return 0;
	srv->auth = http_auth_new(opts->web);
	return srv->auth ? 0 : -1;
}

/* Frees what copy_opts made; srv's other fields are the caller's. */
static void free_opts(struct http_server *srv)
{
	free(srv->path);
	free(srv->content_type);
	free(srv->landing);
	http_auth_free(srv->auth);
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

/* Starts MHD on a duplicate of fd, which stays the caller's to close, with
 * TLS when the web config asks for it. Returns 0, or -1 with errno (EIO
 * when MHD gives no reason). */
static int start_daemon(struct http_server *srv, int fd)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	struct MHD_OptionItem tls[HTTP_TLS_ITEMS];
	const struct http_opts *o = &srv->opts;
	int mhd_fd;

	if (http_tls_options(srv, tls, &flags))
		return -1;
	mhd_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (mhd_fd < 0)
		return -1;
	errno = 0;
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_LISTEN_SOCKET, mhd_fd,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)(o->max_connections ? o->max_connections : 64),
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)(o->timeout_seconds ? o->timeout_seconds : 30),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0U,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
	if (srv->mhd)
		return 0;
	if (!errno)
		errno = EIO;
	close_if_duplicate(mhd_fd, fd);
	return -1;
}

/* Validates opts, opens the listening socket and starts the daemon. The
 * server keeps opts' callbacks and contexts, not its strings. On failure
 * nothing is left open, errno says why and the reason is logged. */
struct http_server *http_server_start(const struct http_opts *opts)
{
	struct http_server *srv;
	int fd, err;

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		goto err_log;
	if (copy_opts(srv, opts))
		goto err_free_opts;
	fd = listen_open(opts->listen, &srv->port);
	if (fd < 0)
		goto err_free_opts;
	if (start_daemon(srv, fd))
		goto err_close_fd;
	close(fd);	/* MHD listens on its own duplicate */
	return srv;

err_close_fd:
	err = errno;
	close(fd);
	errno = err;
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

/* Stops the daemon, waiting for callbacks in flight, and frees srv. */
void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	free_opts(srv);
	free(srv);
}

/* The port bound at start; the socket is the server's, srv not NULL. */
int http_server_port(const struct http_server *srv)
{
	return srv->port;
}
