/* Unit tests for pkg/pktwin on synthetic windows: IPv4/UDP on the receive
 * path (skb->data at the UDP header), IPv6/TCP on the transmit path
 * (skb->data at the IP header), IPv4 with options, headers outside the
 * window, and the validations that keep stray bytes from becoming labels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "pktwin/pktwin.h"

#define HEAD 0xffff888012340000ull

/* IPv4 192.168.0.1 -> 192.168.0.199, UDP, checksum 0xb861 (RFC 1071's
 * usual worked example). */
static const uint8_t ip4_udp[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

/* IPv4 with a router-alert option (ihl 6) 10.0.0.1 -> 10.0.0.2, UDP. */
static const uint8_t ip4_opt[24] = {
	0x46, 0x00, 0x00, 0x38, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11,
	0xbf, 0x7a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x94, 0x04, 0x00, 0x00,
};

static const uint8_t udp_ports[4] = { 0x30, 0x39, 0x00, 0x35 };	/* 12345 -> 53 */
static const uint8_t tcp_ports[4] = { 0x01, 0xbb, 0xc7, 0x38 };	/* 443 -> 51000 */

/* A window for an skb whose network header is nh and transport header th
 * bytes past head, with data at data_off; the bytes are copied from hdr
 * (the IP header) and l4 (the ports) to where those offsets put them. */
struct fixture {
	uint8_t win[PKTWIN_LEN];
	struct pktwin_in in;
};

static void fixture_init(struct fixture *f, uint16_t data_off, uint16_t nh,
			 uint16_t th, uint16_t eth)
{
	memset(f, 0, sizeof(*f));
	f->in = (struct pktwin_in){ .head = HEAD, .data = HEAD + data_off,
				    .nh = nh, .th = th, .proto = htons(eth),
				    .win = f->win };
}

/* Copies len bytes to where head + off lies in the window. */
static void fixture_put(struct fixture *f, uint16_t off, const void *p,
			size_t len)
{
	long pos = (long)off - (long)(f->in.data - f->in.head) + PKTWIN_BEFORE;

	assert_true(pos >= 0 && pos + (long)len <= PKTWIN_LEN);
	memcpy(f->win + pos, p, len);
}

/* Receive path: data at the UDP header, 34 bytes past head (Ethernet 14,
 * IPv4 20): addresses, protocol and ports. */
static void test_ip4_udp_receive(void **state)
{
	static const uint8_t saddr[4] = { 192, 168, 0, 1 };
	static const uint8_t daddr[4] = { 192, 168, 0, 199 };
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	fixture_init(&f, 34, 14, 34, 0x0800);
	fixture_put(&f, 14, ip4_udp, sizeof(ip4_udp));
	fixture_put(&f, 34, udp_ports, sizeof(udp_ports));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_PORTS);
	assert_int_equal(out.family, 4);
	assert_memory_equal(out.saddr, saddr, 4);
	assert_memory_equal(out.daddr, daddr, 4);
	assert_int_equal(out.l4proto, 17);
	assert_int_equal(out.sport, 12345);
	assert_int_equal(out.dport, 53);
}

/* Transmit path: data at the IPv6 header, 16 bytes past head; TCP. */
static void test_ip6_tcp_transmit(void **state)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 20, 6, 64 };
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", h + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", h + 24), 1);
	fixture_init(&f, 16, 16, 56, 0x86dd);
	fixture_put(&f, 16, h, sizeof(h));
	fixture_put(&f, 56, tcp_ports, sizeof(tcp_ports));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_PORTS);
	assert_int_equal(out.family, 6);
	assert_memory_equal(out.saddr, h + 8, 16);
	assert_memory_equal(out.daddr, h + 24, 16);
	assert_int_equal(out.l4proto, 6);
	assert_int_equal(out.sport, 443);
	assert_int_equal(out.dport, 51000);
}

/* ihl 6: the ports start 24 bytes after the IP header, not 20. */
static void test_ip4_options(void **state)
{
	static const uint8_t daddr[4] = { 10, 0, 0, 2 };
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	fixture_init(&f, 38, 14, 38, 0x0800);
	fixture_put(&f, 14, ip4_opt, sizeof(ip4_opt));
	fixture_put(&f, 38, udp_ports, sizeof(udp_ports));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_PORTS);
	assert_memory_equal(out.daddr, daddr, 4);
	assert_int_equal(out.dport, 53);
	f.in.th = 34;	/* where ihl 5 would put it: not the transport header */
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_ADDRS);
	assert_int_equal(out.dport, 0);
}

/* The network header before the window, unset, or its header running past
 * the window's end: no labels. */
static void test_header_outside_window(void **state)
{
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	fixture_init(&f, 200, 14, 34, 0x0800);
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_OUTSIDE);
	assert_int_equal(out.family, 0);
	fixture_init(&f, 34, 0xffff, 34, 0x0800);
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_OUTSIDE);
	fixture_init(&f, 0, 50, 70, 0x0800);	/* window bytes 114..134 */
	fixture_put(&f, 50, ip4_udp, 14);
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_OUTSIDE);
}

/* The IP header inside, the ports past the window's end: addresses only. */
static void test_ports_outside_window(void **state)
{
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	fixture_init(&f, 0, 42, 62, 0x0800);	/* ports at bytes 126..130 */
	fixture_put(&f, 42, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_ADDRS);
	assert_int_equal(out.family, 4);
	assert_int_equal(out.l4proto, 17);
	assert_int_equal(out.sport, 0);
}

/* Before IP has run the stack leaves transport_header at network_header;
 * a later fragment carries no ports; neither gives ports. */
static void test_no_ports_without_transport_header(void **state)
{
	uint8_t frag[20];
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	fixture_init(&f, 14, 14, 14, 0x0800);
	fixture_put(&f, 14, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_ADDRS);
	memcpy(frag, ip4_udp, sizeof(frag));
	frag[6] = 0x00, frag[7] = 0x01;	/* DF off, fragment offset 8 */
	frag[10] = 0xf8, frag[11] = 0x60;	/* its checksum */
	fixture_init(&f, 34, 14, 34, 0x0800);
	fixture_put(&f, 14, frag, sizeof(frag));
	fixture_put(&f, 34, udp_ports, sizeof(udp_ports));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_ADDRS);
}

/* Bytes that are not an IP header: a bad checksum, a version that
 * skb->protocol contradicts, a version nibble neither 4 nor 6. */
static void test_not_ip(void **state)
{
	uint8_t bad[20];
	struct fixture f;
	struct pktwin_out out;

	(void)state;
	memcpy(bad, ip4_udp, sizeof(bad));
	bad[15] ^= 1;
	fixture_init(&f, 34, 14, 34, 0x0800);
	fixture_put(&f, 14, bad, sizeof(bad));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_NOT_IP);
	assert_int_equal(out.family, 0);
	fixture_init(&f, 34, 14, 34, 0x86dd);
	fixture_put(&f, 14, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_NOT_IP);
	fixture_init(&f, 34, 14, 34, 0);
	fixture_put(&f, 14, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_PORTS);
	f.win[PKTWIN_BEFORE - 20] = 0x55;
	assert_int_equal(pktwin_extract(&f.in, &out), PKTWIN_NOT_IP);
}

/* The window labels by name, and the status names /metrics shows. */
static void test_label_and_status_names(void **state)
{
	(void)state;
	assert_int_equal(pktwin_label("saddr"), PKTWIN_L_SADDR);
	assert_int_equal(pktwin_label("l4proto"), PKTWIN_L_L4PROTO);
	assert_int_equal(pktwin_label("device"), -1);
	assert_int_equal(pktwin_label("reason"), -1);
	assert_string_equal(pktwin_status_name(PKTWIN_PORTS), "ports");
	assert_string_equal(pktwin_status_name(PKTWIN_NOT_IP), "not_ip");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_udp_receive),
		cmocka_unit_test(test_ip6_tcp_transmit),
		cmocka_unit_test(test_ip4_options),
		cmocka_unit_test(test_header_outside_window),
		cmocka_unit_test(test_ports_outside_window),
		cmocka_unit_test(test_no_ports_without_transport_header),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_label_and_status_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
