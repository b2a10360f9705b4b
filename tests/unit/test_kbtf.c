/* Unit tests for pkg/kbtf: every offset and size the skb event probe
 * dereferences equals what pahole (Debian dwarves) prints for the host's
 * own BTF, nested members add up, and missing types, members and
 * bitfields are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/kbtf.h"

/* Reads pahole's "/ * OFF SIZE * /" for the first member called name in
 * struct type. Returns 0, or -1 when pahole does not list it. */
static int pahole_member(const char *type, const char *name,
			 struct kbtf_field *out)
{
	char cmd[256], line[512], semi[64], arr[64];
	int rc = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "pahole -C %s %s 2>/dev/null", type,
		 KBTF_VMLINUX);
	snprintf(semi, sizeof(semi), " %s;", name);
	snprintf(arr, sizeof(arr), " %s[", name);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (rc && fgets(line, sizeof(line), p)) {
		char *c = strstr(line, "/*");

		if (c && (strstr(line, semi) || strstr(line, arr)) &&
		    sscanf(c, "/* %u %u", &out->off, &out->size) == 2)
			rc = 0;
	}
	pclose(p);
	return rc;
}

static int setup(void **state)
{
	if (access(KBTF_VMLINUX, R_OK) || system("pahole --version >/dev/null 2>&1"))
		return -1;
	*state = kbtf_open(KBTF_VMLINUX);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	kbtf_free(*state);
	return 0;
}

/* kbtf and pahole agree on type.name. */
static void check_same(const struct kbtf *b, const char *type, const char *name)
{
	struct kbtf_field ours, theirs;

	assert_int_equal(kbtf_member(b, type, name, &ours), 0);
	assert_int_equal(pahole_member(type, name, &theirs), 0);
	if (ours.off != theirs.off || ours.size != theirs.size)
		fail_msg("%s.%s: kbtf %u/%u, pahole %u/%u", type, name,
			 ours.off, ours.size, theirs.off, theirs.size);
}

static void test_skb_members_match_pahole(void **state)
{
	static const char *const skb[] = { "head", "data", "network_header",
		"transport_header", "dev", "protocol" };

	for (size_t i = 0; i < sizeof(skb) / sizeof(*skb); i++)
		check_same(*state, "sk_buff", skb[i]);
	check_same(*state, "net_device", "name");
	check_same(*state, "net_device", "nd_net");
	check_same(*state, "possible_net_t", "net");
	check_same(*state, "net", "ns");
	check_same(*state, "ns_common", "inum");
}

static void test_header_members_match_pahole(void **state)
{
	check_same(*state, "iphdr", "protocol");
	check_same(*state, "iphdr", "saddr");
	check_same(*state, "iphdr", "daddr");
	check_same(*state, "ipv6hdr", "nexthdr");
	check_same(*state, "ipv6hdr", "saddr");
	check_same(*state, "ipv6hdr", "daddr");
	check_same(*state, "udphdr", "source");
	check_same(*state, "udphdr", "dest");
	check_same(*state, "tcphdr", "source");
	check_same(*state, "tcphdr", "dest");
}

/* A dotted path adds the offsets of its parts. */
static void test_nested_member_adds_up(void **state)
{
	struct kbtf_field ns, inum, both;

	assert_int_equal(pahole_member("net", "ns", &ns), 0);
	assert_int_equal(pahole_member("ns_common", "inum", &inum), 0);
	assert_int_equal(kbtf_member(*state, "net", "ns.inum", &both), 0);
	assert_int_equal(both.off, ns.off + inum.off);
	assert_int_equal(both.size, inum.size);
}

static void test_layout_fills_everything(void **state)
{
	struct kbtf_skb l;
	struct kbtf_field dev;
	const char *missing = NULL;

	memset(&l, 0xff, sizeof(l));
	assert_int_equal(kbtf_skb_layout(*state, &l, &missing), 0);
	assert_null(missing);
	assert_int_equal(pahole_member("sk_buff", "dev", &dev), 0);
	assert_int_equal(l.dev.off, dev.off);
	assert_int_equal(l.ip_saddr.size, 4);
	assert_int_equal(l.ip6_daddr.size, 16);
	assert_int_equal(l.dev_name.size, 16);
	assert_int_equal(l.net_inum.size, 4);
}

static void test_missing_and_bitfields_refused(void **state)
{
	struct kbtf_field f;

	errno = 0;
	assert_int_equal(kbtf_member(*state, "sk_buff", "no_such_member", &f), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(kbtf_member(*state, "no_such_struct_fte", "x", &f), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(kbtf_member(*state, "net", "ns.no_such", &f), -1);
	assert_int_equal(errno, ENOENT);
	/* iphdr's ihl is a 4-bit field: no byte offset to dereference. */
	assert_int_equal(kbtf_member(*state, "iphdr", "ihl", &f), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_open_missing_file_fails(void **state)
{
	(void)state;
	errno = 0;
	assert_null(kbtf_open("/nonexistent/fte/vmlinux"));
	assert_int_not_equal(errno, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skb_members_match_pahole),
		cmocka_unit_test(test_header_members_match_pahole),
		cmocka_unit_test(test_nested_member_adds_up),
		cmocka_unit_test(test_layout_fills_everything),
		cmocka_unit_test(test_missing_and_bitfields_refused),
		cmocka_unit_test(test_open_missing_file_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
