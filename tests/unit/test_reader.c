/* Unit tests of pkg/reader against a fake tracefs directory: each CPU's
 * per_cpu/cpuN/trace_pipe_raw is a FIFO the test writes whole pages into,
 * and a counting consumer checks that every page reaches the right CPU's
 * context exactly once, that reader_stop() is prompt and drains what was
 * written before it, and that the cpus[] mask is honoured.
 *
 * session_open() cannot succeed on a plain directory (only the kernel fills
 * an instance directory created with mkdir), so the struct session is built
 * from pkg/tracefs/session_priv.h with an instance allocated on the fake
 * directory; session_cpu_open() then opens the FIFOs exactly as it would
 * open the kernel's files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <tracefs.h>
#include <unistd.h>

#include "reader/reader.h"
#include "tracefs/session_priv.h"
#include "dir_count.h"

#define INSTANCE "fte_unit_reader"
#define PAGE 4096		/* <= PIPE_BUF: a page is written atomically */
#define NCPU 3
#define MAX_PAGES 64

/* One CPU's consumer context, written only by that CPU's thread. */
struct ctx {
	int cpu;
	int count;		/* atomic: read by the test while running */
	int wrong_cpu, bad_body, dup;
	unsigned char seen[MAX_PAGES];
};

struct fixture {
	char root[64];
	struct session *s;
	int wfd[NCPU];		/* write ends, -1 when there is no FIFO */
	struct ctx ctx[NCPU];
	void *ctxs[NCPU];
};

static uint8_t fill_byte(uint32_t cpu, uint32_t seq)
{
	return (uint8_t)(cpu * 31 + seq + 1);
}

static void count_page(void *arg, void *page)
{
	struct ctx *c = arg;
	uint32_t hdr[2];
	uint8_t *p = page;

	memcpy(hdr, page, sizeof(hdr));
	if ((int)hdr[0] != c->cpu)
		c->wrong_cpu++;
	if (p[8] != fill_byte(hdr[0], hdr[1]) ||
	    p[PAGE - 1] != fill_byte(hdr[0], hdr[1]))
		c->bad_body++;
	if (hdr[1] < MAX_PAGES && c->seen[hdr[1]]++)
		c->dup++;
	__atomic_add_fetch(&c->count, 1, __ATOMIC_RELEASE);
}

/* Writes pages seq first..first+n-1 of cpu into its FIFO. */
static void write_pages(struct fixture *f, int cpu, int first, int n)
{
	uint8_t page[PAGE];
	uint32_t hdr[2];

	for (int seq = first; seq < first + n; seq++) {
		hdr[0] = cpu;
		hdr[1] = seq;
		memset(page, fill_byte(cpu, seq), sizeof(page));
		memcpy(page, hdr, sizeof(hdr));
		assert_int_equal(write(f->wfd[cpu], page, PAGE), PAGE);
	}
}

static int count_of(struct fixture *f, int cpu)
{
	return __atomic_load_n(&f->ctx[cpu].count, __ATOMIC_ACQUIRE);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits up to 5 s for cpu's context to have seen n pages. */
static void wait_count(struct fixture *f, int cpu, int n)
{
	double end = now_ms() + 5000;

	while (count_of(f, cpu) < n && now_ms() < end)
		usleep(1000);
	assert_int_equal(count_of(f, cpu), n);
}

/* Asserts cpu's context got pages 0..n-1 each once, intact. */
static void assert_delivered_once(struct fixture *f, int cpu, int n)
{
	struct ctx *c = &f->ctx[cpu];

	assert_int_equal(c->count, n);
	assert_int_equal(c->wrong_cpu, 0);
	assert_int_equal(c->bad_body, 0);
	assert_int_equal(c->dup, 0);
	for (int seq = 0; seq < n; seq++)
		assert_int_equal(c->seen[seq], 1);
}

static int unread_bytes(struct fixture *f, int cpu)
{
	int n = -1;

	assert_int_equal(ioctl(f->wfd[cpu], FIONREAD, &n), 0);
	return n;
}

static int thread_count(void)
{
	return dir_count("/proc/self/task");
}

/* Fake root with FIFOs for CPUs 0..NCPU-1 and a session on it. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX];

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/fte_unit_reader.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	for (int c = 0; c < NCPU; c++) {
		snprintf(path, sizeof(path), "%s/instances", f->root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/instances/" INSTANCE, f->root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/instances/" INSTANCE
			 "/per_cpu", f->root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/instances/" INSTANCE
			 "/per_cpu/cpu%d", f->root, c);
		mkdir(path, 0755);
		strcat(path, "/trace_pipe_raw");
		if (mkfifo(path, 0600))
			return -1;
		/* O_RDWR: never blocks, and the reader never sees EOF. */
		f->wfd[c] = open(path, O_RDWR | O_CLOEXEC);
		if (f->wfd[c] < 0)
			return -1;
		f->ctx[c].cpu = c;
		f->ctxs[c] = &f->ctx[c];
	}
	f->s = calloc(1, sizeof(*f->s));
	if (!f->s)
		return -1;
	f->s->free_fd = -1;
	f->s->inst = tracefs_instance_alloc(f->root, INSTANCE);
	if (!f->s->inst)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	for (int c = 0; c < NCPU; c++)
		if (f->wfd[c] >= 0)
			close(f->wfd[c]);
	tracefs_instance_free(f->s->inst);
	free(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	free(f);
	return system(cmd) ? -1 : 0;
}

static struct reader_pool *start(struct fixture *f, const bool *cpus,
				 int ncpus)
{
	struct reader_pool *rp;

	rp = reader_start(f->s, cpus, ncpus, PAGE, count_page, f->ctxs);
	assert_non_null(rp);
	return rp;
}

static const bool all_cpus[NCPU] = { true, true, true };

static void test_pages_reach_own_cpu_context_once(void **state)
{
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, all_cpus, NCPU);

	for (int c = 0; c < NCPU; c++)
		write_pages(f, c, 0, 8);
	for (int c = 0; c < NCPU; c++)
		wait_count(f, c, 8);
	reader_stop(rp);
	for (int c = 0; c < NCPU; c++)
		assert_delivered_once(f, c, 8);
}

static void test_pages_delivered_while_running(void **state)
{
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, all_cpus, NCPU);

	/* Three rounds, each consumed before the next is written. */
	for (int round = 0; round < 3; round++) {
		write_pages(f, 1, round * 5, 5);
		wait_count(f, 1, (round + 1) * 5);
	}
	reader_stop(rp);
	assert_delivered_once(f, 1, 15);
	assert_int_equal(f->ctx[0].count, 0);
	assert_int_equal(f->ctx[2].count, 0);
}

static void test_stop_drains_pages_written_before_it(void **state)
{
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, all_cpus, NCPU);

	/* 16 pages fill a FIFO: the readers cannot have been that quick. */
	for (int c = 0; c < NCPU; c++)
		write_pages(f, c, 0, 16);
	reader_stop(rp);
	for (int c = 0; c < NCPU; c++) {
		assert_delivered_once(f, c, 16);
		assert_int_equal(unread_bytes(f, c), 0);
	}
}

static void test_stop_returns_promptly(void **state)
{
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, all_cpus, NCPU);
	double t;

	usleep(50 * 1000);	/* every thread is now asleep in poll() */
	t = now_ms();
	reader_stop(rp);
	t = now_ms() - t;
	if (t >= READER_POLL_MS / 2)
		print_message("reader_stop took %.1f ms\n", t);
	assert_true(t < READER_POLL_MS / 2);
}

static void test_stop_promptly_with_pages_in_flight(void **state)
{
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, all_cpus, NCPU);
	double t;

	write_pages(f, 0, 0, 4);
	wait_count(f, 0, 4);
	usleep(50 * 1000);
	t = now_ms();
	reader_stop(rp);
	t = now_ms() - t;
	assert_true(t < READER_POLL_MS / 2);
	assert_delivered_once(f, 0, 4);
}

static void test_cpu_mask_skips_cpus(void **state)
{
	static const bool cpus[NCPU] = { true, false, true };
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, cpus, NCPU);

	for (int c = 0; c < NCPU; c++)
		write_pages(f, c, 0, 3);
	wait_count(f, 0, 3);
	wait_count(f, 2, 3);
	reader_stop(rp);
	assert_delivered_once(f, 0, 3);
	assert_delivered_once(f, 2, 3);
	assert_int_equal(f->ctx[1].count, 0);
	assert_int_equal(unread_bytes(f, 1), 3 * PAGE);
}

static void test_ncpus_bounds_the_mask(void **state)
{
	struct fixture *f = *state;
	struct reader_pool *rp = start(f, all_cpus, 2);

	for (int c = 0; c < NCPU; c++)
		write_pages(f, c, 0, 2);
	reader_stop(rp);
	assert_delivered_once(f, 0, 2);
	assert_delivered_once(f, 1, 2);
	assert_int_equal(f->ctx[2].count, 0);
	assert_int_equal(unread_bytes(f, 2), 2 * PAGE);
}

static void test_start_fails_without_a_cpu_pipe(void **state)
{
	static const bool cpus[NCPU + 1] = { true, true, true, true };
	struct fixture *f = *state;
	void *ctxs[NCPU + 1] = { f->ctxs[0], f->ctxs[1], f->ctxs[2], NULL };
	int threads = thread_count();

	write_pages(f, 0, 0, 1);
	/* per_cpu/cpu3 does not exist */
	errno = 0;
	assert_null(reader_start(f->s, cpus, NCPU + 1, PAGE, count_page,
				 ctxs));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(thread_count(), threads);
}

static void test_start_with_empty_mask_then_stop(void **state)
{
	static const bool none[NCPU];
	struct fixture *f = *state;
	int threads = thread_count();
	struct reader_pool *rp = start(f, none, NCPU);

	assert_int_equal(thread_count(), threads);
	write_pages(f, 0, 0, 1);
	reader_stop(rp);
	assert_int_equal(f->ctx[0].count, 0);
	assert_int_equal(unread_bytes(f, 0), PAGE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pages_reach_own_cpu_context_once),
		T(test_pages_delivered_while_running),
		T(test_stop_drains_pages_written_before_it),
		T(test_stop_returns_promptly),
		T(test_stop_promptly_with_pages_in_flight),
		T(test_cpu_mask_skips_cpus),
		T(test_ncpus_bounds_the_mask),
		T(test_start_fails_without_a_cpu_pipe),
		T(test_start_with_empty_mask_then_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
