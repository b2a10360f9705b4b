/* collect_causes: ftrace_drop_cause_rate{cause} and
 * ftrace_drop_cause_dominant{cause}, from pkg/causes. Runs under the
 * scrape lock, the same one the causes ticker takes. */
#include <stdlib.h>

#include "collect/collect_int.h"

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

/* No families without a causes module; -1 on ENOMEM. */
int collect_causes(void *ctx, struct expo *w)
{
	const struct causes *causes = ((const struct collect *)ctx)->src.causes;
	double *rates;
	int n, ret;

	if (!causes)
		return 0;
	n = causes_size(causes);
	rates = calloc(n, sizeof(*rates));
	if (!rates)
		return -1;
	causes_rates(causes, causes_now(), rates);
	ret = write_families(causes, rates, n, w);
	free(rates);
	return ret;
}
