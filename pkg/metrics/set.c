/* set: a probe's distinct series, shared by every shard; what its series
 * cap counts (see metrics.h).
 *
 * DESIGN: an open-addressing table written by every reader thread (and by
 * the hist, reload and expiry paths), read without locks. A slot is claimed
 * by one CAS of its tag from 0 to (hash, BUSY); the claimer copies the key,
 * takes one unit of the cap and publishes the outcome, KEPT or REFUSED,
 * with a release store. Threads probe in the same order from the key's
 * hash and re-read a slot whose CAS they lost, so a key has one slot at
 * most and the cap is taken once per distinct series. The cap is an atomic
 * raised by CAS only below the cap: never above it. A thread meeting a BUSY
 * slot of another hash passes it; of the same hash (the same series, or a
 * hash collision) it awaits the outcome, which is a key copy and one CAS
 * away: the only wait, and only when two threads meet one new series at
 * once.
 *
 * Expiry (expire.c) never empties a slot, so no probe chain is ever cut: it
 * turns a KEPT slot EXPIRED (one CAS) and gives back its unit of the cap.
 * The key stays. An EXPIRED or REFUSED slot is dormant: its key, met again
 * while the cap has room, revives it with the same CAS-and-settle as a
 * claim, under the next life (the tag's life field), so every KEPT life of
 * a slot has its own tag and an entry made for an old life is known dead.
 * A key not in the table takes the first dormant slot of its chain (or the
 * EMPTY slot that ends it), so churn reuses the slots of gone series and
 * the table (twice the cap) never fills with them.
 *
 * Two threads may then claim two slots for one new key at once (one takes
 * over a dormant slot, the other an EMPTY one further on). So a claimer of
 * a new key, after its CAS (sequentially consistent, as are the loads
 * that follow), reads the chain again up to its EMPTY end: a KEPT slot of
 * its key, or a BUSY one of its hash nearer the chain's start (awaited,
 * then compared), wins, and the claimer gives its slot back (FREE: dormant
 * with no key) and searches again; a revival does the same, as a series
 * refused while the cap filled may have been kept since in a later slot. Of two claimers the one nearer the start never waits for
 * the other, and the other always sees it (each CAS precedes each rescan),
 * so one slot wins and nobody waits in a circle. A key is compared between
 * two equal reads of its slot's tag, as a dormant slot may change hands.
 */
#include "metrics/metrics_int.h"

#include <sched.h>
#include <stdlib.h>

#define SC __ATOMIC_SEQ_CST

/* A power of two at least twice cap, and at least 16. */
static uint32_t set_size(unsigned cap)
{
	uint32_t size = 16;

	while (size < 2ULL * cap)
		size <<= 1;
	return size;
}

/* Slots come from calloc, untouched until a series claims one; so do the
 * expiry side's arrays. */
int set_init(struct series_set *set, unsigned cap)
{
	uint32_t size = set_size(cap);

	*set = (struct series_set){ .cap = cap, .mask = size - 1 };
	if (!cap)
		return 0;
	set->slots = calloc(size, sizeof(*set->slots));
	set->act_tag = calloc(size, sizeof(*set->act_tag));
	set->act = calloc(size, sizeof(*set->act));
	return set->slots && set->act_tag && set->act ? 0 : -1;
}

void set_fini(struct series_set *set)
{
	free(set->slots);
	free(set->act_tag);
	free(set->act);
	set->slots = NULL;
}

/* Takes one unit of the cap; false when it is all taken. */
static bool set_reserve(struct series_set *set)
{
	unsigned n = __atomic_load_n(&set->kept, __ATOMIC_RELAXED);

	do {
		if (n >= set->cap)
			return false;
	} while (!__atomic_compare_exchange_n(&set->kept, &n, n + 1, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static bool set_full(struct series_set *set)
{
	return __atomic_load_n(&set->kept, __ATOMIC_RELAXED) >= set->cap;
}

static bool dormant(uint64_t tag)
{
	return TAG_STATE(tag) == SLOT_REFUSED ||
	       TAG_STATE(tag) == SLOT_EXPIRED || TAG_STATE(tag) == SLOT_FREE;
}

/* The slot's tag once its claimer has published the outcome. */
static uint64_t slot_settled(struct slot *sl)
{
	uint64_t tag;

	while (TAG_STATE(tag = __atomic_load_n(&sl->tag, SC)) == SLOT_BUSY)
		sched_yield();
	return tag;
}

/* Whether slot sl, read with *tag (settled), holds k: true only if the tag
 * did not change while the key was read (*tag is updated when it did). */
static bool slot_holds(struct slot *sl, uint64_t *tag,
		       const struct series_key *k)
{
	const uint64_t *w = (const uint64_t *)&sl->key;
	const uint64_t *x = (const uint64_t *)k;
	uint64_t diff = 0, again;

	for (size_t i = 0; i < sizeof(*k) / sizeof(*w); i++)
		diff |= __atomic_load_n(&w[i], __ATOMIC_RELAXED) ^ x[i];
	again = __atomic_load_n(&sl->tag, SC);
	if (again != *tag) {
		*tag = again;
		return false;
	}
	return diff == 0;
}

/* The claimer's copy of the key, word by word: readers of a dormant slot
 * taken over may read it meanwhile (and then see the tag change). */
static void key_store(struct slot *sl, const struct series_key *k)
{
	uint64_t *w = (uint64_t *)&sl->key;
	const uint64_t *x = (const uint64_t *)k;

	for (size_t i = 0; i < sizeof(*k) / sizeof(*w); i++)
		__atomic_store_n(&w[i], x[i], __ATOMIC_RELAXED);
}

/* One search for key k (hash h) in set. */
struct probe {
	struct series_set *set;
	uint32_t h;
	const struct series_key *k;
};

/* Distance of slot i from the start of the key's chain. */
static uint32_t chain_pos(const struct probe *p, uint32_t i)
{
	return (i - p->h) & p->set->mask;
}

/* After claiming slot own for a new key: whether another slot wins (one
 * KEPT with k, or BUSY with k's hash nearer the chain start that settles
 * KEPT with k). */
static bool chain_rival(const struct probe *p, uint32_t own)
{
	for (uint32_t n = 0; n <= p->set->mask; n++) {
		uint32_t i = (p->h + n) & p->set->mask;
		struct slot *sl = &p->set->slots[i];
		uint64_t tag = __atomic_load_n(&sl->tag, SC);

		if (!tag)
			return false;
		if (i == own || TAG_HASH(tag) != p->h)
			continue;
		if (TAG_STATE(tag) == SLOT_BUSY) {
			if (chain_pos(p, i) > chain_pos(p, own))
				continue;
			tag = slot_settled(sl);
		}
		if (TAG_STATE(tag) == SLOT_KEPT && slot_holds(sl, &tag, p->k))
			return true;
	}
	return false;
}

/* Claims slot i, read as tag (empty, or dormant: of k when revive, else
 * another key's), for k and settles it: SLOT_KEPT (*out its tag) or
 * SLOT_REFUSED; 0 when the CAS was lost or a rival slot won (the caller
 * searches again). */
static int slot_claim(const struct probe *p, uint32_t i, uint64_t tag,
		      bool revive, uint64_t *out)
{
	struct slot *sl = &p->set->slots[i];
	uint32_t life = tag ? TAG_LIFE(tag) + 1 : 0;
	enum slot_state state;

	if (!__atomic_compare_exchange_n(&sl->tag, &tag,
					 TAG(p->h, life, SLOT_BUSY), false, SC,
					 SC))
		return 0;
	if (!revive)
		key_store(sl, p->k);
	if (chain_rival(p, i))
		state = SLOT_FREE;	/* given back, holding no key */
	else
		state = set_reserve(p->set) ? SLOT_KEPT : SLOT_REFUSED;
	*out = TAG(p->h, life, state);
	__atomic_store_n(&sl->tag, *out, __ATOMIC_RELEASE);
	return state == SLOT_FREE ? 0 : (int)state;
}

enum visit { VISIT_OTHER, VISIT_KEPT = SLOT_KEPT, VISIT_REFUSED = SLOT_REFUSED,
	     VISIT_END, VISIT_AGAIN };

/* What slot i says of k: KEPT (*out its tag) or REFUSED when it holds k,
 * a dormant slot of k being revived when the cap has room; END when the
 * chain ends there (empty); OTHER when it holds another series (*spare
 * notes the first dormant one); AGAIN when a revival lost its CAS. */
static enum visit slot_visit(const struct probe *p, uint32_t i, uint64_t *out,
			     int64_t *spare)
{
	struct slot *sl = &p->set->slots[i];
	uint64_t tag = __atomic_load_n(&sl->tag, SC);
	int state;

	if (!tag)
		return VISIT_END;
	if (TAG_HASH(tag) == p->h && TAG_STATE(tag) == SLOT_BUSY)
		tag = slot_settled(sl);
	if (TAG_HASH(tag) != p->h || TAG_STATE(tag) == SLOT_BUSY ||
	    TAG_STATE(tag) == SLOT_FREE || !slot_holds(sl, &tag, p->k)) {
		if (*spare < 0 && dormant(tag))
			*spare = i;
		return VISIT_OTHER;
	}
	*out = tag;
	if (TAG_STATE(tag) == SLOT_KEPT)
		return VISIT_KEPT;
	if (set_full(p->set))
		return VISIT_REFUSED;
	state = slot_claim(p, i, tag, true, out);
	return state ? (enum visit)state : VISIT_AGAIN;
}

#define SEARCH_AGAIN (-2)
#define SEARCH_NEW (-3)

/* Walks k's chain: k's slot (>= 0), -1 refused, SEARCH_AGAIN, or
 * SEARCH_NEW when k is not there (*spare: the first dormant slot, *end:
 * the empty one that ends the chain, or -1). */
static int64_t chain_find(const struct probe *p, uint64_t *tag,
			  int64_t *spare, int64_t *end)
{
	for (uint32_t n = 0; n <= p->set->mask; n++) {
		uint32_t i = (p->h + n) & p->set->mask;

		switch (slot_visit(p, i, tag, spare)) {
		case VISIT_KEPT:
			return i;
		case VISIT_REFUSED:
			return -1;
		case VISIT_AGAIN:
			return SEARCH_AGAIN;
		case VISIT_END:
			*end = i;
			return SEARCH_NEW;
		default:
			break;
		}
	}
	return SEARCH_NEW;
}

/* One search from the chain's start: the slot of k (>= 0), -1 refused,
 * SEARCH_AGAIN. A new key takes the first dormant slot, else the empty
 * end. */
static int64_t set_search(const struct probe *p, uint64_t *tag)
{
	int64_t spare = -1, end = -1, found = chain_find(p, tag, &spare, &end);
	uint64_t seen;
	int state;

	if (found != SEARCH_NEW)
		return found;
	if (set_full(p->set) || (spare < 0 && end < 0))
		return -1;	/* new, and no room left */
	if (spare < 0)
		spare = end;
	seen = spare == end ? 0 : __atomic_load_n(&p->set->slots[spare].tag, SC);
	if (spare != end && !dormant(seen))
		return SEARCH_AGAIN;
	state = slot_claim(p, spare, seen, false, tag);
	if (!state)
		return SEARCH_AGAIN;
	return state == SLOT_KEPT ? spare : -1;
}

/* See metrics_int.h. */
int64_t set_admit(struct series_set *set, uint32_t h,
		  const struct series_key *k, uint64_t *tag)
{
	struct probe p = { set, h, k };
	int64_t slot;

	if (!set->slots)
		return -1;
	while ((slot = set_search(&p, tag)) == SEARCH_AGAIN)
		;
	return slot;
}
