/* kbtf: member offsets from kernel BTF with libbpf (btf__parse and the
 * btf_members() walk). Read-only after kbtf_open(); not threaded. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "kbtf/kbtf.h"

struct kbtf {
	struct btf *btf;
};

struct kbtf *kbtf_open(const char *path)
{
	struct kbtf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->btf = btf__parse(path, NULL);
	if (!b->btf) {
		int err = errno ? errno : ENOENT;

		free(b);
		errno = err;
		return NULL;
	}
	return b;
}

void kbtf_free(struct kbtf *b)
{
	if (!b)
		return;
	btf__free(b->btf);
	free(b);
}

/* The struct or union behind id, past typedefs and qualifiers, or NULL. */
static const struct btf_type *composite_of(const struct btf *btf, int id)
{
	const struct btf_type *t;

	id = btf__resolve_type(btf, id);
	t = id < 0 ? NULL : btf__type_by_id(btf, id);
	return t && btf_is_composite(t) ? t : NULL;
}

/* Looks for the member called name (len bytes) in t, descending into
 * anonymous members. On success *off is its bit offset in t and *type_id
 * its type. */
static bool member_find(const struct btf *btf, const struct btf_type *t,
			const char *name, size_t len, unsigned int *off,
			int *type_id)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *anon;
		unsigned int bit = btf_member_bit_offset(t, i);

		if (mn && strlen(mn) == len && !strncmp(mn, name, len)) {
			if (btf_member_bitfield_size(t, i))
				return errno = EINVAL, false;
			*off = bit;
			*type_id = m->type;
			return true;
		}
		anon = mn && *mn ? NULL : composite_of(btf, m->type);
		if (anon && member_find(btf, anon, name, len, off, type_id)) {
			*off += bit;
			return true;
		}
	}
	return false;
}

/* The id of struct name, or of a typedef naming one; -1 if none. */
static int type_find(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	return id;
}

int kbtf_member(const struct kbtf *b, const char *type, const char *member,
		struct kbtf_field *out)
{
	int id = type_find(b->btf, type), size;
	unsigned int bits = 0, off;
	const char *p = member;

	while (id >= 0) {
		const struct btf_type *t = composite_of(b->btf, id);
		size_t len = strcspn(p, ".");

		errno = ENOENT;
		if (!t || !member_find(b->btf, t, p, len, &off, &id))
			return -1;
		bits += off;
		if (!p[len])
			break;
		p += len + 1;
	}
	size = id < 0 ? -1 : btf__resolve_size(b->btf, id);
	if (size < 0)
		return errno = ENOENT, -1;
	out->off = bits / 8;
	out->size = size;
	return 0;
}

/* One offset kbtf_skb_layout() needs: the struct, the member, where. */
struct want {
	const char *type, *member, *both;
	size_t at;
};

#define WANT(t, m, f) { t, m, t "." m, offsetof(struct kbtf_skb, f) }

static const struct want skb_wants[] = {
	WANT("sk_buff", "head", head),
	WANT("sk_buff", "data", data),
	WANT("sk_buff", "network_header", network_header),
	WANT("sk_buff", "transport_header", transport_header),
	WANT("sk_buff", "dev", dev),
	WANT("sk_buff", "protocol", protocol),
	WANT("net_device", "name", dev_name),
	WANT("net_device", "nd_net.net", dev_nd_net),
	WANT("net", "ns.inum", net_inum),
	WANT("iphdr", "protocol", ip_protocol),
	WANT("iphdr", "saddr", ip_saddr),
	WANT("iphdr", "daddr", ip_daddr),
	WANT("ipv6hdr", "nexthdr", ip6_nexthdr),
	WANT("ipv6hdr", "saddr", ip6_saddr),
	WANT("ipv6hdr", "daddr", ip6_daddr),
	/* TCP and UDP both start with the two ports. */
	WANT("udphdr", "source", l4_source),
	WANT("udphdr", "dest", l4_dest),
};

int kbtf_skb_layout(const struct kbtf *b, struct kbtf_skb *out,
		    const char **missing)
{
	for (size_t i = 0; i < sizeof(skb_wants) / sizeof(*skb_wants); i++) {
		const struct want *w = &skb_wants[i];
		struct kbtf_field *f = (void *)((char *)out + w->at);

		if (kbtf_member(b, w->type, w->member, f)) {
			*missing = w->both;
			return -1;
		}
	}
	return 0;
}
