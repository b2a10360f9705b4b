/* fixture_tep: a tep built from the event formats saved from real kernels in
 * tests/fixtures/events/KVER/ (header-only; shared by the parser and causes
 * tests). Little-endian, 64-bit, 4 KiB pages, like the kernels they came
 * from. Test code: failures are cmocka assertions. */
#ifndef FTE_TESTS_FIXTURE_TEP_H
#define FTE_TESTS_FIXTURE_TEP_H

#include <event-parse.h>
#include <stdio.h>
#include <stdlib.h>

#define FIXTURES "tests/fixtures/events/"

/* Reads FIXTURES/kver/file into a malloc'd buffer; its length in *len. */
static inline char *fixture_read(const char *kver, const char *file,
				 size_t *len)
{
	char path[256], *buf = calloc(1, 1 << 16);
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "%s/%s", kver, file);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* Adds the saved format of one event (file "SYS_EVENT") of system sys. */
static inline void fixture_load_event(struct tep_handle *tep, const char *kver,
				      const char *file, const char *sys)
{
	size_t len;
	char *buf = fixture_read(kver, file, &len);

	assert_int_equal(tep_parse_event(tep, buf, len, sys), 0);
	free(buf);
}

/* A tep with kver's ring-buffer page header and no events yet. */
static inline struct tep_handle *fixture_tep_new(const char *kver)
{
	struct tep_handle *tep = tep_alloc();
	size_t len;
	char *buf;

	assert_non_null(tep);
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_page_size(tep, 4096);
	buf = fixture_read(kver, "header_page", &len);
	assert_int_equal(tep_parse_header_page(tep, buf, len, 8), 0);
	free(buf);
	return tep;
}

#endif
