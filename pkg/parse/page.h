/* page: private to pkg/parse. Checks a ring-buffer sub-buffer (the
 * trace_pipe_raw format: u64 timestamp, commit word, then the events) before
 * libtraceevent's kbuffer walks it. kbuffer trusts every length it reads: a
 * padding event of length -4 sends its walk back to the same event forever,
 * and an event header at the end of the data, or a missed-events count
 * stored after a full page, makes it read past the page. The parser
 * instead walks the checked page's records itself (kbuffer's walk, inline)
 * and reads the missed-events count as kbuffer would. */
#ifndef FTE_PARSE_PAGE_H
#define FTE_PARSE_PAGE_H

/* How the kernel lays out a sub-buffer: where the commit word is, its size
 * (4 or 8 bytes, which is also the size of the stored missed-events count),
 * and the whole sub-buffer's size. */
struct page_layout {
	int commit_offset, commit_size, size;
};

/* Walks every event header of page as kbuffer will (data, time extend,
 * absolute timestamp, padding) and checks that each event lies whole
 * within the commit, that no length runs backwards, and that a stored
 * missed-events count fits in the page. Returns where the data ends (an
 * offset into page), or -1 when kbuffer must not see the page. */
int page_check(const struct page_layout *l, const void *page);

/* The events the kernel lost before page (accepted by page_check(), which
 * returned end), as kbuffer_missed_events() gives them: 0 when none, the
 * count stored after the data, or -1 when some were lost but not counted. */
int page_missed(const struct page_layout *l, const void *page, int end);

/* Walks a page page_check() accepted (end: what it returned) as kbuffer
 * would, without a library call per event: the next data record at or
 * after *at (an offset into the events, 0 to start), its size in *size,
 * and *at moved past it; NULL when no data record is left. Time extends,
 * absolute timestamps and paddings (discarded events) are passed. */
void *page_next_record(const struct page_layout *l, void *page, int end,
		       int *at, int *size);

#endif
