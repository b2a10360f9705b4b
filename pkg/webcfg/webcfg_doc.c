/* webcfg: loads the libyaml document of a web config: syntax errors at
 * their line and column, one document only, no anchors or aliases.
 */
#include "webcfg_int.h"

#include <stdlib.h>
#include <string.h>

/* Reports the error a libyaml parser stopped at. A reader error (bad
 * UTF-8) only has a byte offset, turned here into a line and column. */
static void syntax_error(struct wc_ctx *ctx, yaml_parser_t *parser,
			 const char *text)
{
	int line = (int)parser->problem_mark.line + 1;
	int col = (int)parser->problem_mark.column + 1;

	if (parser->error == YAML_MEMORY_ERROR) {
		wc_err_at(ctx, 1, 1, "out of memory");
		return;
	}
	if (parser->error == YAML_READER_ERROR) {
		line = col = 1;
		for (size_t i = 0; i < parser->problem_offset && text[i]; i++) {
			col = text[i] == '\n' ? 1 : col + 1;
			line += text[i] == '\n';
		}
	}
	wc_err_at(ctx, line, col, "YAML syntax error: %s%s%s%s",
		  parser->problem ? parser->problem : "unknown problem",
		  parser->context ? " (" : "",
		  parser->context ? parser->context : "",
		  parser->context ? ")" : "");
}

/* Returns the index of the first node that is the child of two nodes (an
 * alias, or a cycle back to the root), 0 for a plain tree. seen has one
 * byte per node, zeroed. */
static int first_alias(yaml_document_t *doc, unsigned char *seen)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	yaml_node_t *n;

	seen[1] = 1;
	for (n = doc->nodes.start; n < doc->nodes.top; n++) {
		if (n->type == YAML_SEQUENCE_NODE) {
			for (it = n->data.sequence.items.start;
			     it < n->data.sequence.items.top; it++)
				if (seen[*it]++)
					return *it;
		}
		if (n->type != YAML_MAPPING_NODE)
			continue;
		for (p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			if (seen[p->key]++)
				return p->key;
			if (seen[p->value]++)
				return p->value;
		}
	}
	return 0;
}

/* Rejects anchors and aliases: libyaml shares aliased nodes, and the walk
 * would see one node twice (or loop). Returns 0, or -1 after reporting. */
static int check_aliases(struct wc_ctx *ctx)
{
	size_t count = ctx->doc.nodes.top - ctx->doc.nodes.start;
	unsigned char *seen = calloc(count + 2, 1);
	int idx;

	if (!seen) {
		wc_err_at(ctx, 1, 1, "out of memory");
		return -1;
	}
	idx = count ? first_alias(&ctx->doc, seen) : 0;
	free(seen);
	if (!idx)
		return 0;
	wc_err(ctx, wc_node(ctx, idx), "anchors and aliases are not supported");
	return -1;
}

/* Makes sure nothing but comments follows the first document. Returns -1
 * after a syntax error, 0 otherwise (a second document is reported). */
static int check_single_doc(struct wc_ctx *ctx, yaml_parser_t *parser,
			    const char *text)
{
	yaml_document_t extra;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &extra)) {
		syntax_error(ctx, parser, text);
		return -1;
	}
	root = yaml_document_get_root_node(&extra);
	if (root)
		wc_err(ctx, root, "only one YAML document is allowed");
	yaml_document_delete(&extra);
	return 0;
}

/* Parses text into ctx->doc. Returns 0 (the caller deletes the document),
 * or -1 after reporting the problem, with no document left behind. */
int wc_load_doc(struct wc_ctx *ctx, const char *text)
{
	yaml_parser_t parser;

	if (!yaml_parser_initialize(&parser)) {
		wc_err_at(ctx, 1, 1, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
				     strlen(text));
	if (!yaml_parser_load(&parser, &ctx->doc)) {
		syntax_error(ctx, &parser, text);
		goto err_delete_parser;
	}
	if (check_single_doc(ctx, &parser, text) < 0 || check_aliases(ctx) < 0)
		goto err_delete_doc;
	yaml_parser_delete(&parser);
	return 0;

err_delete_doc:
	yaml_document_delete(&ctx->doc);
err_delete_parser:
	yaml_parser_delete(&parser);
	return -1;
}
