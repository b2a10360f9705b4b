/* Event probes on skb tracepoints: the fetch arguments that derive packet
 * labels in the kernel from the skb pointer, with every offset from the
 * running kernel's BTF (pkg/kbtf). Whether the kernel takes event probes
 * is known only by creating one: tracefs' README shows the "e:" synopsis
 * even without CONFIG_EPROBE_EVENTS (this host's 6.18 does), and
 * dynamic_events then refuses the line with EINVAL. Not threaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kbtf/kbtf.h"
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

bool session_eprobe_label_derivable(const char *label)
{
	static const struct kbtf_skb any;
	char tmp[128];

	return label_fetch(&any, "$x", label, tmp, sizeof(tmp));
}

int session_eprobe_fetchargs(const struct kbtf_skb *l, const char *skb,
			     const char *const *labels, int n, char *buf,
			     size_t size)
{
	size_t len = 0;
	char fetch[128];

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (!label_fetch(l, skb, labels[i], fetch, sizeof(fetch)))
			continue;
		if (!arg_add(buf, size, &len, labels[i], fetch))
			return errno = ENOSPC, -1;
	}
	return len ? 0 : (errno = ENOENT, -1);
}
