/* page_builder: builds ring-buffer sub-buffers (the trace_pipe_raw format:
 * u64 timestamp, 8-byte commit, then 4-byte event headers type_len|delta
 * followed by the record) so parser tests and benchmarks can replay records
 * without a kernel. Little-endian, 64-bit only, records up to 112 bytes. */
#ifndef FTE_TESTS_PAGE_BUILDER_H
#define FTE_TESTS_PAGE_BUILDER_H

#include <stdint.h>
#include <string.h>

#define PB_DATA_OFFSET 16

struct page_builder {
	unsigned char *page;
	int size, used;
};

static inline void pb_init(struct page_builder *b, void *page, int size)
{
	memset(page, 0, size);
	b->page = page;
	b->size = size;
	b->used = PB_DATA_OFFSET;
}

/* Appends one record of len bytes (rounded up to 4); 0, or -1 when full. */
static inline int pb_add(struct page_builder *b, const void *rec, int len)
{
	int words = (len + 3) / 4;
	uint32_t hdr = (uint32_t)words;	/* type_len = words, delta 0 */
	uint64_t commit;

	if (words < 1 || words > 28 || b->used + 4 + 4 * words > b->size)
		return -1;
	memcpy(b->page + b->used, &hdr, 4);
	memcpy(b->page + b->used + 4, rec, len);
	b->used += 4 + 4 * words;
	commit = b->used - PB_DATA_OFFSET;
	memcpy(b->page + 8, &commit, 8);
	return 0;
}

#endif
