/* metrics: per-CPU counter shards, summed at scrape time.
 *
 * Each reader thread owns one shard and is its only writer; the scrape thread
 * only reads. Counters are written with relaxed atomic stores (plain moves on
 * x86) and series are published with a release store of their probe slot, so
 * the per-event path takes no lock and writes nothing another thread writes.
 * Labelled series live in a fixed-size open-addressing table per shard; a
 * per-probe series cap is enforced with one shared atomic touched only when a
 * new series is created; events beyond the cap are counted as dropped.
 */
#ifndef FTE_METRICS_H
#define FTE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* Raw label values of one series, one 64-bit slot per label: a number, or
 * a string's id in the process-wide table of label values (pkg/strtab). */
struct series_key {
	union {
		uint64_t num;
		uint64_t str;	/* strtab id; 0 is "" */
	} v[CONFIG_MAX_LABELS];
};

struct metrics;
struct shard;

/* caps[i] is probe i's series cap (0: the probe has no labelled family). */
struct metrics *metrics_new(int nprobes, const unsigned *caps, int ncpus);
void metrics_free(struct metrics *m);
struct shard *metrics_shard(struct metrics *m, int cpu);

/* Hot path, called only by the shard's owner thread. */
void shard_hit(struct shard *s, int probe);
void shard_series_add(struct shard *s, int probe, const struct series_key *k);
void shard_events(struct shard *s, uint64_t n);
void shard_missed(struct shard *s, uint64_t n);
void shard_parse_error(struct shard *s);

/* The hist shard: counts the kernel keeps itself (mode: hist), stored as
 * absolute values by the one thread that polls them, under the scrape lock.
 * Summed with the CPU shards like any other. */
struct shard *metrics_hist_shard(struct metrics *m);
void shard_hits_set(struct shard *s, int probe, uint64_t n);
void shard_dropped_set(struct shard *s, int probe, uint64_t n);
/* Sets the series' count; false when it is new and over the probe's cap. */
bool shard_series_set(struct shard *s, int probe, const struct series_key *k,
		      uint64_t count);

/* Scrape side: sums over shards. */
int metrics_probe_count(const struct metrics *m);
int metrics_cpu_count(const struct metrics *m);
uint64_t metrics_hits(const struct metrics *m, int probe);
uint64_t metrics_series_dropped(const struct metrics *m, int probe);
uint64_t metrics_cpu_events(const struct metrics *m, int cpu);
uint64_t metrics_cpu_missed(const struct metrics *m, int cpu);
uint64_t metrics_parse_errors(const struct metrics *m);

typedef void (*series_fn)(const struct series_key *k, uint64_t count,
			  void *ctx);
/* Calls fn for every series of probe in every shard (not merged). */
void metrics_series_foreach(const struct metrics *m, int probe, series_fn fn,
			    void *ctx);

/* Reload: adds src's counters of src_probe (hits, series, dropped, per CPU)
 * to dst's dst_probe, so a probe kept by a new config keeps counting from
 * where it was. Neither may have a writer running. */
void metrics_carry(struct metrics *dst, int dst_probe,
		   const struct metrics *src, int src_probe);
/* Reload: adds src's per-CPU event, missed and parse-error totals to dst. */
void metrics_carry_totals(struct metrics *dst, const struct metrics *src);

#endif
