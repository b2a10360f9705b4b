/* page_builder: builds ring-buffer sub-buffers (the trace_pipe_raw format:
 * u64 timestamp, 8-byte commit, then 4-byte event headers type_len|delta
 * followed by the record) so parser tests and benchmarks can replay records
 * without a kernel. Little-endian, 64-bit only. A record of up to 112
 * bytes has its length in the header's type_len; a longer one, as the kernel
 * writes it, has type_len 0 and its length + 4 in the next word. */
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
	int words = (len + 3) / 4, head = words > 28 ? 8 : 4;
	uint32_t hdr[2] = { words > 28 ? 0 : (uint32_t)words, 4 * words + 4 };
	uint64_t commit;

	if (words < 1 || b->used + head + 4 * words > b->size)
		return -1;
	memcpy(b->page + b->used, hdr, head);
	memcpy(b->page + b->used + head, rec, len);
	b->used += head + 4 * words;
	commit = b->used - PB_DATA_OFFSET;
	memcpy(b->page + 8, &commit, 8);
	return 0;
}

#endif
