/*
 * wire.h — strict DNS query parsing and a bounds-checked message writer.
 *
 * Parsing (RFC 1035 header + one question, RFC 6891 OPT, RFC 7871 client
 * subnet) never reads past the packet and never trusts a count: qdcount must
 * be 1, compression pointers are rejected in the question, an OPT record
 * must be the only one of its kind and sit in the additional section with
 * owner "." Anything else in the query (answer/authority records) is
 * rejected.
 *
 * Thread-safety: pure functions on caller-owned buffers; no allocation.
 */
#ifndef POOLDNS_WIRE_H
#define POOLDNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/dns/client.h"
#include "core/dns/dname.h"

#define POOLDNS_HEADER_LEN   12
#define POOLDNS_UDP_MIN      512  /* without EDNS */
#define POOLDNS_EDNS_DEFAULT 1232 /* our default payload size (DNS flag day 2020) */
#define POOLDNS_MSG_MAX      65535

/* RR types, classes and rcodes used by pooldns. */
enum {
	POOLDNS_TYPE_A = 1,
	POOLDNS_TYPE_NS = 2,
	POOLDNS_TYPE_CNAME = 5,
	POOLDNS_TYPE_SOA = 6,
	POOLDNS_TYPE_AAAA = 28,
	POOLDNS_TYPE_OPT = 41,
	POOLDNS_TYPE_ANY = 255,
	POOLDNS_CLASS_IN = 1,
	POOLDNS_CLASS_ANY = 255,
	POOLDNS_RCODE_NOERROR = 0,
	POOLDNS_RCODE_FORMERR = 1,
	POOLDNS_RCODE_SERVFAIL = 2,
	POOLDNS_RCODE_NXDOMAIN = 3,
	POOLDNS_RCODE_NOTIMP = 4,
	POOLDNS_RCODE_REFUSED = 5,
	POOLDNS_RCODE_BADVERS = 16, /* extended: needs OPT */
	POOLDNS_EDNS_OPT_ECS = 8,
};

/* Header flag bits (host order, as in the second 16-bit header word). */
#define POOLDNS_FLAG_QR 0x8000u
#define POOLDNS_FLAG_AA 0x0400u
#define POOLDNS_FLAG_TC 0x0200u
#define POOLDNS_FLAG_RD 0x0100u
#define POOLDNS_FLAG_RA 0x0080u
#define POOLDNS_FLAG_Z  0x0040u /* reserved: zero (RFC 1035 4.1.1) */
#define POOLDNS_FLAG_AD 0x0020u
#define POOLDNS_FLAG_CD 0x0010u

/* Opcodes (RFC 6895 2.2): only QUERY is answered, all others get NOTIMP. */
enum {
	POOLDNS_OPCODE_QUERY = 0,
	POOLDNS_OPCODE_IQUERY = 1, /* obsolete (RFC 3425) */
	POOLDNS_OPCODE_STATUS = 2,
	POOLDNS_OPCODE_NOTIFY = 4, /* RFC 1996 */
	POOLDNS_OPCODE_UPDATE = 5, /* RFC 2136 */
	POOLDNS_OPCODE_DSO = 6,    /* RFC 8490 */
};

enum pooldns_parse_status {
	POOLDNS_PARSE_OK = 0,
	POOLDNS_PARSE_DROP,    /* not worth an answer: shorter than a header, or QR set */
	POOLDNS_PARSE_FORMERR, /* header readable, rest malformed: answer FORMERR */
	POOLDNS_PARSE_NOTIMP,  /* opcode other than QUERY */
	POOLDNS_PARSE_BADVERS, /* EDNS version > 0 */
};

struct pooldns_query {
	uint16_t id;
	uint16_t flags; /* header flags word as received */
	uint8_t opcode;
	bool header_ok;   /* id/flags valid (everything but DROP) */
	bool question_ok; /* qname/qtype/qclass valid: may be echoed */
	uint8_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	/* EDNS (RFC 6891) */
	bool edns;
	uint8_t edns_version;
	uint16_t edns_udp_size; /* as requested; values below 512 mean 512 */
	bool edns_do;
	/* EDNS client subnet (RFC 7871) */
	bool ecs;
	struct pooldns_client ecs_client; /* family, addr masked, prefix = source prefix */
	/* Last, and not cleared by the parser: only the first qname_len
	 * bytes are written and meaningful (when question_ok). */
	uint8_t qname[POOLDNS_NAME_MAX];       /* as received: the client's case */
	uint8_t qname_lower[POOLDNS_NAME_MAX]; /* for lookups */
};

/* Parses a query. On any status other than DROP, q->id/flags/opcode are
 * set; question fields are set when q->question_ok (qname and qname_lower
 * only up to qname_len: the rest of those arrays is left as it was). */
enum pooldns_parse_status pooldns_wire_parse_query(const uint8_t *pkt, size_t len,
						   struct pooldns_query *q);

/*
 * Writer: appends to a fixed buffer; every call checks space and, on
 * overflow, marks the writer failed and writes nothing more. Name
 * compression: the writer remembers where the question name sits and can
 * point at it or at any suffix written earlier through a small table.
 */
#define POOLDNS_WRITER_MAX_NAMES 32

struct pooldns_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
	/* Compression table: offsets of names written so far. */
	uint16_t name_off[POOLDNS_WRITER_MAX_NAMES];
	size_t nnames;
};

void pooldns_writer_init(struct pooldns_writer *w, uint8_t *buf, size_t cap);

/* Claims the next n bytes of the message and returns where they start, for
 * the caller to fill; NULL (and the writer marked failed) when they do not
 * fit. The primitives below are inline because the answer path calls them
 * a dozen times per response. */
static inline uint8_t *pooldns_writer_reserve(struct pooldns_writer *w, size_t n)
{
	uint8_t *p;

	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static inline void pooldns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pooldns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void pooldns_writer_u8(struct pooldns_writer *w, uint8_t v)
{
	uint8_t *p = pooldns_writer_reserve(w, 1);

	if (p != NULL)
		p[0] = v;
}

static inline void pooldns_writer_u16(struct pooldns_writer *w, uint16_t v)
{
	uint8_t *p = pooldns_writer_reserve(w, 2);

	if (p != NULL)
		pooldns_put16(p, v);
}

static inline void pooldns_writer_u32(struct pooldns_writer *w, uint32_t v)
{
	uint8_t *p = pooldns_writer_reserve(w, 4);

	if (p != NULL)
		pooldns_put32(p, v);
}

static inline void pooldns_writer_bytes(struct pooldns_writer *w, const void *src, size_t n)
{
	uint8_t *p = pooldns_writer_reserve(w, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}
/* Writes a wire name, compressing against names written before with
 * pooldns_writer_name (case-insensitive suffix match; the first form
 * written is what a pointer shows, so the question keeps the client's case). */
void pooldns_writer_name(struct pooldns_writer *w, const uint8_t *name, size_t len);
/* Overwrites a 16-bit value at an earlier offset (counts, rdlength). */
void pooldns_writer_put16_at(struct pooldns_writer *w, size_t off, uint16_t v);

#endif
