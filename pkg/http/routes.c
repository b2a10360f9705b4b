/* http/routes: the pages the server answers, one serve_* per path. Every
 * response carries a Content-Type and leaves through http_queue().
 *
 * A request is admitted on its headers alone (http_route_admit()), before
 * any body is read: unknown path 404, method 405, lifecycle API disabled
 * 403, and a declared body over the route's limit 413. Only /-/reload
 * takes a body (ignored, up to RELOAD_MAX_BODY bytes, as curl -d or a
 * webhook may send one); the other routes take none.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/internal.h"
#include "log/log.h"

#define TEXT_HTML "text/html; charset=utf-8"
#define GET_METHODS "GET, HEAD"
#define POST_METHODS "POST, PUT"
#define RELOAD_MAX_BODY 1024

typedef enum MHD_Result (*serve_fn)(const struct http_daemon *d,
				    struct MHD_Connection *c);

struct http_route {
	const char *path;	/* NULL: the telemetry path */
	serve_fn serve;
	const char *allow;	/* methods, as in the Allow header */
	size_t max_body;	/* bytes */
};

/* Replies 405 with the Allow header listing the methods allowed. */
static enum MHD_Result reply_not_allowed(const struct http_daemon *d,
					 struct MHD_Connection *c,
					 const char *allow)
{
	return http_reply_text_hdr(d, c, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "Method not allowed\n", MHD_HTTP_HEADER_ALLOW,
				   allow);
}

/* True when an Accept-Encoding value names gzip without q=0. */
static bool accepts_gzip(const char *ae)
{
	size_t n;

	while (ae && *ae) {
		ae += strspn(ae, " \t,");
		n = strcspn(ae, " \t,;");
		if (n == 4 && !strncasecmp(ae, "gzip", 4)) {
			ae += n + strspn(ae + n, " \t");
			if (*ae++ != ';')
				return true;
			ae += strspn(ae, " \t");
			return strncasecmp(ae, "q=", 2) ||
			       strtod(ae + 2, NULL) > 0;
		}
		ae += strcspn(ae, ",");
	}
	return false;
}

/* Adds the headers of a telemetry response; false on failure. */
static bool metrics_headers(struct MHD_Response *r, const char *ctype,
			    bool gzipped)
{
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    ctype) == MHD_NO ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
				    MHD_HTTP_HEADER_ACCEPT_ENCODING) == MHD_NO)
		return false;
	return !gzipped || MHD_add_response_header(r,
			MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") == MHD_YES;
}

/* Renders the body, gzips it when the client accepts that (sending it
 * plain if compression fails), and hands the buffer over to MHD, which
 * frees it with the response. */
static enum MHD_Result serve_metrics(const struct http_daemon *d,
				     struct MHD_Connection *c)
{
	const struct http_server *srv = d->srv;
	struct MHD_Response *r;
	unsigned char *gz = NULL;
	char *text;
	size_t len;

	if (srv->opts.render(srv->opts.render_ctx, &text, &len)) {
		log_msg(LOG_WARN, "render failed", "err", strerror(errno), NULL);
		return http_reply_text(d, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "Error rendering metrics\n");
	}
	if (accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
				MHD_HTTP_HEADER_ACCEPT_ENCODING)))
		gz = http_gzip(text, len, &len);
	if (gz) {
		free(text);
		text = (char *)gz;
	}
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r)
		goto err_free_text;
	if (!metrics_headers(r, srv->content_type, gz))
		goto err_destroy_response;
	return http_queue(d, c, MHD_HTTP_OK, r);

err_destroy_response:
	MHD_destroy_response(r);	/* frees text */
	return MHD_NO;
err_free_text:
	free(text);
	return MHD_NO;
}

/* The HTML page built at start, linking the telemetry path. */
static enum MHD_Result serve_landing(const struct http_daemon *d,
				     struct MHD_Connection *c)
{
	return http_queue(d, c, MHD_HTTP_OK,
			  http_response(d->srv->landing,
					strlen(d->srv->landing),
					MHD_RESPMEM_PERSISTENT, TEXT_HTML));
}

/* Healthy as long as the server answers. */
static enum MHD_Result serve_healthy(const struct http_daemon *d,
				     struct MHD_Connection *c)
{
	return http_reply_text(d, c, MHD_HTTP_OK, "Healthy\n");
}

/* Ready unless the ready callback says otherwise. */
static enum MHD_Result serve_ready(const struct http_daemon *d,
				   struct MHD_Connection *c)
{
	const struct http_opts *o = &d->srv->opts;

	if (o->ready && !o->ready(o->ready_ctx))
		return http_reply_text(d, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "Not ready\n");
	return http_reply_text(d, c, MHD_HTTP_OK, "Ready\n");
}

/* Has the lifecycle thread run the reload callback and waits for it (on
 * this connection's own thread: see lifecycle.c); its message becomes
 * the body of a 500. */
static enum MHD_Result serve_reload(const struct http_daemon *d,
				    struct MHD_Connection *c)
{
	char msg[256] = "", body[sizeof(msg) + 32];

	if (!http_lifecycle_reload(d->srv->life, msg, sizeof(msg)))
		return http_reply_text(d, c, MHD_HTTP_OK, "Reloaded\n");
	msg[sizeof(msg) - 1] = '\0';
	snprintf(body, sizeof(body), "Reload failed: %s\n",
		 *msg ? msg : "unknown error");
	return http_queue(d, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			  http_response(body, strlen(body), MHD_RESPMEM_MUST_COPY,
					HTTP_TEXT_PLAIN));
}

static const struct http_route metrics_route = {
	NULL, serve_metrics, GET_METHODS, 0
};

static const struct http_route routes[] = {
	{ "/", serve_landing, GET_METHODS, 0 },
	{ "/-/healthy", serve_healthy, GET_METHODS, 0 },
	{ "/-/ready", serve_ready, GET_METHODS, 0 },
	{ "/-/reload", serve_reload, POST_METHODS, RELOAD_MAX_BODY },
};

/* The route for url, or NULL. */
static const struct http_route *find_route(const struct http_server *srv,
					   const char *url)
{
	size_t i, n = sizeof(routes) / sizeof(*routes);

	if (!strcmp(url, srv->path))
		return &metrics_route;
	for (i = 0; i < n && strcmp(url, routes[i].path); i++)
		;
	return i < n ? &routes[i] : NULL;
}

/* True when method is one of the comma-separated methods in allow. */
static bool method_allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	const char *p;

	for (p = allow; n && (p = strstr(p, method)); p += n) {
		if ((p == allow || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return true;
	}
	return false;
}

/* True when the request announces a body over max bytes: a length
 * beyond it, or one sent chunked (length unknown) where none is taken. */
static bool body_too_large(struct MHD_Connection *c, size_t max)
{
	const char *cl, *te;

	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (cl && strtoull(cl, NULL, 10) > max)
		return true;
	return te && !max;
}

/* Admits a request on its headers (see internal.h): the checks in the
 * order a client should learn of them. */
enum MHD_Result http_route_admit(const struct http_daemon *d,
				 struct MHD_Connection *c, const char *url,
				 const char *method,
				 const struct http_route **route)
{
	const struct http_route *r = find_route(d->srv, url);

	*route = NULL;
	if (!r)
		return http_reply_text(d, c, MHD_HTTP_NOT_FOUND,
				       "Not found\n");
	if (!method_allowed(r->allow, method))
		return reply_not_allowed(d, c, r->allow);
	if (r->serve == serve_reload && !d->srv->life)
		return http_reply_text(d, c, MHD_HTTP_FORBIDDEN,
				       "Lifecycle API is not enabled.\n");
	if (body_too_large(c, r->max_body))
		return http_reply_text(d, c, MHD_HTTP_CONTENT_TOO_LARGE,
				       "Request body too large\n");
	*route = r;
	return MHD_YES;
}

/* The body limit of route r, which the connection counts (daemon.c). */
size_t http_route_max_body(const struct http_route *r)
{
	return r->max_body;
}

/* Serves an admitted request of route r once its body is in. */
enum MHD_Result http_route_serve(const struct http_daemon *d,
				 struct MHD_Connection *c,
				 const struct http_route *r)
{
	return r->serve(d, c);
}

/* Returns s with HTML's special characters escaped, malloc'd; NULL with
 * ENOMEM. */
static char *html_escape(const char *s)
{
	char *out = malloc(6 * strlen(s) + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '&')
			p = stpcpy(p, "&amp;");
		else if (*s == '<')
			p = stpcpy(p, "&lt;");
		else if (*s == '>')
			p = stpcpy(p, "&gt;");
		else if (*s == '"')
			p = stpcpy(p, "&quot;");
		else if (*s == '\'')
			p = stpcpy(p, "&#39;");
		else
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

char *http_landing_page(const char *path)
{
	char *esc = html_escape(path), *page = NULL;

	if (!esc)
		return NULL;
	if (asprintf(&page, "<!DOCTYPE html>\n<html>\n<head>\n"
		     "<meta charset=\"utf-8\">\n<title>ftrace_exporter</title>\n"
		     "</head>\n<body>\n<h1>ftrace_exporter</h1>\n"
		     "<p>Prometheus exporter for Linux ftrace.</p>\n<ul>\n"
		     "<li><a href=\"%s\">Metrics</a></li>\n"
		     "<li><a href=\"/-/healthy\">Health</a></li>\n"
		     "</ul>\n</body>\n</html>\n", esc) < 0)
		page = NULL;
	free(esc);
	return page;
}
