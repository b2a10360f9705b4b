/* sample: the current cumulative input of every cause, read from the
 * counters. Reason codes are attributed through a per-code cache filled on
 * first sight from the kernel's enum names, so a snapshot costs one walk of
 * the causes probe's series and no string work. */
#include "causes/causes_int.h"

#include <string.h>

int cause_index(const struct causes *c, const char *name)
{
	for (int i = 0; i < c->ncauses; i++)
		if (!strcmp(c->names[i], name))
			return i;
	return c->other;
}

/* The cause a reason name is mapped to by causes.classes, or other. */
static int class_of(const struct causes *c, const char *reason)
{
	const struct cause_class *k = reason ? config_class_of(c->cfg, reason)
					     : NULL;

	return k ? cause_index(c, k->cause) : c->other;
}

/* The cause of a raw reason code; unknown codes and unmapped names are
 * other. Fills the cache on first sight of a small code. */
static int code_cause(struct causes *c, uint64_t code)
{
	const char *name;
	int cause;

	if (code < CAUSES_CODE_CACHE && c->code_cause[code] >= 0)
		return c->code_cause[code];
	name = parser_enum_name(c->parser, c->reason_probe, c->reason_label,
				code);
	cause = class_of(c, name);
	if (code < CAUSES_CODE_CACHE)
		c->code_cause[code] = cause;
	return cause;
}

/* Marks every cached code as not looked up (-1). */
void causes_cache_reset(struct causes *c)
{
	memset(c->code_cause, 0xff, sizeof(c->code_cause));
}

/* metrics_series_foreach callback: one series into its cause. */
static void add_series(const struct series_key *k, uint64_t count, void *arg)
{
	struct causes *c = arg;

	c->scratch[code_cause(c, k->v[c->reason_label].num)].plus += count;
}

/* Series of the causes probe by reason; series over the cardinality cap
 * have no key and count as other, so no drop is lost. */
static void sample_reasons(struct causes *c)
{
	if (c->reason_probe < 0)
		return;
	metrics_series_foreach(c->metrics, c->reason_probe, add_series, c);
	c->scratch[c->other].plus +=
		metrics_series_dropped(c->metrics, c->reason_probe);
}

/* Cumulative hits of every usable heuristic's probes. */
static void sample_rules(struct causes *c)
{
	for (int i = 0; i < c->nrules; i++) {
		const struct causes_rule *r = &c->rules[i];

		c->scratch[r->cause].plus += metrics_hits(c->metrics, r->probe);
		if (r->minus >= 0)
			c->scratch[r->cause].minus +=
				metrics_hits(c->metrics, r->minus);
	}
}

/* Overwrites c->scratch; the caller holds the lock. */
void causes_sample(struct causes *c)
{
	memset(c->scratch, 0, c->ncauses * sizeof(*c->scratch));
	sample_reasons(c);
	sample_rules(c);
}

/* The kernel's enum ends with a MAX marker that is no reason. */
static bool is_reason(const char *name)
{
	return strcmp(name, "MAX") != 0;
}

/* One line: the reasons class_of() would send to other, and how many of
 * the kernel's reasons they are. */
void causes_check_reasons(const struct config *cfg, const struct parser *p,
			  FILE *errs)
{
	int probe = config_reason_probe(cfg), label = config_reason_label(cfg);
	int n = probe < 0 ? 0 : parser_enum_count(p, probe, label);
	int real = 0, unmapped = 0;

	for (int i = 0; i < n; i++) {
		const char *name = parser_enum_at(p, probe, label, i);

		if (!is_reason(name))
			continue;
		real++;
		if (config_class_of(cfg, name))
			continue;
		if (!unmapped++)
			fprintf(errs, "%s: warning: drop reasons of this kernel "
				"not named in causes.classes (they count as "
				"cause other):", config_path(cfg));
		fprintf(errs, " %s", name);
	}
	if (unmapped)
		fprintf(errs, " (%d of %d)\n", unmapped, real);
}
