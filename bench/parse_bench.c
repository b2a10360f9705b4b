/* parse_bench: user-space parse+aggregate throughput on raw ring-buffer
 * pages captured from the running kernel.
 *
 * Captures: a private instance (fte_bench) traces skb:kfree_skb (labelled by
 * reason and location) and net:netif_receive_skb (by device) while this
 * program sends UDP datagrams to a closed port on 127.0.0.1; the reader pool
 * copies every page it reads. Replays: one thread parses the captured pages
 * over and over into a counter shard, timed. Prints events/s per core.
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

static const char yaml[] =
	"tracing:\n  instance: fte_bench\n  buffer_size_kb: 8192\n"
	"probes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location]\n"
	"  - name: rx\n    tracepoint: net:netif_receive_skb\n"
	"    labels: [name]\n";

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

/* Traces real drops into c->pages. Returns 0 or -1. */
static int capture(struct config *cfg, struct parser **pp, struct session **sp,
		   struct capture *c)
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
	send_drops();
	usleep(300000);
	session_stop(*sp);
	reader_stop(rp);
	free(cpus);
	free(ctxs);
	return 0;
}

/* Parses every captured page `rounds` times on this thread. */
static void replay(struct parser *p, struct capture *c, int rounds)
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
	       "%llu events in %.2f s, labelled by reason+location and device)\n",
	       events / dt / 1e6, c->n, c->page_size,
	       (unsigned long long)events, dt);
	printf("parse+aggregate: %.1f ns per event\n", dt * 1e9 / events);
	parse_thread_free(t);
	metrics_free(m);
}

int main(void)
{
	struct config *cfg = config_parse("bench", yaml, stderr);
	struct capture c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct parser *p = NULL;
	struct session *s = NULL;
	int ret = 1;

	if (cfg && capture(cfg, &p, &s, &c) == 0 && c.n > 0) {
		replay(p, &c, 60000000 / (c.n * 60) + 1);
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
