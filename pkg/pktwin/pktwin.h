/* pktwin: packet labels from the bytes the skb event probe copies. An
 * event probe's fetch arguments can add only fixed offsets, not
 * skb->head + skb->network_header, so the probe copies a window of
 * PKTWIN_LEN bytes starting PKTWIN_BEFORE bytes before skb->data, along
 * with head, data, network_header, transport_header and protocol; here the
 * headers are found inside that window, when they lie in it. Pure
 * functions, no allocation, any thread. */
#ifndef FTE_PKTWIN_H
#define FTE_PKTWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The window: 64 bytes before skb->data hold an IPv6 header (40) and 24
 * bytes of options when data already points at the transport header (the
 * receive path), 64 after hold IPv4 with options plus the ports when data
 * points at the IP or link header (the transmit path). */
#define PKTWIN_BEFORE 64
#define PKTWIN_LEN 128

/* The event probe's field names: pkg/tracefs/eprobe.c gives its fetch
 * arguments these names, and the reader of the event looks them up by them
 * to fill struct pktwin_in. */
#define PKTWIN_F_HEAD "skb_head"
#define PKTWIN_F_DATA "skb_data"
#define PKTWIN_F_NH "skb_nh"
#define PKTWIN_F_TH "skb_th"
#define PKTWIN_F_PROTO "skb_proto"
#define PKTWIN_F_WIN "skb_win"

/* One event's fields: proto is skb->protocol as the probe stored it (the
 * network-order bytes read on this host); win holds PKTWIN_LEN bytes. */
struct pktwin_in {
	uint64_t head, data;
	uint16_t nh, th, proto;
	const uint8_t *win;
};

/* What pktwin_extract() found. family is 4 or 6 (0 when no address);
 * addresses in network order (4 or 16 bytes used); ports in host order. */
struct pktwin_out {
	int family;
	uint8_t saddr[16], daddr[16];
	uint8_t l4proto;
	uint16_t sport, dport;
};

/* How far extraction got: the labels it did not reach stay empty and the
 * caller counts the event under this status. */
enum pktwin_status {
	PKTWIN_PORTS,      /* addresses, l4proto and ports */
	PKTWIN_ADDRS,      /* addresses and l4proto; no ports (not TCP, UDP,
			    * SCTP or UDP-Lite, a later fragment, or the
			    * transport header unset or outside the window) */
	PKTWIN_OUTSIDE,    /* network header unset or not inside the window */
	PKTWIN_NOT_IP,     /* no valid IPv4 or IPv6 header where it points */
	PKTWIN_NSTATUS
};

/* The labels read from the window (the other packet labels, device and
 * netns, are fetch arguments of their own). */
enum pktwin_label {
	PKTWIN_L_SADDR,
	PKTWIN_L_DADDR,
	PKTWIN_L_SPORT,
	PKTWIN_L_DPORT,
	PKTWIN_L_L4PROTO,
	PKTWIN_NLABELS
};

/* The window label called name ("saddr", ...), or -1. */
int pktwin_label(const char *name);

/* The status as /metrics spells it: "ports", "addresses", "outside",
 * "not_ip". */
const char *pktwin_status_name(enum pktwin_status st);

/* Finds the IP header at head + nh and the ports at head + th inside the
 * window, validating them (version against skb->protocol, IPv4 header
 * checksum, transport header right after the IP header). Fills *out as far
 * as it got (zeroed first) and returns how far that was. */
enum pktwin_status pktwin_extract(const struct pktwin_in *in,
				  struct pktwin_out *out);

#endif
