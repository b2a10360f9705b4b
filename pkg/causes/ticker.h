/* ticker: private to pkg/causes. A thread that calls fn once a second with
 * the caller's mutex held, until stopped. */
#ifndef FTE_CAUSES_TICKER_H
#define FTE_CAUSES_TICKER_H

#include <pthread.h>

struct ticker;

typedef void (*ticker_fn)(void *ctx, double now);

/* Calls fn(ctx, now) right away and then every second, each time with lock
 * held. NULL with errno when the thread cannot start. */
struct ticker *ticker_start(pthread_mutex_t *lock, ticker_fn fn, void *ctx);
/* Wakes and joins the thread, then frees t; NULL is a no-op. The caller
 * must not hold lock. */
void ticker_stop(struct ticker *t);

#endif
