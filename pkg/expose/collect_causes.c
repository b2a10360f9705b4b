/* collect_causes: ftrace_drop_cause_rate{cause} and
 * ftrace_drop_cause_dominant{cause}, from pkg/causes. Runs under the
 * pipeline's lock, the same one the causes ticker takes. */
#include <stdlib.h>

#include "expose/collectors.h"

/* Writes both families from rates[n]. */
static int write_families(const struct causes *c, const double *rates, int n,
			  struct expo *w)
{
	int top = causes_dominant(rates, n);

	if (expo_family(w, "ftrace_drop_cause_rate", EXPO_GAUGE,
			"Drops per second attributed to each cause over the "
			"sliding window."))
		return -1;
	for (int i = 0; i < n; i++)
		expo_sample1(w, "cause", causes_name(c, i), rates[i]);
	if (expo_family(w, "ftrace_drop_cause_dominant", EXPO_GAUGE,
			"1 for the cause with the highest non-zero drop rate "
			"over the window, 0 for the others."))
		return -1;
	for (int i = 0; i < n; i++)
		expo_sample1(w, "cause", causes_name(c, i), i == top);
	return 0;
}

/* No families when the pipeline has no causes module; -1 on ENOMEM. */
int collect_causes(void *src, struct expo *w)
{
	const struct scrape_src *s = src;
	double *rates;
	int n, ret;

	if (!s->causes)
		return 0;
	n = causes_size(s->causes);
	rates = calloc(n, sizeof(*rates));
	if (!rates)
		return -1;
	causes_rates(s->causes, causes_now(), rates);
	ret = write_families(s->causes, rates, n, w);
	free(rates);
	return ret;
}
