/* hist: the text of a kernel hist trigger (probes with mode: hist) read
 * into series with the probe's own labels, so they render like counted ones.
 *
 * The kernel prints one line per entry, keys in the trigger's order (the
 * probe's labels; common_type for a probe without any), numbers in decimal,
 * strings padded with spaces, then the totals:
 *   { reason:          2, location: 18446744072485587682 } hitcount:     50
 *   Totals:
 *       Hits: 50
 *       Dropped: 0
 */
#include <stdlib.h>
#include <string.h>

#include "parse/labels.h"
#include "parse/parse.h"

/* Where the value of key name starts in [s, end): after "name: " that
 * follows "{ " or ", ". NULL when absent. */
static const char *key_value(const char *s, const char *end, const char *name)
{
	size_t len = strlen(name);

	for (const char *k = s; (k = strstr(k, name)) && k < end; k += len)
		if (k - s >= 2 && k[-1] == ' ' &&
		    (k[-2] == '{' || k[-2] == ',') &&
		    k[len] == ':' && k[len + 1] == ' ')
			return k + len + 2;
	return NULL;
}

/* [*v, *e) without the padding on either side. */
static void trim(const char **v, const char **e)
{
	while (*v < *e && **v == ' ')
		(*v)++;
	while (*e > *v && (*e)[-1] == ' ')
		(*e)--;
}

/* One entry line into key and *count; -1 when it is malformed, 1 when a
 * string value is refused (the label string table is full). */
static int parse_entry(const struct parser *p, int probe,
		       const struct probe_spec *spec, const char *line,
		       struct series_key *key, uint64_t *count)
{
	const char *end = strstr(line, "} hitcount:"), *nl = strchr(line, '\n');
	const char *v, *e;

	if (!end || (nl && end > nl))
		return -1;
	*count = strtoull(end + strlen("} hitcount:"), NULL, 10);
	memset(key, 0, sizeof(*key));
	for (int l = 0; l < spec->nlabels; l++) {
		v = key_value(line, end, spec->labels[l]);
		if (!v)
			return -1;
		e = l + 1 < spec->nlabels ?
		    key_value(v, end, spec->labels[l + 1]) : end;
		if (!e)
			return -1;
		if (l + 1 < spec->nlabels)	/* back over ", next: " */
			e -= strlen(spec->labels[l + 1]) + 4;
		trim(&v, &e);
		if (label_from_text(parser_label(p, probe, l), v, e - v, key,
				    l))
			return 1;
	}
	return 0;
}

/* The number after "name:" in the totals, or 0. */
static uint64_t total(const char *text, const char *name)
{
	const char *t = strstr(text, "\nTotals:");

	t = t ? strstr(t, name) : NULL;
	return t ? strtoull(t + strlen(name), NULL, 10) : 0;
}

int parser_hist_parse(const struct parser *p, int probe,
		      const struct probe_spec *spec, const char *text,
		      hist_fn fn, void *ctx, struct hist_totals *t)
{
	struct series_key key;
	uint64_t count, refused = 0;
	int n = 0, r;

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (*line != '{')
			continue;
		r = parse_entry(p, probe, spec, line, &key, &count);
		if (r < 0)
			return -1;
		if (r)
			refused += count;
		else if (spec->nlabels)
			fn(&key, count, ctx);
		n++;
	}
	t->hits = total(text, "Hits:");
	t->dropped = total(text, "Dropped:") + refused;
	return n;
}
