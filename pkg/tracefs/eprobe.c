/* Event probes on skb tracepoints: the fetch arguments that derive packet
 * labels in the kernel from the skb pointer, with every offset from the
 * running kernel's BTF (pkg/kbtf). Whether the kernel takes event probes
 * is known only by creating one: tracefs' README shows the "e:" synopsis
 * even without CONFIG_EPROBE_EVENTS (this host's 6.18 does), and
 * dynamic_events then refuses the line with EINVAL. Not threaded. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <tracefs.h>

#include "kbtf/kbtf.h"
#include "pktwin/pktwin.h"
#include "tracefs/tracefs.h"

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

/* True for the labels pkg/pktwin reads from the copied window. */
static bool label_in_window(const char *label)
{
	static const char *const names[] = { "saddr", "daddr", "sport",
					     "dport", "l4proto" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(label, names[i]))
			return true;
	return false;
}

bool session_eprobe_label_derivable(const char *label)
{
	static const struct kbtf_skb any;
	char tmp[128];

	return label_in_window(label) ||
	       label_fetch(&any, "$x", label, tmp, sizeof(tmp));
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
		window |= label_in_window(labels[i]);
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
