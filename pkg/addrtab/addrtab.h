/* addrtab: network addresses as one 64-bit series key slot.
 *
 * An address label's value is an IPv4 or IPv6 address, 16 bytes in its
 * IPv6 form (IPv4 as IPv4-mapped, ::ffff:a.b.c.d). A series key holds one
 * 64-bit slot per label, so an address goes into one slot as a key:
 * - an IPv4(-mapped) address, the common case, is its 4 bytes under a tag
 *   bit (ADDRTAB_V4): no table, no hashing;
 * - :: is key 0;
 * - any other IPv6 address is its id in an address table: bounded,
 *   lock-free and append-only like pkg/strtab's (any thread interns and
 *   reads at once, an id stays valid for the table's life). The
 *   process-wide table (addrtab_labels) lives as long as the process, so
 *   keys survive hot reloads and are shared by every shard.
 */
#ifndef FTE_ADDRTAB_H
#define FTE_ADDRTAB_H

#include <stdint.h>
#include <string.h>

/* The tag of an IPv4 key; table ids stay below it. */
#define ADDRTAB_V4 (1ULL << 32)

struct addrtab;

/* A table of `entries` IPv6 addresses (its slots keep a quarter spare);
 * NULL with errno EINVAL or ENOMEM. Free it with addrtab_free() once no
 * thread uses it. */
struct addrtab *addrtab_new(unsigned entries);
void addrtab_free(struct addrtab *t);

/* The process-wide table of address label values; never freed. */
struct addrtab *addrtab_labels(void);

/* The key of the IPv4 address in the 4 bytes at b (network order). */
static inline uint64_t addrtab_v4(const void *b)
{
	uint32_t w;

	memcpy(&w, b, sizeof(w));
	return ADDRTAB_V4 | w;
}

/* Stores the key of the 16-byte address at b in *key, interning it in t
 * when it is an IPv6 address seen first. Returns 0, or -1 with errno
 * ENOSPC (and *key 0) when it is new and t is full (counted; the first
 * refusal of a table is logged once). Any thread; lock-free. */
int addrtab_key(struct addrtab *t, const void *b, uint64_t *key);

/* Writes the 16 bytes of a key addrtab_key() or addrtab_v4() gave into b
 * (IPv4 as IPv4-mapped). Any thread that got the key. */
void addrtab_bytes(const struct addrtab *t, uint64_t key, uint8_t b[16]);

/* How many interns were refused because the table was full. */
uint64_t addrtab_refused(const struct addrtab *t);

#endif
