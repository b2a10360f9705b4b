/* strtab: see strtab.h.
 *
 * DESIGN: a table is an array of 64-bit slots (open addressing, linear
 * probing) over an append-only text area. An entry is [length byte][bytes]
 * [NUL] in the text; its id is the offset of its bytes (never 0). A slot
 * holds hash << 32 | id, 0 while empty. To intern, a thread hashes the
 * string and probes: a slot with the same hash and bytes gives the id; an
 * empty slot means the string is new: unless the table already holds its
 * budget of entries, the thread reserves room in the text (CAS loop), writes
 * the entry, then claims the slot with a CAS that publishes it (release;
 * readers load slots with acquire) and counts the entry. A thread that loses
 * the race for a slot goes on probing, which finds the winner's string if it
 * is the same; its reserved text stays unused (rare, bounded by the races).
 * Entries are counted once published, so a thread racing for the same new
 * string is never refused for an entry that is not kept; threads publishing
 * different strings at once may take the table past its budget by at most
 * their number (the slots keep a quarter spare for that; a probe that finds
 * every slot taken refuses). Slots and entries never move and are never
 * freed while the table lives.
 */
#include "strtab/strtab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"

struct strtab {
	uint64_t *slots;
	uint32_t mask;
	unsigned entries, max_entries;
	size_t used, size;
	char *text;
	uint64_t refused;
	bool owned;		/* slots and text are malloc'd */
};

/* The process-wide table: 48 Ki values in 8 MiB of text, in zero pages the
 * kernel maps only when touched. */
#define LABEL_SLOTS (1u << 16)
#define LABEL_TEXT (8u << 20)
static uint64_t label_slots[LABEL_SLOTS];
static char label_text[LABEL_TEXT];
static struct strtab labels = {
	.slots = label_slots,
	.mask = LABEL_SLOTS - 1,
	.max_entries = LABEL_SLOTS / 4 * 3,
	.size = LABEL_TEXT,
	.text = label_text,
};

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
/* The text end's CAS, and the slot's that publishes an entry (and, when it
 * fails, reads the winner's like LOAD_ACQ). */
#define CAS(p, old, new) \
	__atomic_compare_exchange_n((p), (old), (new), false, \
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED)
#define CAS_PUBLISH(p, old, new) \
	__atomic_compare_exchange_n((p), (old), (new), false, \
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)

/* The one process-wide table; static, never freed. */
struct strtab *strtab_labels(void)
{
	return &labels;
}

/* A private table (tests size one to fill it); NULL with errno EINVAL or
 * ENOMEM. */
struct strtab *strtab_new(unsigned entries, size_t bytes)
{
	struct strtab *t;
	uint32_t slots = 16;

	if (!entries || entries > (1u << 29) || bytes >= (1ULL << 32)) {
		errno = EINVAL;
		return NULL;
	}
	while (slots / 4 * 3 < entries)
		slots <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->slots = calloc(slots, sizeof(*t->slots));
	t->text = malloc(bytes ? bytes : 1);
	if (!t->slots || !t->text)
		goto err_free;
	t->mask = slots - 1;
	t->max_entries = entries;
	t->size = bytes;
	t->owned = true;
	return t;
err_free:
	strtab_free(t);
	errno = ENOMEM;
	return NULL;
}

/* Frees a table strtab_new() made; NULL and the process-wide one are
 * ignored. */
void strtab_free(struct strtab *t)
{
	if (!t || !t->owned)
		return;
	free(t->slots);
	free(t->text);
	free(t);
}

/* The length of s, up to its first NUL within len, cut to STRTAB_LEN_MAX
 * bytes before a character: back over at most three continuation bytes
 * (10xxxxxx), the most a well-formed character has after its first byte. */
static size_t value_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	len = strnlen(s, len < STRTAB_LEN_MAX + 1 ? len : STRTAB_LEN_MAX + 1);
	if (len <= STRTAB_LEN_MAX)
		return len;
	len = STRTAB_LEN_MAX;
	for (int back = 0; back < 3 && (u[len] & 0xc0) == 0x80; back++)
		len--;
	return len;
}

/* FNV-1a, folded to 32 bits. */
static uint32_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* True when the published slot word w names the string s of len bytes. */
static bool slot_is(const struct strtab *t, uint64_t w, uint32_t h,
		    const char *s, size_t len)
{
	const char *e = t->text + (uint32_t)w;

	return (uint32_t)(w >> 32) == h &&
	       (unsigned char)e[-1] == len && !memcmp(e, s, len);
}

/* Writes s as a new entry in the text; its id, or 0 when the text is full.
 * The entry is published later, by the slot's CAS. */
static uint32_t entry_write(struct strtab *t, const char *s, size_t len)
{
	size_t at = LOAD(&t->used);

	do {
		if (len + 2 > t->size - at)
			return 0;
	} while (!CAS(&t->used, &at, at + len + 2));
	t->text[at] = (char)len;
	memcpy(t->text + at + 1, s, len);
	t->text[at + 1 + len] = '\0';
	return (uint32_t)(at + 1);
}

/* Counts a refusal, logging the table's first; -1 with ENOSPC. */
static int refuse(struct strtab *t)
{
	if (__atomic_fetch_add(&t->refused, 1, __ATOMIC_RELAXED) == 0)
		log_msg(LOG_WARN, "string table full: events with new string "
			"label values are counted in hits but not in series",
			"table", t == &labels ? "labels" : "private", NULL);
	errno = ENOSPC;
	return -1;
}

/* Publishes s in the empty slot *at (word 0 expected). Returns 1 with *id,
 * 0 when another thread took the slot first (*w is then its word), or -1
 * when the table is full. A full table looks at the slot once more: the
 * thread that filled it may have published this very string there since
 * the caller found it empty. */
static int slot_claim(struct strtab *t, uint64_t *at, uint64_t *w,
		      uint32_t h, const char *s, size_t len, uint64_t *id)
{
	uint32_t e = 0;

	if (LOAD(&t->entries) < t->max_entries)
		e = entry_write(t, s, len);
	if (!e) {
		*w = LOAD_ACQ(at);
		return *w ? 0 : -1;
	}
	if (!CAS_PUBLISH(at, w, (uint64_t)h << 32 | e))
		return 0;
	__atomic_fetch_add(&t->entries, 1, __ATOMIC_RELAXED);
	*id = e;
	return 1;
}

/* Looks s up, inserting it when new (see DESIGN above). 0 with *id, or -1
 * with ENOSPC and *id 0 when it is new and the table is full. */
int strtab_intern(struct strtab *t, const char *s, size_t len, uint64_t *id)
{
	uint32_t h;
	uint64_t w;
	int r;

	len = value_len(s, len);
	*id = 0;
	if (!len)
		return 0;
	h = hash(s, len);
	for (uint32_t i = h, n = 0; n <= t->mask; i++, n++) {
		uint64_t *at = &t->slots[i & t->mask];

		w = LOAD_ACQ(at);
		if (!w) {
			r = slot_claim(t, at, &w, h, s, len, id);
			if (r > 0)
				return 0;
			if (r < 0)
				break;
		}
		if (slot_is(t, w, h, s, len)) {
			*id = (uint32_t)w;
			return 0;
		}
	}
	return refuse(t);
}

/* An id's string, in the table's text (never freed while it lives). */
const char *strtab_str(const struct strtab *t, uint64_t id)
{
	return id ? t->text + id : "";
}

/* Interns refused so far (relaxed: a statistic). */
uint64_t strtab_refused(const struct strtab *t)
{
	return LOAD(&t->refused);
}
