/* set: a probe's distinct series, shared by every shard; what its series
 * cap counts (see metrics.h).
 *
 * DESIGN: an insert-only open-addressing table written by every reader
 * thread (and by the hist and reload paths), read without locks. A slot is
 * claimed by one CAS of its tag from 0 to (hash, BUSY), and never freed;
 * the claimer copies the key, takes one unit of the cap and publishes the
 * outcome, KEPT or REFUSED, with a release store. Threads probe in the same
 * order from the key's hash and re-read a slot whose CAS they lost, so a key
 * has one slot at most and the cap is taken once per distinct series. The
 * cap is an atomic raised by CAS only below the cap: never above it. A
 * thread meeting a BUSY slot of another hash passes it; of the same hash
 * (the same series, or a hash collision) it awaits the outcome, which is a
 * key copy and one CAS away: the only wait, and only when two threads meet
 * one new series at once. REFUSED slots exist only for series that claimed
 * a slot while the cap was being filled (a new series seen full is refused
 * without a slot), so at most one per writer thread; the table has twice
 * the cap's slots, so it has room for every kept series.
 */
#include "metrics/metrics_int.h"

#include <sched.h>
#include <stdlib.h>

#define TAG(h, state) ((uint64_t)(h) << 32 | (state))
#define TAG_HASH(tag) ((uint32_t)((tag) >> 32))
#define TAG_STATE(tag) ((enum slot_state)((tag) & 0xffffffffU))

/* A power of two at least twice cap, and at least 16. */
static uint32_t set_size(unsigned cap)
{
	uint32_t size = 16;

	while (size < 2ULL * cap)
		size <<= 1;
	return size;
}

/* Slots come from calloc, untouched until a series claims one. */
int set_init(struct series_set *set, unsigned cap)
{
	uint32_t size = set_size(cap);

	set->cap = cap;
	set->kept = 0;
	set->mask = size - 1;
	set->slots = NULL;
	if (!cap)
		return 0;
	set->slots = calloc(size, sizeof(*set->slots));
	return set->slots ? 0 : -1;
}

void set_fini(struct series_set *set)
{
	free(set->slots);
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

/* The slot's tag once its claimer has published the outcome. */
static uint64_t slot_settled(struct slot *sl)
{
	uint64_t tag;

	while (TAG_STATE(tag = __atomic_load_n(&sl->tag, __ATOMIC_ACQUIRE)) ==
	       SLOT_BUSY)
		sched_yield();
	return tag;
}

/* Claims the empty slot sl for k: its outcome, or 0 when another thread
 * claimed it first (the caller reads it again). */
static enum slot_state slot_claim(struct series_set *set, struct slot *sl,
				  uint32_t h, const struct series_key *k)
{
	uint64_t empty = 0;
	enum slot_state state;

	if (!__atomic_compare_exchange_n(&sl->tag, &empty, TAG(h, SLOT_BUSY),
					 false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return 0;
	sl->key = *k;
	state = set_reserve(set) ? SLOT_KEPT : SLOT_REFUSED;
	__atomic_store_n(&sl->tag, TAG(h, state), __ATOMIC_RELEASE);
	return state;
}

/* What slot i says of k: SLOT_KEPT or SLOT_REFUSED, k's outcome (claiming
 * the slot when it is empty, k being new then), or 0 when the slot holds
 * another series. */
static enum slot_state slot_visit(struct series_set *set, uint32_t i,
				  uint32_t h, const struct series_key *k)
{
	struct slot *sl = &set->slots[i];
	uint64_t tag = __atomic_load_n(&sl->tag, __ATOMIC_ACQUIRE);
	enum slot_state state;

	while (!tag) {
		if (__atomic_load_n(&set->kept, __ATOMIC_RELAXED) >= set->cap)
			return SLOT_REFUSED;	/* new, and no room left */
		if ((state = slot_claim(set, sl, h, k)))
			return state;
		tag = __atomic_load_n(&sl->tag, __ATOMIC_ACQUIRE);
	}
	if (TAG_HASH(tag) != h)
		return 0;
	tag = slot_settled(sl);
	return key_equal(&sl->key, k) ? TAG_STATE(tag) : 0;
}

/* See metrics_int.h. */
int64_t set_admit(struct series_set *set, uint32_t h,
		  const struct series_key *k)
{
	for (uint32_t i = h, n = 0; set->slots && n <= set->mask; i++, n++) {
		enum slot_state state = slot_visit(set, i & set->mask, h, k);

		if (state)
			return state == SLOT_KEPT ? (int64_t)(i & set->mask) : -1;
	}
	return -1;
}
