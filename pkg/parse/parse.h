/* parse: raw ring-buffer pages -> per-probe hits and labelled series.
 *
 * parser_new() resolves, once and before any thread starts, every probe's
 * event id, label fields and their kinds (enum via the event's own
 * __print_symbolic table, %pS pointer, __data_loc/array string, integer).
 * The parser is then read-only and shared; each reader thread parses through
 * its own parse_thread (its shard). Label rendering to strings happens only
 * at scrape time, from the raw values stored in the series key.
 */
#ifndef FTE_PARSE_H
#define FTE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "metrics/metrics.h"
#include "pstate/pstate.h"
#include "strtab/strtab.h"

struct tep_handle;
struct parser;
struct parse_thread;

/* Room for a rendered label value: the longest string value kept and its
 * NUL (numbers and kernel names are shorter). */
#define LABEL_VALUE_MAX (STRTAB_LEN_MAX + 1)

/* Resolves all probes of cfg against tep. A probe whose event or fields are
 * missing is not an error here: it is marked unusable with a reason
 * (parser_probe_error). NULL with errno only on allocation failure. */
struct parser *parser_new(struct tep_handle *tep, const struct config *cfg);
void parser_free(struct parser *p);
const char *parser_probe_error(const struct parser *p, int probe);
/* Counts only the probes st marks up (the kernel may refuse some), read
 * from st on the per-event path: st must outlive every parse_page(), and
 * be set before the first. Expects records only of the probes st says
 * count by the ring buffer (the others' records, if any, are parse
 * errors). Call it when st is final, before any parse_page() (again
 * after st changed, with no parse_page() running). A probe with a
 * parser_probe_error() must be down in st. */
void parser_count_up(struct parser *p, const struct pstate *st);
int parser_page_size(const struct parser *p);
/* True when probe's event lacks a field by that name (e.g. no `reason`
 * before Linux 5.17); such labels are dropped with one log line. */
bool parser_label_missing(const struct parser *p, int probe, int label);

/* True when probe reads packet labels from its event probe's copy of the
 * packet (pkg/pktwin): its events are counted by how far that got
 * (metrics_packet_status()). */
bool parser_packet_window(const struct parser *p, int probe);

struct parse_thread *parse_thread_new(const struct parser *p, struct shard *s);
void parse_thread_free(struct parse_thread *t);
/* Counts every event of one sub-buffer. Returns events seen or -1. */
int parse_page(struct parse_thread *t, void *page);

/* Writes the label values of key for probe into vals[label]. Scrape thread
 * only. */
void parser_render(const struct parser *p, int probe,
		   const struct series_key *key,
		   char vals[][LABEL_VALUE_MAX]);

/* Writes raw value v of probe's label (a number, as a series key holds
 * it) as parser_render() would write that label: for a code address the
 * function's name without clone suffix (kfree_skb `location`). Reads only
 * immutable tables: safe from any thread. Callers cache the answer. */
void parser_render_value(const struct parser *p, int probe, int label,
			 uint64_t v, char *out, size_t size);

/* Why probe cannot count by a hist trigger whatever the kernel: an
 * address label (a hist key reads an array field as one number, or is
 * refused for 16 bytes, so an address would not come back as an
 * address); NULL when nothing in its labels stands in the way. */
const char *parser_hist_refused(const struct parser *p, int probe);

/* Counts a kernel hist trigger keeps (mode: hist): every hit, and the hits
 * of entries that did not fit in its table or whose string label value did
 * not fit in the label string table (pkg/strtab). */
struct hist_totals {
	uint64_t hits, dropped;
};
typedef void (*hist_fn)(const struct series_key *k, uint64_t count,
			void *ctx);
/* Reads text, the hist file of probe's trigger (spec is its config): calls
 * fn with each entry that no key's content can make ambiguous (hist.c) as
 * a series of probe's labels, and fills *t. Returns the entries believed,
 * or -1 when text does not end with the kernel's totals (or on allocation
 * failure). Scrape side only. */
int parser_hist_parse(const struct parser *p, int probe,
		      const struct probe_spec *spec, const char *text,
		      hist_fn fn, void *ctx, struct hist_totals *t);

/* The kernel's names of an enum label (__print_symbolic, such as kfree_skb
 * `reason`): parser_enum_count() is 0 when the label is no enum or missing;
 * parser_enum_at() gives the i-th name in value order. parser_enum_name()
 * names one raw value, NULL when the kernel has no name for it. These read
 * only the parser's own immutable tables: safe from any thread. */
int parser_enum_count(const struct parser *p, int probe, int label);
const char *parser_enum_at(const struct parser *p, int probe, int label,
			   int i);
const char *parser_enum_name(const struct parser *p, int probe, int label,
			     uint64_t value);

#endif
