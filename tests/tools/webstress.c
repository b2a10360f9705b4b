/* webstress: hostile HTTP clients for tests/integration/test_web_limits.sh,
 * bounded in count and time, from loopback source addresses 127.0.0.FIRST
 * to 127.0.0.(FIRST+NSRC-1) (all of 127/8 is local), so that the server
 * sees them as other clients than the scraper at 127.0.0.1.
 *
 *   webstress slow PORT FIRST NSRC NCONN SECONDS
 *     keeps NCONN connections open, round robin over the sources, each
 *     sending a request line and then one header byte every 2 s (never
 *     idle long enough for an idle timeout, never done). A connection the
 *     server closes within 1 s of opening counts as refused, a later one
 *     as cut; either is opened again 0.2 s later.
 *   webstress badauth PORT FIRST NSRC RATE SECONDS
 *     sends RATE requests a second with a wrong basic-auth password, each
 *     on a new connection from the next source, and counts the statuses.
 *
 * Prints "ready" once the first round is under way, then one summary line
 * at the end; exits 0 (the test judges the figures), 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr.h"

#define MAX_CONNS 4096
#define SLOW_EVERY 2.0		/* s between two bytes of a slow client */
#define REOPEN_AFTER 0.2	/* s */
#define REPLY_TIMEOUT 5.0	/* s, for a badauth reply */

/* alice:wrong */
static const char bad_req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
	"Authorization: Basic YWxpY2U6d3Jvbmc=\r\nConnection: close\r\n\r\n";
static const char slow_start[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-";

struct conn {
	int fd;			/* -1: closed */
	double opened;
	double next;		/* slow: next byte; closed: reopen time */
	char reply[16];		/* badauth: the status line's start */
	size_t got;
};

struct stats {
	long opened, refused, cut, failed;	/* slow */
	long sent, s401, s429, other, timeout;	/* badauth */
	double max_life;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A non-blocking connection to 127.0.0.1:port from 127.0.0.src, the first
 * bytes (len of them) sent; -1 on failure. */
static int open_from(int src, int port, const char *first, size_t len)
{
	char host[32];
	union addr from, to;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(host, sizeof(host), "127.0.0.%d", src);
	parse_addr(host, "0", &from);
	parse_addr("127.0.0.1", "0", &to);
	to.v4.sin_port = htons(port);
	if (fd < 0)
		return -1;
	if (bind(fd, &from.sa, sizeof(from.v4)) ||
	    connect(fd, &to.sa, sizeof(to.v4)) ||
	    send(fd, first, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Closes a slow connection the server ended, counting it. */
static void slow_closed(struct conn *c, struct stats *st, double t)
{
	double life = t - c->opened;

	close(c->fd);
	c->fd = -1;
	c->next = t + REOPEN_AFTER;
	if (life < 1.0) {
		st->refused++;
		return;
	}
	st->cut++;
	if (life > st->max_life)
		st->max_life = life;
}

/* One step of slow connection c at t: reopen, or send its next byte. */
static void slow_step(struct conn *c, int src, int port, struct stats *st,
		      double t)
{
	if (c->next > t)
		return;
	if (c->fd < 0) {
		c->fd = open_from(src, port, slow_start, strlen(slow_start));
		c->opened = t;
		c->next = t + (c->fd < 0 ? REOPEN_AFTER : SLOW_EVERY);
		st->opened += c->fd >= 0;
		st->failed += c->fd < 0;
		return;
	}
	if (send(c->fd, "a", 1, MSG_NOSIGNAL) != 1)
		slow_closed(c, st, t);
	else
		c->next = t + SLOW_EVERY;
}

/* Whether the server ended c (EOF, an error or a reply) by now. */
static bool ended(const struct conn *c)
{
	char buf[256];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Reads what the server sent to badauth connection c; once the start of
 * the status line is in (or the server ended it) counts the status and
 * closes it. */
static void bad_read(struct conn *c, struct stats *st)
{
	ssize_t n = recv(c->fd, c->reply + c->got,
			 sizeof(c->reply) - 1 - c->got, 0);
	int status = 0;

	if (n > 0)
		c->got += n;
	if (n > 0 && c->got < sizeof(c->reply) - 1)
		return;		/* the status line is not in yet */
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	c->reply[c->got] = '\0';
	sscanf(c->reply, "HTTP/1.%*d %d", &status);
	st->s401 += status == 401;
	st->s429 += status == 429;
	st->other += status != 401 && status != 429;
	close(c->fd);
	c->fd = -1;
}

/* Polls every open connection for up to 10 ms and handles what came. */
static void poll_conns(struct conn *cs, int n, bool slow, struct stats *st)
{
	static struct pollfd pfd[MAX_CONNS];
	int idx[MAX_CONNS], m = 0;

	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0)
			continue;
		pfd[m] = (struct pollfd){ .fd = cs[i].fd, .events = POLLIN };
		idx[m++] = i;
	}
	if (poll(pfd, m, 10) <= 0)
		return;
	for (int j = 0; j < m; j++) {
		struct conn *c = &cs[idx[j]];

		if (!pfd[j].revents)
			continue;
		if (!slow)
			bad_read(c, st);
		else if (ended(c))
			slow_closed(c, st, now());
	}
}

static int run_slow(int port, int first, int nsrc, int nconn, double secs)
{
	static struct conn cs[MAX_CONNS];
	struct stats st = { 0 };
	double t0 = now(), t;

	for (int i = 0; i < nconn; i++)
		cs[i] = (struct conn){ .fd = -1, .next = t0 };
	for (bool told = false; (t = now()) - t0 < secs; told = true) {
		for (int i = 0; i < nconn; i++)
			slow_step(&cs[i], first + i % nsrc, port, &st, t);
		if (!told) {
			printf("ready\n");
			fflush(stdout);
		}
		poll_conns(cs, nconn, true, &st);
	}
	for (int i = 0; i < nconn; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	printf("slow: conns=%d sources=%d opened=%ld refused=%ld cut=%ld "
	       "connect_failed=%ld longest_cut_after=%.1fs\n", nconn, nsrc,
	       st.opened, st.refused, st.cut, st.failed, st.max_life);
	return 0;
}

/* Closes the badauth connections past their reply timeout at t,
 * counting them as timed out; returns a closed slot, or -1. */
static int expire(struct conn *cs, int n, struct stats *st, double t)
{
	int slot = -1;

	for (int i = 0; i < n; i++) {
		if (cs[i].fd >= 0 && t - cs[i].opened > REPLY_TIMEOUT) {
			close(cs[i].fd);
			cs[i].fd = -1;
			st->timeout++;
		}
		if (cs[i].fd < 0 && slot < 0)
			slot = i;
	}
	return slot;
}

static int run_badauth(int port, int first, int nsrc, int rate, double secs)
{
	static struct conn cs[MAX_CONNS];
	struct stats st = { 0 };
	double t0 = now(), t;
	long due;
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		cs[i].fd = -1;
	printf("ready\n");
	fflush(stdout);
	while ((t = now()) - t0 < secs) {
		for (due = (long)((t - t0) * rate); st.sent < due; st.sent++) {
			i = expire(cs, MAX_CONNS, &st, t);
			if (i < 0)
				break;
			cs[i] = (struct conn){ .opened = t };
			cs[i].fd = open_from(first + st.sent % nsrc, port, bad_req,
					     strlen(bad_req));
			st.other += cs[i].fd < 0;
		}
		poll_conns(cs, MAX_CONNS, false, &st);
	}
	expire(cs, MAX_CONNS, &st, t0 + secs + 2 * REPLY_TIMEOUT);
	printf("badauth: sources=%d rate=%d/s sent=%ld 401=%ld 429=%ld "
	       "other=%ld timeout=%ld\n", nsrc, rate, st.sent, st.s401,
	       st.s429, st.other, st.timeout);
	return 0;
}

int main(int argc, char **argv)
{
	int port, first, nsrc, n;
	double secs;

	if (argc != 7)
		goto usage;
	port = atoi(argv[2]);
	first = atoi(argv[3]);
	nsrc = atoi(argv[4]);
	n = atoi(argv[5]);
	secs = atof(argv[6]);
	if (port <= 0 || first < 2 || nsrc < 1 || first + nsrc > 255 ||
	    n < 1 || n > MAX_CONNS || secs <= 0 || secs > 600)
		goto usage;
	if (!strcmp(argv[1], "slow"))
		return run_slow(port, first, nsrc, n, secs);
	if (!strcmp(argv[1], "badauth"))
		return run_badauth(port, first, nsrc, n, secs);
usage:
	fprintf(stderr, "usage: webstress slow PORT FIRST NSRC NCONN SECONDS\n"
		"       webstress badauth PORT FIRST NSRC RATE SECONDS\n");
	return 2;
}
