/* utf8: see utf8.h. */
#include "expose/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The length of the well-formed sequence at u, 1 to 4, or 0. The second
 * byte's range depends on the first (no overlong form, surrogate or code
 * point above U+10FFFF); the others are 80..BF. A NUL is no continuation
 * byte, so a sequence cut short by the string's end is refused too. */
static int sequence_len(const unsigned char *u)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n;

	if (u[0] < 0x80)
		return 1;
	if (u[0] < 0xc2 || u[0] > 0xf4)
		return 0;
	n = u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (u[1] < lo || u[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

const char *utf8_next(const char *s, int *n)
{
	*n = sequence_len((const unsigned char *)s);
	if (*n)
		return NULL;
	*n = 1;
	return UTF8_REPLACEMENT;
}

bool utf8_valid(const char *s)
{
	int n;

	for (; *s; s += n)
		if (utf8_next(s, &n))
			return false;
	return true;
}

char *utf8_valid_dup(const char *s)
{
	char *out = malloc(3 * strlen(s) + 1), *o = out;
	const char *sub;
	int n;

	if (!out) {
		errno = ENOMEM;
		return NULL;
	}
	for (; *s; s += n) {
		sub = utf8_next(s, &n);
		o = sub ? stpcpy(o, sub) : mempcpy(o, s, n);
	}
	*o = '\0';
	return out;
}
