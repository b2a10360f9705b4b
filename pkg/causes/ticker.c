/* ticker: see ticker.h.
 *
 * DESIGN: one thread per struct causes. It sleeps on its own condition
 * variable (CLOCK_MONOTONIC, absolute deadlines one second apart, so ticks
 * do not drift) and takes the caller's lock only around fn, the same lock
 * that scrapes hold, so a snapshot never interleaves with a scrape. Stop
 * sets a flag under the ticker's own mutex and signals; the thread never
 * holds both mutexes at once, so stop cannot deadlock with a scrape.
 */
#include "causes/ticker.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "causes/causes.h"

struct ticker {
	pthread_t thread;
	pthread_mutex_t *lock;		/* the caller's */
	pthread_mutex_t mu;		/* guards stop */
	pthread_cond_t wake;
	bool stop;
	ticker_fn fn;
	void *ctx;
};

/* Runs fn once under the caller's lock. */
static void tick(struct ticker *t)
{
	pthread_mutex_lock(t->lock);
	t->fn(t->ctx, causes_now());
	pthread_mutex_unlock(t->lock);
}

/* Sleeps until *next (pushed one second on) or stop; true to go on. */
static bool wait_next(struct ticker *t, struct timespec *next)
{
	struct timespec now;
	bool stop;

	next->tv_sec++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (next->tv_sec < now.tv_sec)	/* fell behind: restart from now */
		*next = (struct timespec){ now.tv_sec + 1, now.tv_nsec };
	pthread_mutex_lock(&t->mu);
	while (!t->stop &&
	       pthread_cond_timedwait(&t->wake, &t->mu, next) != ETIMEDOUT)
		;
	stop = t->stop;
	pthread_mutex_unlock(&t->mu);
	return !stop;
}

/* Thread body: tick, sleep to the next second, until stopped. */
static void *run(void *arg)
{
	struct ticker *t = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	do
		tick(t);
	while (wait_next(t, &next));
	return NULL;
}

/* Sets up the monotonic condition variable; -1 with errno. */
static int init_sync(struct ticker *t)
{
	pthread_condattr_t attr;
	int err;

	err = pthread_condattr_init(&attr);
	if (!err)
		err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&t->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (!err)
		err = pthread_mutex_init(&t->mu, NULL);
	errno = err;
	return err ? -1 : 0;
}

/* Borrows lock and ctx; NULL with errno, nothing left behind. */
struct ticker *ticker_start(pthread_mutex_t *lock, ticker_fn fn, void *ctx)
{
	struct ticker *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return NULL;
	t->lock = lock;
	t->fn = fn;
	t->ctx = ctx;
	if (init_sync(t))
		goto err_free;
	err = pthread_create(&t->thread, NULL, run, t);
	if (err) {
		errno = err;
		goto err_sync;
	}
	return t;
err_sync:
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->mu);
err_free:
	free(t);
	return NULL;
}

/* Wakes the thread at once (no wait for the next second) and joins it. */
void ticker_stop(struct ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
