/* addrtab: see addrtab.h.
 *
 * DESIGN: a table is an array of 64-bit slots (open addressing, linear
 * probing) over an append-only array of 16-byte entries. A slot holds
 * hash << 32 | id, 0 while empty; id is the entry's index + 1 (never 0).
 * To intern, a thread hashes the address and probes: a slot with the same
 * hash and bytes gives the id; an empty slot means the address is new:
 * unless the table already holds its budget of addresses, the thread
 * reserves an entry (one atomic add), writes it, then claims the slot with
 * a CAS that publishes it (release; readers load slots with acquire) and
 * counts it. A thread that loses the race for a slot goes on probing,
 * which finds the winner's address if it is the same; its reserved entry
 * stays unused (rare, bounded by the races). As in pkg/strtab, addresses
 * are counted once published, so a racer is never refused for an entry
 * that is not kept; there are as many entries as slots, a quarter spare
 * for the unused ones. Slots and entries never move and are never freed
 * while the table lives. Each thread remembers its last few IPv6 lookups
 * (ids never change), so a burst of one peer's events hashes nothing.
 */
#include "addrtab/addrtab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log/log.h"

struct addr {
	uint8_t b[16];
};

struct addrtab {
	uint64_t *slots;
	struct addr *entries;	/* [mask + 1] */
	uint32_t mask;
	unsigned used;		/* entries reserved */
	unsigned kept, max_entries;	/* addresses published, budget */
	uint64_t refused;
	bool owned;		/* slots and entries are malloc'd */
};

/* The process-wide table: 48 Ki IPv6 addresses (far above the pods and
 * peers of a node), in zero pages the kernel maps only when touched. */
#define LABEL_SLOTS (1u << 16)
static uint64_t label_slots[LABEL_SLOTS];
static struct addr label_entries[LABEL_SLOTS];
static struct addrtab labels = {
	.slots = label_slots,
	.entries = label_entries,
	.mask = LABEL_SLOTS - 1,
	.max_entries = LABEL_SLOTS / 4 * 3,
};

static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

/* The one process-wide table; static, never freed. */
struct addrtab *addrtab_labels(void)
{
	return &labels;
}

/* A private table (tests size one to fill it); NULL with errno EINVAL or
 * ENOMEM. */
struct addrtab *addrtab_new(unsigned entries)
{
	struct addrtab *t;
	uint32_t slots = 16;

	if (!entries || entries > (1u << 29)) {
		errno = EINVAL;
		return NULL;
	}
	while (slots / 4 * 3 < entries)
		slots <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->slots = calloc(slots, sizeof(*t->slots));
	t->entries = calloc(slots, sizeof(*t->entries));
	if (!t->slots || !t->entries)
		goto err_free;
	t->mask = slots - 1;
	t->max_entries = entries;
	t->owned = true;
	return t;
err_free:
	addrtab_free(t);
	errno = ENOMEM;
	return NULL;
}

/* Frees a table addrtab_new() made; NULL and the process-wide one are
 * ignored. */
void addrtab_free(struct addrtab *t)
{
	if (!t || !t->owned)
		return;
	free(t->slots);
	free(t->entries);
	free(t);
}

/* Two multiplies over the address's two words, folded to 32 bits. */
static uint32_t hash(const struct addr *a)
{
	uint64_t w[2], h;

	memcpy(w, a->b, sizeof(w));
	h = (w[0] * 0x9e3779b97f4a7c15ULL) ^ (w[1] * 0xff51afd7ed558ccdULL);
	return (uint32_t)(h ^ (h >> 32));
}

/* Counts a refusal, logging the table's first; -1 with ENOSPC. */
static int refuse(struct addrtab *t)
{
	if (__atomic_fetch_add(&t->refused, 1, __ATOMIC_RELAXED) == 0)
		log_msg(LOG_WARN, "address table full: events with new IPv6 "
			"label values are counted in hits but not in series",
			"table", t == &labels ? "labels" : "private", NULL);
	errno = ENOSPC;
	return -1;
}

/* Publishes a in the empty slot *at (word 0 expected). Returns 1 with *id,
 * 0 when another thread took the slot first (*w is then its word), or -1
 * when the table is full. A full table looks at the slot once more: the
 * thread that filled it may have published this very address there. */
static int slot_claim(struct addrtab *t, uint64_t *at, uint64_t *w,
		      uint32_t h, const struct addr *a, uint64_t *id)
{
	unsigned e = t->mask + 1;

	if (LOAD(&t->kept) < t->max_entries && LOAD(&t->used) <= t->mask)
		e = __atomic_fetch_add(&t->used, 1, __ATOMIC_RELAXED);
	if (e > t->mask) {
		*w = LOAD_ACQ(at);
		return *w ? 0 : -1;
	}
	t->entries[e] = *a;
	if (!__atomic_compare_exchange_n(at, w, (uint64_t)h << 32 | (e + 1),
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return 0;
	__atomic_fetch_add(&t->kept, 1, __ATOMIC_RELAXED);
	*id = e + 1;
	return 1;
}

/* Looks a up, inserting it when new (see DESIGN above). 0 with *id, or -1
 * with ENOSPC when it is new and the table is full. */
static int intern(struct addrtab *t, const struct addr *a, uint64_t *id)
{
	uint32_t h = hash(a);
	uint64_t w;
	int r;

	for (uint32_t i = h, n = 0; n <= t->mask; i++, n++) {
		uint64_t *at = &t->slots[i & t->mask];

		w = LOAD_ACQ(at);
		if (!w) {
			r = slot_claim(t, at, &w, h, a, id);
			if (r > 0)
				return 0;
			if (r < 0)
				break;
		}
		if ((uint32_t)(w >> 32) == h &&
		    !memcmp(&t->entries[(uint32_t)w - 1], a, sizeof(*a))) {
			*id = (uint32_t)w;
			return 0;
		}
	}
	return refuse(t);
}

/* A thread's recent IPv6 lookups in the process-wide table (never freed,
 * so an id stays good; a private table may be freed and another made at
 * its address), by the address's last byte (the one that differs most
 * between the peers of a node): a hit gives the id without hashing nor
 * probing the shared table. id 0: an unused entry. */
#define RECENT 8
struct recent {
	struct addr a;
	uint64_t id;
};
static __thread struct recent recent[RECENT];

/* The id of a in t, from this thread's recent lookups or else interned
 * (and remembered). 0 with *id, or -1 as intern(). */
static int lookup(struct addrtab *t, const struct addr *a, uint64_t *id)
{
	struct recent *r = &recent[a->b[15] % RECENT];

	if (t != &labels)
		return intern(t, a, id);
	if (r->id && !memcmp(&r->a, a, sizeof(*a))) {
		*id = r->id;
		return 0;
	}
	if (intern(t, a, id))
		return -1;
	r->a = *a;
	r->id = *id;
	return 0;
}

/* IPv4-mapped as an IPv4 key, :: as 0, else the table's id. */
int addrtab_key(struct addrtab *t, const void *b, uint64_t *key)
{
	static const struct addr zero;
	struct addr a;

	*key = 0;
	memcpy(&a, b, sizeof(a));
	if (!memcmp(a.b, v4_mapped, sizeof(v4_mapped))) {
		*key = addrtab_v4(a.b + sizeof(v4_mapped));
		return 0;
	}
	if (!memcmp(&a, &zero, sizeof(a)))
		return 0;
	return lookup(t, &a, key);
}

/* A key's bytes: from the key itself for IPv4 and ::, else the table's
 * entry (published before the key could be had). */
void addrtab_bytes(const struct addrtab *t, uint64_t key, uint8_t b[16])
{
	uint32_t w = (uint32_t)key;

	memset(b, 0, 16);
	if (key & ADDRTAB_V4) {
		memcpy(b, v4_mapped, sizeof(v4_mapped));
		memcpy(b + sizeof(v4_mapped), &w, sizeof(w));
	} else if (key) {
		memcpy(b, t->entries[w - 1].b, 16);
	}
}

/* Interns refused so far (relaxed: a statistic). */
uint64_t addrtab_refused(const struct addrtab *t)
{
	return LOAD(&t->refused);
}
