/* window: the ring of per-second snapshots behind the drop-cause rates (see
 * causes.h). Pure arithmetic on caller-supplied times and counts, so it is
 * tested with synthetic snapshots; not thread-safe (callers serialise). */
#include "causes/causes.h"

#include <errno.h>
#include <stdlib.h>

struct snapshot {
	double t;
	struct causes_input *in;	/* [ncauses] */
};

struct causes_window {
	int ncauses;
	double seconds;
	int cap, len, head;		/* head: next slot to write */
	struct snapshot *ring;		/* [cap] */
	struct causes_input *store;	/* [cap * ncauses] */
};

/* A ring of seconds + 1 snapshots: one a second spans the whole window.
 * Returns NULL with errno EINVAL or ENOMEM. */
struct causes_window *causes_window_new(int ncauses, unsigned seconds)
{
	struct causes_window *w;

	if (ncauses < 1 || seconds < 1) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->ncauses = ncauses;
	w->seconds = seconds;
	w->cap = seconds + 1;
	w->ring = calloc(w->cap, sizeof(*w->ring));
	w->store = calloc((size_t)w->cap * ncauses, sizeof(*w->store));
	if (!w->ring || !w->store)
		goto err_free;
	for (int i = 0; i < w->cap; i++)
		w->ring[i].in = w->store + (size_t)i * ncauses;
	return w;
err_free:
	causes_window_free(w);
	errno = ENOMEM;
	return NULL;
}

/* Frees w and its ring; NULL is a no-op. */
void causes_window_free(struct causes_window *w)
{
	if (!w)
		return;
	free(w->ring);
	free(w->store);
	free(w);
}

/* Copies in[] into the oldest slot; never fails. */
void causes_window_push(struct causes_window *w, double t,
			const struct causes_input *in)
{
	struct snapshot *s = &w->ring[w->head];

	s->t = t;
	for (int i = 0; i < w->ncauses; i++)
		s->in[i] = in[i];
	w->head = (w->head + 1) % w->cap;
	if (w->len < w->cap)
		w->len++;
}

/* The k-th snapshot from the oldest (k < len). */
static const struct snapshot *nth(const struct causes_window *w, int k)
{
	return &w->ring[(w->head - w->len + k + w->cap) % w->cap];
}

/* The oldest snapshot not older than the window at now, but never the
 * newest one: then (a window of 1 s, a late or stalled ticker) the one
 * before it. NULL with fewer than two snapshots. */
static const struct snapshot *base_at(const struct causes_window *w,
				      double now)
{
	int k = 0;

	while (k < w->len - 2 && nth(w, k)->t < now - w->seconds)
		k++;
	return w->len >= 2 ? nth(w, k) : NULL;
}

/* b - a for a counter that only grows; 0 if it went back (a reset). */
static double grown(uint64_t a, uint64_t b)
{
	return b > a ? (double)(b - a) : 0;
}

/* Rates between base and the newest snapshot, clamped at 0; all 0 with
 * fewer than two snapshots. */
void causes_window_rates(const struct causes_window *w, double now,
			 double *rates)
{
	const struct snapshot *b = base_at(w, now), *n = nth(w, w->len - 1);
	double dt = b ? n->t - b->t : 0, r;

	for (int i = 0; i < w->ncauses; i++) {
		r = 0;
		if (dt > 0)
			r = (grown(b->in[i].plus, n->in[i].plus) -
			     grown(b->in[i].minus, n->in[i].minus)) / dt;
		rates[i] = r > 0 ? r : 0;
	}
}

/* First index of the largest positive rate, or -1. */
int causes_dominant(const double *rates, int n)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (rates[i] > 0 && (best < 0 || rates[i] > rates[best]))
			best = i;
	return best;
}
