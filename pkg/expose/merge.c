/* merge: see merge.h. Series are kept in an array (first-seen order) and
 * indexed by an open-addressing table of their positions. Values are keyed
 * as the exposition writes them (utf8.h), so two raw values that differ
 * only in bytes it replaces are one series, never two equal lines. */
#include "expose/merge.h"
#include "expose/utf8.h"

#include <stdlib.h>
#include <string.h>

struct row {
	char **values;
	uint64_t count;
	uint32_t hash;
};

struct merge {
	int nvalues, n, cap;
	struct row *rows;
	int *index;		/* [cap * 2]: row + 1, 0 empty */
	const char **clean;	/* [nvalues]: the values merge_add keys by */
	char **fixed;		/* [nvalues]: copies made valid UTF-8 */
};

struct merge *merge_new(int nvalues)
{
	struct merge *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->nvalues = nvalues;
	m->clean = calloc(nvalues + 1, sizeof(*m->clean));
	m->fixed = calloc(nvalues + 1, sizeof(*m->fixed));
	if (m->clean && m->fixed)
		return m;
	merge_free(m);
	return NULL;
}

void merge_free(struct merge *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++) {
		for (int v = 0; v < m->nvalues; v++)
			free(m->rows[i].values[v]);
		free(m->rows[i].values);
	}
	for (int v = 0; m->fixed && v < m->nvalues; v++)
		free(m->fixed[v]);
	free(m->fixed);
	free(m->clean);
	free(m->rows);
	free(m->index);
	free(m);
}

static uint32_t values_hash(const char *const *values, int n)
{
	uint32_t h = 2166136261u;

	for (int v = 0; v < n; v++) {
		for (const char *p = values[v]; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		h = (h ^ 0xff) * 16777619u;
	}
	return h;
}

static int values_equal(char *const *a, const char *const *b, int n)
{
	for (int v = 0; v < n; v++)
		if (strcmp(a[v], b[v]))
			return 0;
	return 1;
}

static void index_put(struct merge *m, int row)
{
	uint32_t mask = 2 * m->cap - 1;

	for (uint32_t i = m->rows[row].hash;; i++) {
		if (!m->index[i & mask]) {
			m->index[i & mask] = row + 1;
			return;
		}
	}
}

static int grow(struct merge *m)
{
	int cap = m->cap ? 2 * m->cap : 64;
	struct row *rows = realloc(m->rows, cap * sizeof(*rows));
	int *index;

	if (!rows)
		return -1;
	m->rows = rows;
	index = calloc(2 * cap, sizeof(*index));
	if (!index)
		return -1;	/* the old index still serves the old cap */
	free(m->index);
	m->index = index;
	m->cap = cap;
	for (int i = 0; i < m->n; i++)
		index_put(m, i);
	return 0;
}

static int row_new(struct merge *m, const char *const *values, uint32_t h,
		   uint64_t count)
{
	struct row *r;

	if (m->n == m->cap && grow(m))
		return -1;
	r = &m->rows[m->n];
	r->values = calloc(m->nvalues + 1, sizeof(*r->values));
	if (!r->values)
		return -1;
	for (int v = 0; v < m->nvalues; v++)
		if (!(r->values[v] = strdup(values[v])))
			goto err_values;
	r->hash = h;
	r->count = count;
	index_put(m, m->n++);
	return 0;
err_values:
	for (int v = 0; v < m->nvalues; v++)
		free(r->values[v]);
	free(r->values);
	return -1;
}

/* Points m->clean at values as they are written: each value, or a copy
 * made valid in m->fixed. -1 on allocation failure. */
static int values_clean(struct merge *m, const char *const *values)
{
	for (int v = 0; v < m->nvalues; v++) {
		m->clean[v] = values[v];
		if (utf8_valid(values[v]))
			continue;
		free(m->fixed[v]);
		m->fixed[v] = utf8_valid_dup(values[v]);
		if (!m->fixed[v])
			return -1;
		m->clean[v] = m->fixed[v];
	}
	return 0;
}

int merge_add(struct merge *m, const char *const *raw, uint64_t count)
{
	const char *const *values = m->clean;
	uint32_t h, mask = 2 * m->cap - 1;

	if (values_clean(m, raw))
		return -1;
	h = values_hash(values, m->nvalues);

	for (uint32_t i = h; m->cap; i++) {
		int row = m->index[i & mask] - 1;

		if (row < 0)
			break;
		if (m->rows[row].hash == h &&
		    values_equal(m->rows[row].values, values, m->nvalues)) {
			m->rows[row].count += count;
			return 0;
		}
	}
	return row_new(m, values, h, count);
}

int merge_count(const struct merge *m)
{
	return m->n;
}

const char *const *merge_values(const struct merge *m, int i, uint64_t *count)
{
	*count = m->rows[i].count;
	return (const char *const *)m->rows[i].values;
}
