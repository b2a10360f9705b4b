/* config: the `probes:` section. Each entry becomes one struct probe_spec
 * whose strings live in the config's string pool; checks that span probes
 * (unique names, one label list per metric family) run here too.
 */
#include "config_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const probe_keys[] = {
	"name", "tracepoint", "function", "kprobe", "fetchargs", "labels",
	"metric", "help", "filter", "max_series", "mode", "series_idle_seconds",
	NULL
};

enum {
	PK_NAME, PK_TRACEPOINT, PK_FUNCTION, PK_KPROBE, PK_FETCHARGS,
	PK_LABELS, PK_METRIC, PK_HELP, PK_FILTER, PK_MAX_SERIES, PK_MODE, PK_IDLE, PK_N
};

#define KPROBE_GROUP_MAX 63	/* the kernel's MAX_EVENT_NAME_LEN - 1 */

/* True if p already has label. */
bool cfg_has_label(const struct probe_spec *p, const char *label)
{
	for (int i = 0; i < p->nlabels; i++) {
		if (!strcmp(p->labels[i], label))
			return true;
	}
	return false;
}

static void parse_name(struct cfg_ctx *ctx, yaml_node_t *map, yaml_node_t *n,
		       struct probe_spec *p)
{
	const struct probe_spec *q;

	if (!n) {
		yamldoc_err(ctx->yd, map, "probe needs a name");
		return;
	}
	p->name = cfg_name(ctx, n, &cfg_probe_name);
	q = p->name ? config_probe_by_name(ctx->cfg, p->name) : NULL;
	if (q && q != p)	/* the first probe of that name */
		yamldoc_err(ctx->yd, n, "duplicate probe name \"%s\" (first at line %d)",
			    p->name, q->line);
}

static void split_tracepoint(struct cfg_ctx *ctx, yaml_node_t *n,
			     struct probe_spec *p)
{
	const char *colon = strchr(p->target, ':');
	size_t sys = colon ? (size_t)(colon - p->target) : 0;

	if (!sys || strspn(p->target, CFG_ALNUM "_") != sys ||
	    !cfg_chars(colon + 1, CFG_ALNUM "_", CFG_ALNUM "_")) {
		yamldoc_err(ctx->yd, n, "invalid tracepoint \"%s\": expected system:event, as in skb:kfree_skb",
			    p->target);
		return;
	}
	p->system = cfg_printf(ctx, "%.*s", (int)sys, p->target);
	p->event = cfg_printf(ctx, "%s", colon + 1);
}

/* True for a kprobe offset: decimal or 0x-prefixed hexadecimal. */
static bool valid_offset(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return cfg_chars(s + 2, CFG_DIGIT "abcdefABCDEF",
				 CFG_DIGIT "abcdefABCDEF");
	return cfg_chars(s, CFG_DIGIT, CFG_DIGIT);
}

/* Checks SYMBOL[+OFFSET]; the event goes to the instance's private group. */
static void split_kprobe(struct cfg_ctx *ctx, yaml_node_t *n,
			 struct probe_spec *p)
{
	size_t sym = strspn(p->target, CFG_ALNUM "_.");
	const char *off = p->target + sym;
	const char *group = ctx->cfg->kprobe_group;

	if (!sym || strchr(CFG_DIGIT ".", p->target[0]) ||
	    (*off && (*off != '+' || !valid_offset(off + 1)))) {
		yamldoc_err(ctx->yd, n, "invalid kprobe target \"%s\": expected SYMBOL or SYMBOL+OFFSET",
			    p->target);
		return;
	}
	if (group && strlen(group) > KPROBE_GROUP_MAX)
		yamldoc_err(ctx->yd, n, "kprobe group \"%s\" is longer than %d characters: shorten tracing.instance (its '_', '.' and '-' count twice)",
			    group, KPROBE_GROUP_MAX);
	p->system = group;
	p->event = p->name;
}

static void parse_target(struct cfg_ctx *ctx, yaml_node_t *n,
			 struct probe_spec *p)
{
	const char *s = yamldoc_scalar(ctx->yd, n);

	p->target = s ? cfg_printf(ctx, "%s", s) : NULL;
	if (!p->target)
		return;
	if (p->kind == PROBE_TRACEPOINT)
		split_tracepoint(ctx, n, p);
	else if (p->kind == PROBE_KPROBE)
		split_kprobe(ctx, n, p);
	else if (!cfg_chars(s, CFG_ALPHA "_", CFG_ALNUM "_."))
		yamldoc_err(ctx->yd, n, "invalid function name \"%s\": expected a C identifier, as in tcp_sendmsg or foo.isra.0",
			    s);
}

/* Finds the one key of tracepoint/function/kprobe and parses its value. */
static void parse_kind(struct cfg_ctx *ctx, yaml_node_t *map,
		       struct yamldoc_kv *kv, struct probe_spec *p)
{
	int found = -1;

	for (int k = PK_TRACEPOINT; k <= PK_KPROBE; k++) {
		if (!kv[k].key)
			continue;
		if (found >= 0) {
			yamldoc_err(ctx->yd, kv[k].key, "probe has both %s and %s: use exactly one",
				    probe_keys[found], probe_keys[k]);
			return;
		}
		found = k;
	}
	if (found < 0) {
		yamldoc_err(ctx->yd, map, "probe needs exactly one of tracepoint, function, kprobe");
		return;
	}
	p->kind = found - PK_TRACEPOINT;
	parse_target(ctx, kv[found].val, p);
}

/* True if label names a field of a kprobe with these fetchargs: the NAME
 * of a "NAME=ARG", or "argN" for an unnamed N-th argument (as the kernel
 * names it). NULL args: a kprobe without fetchargs has no fields. */
static bool fetcharg_field(const char *args, const char *label)
{
	size_t len, name;
	char auto_name[24];
	int i = 0;

	if (!args)
		return false;
	for (args += strspn(args, " \t"); *args; args += strspn(args, " \t")) {
		len = strcspn(args, " \t");
		name = strcspn(args, "=");
		snprintf(auto_name, sizeof(auto_name), "arg%d", ++i);
		if (name < len ? name == strlen(label) && !strncmp(args, label, name) :
				 !strcmp(label, auto_name))
			return true;
		args += len;
	}
	return false;
}

static void parse_fetchargs(struct cfg_ctx *ctx, struct yamldoc_kv *kv,
			    struct probe_spec *p)
{
	const char *s;

	if (!kv[PK_FETCHARGS].val)
		return;
	if (p->kind != PROBE_KPROBE) {
		yamldoc_err(ctx->yd, kv[PK_FETCHARGS].key, "fetchargs is only allowed on kprobe probes");
		return;
	}
	s = yamldoc_scalar(ctx->yd, kv[PK_FETCHARGS].val);
	if (s && strcspn(s, "\n\r") != strlen(s)) {
		yamldoc_err(ctx->yd, kv[PK_FETCHARGS].val, "fetchargs must be on one line");
		return;
	}
	p->fetchargs = s ? cfg_printf(ctx, "%s", s) : NULL;
}

static void parse_label(struct cfg_ctx *ctx, yaml_node_t *n,
			struct probe_spec *p)
{
	const char *l = cfg_name(ctx, n, &cfg_label_name);

	if (!l)
		return;
	if (!strncmp(l, "__", 2))
		yamldoc_err(ctx->yd, n, "label names starting with \"__\" are reserved: \"%s\"",
			    l);
	else if (p->kind == PROBE_FUNCTION && strcmp(l, "caller"))
		yamldoc_err(ctx->yd, n, "function probes support only the label \"caller\", not \"%s\"",
			    l);
	else if (p->kind == PROBE_KPROBE && !fetcharg_field(p->fetchargs, l))
		yamldoc_err(ctx->yd, n, "label \"%s\" is not a field of this kprobe: name it in fetchargs, as in %s=%%di",
			    l, l);
	else if (cfg_has_label(p, l))
		yamldoc_err(ctx->yd, n, "duplicate label \"%s\"", l);
	else
		p->labels[p->nlabels++] = l;
}

static void parse_labels(struct cfg_ctx *ctx, yaml_node_t *seq,
			 struct probe_spec *p)
{
	int count = yamldoc_seq_len(ctx->yd, seq);

	if (count > CONFIG_MAX_LABELS) {
		yamldoc_err(ctx->yd, seq, "too many labels (%d): at most %d are allowed",
			    count, CONFIG_MAX_LABELS);
		return;
	}
	for (int i = 0; i < count; i++)
		parse_label(ctx, yamldoc_item(ctx->yd, seq, i), p);
}

/* Returns the labels of p joined with ", " (owned by the config). */
static const char *join_labels(struct cfg_ctx *ctx, const struct probe_spec *p)
{
	const char *s = p->nlabels ? p->labels[0] : "";

	for (int i = 1; s && i < p->nlabels; i++)
		s = cfg_printf(ctx, "%s, %s", s, p->labels[i]);
	return s;
}

static void check_metric(struct cfg_ctx *ctx, yaml_node_t *n, const char *m)
{
	size_t len = strlen(m);

	if (len < 6 || strcmp(m + len - 6, "_total"))
		yamldoc_err(ctx->yd, n, "metric \"%s\" must end in _total (it is a counter)", m);
	else if (!strcmp(m, "ftrace_function_hits_total") ||
		 !strcmp(m, "ftrace_event_hits_total") ||
		 !strncmp(m, "ftrace_exporter_", 16))
		yamldoc_err(ctx->yd, n, "metric \"%s\" is reserved for the exporter's own families", m);
}

/* True if seq is a non-empty sequence: the probe has a labelled family. */
static bool has_family(yaml_node_t *seq)
{
	return seq && seq->type == YAML_SEQUENCE_NODE &&
	       seq->data.sequence.items.top > seq->data.sequence.items.start;
}

/* Sets metric and help, with their defaults, when the probe has labels. */
static void parse_family(struct cfg_ctx *ctx, yaml_node_t *map,
			 struct yamldoc_kv *kv, struct probe_spec *p)
{
	yaml_node_t *metric = kv[PK_METRIC].val, *help = kv[PK_HELP].val;
	const char *s;

	if (!has_family(kv[PK_LABELS].val)) {
		for (int k = PK_METRIC; k <= PK_HELP; k++)
			if (kv[k].key)
				yamldoc_err(ctx->yd, kv[k].key, "%s needs labels: a probe without labels only feeds ftrace_event_hits_total or ftrace_function_hits_total",
					    probe_keys[k]);
		return;
	}
	if (metric)
		p->metric = cfg_name(ctx, metric, &cfg_metric_name);
	else if (p->name)
		p->metric = cfg_printf(ctx, "ftrace_%s_total", p->name);
	if (p->metric)
		check_metric(ctx, metric ? metric : map, p->metric);
	s = help ? yamldoc_scalar(ctx->yd, help) : NULL;
	if (s)
		p->help = cfg_printf(ctx, "%s", s);
	else if (!help && p->name && (s = join_labels(ctx, p)))
		p->help = cfg_printf(ctx, "Events of probe %s by %s.", p->name, s);
}

static void parse_extras(struct cfg_ctx *ctx, struct yamldoc_kv *kv,
			 struct probe_spec *p)
{
	const char *s;

	if (kv[PK_FILTER].val && p->kind == PROBE_FUNCTION) {
		yamldoc_err(ctx->yd, kv[PK_FILTER].key, "filter is not supported on function probes");
	} else if (kv[PK_FILTER].val) {
		s = yamldoc_scalar(ctx->yd, kv[PK_FILTER].val);
		p->filter = s ? cfg_printf(ctx, "%s", s) : NULL;
	}
	if (kv[PK_MAX_SERIES].val)
		cfg_uint(ctx, kv[PK_MAX_SERIES].val, 1, 1000000, &p->max_series);
	if (kv[PK_IDLE].val)
		cfg_uint(ctx, kv[PK_IDLE].val, 0, CONFIG_IDLE_MAX,
			 &p->idle_seconds);
}

/* mode: count (the default: records read and counted by the exporter),
 * hist (a kernel hist trigger counts) or auto (hist where the kernel
 * accepts the trigger, count otherwise); hist and auto on tracepoints
 * only. */
static void parse_mode(struct cfg_ctx *ctx, struct yamldoc_kv *kv,
		       struct probe_spec *p)
{
	const char *s;

	if (!kv[PK_MODE].val)
		return;
	s = yamldoc_scalar(ctx->yd, kv[PK_MODE].val);
	if (!s)
		return;
	if (!strcmp(s, "hist"))
		p->mode = PROBE_HIST;
	else if (!strcmp(s, "auto"))
		p->mode = PROBE_AUTO;
	else if (strcmp(s, "count"))
		yamldoc_err(ctx->yd, kv[PK_MODE].val, "mode must be count or hist or auto, not \"%s\"", s);
	if (p->mode != PROBE_COUNT && p->kind != PROBE_TRACEPOINT)
		yamldoc_err(ctx->yd, kv[PK_MODE].key, "mode: %s is only for tracepoint probes", s);
}

static void parse_probe(struct cfg_ctx *ctx, yaml_node_t *n,
			struct probe_spec *p)
{
	struct yamldoc_kv kv[PK_N] = { { 0 } };

	p->line = (int)n->start_mark.line + 1;
	p->col = (int)n->start_mark.column + 1;
	p->max_series = ctx->cfg->max_series;
	p->idle_seconds = ctx->cfg->idle_seconds;
	if (yamldoc_fields(ctx->yd, n, "a probe", probe_keys, NULL, kv) < 0)
		return;
	parse_name(ctx, n, kv[PK_NAME].val, p);
	parse_kind(ctx, n, kv, p);
	parse_fetchargs(ctx, kv, p);
	if (kv[PK_LABELS].val)
		parse_labels(ctx, kv[PK_LABELS].val, p);
	parse_family(ctx, n, kv, p);
	parse_extras(ctx, kv, p);
	parse_mode(ctx, kv, p);
}

bool cfg_same_labels(const struct probe_spec *a, const struct probe_spec *b)
{
	if (a->nlabels != b->nlabels)
		return false;
	for (int i = 0; i < a->nlabels; i++) {
		if (strcmp(a->labels[i], b->labels[i]))
			return false;
	}
	return true;
}

/* Every probe feeding one metric family must use the same label names in
 * the same order; the first probe of a family sets them. */
static void check_families(struct cfg_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	const struct probe_spec *p, *q;

	for (p = cfg->probes; p < cfg->probes + cfg->nprobes; p++) {
		for (q = cfg->probes; p->metric && p->name && q < p; q++) {
			if (!q->metric || !q->name || strcmp(p->metric, q->metric))
				continue;
			if (!cfg_same_labels(p, q))
				yamldoc_err_at(ctx->yd, p->line, p->col,
					       "probe \"%s\" feeds metric \"%s\" with labels [%s], but probe \"%s\" (line %d) feeds it with labels [%s]",
					       p->name, p->metric,
					       join_labels(ctx, p), q->name,
					       q->line, join_labels(ctx, q));
			break;
		}
	}
}

/* How instance-name character c is written in a kprobe group name, or
 * NULL when it is kept: '_' is the escape, so it is doubled. */
static const char *group_escape(char c)
{
	switch (c) {
	case '_': return "__";
	case '.': return "_d";
	case '-': return "_h";
	default: return NULL;
	}
}

/* Names the instance's private kprobe group (kprobes are global; a group
 * name allows [A-Za-z0-9_]): "fte_" and the instance name with '_', '.'
 * and '-' escaped by group_escape(). The escapes are prefix-free, so two
 * instance names never share a group (a.b, a-b and a_b all used to be
 * fte_a_b); split_kprobe() checks the kernel's length limit. */
static void name_kprobe_group(struct cfg_ctx *ctx)
{
	char group[sizeof("fte_") + 2 * CFG_INSTANCE_MAX] = "fte_";
	size_t len = strlen(group);

	for (const char *c = ctx->cfg->instance;
	     *c && len + 2 < sizeof(group); c++) {
		const char *esc = group_escape(*c);

		if (esc) {
			memcpy(group + len, esc, 2);
			len += 2;
		} else {
			group[len++] = *c;
		}
	}
	group[len] = '\0';
	ctx->cfg->kprobe_group = cfg_printf(ctx, "%s", group);
}

/* Parses `probes:` (n may be NULL when the key is missing). */
void cfg_parse_probes(struct cfg_ctx *ctx, yaml_node_t *root, yaml_node_t *n)
{
	struct config *cfg = ctx->cfg;
	int count;

	name_kprobe_group(ctx);
	if (!n) {
		yamldoc_err(ctx->yd, root,
			    "no probes: the \"probes\" key is missing");
		return;
	}
	count = yamldoc_seq_len(ctx->yd, n);
	if (count == 0)
		yamldoc_err(ctx->yd, n, "no probes: \"probes\" is empty");
	if (count <= 0)
		return;
	cfg->probes = calloc(count, sizeof(*cfg->probes));
	if (!cfg->probes) {
		yamldoc_err(ctx->yd, n, "out of memory");
		return;
	}
	for (int i = 0; i < count; i++) {
		cfg->nprobes = i + 1;
		parse_probe(ctx, yamldoc_item(ctx->yd, n, i), &cfg->probes[i]);
	}
	check_families(ctx);
}
