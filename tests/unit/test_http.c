/* Unit tests for pkg/http: a real server on a loopback port, spoken to by a
 * plain-socket HTTP/1.1 client in this file, and by a gnutls client for the
 * web config's TLS and client certificates (tests/fixtures/webcfg/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <crypt.h>
#include <gnutls/gnutls.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "expose/expose.h"
#include "http/http.h"
#include "http/internal.h"
#include "log/log.h"
#include "webcfg/webcfg.h"
#include "dir_count.h"

#define BODY "# HELP up Up.\n# TYPE up gauge\nup 1\n"

static atomic_int render_fail, renders, ready, reloads, reload_fail;

static int render(void *ctx, char **text, size_t *len)
{
	(void)ctx;
	renders++;
	if (render_fail) {
		errno = EIO;
		return -1;
	}
	*text = strdup(ctx ? (const char *)ctx : BODY);
	*len = strlen(*text);
	return 0;
}

static bool is_ready(void *ctx)
{
	(void)ctx;
	return ready;
}

static int reload(void *ctx, char *msg, size_t msglen)
{
	(void)ctx;
	reloads++;
	if (!reload_fail)
		return 0;
	snprintf(msg, msglen, "config.yaml:3:7: unknown key");
	return -1;
}

struct resp {
	int status;
	char *raw;		/* whole response, NUL-terminated */
	const char *body;	/* into raw */
	size_t body_len;
};

static void resp_free(struct resp *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

/* The value of header name in r (copied into a static buffer), or NULL. */
static const char *header(const struct resp *r, const char *name)
{
	static char value[256];
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	p = strcasestr(r->raw, key);
	if (!p || p > r->body)
		return NULL;
	p += strlen(key);
	p += strspn(p, " ");
	end = strstr(p, "\r\n");
	snprintf(value, sizeof(value), "%.*s", (int)(end - p), p);
	return value;
}

static int connect_to(int family, int port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (family == AF_INET6)
		assert_int_equal(connect(fd, (struct sockaddr *)&a6,
					 sizeof(a6)), 0);
	else
		assert_int_equal(connect(fd, (struct sockaddr *)&a4,
					 sizeof(a4)), 0);
	return fd;
}

/* Splits the len bytes of r->raw into status, headers and body. Returns 0,
 * or -1 when broken or when they are not an HTTP/1.1 reply. */
static int parse_reply(struct resp *r, size_t len, bool broken)
{
	char *end;

	r->raw[len] = '\0';
	end = strstr(r->raw, "\r\n\r\n");
	if (broken || !end || sscanf(r->raw, "HTTP/1.1 %d", &r->status) != 1)
		return -1;
	r->body = end + 4;
	r->body_len = len - (r->body - r->raw);
	return 0;
}

/* A connection to 127.0.0.1:port from the loopback address src
 * ("127.0.0.N": all of 127/8 is local), as another client would make. */
static int connect_from(const char *src, int port)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(inet_pton(AF_INET, src, &from.sin_addr), 1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	return fd;
}

/* Sends req as is on fd and reads the reply until the server closes;
 * closes fd. Returns 0 with r filled, or -1 when the exchange broke
 * (r->raw may hold a part). */
static int exchange_on(int fd, const char *req, size_t reqlen,
		       struct resp *r)
{
	size_t len = 0, cap = 4096;
	ssize_t n;

	for (size_t off = 0; off < reqlen; off += n) {
		n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
	}
	r->raw = malloc(cap);
	while ((n = recv(fd, r->raw + len, cap - len - 1, 0)) > 0) {
		len += n;
		if (cap - len < 2048)
			r->raw = realloc(r->raw, cap *= 2);
	}
	close(fd);
	return parse_reply(r, len, n < 0);
}

static int exchange(int family, int port, const char *req, size_t reqlen,
		    struct resp *r)
{
	return exchange_on(connect_to(family, port), req, reqlen, r);
}

/* One request with optional extra header lines (each ending in CRLF). */
static void request(int port, const char *method, const char *path,
		    const char *extra, struct resp *r)
{
	char *req;
	int len;

	len = asprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\n"
		       "Connection: close\r\n%s\r\n", method, path,
		       extra ? extra : "");
	assert_true(len > 0);
	assert_int_equal(exchange(AF_INET, port, req, len, r), 0);
	free(req);
}

static struct http_opts base_opts(void)
{
	struct http_opts o = {
		.listen = "127.0.0.1:0",
		.telemetry_path = "/metrics",
		.content_type = EXPO_CONTENT_TYPE,
		.render = render,
	};

	return o;
}

static int setup(void **state)
{
	struct http_opts o = base_opts();

	render_fail = renders = reloads = reload_fail = 0;
	ready = 1;
	o.ready = is_ready;
	o.reload = reload;
	*state = http_server_start(&o);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	http_server_stop(*state);
	return 0;
}

static int port_of(void **state)
{
	return http_server_port(*state);
}

static void expect(int port, const char *method, const char *path,
		   int status, const char *body)
{
	struct resp r;

	request(port, method, path, NULL, &r);
	assert_int_equal(r.status, status);
	if (body)
		assert_string_equal(r.body, body);
	assert_non_null(header(&r, "Content-Type"));
	resp_free(&r);
}

static void test_metrics(void **state)
{
	struct resp r;

	assert_true(port_of(state) > 0);
	request(port_of(state), "GET", "/metrics?x=1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, BODY);
	assert_string_equal(header(&r, "Content-Type"), EXPO_CONTENT_TYPE);
	assert_null(header(&r, "Content-Encoding"));
	assert_string_equal(header(&r, "Content-Length"), "35");
	resp_free(&r);
}

/* Asserts that the gzip stream gz[0..gzlen) inflates to text[0..len). */
static void assert_gunzips_to(const void *gz, size_t gzlen, const char *text,
			      size_t len)
{
	unsigned char out[4096];
	z_stream zs = { 0 };

	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (unsigned char *)gz;
	zs.avail_in = gzlen;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, len);
	assert_memory_equal(out, text, len);
	inflateEnd(&zs);
}

static void expect_gzip(int port, const char *accept, bool gzipped)
{
	struct resp r;

	request(port, "GET", "/metrics", accept, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(header(&r, "Vary"));
	if (!gzipped) {
		assert_null(header(&r, "Content-Encoding"));
		assert_string_equal(r.body, BODY);
		resp_free(&r);
		return;
	}
	assert_string_equal(header(&r, "Content-Encoding"), "gzip");
	assert_string_equal(header(&r, "Vary"), "Accept-Encoding");
	assert_gunzips_to(r.body, r.body_len, BODY, strlen(BODY));
	resp_free(&r);
}

static void test_gzip(void **state)
{
	int port = port_of(state);

	expect_gzip(port, "Accept-Encoding: gzip\r\n", true);
	expect_gzip(port, "Accept-Encoding: deflate, GZIP;q=0.5, br\r\n", true);
	expect_gzip(port, "Accept-Encoding: deflate, br\r\n", false);
	expect_gzip(port, "Accept-Encoding: gzip;q=0\r\n", false);
	expect_gzip(port, "Accept-Encoding: x-gzipper\r\n", false);
	expect_gzip(port, NULL, false);
}

/* http_gzip() itself: a gzip stream (magic 1f 8b) that inflates back to
 * the text, and a valid stream for an empty body. */
static void test_gzip_round_trip(void **state)
{
	char text[2048];
	unsigned char *gz;
	size_t len = 0, gzlen;

	(void)state;
	for (int i = 0; i < 40; i++)
		len += snprintf(text + len, sizeof(text) - len,
				"ftrace_event_hits_total{event=\"e:%d\"} %d\n",
				i, i * 1000);
	gz = http_gzip(text, len, &gzlen);
	assert_non_null(gz);
	assert_true(gzlen > 18);
	assert_int_equal(gz[0], 0x1f);
	assert_int_equal(gz[1], 0x8b);
	assert_gunzips_to(gz, gzlen, text, len);
	free(gz);

	gz = http_gzip("", 0, &gzlen);
	assert_non_null(gz);
	free(gz);
}

static void test_head(void **state)
{
	struct resp r;

	request(port_of(state), "HEAD", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(header(&r, "Content-Type"), EXPO_CONTENT_TYPE);
	resp_free(&r);
	request(port_of(state), "HEAD", "/-/healthy", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	resp_free(&r);
}

static void test_not_found(void **state)
{
	expect(port_of(state), "GET", "/nope", 404, "Not found\n");
	expect(port_of(state), "GET", "/metrics/", 404, "Not found\n");
	expect(port_of(state), "POST", "/nope", 404, "Not found\n");
	expect(port_of(state), "GET", "/-/healthy", 200, "Healthy\n");
}

static void expect_405(int port, const char *method, const char *path,
		       const char *allow)
{
	struct resp r;

	request(port, method, path, NULL, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "Allow"), allow);
	assert_non_null(header(&r, "Content-Type"));
	resp_free(&r);
}

static void test_not_allowed(void **state)
{
	int port = port_of(state);

	expect_405(port, "POST", "/metrics", "GET, HEAD");
	expect_405(port, "DELETE", "/", "GET, HEAD");
	expect_405(port, "BREW", "/-/healthy", "GET, HEAD");
	expect_405(port, "GE", "/-/ready", "GET, HEAD");
	expect_405(port, "GET", "/-/reload", "POST, PUT");
	expect_405(port, "HEAD", "/-/reload", "POST, PUT");
	assert_int_equal(renders, 0);
}

static void test_ready(void **state)
{
	ready = 0;
	expect(port_of(state), "GET", "/-/ready", 503, "Not ready\n");
	ready = 1;
	expect(port_of(state), "GET", "/-/ready", 200, "Ready\n");
}

static void test_reload(void **state)
{
	struct resp r;

	expect(port_of(state), "POST", "/-/reload", 200, NULL);
	assert_int_equal(reloads, 1);
	expect(port_of(state), "PUT", "/-/reload", 200, NULL);
	assert_int_equal(reloads, 2);
	request(port_of(state), "POST", "/-/reload",
		"Content-Length: 11\r\n\r\nhello world", &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(reloads, 3);
	reload_fail = 1;
	expect(port_of(state), "POST", "/-/reload", 500,
	       "Reload failed: config.yaml:3:7: unknown key\n");
	assert_int_equal(reloads, 4);
}

/* Without a reload callback (no --web.enable-lifecycle) /-/reload answers
 * as Prometheus does with its lifecycle API disabled. */
static void test_no_reload_callback(void **state)
{
	struct http_opts o = base_opts();
	struct http_server *srv;

	(void)state;
	srv = http_server_start(&o);
	assert_non_null(srv);
	expect(http_server_port(srv), "POST", "/-/reload", 403,
	       "Lifecycle API is not enabled.\n");
	expect(http_server_port(srv), "PUT", "/-/reload", 403,
	       "Lifecycle API is not enabled.\n");
	expect_405(http_server_port(srv), "GET", "/-/reload", "POST, PUT");
	/* no ready callback: always ready */
	expect(http_server_port(srv), "GET", "/-/ready", 200, "Ready\n");
	http_server_stop(srv);
}

static void test_render_fails(void **state)
{
	render_fail = 1;
	expect(port_of(state), "GET", "/metrics", 500, NULL);
	render_fail = 0;
	expect(port_of(state), "GET", "/metrics", 200, BODY);
}

static void test_landing(void **state)
{
	struct resp r;

	request(port_of(state), "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type"),
			    "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<title>ftrace_exporter</title>"));
	assert_non_null(strstr(r.body, "href=\"/metrics\""));
	assert_non_null(strstr(r.body, "href=\"/-/healthy\""));
	resp_free(&r);
}

static void test_custom_path(void **state)
{
	struct http_opts o = base_opts();
	struct http_server *srv;
	struct resp r;
	int port;

	(void)state;
	o.telemetry_path = "/x/stats&more";
	o.content_type = NULL;
	o.render_ctx = "custom\n";
	srv = http_server_start(&o);
	assert_non_null(srv);
	port = http_server_port(srv);
	expect(port, "GET", "/x/stats&more", 200, "custom\n");
	expect(port, "GET", "/metrics", 404, NULL);
	request(port, "GET", "/x/stats&more", NULL, &r);
	assert_string_equal(header(&r, "Content-Type"),
			    "text/plain; charset=utf-8");
	resp_free(&r);
	request(port, "GET", "/", NULL, &r);
	assert_non_null(strstr(r.body, "href=\"/x/stats&amp;more\""));
	resp_free(&r);
	http_server_stop(srv);
}

static void test_bad_listen(void **state)
{
	static const char *const bad[] = {
		"", "9000", ":", ":abc", ":70000", ":123456", ":-1", ":+80",
		"[::1]9000", "[::1", "::1:9000", "[::1]:", "1.2.3.4:80:80",
		"nonexistent.invalid:9000", "[not an address]:9000",
		"192.0.2.1:9000",	/* not ours: EADDRNOTAVAIL */
	};
	struct http_opts o = base_opts();
	char addr[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		o.listen = bad[i];
		errno = 0;
		assert_null(http_server_start(&o));
		assert_int_not_equal(errno, 0);
	}
	o.listen = NULL;
	assert_null(http_server_start(&o));
	o = base_opts();
	o.telemetry_path = "metrics";
	assert_null(http_server_start(&o));
	assert_int_equal(errno, EINVAL);
	o = base_opts();
	o.render = NULL;
	assert_null(http_server_start(&o));

	/* the port of a running server is taken */
	o = base_opts();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port_of(state));
	o.listen = addr;
	assert_null(http_server_start(&o));
	assert_int_equal(errno, EADDRINUSE);
}

/* GET /metrics over family; asserts the render body comes back. */
static void check_get(int family, int port)
{
	const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
			   "Connection: close\r\n\r\n";
	struct resp r;

	assert_int_equal(exchange(family, port, req, sizeof(req) - 1, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, BODY);
	resp_free(&r);
}

/* Starts a server on addr and fetches from it over IPv4 and/or IPv6. */
static void check_listen(const char *addr, bool v4, bool v6)
{
	struct http_opts o = base_opts();
	struct http_server *srv;

	o.listen = addr;
	srv = http_server_start(&o);
	assert_non_null(srv);
	assert_true(http_server_port(srv) > 0);
	if (v4)
		check_get(AF_INET, http_server_port(srv));
	if (v6)
		check_get(AF_INET6, http_server_port(srv));
	http_server_stop(srv);
}

static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok = fd >= 0 && !bind(fd, (struct sockaddr *)&a6, sizeof(a6));

	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_listen_forms(void **state)
{
	bool v6 = have_ipv6_loopback();

	(void)state;
	check_listen("localhost:0", true, false);	/* 127.0.0.1 in hosts */
	check_listen(":0", true, v6);			/* dual stack */
	check_listen("[127.0.0.1]:0", true, false);
	if (!v6)
		return;	/* no IPv6 loopback here: [::1] cannot work */
	check_listen("[::1]:0", false, true);
}

/* Requests the server must survive; it must still answer afterwards. */
static void test_odd_requests(void **state)
{
	static const char *const odd[] = {
		"hello\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/9.9\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
		"\r\n\r\n\r\n",
		"GET /%00%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	};
	size_t big = 200000;
	char *req = malloc(big + 64);
	struct resp r;
	int port = port_of(state);

	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
		exchange(AF_INET, port, odd[i], strlen(odd[i]), &r);
		resp_free(&r);
	}
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', big);
	strcpy(req + 5 + big, " HTTP/1.1\r\nHost: x\r\n\r\n");
	if (!exchange(AF_INET, port, req, strlen(req), &r))
		assert_true(r.status >= 400);
	resp_free(&r);
	free(req);
	expect(port, "GET", "/-/healthy", 200, "Healthy\n");
}

/* ---- web config: basic auth, headers, TLS, client certificates ---- */

#define FIX "tests/fixtures/webcfg"
/* alice's password is "secret" (bcrypt, cost 4). */
#define HASH "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"
#define AUTH_OK "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"	 /* alice:secret */
#define AUTH_BAD "Authorization: Basic YWxpY2U6d3Jvbmc=\r\n"	 /* alice:wrong */
#define AUTH_NOUSER "Authorization: Basic Ym9iOnNlY3JldA==\r\n" /* bob:secret */
#define TLS_FILES "tls_server_config:\n" \
		  "  cert_file: server.crt\n" \
		  "  key_file: server.key\n"
#define USERS "basic_auth_users:\n  alice: " HASH "\n"
#define HEADERS "http_server_config:\n  headers:\n" \
		"    X-Frame-Options: deny\n" \
		"    X-Content-Type-Options: nosniff\n"

/* A server with a web config parsed from yaml (as if in FIX). */
struct web_server {
	struct webcfg *web;
	struct http_server *srv;
	int port;
};

static void web_start(struct web_server *w, const char *yaml)
{
	struct http_opts o = base_opts();

	w->web = webcfg_parse(FIX "/t.yml", yaml, stderr);
	assert_non_null(w->web);
	o.web = w->web;
	o.ready = is_ready;
	w->srv = http_server_start(&o);
	assert_non_null(w->srv);
	w->port = http_server_port(w->srv);
}

static void web_stop(struct web_server *w)
{
	http_server_stop(w->srv);
	webcfg_free(w->web);
}

/* GET path over plain HTTP with extra headers; returns the status. */
static int get_status(int port, const char *path, const char *extra,
		      struct resp *r)
{
	request(port, "GET", path, extra, r);
	return r->status;
}

static void test_auth(void **state)
{
	struct web_server w;
	struct resp r;

	(void)state;
	renders = 0;
	ready = 1;
	web_start(&w, USERS HEADERS);
	assert_int_equal(get_status(w.port, "/metrics", NULL, &r), 401);
	assert_string_equal(header(&r, "WWW-Authenticate"),
			    "Basic realm=\"ftrace_exporter\"");
	assert_string_equal(header(&r, "X-Frame-Options"), "deny");
	assert_string_equal(r.body, "Unauthorized\n");
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/metrics", AUTH_BAD, &r), 401);
	assert_non_null(header(&r, "WWW-Authenticate"));
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/metrics", AUTH_NOUSER, &r), 401);
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/metrics",
				    "Authorization: Bearer abc\r\n", &r), 401);
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/metrics",
				    "Authorization: Basic YWxpY2U=\r\n", &r),
			 401);	/* "alice", no password */
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/metrics",
				    "Authorization: Basic !!!\r\n", &r), 401);
	resp_free(&r);
	assert_int_equal(renders, 0);
	assert_int_equal(get_status(w.port, "/metrics", AUTH_OK, &r), 200);
	assert_string_equal(r.body, BODY);
	assert_string_equal(header(&r, "X-Content-Type-Options"), "nosniff");
	assert_null(header(&r, "WWW-Authenticate"));
	resp_free(&r);
	/* every path asks, and every reply carries the headers */
	assert_int_equal(get_status(w.port, "/-/healthy", NULL, &r), 401);
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/-/ready", AUTH_OK, &r), 200);
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/nope", AUTH_OK, &r), 404);
	assert_string_equal(header(&r, "X-Frame-Options"), "deny");
	resp_free(&r);
	request(w.port, "POST", "/metrics", AUTH_OK, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "X-Frame-Options"), "deny");
	resp_free(&r);
	web_stop(&w);
}

static void test_headers_without_auth(void **state)
{
	struct web_server w;
	struct resp r;

	(void)state;
	web_start(&w, HEADERS "tls_server_config: {}\nbasic_auth_users:\n");
	assert_int_equal(get_status(w.port, "/metrics", NULL, &r), 200);
	assert_string_equal(header(&r, "X-Frame-Options"), "deny");
	resp_free(&r);
	assert_int_equal(get_status(w.port, "/", NULL, &r), 200);
	assert_string_equal(header(&r, "X-Content-Type-Options"), "nosniff");
	resp_free(&r);
	web_stop(&w);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first request pays bcrypt (cost 10); the next ones hit the cache. */
static void test_auth_cache(void **state)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], *yaml;
	double t0, first, cached = 1e9;
	struct web_server w;
	struct resp r;

	(void)state;
	assert_non_null(crypt_gensalt_rn("$2b$", 10, NULL, 0, salt,
					 sizeof(salt)));
	assert_non_null(crypt_rn("secret", salt, cd, sizeof(*cd)));
	assert_true(asprintf(&yaml, "basic_auth_users:\n  alice: '%s'\n",
			     cd->output) > 0);
	web_start(&w, yaml);
	t0 = now();
	assert_int_equal(get_status(w.port, "/-/healthy", AUTH_OK, &r), 200);
	first = now() - t0;
	resp_free(&r);
	for (int i = 0; i < 5; i++) {
		t0 = now();
		assert_int_equal(get_status(w.port, "/-/healthy", AUTH_OK, &r),
				 200);
		if (now() - t0 < cached)
			cached = now() - t0;
		resp_free(&r);
	}
	if (cached * 4 >= first)
		print_message("bcrypt %.4fs, cached %.4fs\n", first, cached);
	assert_true(cached * 4 < first);
	/* a wrong password is never served from the cache */
	assert_int_equal(get_status(w.port, "/-/healthy", AUTH_BAD, &r), 401);
	resp_free(&r);
	web_stop(&w);
	free(yaml);
	free(cd);
}

/* Reads the reply on TLS session s until the server closes it. */
static int tls_read_reply(gnutls_session_t s, struct resp *r)
{
	size_t len = 0, cap = 4096;
	ssize_t n;

	while ((n = gnutls_record_recv(s, r->raw + len, cap - len - 1)) > 0 ||
	       n == GNUTLS_E_INTERRUPTED) {
		len += n > 0 ? n : 0;
		if (cap - len < 2048)
			r->raw = realloc(r->raw, cap *= 2);
	}
	/* a server that closes without close_notify is fine after a reply */
	return parse_reply(r, len, n < 0 && n != GNUTLS_E_PREMATURE_TERMINATION);
}

/* Handshakes on fd (trusting the fixture CA, presenting cert/key when
 * given, with gnutls priorities prio), sends req and reads the reply.
 * Returns 0 with r filled, or -1 when the handshake or the reply failed. */
static int tls_exchange(int fd, const char *cert, const char *key,
			const char *prio, const char *req, struct resp *r)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	int rc;

	r->raw = calloc(1, 4096);
	assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
	assert_true(gnutls_certificate_set_x509_trust_file(cred, FIX "/ca.crt",
			GNUTLS_X509_FMT_PEM) > 0);
	if (cert)
		assert_int_equal(gnutls_certificate_set_x509_key_file(cred,
				 cert, key, GNUTLS_X509_FMT_PEM), 0);
	/* like curl, present the certificate whatever CAs the server names;
	 * no SIGPIPE when the server has closed a refused connection */
	assert_int_equal(gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL |
				     GNUTLS_FORCE_CLIENT_CERT), 0);
	assert_int_equal(gnutls_priority_set_direct(s, prio, NULL), 0);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_session_set_verify_cert(s, "localhost", 0);
	gnutls_transport_set_int(s, fd);
	do
		rc = gnutls_handshake(s);
	while (rc == GNUTLS_E_INTERRUPTED);
	if (rc >= 0)
		rc = gnutls_record_send(s, req, strlen(req)) < 0 ? -1 :
		     tls_read_reply(s, r);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* GET path over TLS as alice with an optional client certificate (a
 * fixture name: "client" or "rogue"); returns the status, -1 when the
 * server refused the connection. */
static int tls_get(int port, const char *who, const char *prio,
		   const char *path)
{
	char cert[64], key[64], req[256];
	struct resp r = { 0 };
	int status;

	snprintf(cert, sizeof(cert), FIX "/%s.crt", who ? who : "");
	snprintf(key, sizeof(key), FIX "/%s.key", who ? who : "");
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
		 "Connection: close\r\n" AUTH_OK "\r\n", path);
	status = tls_exchange(connect_to(AF_INET, port), who ? cert : NULL,
			      who ? key : NULL, prio ? prio : "NORMAL", req,
			      &r) ? -1 : r.status;
	if (status == 200 && !strcmp(path, "/metrics"))
		assert_string_equal(r.body, BODY);
	resp_free(&r);
	return status;
}

static void test_tls(void **state)
{
	struct web_server w;
	struct resp r;

	(void)state;
	ready = 1;
	web_start(&w, TLS_FILES USERS HEADERS);
	assert_int_equal(tls_get(w.port, NULL, NULL, "/metrics"), 200);
	assert_int_equal(tls_get(w.port, "client", NULL, "/metrics"), 200);
	assert_int_equal(tls_get(w.port, NULL,
				 "NORMAL:-VERS-ALL:+VERS-TLS1.2", "/-/ready"),
			 200);
	/* plain HTTP on the TLS port gets no HTTP reply */
	assert_int_equal(exchange(AF_INET, w.port, "GET / HTTP/1.1\r\n"
				  "Host: x\r\n\r\n", 25, &r), -1);
	resp_free(&r);
	web_stop(&w);
	/* TLS 1.3 only: a TLS 1.2 client is refused */
	web_start(&w, TLS_FILES "  min_version: TLS13\n");
	assert_int_equal(tls_get(w.port, NULL, NULL, "/metrics"), 200);
	assert_int_equal(tls_get(w.port, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2",
				 "/metrics"), -1);
	web_stop(&w);
}

/* Starts a TLS server with client_auth_type auth (and the fixture CA). */
static void start_client_auth(struct web_server *w, const char *auth)
{
	char *yaml;

	assert_true(asprintf(&yaml, TLS_FILES "  client_auth_type: %s\n"
			     "  client_ca_file: ca.crt\n", auth) > 0);
	web_start(w, yaml);
	free(yaml);
}

/* Expected status (-1: refused) without a certificate, with one signed by
 * the CA, with a self-signed one, and with one signed by the CA whose
 * extended key usage is serverAuth only (the server's own: exporter-toolkit
 * verifies clientAuth), for each client_auth_type. */
static void test_client_certs(void **state)
{
	static const struct {
		const char *auth;
		int none, signed_, rogue, server_eku;
	} cases[] = {
		{ "RequestClientCert", 200, 200, 200, 200 },
		{ "RequireAnyClientCert", -1, 200, 200, 200 },
		{ "VerifyClientCertIfGiven", 200, 200, -1, -1 },
		{ "RequireAndVerifyClientCert", -1, 200, -1, -1 },
	};
	struct web_server w;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		start_client_auth(&w, cases[i].auth);
		for (int v = 0; v < 2; v++) {
			const char *prio = v ? "NORMAL:-VERS-ALL:+VERS-TLS1.2" :
					   NULL;

			print_message("%s %s\n", cases[i].auth,
				      v ? "TLS1.2" : "TLS1.3");
			assert_int_equal(tls_get(w.port, NULL, prio, "/metrics"),
					 cases[i].none);
			assert_int_equal(tls_get(w.port, "client", prio,
						 "/metrics"), cases[i].signed_);
			assert_int_equal(tls_get(w.port, "rogue", prio,
						 "/metrics"), cases[i].rogue);
			assert_int_equal(tls_get(w.port, "server", prio,
						 "/metrics"),
					 cases[i].server_eku);
		}
		web_stop(&w);
	}
}

/* ---- http_server_set_web: a new web config on the same socket ---- */

/* A webcfg parsed from yaml (as if in FIX), for http_server_set_web(). */
static struct webcfg *web_of(const char *yaml)
{
	struct webcfg *web = webcfg_parse(FIX "/t.yml", yaml, stderr);

	assert_non_null(web);
	return web;
}

/* Applies yaml (NULL: plain HTTP) to srv and frees the webcfg at once:
 * the server must keep its own copy. */
static void set_web(struct http_server *srv, const char *yaml)
{
	struct webcfg *web = yaml ? web_of(yaml) : NULL;
	int port = http_server_port(srv);

	assert_int_equal(http_server_set_web(srv, web), 0);
	webcfg_free(web);
	assert_int_equal(http_server_port(srv), port);
}

static int fd_count(void)
{
	return dir_count("/proc/self/fd");
}

/* Waits up to 10 s for the descriptor count to fall back to want (the
 * reaper stops retired daemons asynchronously); returns the last count. */
static int wait_fd_count(int want)
{
	int n = fd_count();

	for (int i = 0; i < 200 && n != want; i++) {
		usleep(50000);
		n = fd_count();
	}
	return n;
}

/* Plain -> basic auth with headers -> other users -> plain again, on one
 * port; each webcfg is freed as soon as it is applied. */
static void test_set_web_auth(void **state)
{
	struct http_opts o = base_opts();
	struct http_server *srv;
	struct resp r;
	int port, fds;

	(void)state;
	srv = http_server_start(&o);
	assert_non_null(srv);
	port = http_server_port(srv);
	fds = fd_count();
	assert_int_equal(get_status(port, "/metrics", NULL, &r), 200);
	assert_null(header(&r, "X-Frame-Options"));
	resp_free(&r);

	set_web(srv, USERS HEADERS);
	assert_int_equal(get_status(port, "/metrics", NULL, &r), 401);
	assert_string_equal(header(&r, "X-Frame-Options"), "deny");
	resp_free(&r);
	assert_int_equal(get_status(port, "/metrics", AUTH_OK, &r), 200);
	assert_string_equal(r.body, BODY);
	resp_free(&r);

	/* alice gone, bob with alice's old password */
	set_web(srv, "basic_auth_users:\n  bob: " HASH "\n");
	assert_int_equal(get_status(port, "/metrics", AUTH_OK, &r), 401);
	assert_null(header(&r, "X-Frame-Options"));
	resp_free(&r);
	assert_int_equal(get_status(port, "/metrics", AUTH_NOUSER, &r), 200);
	resp_free(&r);

	set_web(srv, NULL);
	assert_int_equal(get_status(port, "/metrics", NULL, &r), 200);
	resp_free(&r);
	/* every retired daemon stopped, its socket duplicate closed */
	assert_int_equal(wait_fd_count(fds), fds);
	http_server_stop(srv);
}

/* Plain -> TLS -> plain on one port. */
static void test_set_web_tls(void **state)
{
	struct http_opts o = base_opts();
	struct http_server *srv;
	struct resp r;
	int port;

	(void)state;
	srv = http_server_start(&o);
	assert_non_null(srv);
	port = http_server_port(srv);
	set_web(srv, TLS_FILES USERS);
	assert_int_equal(tls_get(port, NULL, NULL, "/metrics"), 200);
	assert_int_equal(exchange(AF_INET, port, "GET / HTTP/1.1\r\n"
				  "Host: x\r\n\r\n", 25, &r), -1);
	resp_free(&r);
	set_web(srv, NULL);
	assert_int_equal(get_status(port, "/metrics", NULL, &r), 200);
	resp_free(&r);
	assert_int_equal(tls_get(port, NULL, NULL, "/metrics"), -1);
	http_server_stop(srv);
}

static atomic_int in_render, release_render;

/* A render that waits (at most 10 s) until the test releases it. */
static int slow_render(void *ctx, char **text, size_t *len)
{
	(void)ctx;
	in_render = 1;
	for (int i = 0; i < 1000 && !release_render; i++)
		usleep(10000);
	*text = strdup(BODY);
	*len = strlen(*text);
	return 0;
}

/* A keep-alive request made on another thread. */
struct bg_get {
	pthread_t thread;
	int port, rc;
	struct resp r;
};

static void *bg_get_run(void *arg)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	struct bg_get *g = arg;

	g->rc = exchange(AF_INET, g->port, req, sizeof(req) - 1, &g->r);
	return NULL;
}

/* A request in progress when the web config changes completes with the old
 * config, and its keep-alive connection is closed after the reply; the new
 * config serves new connections meanwhile. */
static void test_set_web_in_flight(void **state)
{
	struct http_opts o = base_opts();
	struct bg_get g = { 0 };
	struct http_server *srv;
	struct resp r;

	(void)state;
	in_render = release_render = 0;
	o.render = slow_render;
	srv = http_server_start(&o);
	assert_non_null(srv);
	g.port = http_server_port(srv);
	assert_int_equal(pthread_create(&g.thread, NULL, bg_get_run, &g), 0);
	for (int i = 0; i < 1000 && !in_render; i++)
		usleep(10000);
	assert_true(in_render);
	set_web(srv, USERS);
	/* the new daemon answers while the old one is busy */
	assert_int_equal(get_status(g.port, "/-/healthy", NULL, &r), 401);
	resp_free(&r);
	release_render = 1;
	pthread_join(g.thread, NULL);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.r.status, 200);
	assert_string_equal(g.r.body, BODY);
	assert_string_equal(header(&g.r, "Connection"), "close");
	resp_free(&g.r);
	assert_int_equal(get_status(g.port, "/metrics", AUTH_OK, &r), 200);
	resp_free(&r);
	http_server_stop(srv);
}

/* The reload callback of POST /-/reload replaces the web config of the
 * very daemon running it. */
struct swap {
	struct http_server *_Atomic srv;
	atomic_int rc;
};

static int reload_swap(void *ctx, char *msg, size_t len)
{
	struct swap *sw = ctx;
	struct webcfg *web = webcfg_parse(FIX "/t.yml", USERS, NULL);

	sw->rc = web ? http_server_set_web(sw->srv, web) : -1;
	webcfg_free(web);
	if (sw->rc)
		snprintf(msg, len, "set_web failed");
	return sw->rc;
}

static void test_set_web_from_callback(void **state)
{
	struct http_opts o = base_opts();
	struct swap sw = { NULL, 1 };
	struct resp r;
	int port;

	(void)state;
	o.reload = reload_swap;
	o.reload_ctx = &sw;
	sw.srv = http_server_start(&o);
	assert_non_null(sw.srv);
	port = http_server_port(sw.srv);
	expect(port, "POST", "/-/reload", 200, "Reloaded\n");
	assert_int_equal(sw.rc, 0);
	assert_int_equal(get_status(port, "/metrics", NULL, &r), 401);
	resp_free(&r);
	assert_int_equal(get_status(port, "/metrics", AUTH_OK, &r), 200);
	resp_free(&r);
	http_server_stop(sw.srv);
}

/* When the new daemon cannot start (here: no descriptor left for it), the
 * old one keeps serving, unchanged, on the same port. */
static void test_set_web_fails(void **state)
{
	struct http_opts o = base_opts();
	struct webcfg *web = web_of(USERS);
	struct rlimit old, lim;
	struct http_server *srv;
	struct resp r;
	int port, lowest, rc, err;

	(void)state;
	srv = http_server_start(&o);
	assert_non_null(srv);
	port = http_server_port(srv);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lowest = dup(0);	/* every descriptor below it is in use */
	assert_true(lowest >= 0);
	close(lowest);
	lim = old;
	lim.rlim_cur = lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	rc = http_server_set_web(srv, web);
	err = errno;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(rc, -1);
	assert_true(err == EMFILE || err == EINVAL);
	webcfg_free(web);
	assert_int_equal(http_server_port(srv), port);
	assert_int_equal(get_status(port, "/metrics", NULL, &r), 200);
	assert_string_equal(r.body, BODY);
	resp_free(&r);
	http_server_stop(srv);
}

/* ---- lifecycle, limits, deadlines, bodies, wrong passwords ---- */

static atomic_int in_reload, release_reload;

/* A reload that waits (at most 10 s) until the test releases it. */
static int slow_reload(void *ctx, char *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	(void)len;
	in_reload = 1;
	for (int i = 0; i < 1000 && !release_reload; i++)
		usleep(10000);
	reloads++;
	return 0;
}

/* A POST /-/reload made on another thread (no assertion there). */
struct bg_post {
	pthread_t thread;
	int port, rc;
	struct resp r;
};

static void *bg_post_run(void *arg)
{
	static const char req[] = "POST /-/reload HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n";
	struct bg_post *b = arg;

	b->rc = exchange(AF_INET, b->port, req, sizeof(req) - 1, &b->r);
	return NULL;
}

/* Waits up to 5 s for flag; true once set. */
static bool wait_flag(atomic_int *flag)
{
	for (int i = 0; i < 500 && !*flag; i++)
		usleep(10000);
	return *flag;
}

/* A slow POST /-/reload runs on the lifecycle thread: scrapes go on
 * meanwhile, within 1 s each. */
static void test_reload_does_not_block_scrapes(void **state)
{
	struct http_opts o = base_opts();
	struct bg_post b = { 0 };
	struct http_server *srv;
	struct resp r;
	double t0, took;
	int rc;

	(void)state;
	in_reload = release_reload = reloads = 0;
	o.reload = slow_reload;
	srv = http_server_start(&o);
	assert_non_null(srv);
	b.port = http_server_port(srv);
	assert_int_equal(pthread_create(&b.thread, NULL, bg_post_run, &b), 0);
	assert_true(wait_flag(&in_reload));
	t0 = now();
	rc = exchange(AF_INET, b.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
		      "Connection: close\r\n\r\n", 54, &r);
	took = now() - t0;
	release_reload = 1;
	pthread_join(b.thread, NULL);
	print_message("scrape during a reload: %.3f s\n", took);
	assert_int_equal(rc, 0);
	assert_int_equal(r.status, 200);
	assert_true(took < 1.0);
	resp_free(&r);
	assert_int_equal(b.rc, 0);
	assert_int_equal(b.r.status, 200);
	assert_string_equal(b.r.body, "Reloaded\n");
	assert_int_equal(reloads, 1);
	resp_free(&b.r);
	http_server_stop(srv);
}

/* Stopping the server while a POST waits for a slow reload lets the
 * reload finish and closes cleanly. */
static void test_stop_during_reload(void **state)
{
	struct http_opts o = base_opts();
	struct bg_post b = { 0 };
	struct http_server *srv;

	(void)state;
	in_reload = release_reload = reloads = 0;
	o.reload = slow_reload;
	srv = http_server_start(&o);
	assert_non_null(srv);
	b.port = http_server_port(srv);
	assert_int_equal(pthread_create(&b.thread, NULL, bg_post_run, &b), 0);
	assert_true(wait_flag(&in_reload));
	release_reload = 1;
	http_server_stop(srv);
	pthread_join(b.thread, NULL);
	assert_int_equal(reloads, 1);
	resp_free(&b.r);
}

/* With basic auth, /-/reload asks for credentials before it says the
 * lifecycle API is disabled. */
static void test_lifecycle_after_auth(void **state)
{
	struct web_server w;
	struct resp r;

	(void)state;
	web_start(&w, USERS);
	request(w.port, "POST", "/-/reload", NULL, &r);
	assert_int_equal(r.status, 401);
	resp_free(&r);
	request(w.port, "POST", "/-/reload", AUTH_OK, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.body, "Lifecycle API is not enabled.\n");
	resp_free(&r);
	web_stop(&w);
}

/* Counts which of the n sockets the server closed (EOF), waiting up to
 * 3 s for want of them. */
static int count_closed(const int *fds, int n, int want)
{
	int closed = 0;
	char c;

	for (int i = 0; i < 300 && closed < want; i++) {
		closed = 0;
		for (int j = 0; j < n; j++)
			closed += recv(fds[j], &c, 1, MSG_DONTWAIT | MSG_PEEK) == 0;
		if (closed < want)
			usleep(10000);
	}
	return closed;
}

/* 100 idle connections of one client (64 locked everybody out before)
 * get 16 served (the per-client limit) and the rest closed; another
 * client is served at once. */
static void test_idle_clients_do_not_lock_out(void **state)
{
	int fds[100], n = sizeof(fds) / sizeof(*fds);
	struct resp r;
	double t0;

	for (int i = 0; i < n; i++)
		fds[i] = connect_from("127.0.0.2", port_of(state));
	assert_int_equal(count_closed(fds, n, n - 16), n - 16);
	t0 = now();
	assert_int_equal(get_status(port_of(state), "/metrics", NULL, &r), 200);
	assert_true(now() - t0 < 1.0);
	resp_free(&r);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* A client that sends its headers one line every 100 ms (never idle) is
 * cut at request_seconds; a new connection is served after. */
static void test_slow_request_cut(void **state)
{
	struct http_opts o = base_opts();
	struct http_server *srv;
	double t0, took = 0;
	struct resp r;
	int fd;

	(void)state;
	o.request_seconds = 1;
	srv = http_server_start(&o);
	assert_non_null(srv);
	fd = connect_to(AF_INET, http_server_port(srv));
	t0 = now();
	assert_true(send(fd, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL) > 0);
	while (now() - t0 < 5 && !took) {
		usleep(100000);
		if (send(fd, "X-Slow: y\r\n", 11, MSG_NOSIGNAL) < 0 ||
		    count_closed(&fd, 1, 0) == 1)
			took = now() - t0;
	}
	close(fd);
	print_message("slow request cut after %.2f s (0: not in 5 s)\n", took);
	assert_true(took > 0.9 && took < 2.5);
	assert_int_equal(get_status(http_server_port(srv), "/metrics", NULL, &r),
			 200);
	resp_free(&r);
	http_server_stop(srv);
}

/* No body but on /-/reload, which takes 1 KiB: a declared length beyond
 * is 413 at once (without waiting for the body), and a chunked body over
 * it closes the connection; neither reloads nor renders. */
static void test_body_limits(void **state)
{
	char body[1100], *req;
	struct resp r;
	int len, port = port_of(state);

	memset(body, 'x', sizeof(body));
	request(port, "POST", "/-/reload", "Content-Length: 2048\r\n", &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	request(port, "GET", "/metrics", "Content-Length: 5\r\n\r\nhello", &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	request(port, "GET", "/metrics", "Transfer-Encoding: chunked\r\n\r\n"
		"5\r\nhello\r\n0\r\n\r\n", &r);
	assert_int_equal(r.status, 413);
	resp_free(&r);
	assert_int_equal(reloads + renders, 0);
	len = asprintf(&req, "POST /-/reload HTTP/1.1\r\nHost: x\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n%x\r\n%.*s\r\n0\r\n\r\n",
		       (int)sizeof(body), (int)sizeof(body), body);
	assert_int_equal(exchange(AF_INET, port, req, len, &r), -1);
	resp_free(&r);
	free(req);
	assert_int_equal(reloads, 0);
	len = asprintf(&req, "Content-Length: 1000\r\n\r\n%.1000s", body);
	request(port, "POST", "/-/reload", req, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	free(req);
	assert_int_equal(reloads, 1);
}

/* Credentials are checked on the headers: a wrong password announcing a
 * 100 kB body it never sends gets 401 at once. */
static void test_auth_before_body(void **state)
{
	struct web_server w;
	struct resp r;
	double t0;

	(void)state;
	web_start(&w, USERS);
	t0 = now();
	request(w.port, "POST", "/-/reload", AUTH_BAD
		"Content-Length: 100000\r\n", &r);
	assert_int_equal(r.status, 401);
	assert_true(now() - t0 < 1.0);
	resp_free(&r);
	web_stop(&w);
}

/* GET /-/healthy from src with extra headers; returns the status. */
static int status_from(const char *src, int port, const char *extra,
		       struct resp *r)
{
	char req[256];
	int len;

	len = snprintf(req, sizeof(req), "GET /-/healthy HTTP/1.1\r\n"
		       "Host: x\r\nConnection: close\r\n%s\r\n", extra);
	if (exchange_on(connect_from(src, port), req, len, r))
		return -1;
	return r->status;
}

/* Expects status from src (with extra headers), and frees the reply. */
static void expect_from(const char *src, int port, const char *extra,
			int status)
{
	struct resp r;

	assert_int_equal(status_from(src, port, extra, &r), status);
	resp_free(&r);
}

/* A client address gets 5 wrong passwords, then 429 (Retry-After: 1) and
 * 1 more a second; other addresses are not affected; credentials already
 * verified still pass from the throttled address. */
static void test_failure_throttle(void **state)
{
	struct web_server w;
	struct resp r;
	int st = 429;

	(void)state;
	web_start(&w, USERS);
	expect_from("127.0.0.20", w.port, AUTH_OK, 200);	/* cached */
	for (int i = 0; i < 5; i++)
		expect_from("127.0.0.20", w.port, AUTH_BAD, 401);
	assert_int_equal(status_from("127.0.0.20", w.port, AUTH_BAD, &r), 429);
	assert_string_equal(header(&r, "Retry-After"), "1");
	resp_free(&r);
	expect_from("127.0.0.20", w.port, AUTH_NOUSER, 429);
	expect_from("127.0.0.20", w.port, AUTH_OK, 200);
	expect_from("127.0.0.21", w.port, AUTH_BAD, 401);
	for (int i = 0; i < 30 && st == 429; i++) {
		usleep(100000);
		st = status_from("127.0.0.20", w.port, AUTH_BAD, &r);
		resp_free(&r);
	}
	assert_int_equal(st, 401);	/* credit came back */
	web_stop(&w);
}

struct attacker {
	pthread_t thread;
	char src[24];
	int port;
	atomic_int *stop;
	int denied, busy;
};

/* Sends wrong passwords from a->src until told to stop. */
static void *attack(void *arg)
{
	struct attacker *a = arg;
	struct resp r;

	while (!*a->stop) {
		int st = status_from(a->src, a->port, AUTH_BAD, &r);

		a->denied += st == 401;
		a->busy += st == 429;
		resp_free(&r);
	}
	return NULL;
}

/* 12 clients sending wrong passwords (bcrypt cost 10, about 60 ms each)
 * as fast as they can for 2 s: a client whose password is verified keeps
 * being served within 0.3 s (one thread ran every bcrypt before, so each
 * waited behind all of them), and the attackers get 429s. */
static void test_wrong_passwords_bounded(void **state)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], *yaml;
	struct attacker at[12];
	int n = sizeof(at) / sizeof(*at), denied = 0, busy = 0;
	double t0, t, worst = 0;
	atomic_int stop = 0;
	struct web_server w;
	struct resp r;

	(void)state;
	assert_non_null(crypt_gensalt_rn("$2b$", 10, NULL, 0, salt,
					 sizeof(salt)));
	assert_non_null(crypt_rn("secret", salt, cd, sizeof(*cd)));
	assert_true(asprintf(&yaml, "basic_auth_users:\n  alice: '%s'\n",
			     cd->output) > 0);
	web_start(&w, yaml);
	expect_from("127.0.0.1", w.port, AUTH_OK, 200);	/* verified */
	for (int i = 0; i < n; i++) {
		at[i] = (struct attacker){ .port = w.port, .stop = &stop };
		snprintf(at[i].src, sizeof(at[i].src), "127.0.0.%d", 30 + i);
		assert_int_equal(pthread_create(&at[i].thread, NULL, attack,
						&at[i]), 0);
	}
	for (t0 = now(); now() - t0 < 2;) {
		t = now();
		assert_int_equal(status_from("127.0.0.1", w.port, AUTH_OK, &r),
				 200);
		resp_free(&r);
		if (now() - t > worst)
			worst = now() - t;
		usleep(20000);
	}
	stop = 1;
	for (int i = 0; i < n; i++) {
		pthread_join(at[i].thread, NULL);
		denied += at[i].denied;
		busy += at[i].busy;
	}
	print_message("verified client's worst %.3f s; attackers: %d x 401, "
		      "%d x 429\n", worst, denied, busy);
	assert_true(worst < 0.3);
	assert_true(busy > 0);
	assert_true(denied <= n * 8);	/* 5 at once, then 1 a second */
	web_stop(&w);
	free(yaml);
	free(cd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_metrics),
		T(test_gzip),
		T(test_head),
		T(test_not_found),
		T(test_not_allowed),
		T(test_ready),
		T(test_reload),
		T(test_no_reload_callback),
		T(test_render_fails),
		T(test_landing),
		T(test_custom_path),
		T(test_bad_listen),
		T(test_listen_forms),
		T(test_odd_requests),
		T(test_idle_clients_do_not_lock_out),
		T(test_body_limits),
#undef T
		cmocka_unit_test(test_gzip_round_trip),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_headers_without_auth),
		cmocka_unit_test(test_auth_cache),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_client_certs),
		cmocka_unit_test(test_set_web_auth),
		cmocka_unit_test(test_set_web_tls),
		cmocka_unit_test(test_set_web_in_flight),
		cmocka_unit_test(test_set_web_from_callback),
		cmocka_unit_test(test_set_web_fails),
		cmocka_unit_test(test_reload_does_not_block_scrapes),
		cmocka_unit_test(test_stop_during_reload),
		cmocka_unit_test(test_lifecycle_after_auth),
		cmocka_unit_test(test_slow_request_cut),
		cmocka_unit_test(test_auth_before_body),
		cmocka_unit_test(test_failure_throttle),
		cmocka_unit_test(test_wrong_passwords_bounded),
	};

	log_set_level("error");
	if (getenv("TEST_HTTP_VERBOSE"))
		log_set_level("debug");
	if (getenv("TEST_HTTP_FILTER"))	/* e.g. "test_body*" */
		cmocka_set_test_filter(getenv("TEST_HTTP_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
