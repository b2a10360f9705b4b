/* strtab: interned strings, for the string label values of series keys.
 *
 * A series key holds one 64-bit slot per label; a string label's slot holds
 * the id of its value in a string table, so keys stay small and fixed-size
 * while values may be long (paths, device alt-names). A table is bounded
 * (entries and bytes), lock-free and append-only: any thread may intern and
 * read concurrently, an id stays valid for the table's whole life, and the
 * process-wide table of label values (strtab_labels) lives as long as the
 * process, so ids survive hot reloads and are shared by every shard.
 *
 * A value is stored up to its first NUL and at most STRTAB_LEN_MAX bytes, cut
 * before a UTF-8 character, never inside one. The bytes are kept as they are
 * (invalid UTF-8 included): the exposition makes them valid when it writes
 * them. The empty string is id 0, without an entry.
 */
#ifndef FTE_STRTAB_H
#define FTE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

/* Bytes kept of a string label value: above the longest names the kernel
 * gives (device alt-names, 127 bytes; comm, 15) and NAME_MAX; longer paths
 * are cut. */
#define STRTAB_LEN_MAX 255

struct strtab;

/* A table of `entries` strings (more by at most the number of threads that
 * insert at the same moment; its slots keep a quarter spare) and at most
 * `bytes` bytes of text (each string takes its length + 2; < 4 GiB). NULL
 * with errno EINVAL or ENOMEM. Free it with strtab_free() once no thread
 * uses it. */
struct strtab *strtab_new(unsigned entries, size_t bytes);
void strtab_free(struct strtab *t);

/* The process-wide table of label values; never freed. */
struct strtab *strtab_labels(void);

/* Stores the id of s (len bytes or up to its first NUL, cut as above) in
 * *id, interning it if new. Returns 0, or -1 with errno ENOSPC when it is new
 * and the table is full (counted in strtab_refused(); the first refusal of a
 * table is logged once). Any thread; lock-free. */
int strtab_intern(struct strtab *t, const char *s, size_t len, uint64_t *id);

/* The NUL-terminated string of an id strtab_intern() gave; "" for 0. Any
 * thread that got the id (directly or through a published series). */
const char *strtab_str(const struct strtab *t, uint64_t id);

/* How many interns were refused because the table was full. */
uint64_t strtab_refused(const struct strtab *t);

#endif
