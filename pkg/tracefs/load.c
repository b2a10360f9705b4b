/* tracefs load: event formats for the config's probes, and the kernel-side
 * checks of function and kprobe targets used by --check-config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>

#include "tracefs/session_priv.h"

/* Parses the tracing file rel: an event format of system sys, or the page
 * header when sys is NULL. -1 when it cannot be read or parsed. */
static int load_file(struct tep_handle *tep, const char *rel, const char *sys)
{
	int size, ret;
	char *buf = tracefs_instance_file_read(NULL, rel, &size);

	if (!buf)
		return -1;
	if (sys)
		ret = tep_parse_event(tep, buf, size, sys) ? -1 : 0;
	else
		ret = tep_parse_header_page(tep, buf, size, sizeof(long));
	free(buf);
	return ret;
}

/* Loads the format of sys:event once. A missing event is left for the parser
 * to report against its probe. */
static void load_event(struct tep_handle *tep, const char *sys,
		       const char *event)
{
	char rel[512];

	if (tep_find_event_by_name(tep, sys, event))
		return;
	snprintf(rel, sizeof(rel), "events/%s/%s/format", sys, event);
	load_file(tep, rel, sys);
}

/* The event probes (of the probes with packet labels) are loaded when
 * the kernel lists them: session_probe_event() tells by their format. */
int session_load_events(struct tep_handle *tep, const struct config *cfg)
{
	for (int i = 0; i < config_probe_count(cfg); i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (p->kind == PROBE_FUNCTION)
			load_event(tep, "ftrace", "function");
		else
			load_event(tep, p->system, p->event);
		if (config_packet_labels(cfg, i))
			load_event(tep, config_kprobe_group(cfg), p->name);
	}
	return 0;
}

/* A tep with the ring-buffer page header and exactly the events the config
 * uses. Unlike tracefs_local_events_system(), it does not copy kallsyms
 * (about 12 MiB here): pkg/parse keeps its own compact symbol table. */
struct tep_handle *session_load_tep(const char *dir, const struct config *cfg)
{
	struct tep_handle *tep;

	if (dir && tracefs_set_tracing_dir((char *)dir))
		return NULL;
	tep = tep_alloc();
	if (!tep)
		return NULL;
	/* As tracefs_local_events_system() leaves it: this machine's layout. */
	tep_set_file_bigendian(tep, tep_is_bigendian());
	tep_set_local_bigendian(tep, tep_is_bigendian());
	tep_set_long_size(tep, sizeof(long));
	tep_set_cpus(tep, session_cpu_count());
	if (load_file(tep, "events/header_page", NULL))
		goto err_free;
	session_load_events(tep, cfg);
	return tep;
err_free:
	tep_free(tep);
	return NULL;
}

char *session_traceable_read(void)
{
	return tracefs_instance_file_read(NULL, "available_filter_functions",
					  NULL);
}

bool session_traceable(const char *list, const char *name)
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
	list = session_traceable_read();
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
		} else if (!session_traceable(list, target_symbol(p, sym, sizeof(sym)))) {
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
