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
#define CALLER_RTO "tcp_retransmit_timer"
#define CALLER_FAST "tcp_xmit_retransmit_queue"

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
 * first member of each), added when missing; NULL on ENOMEM. */
static void *find_or_add(void *v, int *n, size_t size, const char *name)
{
	char *p = *(char **)v;

	for (int i = 0; i < *n; i++, p += size)
		if (!strcmp(*(const char **)p, name))
			return p;
	p = grow(v, n, size);
	if (p)
		*(const char **)p = name;
	return p;
}

/* One series of the causes probe that grew: its labels as the report
 * names them, and its cause. */
struct drop {
	const char *cause, *reason, *location;
	char peer[256];		/* the other labels, "" when none */
	double n;
};

/* The peer entry named d->peer of k (the string copied into r->owned when
 * new); NULL on ENOMEM. */
static struct diag_location *peer_of(struct diag_report *r,
				     struct diag_reason *k,
				     const struct drop *d)
{
	struct diag_location *l;
	char **owned;

	for (int i = 0; i < k->npeers; i++)
		if (!strcmp(k->peers[i].location, d->peer))
			return &k->peers[i];
	owned = grow(&r->owned, &r->nowned, sizeof(*owned));
	if (!owned || !(*owned = strdup(d->peer)))
		return NULL;
	l = grow(&k->peers, &k->npeers, sizeof(*l));
	if (l)
		l->location = *owned;
	return l;
}

/* Adds d to its cause, reason, location and peer; -1 on ENOMEM. */
static int add_drop(struct diag_report *r, const struct drop *d)
{
	double rate = d->n / r->duration;
	struct diag_cause *c = find_or_add(&r->causes, &r->ncauses,
					   sizeof(*c), d->cause);
	struct diag_reason *k = c ? find_or_add(&c->reasons, &c->nreasons,
						sizeof(*k), d->reason) : NULL;
	struct diag_location *l = k ? find_or_add(&k->locs, &k->nlocs,
						  sizeof(*l), d->location) : NULL;
	struct diag_location *peer = l && *d->peer ? peer_of(r, k, d) : l;

	if (!peer)
		return -1;
	c->rate += rate;
	c->drops += d->n;
	k->rate += rate;
	k->drops += d->n;
	l->rate += rate;
	if (peer != l)
		peer->rate += rate;
	r->total += rate;
	return 0;
}

/* A label value of x, NULL when absent or empty. */
static const char *label_of(const struct diag_sample *x, const char *name)
{
	const char *v = name ? diag_sample_label(x, name) : NULL;

	return v && *v ? v : NULL;
}

/* The labels of p that are neither its reason nor its location (address
 * labels, ports, devices), "name=value ..." into d->peer. */
static void peer_labels(struct drop *d, const struct diag_sample *x,
			const struct probe_spec *p, int reason, int location)
{
	size_t len = 0;

	for (int i = 0; i < p->nlabels; i++) {
		const char *v = label_of(x, p->labels[i]);

		if (!v || i == reason || i == location ||
		    len >= sizeof(d->peer))
			continue;
		len += snprintf(d->peer + len, sizeof(d->peer) - len, "%s%s=%s",
				len ? " " : "", p->labels[i], v);
	}
}

/* Series x of the causes probe p as a drop. The cause is pkg/causes'
 * rule; the location counts in it only where causes.locations exist. */
static void drop_of(struct drop *d, const struct diag_sample *x,
		    const struct probe_spec *p, const struct config *cfg)
{
	int rl = config_reason_label(cfg), ll = config_location_label(cfg);
	const char *rname = rl < 0 ? NULL : p->labels[rl];
	const char *lname = ll < 0 ? NULL : p->labels[ll];
	const char *reason = label_of(x, rname), *loc = label_of(x, lname);

	*d = (struct drop){ .reason = reason ? reason : "(none)",
			    .location = loc ? loc : "(unknown)" };
	d->cause = causes_cause_of(cfg, reason, config_location_count(cfg) ?
				   loc : NULL);
	peer_labels(d, x, p, rl, ll);
}

/* See diagnose_int.h. */
const struct probe_spec *diag_drops_probe(const struct config *cfg)
{
	int probe = config_reason_probe(cfg);

	if (probe < 0)
		probe = config_location_probe(cfg);
	if (probe < 0 || !config_probe(cfg, probe)->metric)
		return NULL;
	return config_probe(cfg, probe);
}

/* Every series of the causes probe's family that grew, into its cause. */
static int add_drops(struct diag_report *r, const struct config *cfg)
{
	const struct probe_spec *p = diag_drops_probe(cfg);
	struct drop d;

	for (int i = 0; p && i < diag_samples_count(r->end); i++) {
		const struct diag_sample *x = diag_samples_at(r->end, i);

		if (strcmp(x->name, p->metric))
			continue;
		drop_of(&d, x, p, cfg);
		d.n = diag_delta(r->start, x);
		if (d.n > 0 && add_drop(r, &d))
			return -1;
	}
	return 0;
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

/* Ranks causes, their reasons, locations and peers by rate, and sets the
 * shares. */
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
