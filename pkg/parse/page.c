/* page: see page.h. The encodings are kbuffer's (libtraceevent
 * kbuffer-parse.c, translate_data), which follow the kernel's
 * ring_buffer_event: a 32-bit header of type_len (5 bits) and time delta
 * (27 bits), then
 *   type_len 1..28   data of type_len * 4 bytes
 *   type_len 0       a 32-bit length L, then L - 4 bytes of data (rounded
 *                    up to 4)
 *   29 padding       a 32-bit length L, then L bytes skipped
 *   30 time extend   one more 32-bit word of time
 *   31 time stamp    one more 32-bit word of time (absolute)
 * kbuffer computes each next event from these lengths with int arithmetic
 * and reads the words they name without bounds: the checks below are what
 * it leaves out. */
#include "parse/page.h"

#include <stdint.h>
#include <string.h>

#define TYPE_DATA_MAX 28
#define TYPE_PADDING 29
#define MISSING_EVENTS (1ull << 31)
#define MISSING_STORED (1ull << 30)
#define COMMIT_MASK ((1ull << 27) - 1)

static uint32_t word_at(const unsigned char *data, uint64_t at)
{
	uint32_t w;

	memcpy(&w, data + at, sizeof(w));
	return w;
}

static unsigned type_len(uint32_t header)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return header >> 27;
#else
	return header & 31;
#endif
}

/* Where kbuffer steps to after the event at data[at], whose header lies
 * within [0, end): 0 when the event does not lie whole within end. A padding
 * event may claim the rest of the data area (room bytes, the kernel pads a
 * full page so): the walk then ends at end. */
static uint64_t event_next(const unsigned char *data, uint64_t at,
			   uint64_t end, uint64_t room)
{
	unsigned type = type_len(word_at(data, at));
	int64_t len;
	uint64_t next;

	if (type >= 1 && type <= TYPE_DATA_MAX)
		next = at + 4 + 4 * (uint64_t)type;
	else if (at + 8 > end)
		return 0;	/* its second word lies past the data */
	else if (type == 0)	/* kbuffer: (L - 4 + 3) & ~3 after 8 bytes */
		next = at + 8 + (((int64_t)(int32_t)word_at(data, at + 4) - 1) &
				 ~(int64_t)3);
	else if (type == TYPE_PADDING) {
		len = (int32_t)word_at(data, at + 4);
		next = len < 0 ? 0 : at + 4 + (uint64_t)len;
		return next > room ? 0 : next > end ? end : next;
	} else
		next = at + 8;	/* time extend, absolute time stamp */
	return next > at && next <= end ? next : 0;
}

/* The commit-sized word at offset off of page: the commit word (its low 27
 * bits count data bytes, the top ones are flags) or the stored
 * missed-events count. */
static uint64_t page_word(const struct page_layout *l, const void *page,
			  int off)
{
	const char *at = (const char *)page + off;
	uint32_t c32;
	uint64_t c64;

	if (l->commit_size == 4) {
		memcpy(&c32, at, sizeof(c32));
		return c32;
	}
	memcpy(&c64, at, sizeof(c64));
	return c64;
}

int page_check(const struct page_layout *l, const void *page)
{
	int start = l->commit_offset + l->commit_size;
	const unsigned char *data = (const unsigned char *)page + start;
	uint64_t flags = page_word(l, page, l->commit_offset);
	uint64_t end = flags & COMMIT_MASK;
	uint64_t room = (uint64_t)(l->size - start);

	if (end > room)
		return -1;
	if ((flags & MISSING_EVENTS) && (flags & MISSING_STORED) &&
	    end + l->commit_size > room)
		return -1;	/* the stored count would lie past the page */
	for (uint64_t at = 0; at < end;)
		if (at + 4 > end || !(at = event_next(data, at, end, room)))
			return -1;
	return start + (int)end;
}

int page_missed(const struct page_layout *l, const void *page, int end)
{
	uint64_t flags = page_word(l, page, l->commit_offset);

	if (!(flags & MISSING_EVENTS))
		return 0;
	return flags & MISSING_STORED ? (int)page_word(l, page, end) : -1;
}

/* The data record of the event at data[at] (its header's type says it is
 * one), its size in *size: what kbuffer_read_event() and
 * kbuffer_event_size() give (translate_data: a type 0 event's length word
 * less 4, rounded up to 4). */
static void *record_at(unsigned char *data, uint64_t at, unsigned type,
		       int *size)
{
	if (type) {
		*size = 4 * type;
		return data + at + 4;
	}
	*size = ((int32_t)word_at(data, at + 4) - 4 + 3) & ~3;
	return data + at + 8;
}

void *page_next_record(const struct page_layout *l, void *page, int end,
		       int *at, int *size)
{
	int start = l->commit_offset + l->commit_size;
	unsigned char *data = (unsigned char *)page + start;
	uint64_t room = (uint64_t)(l->size - start), here;
	unsigned type;

	while (*at < end - start) {
		here = (uint64_t)*at;
		type = type_len(word_at(data, here));
		*at = (int)event_next(data, here, end - start, room);
		if (!*at)	/* page_check() said it cannot be */
			*at = end - start;
		if (type <= TYPE_DATA_MAX)
			return record_at(data, here, type, size);
	}
	return NULL;
}
