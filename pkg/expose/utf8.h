/* utf8: private to pkg/expose. The one rule that makes text valid UTF-8
 * before it is written to the exposition (label values, HELP text), since
 * Prometheus rejects a whole scrape over one invalid label value.
 *
 * A byte that does not start a well-formed UTF-8 sequence (Unicode 15,
 * table 3-7) becomes U+FFFD, one per byte, as Go's utf8.DecodeRune reads it:
 * a stray continuation byte, an overlong form (C0, C1, E0 80..9F, F0 80..8F),
 * a surrogate (ED A0..BF), a code point above U+10FFFF (F4 90.., F5..FF), the
 * first byte of a sequence cut short. Well-formed text passes unchanged.
 */
#ifndef FTE_EXPOSE_UTF8_H
#define FTE_EXPOSE_UTF8_H

#include <stdbool.h>

#define UTF8_REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

/* What the text at s (NUL-terminated, not at its end) is written as: NULL
 * when its first *n bytes (a character) are kept as they are, else the
 * replacement for its first byte (*n = 1). */
const char *utf8_next(const char *s, int *n);
/* True when s is well-formed: written unchanged. */
bool utf8_valid(const char *s);
/* A malloc'd copy of s as it is written, or NULL with ENOMEM. */
char *utf8_valid_dup(const char *s);

#endif
