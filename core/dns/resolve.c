/*
 * resolve.c — the authoritative answer decision for one question, with no
 * wire format in it: is the name ours, which apex is closest, and what goes
 * into the answer and authority sections (see resolve.h for the rules).
 * answer.c turns the result into wire format; the Unbound module turns the
 * same result into a dns_msg, so both front ends answer alike.
 *
 * The rules both front ends must agree on are decided here and handed over
 * in the result, ready to copy: the header RCODE and the whole synthesized
 * SOA record (RDATA with the "hostmaster.<apex>" default, and its TTL,
 * min(SOA TTL, negative TTL) in negative answers). The SOA is built per
 * answer, not per pool at snapshot time: it depends on the apex, the
 * serial (the snapshot) and the config (reloaded on its own), and a copy
 * of ~100 bytes on negative and SOA answers costs less than an SOA per pool
 * in every snapshot.
 *
 * Owns nothing: the result borrows pool, member and apex pointers from the
 * snapshot (or from the zone config) and is valid until the caller leaves
 * its RCU read-side section.
 *
 * Thread model: called on the answer path from any thread inside an RCU
 * read-side section; no locks, no allocation. Selection may bump a pool's
 * atomic round-robin counter (policy.c), the snapshot's only mutable field.
 */
#include "config.h"

#include <assert.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/resolve.h"
#include "core/dns/wire.h"

void pooldns_zone_cfg_defaults(struct pooldns_zone_cfg *zc)
{
	static const uint8_t localhost[] = { 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0 };

	memset(zc, 0, sizeof *zc);
	memcpy(zc->ns[0], localhost, sizeof localhost);
	zc->ns_len[0] = (uint8_t)sizeof localhost;
	zc->nns = 1;
	zc->rname_len = 0;
	zc->soa_ttl = 3600;
	zc->refresh = 3600;
	zc->retry = 600;
	zc->expire = 86400;
	zc->negative_ttl = 60;
	zc->zone_serial = 1;
}

uint32_t pooldns_negative_ttl(const struct pooldns_zone_cfg *zc)
{
	return zc->soa_ttl < zc->negative_ttl ? zc->soa_ttl : zc->negative_ttl;
}

uint8_t pooldns_result_rcode(enum pooldns_result_kind kind)
{
	switch (kind) {
	case POOLDNS_RESULT_REFUSED:
		return POOLDNS_RCODE_REFUSED;
	case POOLDNS_RESULT_NXDOMAIN:
		return POOLDNS_RCODE_NXDOMAIN;
	case POOLDNS_RESULT_ANSWER:
	case POOLDNS_RESULT_NODATA:
		break;
	}
	return POOLDNS_RCODE_NOERROR;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void pooldns_soa_rdata(const struct pooldns_zone_cfg *zc, const uint8_t *apex, size_t apex_len,
		       uint32_t serial, struct pooldns_soa *soa)
{
	static const uint8_t hm[] = { 10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r' };
	uint8_t *p = soa->rdata;

	assert(zc->nns >= 1 && zc->ns_len[0] >= 1);
	assert(apex_len >= 1 && apex_len <= POOLDNS_NAME_MAX);
	memcpy(p, zc->ns[0], zc->ns_len[0]);
	soa->mname_len = zc->ns_len[0];
	p += zc->ns_len[0];
	if (zc->rname_len > 0) {
		memcpy(p, zc->rname, zc->rname_len);
		soa->rname_len = zc->rname_len;
	} else if (sizeof hm + apex_len <= POOLDNS_NAME_MAX) {
		memcpy(p, hm, sizeof hm);
		memcpy(p + sizeof hm, apex, apex_len);
		soa->rname_len = (uint8_t)(sizeof hm + apex_len);
	} else {
		/* "hostmaster." would not fit in 255 bytes: the apex alone. */
		memcpy(p, apex, apex_len);
		soa->rname_len = (uint8_t)apex_len;
	}
	p += soa->rname_len;
	put32(p, serial);
	put32(p + 4, zc->refresh);
	put32(p + 8, zc->retry);
	put32(p + 12, zc->expire);
	put32(p + 16, zc->negative_ttl);
	soa->rdlen = (uint16_t)(soa->mname_len + soa->rname_len + 20);
}

/* The deepest configured zone at or above name, or -1. */
static int closest_zone(const struct pooldns_zone_cfg *zc, const uint8_t *name, size_t len)
{
	int best = -1;

	for (size_t i = 0; i < zc->nzones; i++) {
		if (!pooldns_dname_is_subdomain(name, len, zc->zones[i], zc->zone_len[i]))
			continue;
		if (best < 0 || zc->zone_len[i] > zc->zone_len[best])
			best = (int)i;
	}
	return best;
}

/* True when a configured zone apex lies strictly below name. */
static bool zone_below(const struct pooldns_zone_cfg *zc, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < zc->nzones; i++) {
		if (zc->zone_len[i] > len &&
		    pooldns_dname_is_subdomain(zc->zones[i], zc->zone_len[i], name, len))
			return true;
	}
	return false;
}

static void negative(struct pooldns_result *r, enum pooldns_result_kind kind)
{
	r->kind = kind;
	r->authority_soa = true;
	r->answer_soa = false;
	r->answer_ns = false;
	r->n_v4 = 0;
	r->n_v6 = 0;
}

/* Answers a question at a pool name. */
static void at_pool(struct pooldns_pool *pool, uint16_t qtype, const struct pooldns_client *client,
		    struct pooldns_result *r)
{
	r->pool = pool;
	r->ttl = pool->ttl;
	switch (qtype) {
	case POOLDNS_TYPE_A:
		r->n_v4 = pooldns_select(pool, AF_INET, client, r->v4, POOLDNS_MAX_ANSWERS);
		break;
	case POOLDNS_TYPE_AAAA:
		r->n_v6 = pooldns_select(pool, AF_INET6, client, r->v6, POOLDNS_MAX_ANSWERS);
		break;
	case POOLDNS_TYPE_ANY:
		r->n_v4 = pooldns_select(pool, AF_INET, client, r->v4, POOLDNS_MAX_ANSWERS);
		r->n_v6 = pooldns_select(pool, AF_INET6, client, r->v6, POOLDNS_MAX_ANSWERS);
		break;
	case POOLDNS_TYPE_SOA:
		r->answer_soa = true;
		break;
	case POOLDNS_TYPE_NS:
		r->answer_ns = true;
		break;
	default:
		break;
	}
	if (r->n_v4 == 0 && r->n_v6 == 0 && !r->answer_soa && !r->answer_ns)
		negative(r, POOLDNS_RESULT_NODATA);
	else
		r->kind = POOLDNS_RESULT_ANSWER;
}

/* Answers a question at a configured zone apex that is not a pool: SOA and
 * NS exist there; ANY returns both; anything else is NODATA. */
static void at_zone_apex(uint16_t qtype, struct pooldns_result *r)
{
	switch (qtype) {
	case POOLDNS_TYPE_SOA:
		r->answer_soa = true;
		break;
	case POOLDNS_TYPE_NS:
		r->answer_ns = true;
		break;
	case POOLDNS_TYPE_ANY:
		r->answer_soa = true;
		r->answer_ns = true;
		break;
	default:
		break;
	}
	if (r->answer_soa || r->answer_ns)
		r->kind = POOLDNS_RESULT_ANSWER;
	else
		negative(r, POOLDNS_RESULT_NODATA);
}

/* The decision proper: kind, apex, pool and section contents. */
static void decide(const struct pooldns_zone_cfg *zc, struct pooldns_snapshot *snap,
		   const uint8_t *qname_lower, size_t qname_len, uint16_t qtype, uint16_t qclass,
		   const struct pooldns_client *client, struct pooldns_result *r)
{
	/* Only the scalar fields are cleared: the member arrays are filled up
	 * to n_v4 / n_v6 and never read beyond. */
	r->kind = POOLDNS_RESULT_REFUSED;
	r->apex = NULL;
	r->apex_len = 0;
	r->pool = NULL;
	r->serial = snap != NULL ? (uint32_t)snap->version : zc->zone_serial;
	r->answer_soa = false;
	r->answer_ns = false;
	r->n_v4 = 0;
	r->n_v6 = 0;
	r->ttl = 0;
	r->authority_soa = false;

	if (qclass != POOLDNS_CLASS_IN && qclass != POOLDNS_CLASS_ANY)
		return;

	/* Closest pool at or above the name. */
	struct pooldns_pool *pool = NULL;
	if (snap != NULL)
		pool = pooldns_snapshot_find_closest(snap, qname_lower, qname_len);
	int zi = closest_zone(zc, qname_lower, qname_len);

	/* The deeper of the two is the apex whose SOA we speak with; a pool
	 * wins a tie (it carries data, and its own SOA is the same name). */
	bool use_pool = pool != NULL && (zi < 0 || pool->name_len >= zc->zone_len[zi]);
	if (use_pool) {
		r->apex = pool->name;
		r->apex_len = pool->name_len;
		if (pool->name_len == qname_len) {
			/* Counted for the metrics endpoint: one relaxed add,
			 * like the rotation counter. */
			atomic_fetch_add_explicit(&pool->queries, 1, memory_order_relaxed);
			at_pool(pool, qtype, client, r);
			return;
		}
	} else if (zi >= 0) {
		r->apex = zc->zones[zi];
		r->apex_len = zc->zone_len[zi];
		if (zc->zone_len[zi] == qname_len) {
			at_zone_apex(qtype, r);
			return;
		}
	} else {
		return; /* not ours: REFUSED */
	}

	/* Below the apex: an empty non-terminal (some pool or zone lies
	 * below) has no data; any other name does not exist. */
	if ((snap != NULL && pooldns_snapshot_has_descendant(snap, qname_lower, qname_len)) ||
	    zone_below(zc, qname_lower, qname_len))
		negative(r, POOLDNS_RESULT_NODATA);
	else
		negative(r, POOLDNS_RESULT_NXDOMAIN);
}

void pooldns_resolve(const struct pooldns_zone_cfg *zc, struct pooldns_snapshot *snap,
		     const uint8_t *qname_lower, size_t qname_len, uint16_t qtype, uint16_t qclass,
		     const struct pooldns_client *client, struct pooldns_result *r)
{
	/* The config parser guarantees these; the parser (or the module)
	 * hands over nothing but names of 1..255 bytes. */
	assert(zc->nzones <= POOLDNS_MAX_ZONES);
	assert(zc->nns >= 1 && zc->nns <= POOLDNS_MAX_NS);
	assert(qname_len >= 1 && qname_len <= POOLDNS_NAME_MAX);

	decide(zc, snap, qname_lower, qname_len, qtype, qclass, client, r);

	/* What both encoders copy. */
	r->rcode = pooldns_result_rcode(r->kind);
	r->soa.rdlen = 0;
	if (r->answer_soa || r->authority_soa) {
		assert(r->apex != NULL && !(r->answer_soa && r->authority_soa));
		r->soa.ttl = r->authority_soa ? pooldns_negative_ttl(zc) : zc->soa_ttl;
		pooldns_soa_rdata(zc, r->apex, r->apex_len, r->serial, &r->soa);
	}
	assert(r->n_v4 <= POOLDNS_MAX_ANSWERS && r->n_v6 <= POOLDNS_MAX_ANSWERS);
}
