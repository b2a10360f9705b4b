/* report: the model of a diagnosis, from the difference of two /metrics
 * texts. Which cause a drop belongs to is pkg/causes' rule
 * (causes_cause_of), read on the label values; which probe a heuristic
 * uses is the first of its list that /metrics reports up, as the
 * exporter's causes do. */
#include "diagnose/diagnose_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "causes/causes.h"
#include "collect/collect.h"


/* The callers of tcp_retransmit_skb (the `caller` label): RTO and fast. */
/* The tracepoint of every TCP retransmit: its address labels name peers. */
#define RETRANSMIT_EVENT "tcp:tcp_retransmit_skb"

/* Grows *v (of *n elements of size) by one zeroed element; NULL on ENOMEM. */
static void *grow(void *v, int *n, size_t size)
{
	char *p = realloc(*(void **)v, (*n + 1) * size);

	if (!p)
		return NULL;
	*(void **)v = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

/* The element of name in causes, reasons or locations (the name is the
 * first member of each), or NULL. */
static void *find(void *v, int n, size_t size, const char *name)
{
	char *p = *(char **)v;

	for (int i = 0; i < n; i++, p += size)
		if (!strcmp(*(const char **)p, name))
			return p;
	return NULL;
}

/* find(), adding the element when missing; NULL on ENOMEM. */
static void *find_or_add(void *v, int *n, size_t size, const char *name)
{
	char *p = find(v, *n, size, name);

	if (!p && (p = grow(v, n, size)))
		*(const char **)p = name;
	return p;
}

/* One series that grew: its labels as the report names them, its cause
 * and its peer (the address labels, "" when none has a value). */
struct drop {
	const char *cause, *reason, *location;
	char peer[256];
	double n;
};

/* The entry of peer in peers[n] (the string copied into r->owned when
 * new); NULL on ENOMEM. */
static struct diag_location *peer_of(struct diag_report *r,
				     struct diag_location **peers, int *n,
				     const char *peer)
{
	struct diag_location *l = find(peers, *n, sizeof(*l), peer);
	char **owned;

	if (l)
		return l;
	owned = grow(&r->owned, &r->nowned, sizeof(*owned));
	if (!owned || !(*owned = strdup(peer)))
		return NULL;
	l = grow(peers, n, sizeof(*l));
	if (l)
		l->location = *owned;
	return l;
}

/* Adds d to its cause, reason and location; -1 on ENOMEM. */
static int add_drop(struct diag_report *r, const struct drop *d)
{
	double rate = d->n / r->duration;
	struct diag_cause *c = find_or_add(&r->causes, &r->ncauses,
					   sizeof(*c), d->cause);
	struct diag_reason *k = c ? find_or_add(&c->reasons, &c->nreasons,
						sizeof(*k), d->reason) : NULL;
	struct diag_location *l = k ? find_or_add(&k->locs, &k->nlocs,
						  sizeof(*l), d->location) : NULL;

	if (!l)
		return -1;
	c->rate += rate;
	c->drops += d->n;
	k->rate += rate;
	k->drops += d->n;
	l->rate += rate;
	r->total += rate;
	return 0;
}

/* A label value of x, NULL when absent or empty. */
static const char *label_of(const struct diag_sample *x, const char *name)
{
	const char *v = name ? diag_sample_label(x, name) : NULL;

	return v && *v ? v : NULL;
}

/* The address labels of probe i that have a value in x, "name=value
 * ..." into d->peer ("" when none has one: a kernel that refused the
 * event probe deriving them). */
static void peer_labels(struct drop *d, const struct diag_sample *x,
			const struct config *cfg, int i)
{
	const struct probe_spec *p = config_probe(cfg, i);
	unsigned mask = config_address_labels(cfg, i);
	size_t len = 0;

	d->peer[0] = '\0';
	for (int l = 0; l < p->nlabels; l++) {
		const char *v = label_of(x, p->labels[l]);

		if (!v || !(mask & 1u << l) || len >= sizeof(d->peer))
			continue;
		len += snprintf(d->peer + len, sizeof(d->peer) - len, "%s%s=%s",
				len ? " " : "", p->labels[l], v);
	}
}

/* Series x of probe i (the causes probe, or one on its event with a
 * reason label) as a drop. The cause is pkg/causes' rule; the location
 * counts in it only where causes.locations exist. */
static void drop_of(struct drop *d, const struct diag_sample *x,
		    const struct config *cfg, int i)
{
	const char *reason = label_of(x, "reason");
	const char *loc = label_of(x, "location");

	*d = (struct drop){ .reason = reason ? reason : "(none)",
			    .location = loc ? loc : "(unknown)" };
	d->cause = causes_cause_of(cfg, reason, config_location_count(cfg) ?
				   loc : NULL);
	peer_labels(d, x, cfg, i);
}

/* The index of the causes probe whose family the drops are read from (the
 * reason probe, else the location probe), -1 when none has a family. */
static int drops_probe(const struct config *cfg)
{
	int probe = config_reason_probe(cfg);

	if (probe < 0)
		probe = config_location_probe(cfg);
	if (probe < 0 || !config_probe(cfg, probe)->metric)
		return -1;
	return probe;
}

/* See diagnose_int.h. */
const struct probe_spec *diag_drops_probe(const struct config *cfg)
{
	int probe = drops_probe(cfg);

	return probe < 0 ? NULL : config_probe(cfg, probe);
}

/* The series of probe i's family that grew, each as a drop to fn(r, d);
 * -1 when fn fails. */
static int each_drop(struct diag_report *r, const struct config *cfg, int i,
		     int (*fn)(struct diag_report *r, const struct drop *d))
{
	const struct probe_spec *p = config_probe(cfg, i);
	struct drop d;

	for (int j = 0; j < diag_samples_count(r->end); j++) {
		const struct diag_sample *x = diag_samples_at(r->end, j);

		if (strcmp(x->name, p->metric))
			continue;
		drop_of(&d, x, cfg, i);
		d.n = diag_delta(r->start, x);
		if (d.n > 0 && fn(r, &d))
			return -1;
	}
	return 0;
}

/* Every series of the causes probe's family that grew, into its cause. */
static int add_drops(struct diag_report *r, const struct config *cfg)
{
	int probe = drops_probe(cfg);

	return probe < 0 ? 0 : each_drop(r, cfg, probe, add_drop);
}

/* qsort comparators, the highest rate first. */
#define BY_RATE(fn, type)						\
	static int fn(const void *a, const void *b)			\
	{								\
		const type *x = a, *y = b;				\
									\
		return (x->rate < y->rate) - (x->rate > y->rate);	\
	}
BY_RATE(by_cause_rate, struct diag_cause)
BY_RATE(by_reason_rate, struct diag_reason)
BY_RATE(by_location_rate, struct diag_location)

/* qsort() of n elements; none or one (maybe no array at all) is left. */
static void sort(void *v, int n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

/* Ranks causes, their reasons, locations and peers, and the retransmits'
 * peers by rate, and sets the shares. */
static void rank(struct diag_report *r)
{
	sort(r->causes, r->ncauses, sizeof(*r->causes), by_cause_rate);
	for (int i = 0; i < r->ncauses; i++) {
		struct diag_cause *c = &r->causes[i];

		c->share = r->total > 0 ? c->rate / r->total : 0;
		sort(c->reasons, c->nreasons, sizeof(*c->reasons),
		     by_reason_rate);
		for (int j = 0; j < c->nreasons; j++) {
			struct diag_reason *k = &c->reasons[j];

			sort(k->locs, k->nlocs, sizeof(*k->locs),
			     by_location_rate);
			sort(k->peers, k->npeers, sizeof(*k->peers),
			     by_location_rate);
		}
	}
	sort(r->retransmits.peers, r->retransmits.npeers,
	     sizeof(*r->retransmits.peers), by_location_rate);
}

/* True when /metrics reports probe p up. */
static bool probe_up(const struct diag_report *r, const char *p)
{
	return diag_samples_value(r->end, COLLECT_PROBE_UP, "probe", p) == 1;
}

/* Hits per second of probe p (its hits series, as pkg/collect names
 * it). */
static double hits_rate(const struct diag_report *r, const struct probe_spec *p)
{
	struct diag_sample x = { .nlabels = 1 };
	const struct diag_sample *end;
	char value[512];

	if (collect_hits_series(p, &x.name, &x.lname[0], value, sizeof(value)))
		return 0;
	x.lvalue[0] = value;
	end = diag_samples_find(r->end, &x);
	return end ? diag_delta(r->start, end) / r->duration : 0;
}

/* The first up probe of names[n] (the one a heuristic uses), or NULL. */
static const struct probe_spec *first_up(const struct diag_report *r,
					 const struct config *cfg,
					 const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (probe_up(r, names[i]))
			return config_probe_by_name(cfg, names[i]);
	return NULL;
}

/* The heuristics of causes.heuristics, each with its probes' rates. */
static int add_rules(struct diag_report *r, const struct config *cfg)
{
	r->rules = calloc(config_rule_count(cfg) + 1, sizeof(*r->rules));
	if (!r->rules)
		return -1;
	for (int i = 0; i < config_rule_count(cfg); i++) {
		const struct cause_rule *k = config_rule(cfg, i);
		struct diag_rule *d = &r->rules[r->nrules++];
		const struct probe_spec *p = first_up(r, cfg, k->probes,
						      k->nprobes);
		const struct probe_spec *m = first_up(r, cfg, k->minuses,
						      k->nminus);

		d->cause = k->cause;
		if (!p || (k->nminus && !m))
			continue;
		d->probe = p->name;
		d->plus_rate = hits_rate(r, p);
		d->minus = m ? m->name : NULL;
		d->minus_rate = m ? hits_rate(r, m) : 0;
		d->rate = d->plus_rate > d->minus_rate ?
			  d->plus_rate - d->minus_rate : 0;
	}
	return 0;
}

/* RTO, fast and other retransmits from the family of p (labelled by the
 * calling function). */
static void add_split(struct diag_report *r, const struct probe_spec *p)
{
	struct diag_retransmits *t = &r->retransmits;

	t->split = true;
	for (int j = 0; j < diag_samples_count(r->end); j++) {
		const struct diag_sample *x = diag_samples_at(r->end, j);
		const char *c = diag_sample_label(x, "caller");
		double d;

		if (strcmp(x->name, p->metric) || !c)
			continue;
		d = diag_delta(r->start, x) / r->duration;
		*(strstr(c, CALLER_RTO) ? &t->rto : strstr(c, CALLER_FAST)
		  ? &t->fast : &t->other) += d;
	}
}

/* Retransmits: the rate of the heuristic named "retransmits" where the
 * config has one; RTO and fast from an up probe whose one label is
 * `caller`. */
static void add_retransmits(struct diag_report *r, const struct config *cfg)
{
	for (int i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i].cause, "retransmits"))
			r->retransmits.rate = r->rules[i].rate;
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (p->nlabels == 1 && !strcmp(p->labels[0], "caller") &&
		    p->metric && probe_up(r, p->name)) {
			add_split(r, p);
			return;
		}
	}
}

/* True when p has a label called name. */
static bool has_label(const struct probe_spec *p, const char *name)
{
	for (int l = 0; l < p->nlabels; l++)
		if (!strcmp(p->labels[l], name))
			return true;
	return false;
}

/* True when probe i can name the peers of probe event's records: on the
 * same kernel event, with a family, address labels and, when reason, a
 * reason label (to attach them to the drops' reasons). */
static bool gives_peers(const struct config *cfg, int i, int event,
			bool reason)
{
	const struct probe_spec *p = config_probe(cfg, i);

	return config_event_first(cfg, i) == config_event_first(cfg, event) &&
	       p->metric && config_address_labels(cfg, i) &&
	       (!reason || has_label(p, "reason"));
}

/* The one probe whose address labels name the peers of probe event's
 * records (one, so that no record counts twice): event itself when it
 * gives peers, else the first probe on its event that does and that
 * /metrics reports up; -1 when none (also when event is -1). */
static int peer_probe(const struct diag_report *r, const struct config *cfg,
		      int event, bool reason)
{
	if (event < 0 || config_event_first(cfg, event) < 0)
		return -1;
	if (gives_peers(cfg, event, event, reason))
		return event;
	for (int i = 0; i < config_probe_count(cfg); i++)
		if (gives_peers(cfg, i, event, reason) &&
		    probe_up(r, config_probe(cfg, i)->name))
			return i;
	return -1;
}

/* Adds rate to the entry of peer in peers[n]; -1 on ENOMEM. */
static int add_peer(struct diag_report *r, struct diag_location **peers,
		    int *n, const char *peer, double rate)
{
	struct diag_location *l = peer_of(r, peers, n, peer);

	if (!l)
		return -1;
	l->rate += rate;
	return 0;
}

/* each_drop() callback: d's peer to its reason in the report, when both
 * are there. Peers add no rate to causes or reasons: they are the same
 * drops seen again. A peer probe without a location label gives the
 * cause by reason alone, so where causes.locations split a reason
 * (NOT_SPECIFIED) its peers go to that reason of cause other only. */
static int add_drop_peer(struct diag_report *r, const struct drop *d)
{
	struct diag_cause *c = find(&r->causes, r->ncauses, sizeof(*c),
				    d->cause);
	struct diag_reason *k = c ? find(&c->reasons, c->nreasons,
					 sizeof(*k), d->reason) : NULL;

	if (!k || !*d->peer)
		return 0;
	return add_peer(r, &k->peers, &k->npeers, d->peer, d->n / r->duration);
}

/* each_drop() callback: a retransmitted segment's peer. */
static int add_retransmit_peer(struct diag_report *r, const struct drop *d)
{
	struct diag_retransmits *t = &r->retransmits;

	if (!*d->peer)
		return 0;
	return add_peer(r, &t->peers, &t->npeers, d->peer, d->n / r->duration);
}

/* The first probe on tracepoint target ("sys:event"), or -1. */
static int tracepoint_probe(const struct config *cfg, const char *target)
{
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (p->kind == PROBE_TRACEPOINT && !strcmp(p->target, target))
			return i;
	}
	return -1;
}

/* The peers of the drops' reasons and of the retransmits; -1 on ENOMEM. */
static int add_peers(struct diag_report *r, const struct config *cfg)
{
	int drops = peer_probe(r, cfg, drops_probe(cfg), true);
	int retrans = peer_probe(r, cfg, tracepoint_probe(cfg,
							  RETRANSMIT_EVENT),
				 false);

	if (drops >= 0 && each_drop(r, cfg, drops, add_drop_peer))
		return -1;
	if (retrans >= 0 &&
	    each_drop(r, cfg, retrans, add_retransmit_peer))
		return -1;
	return 0;
}

/* Whether names[n] lists probe. */
static bool lists(const char *const *names, int n, const char *probe)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], probe))
			return true;
	return false;
}

/* What probe p being down hides, written to f: its hits and family, the
 * drop causes, and each heuristic that lists it (with the fallback it
 * uses, or off). */
static void write_hides(FILE *f, const struct diag_report *r,
			const struct config *cfg, const struct probe_spec *p)
{
	fprintf(f, "%s %s hits", p->kind == PROBE_FUNCTION ? "function" :
		"event", p->target);
	if (p->metric)
		fprintf(f, ", %s", p->metric);
	if (config_causes_probe(cfg) && !strcmp(config_causes_probe(cfg),
						p->name))
		fputs(", every drop cause", f);
	for (int i = 0; i < r->nrules; i++) {
		const struct cause_rule *k = config_rule(cfg, i);
		const struct diag_rule *d = &r->rules[i];

		if (!lists(k->probes, k->nprobes, p->name) &&
		    !lists(k->minuses, k->nminus, p->name))
			continue;
		if (d->probe)
			fprintf(f, "; %s uses %s%s%s instead", d->cause,
				d->probe, d->minus ? " - " : "",
				d->minus ? d->minus : "");
		else
			fprintf(f, "; %s is off", d->cause);
	}
}

/* One entry per probe /metrics reports down. */
static int add_downs(struct diag_report *r, const struct config *cfg,
		     const char *(*why)(void *ctx, int probe), void *ctx)
{
	for (int i = 0; i < diag_samples_count(r->end); i++) {
		const struct diag_sample *x = diag_samples_at(r->end, i);
		const char *name = diag_sample_label(x, "probe");
		int probe = name ? config_probe_index(cfg, name) : -1;
		struct diag_down *d;
		size_t len;
		FILE *f;

		if (strcmp(x->name, COLLECT_PROBE_UP) || x->value != 0 || probe < 0)
			continue;
		d = grow(&r->downs, &r->ndowns, sizeof(*d));
		f = d ? open_memstream(&d->hides, &len) : NULL;
		if (!f)
			return -1;
		d->probe = name;
		d->why = why ? why(ctx, probe) : NULL;
		write_hides(f, r, cfg, config_probe(cfg, probe));
		if (fclose(f))
			return -1;
	}
	return 0;
}

/* Events the kernel or the readers lost, summed over CPUs and kinds. */
static void add_lost(struct diag_report *r)
{
	for (int i = 0; i < diag_samples_count(r->end); i++) {
		const struct diag_sample *x = diag_samples_at(r->end, i);

		if (!strcmp(x->name, COLLECT_EVENTS_LOST))
			r->events_lost += diag_delta(r->start, x);
	}
}

/* See diagnose_int.h: one unwind path, which frees the samples too. */
struct diag_report *diag_report_new(const struct config *cfg,
				    struct diag_samples *start,
				    struct diag_samples *end, double duration,
				    const char *(*why)(void *ctx, int probe),
				    void *why_ctx)
{
	struct diag_report *r = calloc(1, sizeof(*r));
	struct utsname u;

	if (!r) {
		diag_samples_free(start);
		diag_samples_free(end);
		return NULL;
	}
	r->start = start;
	r->end = end;
	r->duration = duration > 0 ? duration : 1e-3;
	snprintf(r->kernel, sizeof(r->kernel), "%s",
		 uname(&u) ? "unknown" : u.release);
	if (add_drops(r, cfg) || add_rules(r, cfg) ||
	    add_downs(r, cfg, why, why_ctx))
		goto err_free;
	add_retransmits(r, cfg);
	if (add_peers(r, cfg))
		goto err_free;
	add_lost(r);
	rank(r);
	return r;
err_free:
	diag_report_free(r);
	errno = ENOMEM;
	return NULL;
}

/* Frees r, its lists, the strings it made and both texts; NULL is a
 * no-op. */
void diag_report_free(struct diag_report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->ncauses; i++) {
		for (int j = 0; j < r->causes[i].nreasons; j++) {
			free(r->causes[i].reasons[j].locs);
			free(r->causes[i].reasons[j].peers);
		}
		free(r->causes[i].reasons);
	}
	for (int i = 0; i < r->ndowns; i++)
		free(r->downs[i].hides);
	free(r->retransmits.peers);
	for (int i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	free(r->owned);
	free(r->causes);
	free(r->rules);
	free(r->downs);
	diag_samples_free(r->start);
	diag_samples_free(r->end);
	free(r);
}
