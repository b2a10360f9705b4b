/* http/lifecycle: POST /-/reload hands its work to a thread of its own.
 *
 * DESIGN: a reload may take long (files to read, probes to switch, a new
 * daemon to start) and must not hold a thread that serves scrapes. Each
 * connection has its own thread (daemon.c), so the connection that asked
 * simply waits here for its result (libmicrohttpd's suspend does not apply
 * to thread-per-connection), while the reload runs on the lifecycle
 * thread; every other connection is served meanwhile. Requests run one at
 * a time, in arrival order, each with its own result, as Prometheus'
 * reload channel does. A request lives on its waiter's stack: the
 * lifecycle thread marks it done under the lock and never touches it
 * again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

#define LIFE_MSG_LEN 256

struct life_req {
	char msg[LIFE_MSG_LEN];
	int ret;
	bool done;
	struct life_req *next;
};

struct http_lifecycle {
	http_reload_fn fn;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a request queued, one done, quit */
	struct life_req *head, **tail;
	bool quit;
	pthread_t thread;
};

/* Unlinks the first queued request; l->lock held, the queue not empty. */
static struct life_req *pop(struct http_lifecycle *l)
{
	struct life_req *r = l->head;

	l->head = r->next;
	if (!l->head)
		l->tail = &l->head;
	return r;
}

/* Marks every queued request failed; l->lock held. */
static void fail_queued(struct http_lifecycle *l)
{
	struct life_req *r;

	while (l->head) {
		r = pop(l);
		snprintf(r->msg, sizeof(r->msg), "the server is stopping");
		r->ret = -1;
		r->done = true;
	}
	pthread_cond_broadcast(&l->cond);
}

/* The lifecycle thread: runs queued reloads until told to quit. */
static void *life_main(void *arg)
{
	struct http_lifecycle *l = arg;
	struct life_req *r;
	char msg[LIFE_MSG_LEN];
	int ret;

	pthread_mutex_lock(&l->lock);
	while (!l->quit) {
		if (!l->head) {
			pthread_cond_wait(&l->cond, &l->lock);
			continue;
		}
		r = pop(l);
		pthread_mutex_unlock(&l->lock);
		msg[0] = '\0';
		ret = l->fn(l->ctx, msg, sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		pthread_mutex_lock(&l->lock);
		memcpy(r->msg, msg, sizeof(r->msg));
		r->ret = ret;
		r->done = true;
		pthread_cond_broadcast(&l->cond);
	}
	fail_queued(l);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* Starts the lifecycle thread running fn(ctx, ...). NULL with errno. */
struct http_lifecycle *http_lifecycle_start(http_reload_fn fn, void *ctx)
{
	struct http_lifecycle *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->fn = fn;
	l->ctx = ctx;
	l->tail = &l->head;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	err = pthread_create(&l->thread, NULL, life_main, l);
	if (!err)
		return l;
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
	errno = err;
	return NULL;
}

/* Queues a request on l and waits for the lifecycle thread to run it;
 * returns its result with its message in msg (-1 at once when l is
 * stopping). Any thread but the lifecycle's own. */
int http_lifecycle_reload(struct http_lifecycle *l, char *msg, size_t len)
{
	struct life_req r = { .ret = -1 };

	snprintf(r.msg, sizeof(r.msg), "the server is stopping");
	pthread_mutex_lock(&l->lock);
	if (!l->quit) {
		*l->tail = &r;
		l->tail = &r.next;
		pthread_cond_broadcast(&l->cond);
		while (!r.done)
			pthread_cond_wait(&l->cond, &l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	snprintf(msg, len, "%s", r.msg);
	return r.ret;
}

/* Tells the lifecycle thread to quit after the reload in progress, which
 * fails the queued ones, and joins it. NULL is fine. */
void http_lifecycle_stop(struct http_lifecycle *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->quit = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
}

/* Frees a stopped l once no connection thread can call it. */
void http_lifecycle_free(struct http_lifecycle *l)
{
	if (!l)
		return;
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
