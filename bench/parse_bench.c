/* parse_bench: user-space parse+aggregate throughput on raw ring-buffer
 * pages captured from the running kernel.
 *
 * Captures, twice, in a private instance (fte_bench); the reader pool
 * copies every page it reads:
 * - drops: skb:kfree_skb (labelled by reason and location) and
 *   net:netif_receive_skb (by device) while this program sends UDP
 *   datagrams to a closed port on 127.0.0.1;
 * - addresses: sock:inet_sock_set_state labelled by four addresses
 *   (saddr, daddr, saddr_v6, daddr_v6: IPv4 ones as
 *   their 4 bytes, IPv6 ones interned in pkg/addrtab) while
 *   this program opens and closes TCP connections over loopback, IPv4 from
 *   64 source addresses (127.0.0.0/8 is all loopback) and IPv6 (::1).
 * Replays: one thread parses the captured pages over and over into a
 * counter shard, timed. Prints events/s per core for each.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "reader/reader.h"
#include "tracefs/tracefs.h"

#define MAX_PAGES 4096
#define DATAGRAMS 200000
#define CONNECTIONS 4000

static const char drops_yaml[] =
	"tracing:\n  instance: fte_bench\n  buffer_size_kb: 8192\n"
	"probes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location]\n"
	"  - name: rx\n    tracepoint: net:netif_receive_skb\n"
	"    labels: [name]\n";

static const char addr_yaml[] =
	"tracing:\n  instance: fte_bench\n  buffer_size_kb: 8192\n"
	"probes:\n"
	"  - name: states\n    tracepoint: sock:inet_sock_set_state\n"
	"    labels: [saddr, daddr, saddr_v6, daddr_v6]\n";

struct capture {
	pthread_mutex_t lock;
	int page_size, n;
	char *pages;
};

static void keep_page(void *ctx, void *page)
{
	struct capture *c = ctx;

	pthread_mutex_lock(&c->lock);
	if (c->n < MAX_PAGES)
		memcpy(c->pages + (size_t)c->n++ * c->page_size, page,
		       c->page_size);
	pthread_mutex_unlock(&c->lock);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void send_drops(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[32] = { 0 };

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	for (int i = 0; i < DATAGRAMS; i++)
		sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

/* A listener on loopback of family fam (port chosen by the kernel) into
 * *sa; its fd, or -1. */
static int listen_on(int fam, struct sockaddr_storage *sa, socklen_t *len)
{
	int fd = socket(fam, SOCK_STREAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->ss_family = fam;
	if (fam == AF_INET)
		inet_pton(AF_INET, "127.0.0.1",
			  &((struct sockaddr_in *)sa)->sin_addr);
	else
		inet_pton(AF_INET6, "::1",
			  &((struct sockaddr_in6 *)sa)->sin6_addr);
	*len = fam == AF_INET ? sizeof(struct sockaddr_in) :
				sizeof(struct sockaddr_in6);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, *len) ||
	    listen(fd, 1024) || getsockname(fd, (struct sockaddr *)sa, len))
		return -1;
	return fd;
}

/* One connection to sa from source address i (IPv4: 127.0.0.2 + i % 64),
 * accepted and both ends closed with a reset (no TIME_WAIT left). */
static void connect_once(int lfd, const struct sockaddr_storage *sa,
			 socklen_t len, int i)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd = socket(sa->ss_family, SOCK_STREAM, 0), afd;

	src.sin_addr.s_addr = htonl(0x7f000002 + i % 64);
	if (sa->ss_family == AF_INET)
		bind(fd, (struct sockaddr *)&src, sizeof(src));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (const struct sockaddr *)sa, len) == 0) {
		afd = accept(lfd, NULL, NULL);
		if (afd >= 0)
			close(afd);
	}
	close(fd);
}


/* TCP connections over IPv4 and IPv6 loopback (addresses scenario). */
static void open_connections(void)
{
	struct sockaddr_storage sa4, sa6;
	socklen_t len4, len6;
	int l4 = listen_on(AF_INET, &sa4, &len4);
	int l6 = listen_on(AF_INET6, &sa6, &len6);

	for (int i = 0; l4 >= 0 && l6 >= 0 && i < CONNECTIONS; i++)
		connect_once(i % 2 ? l6 : l4, i % 2 ? &sa6 : &sa4,
			     i % 2 ? len6 : len4, i / 2);
	close(l4);
	close(l6);
}

/* Traces real events made by traffic() into c->pages. Returns 0 or -1. */
static int capture(struct config *cfg, struct parser **pp, struct session **sp,
		   struct capture *c, void (*traffic)(void))
{
	int ncpus = session_cpu_count();
	bool *cpus = calloc(ncpus, sizeof(*cpus));
	void **ctxs = calloc(ncpus, sizeof(*ctxs));
	struct pstate *st = pstate_new(config_probe_count(cfg));
	struct reader_pool *rp;
	const char *why;

	*sp = session_open(NULL, cfg);
	if (!*sp || !cpus || !ctxs)
		return -1;
	*pp = parser_new(session_tep(*sp), cfg);
	for (int i = 0; *pp && st && i < config_probe_count(cfg); i++) {
		if (session_enable(*sp, i, &why))
			return -1;
		pstate_set(st, i, NULL);
	}
	if (*pp)
		parser_count_up(*pp, st);
	c->page_size = parser_page_size(*pp);
	c->pages = malloc((size_t)MAX_PAGES * c->page_size);
	for (int i = 0; i < ncpus; i++)
		cpus[i] = true, ctxs[i] = c;
	rp = reader_start(*sp, cpus, ncpus, c->page_size, keep_page, ctxs);
	if (!rp || session_start(*sp))
		return -1;
	traffic();
	usleep(300000);
	session_stop(*sp);
	reader_stop(rp);
	free(cpus);
	free(ctxs);
	return 0;
}

/* Parses every captured page `rounds` times on this thread. */
static void replay(struct parser *p, struct capture *c, int rounds,
		   const char *what)
{
	unsigned caps[2] = { 1000, 1000 };
	struct metrics *m = metrics_new(2, caps, 1);
	struct parse_thread *t = parse_thread_new(p, metrics_shard(m, 0));
	uint64_t events = 0;
	double t0 = now(), dt;

	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < c->n; i++)
			events += parse_page(t, c->pages + (size_t)i * c->page_size);
	dt = now() - t0;
	printf("parse+aggregate: %.1f M events/s per core (%d pages of %d B, "
	       "%llu events in %.2f s, labelled by %s)\n",
	       events / dt / 1e6, c->n, c->page_size,
	       (unsigned long long)events, dt, what);
	printf("parse+aggregate: %.1f ns per event\n", dt * 1e9 / events);
	parse_thread_free(t);
	metrics_free(m);
}

/* Captures with yaml and traffic, then replays. Returns 0 or 1. */
static int scenario(const char *yaml, void (*traffic)(void), const char *what)
{
	struct config *cfg = config_parse("bench", yaml, stderr);
	struct capture c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct parser *p = NULL;
	struct session *s = NULL;
	int ret = 1;

	if (cfg && capture(cfg, &p, &s, &c, traffic) == 0 && c.n > 0) {
		replay(p, &c, 60000000 / (c.n * 60) + 1, what);
		ret = 0;
	} else {
		fprintf(stderr, "parse_bench: capture failed (root? tracefs?)\n");
	}
	parser_free(p);
	session_close(s);
	config_free(cfg);
	free(c.pages);
	return ret;
}

int main(void)
{
	return scenario(drops_yaml, send_drops, "reason+location and device") |
	       scenario(addr_yaml, open_connections,
			"four addresses, IPv4 and IPv6");
}
