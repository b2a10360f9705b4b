/* report_text: the report for a person. Every line fits DIAG_COLUMNS:
 * names are cut to their column, prose is wrapped; every number has its
 * unit. Colour (ANSI) only when asked, i.e. on a terminal. */
#include "diagnose/diagnose_int.h"

#include <string.h>

/* Width of the name column (indent included), then the rate column. */
#define NAME_W 46
#define TOP_LOCATIONS 3

struct out {
	FILE *f;
	bool colour;
};

/* An ANSI SGR code, on a terminal only. */
static void style(const struct out *o, const char *code)
{
	if (o->colour)
		fprintf(o->f, "\033[%sm", code);
}

/* The first n bytes of s, a control character (a label value may hold
 * one) shown as '?' so that it cannot break the layout. */
static void put_clean(const struct out *o, const char *s, int n)
{
	for (int i = 0; i < n && s[i]; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i],
		      o->f);
}

/* The columns the first n bytes of s take: one per UTF-8 character. */
static int columns(const char *s, int n)
{
	int w = 0;

	for (int i = 0; i < n && s[i]; i++)
		w += (s[i] & 0xc0) != 0x80;
	return w;
}

/* indent spaces, then s cut to fit width columns ("..." marks a cut, made
 * at a UTF-8 character's start), padded to width when pad. */
static void cell(const struct out *o, int indent, const char *s, int width,
		 bool pad)
{
	int room = width - indent, n = (int)strlen(s);
	bool cut = columns(s, n) > room;

	while (cut && (columns(s, n) > room - 3 || (s[n] & 0xc0) == 0x80))
		n--;
	fprintf(o->f, "%*s", indent, "");
	put_clean(o, s, n);
	fprintf(o->f, "%s%*s", cut ? "..." : "",
		pad ? room - columns(s, n) - (cut ? 3 : 0) : 0, "");
}

/* A row: name in the name column, then rate with unit, then the share. */
static void row(const struct out *o, int indent, const char *name,
		double rate, const char *unit, double share)
{
	cell(o, indent, name, NAME_W, true);
	fprintf(o->f, " %10.1f %s", rate, unit);
	if (share >= 0)
		fprintf(o->f, "%*s %5.1f %%", 9 - (int)strlen(unit), "",
			100 * share);
	fputc('\n', o->f);
}

/* s wrapped at DIAG_COLUMNS, each line indented; a word longer than a
 * line is cut. */
static void prose(const struct out *o, int indent, const char *s)
{
	int room = DIAG_COLUMNS - indent, col = 0;

	while (*s) {
		int word = (int)strcspn(s, " ");

		if (word > room)
			word = room;
		if (col && col + 1 + word > room) {
			fputc('\n', o->f);
			col = 0;
		}
		fprintf(o->f, col ? " " : "%*s", indent, "");
		put_clean(o, s, word);
		col += (col ? 1 : 0) + word;
		s += word;
		s += strspn(s, " ");
	}
	fputc('\n', o->f);
}

/* A blank line, then s in bold. */
static void heading(const struct out *o, const char *s)
{
	fputc('\n', o->f);
	style(o, "1");
	cell(o, 0, s, DIAG_COLUMNS, false);
	style(o, "0");
	fputc('\n', o->f);
}

/* The one-line verdict. */
static void verdict(const struct out *o, const struct diag_report *r)
{
	char line[256];

	if (r->ncauses)
		snprintf(line, sizeof(line), "Verdict: mostly %s, %.1f %% of "
			 "%.1f drops/s over %.1f s", r->causes[0].cause,
			 100 * r->causes[0].share, r->total, r->duration);
	else
		snprintf(line, sizeof(line), "Verdict: no packet drops in "
			 "%.1f s, %.1f retransmits/s", r->duration,
			 r->retransmits.rate);
	style(o, r->ncauses ? "1;31" : "1;32");
	cell(o, 0, line, DIAG_COLUMNS, false);
	style(o, "0");
	fputc('\n', o->f);
}

/* Kernel, duration and source, wrapped. */
static void header(const struct out *o, const struct diag_report *r)
{
	char line[512];

	snprintf(line, sizeof(line), "Kernel %s, %.1f s%s, from %s",
		 r->kernel, r->duration,
		 r->interrupted ? " (interrupted)" : "", r->source);
	prose(o, 0, line);
}

/* The top peers of v[n], "peer ..." rows of unit. */
static void peers(const struct out *o, int indent,
		  const struct diag_location *v, int n, const char *unit)
{
	char line[512];

	for (int j = 0; j < n && j < TOP_LOCATIONS; j++) {
		snprintf(line, sizeof(line), "peer %s", v[j].location);
		row(o, indent, line, v[j].rate, unit, -1);
	}
}

/* One cause: its row, explanation, next step, reasons and locations. */
static void cause(const struct out *o, const struct diag_cause *c, int rank)
{
	char name[64], line[512];

	snprintf(name, sizeof(name), "%2d. %s", rank, c->cause);
	style(o, "1");
	row(o, 0, name, c->rate, "drops/s", c->share);
	style(o, "0");
	prose(o, 4, diag_hint_explain(c->cause));
	snprintf(line, sizeof(line), "Next: %s",
		 diag_hint_next(c->cause, c->reasons[0].reason));
	prose(o, 4, line);
	for (int i = 0; i < c->nreasons; i++) {
		const struct diag_reason *k = &c->reasons[i];

		snprintf(line, sizeof(line), "reason %s", k->reason);
		row(o, 4, line, k->rate, "drops/s", -1);
		for (int j = 0; j < k->nlocs && j < TOP_LOCATIONS; j++) {
			snprintf(line, sizeof(line), "at %s", k->locs[j].location);
			row(o, 6, line, k->locs[j].rate, "drops/s", -1);
		}
		peers(o, 6, k->peers, k->npeers, "drops/s");
	}
}

/* All retransmits and their top peers, then RTO and fast where the
 * caller is counted. */
static void retransmits(const struct out *o, const struct diag_report *r)
{
	const struct diag_retransmits *t = &r->retransmits;

	heading(o, "Retransmits");
	row(o, 2, "all", t->rate, "/s", -1);
	peers(o, 4, t->peers, t->npeers, "/s");
	if (!t->split) {
		prose(o, 2, "RTO or fast: unknown (no up probe with a caller "
			 "label)");
		return;
	}
	row(o, 2, "RTO (" CALLER_RTO ")", t->rto, "/s", -1);
	row(o, 2, "fast (" CALLER_FAST ")", t->fast, "/s", -1);
	if (t->other > 0)
		row(o, 2, "other callers", t->other, "/s", -1);
}

/* The heuristics: the seed's send/receive/receive-path picture. */
static void picture(const struct out *o, const struct diag_report *r)
{
	char line[512];

	heading(o, "Send / receive / receive path");
	for (int i = 0; i < r->nrules; i++) {
		const struct diag_rule *d = &r->rules[i];

		if (!d->probe) {
			snprintf(line, sizeof(line), "%s: off (its probes are "
				 "down)", d->cause);
			prose(o, 2, line);
			continue;
		}
		row(o, 2, d->cause, d->rate, "/s", -1);
		if (d->minus)
			snprintf(line, sizeof(line), "%s %.1f /s - %s %.1f /s",
				 d->probe, d->plus_rate, d->minus, d->minus_rate);
		else
			snprintf(line, sizeof(line), "%s %.1f /s", d->probe,
				 d->plus_rate);
		prose(o, 4, line);
		prose(o, 4, diag_hint_rule(d->cause));
	}
}

/* Each probe the kernel refused, why, and what that hides. */
static void downs(const struct out *o, const struct diag_report *r)
{
	char line[1024];

	snprintf(line, sizeof(line), "Probes the kernel refused: %d probe%s",
		 r->ndowns, r->ndowns == 1 ? "" : "s");
	heading(o, line);
	for (int i = 0; i < r->ndowns; i++) {
		const struct diag_down *d = &r->downs[i];

		snprintf(line, sizeof(line), "%s: %s", d->probe,
			 d->why ? d->why : "down on the exporter");
		prose(o, 2, line);
		snprintf(line, sizeof(line), "hides: %s", d->hides);
		prose(o, 4, line);
	}
}

/* See diagnose_int.h. */
void diag_report_text(const struct diag_report *r, FILE *f, bool colour)
{
	const struct out o = { f, colour };

	verdict(&o, r);
	header(&o, r);
	heading(&o, r->ncauses ? "Drop causes, ranked by rate" :
		"Drop causes: none");
	for (int i = 0; i < r->ncauses; i++)
		cause(&o, &r->causes[i], i + 1);
	retransmits(&o, r);
	picture(&o, r);
	downs(&o, r);
	heading(&o, "Lost events");
	fprintf(f, "  %.0f events lost%s\n", r->events_lost,
		r->events_lost > 0 ? ": the rates above are too low" : "");
}
