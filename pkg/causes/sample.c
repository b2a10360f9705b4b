/* sample: the current cumulative input of every cause, read from the
 * counters. Reason codes are attributed through a per-code cache filled on
 * first sight from the kernel's enum names, drop addresses through a
 * per-address cache (locations.c), so a snapshot costs one walk of the
 * causes probe's series and no string work. */
#include "causes/causes_int.h"

#include <string.h>

int cause_index(const struct causes *c, const char *name)
{
	for (int i = 0; i < c->ncauses; i++)
		if (!strcmp(c->names[i], name))
			return i;
	return c->other;
}

/* The marker causes_reason_cause() returns for "classify by location". */
const char causes_by_location[] = "(by location)";

/* The one place of the rule (causes.h): the cause causes.classes gives
 * reason; for a drop without a reason or with NOT_SPECIFIED,
 * causes_by_location when locations classify; else other. */
const char *causes_reason_cause(const struct config *cfg, const char *reason,
				bool locations)
{
	const struct cause_class *k = reason ? config_class_of(cfg, reason)
					     : NULL;

	if (k)
		return k->cause;
	if (locations && (!reason || !strcmp(reason, CAUSES_UNSPECIFIED)))
		return causes_by_location;
	return CAUSES_OTHER;
}

/* The cause causes.locations gives the function a location label names,
 * else other. */
const char *causes_location_cause(const struct config *cfg,
				  const char *function)
{
	const struct cause_location *l = config_location_of(cfg, function);

	return l ? l->cause : CAUSES_OTHER;
}

/* See causes.h: the ticker's rule, applied to label values as /metrics
 * shows them. */
const char *causes_cause_of(const struct config *cfg, const char *reason,
			    const char *location)
{
	const char *cause = causes_reason_cause(cfg, reason, location != NULL);

	if (cause == causes_by_location)
		return causes_location_cause(cfg, location);
	return cause;
}

/* The index of the cause of a reason name (an unknown code: NULL, other),
 * or CAUSE_BY_LOCATION. */
static int class_of(const struct causes *c, const char *reason)
{
	const char *cause;

	if (!reason)
		return c->other;
	cause = causes_reason_cause(c->cfg, reason, c->location_label >= 0);
	if (cause == causes_by_location)
		return CAUSE_BY_LOCATION;
	return cause_index(c, cause);
}

/* The cause of a raw reason code; unknown codes and unmapped names are
 * other. Fills the cache on first sight of a small code. */
static int code_cause(struct causes *c, uint64_t code)
{
	const char *name;
	int cause;

	if (code < CAUSES_CODE_CACHE && c->code_cause[code] != CAUSE_UNKNOWN)
		return c->code_cause[code];
	name = parser_enum_name(c->parser, c->drops_probe, c->reason_label,
				code);
	cause = class_of(c, name);
	if (code < CAUSES_CODE_CACHE)
		c->code_cause[code] = cause;
	return cause;
}

/* Marks every cached code as not looked up (CAUSE_UNKNOWN, -1). */
void causes_cache_reset(struct causes *c)
{
	memset(c->code_cause, 0xff, sizeof(c->code_cause));
}

/* metrics_series_foreach callback: one series into its cause, by reason
 * where the kernel gives one, else by location. */
static void add_series(const struct series_key *k, uint64_t count, void *arg)
{
	struct causes *c = arg;
	int cause = CAUSE_BY_LOCATION;

	if (c->reason_label >= 0)
		cause = code_cause(c, k->v[c->reason_label].num);
	if (cause == CAUSE_BY_LOCATION)
		cause = location_cause(c, k->v[c->location_label].num);
	c->scratch[cause].plus += count;
}

/* Series of the causes probe by reason or location; series over the
 * cardinality cap have no key and count as other, so no drop is lost. */
static void sample_drops(struct causes *c)
{
	if (c->drops_probe < 0)
		return;
	metrics_series_foreach(c->metrics, c->drops_probe, add_series, c);
	c->scratch[c->other].plus +=
		metrics_series_dropped(c->metrics, c->drops_probe);
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
	sample_drops(c);
	sample_rules(c);
}

/* The kernel's enum ends with a MAX marker that is no reason; with
 * locations, NOT_SPECIFIED is classified by them (class_of()). */
static bool is_reason(const struct config *cfg, const char *name)
{
	if (config_location_count(cfg) && !strcmp(name, CAUSES_UNSPECIFIED))
		return false;
	return strcmp(name, "MAX") != 0;
}

/* One line: the reasons class_of() would send to other, and how many of
 * the kernel's reasons they are. */
static void check_reasons(const struct config *cfg, const struct parser *p,
			  FILE *errs)
{
	int probe = config_reason_probe(cfg), label = config_reason_label(cfg);
	int n = probe < 0 ? 0 : parser_enum_count(p, probe, label);
	int real = 0, unmapped = 0;

	for (int i = 0; i < n; i++) {
		const char *name = parser_enum_at(p, probe, label, i);

		if (!is_reason(cfg, name))
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

/* One note when cfg has locations: which drops they classify here. The
 * same choice as causes_new() makes, from the event alone. */
static void check_locations(const struct config *cfg, const struct parser *p,
			    FILE *errs)
{
	int probe = config_location_probe(cfg), n = config_location_count(cfg);
	int reason = config_reason_probe(cfg);

	if (!n || probe < 0)
		return;
	if (parser_label_missing(p, probe, config_location_label(cfg)))
		fprintf(errs, "%s: warning: causes.locations not used: this "
			"kernel's event has no drop location\n",
			config_path(cfg));
	else if (reason < 0 ||
		 parser_label_missing(p, reason, config_reason_label(cfg)))
		fprintf(errs, "%s: note: this kernel gives no drop reason: "
			"causes.locations (%d functions) classify every drop, "
			"the rest count as cause other\n", config_path(cfg), n);
	else
		fprintf(errs, "%s: note: this kernel gives drop reasons: "
			"causes.locations (%d functions) classify only the "
			"drops whose reason is " CAUSES_UNSPECIFIED "\n",
			config_path(cfg), n);
}

void causes_check_reasons(const struct config *cfg, const struct parser *p,
			  FILE *errs)
{
	check_reasons(cfg, p, errs);
	check_locations(cfg, p, errs);
}
