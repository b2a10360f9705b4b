/* ksyms: see ksyms.h. */
#include "parse/ksyms.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset into the pool */
} __attribute__((packed));

struct ksyms {
	struct ksym *v;
	int n, cap;
	char *pool;
	size_t used, size;
};

struct ksyms *ksyms_new(void)
{
	return calloc(1, sizeof(struct ksyms));
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->v);
	free(k->pool);
	free(k);
}

/* Makes room for one more symbol and len bytes of name; -1 on ENOMEM. */
static int ksyms_grow(struct ksyms *k, size_t len)
{
	if (k->n == k->cap) {
		int cap = k->cap ? 2 * k->cap : 1024;
		struct ksym *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	if (k->used + len > k->size) {
		size_t size = k->size ? 2 * k->size : 16384;
		char *pool;

		while (size < k->used + len)
			size *= 2;
		pool = realloc(k->pool, size);
		if (!pool)
			return -1;
		k->pool = pool;
		k->size = size;
	}
	return 0;
}

int ksyms_add(struct ksyms *k, uint64_t addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (k->used + len > UINT32_MAX) {
		errno = ENOMEM;
		return -1;
	}
	if (ksyms_grow(k, len))
		return -1;
	memcpy(k->pool + k->used, name, len);
	k->v[k->n].addr = addr;
	k->v[k->n++].name = k->used;
	k->used += len;
	return 0;
}

/* By address; aliases keep kallsyms order, so the first name listed wins. */
static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* Returns the unused tail of the arrays to the allocator. */
static void ksyms_trim(struct ksyms *k)
{
	struct ksym *v = realloc(k->v, (k->n ? k->n : 1) * sizeof(*v));
	char *pool = realloc(k->pool, k->used ? k->used : 1);

	if (v) {
		k->v = v;
		k->cap = k->n;
	}
	if (pool) {
		k->pool = pool;
		k->size = k->used;
	}
}

void ksyms_sort(struct ksyms *k)
{
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), ksym_cmp);
	ksyms_trim(k);
}

const char *ksyms_name(const struct ksyms *k, uint64_t addr)
{
	int lo = 0, hi = k->n - 1, best = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	while (best > 0 && k->v[best - 1].addr == k->v[best].addr)
		best--;		/* the first alias */
	return best < 0 ? NULL : k->pool + k->v[best].name;
}

int ksyms_count(const struct ksyms *k)
{
	return k->n;
}
