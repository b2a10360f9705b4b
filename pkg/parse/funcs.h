/* funcs: private to pkg/parse. Maps a function-tracer ip to the function
 * probe that traces it, from the kernel's kallsyms, without libtraceevent on
 * the per-event path. Names are collected with funcs_want(), then resolved
 * in one pass over kallsyms by funcs_load(); immutable after that. */
#ifndef FTE_PARSE_FUNCS_H
#define FTE_PARSE_FUNCS_H

#include <stdint.h>

struct funcs;
struct ksyms;

struct funcs *funcs_new(void);
void funcs_free(struct funcs *f);
/* Asks for every address of function name, for probe. -1 on allocation
 * failure. */
int funcs_want(struct funcs *f, const char *name, int probe);
/* Reads kallsyms (NULL: /proc/kallsyms) once: the wanted functions, the
 * kernel's core text range and, when names is not NULL, every text symbol
 * into names. Lines of any length are read; names up to KSYM_NAME_LEN.
 * When kallsyms shows every address as 0 (no CAP_SYSLOG) nothing is found
 * and one warning says why. -1 with errno when it cannot be read. */
int funcs_load(struct funcs *f, struct ksyms *names, const char *kallsyms);
/* Why a wanted function has no address, for its probe's reason: not in
 * kallsyms, or kallsyms hid every address. */
const char *funcs_missing_why(const struct funcs *f);
/* How many addresses were found for probe. */
int funcs_count(const struct funcs *f, int probe);
/* The kernel's core text range [_stext, _etext); 0, 0 when unknown. */
void funcs_text_range(const struct funcs *f, uint64_t *lo, uint64_t *hi);
/* The probe whose function starts at or just before ip, or -1. */
int funcs_find(const struct funcs *f, uint64_t ip);

#endif
