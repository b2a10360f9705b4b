/* funcs: see funcs.h. kallsyms is read once, at start-up. */
#include "parse/funcs.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "parse/ksyms.h"

/* The function tracer reports the address of the fentry call, which sits at
 * most a few bytes (endbr64, patchable-entry padding) into the function. */
#define FENTRY_SLACK 64

/* The longest name kallsyms prints: KSYM_NAME_LEN (512) less its NUL. */
#define KSYM_NAME_MAX 511

/* Why names and functions are missing when kallsyms shows every address
 * as 0: /proc/kallsyms hides them from a reader without CAP_SYSLOG (or
 * with kernel.kptr_restrict=2). */
#define HIDDEN_WHY "kallsyms shows every address as 0 (kernel.kptr_restrict: " \
		   "ftrace_exporter needs CAP_SYSLOG)"

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
	bool hidden;		/* symbols listed, every address 0 */
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
	if (names && ksyms_add(names, addr, sym))
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

/* Splits one kallsyms line, "ADDR TYPE NAME" and maybe "\t[MODULE]", in
 * place: *sym ends within line. -1 for a line of another shape or with a
 * name longer than KSYM_NAME_MAX, which is skipped. */
static int split_line(char *line, uint64_t *addr, char *type, char **sym)
{
	char *end;
	size_t len;

	if (!isxdigit((unsigned char)*line))
		return -1;
	*addr = strtoull(line, &end, 16);
	if (end - line > 16 || end[0] != ' ' || !end[1] || end[2] != ' ')
		return -1;
	*type = end[1];
	*sym = end + 3;
	len = strcspn(*sym, " \t\n");
	if (!len || len > KSYM_NAME_MAX)
		return -1;
	(*sym)[len] = '\0';
	return 0;
}

/* Reads every line of fp into f (and names). Returns 0, or -1 on
 * allocation failure. A symbol at address 0 is none: it cannot be told
 * from a hidden one. */
static int read_symbols(struct funcs *f, struct ksyms *names, FILE *fp)
{
	char *line = NULL, *sym, type;
	size_t size = 0;
	uint64_t addr;
	bool listed = false, shown = false;
	int ret = 0;

	while (!ret && getline(&line, &size, fp) >= 0) {
		if (split_line(line, &addr, &type, &sym))
			continue;
		listed = true;
		shown |= addr != 0;
		if (addr)
			ret = take_symbol(f, names, addr, type, sym);
	}
	free(line);
	f->hidden = listed && !shown;
	return ret;
}

int funcs_load(struct funcs *f, struct ksyms *names, const char *kallsyms)
{
	FILE *fp = fopen(kallsyms ? kallsyms : "/proc/kallsyms", "re");
	int ret;

	if (!fp)
		return -1;
	ret = read_symbols(f, names, fp);
	fclose(fp);
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), addr_cmp);
	if (names)
		ksyms_sort(names);
	if (f->hidden)
		log_msg(LOG_WARN, HIDDEN_WHY, "effect", "location and caller "
			"labels show raw addresses; function probes are down",
			NULL);
	return ret;
}

const char *funcs_missing_why(const struct funcs *f)
{
	return f->hidden ? "not named: " HIDDEN_WHY : "not in kallsyms";
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
