/* http gzip: the telemetry body compressed for clients sending
 * Accept-Encoding: gzip. */
#define ZLIB_CONST
#include "http/internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

/* Compresses text in one deflate call into a buffer sized by deflateBound;
 * level 1, since scrape text is repetitive and latency matters more. The
 * caller frees the result. NULL with errno (ENOMEM, EOVERFLOW, EIO). */
unsigned char *http_gzip(const char *text, size_t len, size_t *outlen)
{
	z_stream zs = { 0 };
	unsigned char *out;
	uLong cap;

	if (len > UINT_MAX / 2) {
		errno = EOVERFLOW;
		return NULL;
	}
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		errno = ENOMEM;
		return NULL;
	}
	cap = deflateBound(&zs, len);
	out = malloc(cap);
	if (!out)
		goto err_deflate_end;
	zs.next_in = (const Bytef *)text;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		errno = EIO;
		goto err_free_out;
	}
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;

err_free_out:
	free(out);
err_deflate_end:
	deflateEnd(&zs);
	return NULL;
}
