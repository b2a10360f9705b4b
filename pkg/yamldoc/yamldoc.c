/* yamldoc: see yamldoc.h. This file holds the lifecycle, error reporting,
 * file reading, the loading of one document (syntax errors at their line
 * and column, one document only, no anchors or aliases) and the node
 * helpers that every section of a strict file uses.
 */
#include "yamldoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct yamldoc {
	const char *path;
	FILE *errs;
	int nerr;
	bool loaded;		/* doc holds a document */
	yaml_document_t doc;
};

/* Returns a yamldoc with no document yet, naming path in messages and
 * printing them to errs (NULL: only count them). path and errs are not
 * copied: they must outlive it. The caller frees it with yamldoc_free().
 * NULL with errno ENOMEM. */
struct yamldoc *yamldoc_new(const char *path, FILE *errs)
{
	struct yamldoc *yd = calloc(1, sizeof(*yd));

	if (!yd)
		return NULL;
	yd->path = path;
	yd->errs = errs;
	return yd;
}

/* Frees yd and its document. NULL is allowed. */
void yamldoc_free(struct yamldoc *yd)
{
	if (!yd)
		return;
	if (yd->loaded)
		yaml_document_delete(&yd->doc);
	free(yd);
}

/* Number of problems reported so far. */
int yamldoc_errors(const struct yamldoc *yd)
{
	return yd->nerr;
}

static void yamldoc_verr(struct yamldoc *yd, int line, int col,
			 const char *fmt, va_list ap)
{
	yd->nerr++;
	if (!yd->errs)
		return;
	fprintf(yd->errs, "%s:%d:%d: ", yd->path, line, col);
	vfprintf(yd->errs, fmt, ap);
	fputc('\n', yd->errs);
}

/* Prints "FILE:LINE:COL: message" for the start of node n and counts it. */
void yamldoc_err(struct yamldoc *yd, const yaml_node_t *n, const char *fmt,
		 ...)
{
	va_list ap;

	va_start(ap, fmt);
	yamldoc_verr(yd, (int)n->start_mark.line + 1,
		     (int)n->start_mark.column + 1, fmt, ap);
	va_end(ap);
}

/* Like yamldoc_err() at an explicit 1-based line and column. */
void yamldoc_err_at(struct yamldoc *yd, int line, int col, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	yamldoc_verr(yd, line, col, fmt, ap);
	va_end(ap);
}

/* Reads f to its end into a malloc'd buffer with room for a final NUL,
 * stopping once it holds more than max bytes; the byte count goes to *n.
 * NULL with errno ENOMEM. */
static char *read_stream(FILE *f, size_t max, size_t *n)
{
	size_t cap = 4096;
	char *buf = NULL, *bigger;

	*n = 0;
	for (;;) {
		bigger = realloc(buf, cap + 1);
		if (!bigger) {
			free(buf);
			errno = ENOMEM;
			return NULL;
		}
		buf = bigger;
		*n += fread(buf + *n, 1, cap - *n, f);
		if (*n < cap || *n > max)
			return buf;
		cap = cap > max / 2 ? max + 1 : cap * 2;
	}
}

/* Reads all of path, or its first max + 1 bytes or more when it is longer
 * (*n then exceeds max), into a malloc'd, NUL-terminated buffer the caller
 * frees. NULL with errno when it cannot be opened or read. */
static char *read_path(const char *path, size_t max, size_t *n)
{
	FILE *f = fopen(path, "re");
	char *buf;
	int err;

	if (!f)
		return NULL;
	buf = read_stream(f, max, n);
	err = !buf ? ENOMEM : ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[*n] = '\0';
	return buf;
}

/* Reads all of path (at most max bytes) into a malloc'd, NUL-terminated
 * buffer the caller frees; its length goes to *len. NULL with errno on
 * failure: EFBIG when larger than max, EILSEQ when it holds a NUL byte. */
char *yamldoc_read_file(const char *path, size_t max, size_t *len)
{
	char *buf = read_path(path, max, len);
	int err;

	if (!buf)
		return NULL;
	err = *len > max ? EFBIG : memchr(buf, '\0', *len) ? EILSEQ : 0;
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	return buf;
}

/* The 1-based line and column of byte off of text. */
static void text_position(const char *text, size_t off, int *line, int *col)
{
	*line = *col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		*col = text[i] == '\n' ? 1 : *col + 1;
		*line += text[i] == '\n';
	}
}

/* Reports text of n bytes when it is longer than max, at its first byte
 * past max. Returns 0, or -1 with errno EFBIG. */
static int check_size(struct yamldoc *yd, const char *text, size_t n,
		      size_t max)
{
	int line, col;

	if (n <= max)
		return 0;
	text_position(text, max, &line, &col);
	yamldoc_err_at(yd, line, col, "larger than %zu bytes, the most "
		       "ftrace_exporter reads", max);
	errno = EFBIG;
	return -1;
}

/* Reports the error a libyaml parser stopped at. A reader error (bad
 * UTF-8) only has a byte offset of text, turned here into a line and
 * column. */
static void syntax_error(struct yamldoc *yd, yaml_parser_t *parser,
			 const char *text)
{
	int line = (int)parser->problem_mark.line + 1;
	int col = (int)parser->problem_mark.column + 1;

	if (parser->error == YAML_MEMORY_ERROR) {
		yamldoc_err_at(yd, 1, 1, "out of memory");
		return;
	}
	if (parser->error == YAML_READER_ERROR)
		text_position(text, parser->problem_offset, &line, &col);
	yamldoc_err_at(yd, line, col, "YAML syntax error: %s%s%s%s",
		       parser->problem ? parser->problem : "unknown problem",
		       parser->context ? " (" : "",
		       parser->context ? parser->context : "",
		       parser->context ? ")" : "");
}

/* Makes sure nothing but comments follows the first document. Returns -1
 * after a syntax error, 0 otherwise (a second document is reported). */
static int check_single_doc(struct yamldoc *yd, yaml_parser_t *parser,
			    const char *text)
{
	yaml_document_t extra;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &extra)) {
		syntax_error(yd, parser, text);
		return -1;
	}
	root = yaml_document_get_root_node(&extra);
	if (root)
		yamldoc_err(yd, root, "only one YAML document is allowed");
	yaml_document_delete(&extra);
	return 0;
}

/* Marks node index idx as referenced; returns -1 if it already was. */
static int mark_ref(unsigned char *seen, int idx)
{
	if (seen[idx])
		return -1;
	seen[idx] = 1;
	return 0;
}

/* Marks the children of n as referenced. Returns the index of the first
 * child that already was, or 0. */
static int mark_children(yaml_node_t *n, unsigned char *seen)
{
	yaml_node_item_t *item;
	yaml_node_pair_t *pair;

	if (n->type == YAML_SEQUENCE_NODE) {
		for (item = n->data.sequence.items.start;
		     item < n->data.sequence.items.top; item++)
			if (mark_ref(seen, *item))
				return *item;
	}
	if (n->type != YAML_MAPPING_NODE)
		return 0;
	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		if (mark_ref(seen, pair->key))
			return pair->key;
		if (mark_ref(seen, pair->value))
			return pair->value;
	}
	return 0;
}

/* Returns the index of the first node referenced twice (an alias, or a
 * cycle back to the root), 0 if the document is a plain tree. seen has
 * one zeroed byte per node index. */
static int first_alias(yaml_document_t *doc, unsigned char *seen)
{
	yaml_node_t *n;
	int idx = 0;

	seen[1] = 1;
	for (n = doc->nodes.start; !idx && n < doc->nodes.top; n++)
		idx = mark_children(n, seen);
	return idx;
}

/* Rejects anchors and aliases: libyaml shares aliased nodes, which would
 * make a walk see one node twice (or loop). Returns 0, or -1 after
 * reporting. */
static int check_aliases(struct yamldoc *yd)
{
	size_t count = yd->doc.nodes.top - yd->doc.nodes.start;
	unsigned char *seen;
	int idx;

	if (!count)
		return 0;
	seen = calloc(count + 1, sizeof(*seen));
	if (!seen) {
		yamldoc_err_at(yd, 1, 1, "out of memory");
		return -1;
	}
	idx = first_alias(&yd->doc, seen);
	free(seen);
	if (!idx)
		return 0;
	yamldoc_err(yd, yamldoc_node(yd, idx),
		    "anchors and aliases are not supported");
	return -1;
}

/* The nesting depth after event ev, from depth before it. */
static int event_depth(const yaml_event_t *ev, int depth)
{
	if (ev->type == YAML_SEQUENCE_START_EVENT ||
	    ev->type == YAML_MAPPING_START_EVENT)
		return depth + 1;
	if (ev->type == YAML_SEQUENCE_END_EVENT ||
	    ev->type == YAML_MAPPING_END_EVENT)
		return depth - 1;
	return depth;
}

/* Reads parser's events to the end of its stream and stops at the first
 * collection nested deeper than YAMLDOC_MAX_DEPTH, before anything is
 * built: libyaml's loader would go on for seconds. Returns 0, or -1 after
 * reporting that collection or a syntax error. */
static int scan_depth(struct yamldoc *yd, yaml_parser_t *parser,
		      const char *text)
{
	yaml_event_t ev;
	int depth = 0, ret = 0;

	for (bool end = false; !end && !ret;) {
		if (!yaml_parser_parse(parser, &ev)) {
			syntax_error(yd, parser, text);
			return -1;
		}
		depth = event_depth(&ev, depth);
		end = ev.type == YAML_STREAM_END_EVENT;
		if (depth > YAMLDOC_MAX_DEPTH) {
			yamldoc_err_at(yd, (int)ev.start_mark.line + 1,
				       (int)ev.start_mark.column + 1,
				       "nested deeper than %d levels",
				       YAMLDOC_MAX_DEPTH);
			ret = -1;
		}
		yaml_event_delete(&ev);
	}
	return ret;
}

/* Checks the nesting of text (scan_depth) with a parser of its own. */
static int check_depth(struct yamldoc *yd, const char *text)
{
	yaml_parser_t parser;
	int ret;

	if (!yaml_parser_initialize(&parser)) {
		yamldoc_err_at(yd, 1, 1, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	ret = scan_depth(yd, &parser, text);
	yaml_parser_delete(&parser);
	return ret;
}

/* Parses text (once per yamldoc) into its document: syntax errors, too
 * deep a nesting, a second document, anchors and aliases are reported.
 * Returns 0 (the document may be empty: yamldoc_root() is then NULL), or
 * -1 with errno EINVAL and no document. */
int yamldoc_load_text(struct yamldoc *yd, const char *text)
{
	yaml_parser_t parser;

	if (check_depth(yd, text) < 0)
		goto err_inval;
	if (!yaml_parser_initialize(&parser)) {
		yamldoc_err_at(yd, 1, 1, "out of memory");
		goto err_inval;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	if (!yaml_parser_load(&parser, &yd->doc)) {
		syntax_error(yd, &parser, text);
		goto err_delete_parser;
	}
	yd->loaded = true;
	if (check_single_doc(yd, &parser, text) < 0 || check_aliases(yd) < 0)
		goto err_delete_doc;
	yaml_parser_delete(&parser);
	return 0;

err_delete_doc:
	yaml_document_delete(&yd->doc);
	yd->loaded = false;
err_delete_parser:
	yaml_parser_delete(&parser);
err_inval:
	errno = EINVAL;
	return -1;
}

/* Reports that the file at yd's path cannot be read, for err, as
 * "FILE: LEAD REASON", and returns -1 with errno err. */
static int unreadable(struct yamldoc *yd, const char *lead, int err)
{
	yd->nerr++;
	if (yd->errs)
		fprintf(yd->errs, "%s: %s%s\n", yd->path, lead,
			err == EILSEQ ? "contains a NUL byte" : strerror(err));
	errno = err;
	return -1;
}

/* Reads the file at the yamldoc's path (at most max bytes) and loads it
 * as yamldoc_load_text() does. A file that cannot be read is reported as
 * "FILE: LEAD REASON" (lead, as in "cannot read web config: ", may be "")
 * and counted; one longer than max at its first byte past max. Returns 0,
 * or -1 with errno: EINVAL for a problem of the text, else why the file
 * could not be read (EFBIG, EILSEQ for a NUL). */
int yamldoc_load_file(struct yamldoc *yd, size_t max, const char *lead)
{
	size_t len;
	char *text;
	int ret, err;

	text = read_path(yd->path, max, &len);
	if (!text)
		return unreadable(yd, lead, errno);
	if (check_size(yd, text, len, max) < 0)
		ret = -1;
	else if (memchr(text, '\0', len))
		ret = unreadable(yd, lead, EILSEQ);
	else
		ret = yamldoc_load_text(yd, text);
	err = errno;
	free(text);
	errno = err;
	return ret;
}

/* Loads text (at most max bytes), or when text is NULL the file at yd's
 * path (max and lead as for yamldoc_load_file()), then hands its root to
 * walk(arg, root). Returns 0 when no problem at all was reported, else -1
 * with errno: EINVAL, or why the file could not be read. */
int yamldoc_parse(struct yamldoc *yd, const char *text, size_t max,
		  const char *lead, yamldoc_walk_fn *walk, void *arg)
{
	int ret;

	if (text)
		ret = check_size(yd, text, strlen(text), max) < 0 ? -1 :
		      yamldoc_load_text(yd, text);
	else
		ret = yamldoc_load_file(yd, max, lead);
	if (ret < 0)
		return -1;
	walk(arg, yamldoc_root(yd));
	if (!yd->nerr)
		return 0;
	errno = EINVAL;
	return -1;
}

/* The root node; NULL for an empty document or when none was loaded. */
yaml_node_t *yamldoc_root(struct yamldoc *yd)
{
	return yd->loaded ? yaml_document_get_root_node(&yd->doc) : NULL;
}

/* Node index of the document; NULL when out of range. */
yaml_node_t *yamldoc_node(struct yamldoc *yd, int index)
{
	return yd->loaded ? yaml_document_get_node(&yd->doc, index) : NULL;
}

/* Item i of sequence seq (0 <= i < yamldoc_seq_len()). */
yaml_node_t *yamldoc_item(struct yamldoc *yd, yaml_node_t *seq, int i)
{
	return yamldoc_node(yd, seq->data.sequence.items.start[i]);
}

/* True for YAML's null: an empty or ~ or null plain scalar. */
bool yamldoc_is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *type_name(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "sequence";
	return "scalar";
}

/* Returns 0 if n is a mapping, else reports it and returns -1. */
int yamldoc_mapping(struct yamldoc *yd, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	yamldoc_err(yd, n, "expected a mapping for %s, found a %s", what,
		    type_name(n));
	return -1;
}

/* Returns the text of scalar n (owned by the document), or NULL after
 * reporting a mapping, a sequence, or an embedded NUL. */
const char *yamldoc_scalar(struct yamldoc *yd, yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		yamldoc_err(yd, n, "expected a scalar, found a %s",
			    type_name(n));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		yamldoc_err(yd, n, "NUL characters are not allowed");
		return NULL;
	}
	return s;
}

/* Returns the number of items of sequence n, or -1 after reporting that
 * n is not a sequence. */
int yamldoc_seq_len(struct yamldoc *yd, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		yamldoc_err(yd, n, "expected a sequence, found a %s",
			    type_name(n));
		return -1;
	}
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

/* Reports pair's key if an earlier key of map has the same text. Returns
 * -1 for a duplicate, 0 otherwise. */
int yamldoc_dup_key(struct yamldoc *yd, yaml_node_t *map,
		    yaml_node_pair_t *pair)
{
	yaml_node_t *key = yamldoc_node(yd, pair->key), *prev;
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < pair; p++) {
		prev = yamldoc_node(yd, p->key);
		if (prev->type != YAML_SCALAR_NODE ||
		    key->type != YAML_SCALAR_NODE ||
		    strcmp((char *)prev->data.scalar.value,
			   (char *)key->data.scalar.value))
			continue;
		yamldoc_err(yd, key, "duplicate key \"%s\" (first at line %d)",
			    (char *)key->data.scalar.value,
			    (int)prev->start_mark.line + 1);
		return -1;
	}
	return 0;
}

/* True when the NULL-terminated list names holds s. */
static bool listed(const char *const *names, const char *s)
{
	for (; names && *names; names++)
		if (!strcmp(*names, s))
			return true;
	return false;
}

/* Reports key s of mapping what, which names does not hold: as refused
 * when refused (may be NULL) lists it, else as unknown. */
static void other_key(struct yamldoc *yd, yaml_node_t *key, const char *s,
		      const char *what, const char *const *names,
		      const struct yamldoc_refused *refused)
{
	char allowed[256] = "";
	size_t len = 0;

	if (refused && listed(refused->keys, s)) {
		yamldoc_err(yd, key, "key \"%s\" in %s is not supported by "
			    "ftrace_exporter (%s)", s, what, refused->why);
		return;
	}
	for (int i = 0; names[i] && len < sizeof(allowed); i++)
		len += snprintf(allowed + len, sizeof(allowed) - len, "%s%s",
				i ? ", " : "", names[i]);
	yamldoc_err(yd, key, "unknown key \"%s\" in %s (allowed: %s)", s, what,
		    allowed);
}

/* Checks that map is a mapping whose keys are distinct scalars taken from
 * the NULL-terminated names, and fills out[i] with the key and value of
 * names[i] (out zeroed by the caller). Other keys are reported (see
 * struct yamldoc_refused; refused may be NULL). Returns -1 only when map
 * is not a mapping; other problems are reported and skipped. */
int yamldoc_fields(struct yamldoc *yd, yaml_node_t *map, const char *what,
		   const char *const *names,
		   const struct yamldoc_refused *refused,
		   struct yamldoc_kv *out)
{
	yaml_node_pair_t *pair;
	yaml_node_t *key;
	const char *s;
	int i;

	if (yamldoc_mapping(yd, map, what) < 0)
		return -1;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		key = yamldoc_node(yd, pair->key);
		s = yamldoc_scalar(yd, key);
		if (!s || yamldoc_dup_key(yd, map, pair) < 0)
			continue;
		for (i = 0; names[i] && strcmp(names[i], s); i++)
			;
		if (!names[i]) {
			other_key(yd, key, s, what, names, refused);
			continue;
		}
		out[i].key = key;
		out[i].val = yamldoc_node(yd, pair->value);
	}
	return 0;
}
