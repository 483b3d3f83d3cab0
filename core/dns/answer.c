/*
 * answer.c — the standalone server's answer path: one query packet in, one
 * response packet out. Parses with wire.c, decides with resolve.c inside an
 * RCU read-side section, and encodes the result here: header flags, the
 * echoed question (client's case), A/AAAA/SOA/NS records with compressed
 * names, the negative-answer SOA, the EDNS OPT (payload size, DO, BADVERS,
 * client subnet echo) and truncation (TC with empty answer and authority
 * when a UDP response does not fit the negotiated size). The RCODE and the
 * SOA record (RDATA and TTL) come ready-made in the result and are copied,
 * as module/msg.c copies them, so the two front ends cannot disagree.
 *
 * Owns nothing: the response goes into the caller's buffer; everything
 * else lives on the stack.
 *
 * Thread model: any thread, any number at once. No allocation, no I/O, no
 * locks: the only shared state touched is the published snapshot (read
 * inside an RCU read section: the caller's, or one taken here) and a
 * pool's atomic rotation counter.
 */
#include "config.h"

#include <assert.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/answer.h"
#include "core/dns/wire.h"

#define OPCODE_MASK 0x7800u

/*
 * The header bits a response takes from the query, by opcode (answer.h
 * has the table). The opcode is always echoed (RFC 1035 4.1.1). RD
 * (RFC 1035 4.1.1) and CD (RFC 4035 3.2.2) are copied for QUERY only:
 * they are the QUERY bits RFC 6895 2 expects to be copied, other opcodes
 * give them no meaning (UPDATE, RFC 2136 2.2, makes them a Z field that is
 * zero in requests and responses), and every opcode but QUERY is answered
 * NOTIMP. AA, TC, RA, Z and AD are never copied:
 * AA and TC are set by the encoder for what it answered, RA and AD stay
 * clear (no recursion, no validation), Z is zero (RFC 1035 4.1.1).
 */
static uint16_t echoed_flags(const struct pooldns_query *q)
{
	uint16_t f = q->flags & OPCODE_MASK;

	if (q->opcode == POOLDNS_OPCODE_QUERY)
		f |= q->flags & (POOLDNS_FLAG_RD | POOLDNS_FLAG_CD);
	return f;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Our advertised payload size (the config parser keeps it in 512..4096). */
static uint16_t our_payload(const struct pooldns_answer_cfg *cfg)
{
	assert(cfg->edns_payload >= POOLDNS_UDP_MIN && cfg->edns_payload <= 4096);
	return cfg->edns_payload;
}

/* Largest response allowed for this query and transport. */
static size_t response_limit(const struct pooldns_answer_cfg *cfg, const struct pooldns_query *q,
			     bool tcp, size_t outcap)
{
	size_t limit;

	if (tcp) {
		limit = POOLDNS_MSG_MAX;
	} else if (q->edns) {
		size_t req =
			q->edns_udp_size < POOLDNS_UDP_MIN ? POOLDNS_UDP_MIN : q->edns_udp_size;
		limit = min_size(req, our_payload(cfg));
	} else {
		limit = POOLDNS_UDP_MIN;
	}
	return min_size(limit, outcap);
}

static void write_header(struct pooldns_writer *w, const struct pooldns_query *q, uint16_t flags,
			 uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	uint8_t *p = pooldns_writer_reserve(w, POOLDNS_HEADER_LEN);

	if (p == NULL)
		return;
	pooldns_put16(p, q->id);
	pooldns_put16(p + 2, flags);
	pooldns_put16(p + 4, qd);
	pooldns_put16(p + 6, an);
	pooldns_put16(p + 8, ns);
	pooldns_put16(p + 10, ar);
}

static void write_question(struct pooldns_writer *w, const struct pooldns_query *q)
{
	pooldns_writer_name(w, q->qname, q->qname_len);
	pooldns_writer_u16(w, q->qtype);
	pooldns_writer_u16(w, q->qclass);
}

/*
 * The OPT record of a response: our payload size, the extended rcode bits,
 * version 0, DO copied, and the client subnet echoed (RFC 7871 7.2.1: same
 * family, source prefix and address; scope prefix as decided by the caller).
 */
static void write_opt(struct pooldns_writer *w, const struct pooldns_answer_cfg *cfg,
		      const struct pooldns_query *q, unsigned rcode, bool with_ecs,
		      uint8_t ecs_scope)
{
	pooldns_writer_u8(w, 0); /* root owner */
	pooldns_writer_u16(w, POOLDNS_TYPE_OPT);
	pooldns_writer_u16(w, our_payload(cfg));
	pooldns_writer_u8(w, (uint8_t)(rcode >> 4));
	pooldns_writer_u8(w, 0); /* version */
	pooldns_writer_u16(w, q->edns_do ? 0x8000u : 0);
	if (!with_ecs || !q->ecs) {
		pooldns_writer_u16(w, 0);
		return;
	}
	size_t nbytes = ((size_t)q->ecs_client.prefix + 7) / 8;
	pooldns_writer_u16(w, (uint16_t)(4 + 4 + nbytes));
	pooldns_writer_u16(w, POOLDNS_EDNS_OPT_ECS);
	pooldns_writer_u16(w, (uint16_t)(4 + nbytes));
	pooldns_writer_u16(w, q->ecs_client.family == AF_INET6 ? 2 : 1);
	pooldns_writer_u8(w, q->ecs_client.prefix);
	pooldns_writer_u8(w, ecs_scope);
	pooldns_writer_bytes(w, q->ecs_client.addr, nbytes);
}

/* Fixed part of a resource record (class IN); returns where RDLENGTH sits. */
static size_t write_rr_head(struct pooldns_writer *w, const uint8_t *owner, size_t owner_len,
			    uint16_t type, uint32_t ttl)
{
	pooldns_writer_name(w, owner, owner_len);
	pooldns_writer_u16(w, type);
	pooldns_writer_u16(w, POOLDNS_CLASS_IN);
	pooldns_writer_u32(w, ttl);
	size_t at = w->len;
	pooldns_writer_u16(w, 0);
	return at;
}

/*
 * The A or AAAA records of the selected members, owned by the question
 * name. Every record is the same 10 bytes of type, class, TTL and RDLENGTH
 * behind the same owner, then the address: the fixed part is made once per
 * response and each record is two copies. The owner is a pointer to the
 * question name, which the question section wrote uncompressed right after
 * the header (offset 12), exactly what pooldns_writer_name() would have
 * found; the root name, which a pointer would not shorten, is written out
 * as its one zero byte, as pooldns_writer_name() does.
 */
static void write_addr_rrs(struct pooldns_writer *w, const struct pooldns_query *q, uint16_t type,
			   uint32_t ttl, const struct pooldns_member *const *m, size_t n)
{
	size_t alen = type == POOLDNS_TYPE_A ? 4 : 16;
	uint8_t head[12];
	size_t olen, hlen;

	if (n == 0)
		return;
	assert(w->overflow || (w->len >= POOLDNS_HEADER_LEN + q->qname_len + 4U &&
			       w->buf[POOLDNS_HEADER_LEN] == q->qname[0]));
	if (q->qname_len > 1) {
		head[0] = 0xc0;
		head[1] = POOLDNS_HEADER_LEN;
		olen = 2;
	} else {
		head[0] = 0;
		olen = 1;
	}
	pooldns_put16(head + olen, type);
	pooldns_put16(head + olen + 2, POOLDNS_CLASS_IN);
	pooldns_put32(head + olen + 4, ttl);
	pooldns_put16(head + olen + 8, (uint16_t)alen);
	hlen = olen + 10;

	uint8_t *p = pooldns_writer_reserve(w, n * (hlen + alen));
	if (p == NULL)
		return;
	/* Constant sizes in the common cases, so the copies are inlined. */
	if (hlen == 12 && alen == 4) {
		for (size_t i = 0; i < n; i++, p += 16) {
			memcpy(p, head, 12);
			memcpy(p + 12, m[i]->addr, 4);
		}
	} else if (hlen == 12) {
		for (size_t i = 0; i < n; i++, p += 28) {
			memcpy(p, head, 12);
			memcpy(p + 12, m[i]->addr, 16);
		}
	} else {
		for (size_t i = 0; i < n; i++, p += hlen + alen) {
			memcpy(p, head, hlen);
			memcpy(p + hlen, m[i]->addr, alen);
		}
	}
}

/* Patches RDLENGTH now that the RDATA (from rdata_at on) is written. */
static void end_rdata(struct pooldns_writer *w, size_t rdlen_at)
{
	if (w->overflow)
		return;
	pooldns_writer_put16_at(w, rdlen_at, (uint16_t)(w->len - rdlen_at - 2));
}

/* The result's SOA record as resolve.c made it; only MNAME and RNAME are
 * re-encoded, to compress them. */
static void write_soa(struct pooldns_writer *w, const struct pooldns_result *r)
{
	const struct pooldns_soa *soa = &r->soa;
	const uint8_t *rname = soa->rdata + soa->mname_len;
	size_t at = write_rr_head(w, r->apex, r->apex_len, POOLDNS_TYPE_SOA, soa->ttl);

	pooldns_writer_name(w, soa->rdata, soa->mname_len);
	pooldns_writer_name(w, rname, soa->rname_len);
	pooldns_writer_bytes(w, rname + soa->rname_len,
			     (size_t)soa->rdlen - soa->mname_len - soa->rname_len);
	end_rdata(w, at);
}

/* The configured NS set (1..POOLDNS_MAX_NS names, asserted by resolve.c). */
static void write_ns_set(struct pooldns_writer *w, const struct pooldns_zone_cfg *zc,
			 const struct pooldns_result *r)
{
	for (size_t i = 0; i < zc->nns; i++) {
		size_t at = write_rr_head(w, r->apex, r->apex_len, POOLDNS_TYPE_NS, zc->soa_ttl);
		pooldns_writer_name(w, zc->ns[i], zc->ns_len[i]);
		end_rdata(w, at);
	}
}

/*
 * Encodes a resolved answer, or with truncated set its TC form: header,
 * question and OPT only. When the full form does not fit, w is left marked
 * overflowed and the caller writes the truncated form instead.
 */
static void encode_result(struct pooldns_writer *w, const struct pooldns_answer_cfg *cfg,
			  const struct pooldns_query *q, const struct pooldns_result *r,
			  bool truncated)
{
	const struct pooldns_zone_cfg *zc = &cfg->zone;
	uint16_t flags = POOLDNS_FLAG_QR | echoed_flags(q) | r->rcode;
	uint16_t an = 0, ns = 0, ar = q->edns ? 1 : 0;

	if (r->kind != POOLDNS_RESULT_REFUSED)
		flags |= POOLDNS_FLAG_AA;
	if (truncated) {
		flags |= POOLDNS_FLAG_TC;
	} else if (r->kind == POOLDNS_RESULT_ANSWER) {
		an = (uint16_t)(r->n_v4 + r->n_v6 + (r->answer_soa ? 1 : 0) +
				(r->answer_ns ? zc->nns : 0));
	} else if (r->authority_soa) {
		ns = 1;
	}
	write_header(w, q, flags, 1, an, ns, ar);
	write_question(w, q);

	if (an > 0) {
		write_addr_rrs(w, q, POOLDNS_TYPE_A, r->ttl, r->v4, r->n_v4);
		write_addr_rrs(w, q, POOLDNS_TYPE_AAAA, r->ttl, r->v6, r->n_v6);
		if (r->answer_soa)
			write_soa(w, r);
		if (r->answer_ns)
			write_ns_set(w, zc, r);
	}
	if (ns > 0)
		write_soa(w, r);
	if (q->edns) {
		/* RFC 7871 7.2.1: scope = how far the answer depends on the
		 * client; only the hash policy looks at its address, and only
		 * at its network (POOLDNS_HASH_BITS_*), so resolvers may share
		 * the answer across that network. */
		uint8_t scope = 0;
		if (q->ecs && q->ecs_client.prefix > 0 && r->pool != NULL &&
		    r->pool->policy == POOLDNS_POLICY_HASH && r->n_v4 + r->n_v6 > 0) {
			uint8_t bits = q->ecs_client.family == AF_INET6 ? POOLDNS_HASH_BITS_V6
									: POOLDNS_HASH_BITS_V4;
			scope = q->ecs_client.prefix < bits ? q->ecs_client.prefix : bits;
		}
		write_opt(w, cfg, q, 0, true, scope);
	}
}

/* Response to a query we do not answer normally (FORMERR, NOTIMP, BADVERS). */
static size_t encode_error(const struct pooldns_answer_cfg *cfg, const struct pooldns_query *q,
			   unsigned rcode, uint8_t *out, size_t cap)
{
	struct pooldns_writer w;
	uint16_t flags = POOLDNS_FLAG_QR | echoed_flags(q) | (uint16_t)(rcode & 0x0f);

	pooldns_writer_init(&w, out, cap);
	write_header(&w, q, flags, q->question_ok ? 1 : 0, 0, 0, q->edns ? 1 : 0);
	if (q->question_ok)
		write_question(&w, q);
	if (q->edns)
		write_opt(&w, cfg, q, rcode, false, 0);
	if (w.overflow) {
		/* Only possible with a buffer below 512 bytes: header alone. */
		pooldns_writer_init(&w, out, cap);
		write_header(&w, q, flags, 0, 0, 0, 0);
	}
	return w.overflow ? 0 : w.len;
}

size_t pooldns_answer_packet_locked(const struct pooldns_answer_cfg *cfg,
				    struct pooldns_store *store, const uint8_t *pkt, size_t len,
				    bool tcp, const struct pooldns_client *client, uint8_t *out,
				    size_t outcap, struct pooldns_answer_info *info)
{
	struct pooldns_answer_info dummy;
	struct pooldns_query q;
	size_t n;

	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof *info);
	info->kind = POOLDNS_RESULT_REFUSED;

	/* Everything the response needs from pkt is copied into q here:
	 * nothing below reads pkt, so out may be the same buffer (answer.h). */
	enum pooldns_parse_status st = pooldns_wire_parse_query(pkt, len, &q);
	size_t limit = response_limit(cfg, &q, tcp, outcap);
	if (st == POOLDNS_PARSE_DROP || limit < POOLDNS_HEADER_LEN) {
		info->dropped = true;
		return 0;
	}

	switch (st) {
	case POOLDNS_PARSE_FORMERR:
		info->rcode = POOLDNS_RCODE_FORMERR;
		n = encode_error(cfg, &q, POOLDNS_RCODE_FORMERR, out, limit);
		break;
	case POOLDNS_PARSE_NOTIMP:
		info->qtype = q.qtype;
		info->rcode = POOLDNS_RCODE_NOTIMP;
		n = encode_error(cfg, &q, POOLDNS_RCODE_NOTIMP, out, limit);
		break;
	case POOLDNS_PARSE_BADVERS:
		info->qtype = q.qtype;
		info->rcode = POOLDNS_RCODE_BADVERS;
		n = encode_error(cfg, &q, POOLDNS_RCODE_BADVERS, out, limit);
		break;
	default: {
		struct pooldns_result r;
		struct pooldns_writer w;
		/* A client subnet stands in for the source address, except
		 * /0, which says "do not use my address" (RFC 7871 7.1.2):
		 * then the transport address keeps hashing sticky. */
		const struct pooldns_client *who =
			q.ecs && q.ecs_client.prefix > 0 ? &q.ecs_client : client;

		struct pooldns_snapshot *snap = store != NULL ? pooldns_store_get(store) : NULL;
		pooldns_resolve(&cfg->zone, snap, q.qname_lower, q.qname_len, q.qtype, q.qclass,
				who, &r);
		pooldns_writer_init(&w, out, limit);
		encode_result(&w, cfg, &q, &r, false);
		if (w.overflow) {
			/* RFC 2181 9 / RFC 7766: the client retries over TCP. */
			pooldns_writer_init(&w, out, limit);
			encode_result(&w, cfg, &q, &r, true);
			info->truncated = true;
		}

		info->kind = r.kind;
		info->qtype = q.qtype;
		info->rcode = r.rcode;
		if (w.overflow) {
			info->dropped = true;
			info->truncated = false;
			return 0;
		}
		n = w.len;
		break;
	}
	}
	if (n == 0)
		info->dropped = true;
	return n;
}

size_t pooldns_answer_packet(const struct pooldns_answer_cfg *cfg, struct pooldns_store *store,
			     const uint8_t *pkt, size_t len, bool tcp,
			     const struct pooldns_client *client, uint8_t *out, size_t outcap,
			     struct pooldns_answer_info *info)
{
	size_t n;

	pooldns_read_lock();
	n = pooldns_answer_packet_locked(cfg, store, pkt, len, tcp, client, out, outcap, info);
	pooldns_read_unlock();
	return n;
}
