/* parse: see parse.h. DESIGN: everything that reads libtraceevent's caches
 * (event lookup, field lookup, print-format walk) happens in parser_new(),
 * single-threaded. The per-event path reads only this module's own immutable
 * tables (pages are walked by page.c, not by libtraceevent). */
#include "parse/parse.h"

#include <errno.h>
#include <event-parse.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/funcs.h"
#include "parse/ksyms.h"
#include "parse/labels.h"
#include "parse/page.h"
#include "pktwin/pktwin.h"
#include "tracefs/tracefs.h"

#define MAX_EVENT_ID 65536

_Static_assert(PKTWIN_NSTATUS == METRICS_PKT_STATUSES,
	       "a counter per packet-label status");

struct probe_rt {
	int id;			/* event id, -1 when unusable */
	bool event;		/* a tracepoint or kprobe: found by its id */
	int nlabels;
	struct label labels[CONFIG_MAX_LABELS];
	bool missing[CONFIG_MAX_LABELS];
	bool window;		/* a label is LBL_PKT: read_window_labels() */
	bool pkt_no_hist;	/* a window label: parser_hist_refused() */
	char *error;
	int next;		/* next probe on the same event id, -1 */
};

struct parser {
	struct tep_handle *tep;
	int nprobes;
	struct probe_rt *probes;
	const bool *up;		/* [nprobes], the generation's pstate */
	int32_t *first;		/* [MAX_EVENT_ID]: first probe per id, -1 */
	int func_id;		/* ftrace:function id, -1 if unused */
	struct funcs *funcs;
	struct ksyms *syms;	/* NULL when no label names addresses */
	struct label ip, parent_ip;
	struct render_env env;
	int type_offset, type_size;
	struct page_layout layout;	/* of a sub-buffer (page.h) */
};

struct parse_thread {
	const struct parser *p;
	struct shard *shard;
};

/* Marks r unusable with a reason. Returns 0, or -1 on allocation failure. */
static int __attribute__((format(printf, 2, 3)))
probe_fail(struct probe_rt *r, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->error);
	r->error = strdup(buf);
	r->id = -1;
	return r->error ? 0 : -1;
}

/* Resolves label l of probe i (spec) on ev, the event it counts; tp is
 * its tracepoint when ev is its event probe (session_probe_event()),
 * else NULL. -1 when the field is missing. */
static int resolve_label(struct probe_rt *r, const struct config *cfg,
			 int i, int l, struct tep_event *ev,
			 struct tep_event *tp)
{
	const char *name = config_probe(cfg, i)->labels[l];
	bool pkt = config_packet_labels(cfg, i) & (1u << l);

	r->pkt_no_hist |= pkt && pktwin_label(name) >= 0;
	if (tp && pkt && pktwin_label(name) >= 0) {
		r->window = true;
		return label_resolve_window(&r->labels[l], ev, name);
	}
	if (label_resolve(&r->labels[l], ev, name))
		return -1;
	if (tp)
		label_kind_from(&r->labels[l], tp, name);
	return 0;
}

/* Resolves the labels of a tracepoint or kprobe probe on the event it
 * counts. */
static int resolve_event_probe(struct parser *p, struct probe_rt *r,
			       const struct config *cfg, int i)
{
	const struct probe_spec *spec = config_probe(cfg, i);
	struct tep_event *ev, *tp = NULL;
	const char *sys, *name;

	if (session_probe_event(p->tep, cfg, i, &sys, &name))
		tp = tep_find_event_by_name(p->tep, spec->system, spec->event);
	ev = tep_find_event_by_name(p->tep, sys, name);
	if (!ev)
		return probe_fail(r, "event %s:%s not found", sys, name);
	r->id = ev->id;
	r->event = true;
	for (int l = 0; l < spec->nlabels; l++) {
		r->missing[l] = resolve_label(r, cfg, i, l, ev, tp) != 0;
		if (r->missing[l] && r->labels[l].kind != LBL_ABSENT)
			return -1;
	}
	return 0;
}

/* ftrace:function gives ip and parent_ip; resolved once for all probes. */
static int resolve_function_event(struct parser *p)
{
	struct tep_event *ev = tep_find_event_by_name(p->tep, "ftrace",
						      "function");

	if (!ev)
		return -1;
	if (label_resolve(&p->ip, ev, "ip") ||
	    label_resolve(&p->parent_ip, ev, "parent_ip"))
		return -1;
	p->parent_ip.kind = LBL_SYM;
	p->func_id = ev->id;
	return 0;
}

static int resolve_function_probe(struct parser *p, struct probe_rt *r,
				  const struct probe_spec *spec, int i)
{
	if (p->func_id < 0 && resolve_function_event(p))
		return probe_fail(r, "event %s:%s not found", "ftrace",
				  "function");
	if (funcs_want(p->funcs, spec->target, i))
		return -1;
	r->id = p->func_id;
	for (int l = 0; l < spec->nlabels; l++)
		r->labels[l] = p->parent_ip;	/* only "caller" is allowed */
	return 0;
}

static int resolve_probe(struct parser *p, const struct config *cfg, int i)
{
	const struct probe_spec *spec = config_probe(cfg, i);
	struct probe_rt *r = &p->probes[i];

	r->nlabels = spec->nlabels;
	r->next = -1;
	if (spec->kind == PROBE_FUNCTION)
		return resolve_function_probe(p, r, spec, i);
	return resolve_event_probe(p, r, cfg, i);
}

/* The offset and size of common_type, the same in every event. A tep with
 * no event (every probe names an event this kernel lacks) has none: no
 * probe can be up, so no record arrives and there is nothing to resolve.
 * -1 when the events have no common_type. */
static int resolve_common_type(struct parser *p)
{
	struct tep_event *ev = tep_get_first_event(p->tep);
	struct tep_format_field *f;

	if (!ev)
		return 0;
	f = tep_find_common_field(ev, "common_type");
	if (!f)
		return -1;
	p->type_offset = f->offset;
	p->type_size = f->size;
	return 0;
}

/* True when some label renders an address as a function name. */
static bool names_wanted(const struct parser *p)
{
	for (int i = 0; i < p->nprobes; i++)
		for (int l = 0; l < p->probes[i].nlabels; l++)
			if (p->probes[i].labels[l].kind == LBL_SYM ||
			    p->probes[i].labels[l].kind == LBL_HEX)
				return true;
	return false;
}

/* Resolves every function probe's addresses, the text range and, when a
 * label needs them, the kernel's symbol names, in one pass over kallsyms
 * (skipped when there is neither a function probe nor such a label); a
 * function kallsyms does not name (or an unreadable kallsyms) marks its
 * probe unusable. -1 only on allocation failure. */
static int resolve_functions(struct parser *p, const struct config *cfg)
{
	bool names = names_wanted(p);

	if (p->func_id < 0 && !names)
		return 0;	/* kallsyms is not needed: not read */
	if (names && !(p->syms = ksyms_new()))
		return -1;
	if (funcs_load(p->funcs, p->syms, NULL) && errno == ENOMEM)
		return -1;
	p->env.syms = p->syms;
	funcs_text_range(p->funcs, &p->env.text_lo, &p->env.text_hi);
	for (int i = 0; i < p->nprobes; i++) {
		const struct probe_spec *spec = config_probe(cfg, i);

		if (spec->kind == PROBE_FUNCTION && p->probes[i].id >= 0 &&
		    !funcs_count(p->funcs, i) &&
		    probe_fail(&p->probes[i], "function %s %s", spec->target,
			       funcs_missing_why(p->funcs)))
			return -1;
	}
	return 0;
}

struct parser *parser_new(struct tep_handle *tep, const struct config *cfg)
{
	struct parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->tep = tep;
	p->func_id = -1;
	p->nprobes = config_probe_count(cfg);
	p->layout.size = tep_get_sub_buffer_size(tep);
	p->layout.commit_offset = tep_get_header_timestamp_size(tep);
	p->layout.commit_size = tep_get_header_page_size(tep);
	p->probes = calloc(p->nprobes, sizeof(*p->probes));
	p->first = malloc(MAX_EVENT_ID * sizeof(*p->first));
	p->funcs = funcs_new();
	if (p->layout.commit_size != 4 && p->layout.commit_size != 8)
		goto err_free;
	if (!p->probes || !p->first || !p->funcs || resolve_common_type(p))
		goto err_free;
	memset(p->first, 0xff, MAX_EVENT_ID * sizeof(*p->first));
	for (int i = 0; i < p->nprobes; i++)
		if (resolve_probe(p, cfg, i))
			goto err_free;
	if (resolve_functions(p, cfg))
		goto err_free;
	return p;
err_free:
	parser_free(p);
	errno = ENOMEM;
	return NULL;
}

void parser_free(struct parser *p)
{
	if (!p)
		return;
	for (int i = 0; p->probes && i < p->nprobes; i++) {
		for (int l = 0; l < p->probes[i].nlabels; l++)
			label_fini(&p->probes[i].labels[l]);
		free(p->probes[i].error);
	}
	label_fini(&p->ip);
	label_fini(&p->parent_ip);
	funcs_free(p->funcs);
	ksyms_free(p->syms);
	free(p->probes);
	free(p->first);
	free(p);
}

const char *parser_probe_error(const struct parser *p, int probe)
{
	return p->probes[probe].error;
}

/* True when r is found by an event id of the table (not a function). */
static bool by_id(const struct probe_rt *r)
{
	return r->event && r->id >= 0 && r->id < MAX_EVENT_ID;
}

/* Chains the ring-buffer probes of each kernel event under its id, in
 * config order (built back to front), after undoing any earlier chains.
 * Function probes are found by address, and probes a hist trigger counts
 * get no records: neither is chained. Which probes count by a trigger is
 * known only here, once the generation has chosen (mode: auto). */
void parser_count_up(struct parser *p, const struct pstate *st)
{
	for (int i = 0; i < p->nprobes; i++)
		if (by_id(&p->probes[i]))
			p->first[p->probes[i].id] = -1;
	for (int i = p->nprobes - 1; i >= 0; i--) {
		struct probe_rt *r = &p->probes[i];

		r->next = -1;
		if (!by_id(r) || pstate_mode(st, i) != PSTATE_RING)
			continue;
		r->next = p->first[r->id];
		p->first[r->id] = i;
	}
	p->up = pstate_up_flags(st);
}

int parser_page_size(const struct parser *p)
{
	return p->layout.size;
}

bool parser_label_missing(const struct parser *p, int probe, int label)
{
	return p->probes[probe].missing[label];
}

bool parser_packet_window(const struct parser *p, int probe)
{
	return p->probes[probe].window;
}

struct parse_thread *parse_thread_new(const struct parser *p, struct shard *s)
{
	struct parse_thread *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->p = p;
	t->shard = s;
	return t;
}

void parse_thread_free(struct parse_thread *t)
{
	free(t);
}

/* The labels of probe r from an event probe's record: its window
 * extracted once (pkg/pktwin, counted by status), then each label. -1
 * when a value could not be interned. Kept out of line: count_probe()
 * stays as small as it was for the probes without a window. */
static __attribute__((noinline)) int read_window_labels(struct parse_thread *t, int i,
			      const struct probe_rt *r, const void *rec,
			      int size, struct series_key *key)
{
	struct pktwin_out out;
	int status = -1;

	for (int l = 0; l < r->nlabels; l++) {
		const struct label *lb = &r->labels[l];

		if (lb->kind != LBL_PKT) {
			if (label_read(lb, rec, size, key, l))
				return -1;
			continue;
		}
		if (status < 0) {
			status = label_window_extract(lb, rec, size, &out);
			shard_packet_status(t->shard, i, status);
		}
		if (label_window_store(lb, &out, status, key, l))
			return -1;
	}
	return 0;
}

/* Counts one hit of probe r (index i) for record rec, and its series
 * unless a string label value could not be interned (table full). */
static void count_probe(struct parse_thread *t, int i, const void *rec,
			int size)
{
	const struct probe_rt *r = &t->p->probes[i];
	struct series_key key;

	shard_hit(t->shard, i);
	if (!r->nlabels)
		return;
	memset(&key, 0, sizeof(key));
	for (int l = 0; !r->window && l < r->nlabels; l++) {
		if (label_read(&r->labels[l], rec, size, &key, l)) {
			shard_series_refused(t->shard, i);
			return;
		}
	}
	/* one call of each below: the compiler inlines them here */
	if (r->window && read_window_labels(t, i, r, rec, size, &key))
		shard_series_refused(t->shard, i);
	else
		shard_series_add(t->shard, i, &key);
}

static void count_function(struct parse_thread *t, const void *rec, int size)
{
	struct series_key ip = { 0 };
	int i;

	label_read(&t->p->ip, rec, size, &ip, 0);
	i = funcs_find(t->p->funcs, ip.v[0].num);
	if (i < 0 || !t->p->up[i])
		shard_parse_error(t->shard);
	else
		count_probe(t, i, rec, size);
}

static void count_record(struct parse_thread *t, const void *rec, int size)
{
	const struct parser *p = t->p;
	uint16_t id = 0;
	int i;

	if (size < p->type_offset + p->type_size) {
		shard_parse_error(t->shard);
		return;
	}
	/* constant-size copies: a byte loop then a 2-byte load of id would
	 * wait for the byte stores to retire (no store forwarding) */
	if (p->type_size >= 2)
		memcpy(&id, (const char *)rec + p->type_offset, 2);
	else if (p->type_size == 1)
		id = *((const uint8_t *)rec + p->type_offset);
	if (id == p->func_id) {
		count_function(t, rec, size);
		return;
	}
	i = p->first[id];
	if (i < 0)
		shard_parse_error(t->shard);
	for (; i >= 0; i = p->probes[i].next)
		if (p->up[i])
			count_probe(t, i, rec, size);
}

/* The page is checked, then walked, by page.c (kbuffer's walk without two
 * library calls per event), which also reads its missed-events count. */
int parse_page(struct parse_thread *t, void *page)
{
	int missed, n = 0, at = 0, size;
	/* a page that would send a walk astray: the kernel never writes one,
	 * a damaged copy might */
	int end = page_check(&t->p->layout, page);
	char *rec;

	if (end < 0) {
		shard_parse_error(t->shard);
		return -1;
	}
	missed = page_missed(&t->p->layout, page, end);
	if (missed)
		shard_missed(t->shard, missed < 0 ? 1 : missed);
	while ((rec = page_next_record(&t->p->layout, page, end, &at, &size)))
		count_record(t, rec, size), n++;	/* in page */
	shard_events(t->shard, n);
	return n;
}

const struct label *parser_label(const struct parser *p, int probe, int l)
{
	return &p->probes[probe].labels[l];
}

void parser_render(const struct parser *p, int probe,
		   const struct series_key *key, char vals[][LABEL_VALUE_MAX])
{
	const struct probe_rt *r = &p->probes[probe];

	for (int l = 0; l < r->nlabels; l++)
		label_render(&r->labels[l], &p->env, key, l, vals[l],
			     LABEL_VALUE_MAX);
}

/* One label through the same label_render() as a whole key. */
void parser_render_value(const struct parser *p, int probe, int label,
			 uint64_t v, char *out, size_t size)
{
	struct series_key key;

	memset(&key, 0, sizeof(key));
	key.v[label].num = v;
	label_render(&p->probes[probe].labels[label], &p->env, &key, label,
		     out, size);
}

const char *parser_hist_refused(const struct parser *p, int probe)
{
	const struct probe_rt *r = &p->probes[probe];

	for (int l = 0; l < r->nlabels; l++)
		if (r->labels[l].kind == LBL_ADDR)
			return "an address label is counted from the ring "
			       "buffer only (no hist key holds an address)";
	if (r->pkt_no_hist)
		return "a label read from the packet's bytes (saddr, daddr, "
		       "sport, dport, l4proto) is counted from the ring "
		       "buffer only (the exporter finds the headers)";
	return NULL;
}

/* The enum label of probe, or NULL when it is none (scrape-side helpers). */
static const struct label *enum_label(const struct parser *p, int probe,
				      int label)
{
	const struct probe_rt *r;

	if (probe < 0 || probe >= p->nprobes)
		return NULL;
	r = &p->probes[probe];
	if (label < 0 || label >= r->nlabels ||
	    r->labels[label].kind != LBL_ENUM)
		return NULL;
	return &r->labels[label];
}

int parser_enum_count(const struct parser *p, int probe, int label)
{
	const struct label *l = enum_label(p, probe, label);

	return l ? l->nnames : 0;
}

const char *parser_enum_at(const struct parser *p, int probe, int label,
			   int i)
{
	const struct label *l = enum_label(p, probe, label);

	return l && i >= 0 && i < l->nnames ? l->names[i].name : NULL;
}

/* Linear: callers cache the answer per raw value. */
const char *parser_enum_name(const struct parser *p, int probe, int label,
			     uint64_t value)
{
	const struct label *l = enum_label(p, probe, label);

	for (int i = 0; l && i < l->nnames; i++)
		if (l->names[i].value == value)
			return l->names[i].name;
	return NULL;
}
