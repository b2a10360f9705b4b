/* expose: Prometheus text exposition format 0.0.4.
 *
 * A scrape is a run over a table of collectors (one per file, registered in
 * one table by the caller, as in node_exporter). Each collector writes
 * families through the expo writer, which escapes HELP text and label values,
 * formats numbers, and refuses a family name that was already written in this
 * scrape (the text format needs all samples of a family together).
 */
#ifndef FTE_EXPOSE_H
#define FTE_EXPOSE_H

#include <stddef.h>

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum expo_type { EXPO_COUNTER, EXPO_GAUGE };

struct expo;

struct collector {
	const char *name;
	/* Writes this collector's families into w. Returns 0 or -1. */
	int (*collect)(void *ctx, struct expo *w);
	void *ctx;
};

struct expo *expo_new(void);
void expo_free(struct expo *w);
void expo_reset(struct expo *w);

/* Starts family NAME; samples that follow belong to it. Returns -1 with
 * errno EEXIST when NAME was already started in this scrape. */
int expo_family(struct expo *w, const char *name, enum expo_type type,
		const char *help);
/* One sample of the current family; names/values are n label pairs. */
void expo_sample(struct expo *w, const char *const *names,
		 const char *const *values, int n, double value);
/* The same, for a single optional label (name NULL: no label). */
void expo_sample1(struct expo *w, const char *name, const char *value,
		  double value_);

/* Runs every collector in order into w (after expo_reset). A collector that
 * fails is skipped; the number of failures is returned. */
int expo_collect(struct expo *w, const struct collector *table, int n);

const char *expo_text(const struct expo *w);
size_t expo_len(const struct expo *w);
/* Hands the text (NUL-terminated, length in *len) to the caller, who must
 * free() it; w is left reset and empty. NULL with ENOMEM on failure. */
char *expo_detach(struct expo *w, size_t *len);

#endif
