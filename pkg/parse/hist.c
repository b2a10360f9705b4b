/* hist: the text of a kernel hist trigger (probes with mode: hist) read
 * into series with the probe's own labels, so they render like counted ones.
 *
 * The kernel (kernel/trace/trace_events_hist.c, hist_trigger_show) prints
 * comment lines, one line per entry, then the totals:
 *   # event histogram
 *   # trigger info: hist:keys=reason,location,name:vals=hitcount:...
 *   #
 *
 *   { reason:          2, location: 18446744072485587682, name: lo<pad> } hitcount:         50
 *
 *   Totals:
 *       Hits: 50
 *       Entries: 1
 *       Dropped: 0
 * Keys come in the trigger's order (the probe's labels; common_type for a
 * probe without any): a number as "%10llu", a string as "%-50s". A string
 * is copied whole into the kernel's key, NUL excepted, so it may hold
 * "} hitcount:", ", name: " or a newline (a file or a task named so), and
 * it may be longer than 50 (up to its field's size, at most 255 bytes):
 * where it ends is then not written down. Read naively, such a string
 * forges counts, swaps labels or hides the entries after it.
 *
 * So nothing here looks for a delimiter. Every way of reading the entries
 * that the format allows is found: from each position where an entry may
 * start, every way its keys, each of its known kind and width, and its
 * hitcount can follow one another to the end of a line. These readings
 * form a graph from the first entry to the totals. The kernel's own
 * reading is one path through it with exactly "Entries" entries, and no
 * path has more unless a string imitates an entry boundary (a reading that
 * joins two real entries into one string has fewer). An entry is believed
 * only when every path with the most entries, if that is "Entries", or
 * else every path at all, passes through it and it reads one way only.
 * Any other entry is not believed: its hits are only in the probe's total
 * (Hits), in no series. A reading too costly to enumerate (a crafted file)
 * believes no entry. Scrape side only; nothing here is shared.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse/labels.h"
#include "parse/parse.h"

#define HIST_STR_WIDTH 50	/* "%-50s" */
#define HIST_STR_MAX 255	/* MAX_FILTER_STR_VAL less its NUL */
#define HIST_NUM_WIDTH 10	/* "%10llu" */
#define HIST_NUM_DIGITS 20
#define HIST_STEPS_MAX 20000	/* values tried from one entry start */

struct hist_key {
	const char *name;
	size_t len;
	int max;		/* longest string; 0 for a number */
	const struct label *label;	/* NULL for common_type */
};

/* One way to read one entry: text[u, v), v just past its newline. */
struct hist_edge {
	size_t u, v;
	int ways;		/* readings of the same span, at most 2 */
	bool chosen;
};

struct hist_scan {
	const char *text;
	size_t end;		/* where the totals start */
	int nkeys;
	struct hist_key keys[CONFIG_MAX_LABELS];
	size_t from;		/* the entry start being read */
	long steps;
	bool stop;		/* too costly, or the replayed entry found */
	bool too_costly, nomem, found;
	struct hist_edge *edges;
	size_t nedges, cap;
	size_t target;		/* replay: the end of the believed entry */
	struct series_key key;
	uint64_t count;
	bool no_room;		/* replay: a value the string table refused */
	uint64_t refused;	/* hits of believed entries without a series */
};

/* The position after the literal s at pos, or 0 when it is not there. */
static size_t lit(const struct hist_scan *s, size_t pos, const char *lit,
		  size_t len)
{
	return pos + len <= s->end && !memcmp(s->text + pos, lit, len) ?
	       pos + len : 0;
}

/* The width of a "%10llu" number at pos, its digits at *digits; 0 when
 * there is none, or it is padded otherwise. */
static size_t number(const struct hist_scan *s, size_t pos, size_t *digits)
{
	const char *t = s->text;
	size_t sp = 0, d = 0;

	while (pos + sp < s->end && t[pos + sp] == ' ')
		sp++;
	while (pos + sp + d < s->end && isdigit((unsigned char)t[pos + sp + d]))
		d++;
	if (!d || d > HIST_NUM_DIGITS ||
	    sp != (d < HIST_NUM_WIDTH ? HIST_NUM_WIDTH - d : 0))
		return 0;
	*digits = pos + sp;
	return sp + d;
}

/* Records one reading of the entry at s->from ending at v. */
static void edge_add(struct hist_scan *s, size_t v)
{
	struct hist_edge *e;

	for (size_t i = s->nedges; i > 0 && s->edges[i - 1].u == s->from; i--)
		if (s->edges[i - 1].v == v) {
			s->edges[i - 1].ways = 2;
			return;
		}
	if (s->nedges == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;

		e = realloc(s->edges, cap * sizeof(*e));
		if (!e) {
			s->nomem = s->stop = true;
			return;
		}
		s->edges = e;
		s->cap = cap;
	}
	s->edges[s->nedges++] = (struct hist_edge){ s->from, v, 1, false };
}

/* An entry read to its end at v, its hitcount's digits at digits. */
static void entry_end(struct hist_scan *s, size_t v, size_t digits)
{
	if (!s->target) {
		edge_add(s, v);
	} else if (v == s->target) {
		s->count = strtoull(s->text + digits, NULL, 10);
		s->found = s->stop = true;
	}
}

/* Key k's value text[pos, pos + len), kept when replaying an entry. */
static void value_set(struct hist_scan *s, int k, size_t pos, size_t len)
{
	if (s->target && s->keys[k].label &&
	    label_from_text(s->keys[k].label, s->text + pos, len, &s->key, k))
		s->no_room = true;
}

static void walk_value(struct hist_scan *s, int k, size_t pos);

/* Key k at pos: "{ " or ", ", its name, ": ", then its value. */
static void walk_key(struct hist_scan *s, int k, size_t pos)
{
	const struct hist_key *key = &s->keys[k];

	pos = lit(s, pos, k ? ", " : "{ ", 2);
	pos = pos ? lit(s, pos, key->name, key->len) : 0;
	pos = pos ? lit(s, pos, ": ", 2) : 0;
	if (pos)
		walk_value(s, k, pos);
}

/* After key k's value, at pos: the next key, or the hitcount and the
 * newline that end the entry. */
static void walk_after(struct hist_scan *s, int k, size_t pos)
{
	size_t digits = 0, w;

	if (k + 1 < s->nkeys) {
		walk_key(s, k + 1, pos);
		return;
	}
	pos = lit(s, pos, " } hitcount: ", 13);
	w = pos ? number(s, pos, &digits) : 0;
	if (w && lit(s, pos + w, "\n", 1))
		entry_end(s, pos + w + 1, digits);
}

/* Every width a string of key k at pos may have: 50, padded with spaces,
 * or its own length up to key->max when longer. */
static void walk_string(struct hist_scan *s, int k, size_t pos)
{
	const char *next = k + 1 < s->nkeys ? ", " : " }";
	size_t w, len, max = s->keys[k].max;

	for (w = HIST_STR_WIDTH; !s->stop && (w == HIST_STR_WIDTH || w <= max);
	     w++) {
		if (!lit(s, pos + w, next, 2))
			continue;
		for (len = w; w == HIST_STR_WIDTH && len &&
		     s->text[pos + len - 1] == ' '; len--)
			;	/* the padding */
		if (len > max)
			continue;	/* longer than its field */
		value_set(s, k, pos, len);
		walk_after(s, k, pos + w);
	}
}

static void walk_value(struct hist_scan *s, int k, size_t pos)
{
	size_t digits = 0, w;

	if (s->stop)
		return;
	if (++s->steps > HIST_STEPS_MAX) {
		s->too_costly = s->stop = true;
		return;
	}
	if (s->keys[k].max) {
		walk_string(s, k, pos);
		return;
	}
	w = number(s, pos, &digits);
	if (!w)
		return;
	value_set(s, k, digits, pos + w - digits);
	walk_after(s, k, pos + w);
}

/* Reads one "    NAME N\n" line of the totals at *pos into *v. */
static int total_line(const char **pos, const char *name, uint64_t *v)
{
	size_t len = strlen(name), d;

	if (strncmp(*pos, name, len))
		return -1;
	*pos += len;
	d = strspn(*pos, "0123456789");
	if (!d || d > HIST_NUM_DIGITS || (*pos)[d] != '\n')
		return -1;
	*v = strtoull(*pos, NULL, 10);
	*pos += d + 1;
	return 0;
}

/* The totals that end text: their start (the blank line before "Totals:")
 * to *at, Hits and Dropped into *t, Entries into *entries. -1 when text
 * does not end with them. The last "\nTotals:\n" is the kernel's: no key
 * follows it. */
static int read_totals(const char *text, size_t *at, struct hist_totals *t,
		       uint64_t *entries)
{
	const char *tot = NULL, *pos;

	for (pos = strstr(text, "\nTotals:\n"); pos;
	     pos = strstr(pos + 1, "\nTotals:\n"))
		tot = pos;
	if (!tot)
		return -1;
	pos = tot + strlen("\nTotals:\n");
	if (total_line(&pos, "    Hits: ", &t->hits) ||
	    total_line(&pos, "    Entries: ", entries) ||
	    total_line(&pos, "    Dropped: ", &t->dropped) || *pos)
		return -1;
	*at = tot - text;
	return 0;
}

/* Where the entries start: after the "#" lines and the blank line. */
static size_t header_end(const char *text, size_t end)
{
	size_t pos = 0;
	const char *nl;

	while (pos < end && text[pos] == '#') {
		nl = memchr(text + pos, '\n', end - pos);
		pos = nl ? (size_t)(nl - text) + 1 : end;
	}
	return pos < end && text[pos] == '\n' ? pos + 1 : pos;
}

/* The keys of probe's trigger, in its order, with their kinds. */
static void scan_keys(struct hist_scan *s, const struct parser *p, int probe,
		      const struct probe_spec *spec)
{
	static const struct hist_key type = { "common_type", 11, 0, NULL };

	s->nkeys = spec->nlabels ? spec->nlabels : 1;
	s->keys[0] = type;
	for (int l = 0; l < spec->nlabels; l++) {
		const struct label *lb = parser_label(p, probe, l);
		struct hist_key *k = &s->keys[l];

		k->name = spec->labels[l];
		k->len = strlen(k->name);
		k->label = lb;
		k->max = lb->kind == LBL_STR ?
			 (lb->size < HIST_STR_MAX ? lb->size : HIST_STR_MAX) :
			 lb->kind == LBL_DATALOC || lb->kind == LBL_RELLOC ?
			 HIST_STR_MAX : 0;
	}
}

/* Every reading of every entry reachable from start, as edges sorted by
 * their start. -1 on allocation failure. */
static int scan_edges(struct hist_scan *s, size_t start)
{
	size_t n = s->end - start + 1;
	unsigned char *reach = calloc(n, 1);

	if (!reach)
		return -1;
	reach[0] = 1;
	for (size_t pos = start, i = 0; pos < s->end && !s->stop; pos++) {
		if (!reach[pos - start])
			continue;
		s->from = pos;
		s->steps = 0;
		walk_key(s, 0, pos);
		for (; i < s->nedges; i++)
			reach[s->edges[i].v - start] = 1;
	}
	free(reach);
	return s->nomem ? -1 : 0;
}

/* Marks chosen the edges on some path from start to the totals. -1 on
 * allocation failure. */
static int choose_useful(struct hist_scan *s, size_t start)
{
	unsigned char *coreach = calloc(s->end - start + 1, 1);

	if (!coreach)
		return -1;
	coreach[s->end - start] = 1;
	for (size_t i = s->nedges; i-- > 0;) {
		struct hist_edge *e = &s->edges[i];

		e->chosen = coreach[e->v - start];
		if (e->chosen)
			coreach[e->u - start] = 1;
	}
	free(coreach);
	return 0;
}

/* The index of position pos among the sorted nodes, or -1. */
static long node_at(const size_t *nodes, size_t n, size_t pos)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (nodes[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && nodes[lo] == pos ? (long)lo : -1;
}

/* The entry starts of the chosen edges and the totals' start, sorted. */
static size_t *chosen_nodes(const struct hist_scan *s, size_t *n)
{
	size_t *nodes = malloc((s->nedges + 1) * sizeof(*nodes));

	*n = 0;
	for (size_t i = 0; nodes && i < s->nedges; i++)
		if (s->edges[i].chosen && (!*n || nodes[*n - 1] != s->edges[i].u))
			nodes[(*n)++] = s->edges[i].u;
	if (nodes)
		nodes[(*n)++] = s->end;
	return nodes;
}

/* Most entries on a chosen path from start to each node (fwd) and from
 * each node to the totals (bwd); -1 where there is none. */
static void longest_paths(const struct hist_scan *s, const size_t *nodes,
			  size_t n, size_t start, long *fwd, long *bwd)
{
	long u, v;

	for (size_t i = 0; i < n; i++)
		fwd[i] = bwd[i] = -1;
	if ((u = node_at(nodes, n, start)) >= 0)
		fwd[u] = 0;
	bwd[n - 1] = 0;
	for (size_t i = 0; i < s->nedges; i++) {
		const struct hist_edge *e = &s->edges[i];

		u = node_at(nodes, n, e->u);
		v = node_at(nodes, n, e->v);
		if (e->chosen && fwd[u] >= 0 && fwd[u] + 1 > fwd[v])
			fwd[v] = fwd[u] + 1;
	}
	for (size_t i = s->nedges; i-- > 0;) {
		const struct hist_edge *e = &s->edges[i];

		u = node_at(nodes, n, e->u);
		v = node_at(nodes, n, e->v);
		if (e->chosen && bwd[v] >= 0 && bwd[v] + 1 > bwd[u])
			bwd[u] = bwd[v] + 1;
	}
}

/* When the longest readings have exactly the kernel's number of entries,
 * keeps chosen only the edges on one of them. -1 on allocation failure. */
static int choose_longest(struct hist_scan *s, size_t start, uint64_t entries)
{
	size_t n, *nodes = chosen_nodes(s, &n);
	long *fwd = nodes ? malloc(2 * n * sizeof(*fwd)) : NULL, *bwd;
	int ret = fwd ? 0 : -1;

	if (fwd) {
		bwd = fwd + n;
		longest_paths(s, nodes, n, start, fwd, bwd);
		for (size_t i = 0; fwd[n - 1] == (long)entries && i < s->nedges;
		     i++) {
			struct hist_edge *e = &s->edges[i];
			long u = node_at(nodes, n, e->u);

			e->chosen = e->chosen && fwd[u] >= 0 &&
				    fwd[u] + 1 + bwd[node_at(nodes, n, e->v)] ==
				    (long)entries;
		}
	}
	free(fwd);
	free(nodes);
	return ret;
}

/* Reads the believed entry text[u, v) again, now keeping its labels, and
 * hands it to fn (when the probe has labels), or counts its hits in
 * s->refused when the string table had no room for one of its values. */
static void replay(struct hist_scan *s, const struct hist_edge *e,
		   hist_fn fn, void *ctx)
{
	s->from = e->u;
	s->target = e->v;
	s->stop = s->found = s->no_room = false;
	s->steps = 0;
	memset(&s->key, 0, sizeof(s->key));
	walk_key(s, 0, e->u);
	if (s->found && s->no_room)
		s->refused += s->count;
	else if (s->found && s->keys[0].label)
		fn(&s->key, s->count, ctx);
}

/* Hands fn every chosen edge that every chosen path goes through: its start
 * lies inside no chosen edge and it is the only chosen edge from there.
 * Returns how many. */
static int believe(struct hist_scan *s, hist_fn fn, void *ctx)
{
	size_t i = 0, j, reach = 0;	/* furthest end of an earlier edge */
	int n = 0, out;

	while (i < s->nedges) {
		for (j = i, out = 0; j < s->nedges && s->edges[j].u == s->edges[i].u;
		     j++)
			out += s->edges[j].chosen;
		for (size_t k = i; out == 1 && reach <= s->edges[i].u && k < j;
		     k++)
			if (s->edges[k].chosen && s->edges[k].ways == 1) {
				replay(s, &s->edges[k], fn, ctx);
				n += s->found;
			}
		for (; i < j; i++)
			if (s->edges[i].chosen && s->edges[i].v > reach)
				reach = s->edges[i].v;
	}
	return n;
}

int parser_hist_parse(const struct parser *p, int probe,
		      const struct probe_spec *spec, const char *text,
		      hist_fn fn, void *ctx, struct hist_totals *t)
{
	struct hist_scan s = { .text = text };
	uint64_t entries;
	size_t start;
	int n = 0;

	if (read_totals(text, &s.end, t, &entries))
		return -1;
	scan_keys(&s, p, probe, spec);
	start = header_end(text, s.end);
	if (scan_edges(&s, start) || choose_useful(&s, start) ||
	    choose_longest(&s, start, entries))
		n = -1;
	else if (!s.too_costly)
		n = believe(&s, fn, ctx);
	t->dropped += s.refused;
	free(s.edges);
	return n;
}
