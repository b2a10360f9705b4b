/* Event probes on skb tracepoints: the fetch arguments that derive packet
 * labels in the kernel from the skb pointer, with every offset from the
 * running kernel's BTF (pkg/kbtf), and the event probes themselves: one
 * per probe with packet labels (config_packet_labels()), in the private
 * group under the probe's name, made with the kprobes (session_open(),
 * session_switch()) and removed with the group. Whether the kernel takes
 * event probes is known only by creating one: tracefs' README shows the
 * "e:" synopsis even without CONFIG_EPROBE_EVENTS (this host's 6.18 does),
 * and dynamic_events then refuses the line with EINVAL; the refusal is
 * kept per probe (session_eprobe_why()) and the probe counts on its
 * tracepoint (session_probe_event()). Not threaded. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "kbtf/kbtf.h"
#include "log/log.h"
#include "pktwin/pktwin.h"
#include "tracefs/session_priv.h"

/* Appends " NAME=FETCH" to buf at *len; false when it does not fit. */
static bool arg_add(char *buf, size_t size, size_t *len, const char *name,
		    const char *fetch)
{
	int n = snprintf(buf + *len, size - *len, "%s%s=%s", *len ? " " : "",
			 name, fetch);

	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += n;
	return true;
}

/* The fetch argument for one derivable label into out, or false when the
 * label needs what a fetch argument cannot compute. The device's name is
 * skb->dev->name; its netns is skb->dev->nd_net.net->ns.inum. */
static bool label_fetch(const struct kbtf_skb *l, const char *skb,
			const char *label, char *out, size_t size)
{
	int n = -1;

	if (!strcmp(label, "device"))
		n = snprintf(out, size, "+%u(+%u(%s)):string", l->dev_name.off,
			     l->dev.off, skb);
	else if (!strcmp(label, "netns"))
		n = snprintf(out, size, "+%u(+%u(+%u(%s))):u32",
			     l->net_inum.off, l->dev_nd_net.off, l->dev.off,
			     skb);
	return n > 0 && (size_t)n < size;
}

/* The fetch type of an unsigned member of size bytes, or NULL. */
static const char *fetch_type(unsigned int size)
{
	switch (size) {
	case 1: return "u8";
	case 2: return "u16";
	case 4: return "u32";
	case 8: return "u64";
	}
	return NULL;
}

/* An sk_buff member pkg/pktwin needs, stored under its field name. */
struct window_member {
	const char *name;
	size_t at;
};

#define MEMBER(n, f) { n, offsetof(struct kbtf_skb, f) }

static const struct window_member window_members[] = {
	MEMBER(PKTWIN_F_HEAD, head),
	MEMBER(PKTWIN_F_DATA, data),
	MEMBER(PKTWIN_F_NH, network_header),
	MEMBER(PKTWIN_F_TH, transport_header),
	MEMBER(PKTWIN_F_PROTO, protocol),
};

/* Appends the window's fetch arguments: the members above, then
 * PKTWIN_LEN bytes from PKTWIN_BEFORE before skb->data as one u64 array
 * (probe arrays hold at most 64 elements). Returns 0, or -1 with errno
 * ENOSPC, or EINVAL when a member has a size no fetch type has. */
static int window_add(const struct kbtf_skb *l, const char *skb, char *buf,
		      size_t size, size_t *len)
{
	char fetch[128];

	for (size_t i = 0; i < sizeof(window_members) /
			       sizeof(*window_members); i++) {
		const struct window_member *m = &window_members[i];
		const struct kbtf_field *f = (const void *)((const char *)l +
							    m->at);

		if (!fetch_type(f->size))
			return errno = EINVAL, -1;
		snprintf(fetch, sizeof(fetch), "+%u(%s):%s", f->off, skb,
			 fetch_type(f->size));
		if (!arg_add(buf, size, len, m->name, fetch))
			return errno = ENOSPC, -1;
	}
	snprintf(fetch, sizeof(fetch), "-%d(+%u(%s)):u64[%d]", PKTWIN_BEFORE,
		 l->data.off, skb, PKTWIN_LEN / 8);
	if (!arg_add(buf, size, len, PKTWIN_F_WIN, fetch))
		return errno = ENOSPC, -1;
	return 0;
}

int session_eprobe_fetchargs(const struct kbtf_skb *l, const char *skb,
			     const char *const *labels, int n, char *buf,
			     size_t size)
{
	bool window = false;
	size_t len = 0;
	char fetch[128];

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		window |= pktwin_label(labels[i]) >= 0;
		if (!label_fetch(l, skb, labels[i], fetch, sizeof(fetch)))
			continue;
		if (!arg_add(buf, size, &len, labels[i], fetch))
			return errno = ENOSPC, -1;
	}
	if (window && window_add(l, skb, buf, size, &len))
		return -1;
	return len ? 0 : (errno = ENOENT, -1);
}

int session_eprobe_make(const char *group, const char *event,
			const char *target_system, const char *target_event,
			const char *fetchargs)
{
	struct tracefs_dynevent *ev;
	int ret, err;

	ev = tracefs_eprobe_alloc(group, event, target_system, target_event,
				  fetchargs);
	if (!ev)
		return -1;
	errno = 0;
	ret = tracefs_dynevent_create(ev);
	err = errno ? errno : EINVAL;
	tracefs_dynevent_free(ev);
	return ret ? (errno = err, -1) : 0;
}

bool session_probe_event(struct tep_handle *tep, const struct config *cfg,
			 int i, const char **sys, const char **ev)
{
	const struct probe_spec *p = config_probe(cfg, i);
	bool on = config_packet_labels(cfg, i) &&
		  tep_find_event_by_name(tep, config_kprobe_group(cfg),
					 p->name);

	*sys = on ? config_kprobe_group(cfg) : p->system;
	*ev = on ? p->name : p->event;
	return on;
}

bool session_on_tracepoint(const struct session *s, int i)
{
	const char *sys, *ev;

	return config_packet_labels(s->cfg, i) &&
	       !session_probe_event(s->tep, s->cfg, i, &sys, &ev);
}

/* True when the identifier word occurs in text as a whole word. */
static bool has_word(const char *text, const char *word)
{
	size_t len = strlen(word);

	for (const char *t = text; t && (t = strstr(t, word)); t += len) {
		bool head = t == text || !(isalnum((unsigned char)t[-1]) ||
					   t[-1] == '_');
		bool tail = !(isalnum((unsigned char)t[len]) || t[len] == '_');

		if (head && tail)
			return true;
	}
	return false;
}

/* Appends "NAME=$NAME" for every field of the tracepoint tp that a label
 * of p or its filter names: the event probe's record then carries them
 * under the same names (its filter and the parser read them there).
 * Returns 0, or -1 with errno ENOSPC. */
static int tp_fields_add(struct tep_event *tp, const struct probe_spec *p,
			 char *buf, size_t size, size_t *len)
{
	struct tep_format_field **fields = tep_event_fields(tp);
	char fetch[80];
	int ret = 0;

	for (int i = 0; fields && fields[i] && !ret; i++) {
		const char *name = fields[i]->name;
		bool used = p->filter && has_word(p->filter, name);

		for (int l = 0; l < p->nlabels && !used; l++)
			used = !strcmp(p->labels[l], name);
		snprintf(fetch, sizeof(fetch), "$%s", name);
		if (used && !arg_add(buf, size, len, name, fetch))
			ret = -1;
	}
	free(fields);
	return ret ? (errno = ENOSPC, -1) : 0;
}

/* The skb layout from the running kernel's BTF into *l; NULL, or why not
 * (a static string, or in buf). */
static const char *layout_read(struct kbtf_skb *l, char *buf, size_t size)
{
	struct kbtf *b = kbtf_open(KBTF_VMLINUX);
	const char *missing = NULL;
	int ret;

	if (!b) {
		snprintf(buf, size, "no kernel BTF (" KBTF_VMLINUX "): %s",
			 strerror(errno));
		return buf;
	}
	ret = kbtf_skb_layout(b, l, &missing);
	kbtf_free(b);
	if (!ret)
		return NULL;
	snprintf(buf, size, "kernel BTF lacks %s", missing);
	return buf;
}

/* Appends text to buf at *len after a space (none at the start); false
 * when it does not fit. */
static bool text_add(char *buf, size_t size, size_t *len, const char *text)
{
	int n = snprintf(buf + *len, size - *len, "%s%s", *len ? " " : "",
			 text);

	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += n;
	return true;
}

/* The fetch arguments of p's event probe into args: the tracepoint tp's
 * fields p names, then the packet labels' from the offsets of l. 0, or -1
 * with errno (see session_eprobe_fetchargs()). */
static int eprobe_args(struct tep_event *tp, const struct probe_spec *p,
		       const struct kbtf_skb *l, char *args, size_t size)
{
	char pkt[768];
	size_t len = 0;

	args[0] = '\0';
	if (session_eprobe_fetchargs(l, "$skbaddr", p->labels, p->nlabels,
				     pkt, sizeof(pkt)) ||
	    tp_fields_add(tp, p, args, size, &len))
		return -1;
	return text_add(args, size, &len, pkt) ? 0 : (errno = ENOSPC, -1);
}

/* Makes the event probe of probe i of cfg, named after it in group (its
 * tracepoint's format in tep), with the offsets of l; NULL, or why not
 * (valid until the next call). */
static const char *eprobe_make_one(struct tep_handle *tep,
				   const struct config *cfg, int i,
				   const char *group, const struct kbtf_skb *l)
{
	const struct probe_spec *p = config_probe(cfg, i);
	struct tep_event *tp = tep_find_event_by_name(tep, p->system,
						      p->event);
	char args[1024];

	if (!tp)
		return "the tracepoint is missing";
	if (eprobe_args(tp, p, l, args, sizeof(args)))
		return session_errno_reason("cannot write its fetch arguments");
	if (session_eprobe_make(group, p->name, p->system, p->event, args))
		return session_errno_reason("the kernel refused the event "
					    "probe");
	return NULL;
}

/* The event probe group/event as the kernel lists it (free it with
 * tracefs_dynevent_free()), or NULL. Not tracefs_dynevent_get(): libtracefs
 * 1.6.4's crashed in the 6.1 guest once the group held two event probes. */
static struct tracefs_dynevent *eprobe_find(const char *group,
					    const char *event)
{
	struct tracefs_dynevent **all, *hit;
	int n = 0, at = -1;
	char *name;

	all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_EPROBE, group);
	for (; all && all[n]; n++) {
		name = NULL;
		tracefs_dynevent_info(all[n], NULL, &name, NULL, NULL, NULL);
		if (at < 0 && name && !strcmp(name, event))
			at = n;
		free(name);
	}
	if (at < 0) {
		tracefs_dynevent_list_free(all);
		return NULL;
	}
	hit = all[at];		/* out of the list the last one fills */
	all[at] = all[n - 1];
	all[n - 1] = NULL;
	tracefs_dynevent_list_free(all);
	return hit;
}

/* True when the kernel lists the event probe of probe i of cfg. */
static bool eprobe_exists(const struct config *cfg, int i)
{
	struct tracefs_dynevent *ev = eprobe_find(config_kprobe_group(cfg),
						  config_probe(cfg, i)->name);

	tracefs_dynevent_free(ev);
	return ev;
}

void eprobe_destroy(const struct config *cfg, int i)
{
	struct tracefs_dynevent *ev = eprobe_find(config_kprobe_group(cfg),
						  config_probe(cfg, i)->name);

	if (ev && tracefs_dynevent_destroy(ev, false))
		log_msg(LOG_WARN, "cannot remove event probe", "probe",
			config_probe(cfg, i)->name, "err",
			strerror(errno ? errno : EBUSY), NULL);
	tracefs_dynevent_free(ev);
}

/* The labels of probe i that need its event probe, comma separated. */
static void packet_names(const struct config *cfg, int i, char *buf,
			 size_t size)
{
	const struct probe_spec *p = config_probe(cfg, i);
	size_t len = 0;

	buf[0] = '\0';
	for (int l = 0; l < p->nlabels; l++)
		if (config_packet_labels(cfg, i) & (1u << l))
			len += snprintf(buf + len, len < size ? size - len : 0,
					"%s%s", len ? "," : "", p->labels[l]);
}

/* Records why probe i has no event probe in why[i] (copied). */
static void why_set(char **why, const struct config *cfg, int i,
		    const char *reason)
{
	char names[128];

	packet_names(cfg, i, names, sizeof(names));
	if (asprintf(&why[i], "labels %s stay empty: %s", names, reason) < 0)
		why[i] = NULL;
}

char **eprobes_create(struct tep_handle *tep, const struct config *cfg)
{
	int n = config_probe_count(cfg);
	char **why = calloc(n + 1, sizeof(*why)), buf[256];
	const char *no_btf = NULL, *r;
	struct kbtf_skb l;
	bool read = false;

	for (int i = 0; why && i < n; i++) {
		if (!config_packet_labels(cfg, i) || eprobe_exists(cfg, i))
			continue;
		if (!read) {
			no_btf = layout_read(&l, buf, sizeof(buf));
			read = true;
		}
		r = no_btf ? no_btf : eprobe_make_one(tep, cfg, i,
						       config_kprobe_group(cfg),
						       &l);
		if (r)
			why_set(why, cfg, i, r);
	}
	return why;
}

void eprobes_why_free(char **why, int n)
{
	for (int i = 0; why && i < n; i++)
		free(why[i]);
	free(why);
}

const char *session_eprobe_why(const struct session *s, int i)
{
	return s->eprobe_why ? s->eprobe_why[i] : NULL;
}

/* --check-config's trial of probe i with the skb layout l: makes its event
 * probe in group and removes it at once; NULL, or why not. */
static const char *eprobe_try(struct tep_handle *tep, const struct config *cfg,
			      int i, const char *group,
			      const struct kbtf_skb *l)
{
	struct tracefs_dynevent *ev;
	const char *why = eprobe_make_one(tep, cfg, i, group, l);

	if (why)
		return why;
	ev = eprobe_find(group, config_probe(cfg, i)->name);
	if (ev)
		tracefs_dynevent_destroy(ev, true);
	tracefs_dynevent_free(ev);
	return NULL;
}

int session_check_eprobes(struct tep_handle *tep, const struct config *cfg,
			  FILE *errs)
{
	char group[32], names[128], buf[256];
	const char *why, *no_btf = NULL;
	struct kbtf_skb l;
	bool read = false;

	snprintf(group, sizeof(group), "fte_check_%d", (int)getpid());
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (!config_packet_labels(cfg, i))
			continue;
		packet_names(cfg, i, names, sizeof(names));
		if (!read) {	/* the BTF once, for every probe */
			no_btf = layout_read(&l, buf, sizeof(buf));
			read = true;
		}
		why = no_btf ? no_btf : eprobe_try(tep, cfg, i, group, &l);
		if (why)
			fprintf(errs, "%s:%d:%d: warning: probe %s: no event "
				"probe on this kernel (%s): labels %s will be "
				"empty; it counts on %s:%s\n", config_path(cfg),
				p->line, p->col, p->name, why, names,
				p->system, p->event);
		else
			fprintf(errs, "%s:%d:%d: note: probe %s: labels %s come "
				"from an event probe on %s:%s\n",
				config_path(cfg), p->line, p->col, p->name,
				names, p->system, p->event);
	}
	return 0;
}
