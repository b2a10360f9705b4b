/* merge: for collectors (pkg/collect) that sum series before they write a
 * family. Sums series whose rendered label values are written alike
 * (several raw addresses inside one function, the same series in several
 * CPU shards, values equal once made valid UTF-8) and yields them, as
 * written, in first-seen order. It lives with the writer because "written
 * alike" is the writer's rule (utf8.h). */
#ifndef FTE_EXPOSE_MERGE_H
#define FTE_EXPOSE_MERGE_H

#include <stdint.h>

struct merge;

struct merge *merge_new(int nvalues);
void merge_free(struct merge *m);
/* Adds count to the series with these values; -1 on allocation failure. */
int merge_add(struct merge *m, const char *const *values, uint64_t count);
int merge_count(const struct merge *m);
/* Values and count of series i (0 <= i < merge_count). */
const char *const *merge_values(const struct merge *m, int i, uint64_t *count);

#endif
