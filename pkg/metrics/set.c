/* set: a probe's distinct series, shared by every shard; what its series
 * cap counts (see metrics.h).
 *
 * DESIGN: an open-addressing table written by every reader thread (and by
 * the hist, reload and expiry paths), read without locks. A slot is claimed
 * by one CAS of its tag from EMPTY to (hash, BUSY); the claimer copies the
 * key, takes one unit of the cap and publishes the outcome, KEPT or
 * REFUSED, with a release store. Threads probe in the same order from the
 * key's hash and re-read a slot whose CAS they lost, so the cap is taken
 * once per distinct series. The cap is an atomic raised by CAS only below
 * the cap: never above it. A thread searching meets a BUSY slot of another
 * hash and passes it; of the same hash (the same series, or a hash
 * collision) it awaits the outcome, a key copy and one CAS away.
 *
 * Expiry (expire.c) turns a KEPT slot EXPIRED (one CAS) and gives back its
 * unit of the cap. The key stays. An EXPIRED or REFUSED slot is dormant:
 * its key, met again while the cap has room, revives it with the same
 * CAS-and-settle as a claim. Every claim of a slot starts its next life
 * (the tag's life field, kept when the slot is emptied), so every KEPT life
 * of a slot has its own tag and an entry made for an old life is known
 * dead (but for a wrap of the 24-bit life: 16M claims of one slot while a
 * dead entry waits for its idle CPU's writer). A key not in the table
 * takes the first dormant slot of its chain (or the EMPTY slot that ends
 * it), so churn reuses the slots of gone series.
 *
 * One slot per key. Two threads may claim two slots for one new key at
 * once (one takes over a dormant slot, the other an EMPTY one further on).
 * So every claimer, after its CAS (sequentially consistent, as are the
 * loads that follow), reads the chain again from its start to its EMPTY
 * end, and gives its slot back (FREE: dormant with no key) and searches
 * again if it meets a KEPT slot of its key or a BUSY slot of its hash
 * nearer the start (the nearer claim wins, whatever it turns out to be).
 * A BUSY slot of its hash further on it awaits, then compares: that
 * claimer either read this slot before this CAS and settles, or meets
 * this claim and gives back; it never waits for a nearer one, so waits go
 * one way along the chain and end. Of two claims each CAS precedes its own
 * rescan, so the later rescan sees the other claim. A key is compared
 * between two equal reads of its slot's tag, as a dormant slot may change
 * hands.
 *
 * Compaction. Dormant slots do not end chains, so after long churn chains
 * would run the whole table and every lookup of a key not there (a new or
 * a refused series) would walk all of it. set_compact(), on the expiry
 * side after each round (under its lock: the one thread that empties
 * slots), makes the count set->compacts odd, marks every slot that some
 * live (KEPT or BUSY) slot's chain passes, from the live slot's hash to
 * it, empties (CAS to EMPTY, life kept) every dormant slot left unmarked,
 * and makes the count even again. A chain read meanwhile may end early at
 * a slot just emptied; only a claim acts on what it read, and a claim
 * reads the count (waiting while odd) before its CAS and again after its
 * rescan, and gives its slot back when it changed. So a claim settles only
 * if its CAS and rescan saw no compaction, and a claim whose CAS came
 * before the marking has its chain marked: no chain a KEPT slot needs is
 * ever cut. The only new wait: a claim (a new series) waits for a running
 * compaction, one walk of the table and of the live chains. Lookups then
 * walk the live series' chains, not the history of gone ones. The shard
 * also notes the last series refused (metrics.c), so that a refused
 * series' events cost one compare while the cap stays full.
 */
#include "metrics/metrics_int.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

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
	set->mark = calloc(size, sizeof(*set->mark));
	return set->slots && set->act_tag && set->act && set->mark ? 0 : -1;
}

void set_fini(struct series_set *set)
{
	free(set->slots);
	free(set->act_tag);
	free(set->act);
	free(set->mark);
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

/* After claiming slot own for k: whether the claim must be given back.
 * It must when another slot holds k KEPT or when a claim of k's hash
 * nearer the chain start is in flight (the nearer one wins). A claim of
 * k's hash further on is awaited, then compared. */
static bool chain_rival(const struct probe *p, uint32_t own)
{
	for (uint32_t n = 0; n <= p->set->mask; n++) {
		uint32_t i = (p->h + n) & p->set->mask;
		struct slot *sl = &p->set->slots[i];
		uint64_t tag = __atomic_load_n(&sl->tag, SC);

		if (TAG_STATE(tag) == SLOT_EMPTY)
			return false;
		if (i == own || TAG_HASH(tag) != p->h)
			continue;
		if (TAG_STATE(tag) == SLOT_BUSY) {
			if (chain_pos(p, i) < chain_pos(p, own))
				return true;
			tag = slot_settled(sl);
		}
		if (TAG_STATE(tag) == SLOT_KEPT && slot_holds(sl, &tag, p->k))
			return true;
	}
	return false;
}

void (*set_claim_step)(enum claim_step step);

static void claim_step(enum claim_step step)
{
	if (set_claim_step)
		set_claim_step(step);
}

/* The set's count of compaction steps once no compaction runs (even):
 * a claim waits for the running one to end, a walk of the table. */
static uint32_t set_compacts(struct series_set *set)
{
	uint32_t n;

	while ((n = __atomic_load_n(&set->compacts, SC)) & 1)
		sched_yield();
	return n;
}

/* Claims slot i, read as tag (empty, or dormant: of k when revive, else
 * another key's), for k and settles it: SLOT_KEPT (*out its tag) or
 * SLOT_REFUSED; 0 when the CAS was lost or a rival slot won (the caller
 * searches again). */
static int slot_claim(const struct probe *p, uint32_t i, uint64_t tag,
		      bool revive, uint64_t *out)
{
	struct slot *sl = &p->set->slots[i];
	uint32_t life = TAG_LIFE(tag) + 1, compacts = set_compacts(p->set);
	enum slot_state state = SLOT_FREE;	/* given back, holding no key */

	claim_step(CLAIM_BEFORE_CAS);
	if (!__atomic_compare_exchange_n(&sl->tag, &tag,
					 TAG(p->h, life, SLOT_BUSY), false, SC,
					 SC))
		return 0;
	if (!revive)
		key_store_relaxed(&sl->key, p->k);
	if (!chain_rival(p, i) &&
	    compacts == __atomic_load_n(&p->set->compacts, SC))
		state = set_reserve(p->set) ? SLOT_KEPT : SLOT_REFUSED;
	claim_step(CLAIM_AFTER_RESCAN);
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

	if (TAG_STATE(tag) == SLOT_EMPTY)
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
	seen = __atomic_load_n(&p->set->slots[spare].tag, SC);
	if (spare == end ? TAG_STATE(seen) != SLOT_EMPTY : !dormant(seen))
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

/* Whether slot tag is a live one: a chain must reach it. */
static bool live(uint64_t tag)
{
	return TAG_STATE(tag) == SLOT_KEPT || TAG_STATE(tag) == SLOT_BUSY;
}

/* Marks every slot from the chain start of slot s, if live, to s. */
static void chain_mark(struct series_set *set, uint32_t s)
{
	uint64_t tag = __atomic_load_n(&set->slots[s].tag, SC);

	if (!live(tag))
		return;
	for (uint32_t i = TAG_HASH(tag) & set->mask;; i = (i + 1) & set->mask) {
		set->mark[i] = 1;
		if (i == s)
			return;
	}
}

/* Empties slot i if it is dormant and no live chain passes it. */
static void slot_clear(struct series_set *set, uint32_t i)
{
	uint64_t tag = __atomic_load_n(&set->slots[i].tag, SC);

	if (!set->mark[i] && dormant(tag))
		__atomic_compare_exchange_n(&set->slots[i].tag, &tag,
					    TAG(0, TAG_LIFE(tag), SLOT_EMPTY),
					    false, SC, SC);
}

/* See metrics_int.h. */
void set_compact(struct series_set *set)
{
	uint32_t size = set->mask + 1;

	if (!set->slots)
		return;
	__atomic_store_n(&set->compacts, set->compacts + 1, SC);	/* odd */
	memset(set->mark, 0, size);
	for (uint32_t s = 0; s < size; s++)
		chain_mark(set, s);
	for (uint32_t i = 0; i < size; i++)
		slot_clear(set, i);
	__atomic_store_n(&set->compacts, set->compacts + 1, SC);
}
