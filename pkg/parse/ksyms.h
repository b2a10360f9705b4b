/* ksyms: private to pkg/parse. The kernel's text symbols, address → name,
 * in a compact sorted table (12 bytes per symbol plus one pool of names), so
 * %pS addresses and callers are named without libtraceevent's much larger
 * copy of kallsyms. Filled once at start-up, immutable after ksyms_sort(). */
#ifndef FTE_PARSE_KSYMS_H
#define FTE_PARSE_KSYMS_H

#include <stdint.h>

struct ksyms;

struct ksyms *ksyms_new(void);
void ksyms_free(struct ksyms *k);
/* Copies name into the table. -1 with errno ENOMEM. */
int ksyms_add(struct ksyms *k, uint64_t addr, const char *name);
/* Sorts by address and trims spare capacity; call once after the last add. */
void ksyms_sort(struct ksyms *k);
/* The symbol at or just before addr, or NULL when addr is below them all. */
const char *ksyms_name(const struct ksyms *k, uint64_t addr);
/* Symbols held. */
int ksyms_count(const struct ksyms *k);

#endif
