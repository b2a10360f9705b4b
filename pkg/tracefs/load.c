/* tracefs load: event formats for the config's systems, and the kernel-side
 * checks of function and kprobe targets used by --check-config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "tracefs/session_priv.h"

/* Adds sys to the NULL-terminated list v of at most max names, once. */
static void add_system(const char **v, int max, const char *sys)
{
	int i;

	for (i = 0; i < max && v[i]; i++)
		if (!strcmp(v[i], sys))
			return;
	if (i < max)
		v[i] = sys;
}

struct tep_handle *session_load_tep(const char *dir, const struct config *cfg)
{
	int n = config_probe_count(cfg);
	const char **systems = calloc(n + 2, sizeof(*systems));
	struct tep_handle *tep;

	if (!systems)
		return NULL;
	for (int i = 0; i < n; i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		add_system(systems, n + 1, p->kind == PROBE_FUNCTION ?
			   "ftrace" : p->system);
	}
	tep = tracefs_local_events_system(dir, systems);
	free(systems);
	return tep;
}

/* Reads available_filter_functions once; NULL with errno when refused. */
static char *read_traceable(void)
{
	return tracefs_instance_file_read(NULL, "available_filter_functions",
					  NULL);
}

/* True when name is a whole line (ignoring " [module]") of list. */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == '\n') &&
		    (p[len] == '\n' || p[len] == ' ' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static bool is_function_probe(const struct probe_spec *p)
{
	return p->kind == PROBE_FUNCTION || p->kind == PROBE_KPROBE;
}

/* Symbol of a kprobe target "SYMBOL[+off]" into buf. */
static const char *target_symbol(const struct probe_spec *p, char *buf,
				 size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(p->target, "+"), p->target);
	return buf;
}

int session_check_functions(const char *dir, const struct config *cfg,
			    FILE *errs)
{
	char *list, sym[256];
	int bad = 0, refused;

	if (dir && tracefs_set_tracing_dir((char *)dir))
		return 1;
	list = read_traceable();
	refused = errno;
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (!is_function_probe(p))
			continue;
		if (!list) {
			fprintf(errs, "%s:%d:%d: warning: probe %s: this kernel "
				"does not let us trace functions (%s); it will "
				"report probe_up 0\n", config_path(cfg), p->line,
				p->col, p->name, strerror(refused));
		} else if (!listed(list, target_symbol(p, sym, sizeof(sym)))) {
			fprintf(errs, "%s:%d:%d: probe %s: function %s is not "
				"traceable on this kernel (not in "
				"available_filter_functions: inlined or "
				"renamed?)\n", config_path(cfg), p->line,
				p->col, p->name, sym);
			bad++;
		}
	}
	free(list);
	return bad;
}
