/* reader: see reader.h for the threading design. */
#include "reader/reader.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <tracefs.h>
#include <unistd.h>

#include "log/log.h"

struct cpu_reader {
	pthread_t thread;
	bool started;
	int cpu, fd;
	struct tracefs_cpu *tcpu;
	void *page;
	void *ctx;
	struct reader_pool *pool;
};

struct reader_pool {
	int stop_fd;		/* eventfd: readable once stop is asked */
	reader_page_fn fn;
	int n;
	struct cpu_reader *r;	/* [n] */
};

/* Reads pages until the buffer is empty. */
static void drain(struct cpu_reader *r)
{
	while (tracefs_cpu_read(r->tcpu, r->page, true) > 0)
		r->pool->fn(r->ctx, r->page);
}

static void *reader_main(void *arg)
{
	struct cpu_reader *r = arg;
	struct pollfd fds[2] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = r->pool->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 2, READER_POLL_MS) < 0 && errno != EINTR)
			break;
		drain(r);
		if (fds[1].revents & POLLIN)
			break;
	}
	drain(r);
	return NULL;
}

/* Opens CPU cpu's pipe and allocates its page. -1 with errno. */
static int cpu_open(struct cpu_reader *r, struct session *s, int page_size)
{
	r->fd = session_cpu_open(s, r->cpu);
	if (r->fd < 0)
		return -1;
	r->tcpu = tracefs_cpu_alloc_fd(r->fd, page_size, true);
	r->page = malloc(page_size);
	return r->tcpu && r->page ? 0 : -1;
}

static void cpu_close(struct cpu_reader *r)
{
	if (r->tcpu)
		tracefs_cpu_free_fd(r->tcpu);
	if (r->fd >= 0)
		close(r->fd);
	free(r->page);
}

static int pool_add(struct reader_pool *rp, struct session *s, int cpu,
		    int page_size, void *ctx)
{
	struct cpu_reader *r = &rp->r[rp->n++];

	r->cpu = cpu;
	r->fd = -1;
	r->ctx = ctx;
	r->pool = rp;
	if (cpu_open(r, s, page_size))
		return -1;
	errno = pthread_create(&r->thread, NULL, reader_main, r);
	r->started = errno == 0;
	return r->started ? 0 : -1;
}

struct reader_pool *reader_start(struct session *s, const bool *cpus,
				 int ncpus, int page_size, reader_page_fn fn,
				 void *const *ctxs)
{
	struct reader_pool *rp = calloc(1, sizeof(*rp));

	if (!rp)
		return NULL;
	rp->fn = fn;
	rp->r = calloc(ncpus, sizeof(*rp->r));
	rp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!rp->r || rp->stop_fd < 0)
		goto err_stop;
	for (int c = 0; c < ncpus; c++) {
		if (cpus[c] && pool_add(rp, s, c, page_size, ctxs[c])) {
			log_msg(LOG_ERROR, "cannot start CPU reader", "err",
				strerror(errno), NULL);
			goto err_stop;
		}
	}
	return rp;
err_stop:
	reader_stop(rp);
	return NULL;
}

void reader_stop(struct reader_pool *rp)
{
	uint64_t one = 1;

	if (!rp)
		return;
	if (rp->stop_fd >= 0 && write(rp->stop_fd, &one, sizeof(one)) < 0)
		log_msg(LOG_ERROR, "cannot wake readers", NULL);
	for (int i = 0; i < rp->n; i++) {
		if (rp->r[i].started)
			pthread_join(rp->r[i].thread, NULL);
		cpu_close(&rp->r[i]);
	}
	if (rp->stop_fd >= 0)
		close(rp->stop_fd);
	free(rp->r);
	free(rp);
}
