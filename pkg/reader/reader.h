/* reader: one thread per traced CPU draining per_cpu/cpuN/trace_pipe_raw.
 *
 * DESIGN: each thread owns its fd, its page buffer and the consumer context
 * it was given (the parser's per-thread state and counter shard); threads
 * share nothing writable. A thread sleeps in poll() until the kernel wakes it
 * (buffer_percent) or a short timeout passes, then reads pages non-blocking
 * until the buffer is empty and hands each page to the consumer. reader_stop()
 * wakes every thread through an eventfd; each drains what is left and exits.
 */
#ifndef FTE_READER_H
#define FTE_READER_H

#include <stdbool.h>

#include "tracefs/tracefs.h"

/* Consumes one sub-buffer page. Called only from the CPU's own thread. */
typedef void (*reader_page_fn)(void *ctx, void *page);

struct reader_pool;

/* Starts a thread for each cpu c with cpus[c] true (c < ncpus); ctxs[c] is
 * that thread's consumer context. NULL with errno on failure (no thread is
 * left running). */
struct reader_pool *reader_start(struct session *s, const bool *cpus,
				 int ncpus, int page_size, reader_page_fn fn,
				 void *const *ctxs);
/* Wakes, drains and joins every thread, then frees the pool. */
void reader_stop(struct reader_pool *rp);
/* Poll timeout in ms: the longest an event waits before it is counted. */
#define READER_POLL_MS 200

#endif
