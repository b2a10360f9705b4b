/* pstate: see pstate.h. Two columns, so that the per-event path reads a
 * plain bool array. */
#include "pstate/pstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pstate {
	int n;
	bool *up;	/* [n] */
	char **why;	/* [n], NULL when up or not set */
};

/* One allocation each; NULL with errno ENOMEM, nothing left behind. */
struct pstate *pstate_new(int n)
{
	struct pstate *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n = n;
	t->up = calloc(n + 1, sizeof(*t->up));
	t->why = calloc(n + 1, sizeof(*t->why));
	if (!t->up || !t->why) {
		pstate_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void pstate_free(struct pstate *t)
{
	if (!t)
		return;
	for (int i = 0; t->why && i < t->n; i++)
		free(t->why[i]);
	free(t->why);
	free(t->up);
	free(t);
}

int pstate_count(const struct pstate *t)
{
	return t->n;
}

/* Replaces the reason; a copy that fails leaves the probe down anyway. */
int pstate_set(struct pstate *t, int i, const char *why)
{
	free(t->why[i]);
	t->why[i] = NULL;
	t->up[i] = !why;
	if (why && !(t->why[i] = strdup(why)))
		return -1;
	return 0;
}

bool pstate_up(const struct pstate *t, int i)
{
	return t->up[i];
}

const char *pstate_why(const struct pstate *t, int i)
{
	if (t->up[i])
		return NULL;
	return t->why[i] ? t->why[i] : "not enabled";
}

const bool *pstate_up_flags(const struct pstate *t)
{
	return t->up;
}
