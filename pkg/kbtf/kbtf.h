/* kbtf: struct member offsets from the running kernel's BTF
 * (/sys/kernel/btf/vmlinux), read with libbpf's BTF API. Nothing is loaded
 * into the kernel. The event probe on skb:kfree_skb takes every offset it
 * dereferences from here: none is baked into the exporter. */
#ifndef FTE_KBTF_H
#define FTE_KBTF_H

#define KBTF_VMLINUX "/sys/kernel/btf/vmlinux"

struct kbtf;

/* Where a member lies inside its outermost struct, in bytes. */
struct kbtf_field {
	unsigned int off;
	unsigned int size;
};

/* The offsets the skb event probe dereferences. */
struct kbtf_skb {
	struct kbtf_field head, data, network_header, transport_header;
	struct kbtf_field dev, protocol;
	struct kbtf_field dev_name, dev_nd_net, net_inum;
	struct kbtf_field ip_protocol, ip_saddr, ip_daddr;
	struct kbtf_field ip6_nexthdr, ip6_saddr, ip6_daddr;
	struct kbtf_field l4_source, l4_dest;
};

/* Parses the BTF file at path (KBTF_VMLINUX for the running kernel).
 * Returns NULL with errno set when the file is missing or unreadable. */
struct kbtf *kbtf_open(const char *path);
void kbtf_free(struct kbtf *b);

/* Finds MEMBER of struct (or typedef of a struct) TYPE. member is a dotted
 * path through embedded structs ("ns.inum"); anonymous structs and unions
 * are searched as the compiler does. Returns 0, or -1 with errno ENOENT
 * (no such type or member) or EINVAL (a bitfield). */
int kbtf_member(const struct kbtf *b, const char *type, const char *member,
		struct kbtf_field *out);

/* Fills every offset of struct kbtf_skb. Returns 0, or -1 with errno and
 * *missing naming the first "type.member" the kernel lacks. */
int kbtf_skb_layout(const struct kbtf *b, struct kbtf_skb *out,
		    const char **missing);

#endif
