/* yamldoc: one strict YAML document (libyaml) and the reporting of its
 * problems, shared by the files ftrace_exporter reads (pkg/config,
 * pkg/webcfg).
 *
 * A struct yamldoc names its source (path) and where problems go (errs,
 * which may be NULL: problems are then only counted). Every problem is
 * printed as "FILE:LINE:COL: message" and counted, and the helpers below
 * report their own problems and let the caller carry on, so that one run
 * reports all of them. A document is one plain tree: a syntax error or an
 * anchor or alias makes loading fail, and a second document is reported.
 * Nodes and their text belong to the yamldoc and live until yamldoc_free().
 *
 * Limits (each a "FILE:LINE:COL:" error, found before libyaml builds any
 * node): a file or text longer than the max its reader passes (the
 * config's and the web config's is YAMLDOC_MAX_SIZE) is refused at the
 * first byte past it, and collections nested deeper than YAMLDOC_MAX_DEPTH
 * at the first one too deep: libyaml takes seconds for 50,000 "[".
 */
#ifndef FTE_YAMLDOC_H
#define FTE_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

#define YAMLDOC_MAX_SIZE (1 << 20)	/* 1 MiB */
#define YAMLDOC_MAX_DEPTH 64

struct yamldoc;

/* Key and value node of one allowed key of a mapping; NULL when absent. */
struct yamldoc_kv {
	yaml_node_t *key, *val;
};

/* Keys of a file format that ftrace_exporter knows but does not implement:
 * each is reported as "key "K" in WHAT is not supported by ftrace_exporter
 * (WHY)" rather than as unknown. */
struct yamldoc_refused {
	const char *const *keys;	/* NULL-terminated */
	const char *why;		/* as in "X has it; remove it" */
};

/* What a reader does with the root of a loaded document (NULL when the
 * document is empty): its own checks, reported with yamldoc_err(). */
typedef void yamldoc_walk_fn(void *arg, yaml_node_t *root);

struct yamldoc *yamldoc_new(const char *path, FILE *errs);
int yamldoc_load_text(struct yamldoc *yd, const char *text);
int yamldoc_load_file(struct yamldoc *yd, size_t max, const char *lead);
int yamldoc_parse(struct yamldoc *yd, const char *text, size_t max,
		  const char *lead, yamldoc_walk_fn *walk, void *arg);
void yamldoc_free(struct yamldoc *yd);
char *yamldoc_read_file(const char *path, size_t max, size_t *len);

int yamldoc_errors(const struct yamldoc *yd);
void yamldoc_err(struct yamldoc *yd, const yaml_node_t *n, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));
void yamldoc_err_at(struct yamldoc *yd, int line, int col, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

yaml_node_t *yamldoc_root(struct yamldoc *yd);
yaml_node_t *yamldoc_node(struct yamldoc *yd, int index);
yaml_node_t *yamldoc_item(struct yamldoc *yd, yaml_node_t *seq, int i);
bool yamldoc_is_null(const yaml_node_t *n);
int yamldoc_mapping(struct yamldoc *yd, yaml_node_t *n, const char *what);
const char *yamldoc_scalar(struct yamldoc *yd, yaml_node_t *n);
int yamldoc_seq_len(struct yamldoc *yd, yaml_node_t *n);
int yamldoc_dup_key(struct yamldoc *yd, yaml_node_t *map,
		    yaml_node_pair_t *pair);
int yamldoc_fields(struct yamldoc *yd, yaml_node_t *map, const char *what,
		   const char *const *names,
		   const struct yamldoc_refused *refused,
		   struct yamldoc_kv *out);

#endif
