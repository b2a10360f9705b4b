/* labels: reading and rendering one label (see labels.h). Field kinds are
 * decided once from the event's format and print format, never from numbers
 * or names baked in here. */
#include "parse/labels.h"

#include <arpa/inet.h>
#include <event-parse.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtab/addrtab.h"
#include "parse/ksyms.h"
#include "pktwin/pktwin.h"
#include "strtab/strtab.h"

static uint64_t read_uint(const void *p, int size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64 = 0;

	switch (size) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	case 8: memcpy(&u64, p, 8); return u64;	/* inline, no call */
	default: memcpy(&u64, p, size < 8 ? size : 8); return u64;
	}
}

static int64_t sign_extend(uint64_t v, int size)
{
	int shift = 64 - 8 * (size < 8 ? size : 8);

	return (int64_t)(v << shift) >> shift;
}

/* The field an arg names, looking through casts: "(void *)REC->ip". */
static const char *arg_field_name(const struct tep_print_arg *arg)
{
	while (arg && arg->type == TEP_PRINT_TYPE)
		arg = arg->typecast.item;
	return arg && arg->type == TEP_PRINT_FIELD ? arg->field.name : NULL;
}

/* Walks arg and its children for a __print_symbolic over field name. */
static const struct tep_print_arg *find_symbolic(const struct tep_print_arg *a,
						 const char *name)
{
	const struct tep_print_arg *hit = NULL;
	const char *f;

	for (; a && !hit; a = a->next) {
		switch (a->type) {
		case TEP_PRINT_SYMBOL:
			f = arg_field_name(a->symbol.field);
			if (f && !strcmp(f, name))
				return a;
			break;
		case TEP_PRINT_OP:
			hit = find_symbolic(a->op.left, name);
			if (!hit)
				hit = find_symbolic(a->op.right, name);
			break;
		case TEP_PRINT_TYPE:
			hit = find_symbolic(a->typecast.item, name);
			break;
		default:
			break;
		}
	}
	return hit;
}

static int enum_cmp(const void *a, const void *b)
{
	const struct enum_name *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* Builds l->names from a __print_symbolic arg. -1 on allocation failure. */
static int enum_build(struct label *l, const struct tep_print_arg *sym)
{
	const struct tep_print_flag_sym *s;
	int n = 0;

	for (s = sym->symbol.symbols; s; s = s->next)
		n++;
	l->names = calloc(n ? n : 1, sizeof(*l->names));
	if (!l->names)
		return -1;
	for (s = sym->symbol.symbols; s; s = s->next) {
		l->names[l->nnames].value = strtoull(s->value, NULL, 0);
		l->names[l->nnames].name = strdup(s->str);
		if (!l->names[l->nnames++].name)
			return -1;
	}
	qsort(l->names, l->nnames, sizeof(*l->names), enum_cmp);
	return 0;
}

/* Skips one printf conversion at *fmt (just past '%'); returns its
 * conversion char and counts the args it consumes into *nargs. */
static char skip_conversion(const char **fmt, int *nargs)
{
	const char *p = *fmt;

	while (*p && strchr("-+ #0123456789.*lhzjtqL", *p)) {
		if (*p == '*')
			(*nargs)++;
		p++;
	}
	*fmt = *p ? p + 1 : p;
	return *p;
}

/* The conversion the print format prints field name with, when it is a
 * %p: the text just past the 'p' ("S", "I4", "ISpc", ...); NULL when the
 * field is printed otherwise or not at all. */
static const char *printed_as_pointer(const struct tep_event *event,
				      const char *name)
{
	const char *fmt = event->print_fmt.format;
	const struct tep_print_arg *arg = event->print_fmt.args;
	int skip;
	char c;

	while (fmt && (fmt = strchr(fmt, '%'))) {
		if (fmt[1] == '%') {
			fmt += 2;
			continue;
		}
		fmt++;
		skip = 0;
		c = skip_conversion(&fmt, &skip);
		while (skip-- && arg)
			arg = arg->next;
		if (!arg)
			break;
		if (c == 'p') {
			const char *f = arg_field_name(arg);

			if (f && !strcmp(f, name))
				return fmt;
		}
		arg = arg->next;
	}
	return NULL;
}

/* True when the print format prints field name with %pS/%ps/%pB/%pF. */
static bool printed_as_symbol(const struct tep_event *event, const char *name)
{
	const char *ext = printed_as_pointer(event, name);

	return ext && *ext && strchr("SsBFf", *ext);
}

/* The IPv6 field that goes with IPv4 field v4 (the kernel names the pair
 * saddr/saddr_v6, daddr/daddr_v6), or -1 when the event has none. */
static int addr_v6_sibling(struct tep_event *event, const char *v4)
{
	struct tep_format_field *f;
	char name[128];
	const char *ext;

	snprintf(name, sizeof(name), "%s_v6", v4);
	f = tep_find_field(event, name);
	ext = f ? printed_as_pointer(event, name) : NULL;
	return ext && (ext[0] == 'I' || ext[0] == 'i') && ext[1] == '6' &&
	       f->size == 16 ? f->offset : -1;
}

/* Resolves field f, printed with %pI4, %pI6 or %pIS (ext: past the 'p'),
 * as an address label; false when f is no address field. A sockaddr
 * (%pIS) says its own family; an IPv4 field with an IPv6 sibling follows
 * the event's `family` field. */
static bool addr_resolve(struct label *l, struct tep_event *event,
			 const struct tep_format_field *f, const char *ext)
{
	struct tep_format_field *fam = tep_find_field(event, "family");
	struct addr_at *a = &l->addr;

	a->v4 = a->v6 = a->family = -1;
	if (!ext || (ext[0] != 'I' && ext[0] != 'i'))
		return false;
	if (ext[1] == 'S' && f->size >= (int)sizeof(struct sockaddr_in6)) {
		a->family = f->offset;
		a->family_size = sizeof(sa_family_t);
		a->v4 = f->offset + offsetof(struct sockaddr_in, sin_addr);
		a->v6 = f->offset + offsetof(struct sockaddr_in6, sin6_addr);
	} else if (ext[1] == '4' && f->size == 4) {
		a->v4 = f->offset;
		a->v6 = addr_v6_sibling(event, f->name);
		if (a->v6 >= 0 && fam && !(fam->flags & TEP_FIELD_IS_ARRAY)) {
			a->family = fam->offset;
			a->family_size = fam->size;
		}
	} else if (ext[1] == '6' && f->size == 16) {
		a->v6 = f->offset;
	} else {
		return false;
	}
	l->kind = LBL_ADDR;
	return true;
}

static enum label_kind field_kind(const struct tep_format_field *f,
				  struct tep_event *event)
{
	if (f->flags & TEP_FIELD_IS_DYNAMIC)
		return f->flags & TEP_FIELD_IS_RELATIVE ? LBL_RELLOC : LBL_DATALOC;
	if (f->flags & TEP_FIELD_IS_STRING)
		return LBL_STR;
	if (printed_as_symbol(event, f->name))
		return LBL_SYM;
	if (f->flags & (TEP_FIELD_IS_POINTER | TEP_FIELD_IS_ARRAY))
		return LBL_HEX;
	return f->flags & TEP_FIELD_IS_SIGNED ? LBL_INT : LBL_UINT;
}

int label_resolve(struct label *l, struct tep_event *event, const char *name)
{
	struct tep_format_field *f = tep_find_field(event, name);
	const struct tep_print_arg *sym;

	memset(l, 0, sizeof(*l));
	if (!f)
		return -1;
	l->offset = f->offset;
	l->size = f->size;
	if (addr_resolve(l, event, f, printed_as_pointer(event, name)))
		return 0;
	sym = find_symbolic(event->print_fmt.args, name);
	if (sym && !(f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC))) {
		l->kind = LBL_ENUM;
		return enum_build(l, sym);
	}
	l->kind = field_kind(f, event);
	return 0;
}

/* Locates field name of event in *f with the size pkg/pktwin reads
 * (size, or any up to 8 when size is 0); false when it cannot. */
static bool pkt_field(struct tep_event *event, const char *name, int size,
		      struct pkt_field *f)
{
	struct tep_format_field *tf = tep_find_field(event, name);

	if (!tf || (size ? tf->size != size : tf->size > 8))
		return false;
	f->offset = tf->offset;
	f->size = tf->size;
	return true;
}

int label_resolve_window(struct label *l, struct tep_event *event,
			 const char *name)
{
	struct pkt_at *a = &l->pkt;

	memset(l, 0, sizeof(*l));
	a->what = pktwin_label(name);
	if (a->what < 0 || !pkt_field(event, PKTWIN_F_HEAD, 0, &a->head) ||
	    !pkt_field(event, PKTWIN_F_DATA, 0, &a->data) ||
	    !pkt_field(event, PKTWIN_F_NH, 0, &a->nh) ||
	    !pkt_field(event, PKTWIN_F_TH, 0, &a->th) ||
	    !pkt_field(event, PKTWIN_F_PROTO, 0, &a->proto) ||
	    !pkt_field(event, PKTWIN_F_WIN, PKTWIN_LEN, &a->win))
		return -1;
	l->kind = LBL_PKT;
	return 0;
}

void label_kind_from(struct label *l, struct tep_event *tp, const char *name)
{
	struct label t;

	if (!tp || label_resolve(&t, tp, name))
		return;
	if (t.kind == LBL_ENUM || t.kind == LBL_SYM || t.kind == LBL_HEX) {
		l->kind = t.kind;
		l->names = t.names;
		l->nnames = t.nnames;
		return;
	}
	label_fini(&t);
}

void label_fini(struct label *l)
{
	for (int i = 0; i < l->nnames; i++)
		free(l->names[i].name);
	free(l->names);
	l->names = NULL;
	l->nnames = 0;
}

/* Interns the string of at most len bytes at off of rec (rsize bytes) into
 * *id: 0 for "" when it lies outside rec. -1 when the table is full. */
static int intern_str(uint64_t *id, const char *rec, int rsize, int off,
		      int len)
{
	*id = 0;
	if (off < 0 || off >= rsize)
		return 0;
	if (len > rsize - off)
		len = rsize - off;
	return strtab_intern(strtab_labels(), rec + off, len, id);
}

/* Reads address label l into *key (pkg/addrtab): the IPv4 field when the
 * family says AF_INET (or the event has only that field), else the IPv6
 * field. A record too short for it leaves 0 (renders "::"). -1 when the
 * address is a new IPv6 one and the address table is full. */
static int addr_read(const struct label *l, const char *rec, int rsize,
		     uint64_t *key)
{
	const struct addr_at *a = &l->addr;
	bool v4 = a->v6 < 0;
	int off;

	if (a->family >= 0 && a->family + a->family_size <= rsize)
		v4 = read_uint(rec + a->family, a->family_size) == AF_INET;
	off = v4 ? a->v4 : a->v6;
	if (off < 0 || off + (v4 ? 4 : 16) > rsize)
		return 0;
	if (v4) {
		*key = addrtab_v4(rec + off);
		return 0;
	}
	return addrtab_key(addrtab_labels(), rec + off, key);
}

int label_read(const struct label *l, const void *rec, int rsize,
	       struct series_key *key, int i)
{
	uint32_t word;

	switch (l->kind) {
	case LBL_ABSENT:
	case LBL_PKT:	/* the probe's whole window: parse.c */
		break;
	case LBL_ADDR:
		return addr_read(l, rec, rsize, &key->v[i].num);
	case LBL_STR:
		return intern_str(&key->v[i].str, rec, rsize, l->offset,
				  l->size);
	case LBL_DATALOC:
	case LBL_RELLOC:
		if (l->offset + 4 > rsize)
			break;
		word = read_uint((const char *)rec + l->offset, 4);
		return intern_str(&key->v[i].str, rec, rsize,
				  (word & 0xffff) + (l->kind == LBL_RELLOC ?
						     l->offset + l->size : 0),
				  word >> 16);
	default:
		if (l->offset + (l->size < 8 ? l->size : 8) <= rsize)
			key->v[i].num = read_uint((const char *)rec + l->offset,
						  l->size);
		break;
	}
	return 0;
}

/* Field f of a record of rsize bytes as a number (0 past its end). */
static uint64_t pkt_read(const struct pkt_field *f, const char *rec,
			 int rsize)
{
	return f->offset + f->size <= rsize ? read_uint(rec + f->offset,
							f->size) : 0;
}

int label_window_extract(const struct label *l, const void *rec, int rsize,
			 struct pktwin_out *out)
{
	const struct pkt_at *a = &l->pkt;
	struct pktwin_in in = {
		.head = pkt_read(&a->head, rec, rsize),
		.data = pkt_read(&a->data, rec, rsize),
		.nh = pkt_read(&a->nh, rec, rsize),
		.th = pkt_read(&a->th, rec, rsize),
		.proto = pkt_read(&a->proto, rec, rsize),
		.win = (const uint8_t *)rec + a->win.offset,
	};

	if (a->win.offset + PKTWIN_LEN > rsize) {
		memset(out, 0, sizeof(*out));
		return PKTWIN_OUTSIDE;
	}
	return pktwin_extract(&in, out);
}

/* Stores the address key (pkg/addrtab) of saddr (at 0) or daddr (at 16)
 * of out, plus 1, in key slot i: label_read() reads it as an address
 * label of a record of those 32 bytes, so that addr_read() keeps its one
 * caller (another call of it or of addrtab_key() kept the compiler from
 * inlining them there: 8 % fewer address events per second). */
static int pkt_addr_key(const struct pktwin_out *out, int at,
			struct series_key *key, int i)
{
	static const struct label v4 = { .kind = LBL_ADDR,
					 .addr = { 0, -1, -1, 0 } };
	static const struct label v6 = { .kind = LBL_ADDR,
					 .addr = { -1, 0, -1, 0 } };
	uint8_t both[32];

	memcpy(both, out->saddr, 16);
	memcpy(both + 16, out->daddr, 16);
	if (label_read(out->family == 4 ? &v4 : &v6, both + at,
		       (int)sizeof(both) - at, key, i))
		return -1;
	key->v[i].num++;
	return 0;
}

int label_window_store(const struct label *l, const struct pktwin_out *out,
		       int status, struct series_key *key, int i)
{
	uint64_t *v = &key->v[i].num;

	*v = 0;
	if (status == PKTWIN_OUTSIDE || status == PKTWIN_NOT_IP)
		return 0;
	switch (l->pkt.what) {
	case PKTWIN_L_SADDR:
		return pkt_addr_key(out, 0, key, i);
	case PKTWIN_L_DADDR:
		return pkt_addr_key(out, 16, key, i);
	case PKTWIN_L_L4PROTO:
		*v = out->l4proto + 1ULL;
		return 0;
	}
	if (status == PKTWIN_PORTS)
		*v = (l->pkt.what == PKTWIN_L_SPORT ? out->sport :
						      out->dport) + 1ULL;
	return 0;
}

static const char *enum_name(const struct label *l, uint64_t v)
{
	struct enum_name key = { .value = v }, *hit;

	hit = bsearch(&key, l->names, l->nnames, sizeof(key), enum_cmp);
	return hit ? hit->name : NULL;
}

int label_from_text(const struct label *l, const char *text, size_t len,
		    struct series_key *key, int i)
{
	char num[24];

	switch (l->kind) {
	case LBL_ABSENT:
	case LBL_ADDR:	/* address and packet labels are never hist keys */
	case LBL_PKT:	/* (parser_hist_refused()) */
		break;
	case LBL_STR:
	case LBL_DATALOC:
	case LBL_RELLOC:
		return strtab_intern(strtab_labels(), text, len,
				     &key->v[i].str);
	default:
		snprintf(num, sizeof(num), "%.*s", (int)len, text);
		key->v[i].num = strtoull(num, NULL, 10);
		break;
	}
	return 0;
}

/* Writes the address of key slot i (pkg/addrtab) as inet_ntop() does (RFC
 * 5952 for IPv6, as Kubernetes writes pod IPs); an IPv4-mapped address as
 * plain IPv4, so one peer is one value whatever the socket's family. */
static void addr_render(const struct series_key *key, int i, char *out,
			size_t size)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char text[INET6_ADDRSTRLEN] = "";
	uint8_t b[16];
	bool v4;

	addrtab_bytes(addrtab_labels(), key->v[i].num, b);
	v4 = !memcmp(b, mapped, sizeof(mapped));
	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? b + 12 : b, text, sizeof(text));
	snprintf(out, size, "%s", text);
}

/* Writes window label l's value (label_window_store()): empty when not
 * reached, an address as addr_render() does, a number in decimal. */
static void pkt_render(const struct label *l, uint64_t v, char *out,
		       size_t size)
{
	struct series_key k = { 0 };

	if (!v) {
		*out = '\0';
	} else if (l->pkt.what == PKTWIN_L_SADDR ||
		   l->pkt.what == PKTWIN_L_DADDR) {
		k.v[0].num = v - 1;
		addr_render(&k, 0, out, size);
	} else {
		snprintf(out, size, "%llu", (unsigned long long)(v - 1));
	}
}

void label_render(const struct label *l, const struct render_env *env,
		  const struct series_key *key, int i, char *out, size_t size)
{
	uint64_t v = key->v[i].num;
	const char *name = NULL;

	switch (l->kind) {
	case LBL_ABSENT:
		*out = '\0';
		return;
	case LBL_ADDR:
		addr_render(key, i, out, size);
		return;
	case LBL_PKT:
		pkt_render(l, v, out, size);
		return;
	case LBL_STR:
	case LBL_DATALOC:
	case LBL_RELLOC:
		snprintf(out, size, "%s", strtab_str(strtab_labels(),
						     key->v[i].str));
		return;
	case LBL_INT:
		snprintf(out, size, "%lld", (long long)sign_extend(v, l->size));
		return;
	case LBL_ENUM:
		name = enum_name(l, v);
		break;
	case LBL_SYM:
		name = env->syms ? ksyms_name(env->syms, v) : NULL;
		break;
	case LBL_HEX:
		if (env->syms && v >= env->text_lo && v < env->text_hi)
			name = ksyms_name(env->syms, v);
		break;
	default:
		break;
	}
	if (name && l->kind == LBL_ENUM)
		snprintf(out, size, "%s", name);
	else if (name)	/* without compiler clone suffixes: .part.0, .isra.0 */
		snprintf(out, size, "%.*s", (int)strcspn(name, "."), name);
	else if (l->kind == LBL_HEX || l->kind == LBL_SYM)
		snprintf(out, size, "0x%llx", (unsigned long long)v);
	else
		snprintf(out, size, "%llu", (unsigned long long)v);
}
