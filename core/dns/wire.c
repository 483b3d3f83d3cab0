/*
 * wire.c — strict parsing of DNS queries (RFC 1035 header and question,
 * RFC 6891 OPT, RFC 7871 client subnet) and a bounds-checked message writer
 * with name compression.
 *
 * The parser trusts nothing in the packet: every read is checked against
 * the packet length, counts are validated before anything is read for them,
 * the question name must be uncompressed, the only record a query may carry
 * is a single OPT with the root owner in the additional section, and bytes
 * after the last record are an error. It decides what the answer path does
 * (answer, FORMERR, NOTIMP, BADVERS, or drop) and fills struct
 * pooldns_query so that the response can echo what was asked.
 *
 * The writer appends to a caller-owned fixed buffer; a write that does not
 * fit marks the writer failed and nothing more is written, so the encoder
 * checks once at the end (answer.c uses that to set TC).
 *
 * Owns nothing. Thread model: pure functions on caller-owned buffers, no
 * shared state, no allocation; used on the answer path from any thread.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/wire.h"

/* ---- reading ------------------------------------------------------------ */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Eight bytes lower-cased at once (ASCII A-Z only): for each byte, bit 7
 * of (b & 0x7f) + 0x3f says b >= 'A' and of (b & 0x7f) + 0x25 says
 * b > 'Z'; bytes with bit 7 set are left alone. No carry crosses a byte
 * since every sum stays below 0x100. */
static uint64_t lower8x(uint64_t x)
{
	const uint64_t hi = 0x8080808080808080ULL;
	uint64_t low7 = x & ~hi;
	uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3fULL;
	uint64_t gt_z = low7 + 0x2525252525252525ULL;
	uint64_t upper = (ge_a ^ gt_z) & ~x & hi;

	return x | (upper >> 2);
}

/* dst = src lower-cased (ASCII), a word at a time; never reads past n. */
static void lower_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, src + i, 8);
		w = lower8x(w);
		memcpy(dst + i, &w, 8);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, src + i, n - i);
		w = lower8x(w);
		memcpy(dst + i, &w, n - i);
	}
}

/*
 * Reads the uncompressed question name at *pos. On success copies it into
 * q->qname (as received) and q->qname_lower, advances *pos and returns 0;
 * -1 for a pointer, a reserved label type, a name over 255 bytes or one that
 * runs past the packet. The labels are walked first (length bytes only),
 * then the name is copied and lower-cased whole (length bytes are <= 63,
 * below 'A', so they pass through unchanged).
 */
static int read_qname(const uint8_t *pkt, size_t len, size_t *pos, struct pooldns_query *q)
{
	const uint8_t *src = pkt + *pos;
	size_t n = 0;
	size_t max = len - *pos; /* *pos <= len: the header was read */

	if (max > POOLDNS_NAME_MAX)
		max = POOLDNS_NAME_MAX;
	for (;;) {
		if (n >= max)
			return -1;
		uint8_t l = src[n];
		if (l > POOLDNS_LABEL_MAX)
			return -1; /* 0xC0 pointer or the reserved 0x40/0x80 types */
		if (n + (size_t)l + 1 > max)
			return -1; /* past the packet or past 255 bytes */
		n += (size_t)l + 1;
		if (l == 0)
			break;
	}
	memcpy(q->qname, src, n);
	lower_copy(q->qname_lower, src, n);
	q->qname_len = (uint8_t)n;
	*pos += n;
	return 0;
}

/* Parses the question at *pos (name, type, class). 0 or -1. */
static int read_question(const uint8_t *pkt, size_t len, size_t *pos, struct pooldns_query *q)
{
	size_t p = *pos;

	if (read_qname(pkt, len, &p, q) != 0)
		return -1;
	if (len - p < 4)
		return -1;
	q->qtype = get16(pkt + p);
	q->qclass = get16(pkt + p + 2);
	*pos = p + 4;
	return 0;
}

/*
 * Validates an RFC 7871 client subnet option body and stores it in q.
 * FORMERR (section 7.1.1 and 6): unknown family, source prefix longer than
 * the family's address, address not exactly ceil(prefix / 8) bytes, or
 * address bits set beyond the prefix. The scope prefix of a query is
 * ignored (it MUST be 0, but nothing depends on it).
 */
static int parse_ecs(const uint8_t *opt, size_t olen, struct pooldns_query *q)
{
	if (olen < 4)
		return -1;
	uint16_t family = get16(opt);
	uint8_t source = opt[2];
	size_t maxbits;
	int af;

	if (family == 1) {
		maxbits = 32;
		af = AF_INET;
	} else if (family == 2) {
		maxbits = 128;
		af = AF_INET6;
	} else {
		return -1;
	}
	if (source > maxbits)
		return -1;
	size_t nbytes = ((size_t)source + 7) / 8;
	if (olen - 4 != nbytes)
		return -1;
	const uint8_t *addr = opt + 4;
	if (source % 8 != 0) {
		uint8_t mask = (uint8_t)(0xffu >> (source % 8));
		if (addr[nbytes - 1] & mask)
			return -1;
	}
	memset(&q->ecs_client, 0, sizeof q->ecs_client);
	q->ecs_client.family = af;
	q->ecs_client.prefix = source;
	memcpy(q->ecs_client.addr, addr, nbytes);
	q->ecs = true;
	return 0;
}

/* Walks the options of an OPT RDATA (version 0). 0 or -1 (FORMERR). */
static int parse_opt_options(const uint8_t *rd, size_t rdlen, struct pooldns_query *q)
{
	size_t p = 0;

	while (p < rdlen) {
		if (rdlen - p < 4)
			return -1;
		uint16_t code = get16(rd + p);
		uint16_t olen = get16(rd + p + 2);
		p += 4;
		if (rdlen - p < olen)
			return -1;
		if (code == POOLDNS_EDNS_OPT_ECS) {
			if (q->ecs)
				return -1; /* two client subnets: ambiguous */
			if (parse_ecs(rd + p, olen, q) != 0)
				return -1;
		}
		/* Any other option is ignored (RFC 6891 6.1.2). */
		p += olen;
	}
	return 0;
}

/*
 * Parses one additional record at *pos. Only an OPT with the root owner is
 * acceptable, and only once. Returns POOLDNS_PARSE_OK or _FORMERR.
 */
static enum pooldns_parse_status read_additional(const uint8_t *pkt, size_t len, size_t *pos,
						 struct pooldns_query *q)
{
	size_t p = *pos;

	/* Owner: must be the root (a single 0 byte); anything else, including
	 * a pointer, is not an OPT and is not allowed in a query. */
	if (p >= len || pkt[p] != 0)
		return POOLDNS_PARSE_FORMERR;
	p++;
	if (len - p < 10)
		return POOLDNS_PARSE_FORMERR;
	uint16_t type = get16(pkt + p);
	uint16_t cls = get16(pkt + p + 2);
	uint32_t ttl = get32(pkt + p + 4);
	uint16_t rdlen = get16(pkt + p + 8);
	p += 10;
	if (type != POOLDNS_TYPE_OPT)
		return POOLDNS_PARSE_FORMERR;
	if (q->edns)
		return POOLDNS_PARSE_FORMERR; /* RFC 6891 6.1.1: more than one OPT */
	if (len - p < rdlen)
		return POOLDNS_PARSE_FORMERR;
	q->edns = true;
	q->edns_udp_size = cls;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & 0x8000u) != 0;
	/* Options of an unknown version may mean anything: only version 0
	 * options are interpreted (the caller answers BADVERS otherwise). */
	if (q->edns_version == 0 && parse_opt_options(pkt + p, rdlen, q) != 0) {
		q->ecs = false;
		return POOLDNS_PARSE_FORMERR;
	}
	*pos = p + rdlen;
	return POOLDNS_PARSE_OK;
}

enum pooldns_parse_status pooldns_wire_parse_query(const uint8_t *pkt, size_t len,
						   struct pooldns_query *q)
{
	/* Everything but the two name arrays, which read_qname() fills as
	 * far as the name goes (see wire.h). */
	memset(q, 0, offsetof(struct pooldns_query, qname));
	if (pkt == NULL || len < POOLDNS_HEADER_LEN)
		return POOLDNS_PARSE_DROP;

	uint16_t flags = get16(pkt + 2);
	if (flags & POOLDNS_FLAG_QR)
		return POOLDNS_PARSE_DROP; /* a response: never answer it (loops) */
	q->id = get16(pkt);
	q->flags = flags;
	q->opcode = (uint8_t)((flags >> 11) & 0x0f);
	q->header_ok = true;

	uint16_t qdcount = get16(pkt + 4);
	uint16_t ancount = get16(pkt + 6);
	uint16_t nscount = get16(pkt + 8);
	uint16_t arcount = get16(pkt + 10);
	size_t pos = POOLDNS_HEADER_LEN;

	/* The question is read first, whatever else is wrong, so that error
	 * responses can echo it when it is intact. */
	if (qdcount == 1) {
		if (read_question(pkt, len, &pos, q) == 0)
			q->question_ok = true;
	}
	if (q->opcode != POOLDNS_OPCODE_QUERY) {
		/* Still look for an OPT so that the NOTIMP carries one
		 * (RFC 6891 7); errors here do not change the answer. */
		if (q->question_ok && ancount == 0 && nscount == 0) {
			for (uint16_t i = 0; i < arcount; i++)
				if (read_additional(pkt, len, &pos, q) != POOLDNS_PARSE_OK)
					break;
		}
		q->ecs = false;
		return POOLDNS_PARSE_NOTIMP;
	}
	if (qdcount != 1 || !q->question_ok || ancount != 0 || nscount != 0)
		return POOLDNS_PARSE_FORMERR;

	for (uint16_t i = 0; i < arcount; i++) {
		if (read_additional(pkt, len, &pos, q) != POOLDNS_PARSE_OK)
			return POOLDNS_PARSE_FORMERR;
	}
	if (pos != len)
		return POOLDNS_PARSE_FORMERR; /* trailing bytes */
	if (q->edns && q->edns_version > 0)
		return POOLDNS_PARSE_BADVERS;
	return POOLDNS_PARSE_OK;
}

/* ---- writing ------------------------------------------------------------ */

void pooldns_writer_init(struct pooldns_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
	w->nnames = 0;
}

void pooldns_writer_put16_at(struct pooldns_writer *w, size_t off, uint16_t v)
{
	if (off > w->len || w->len - off < 2) {
		w->overflow = true;
		return;
	}
	w->buf[off] = (uint8_t)(v >> 8);
	w->buf[off + 1] = (uint8_t)v;
}

static uint8_t lower8(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * True when the name written at buffer offset off (possibly ending in
 * pointers, all of which were written by this writer and point backwards)
 * equals the uncompressed wire name s[0..slen), ignoring ASCII case.
 */
static bool buf_name_equals(const struct pooldns_writer *w, size_t off, const uint8_t *s,
			    size_t slen)
{
	size_t sp = 0;
	unsigned hops = 0;

	for (;;) {
		if (off >= w->len || sp >= slen)
			return false;
		uint8_t l = w->buf[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= w->len || ++hops > 127)
				return false;
			size_t to = ((size_t)(l & 0x3f) << 8) | w->buf[off + 1];
			if (to >= off)
				return false;
			off = to;
			continue;
		}
		if (l > POOLDNS_LABEL_MAX || l != s[sp])
			return false;
		if (l == 0)
			return true;
		if (off + 1 + l > w->len || sp + 1 + l > slen)
			return false;
		for (size_t i = 1; i <= l; i++)
			if (lower8(w->buf[off + i]) != lower8(s[sp + i]))
				return false;
		off += (size_t)l + 1;
		sp += (size_t)l + 1;
	}
}

/*
 * The first name of a message (the question's): nothing to compress
 * against, so it is copied whole and only its suffixes are remembered. The
 * same bytes and the same table as the general path below.
 */
static void writer_first_name(struct pooldns_writer *w, const uint8_t *name, size_t len)
{
	size_t p = 0;

	for (;;) {
		if (p >= len || p >= POOLDNS_NAME_MAX) {
			w->overflow = true; /* not a valid name: refuse to write it */
			return;
		}
		uint8_t l = name[p];
		if (l > POOLDNS_LABEL_MAX || p + (size_t)l + 1 > len) {
			w->overflow = true;
			return;
		}
		if (l == 0)
			break;
		p += (size_t)l + 1;
	}
	size_t name_len = p + 1, at = w->len;
	uint8_t *d = pooldns_writer_reserve(w, name_len);
	if (d == NULL)
		return;
	memcpy(d, name, name_len);
	for (p = 0; name[p] != 0 && w->nnames < POOLDNS_WRITER_MAX_NAMES;
	     p += (size_t)name[p] + 1) {
		if (at + p > 0x3fff)
			break;
		w->name_off[w->nnames++] = (uint16_t)(at + p);
	}
}

void pooldns_writer_name(struct pooldns_writer *w, const uint8_t *name, size_t len)
{
	if (w->nnames == 0 && !w->overflow) {
		writer_first_name(w, name, len);
		return;
	}

	size_t starts[POOLDNS_NAME_MAX / 2 + 1]; /* offsets of label starts in name */
	size_t nlabels = 0;
	size_t p = 0;

	if (w->overflow)
		return;
	/* Validate the name and note where each label starts. */
	for (;;) {
		if (p >= len || p >= POOLDNS_NAME_MAX) {
			w->overflow = true; /* not a valid name: refuse to write it */
			return;
		}
		uint8_t l = name[p];
		if (l > POOLDNS_LABEL_MAX || p + (size_t)l + 1 > len) {
			w->overflow = true;
			return;
		}
		if (l == 0)
			break;
		starts[nlabels++] = p;
		p += (size_t)l + 1;
	}
	size_t name_len = p + 1;

	/* Longest suffix already in the message: first label index k whose
	 * suffix matches a remembered name. */
	size_t k = nlabels;
	uint16_t ptr = 0;
	for (size_t i = 0; i < nlabels && k == nlabels; i++) {
		for (size_t j = 0; j < w->nnames; j++) {
			if (buf_name_equals(w, w->name_off[j], name + starts[i],
					    name_len - starts[i])) {
				k = i;
				ptr = w->name_off[j];
				break;
			}
		}
	}

	size_t prefix = (k == nlabels) ? name_len : starts[k];
	size_t need = prefix + (k == nlabels ? 0 : 2);
	size_t at = w->len;
	uint8_t *d = pooldns_writer_reserve(w, need);
	if (d == NULL)
		return;
	memcpy(d, name, prefix);
	if (k != nlabels) {
		d[prefix] = (uint8_t)(0xc0 | (ptr >> 8));
		d[prefix + 1] = (uint8_t)ptr;
	}
	/* Remember the suffixes written out in full (pointers reach 14 bits). */
	for (size_t i = 0; i < k && w->nnames < POOLDNS_WRITER_MAX_NAMES; i++) {
		size_t off = at + starts[i];
		if (off > 0x3fff)
			break;
		w->name_off[w->nnames++] = (uint16_t)off;
	}
}
