/* metrics: per-CPU counter shards, summed at scrape time.
 *
 * DESIGN. Each reader thread owns one shard and is its only writer; the
 * scrape thread only reads. Counters are written with relaxed atomic stores
 * (plain moves on x86), so the per-event path takes no lock and writes
 * nothing another thread writes.
 *
 * Series cap: a probe's cap counts live distinct series, whatever the CPUs
 * they come from. Each probe has one set of its series shared by all shards
 * (set.c): open addressing, a slot claimed with a CAS, so a series has one
 * slot, and claiming a slot is what takes one unit of the cap (an atomic
 * that never exceeds it). A shard meeting a series the set already holds
 * takes no cap, so the same series on 64 CPUs is one series. The decision
 * (kept or refused) is stored in the slot, the same for every shard: a
 * kept series loses no event, and every event of a refused one is counted
 * in the probe's dropped. The set is touched only on a shard's first event
 * of a series and on events of refused series; it is read without locks
 * and written by one CAS per new series. Series idle for the probe's time
 * expire (expire.c): they leave the walks and give their unit of the cap
 * back, their slots and entries are reused, and the per-event path does
 * nothing more for it.
 *
 * Live series: each shard has, per probe, an array of its own series (key
 * and count, appended in the order they came, the length published with a
 * release store after the entry is written; an expired series' entry is
 * freed and reused by the shard's writer) and an index from the set's
 * slot to its entry. Walks (scrape, drop-cause tick, reload) read the
 * arrays up to their length: their cost follows the live series, not the
 * caps times the shards. Every array is sized for the cap up front (entries
 * never move, so the per-probe last-hit pointer stays valid) but allocated
 * zeroed and written in order, so memory not used yet is never touched.
 */
#ifndef FTE_METRICS_H
#define FTE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

/* Raw label values of one series, one 64-bit slot per label: a number, or
 * a string's id in the process-wide table of label values (pkg/strtab),
 * an address's key (pkg/addrtab). */
struct series_key {
	union {
		uint64_t num;
		uint64_t str;	/* strtab id; 0 is "" */
	} v[CONFIG_MAX_LABELS];
};

struct metrics;
struct shard;

/* caps[i] is probe i's series cap, distinct series over all shards (0: the
 * probe has no labelled family; at most METRICS_CAP_MAX). NULL with errno
 * (EINVAL: a cap too large, ENOMEM). */
#define METRICS_CAP_MAX (1U << 30)
struct metrics *metrics_new(int nprobes, const unsigned *caps, int ncpus);
void metrics_free(struct metrics *m);
struct shard *metrics_shard(struct metrics *m, int cpu);

/* Hot path, called only by the shard's owner thread. */
void shard_hit(struct shard *s, int probe);
void shard_series_add(struct shard *s, int probe, const struct series_key *k);
/* An event of probe whose series could not be formed (a label value the
 * string table had no room for): counted as dropped, like one over the cap. */
void shard_series_refused(struct shard *s, int probe);
/* How far the packet labels of one event of probe got (enum
 * pktwin_status, below METRICS_PKT_STATUSES). */
#define METRICS_PKT_STATUSES 4
void shard_packet_status(struct shard *s, int probe, int status);
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
uint64_t metrics_packet_status(const struct metrics *m, int probe,
			       int status);

typedef void (*series_fn)(const struct series_key *k, uint64_t count,
			  void *ctx);
/* Calls fn for every series of probe in every shard (not merged: a series
 * seen on several CPUs comes once per shard), each shard's in the order
 * they came. Costs the live series only; safe while the shards' writers
 * run (it sees the series published when it reads each shard). */
void metrics_series_foreach(const struct metrics *m, int probe, series_fn fn,
			    void *ctx);

/* Expiry, under the lock scrapes hold, with the shards' writers running:
 * the probe's series whose counts did not change for idle seconds (now on
 * any steady clock in seconds) leave the walks and give back their unit of
 * the cap; a series that comes back starts from 0. idle <= 0: never. */
void metrics_expire(struct metrics *m, int probe, double now, double idle);
/* The probe's live distinct series (what its cap counts), and how many
 * expired so far. */
unsigned metrics_series_live(const struct metrics *m, int probe);
uint64_t metrics_series_expired(const struct metrics *m, int probe);

/* Reload: adds src's counters of src_probe (hits, series, dropped, per CPU)
 * to dst's dst_probe, so a probe kept by a new config keeps counting from
 * where it was. Neither may have a writer running. */
void metrics_carry(struct metrics *dst, int dst_probe,
		   const struct metrics *src, int src_probe);
/* Reload: adds src's per-CPU event, missed and parse-error totals to dst. */
void metrics_carry_totals(struct metrics *dst, const struct metrics *src);

#endif
