/* samples: a /metrics text (exposition format 0.0.4) parsed into samples,
 * and the difference of two of them. The text is copied once and cut in
 * place: names and unescaped label values point into the copy. */
#include "diagnose/diagnose_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct diag_samples {
	char *text;
	struct diag_sample *v;
	int n, cap;
};

/* Unescapes the quoted value at *p (after its opening quote) in place up
 * to its closing quote, which is left past; NULL when it is unterminated. */
static char *cut_value(char **p)
{
	char *r = *p, *w = *p, *start = *p;

	for (; *r && *r != '"'; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 'n' ? '\n' : *r;
		} else {
			*w++ = *r;
		}
	}
	if (*r != '"')
		return NULL;
	*w = '\0';
	*p = r + 1;
	return start;
}

/* Parses the label set at *p (after '{') into x up to its '}'. -1 when
 * malformed or with too many labels. */
static int cut_labels(char **p, struct diag_sample *x)
{
	char *s = *p;

	while (*s != '}') {
		char *eq = strchr(s, '=');

		if (!eq || eq[1] != '"' || x->nlabels == DIAG_MAX_LABELS)
			return -1;
		*eq = '\0';
		x->lname[x->nlabels] = s;
		s = eq + 2;
		x->lvalue[x->nlabels] = cut_value(&s);
		if (!x->lvalue[x->nlabels++])
			return -1;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return -1;
	}
	*p = s + 1;
	return 0;
}

/* One sample line (NUL-terminated, not a comment) into x. -1 when it is
 * no sample. */
static int cut_line(char *line, struct diag_sample *x)
{
	char *p = line + strcspn(line, "{ "), *end;

	*x = (struct diag_sample){ .name = line };
	if (*p == '{') {
		*p++ = '\0';
		if (cut_labels(&p, x))
			return -1;
	} else if (*p) {
		*p++ = '\0';
	}
	while (*p == ' ')
		p++;
	x->value = strtod(p, &end);
	return end == p || !*x->name ? -1 : 0;
}

/* Appends x; -1 on ENOMEM. */
static int push(struct diag_samples *s, const struct diag_sample *x)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 256;
		struct diag_sample *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *x;
	return 0;
}

/* See diagnose_int.h: every line, comments and blank ones skipped. */
struct diag_samples *diag_samples_parse(const char *text)
{
	struct diag_samples *s = calloc(1, sizeof(*s));
	char *line, *next;
	struct diag_sample x;

	if (!s || !(s->text = strdup(text)))
		goto err_free;
	for (line = s->text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		if (cut_line(line, &x)) {
			errno = EINVAL;
			goto err_free;
		}
		if (push(s, &x))
			goto err_free;
	}
	return s;
err_free:
	diag_samples_free(s);
	return NULL;
}

/* NULL is a no-op. */
void diag_samples_free(struct diag_samples *s)
{
	if (!s)
		return;
	free(s->text);
	free(s->v);
	free(s);
}

/* Accessors: see diagnose_int.h. Samples live as long as s. */
int diag_samples_count(const struct diag_samples *s)
{
	return s->n;
}

const struct diag_sample *diag_samples_at(const struct diag_samples *s,
					  int i)
{
	return &s->v[i];
}

const char *diag_sample_label(const struct diag_sample *x, const char *name)
{
	for (int i = 0; i < x->nlabels; i++)
		if (!strcmp(x->lname[i], name))
			return x->lvalue[i];
	return NULL;
}

/* True when a and b are one series: same name, same label pairs. */
static bool same_series(const struct diag_sample *a,
			const struct diag_sample *b)
{
	if (strcmp(a->name, b->name) || a->nlabels != b->nlabels)
		return false;
	for (int i = 0; i < a->nlabels; i++) {
		const char *v = diag_sample_label(b, a->lname[i]);

		if (!v || strcmp(v, a->lvalue[i]))
			return false;
	}
	return true;
}

/* A linear search: a diagnosis runs it once per series of the end text. */
const struct diag_sample *diag_samples_find(const struct diag_samples *s,
					    const struct diag_sample *x)
{
	for (int i = 0; i < s->n; i++)
		if (same_series(&s->v[i], x))
			return &s->v[i];
	return NULL;
}

/* name{label="value"} looked up as a one-label sample. */
double diag_samples_value(const struct diag_samples *s, const char *name,
			  const char *label, const char *value)
{
	struct diag_sample x = { .name = name, .nlabels = label ? 1 : 0,
				 .lname = { label }, .lvalue = { value } };
	const struct diag_sample *y = diag_samples_find(s, &x);

	return y ? y->value : 0;
}

/* end - start, or end after a restart (see diagnose_int.h). */
double diag_delta(const struct diag_samples *start,
		  const struct diag_sample *x)
{
	const struct diag_sample *y = diag_samples_find(start, x);

	if (!y || y->value > x->value)
		return x->value;
	return x->value - y->value;
}

/* Every sample called name, whatever its labels. */
double diag_samples_sum(const struct diag_samples *s, const char *name)
{
	double sum = 0;

	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			sum += s->v[i].value;
	return sum;
}
