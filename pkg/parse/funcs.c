/* funcs: see funcs.h. kallsyms is scanned once per probe at start-up. */
#include "parse/funcs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The function tracer reports the address of the fentry call, which sits at
 * most a few bytes (endbr64, patchable-entry padding) into the function. */
#define FENTRY_SLACK 64

struct func_addr {
	uint64_t addr;
	int probe;
};

struct funcs {
	char *path;
	struct func_addr *v;
	int n, cap;
};

struct funcs *funcs_new(const char *kallsyms)
{
	struct funcs *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->path = strdup(kallsyms ? kallsyms : "/proc/kallsyms");
	if (!f->path) {
		free(f);
		return NULL;
	}
	return f;
}

void funcs_free(struct funcs *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->v);
	free(f);
}

static int push(struct funcs *f, uint64_t addr, int probe)
{
	if (f->n == f->cap) {
		int cap = f->cap ? 2 * f->cap : 8;
		struct func_addr *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -1;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].addr = addr;
	f->v[f->n++].probe = probe;
	return 0;
}

int funcs_add(struct funcs *f, const char *name, int probe)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	int found = 0;
	FILE *fp = fopen(f->path, "r");

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3 ||
		    strcmp(sym, name) || !strchr("tT", type))
			continue;
		if (push(f, addr, probe)) {
			found = -1;
			break;
		}
		found++;
	}
	fclose(fp);
	return found;
}

void funcs_text_range(const struct funcs *f, uint64_t *lo, uint64_t *hi)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	FILE *fp = fopen(f->path, "r");

	*lo = *hi = 0;
	while (fp && fgets(line, sizeof(line), fp) && !(*lo && *hi)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) != 3)
			continue;
		if (!strcmp(sym, "_stext"))
			*lo = addr;
		else if (!strcmp(sym, "_etext"))
			*hi = addr;
	}
	if (fp)
		fclose(fp);
}

static int addr_cmp(const void *a, const void *b)
{
	const struct func_addr *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void funcs_sort(struct funcs *f)
{
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), addr_cmp);
}

int funcs_find(const struct funcs *f, uint64_t ip)
{
	int lo = 0, hi = f->n - 1, best = -1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (f->v[mid].addr <= ip) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0 || ip - f->v[best].addr >= FENTRY_SLACK)
		return -1;
	return f->v[best].probe;
}
