/* expose: see expose.h. The scrape is written into one growing buffer.
 *
 * The names of the families written so far are not copied: each is kept as
 * the offset of its name in the buffer (in the "# HELP " or "# TYPE " line),
 * in an array sorted by name, so a duplicate is found by binary search and a
 * failed collector is undone by truncating the buffer and the array.
 */
#include "expose.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expose/utf8.h"
#include "log/log.h"

#define HELP_SPECIAL "\\\n"
#define LABEL_SPECIAL "\\\"\n"
#define PREFIX_LEN 7	/* "# HELP " and "# TYPE " */

struct expo {
	char *buf;		/* NUL-terminated; NULL after expo_detach */
	size_t len, cap;
	size_t *fams;		/* offsets of family names in buf, by name */
	size_t nfams, fams_cap;
	size_t cur, cur_len;	/* name of the current family; len 0: none */
	bool nomem;		/* a write failed; writes are dropped */
};

/* Makes room for n more bytes and the NUL. Returns 0, or -1 and marks the
 * writer failed when memory runs out (later writes are then dropped). */
static int reserve(struct expo *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 4096;
	char *buf;

	if (w->nomem)
		return -1;
	if (w->len + n + 1 <= w->cap)
		return 0;
	while (cap < w->len + n + 1)
		cap *= 2;
	buf = realloc(w->buf, cap);
	if (!buf) {
		w->nomem = true;
		return -1;
	}
	w->buf = buf;
	w->cap = cap;
	return 0;
}

/* Appends n bytes; dropped once the writer has run out of memory. */
static void put(struct expo *w, const char *s, size_t n)
{
	if (reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Appends a NUL-terminated string. */
static void put_str(struct expo *w, const char *s)
{
	put(w, s, strlen(s));
}

/* What the text at s is written as: NULL when its first *n bytes are kept,
 * else the backslash escape of a character in special or, for a byte that
 * is no UTF-8, the replacement utf8.h says (*n = 1). */
static const char *substitute(const char *s, const char *special, int *n)
{
	if ((unsigned char)*s >= 0x80)
		return utf8_next(s, n);
	*n = 1;
	if (!strchr(special, *s))
		return NULL;
	return *s == '\n' ? "\\n" : *s == '\\' ? "\\\\" : "\\\"";
}

/* Writes s as valid UTF-8, with backslash escapes for the characters in
 * special: the one place text reaches the exposition (HELP, label values). */
static void put_escaped(struct expo *w, const char *s, const char *special)
{
	const char *sub;
	size_t kept = 0;
	int n;

	while (s[kept]) {
		sub = substitute(s + kept, special, &n);
		if (!sub) {
			kept += n;
			continue;
		}
		put(w, s, kept);
		put_str(w, sub);
		s += kept + n;
		kept = 0;
	}
	put(w, s, kept);
}

/* Formats v as Prometheus does: exact integers in full, other numbers in
 * the shortest of 15 to 17 significant digits that reads back as v. */
static void format_value(char *buf, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
	} else if (v >= -0x1p63 && v < 0x1p63 && (double)(long long)v == v) {
		snprintf(buf, size, "%lld", (long long)v);
	} else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, size, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
}

/* Appends a sample value. */
static void put_value(struct expo *w, double v)
{
	char num[40];

	format_value(num, sizeof(num), v);
	put_str(w, num);
}

/* Copies the current family's name, which lives in the buffer itself. */
static void put_family_name(struct expo *w)
{
	if (reserve(w, w->cur_len))
		return;
	memcpy(w->buf + w->len, w->buf + w->cur, w->cur_len);
	w->len += w->cur_len;
	w->buf[w->len] = '\0';
}

/* True for a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
static bool valid_name(const char *s)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ_:";

	if (!*s || !strchr(first, *s))
		return false;
	for (s++; *s; s++) {
		if (!strchr(first, *s) && (*s < '0' || *s > '9'))
			return false;
	}
	return true;
}

/* Compares name with a name in the buffer, which ends at a space. */
static int name_cmp(const char *name, const char *in_buf)
{
	while (*name && *name == *in_buf) {
		name++;
		in_buf++;
	}
	if (*in_buf == ' ')
		return (unsigned char)*name;
	return (unsigned char)*name - (unsigned char)*in_buf;
}

/* Looks name up; *pos is where it is, or where it would be inserted. */
static bool family_find(const struct expo *w, const char *name, size_t *pos)
{
	size_t lo = 0, hi = w->nfams, mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = name_cmp(name, w->buf + w->fams[mid]);
		if (!cmp) {
			*pos = mid;
			return true;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return false;
}

/* Records the family whose name is at off; -1 with ENOMEM on failure. */
static int family_add(struct expo *w, size_t pos, size_t off)
{
	size_t cap = w->fams_cap ? 2 * w->fams_cap : 32;
	size_t *fams;

	if (w->nfams == w->fams_cap) {
		fams = realloc(w->fams, cap * sizeof(*fams));
		if (!fams) {
			w->nomem = true;
			errno = ENOMEM;
			return -1;
		}
		w->fams = fams;
		w->fams_cap = cap;
	}
	memmove(w->fams + pos + 1, w->fams + pos,
		(w->nfams - pos) * sizeof(*w->fams));
	w->fams[pos] = off;
	w->nfams++;
	return 0;
}

/* Allocates an empty writer; NULL with ENOMEM. Free it with expo_free(). */
struct expo *expo_new(void)
{
	struct expo *w = calloc(1, sizeof(*w));

	return w;
}

/* Frees w and its text; NULL is ignored. */
void expo_free(struct expo *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w->fams);
	free(w);
}

/* Empties the text and forgets every family; keeps the memory. */
void expo_reset(struct expo *w)
{
	w->len = 0;
	if (w->buf)
		w->buf[0] = '\0';
	w->nfams = 0;
	w->cur_len = 0;
	w->nomem = false;
}

/* Writes the HELP and TYPE lines. Fails with EINVAL for a bad name, EEXIST
 * for a repeated one and ENOMEM; samples that follow a failure are dropped. */
int expo_family(struct expo *w, const char *name, enum expo_type type,
		const char *help)
{
	size_t pos, off = w->len + PREFIX_LEN;

	w->cur_len = 0;
	if (!valid_name(name)) {
		errno = EINVAL;
		return -1;
	}
	if (family_find(w, name, &pos)) {
		errno = EEXIST;
		return -1;
	}
	if (help) {
		put_str(w, "# HELP ");
		put_str(w, name);
		put(w, " ", 1);
		put_escaped(w, help, HELP_SPECIAL);
		put(w, "\n", 1);
	}
	put_str(w, "# TYPE ");
	put_str(w, name);
	put_str(w, type == EXPO_COUNTER ? " counter\n" : " gauge\n");
	if (w->nomem) {
		errno = ENOMEM;
		return -1;
	}
	if (family_add(w, pos, off))
		return -1;
	w->cur = off;
	w->cur_len = strlen(name);
	return 0;
}

/* Appends {a="v",...}; label names are trusted, values escaped; a NULL
 * value is written as "". */
static void put_labels(struct expo *w, const char *const *names,
		       const char *const *values, int n)
{
	put(w, "{", 1);
	for (int i = 0; i < n; i++) {
		if (i)
			put(w, ",", 1);
		put_str(w, names[i]);
		put(w, "=\"", 2);
		put_escaped(w, values[i] ? values[i] : "", LABEL_SPECIAL);
		put(w, "\"", 1);
	}
	put(w, "}", 1);
}

/* Writes one sample line; does nothing when no family is current. */
void expo_sample(struct expo *w, const char *const *names,
		 const char *const *values, int n, double value)
{
	if (!w->cur_len)
		return;
	put_family_name(w);
	if (n > 0)
		put_labels(w, names, values, n);
	put(w, " ", 1);
	put_value(w, value);
	put(w, "\n", 1);
}

/* expo_sample with zero or one label. */
void expo_sample1(struct expo *w, const char *name, const char *value,
		  double value_)
{
	if (name)
		expo_sample(w, &name, &value, 1, value_);
	else
		expo_sample(w, NULL, NULL, 0, value_);
}

/* Drops everything written after offset mark, families included. */
static void rollback(struct expo *w, size_t mark)
{
	size_t kept = 0;

	for (size_t i = 0; i < w->nfams; i++) {
		if (w->fams[i] < mark)
			w->fams[kept++] = w->fams[i];
	}
	w->nfams = kept;
	w->len = mark;
	if (w->buf)
		w->buf[mark] = '\0';
	w->cur_len = 0;
	w->nomem = false;
}

/* A collector that fails (or runs out of memory) leaves nothing behind:
 * its output is rolled back, so the text never holds half a collector. */
int expo_collect(struct expo *w, const struct collector *table, int n)
{
	int failed = 0;
	size_t mark;

	expo_reset(w);
	for (int i = 0; i < n; i++) {
		mark = w->len;
		w->cur_len = 0;
		errno = 0;
		if (!table[i].collect(table[i].ctx, w) && !w->nomem)
			continue;
		log_msg(LOG_WARN, "collector failed", "collector", table[i].name,
			"err", strerror(w->nomem ? ENOMEM : errno), NULL);
		rollback(w, mark);
		failed++;
	}
	w->cur_len = 0;
	return failed;
}

/* The text so far, owned by w and valid until its next write; never NULL. */
const char *expo_text(const struct expo *w)
{
	return w->buf ? w->buf : "";
}

/* The length of the text, without the NUL. */
size_t expo_len(const struct expo *w)
{
	return w->len;
}

/* Hands the text over to the caller, who must free() it, and leaves w
 * reset and empty. NULL with ENOMEM when there is nothing to hand over
 * and an empty string cannot be allocated. */
char *expo_detach(struct expo *w, size_t *len)
{
	char *text = w->buf;

	*len = w->len;
	if (!text)
		text = calloc(1, 1);
	w->buf = NULL;
	w->cap = 0;
	expo_reset(w);
	return text;
}
