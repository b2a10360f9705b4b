/* from: a diagnosis of a running exporter (--from=URL): its /metrics at
 * the start and at the end of the duration, with a small HTTP/1.0 client
 * (plain http://, no compression asked: the body is the text itself). No
 * tracing of its own: the way to use it inside the exporter's pod. */
#include "diagnose/diagnose_int.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"


/* How long one connect, one send or one read may wait (SO_SNDTIMEO, which
 * Linux applies to connect too, and SO_RCVTIMEO). */
#define TIMEOUT_S 10
/* The largest /metrics body accepted. */
#define BODY_MAX (64 << 20)

struct url {
	char host[256], port[8], path[1024];
};

/* Splits http://HOST:PORT[/PATH]: the authority as --web.listen-address
 * takes it (http_addr_split()), with a host and a port above 0; the path
 * defaults to /metrics. -1 when it is no such URL. */
static int url_parse(const char *s, struct url *u)
{
	const char *auth = s + strlen("http://"), *end, *port;
	char a[sizeof(u->host) + sizeof(u->port) + 3];

	if (strncmp(s, "http://", strlen("http://")))
		return -1;
	end = auth + strcspn(auth, "/");
	if ((size_t)(end - auth) >= sizeof(a))
		return -1;
	snprintf(a, sizeof(a), "%.*s", (int)(end - auth), auth);
	if (http_addr_split(a, u->host, sizeof(u->host), &port) ||
	    !u->host[0] || !atoi(port))
		return -1;
	snprintf(u->port, sizeof(u->port), "%s", port);
	snprintf(u->path, sizeof(u->path), "%s", *end ? end : "/metrics");
	return 0;
}

/* Bounds every connect, send and read on fd by TIMEOUT_S; -1 on error. */
static int timeouts_set(int fd)
{
	const struct timeval tv = { .tv_sec = TIMEOUT_S };

	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	       setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* A connected socket to u, or -1 with a message in err. */
static int dial(const struct url *u, char *err, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	int fd = -1, ret = getaddrinfo(u->host, u->port, &hints, &ai);

	if (ret) {
		snprintf(err, len, "%s: %s", u->host, gai_strerror(ret));
		return -1;
	}
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd >= 0 && (timeouts_set(fd) ||
				connect(fd, a->ai_addr, a->ai_addrlen))) {
			snprintf(err, len, "%s:%s: %s", u->host, u->port,
				 strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

/* Everything fd sends until it closes (malloc'd, NUL-terminated), NULL
 * with a message on a timeout, an error or a body too large. */
static char *read_all(int fd, char *err, size_t len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL, *p;
	ssize_t got = 1;

	while (got > 0) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > BODY_MAX || !(p = realloc(buf, cap)))
				break;
			buf = p;
		}
		got = read(fd, buf + n, cap - n - 1);
		n += got > 0 ? got : 0;
	}
	if (got == 0) {
		buf[n] = '\0';
		return buf;
	}
	snprintf(err, len, "reading the answer: %s", got > 0 ? "too large" :
		 errno == EAGAIN ? "timed out" : strerror(errno));
	free(buf);
	return NULL;
}

/* The body of a 200 answer in resp (moved to the start), or NULL with a
 * message. */
static char *body_of(char *resp, char *err, size_t len)
{
	char *body = strstr(resp, "\r\n\r\n");
	int status = 0;

	if (sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1 || !body) {
		snprintf(err, len, "not an HTTP answer");
		return NULL;
	}
	if (status != 200) {
		snprintf(err, len, "HTTP status %d", status);
		return NULL;
	}
	memmove(resp, body + 4, strlen(body + 4) + 1);
	return resp;
}

/* See diagnose_int.h. */
char *diag_http_get(const char *url, char *err, size_t len)
{
	struct url u;
	char req[1536], *resp;
	int fd, n;

	if (url_parse(url, &u)) {
		snprintf(err, len, "bad URL %s (want http://HOST:PORT/PATH)",
			 url);
		return NULL;
	}
	if ((fd = dial(&u, err, len)) < 0)
		return NULL;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
		     "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
		     u.path, u.host);
	if (write(fd, req, n) != n) {
		snprintf(err, len, "sending: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	resp = read_all(fd, err, len);
	close(fd);
	if (resp && !body_of(resp, err, len)) {
		free(resp);
		return NULL;
	}
	return resp;
}

/* One GET of the URL into *text; -1 with a message on stderr. */
static int get(const char *url, char **text)
{
	char err[512];

	*text = diag_http_get(url, err, sizeof(err));
	if (!*text)
		fprintf(stderr, "ftrace_exporter diagnose: --from=%s: %s\n",
			url, err);
	return *text ? 0 : -1;
}

/* The drops of the causes probe's family in one GET of url (-1 when the
 * GET fails or the config has no such family). */
static double drops_now(const char *url, const struct config *cfg)
{
	const struct probe_spec *p = diag_drops_probe(cfg);
	char err[256], *text = p ? diag_http_get(url, err, sizeof(err)) : NULL;
	struct diag_samples *s = text ? diag_samples_parse(text) : NULL;
	double n = s ? diag_samples_sum(s, p->metric) : -1;

	diag_samples_free(s);
	free(text);
	return n;
}

/* The progress line's figure: drops since the start text. */
static double from_drops(void *ctx)
{
	const struct diag_run *run = ctx;
	struct diag_samples *s = diag_samples_parse(run->start);
	const struct probe_spec *p = diag_drops_probe(run->cfg);
	double base = s && p ? diag_samples_sum(s, p->metric) : 0;
	double now = drops_now(run->flags->from, run->cfg);

	diag_samples_free(s);
	return now < 0 ? -1 : now - base;
}

/* See diagnose_int.h: start, wait, end. */
int diag_run_from(struct diag_run *run)
{
	const char *url = run->flags->from;

	snprintf(run->source, sizeof(run->source), "%s", url);
	if (get(url, &run->start))
		return -1;
	run->duration = diag_wait(run, from_drops, run);
	return get(url, &run->end);
}
