/* libFuzzer target: pkg/parse on arbitrary ring-buffer pages. The input is
 * one sub-buffer (header, commit, records) parsed against event formats
 * saved from a 6.18 kernel; every series it makes is then rendered, so
 * enum, symbol, string and __data_loc labels all meet hostile bytes. The
 * same bytes, as text, are also read as a kernel hist file (mode: hist).
 *
 * The page ends right at an inaccessible guard page: libtraceevent is not
 * built with the sanitizers, so a read past the page inside kbuffer is
 * caught only that way (a crash); a walk that never ends is caught by
 * libFuzzer's -timeout (scripts/run-fuzz.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* fixture_tep.h asserts with cmocka's names; here a failure is a crash. */
#define assert_non_null(x) do { if (!(x)) abort(); } while (0)
#define assert_int_equal(a, b) do { if ((a) != (b)) abort(); } while (0)
#include "../unit/fixture_tep.h"

#include "config/config.h"
#include "metrics/metrics.h"
#include "parse/parse.h"

static const char yaml[] =
	"probes:\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"    labels: [reason, location, protocol]\n"
	"  - name: rx\n"
	"    tracepoint: net:netif_receive_skb\n"
	"    labels: [name, len]\n"
	"  - name: send\n"
	"    function: tcp_sendmsg\n"
	"    labels: [caller]\n";

static struct config *cfg;
static struct parser *parser;
static struct pstate *states;	/* every probe up */
static int page_size;
static unsigned char *page;	/* page_size bytes, then the guard page */

/* A page_size buffer whose last byte is followed by an inaccessible page. */
static unsigned char *guarded_page(void)
{
	size_t sys = sysconf(_SC_PAGESIZE);
	size_t span = (page_size + sys - 1) / sys * sys;
	unsigned char *map = mmap(NULL, span + sys, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_int_equal(map == MAP_FAILED, 0);
	assert_int_equal(mprotect(map + span, sys, PROT_NONE), 0);
	return map + span - page_size;
}

/* The parser, once: formats and kallsyms are read at start-up only. */
static void setup(void)
{
	struct tep_handle *tep = fixture_tep_new("6.18");

	fixture_load_event(tep, "6.18", "skb_kfree_skb", "skb");
	fixture_load_event(tep, "6.18", "net_netif_receive_skb", "net");
	fixture_load_event(tep, "6.18", "ftrace_function", "ftrace");
	cfg = config_parse("fuzz.yaml", yaml, stderr);
	assert_non_null(cfg);
	parser = parser_new(tep, cfg);
	assert_non_null(parser);
	states = pstate_new(config_probe_count(cfg));
	assert_non_null(states);
	for (int i = 0; i < config_probe_count(cfg); i++)
		pstate_set(states, i, NULL);
	parser_count_up(parser, states);
	page_size = parser_page_size(parser);
	page = guarded_page();
}

static void render(const struct series_key *k, uint64_t count, void *arg)
{
	char vals[CONFIG_MAX_LABELS][LABEL_VALUE_MAX];

	(void)count;
	parser_render(parser, *(int *)arg, k, vals);
}

/* data as the hist text of each labelled tracepoint probe. */
static void hist_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct hist_totals t;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int p = 0; p < 2; p++)
		parser_hist_parse(parser, p, config_probe(cfg, p), text, render,
				  &p, &t);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned caps[3] = { 64, 64, 64 };
	struct metrics *m;
	struct parse_thread *t;

	if (!parser)
		setup();
	m = metrics_new(config_probe_count(cfg), caps, 1);
	t = m ? parse_thread_new(parser, metrics_shard(m, 0)) : NULL;
	if (t) {
		memset(page, 0, page_size);
		memcpy(page, data, size < (size_t)page_size ? size : page_size);
		parse_page(t, page);
		for (int p = 0; p < config_probe_count(cfg); p++)
			metrics_series_foreach(m, p, render, &p);
	}
	parse_thread_free(t);
	metrics_free(m);
	hist_text(data, size);
	return 0;
}
