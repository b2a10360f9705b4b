/* labels: private to pkg/parse. How one label value is read from a record
 * and rendered back to text. */
#ifndef FTE_PARSE_LABELS_H
#define FTE_PARSE_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "parse/parse.h"

struct ksyms;
struct tep_event;

enum label_kind {
	LBL_ABSENT,	/* field not in this kernel's event: empty value */
	LBL_UINT,
	LBL_INT,
	LBL_HEX,	/* pointer printed with %p */
	LBL_ENUM,	/* __print_symbolic: the kernel's own names */
	LBL_SYM,	/* %pS/%ps pointer: function name */
	LBL_STR,	/* char[N] */
	LBL_DATALOC,	/* __data_loc char[] */
	LBL_RELLOC,	/* __rel_loc char[] */
	LBL_ADDR,	/* IPv4/IPv6 (%pI4, %pI6, %pISpc): key from pkg/addrtab */
	LBL_PKT,	/* saddr, daddr, sport, dport, l4proto: from the skb
			 * event probe's window (pkg/pktwin) */
};

/* Where an address label finds its bytes (offsets in the record, -1 when
 * the event has no such field): the IPv4 field, the IPv6 field, and the
 * field whose value (AF_INET or not) says which one holds the address. */
struct addr_at {
	int v4, v6;
	int family, family_size;
};

/* Where a window label finds the event probe's skb fields (offset and
 * size in the record). */
struct pkt_field {
	int offset, size;
};

struct pkt_at {
	struct pkt_field head, data, nh, th, proto, win;
	int what;	/* enum pktwin_label */
};

struct enum_name {
	uint64_t value;
	char *name;
};

struct label {
	enum label_kind kind;
	int offset, size;
	struct enum_name *names;	/* LBL_ENUM, sorted by value */
	int nnames;
	struct addr_at addr;	/* LBL_ADDR */
	struct pkt_at pkt;	/* LBL_PKT */
};

/* Resolves label name of event into l. Returns 0, or -1 when the field is
 * missing (l->kind is then LBL_ABSENT). */
int label_resolve(struct label *l, struct tep_event *event, const char *name);
void label_fini(struct label *l);
/* Resolves window label name (pktwin_label()) of an skb event probe into
 * l: the PKTWIN_F_* fields of event. Returns 0, or -1 when a field is
 * missing or of another size than pkg/pktwin reads (l->kind is then
 * LBL_ABSENT). */
int label_resolve_window(struct label *l, struct tep_event *event,
			 const char *name);
/* Takes the kind (and enum names) of field name of the tracepoint tp into
 * l, resolved on an event probe of tp that copies the field as a plain
 * number ($reason has no __print_symbolic there, $location no %pS). */
void label_kind_from(struct label *l, struct tep_event *tp,
		     const char *name);
struct pktwin_out;
/* Runs pkg/pktwin on the window fields of a record of rsize bytes that l
 * (LBL_PKT) locates; returns the enum pktwin_status, *out filled. */
int label_window_extract(const struct label *l, const void *rec, int rsize,
			 struct pktwin_out *out);
/* Stores window label l's value from what label_window_extract() gave
 * (status) into key slot i: 0 when extraction did not reach it (rendered
 * empty), else the address key or the number, plus 1. Returns 0, or -1
 * with errno ENOSPC as label_read(). */
int label_window_store(const struct label *l, const struct pktwin_out *out,
		       int status, struct series_key *key, int i);
/* Reads l's raw value from a record of rsize bytes into key slot i: a
 * number, or a string's id in strtab_labels(); an address, as its key in
 * addrtab_labels() (IPv4 and IPv4-mapped, ::ffff:a.b.c.d as the kernel
 * fills its IPv6 fields for AF_INET sockets, as IPv4): no formatting per
 * event. Returns 0, or -1 with errno ENOSPC when the string or IPv6
 * address is new and its table is full (no value stored). */
int label_read(const struct label *l, const void *rec, int rsize,
	       struct series_key *key, int i);
/* Stores label l's value printed as text (len bytes, as a hist file shows
 * it: decimal for numbers, the string itself) into key slot i, the same
 * way label_read() stores it from a record, and fails the same way. */
int label_from_text(const struct label *l, const char *text, size_t len,
		    struct series_key *key, int i);
/* The resolved label l of probe (pkg/parse only). */
const struct label *parser_label(const struct parser *p, int probe, int l);
/* What rendering needs besides the label: the kernel's text symbols (NULL
 * when no label names addresses), and the kernel text range, so a plain %p
 * code address (kfree_skb `location` before Linux 5.x printed it with %pS)
 * is named while data pointers are not. */
struct render_env {
	const struct ksyms *syms;
	uint64_t text_lo, text_hi;
};

void label_render(const struct label *l, const struct render_env *env,
		  const struct series_key *key, int i, char *out, size_t size);

#endif
