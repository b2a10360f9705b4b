/* pktwin: IPv4/IPv6 headers and ports found in the skb event probe's copy
 * of the bytes around skb->data. Pure; not threaded. */
#include <arpa/inet.h>
#include <string.h>

#include "pktwin/pktwin.h"

#define OFFSET_UNSET 0xffff	/* skb_*_header_was_set(): (typeof)~0U */
#define ETH_IP 0x0800
#define ETH_IPV6 0x86dd

/* Where head + off lies in the window, or -1 when it is unset or the len
 * bytes from there do not all lie inside. */
static long win_pos(const struct pktwin_in *in, uint16_t off, size_t len)
{
	int64_t pos = (int64_t)(in->head + off + PKTWIN_BEFORE - in->data);

	if (off == OFFSET_UNSET || pos < 0 || pos + (int64_t)len > PKTWIN_LEN)
		return -1;
	return (long)pos;
}

/* True when an IPv4 header of len bytes (a multiple of 4) sums to 0xffff
 * (RFC 1071). Summed as 32-bit words in host order, then folded: the
 * one's complement sum is the same in either byte order up to a swap,
 * and 0xffff is its own swap (RFC 1071, 2.B and 2.C). */
static bool ip4_csum_ok(const uint8_t *h, size_t len)
{
	uint64_t sum = 0;
	uint32_t w;

	for (size_t i = 0; i < len; i += 4) {
		memcpy(&w, h + i, sizeof(w));
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* True for the protocols whose header starts with the two ports. */
static bool l4_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/* skb->protocol is unset (0) on some transmit paths; set, it must agree
 * with the header's version. */
static bool proto_agrees(const struct pktwin_in *in, uint16_t eth)
{
	return in->proto == 0 || ntohs(in->proto) == eth;
}

/* The ports at the transport header, which must start exactly at l4 (the
 * byte after the IP header): on the receive path before IP the stack
 * leaves transport_header equal to network_header. */
static enum pktwin_status ports_read(const struct pktwin_in *in, long l4,
				     struct pktwin_out *out)
{
	long pos = win_pos(in, in->th, 4);

	if (pos < 0 || pos != l4 || !l4_has_ports(out->l4proto))
		return PKTWIN_ADDRS;
	out->sport = (uint16_t)(in->win[pos] << 8 | in->win[pos + 1]);
	out->dport = (uint16_t)(in->win[pos + 2] << 8 | in->win[pos + 3]);
	return PKTWIN_PORTS;
}

/* IPv4 at pos: ihl, checksum, addresses; ports unless a later fragment. */
static enum pktwin_status ip4_read(const struct pktwin_in *in, long pos,
				   struct pktwin_out *out)
{
	const uint8_t *h = in->win + pos;
	size_t ihl = (size_t)(h[0] & 0xf) * 4;

	if (ihl < 20 || pos + (long)ihl > PKTWIN_LEN)
		return PKTWIN_OUTSIDE;
	if (!proto_agrees(in, ETH_IP) || !ip4_csum_ok(h, ihl))
		return PKTWIN_NOT_IP;
	out->family = 4;
	out->l4proto = h[9];
	memcpy(out->saddr, h + 12, 4);
	memcpy(out->daddr, h + 16, 4);
	if ((h[6] << 8 | h[7]) & 0x1fff)
		return PKTWIN_ADDRS;
	return ports_read(in, pos + (long)ihl, out);
}

/* IPv6 at pos: addresses and the next header; extension headers are not
 * walked, so ports come only when the transport header follows directly. */
static enum pktwin_status ip6_read(const struct pktwin_in *in, long pos,
				   struct pktwin_out *out)
{
	const uint8_t *h = in->win + pos;

	if (win_pos(in, in->nh, 40) < 0)
		return PKTWIN_OUTSIDE;
	if (!proto_agrees(in, ETH_IPV6))
		return PKTWIN_NOT_IP;
	out->family = 6;
	out->l4proto = h[6];
	memcpy(out->saddr, h + 8, 16);
	memcpy(out->daddr, h + 24, 16);
	return ports_read(in, pos + 40, out);
}

enum pktwin_status pktwin_extract(const struct pktwin_in *in,
				  struct pktwin_out *out)
{
	long pos = win_pos(in, in->nh, 1);

	memset(out, 0, sizeof(*out));
	if (pos < 0)
		return PKTWIN_OUTSIDE;
	switch (in->win[pos] >> 4) {
	case 4:
		return ip4_read(in, pos, out);
	case 6:
		return ip6_read(in, pos, out);
	}
	return PKTWIN_NOT_IP;
}

int pktwin_label(const char *name)
{
	static const char *const names[PKTWIN_NLABELS] = {
		[PKTWIN_L_SADDR] = "saddr", [PKTWIN_L_DADDR] = "daddr",
		[PKTWIN_L_SPORT] = "sport", [PKTWIN_L_DPORT] = "dport",
		[PKTWIN_L_L4PROTO] = "l4proto",
	};

	for (int i = 0; i < PKTWIN_NLABELS; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

const char *pktwin_status_name(enum pktwin_status st)
{
	static const char *const names[PKTWIN_NSTATUS] = {
		[PKTWIN_PORTS] = "ports", [PKTWIN_ADDRS] = "addresses",
		[PKTWIN_OUTSIDE] = "outside", [PKTWIN_NOT_IP] = "not_ip",
	};

	return st < PKTWIN_NSTATUS ? names[st] : "?";
}
