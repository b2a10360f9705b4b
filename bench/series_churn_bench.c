/* series_churn_bench: the per-event cost of a probe's series after long
 * churn, with its cap full (pkg/metrics only, one shard).
 *
 * A cap of CAP series (the default config's 2000); CHURN distinct series
 * pass through it, each idle for IDLE expiry rounds after its events, then
 * CAP series are live and the cap is full. Times three event streams and
 * prints ns per event: a live series and a refused one alternating (the
 * last-hit cache misses every event), a new refused series every event,
 * and the live series in turn. The cost should stay that of a short walk,
 * not of the table. A benchmark: it prints figures and checks nothing but
 * that the cap is full.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/metrics.h"

#define CAP 2000
#define CHURN 400000
#define PER_ROUND 500
#define IDLE 4
#define EVENTS 2000000

static struct series_key key_num(uint64_t v)
{
	struct series_key k;

	memset(&k, 0, sizeof(k));
	k.v[0].num = v;
	return k;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CHURN series through the cap, PER_ROUND new ones per expiry round,
 * then CAP live ones (keys 0..CAP-1) fill it. */
static void churn(struct metrics *m, struct shard *s)
{
	double tick = 0;

	for (uint64_t r = 0; r < CHURN; r++) {
		struct series_key k = key_num(1000000 + r);

		shard_series_add(s, 0, &k);
		if (r % PER_ROUND == PER_ROUND - 1) {
			metrics_expire(m, 0, tick += 1, IDLE);
			shard_events(s, 0);
		}
	}
	for (int n = 0; n <= IDLE; n++) {
		metrics_expire(m, 0, tick += 1, IDLE);
		shard_events(s, 0);
	}
	for (uint64_t r = 0; r < CAP; r++) {
		struct series_key k = key_num(r);

		shard_series_add(s, 0, &k);
	}
}

/* ns per event of EVENTS events, the i-th with the key pick(i). */
static double stream(struct shard *s, uint64_t (*pick)(uint64_t))
{
	double t0 = now_s();

	for (uint64_t i = 0; i < EVENTS; i++) {
		struct series_key k = key_num(pick(i));

		shard_series_add(s, 0, &k);
	}
	return (now_s() - t0) * 1e9 / EVENTS;
}

static uint64_t live_and_refused(uint64_t i)
{
	return i & 1 ? 7 : 900000;
}

static uint64_t new_refused(uint64_t i)
{
	return 5000000 + i;
}

static uint64_t live_in_turn(uint64_t i)
{
	return i % CAP;
}

int main(void)
{
	unsigned caps[1] = { CAP };
	struct metrics *m = metrics_new(1, caps, 1);
	struct shard *s;

	if (!m)
		return 1;
	s = metrics_shard(m, 0);
	churn(m, s);
	if (metrics_series_live(m, 0) != CAP) {
		fprintf(stderr, "series_churn_bench: %u live, not %u\n",
			metrics_series_live(m, 0), CAP);
		return 1;
	}
	printf("series churn (cap %d full after %d series), ns/event:",
	       CAP, CHURN);
	printf(" live+refused %.1f,", stream(s, live_and_refused));
	printf(" new refused %.1f,", stream(s, new_refused));
	printf(" live in turn %.1f\n", stream(s, live_in_turn));
	metrics_free(m);
	return 0;
}
