/* funcs: private to pkg/parse. Maps a function-tracer ip to the function
 * probe that traces it, from the kernel's kallsyms, without libtraceevent on
 * the per-event path. Immutable after funcs_sort(). */
#ifndef FTE_PARSE_FUNCS_H
#define FTE_PARSE_FUNCS_H

#include <stdint.h>

struct funcs;

/* kallsyms: path of a kallsyms file, NULL for /proc/kallsyms. */
struct funcs *funcs_new(const char *kallsyms);
void funcs_free(struct funcs *f);
/* Adds every address of function name for probe; returns how many (0 when
 * the name is not in kallsyms), -1 on allocation failure. */
int funcs_add(struct funcs *f, const char *name, int probe);
void funcs_sort(struct funcs *f);
/* The kernel's core text range [_stext, _etext); 0, 0 when unknown. */
void funcs_text_range(const struct funcs *f, uint64_t *lo, uint64_t *hi);
/* The probe whose function starts at or just before ip, or -1. */
int funcs_find(const struct funcs *f, uint64_t ip);

#endif
