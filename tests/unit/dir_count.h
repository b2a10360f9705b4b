/* dir_count: entries of a /proc directory, for tests that check nothing is
 * left behind (threads in /proc/self/task, descriptors in /proc/self/fd).
 * Test code: failures are cmocka assertions. */
#ifndef FTE_TESTS_DIR_COUNT_H
#define FTE_TESTS_DIR_COUNT_H

#include <dirent.h>

static inline int dir_count(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

#endif
