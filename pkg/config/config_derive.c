/* config derive: the facts about probes that several modules need, computed
 * once when a config is loaded and served by accessors, so that no module
 * re-derives them: which probes share a kernel event, which share a metric
 * family, which probe and label carry the drop reason, the index by name,
 * and which probe of the previous config each probe continues (hot reload).
 * Loading is the only writer; a loaded config is immutable.
 */
#include "config_int.h"
#include "pktwin/pktwin.h"

#include <stdlib.h>
#include <string.h>

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* True when p and q are records of the same kernel event (tracepoint or
 * kprobe event, whatever their filters). */
static bool on_same_event(const struct probe_spec *p,
			  const struct probe_spec *q)
{
	return p->kind != PROBE_FUNCTION && q->kind != PROBE_FUNCTION &&
	       !strcmp(p->system, q->system) && !strcmp(p->event, q->event);
}

/* The window labels are pkg/pktwin's (saddr, daddr, sport, dport,
 * l4proto); device and netns are read through the skb's device. */
bool config_address_label(const char *label)
{
	int w = pktwin_label(label);

	return w >= 0 && w != PKTWIN_L_L4PROTO;
}

bool config_packet_label(const char *label)
{
	return pktwin_label(label) >= 0 || !strcmp(label, "device") ||
	       !strcmp(label, "netns");
}

/* The address labels of p (config_address_labels()). */
static unsigned address_labels(const struct probe_spec *p)
{
	unsigned mask = 0;

	for (int l = 0; l < p->nlabels; l++)
		if (config_address_label(p->labels[l]))
			mask |= 1u << l;
	return mask;
}

/* The labels of p an event probe derives (config_packet_labels()). */
static unsigned packet_labels(const struct probe_spec *p)
{
	unsigned mask = 0;

	if (p->kind != PROBE_TRACEPOINT || strcmp(p->system, "skb") ||
	    (strcmp(p->event, "kfree_skb") && strcmp(p->event, "consume_skb")))
		return 0;
	for (int l = 0; l < p->nlabels; l++)
		if (config_packet_label(p->labels[l]))
			mask |= 1u << l;
	return mask;
}

bool config_same_kernel_need(const struct probe_spec *p, bool p_hist,
			     const struct probe_spec *q, bool q_hist)
{
	if (p->kind != q->kind || p_hist != q_hist || !on_same_event(p, q))
		return false;
	if ((packet_labels(p) || packet_labels(q)) &&	/* its event probe */
	    (strcmp(p->name, q->name) || !cfg_same_labels(p, q)))
		return false;
	if (p_hist)	/* one trigger: its keys, size and filter */
		return cfg_same_labels(p, q) && p->max_series == q->max_series &&
		       str_same(p->filter, q->filter);
	if (p->kind == PROBE_KPROBE)
		return !strcmp(p->target, q->target) &&
		       str_same(p->fetchargs, q->fetchargs);
	return str_same(p->filter, q->filter);
}

bool config_probe_same(const struct probe_spec *a, const struct probe_spec *b)
{
	if (a->kind != b->kind || a->max_series != b->max_series ||
	    a->mode != b->mode || !cfg_same_labels(a, b))
		return false;
	return str_same(a->name, b->name) && str_same(a->target, b->target) &&
	       str_same(a->fetchargs, b->fetchargs) &&
	       str_same(a->metric, b->metric) && str_same(a->help, b->help) &&
	       str_same(a->filter, b->filter);
}

/* Event, family and filter facts of probe i, from the probes before it:
 * O(probes^2) once at load, never per scrape or per event. */
static void derive_probe(struct config *cfg, int i)
{
	const struct probe_spec *p = &cfg->probes[i];
	struct cfg_derived *d = &cfg->derived[i];

	d->event_first = p->kind == PROBE_FUNCTION ? -1 : i;
	d->family_first = p->metric ? i : -1;
	d->filter_conflict = d->previous = -1;
	d->packet_labels = packet_labels(p);
	d->address_labels = address_labels(p);
	for (int j = i - 1; j >= 0; j--) {
		const struct probe_spec *q = &cfg->probes[j];

		if (on_same_event(p, q)) {
			d->event_first = j;
			if (p->mode != PROBE_HIST && q->mode != PROBE_HIST &&
			    !d->packet_labels &&
			    !cfg->derived[j].packet_labels &&
			    !str_same(p->filter, q->filter))
				d->filter_conflict = j;
		}
		if (p->metric && q->metric && !strcmp(p->metric, q->metric))
			d->family_first = j;
	}
}

static int by_name(const void *a, const void *b, void *arg)
{
	const struct probe_spec *probes = arg;

	return strcmp(probes[*(const int *)a].name,
		      probes[*(const int *)b].name);
}

/* The probe index sorted by name, for config_probe_index(). */
static void sort_names(struct config *cfg)
{
	for (int i = 0; i < cfg->nprobes; i++)
		cfg->by_name[i] = i;
	qsort_r(cfg->by_name, cfg->nprobes, sizeof(*cfg->by_name), by_name,
		cfg->probes);
}

/* The index of label name of probe i, or -1 (also when i is -1). */
static int label_index(const struct config *cfg, int i, const char *name)
{
	for (int l = 0; i >= 0 && l < cfg->probes[i].nlabels; l++)
		if (!strcmp(cfg->probes[i].labels[l], name))
			return l;
	return -1;
}

/* The causes probe and the indices of its `reason` and `location` labels
 * (-1, -1 for each one it lacks). */
static void derive_reason(struct config *cfg)
{
	int i = config_probe_index(cfg, cfg->causes_probe);

	cfg->reason_label = label_index(cfg, i, "reason");
	cfg->reason_probe = cfg->reason_label < 0 ? -1 : i;
	cfg->location_label = label_index(cfg, i, "location");
	cfg->location_probe = cfg->location_label < 0 ? -1 : i;
}

/* Links each probe to the one of prev it continues: same name and same
 * definition (config_probe_same), so its counters mean the same. */
static void derive_previous(struct config *cfg, const struct config *prev)
{
	for (int j = 0; prev && j < cfg->nprobes; j++) {
		int i = config_probe_index(prev, cfg->probes[j].name);

		if (i >= 0 && config_probe_same(&prev->probes[i],
						&cfg->probes[j]))
			cfg->derived[j].previous = i;
	}
}

int cfg_derive(struct config *cfg, const struct config *prev)
{
	cfg->derived = calloc(cfg->nprobes + 1, sizeof(*cfg->derived));
	cfg->by_name = calloc(cfg->nprobes + 1, sizeof(*cfg->by_name));
	if (!cfg->derived || !cfg->by_name)
		return -1;
	for (int i = 0; i < cfg->nprobes; i++)
		derive_probe(cfg, i);
	sort_names(cfg);
	derive_reason(cfg);
	derive_previous(cfg, prev);
	return 0;
}

/* Binary search of the name index; -1 when no probe has that name. */
int config_probe_index(const struct config *cfg, const char *name)
{
	int lo = 0, hi = cfg->nprobes - 1;

	while (name && lo <= hi) {
		int mid = (lo + hi) / 2, i = cfg->by_name[mid];
		int c = strcmp(name, cfg->probes[i].name);

		if (!c)
			return i;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

int config_event_first(const struct config *cfg, int i)
{
	return cfg->derived[i].event_first;
}

int config_family_first(const struct config *cfg, int i)
{
	return cfg->derived[i].family_first;
}

int config_filter_conflict(const struct config *cfg, int i)
{
	return cfg->derived[i].filter_conflict;
}

int config_probe_previous(const struct config *cfg, int i)
{
	return cfg->derived[i].previous;
}

unsigned config_packet_labels(const struct config *cfg, int i)
{
	return cfg->derived[i].packet_labels;
}

unsigned config_address_labels(const struct config *cfg, int i)
{
	return cfg->derived[i].address_labels;
}

int config_reason_probe(const struct config *cfg)
{
	return cfg->reason_probe;
}

int config_reason_label(const struct config *cfg)
{
	return cfg->reason_label;
}

int config_location_probe(const struct config *cfg)
{
	return cfg->location_probe;
}

int config_location_label(const struct config *cfg)
{
	return cfg->location_label;
}
