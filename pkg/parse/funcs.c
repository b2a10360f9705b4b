/* funcs: see funcs.h. kallsyms is read once, at start-up. */
#include "parse/funcs.h"

#include <ctype.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/ksyms.h"

/* The function tracer reports the address of the fentry call, which sits at
 * most a few bytes (endbr64, patchable-entry padding) into the function. */
#define FENTRY_SLACK 64

struct func_addr {
	uint64_t addr;
	int probe;
};

struct wanted {
	const char *name;	/* owned by the config */
	int probe;
};

struct funcs {
	struct wanted *want;
	int nwant;
	struct func_addr *v;
	int n, cap;
	uint64_t text_lo, text_hi;
};

struct funcs *funcs_new(void)
{
	return calloc(1, sizeof(struct funcs));
}

void funcs_free(struct funcs *f)
{
	if (!f)
		return;
	free(f->want);
	free(f->v);
	free(f);
}

int funcs_want(struct funcs *f, const char *name, int probe)
{
	struct wanted *w = realloc(f->want, (f->nwant + 1) * sizeof(*w));

	if (!w)
		return -1;
	f->want = w;
	w[f->nwant].name = name;
	w[f->nwant++].probe = probe;
	return 0;
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

/* Takes one kallsyms symbol: a text range bound, a wanted function, and a
 * name for the table when one is kept. */
static int take_symbol(struct funcs *f, struct ksyms *names, uint64_t addr,
		       char type, const char *sym)
{
	if (!strcmp(sym, "_stext"))
		f->text_lo = addr;
	else if (!strcmp(sym, "_etext"))
		f->text_hi = addr;
	type = tolower(type);
	if (type != 't' && type != 'w')
		return 0;
	if (names && addr && ksyms_add(names, addr, sym))	/* 0: hidden */
		return -1;
	if (type != 't')
		return 0;
	for (int i = 0; i < f->nwant; i++)
		if (!strcmp(sym, f->want[i].name) &&
		    push(f, addr, f->want[i].probe))
			return -1;
	return 0;
}

static int addr_cmp(const void *a, const void *b)
{
	const struct func_addr *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int funcs_load(struct funcs *f, struct ksyms *names, const char *kallsyms)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	FILE *fp = fopen(kallsyms ? kallsyms : "/proc/kallsyms", "r");
	int ret = 0;

	if (!fp)
		return -1;
	while (!ret && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3)
			ret = take_symbol(f, names, addr, type, sym);
	fclose(fp);
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), addr_cmp);
	if (names)
		ksyms_sort(names);
	return ret;
}

int funcs_count(const struct funcs *f, int probe)
{
	int n = 0;

	for (int i = 0; i < f->n; i++)
		n += f->v[i].probe == probe;
	return n;
}

void funcs_text_range(const struct funcs *f, uint64_t *lo, uint64_t *hi)
{
	*lo = f->text_lo;
	*hi = f->text_hi;
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
