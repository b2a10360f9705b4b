/* Unit tests for pkg/http: a real server on a loopback port, spoken to by a
 * plain-socket HTTP/1.1 client in this file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "expose/expose.h"
#include "http/http.h"
#include "log/log.h"

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

/* Sends req as is and reads the reply until the server closes. Returns 0
 * with r filled, or -1 when the exchange broke (r->raw may hold a part). */
static int exchange(int family, int port, const char *req, size_t reqlen,
		    struct resp *r)
{
	int fd = connect_to(family, port);
	size_t len = 0, cap = 4096;
	ssize_t n;
	char *end;

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
	r->raw[len] = '\0';
	end = strstr(r->raw, "\r\n\r\n");
	if (n < 0 || !end || sscanf(r->raw, "HTTP/1.1 %d", &r->status) != 1)
		return -1;
	r->body = end + 4;
	r->body_len = len - (r->body - r->raw);
	return 0;
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

static void expect_gzip(int port, const char *accept, bool gzipped)
{
	unsigned char out[1024];
	z_stream zs = { 0 };
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
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (unsigned char *)r.body;
	zs.avail_in = r.body_len;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, strlen(BODY));
	assert_memory_equal(out, BODY, strlen(BODY));
	inflateEnd(&zs);
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

static void test_no_reload_callback(void **state)
{
	struct http_opts o = base_opts();
	struct http_server *srv;

	(void)state;
	srv = http_server_start(&o);
	assert_non_null(srv);
	expect(http_server_port(srv), "POST", "/-/reload", 404, "Not found\n");
	expect(http_server_port(srv), "GET", "/-/reload", 404, "Not found\n");
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
#undef T
	};

	log_set_level("error");
	if (getenv("TEST_HTTP_VERBOSE"))
		log_set_level("debug");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
