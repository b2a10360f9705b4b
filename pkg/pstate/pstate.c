/* pstate: see pstate.h. One array per column, so that the per-event path
 * reads a plain bool array. */
#include "pstate/pstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pstate {
	int n;
	bool *up;	/* [n] */
	char **why;	/* [n], NULL when up or not set */
	char **fallback;	/* [n], pstate_fallback(); NULL: none */
	enum pstate_mode *mode;	/* [n], PSTATE_RING or PSTATE_HIST */
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
	t->fallback = calloc(n + 1, sizeof(*t->fallback));
	t->mode = calloc(n + 1, sizeof(*t->mode));	/* PSTATE_RING */
	if (!t->up || !t->why || !t->fallback || !t->mode) {
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
	for (int i = 0; t->fallback && i < t->n; i++)
		free(t->fallback[i]);
	free(t->why);
	free(t->fallback);
	free(t->up);
	free(t->mode);
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

int pstate_set_fallback(struct pstate *t, int i, const char *why)
{
	free(t->fallback[i]);
	t->fallback[i] = why ? strdup(why) : NULL;
	return why && !t->fallback[i] ? -1 : 0;
}

const char *pstate_fallback(const struct pstate *t, int i)
{
	return t->fallback[i];
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

void pstate_set_mode(struct pstate *t, int i, enum pstate_mode mode)
{
	t->mode[i] = mode;
}

enum pstate_mode pstate_mode(const struct pstate *t, int i)
{
	return t->mode[i];
}

const char *pstate_mode_name(enum pstate_mode mode)
{
	static const char *const names[] = {
		[PSTATE_RING] = "ring_buffer", [PSTATE_HIST] = "hist",
		[PSTATE_AUTO] = "auto",
	};

	return names[mode];
}

/* The one rule of which way a probe counts before it is turned on. */
enum pstate_mode pstate_mode_planned(const struct config *cfg, int j,
				     const struct pstate *prev)
{
	int i;

	switch (config_probe(cfg, j)->mode) {
	case PROBE_COUNT:
		return PSTATE_RING;
	case PROBE_HIST:
		return PSTATE_HIST;
	case PROBE_AUTO:
		break;
	}
	i = config_probe_previous(cfg, j);	/* a down one left nothing */
	return prev && i >= 0 && pstate_up(prev, i) ? pstate_mode(prev, i) :
						      PSTATE_AUTO;
}
