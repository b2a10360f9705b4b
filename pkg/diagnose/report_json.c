/* report_json: the report for scripts, one JSON object:
 * {"kernel", "source", "duration_seconds", "interrupted", "drops_per_second",
 *  "causes": [{cause, rate, share, drops, explanation, next_step,
 *              reasons: [{reason, rate, drops,
 *                         locations: [{location, rate}],
 *                         peers: [{peer, rate}]}]}],
 *  "retransmits": {rate, rto, fast, other, peers: [{peer, rate}]}
 *  (rto/fast/other null when unknown), "heuristics": [{cause, probe, minus, rate}],
 *  "probes_down": [{probe, why, hides}], "events_lost"}
 * causes ranked by rate (drops per second). */
#include "diagnose/diagnose_int.h"

#include <math.h>

/* s as a JSON string: quotes, backslashes and control characters escaped
 * (label values are valid UTF-8, passed as they are); NULL is null. */
static void json_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A number JSON accepts (no NaN or infinity), rounded to 1e-3. */
static void number(FILE *out, double v)
{
	fprintf(out, "%.3f", isfinite(v) ? v : 0);
}

/* "key": value-string, */
static void field(FILE *out, const char *key, const char *s)
{
	json_string(out, key);
	fputc(':', out);
	json_string(out, s);
}

/* "key": number */
static void numfield(FILE *out, const char *key, double v)
{
	json_string(out, key);
	fputc(':', out);
	number(out, v);
}

/* ,"key":[{"name":..., "rate":...}, ...] */
static void named_rates(FILE *out, const char *key, const char *name,
			const struct diag_location *v, int n)
{
	fprintf(out, ",\"%s\":[", key);
	for (int i = 0; i < n; i++) {
		fputs(i ? ",{" : "{", out);
		field(out, name, v[i].location);
		fputc(',', out);
		numfield(out, "rate", v[i].rate);
		fputc('}', out);
	}
	fputc(']', out);
}

/* One reason with its locations and peers. */
static void reason(FILE *out, const struct diag_reason *k)
{
	fputc('{', out);
	field(out, "reason", k->reason);
	fputc(',', out);
	numfield(out, "rate", k->rate);
	fprintf(out, ",\"drops\":%.0f", k->drops);
	named_rates(out, "locations", "location", k->locs, k->nlocs);
	named_rates(out, "peers", "peer", k->peers, k->npeers);
	fputc('}', out);
}

/* One cause with its hints and reasons. */
static void cause(FILE *out, const struct diag_cause *c)
{
	fputc('{', out);
	field(out, "cause", c->cause);
	fputc(',', out);
	numfield(out, "rate", c->rate);
	fputc(',', out);
	numfield(out, "share", c->share);
	fprintf(out, ",\"drops\":%.0f,", c->drops);
	field(out, "explanation", diag_hint_explain(c->cause));
	fputc(',', out);
	field(out, "next_step", diag_hint_next(c->cause, c->reasons[0].reason));
	fputs(",\"reasons\":[", out);
	for (int i = 0; i < c->nreasons; i++) {
		if (i)
			fputc(',', out);
		reason(out, &c->reasons[i]);
	}
	fputs("]}", out);
}

/* A number, or null when unknown. */
static void maybe(FILE *out, const char *key, bool known, double v)
{
	fprintf(out, ",\"%s\":", key);
	if (known)
		number(out, v);
	else
		fputs("null", out);
}

/* The retransmits object; the split null where unknown. */
static void retransmits(FILE *out, const struct diag_retransmits *t)
{
	fputs("\"retransmits\":{", out);
	numfield(out, "rate", t->rate);
	maybe(out, "rto", t->split, t->rto);
	maybe(out, "fast", t->split, t->fast);
	maybe(out, "other", t->split, t->other);
	named_rates(out, "peers", "peer", t->peers, t->npeers);
	fputc('}', out);
}

/* The heuristics; probe and rate null for one that is off. */
static void rules(FILE *out, const struct diag_report *r)
{
	fputs(",\"heuristics\":[", out);
	for (int i = 0; i < r->nrules; i++) {
		const struct diag_rule *d = &r->rules[i];

		fputs(i ? ",{" : "{", out);
		field(out, "cause", d->cause);
		fputc(',', out);
		field(out, "probe", d->probe);
		fputc(',', out);
		field(out, "minus", d->minus);
		maybe(out, "rate", d->probe, d->rate);
		fputc('}', out);
	}
	fputc(']', out);
}

/* The probes down; why null where not known (--from). */
static void downs(FILE *out, const struct diag_report *r)
{
	fputs(",\"probes_down\":[", out);
	for (int i = 0; i < r->ndowns; i++) {
		fputs(i ? ",{" : "{", out);
		field(out, "probe", r->downs[i].probe);
		fputc(',', out);
		field(out, "why", r->downs[i].why);
		fputc(',', out);
		field(out, "hides", r->downs[i].hides);
		fputc('}', out);
	}
	fputc(']', out);
}

/* See diagnose_int.h. */
void diag_report_json(const struct diag_report *r, FILE *out)
{
	fputc('{', out);
	field(out, "kernel", r->kernel);
	fputc(',', out);
	field(out, "source", r->source);
	fputc(',', out);
	numfield(out, "duration_seconds", r->duration);
	fprintf(out, ",\"interrupted\":%s,", r->interrupted ? "true" : "false");
	numfield(out, "drops_per_second", r->total);
	fputs(",\"causes\":[", out);
	for (int i = 0; i < r->ncauses; i++) {
		if (i)
			fputc(',', out);
		cause(out, &r->causes[i]);
	}
	fputs("],", out);
	retransmits(out, &r->retransmits);
	rules(out, r);
	downs(out, r);
	fputc(',', out);
	numfield(out, "events_lost", r->events_lost);
	fputs("}\n", out);
}
