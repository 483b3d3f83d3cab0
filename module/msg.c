/*
 * msg.c — builds Unbound's dns_msg from the core's answer decision
 * (struct pooldns_result), for the module's own answers and for CNAME
 * chains that upstream answers lead into a pool name.
 *
 * Nothing is decided here: the RCODE and the SOA record (RDATA, TTL) come
 * ready-made in the result (core/dns/resolve.c), the NS set and the A/AAAA
 * addresses from the config and the snapshot; this file only copies them
 * into Unbound's structures, as core/dns/answer.c copies them into wire.
 *
 * Owns nothing beyond the call: every rrset, name and reply_info is
 * allocated in the caller's region (qstate->region) and lives as long as
 * the query. A packed rrset is one block laid out the way Unbound's
 * packed_rrset_ptr_fixup() expects (struct, rr_len[], rr_data[], rr_ttl[],
 * then each RR's 2-byte rdlength + rdata), because the iterator may copy a
 * completed response into its caches with packed_rrset_sizeof().
 *
 * Thread model: called from Unbound's worker threads, inside the RCU
 * read-side section that produced the result; no shared state.
 */
#ifdef NDEBUG
#define POOLDNS_NDEBUG 1 /* asked for by this build's own flags */
#endif
#include "config.h"

/* Unbound's config.h defines NDEBUG unless Unbound itself was configured
 * --enable-debug. The module's assertions follow pooldns's rule instead
 * (README, "Assertions"): on, unless this build's flags turned them off. */
#ifndef POOLDNS_NDEBUG
#undef NDEBUG
#endif
#include <assert.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "util/module.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/data/msgreply.h"
#include "util/data/msgparse.h"
#include "util/data/packed_rrset.h"
#include "services/cache/dns.h"
#include "sldns/rrdef.h"
#include "sldns/pkthdr.h"

#include "msg.h"
#include "unbound_compat.h"

/* One RR's rdata, without its rdlength. */
struct rdata {
	const uint8_t *p;
	size_t len;
};

/* An rrset of class IN with count RRs, all with the same TTL. */
static struct ub_packed_rrset_key *rrset_new(struct regional *region, const uint8_t *owner,
					     size_t owner_len, uint16_t type, uint32_t ttl,
					     const struct rdata *rd, size_t count,
					     enum sec_status sec)
{
	size_t bytes = sizeof(struct packed_rrset_data) +
		       count * (sizeof(size_t) + sizeof(uint8_t *) + sizeof(time_t));
	for (size_t i = 0; i < count; i++)
		bytes += 2 + rd[i].len;

	struct ub_packed_rrset_key *k = regional_alloc_zero(region, sizeof *k);
	struct packed_rrset_data *d = regional_alloc_zero(region, bytes);
	if (k == NULL || d == NULL)
		return NULL;
	k->rk.dname = regional_alloc_init(region, owner, owner_len);
	if (k->rk.dname == NULL)
		return NULL;
	k->rk.dname_len = owner_len;
	k->rk.type = htons(type);
	k->rk.rrset_class = htons(LDNS_RR_CLASS_IN);
	k->rk.flags = 0;
	k->entry.key = k;
	k->entry.data = d;
	k->entry.hash = rrset_key_hash(&k->rk);

	d->ttl_add = 0;
	d->ttl = ttl;
	d->count = count;
	d->rrsig_count = 0;
	d->trust = rrset_trust_ans_AA;
	d->security = sec;
	d->rr_len = (size_t *)((uint8_t *)d + sizeof *d);
	d->rr_data = (uint8_t **)&d->rr_len[count];
	d->rr_ttl = (time_t *)&d->rr_data[count];
	uint8_t *p = (uint8_t *)&d->rr_ttl[count];
	for (size_t i = 0; i < count; i++) {
		d->rr_len[i] = 2 + rd[i].len;
		d->rr_data[i] = p;
		d->rr_ttl[i] = ttl;
		p[0] = (uint8_t)(rd[i].len >> 8);
		p[1] = (uint8_t)rd[i].len;
		memcpy(p + 2, rd[i].p, rd[i].len);
		p += 2 + rd[i].len;
	}
	return k;
}

/* The result's SOA record, as resolve.c made it, at r->apex. */
static struct ub_packed_rrset_key *soa_rrset(struct regional *region,
					     const struct pooldns_result *r, enum sec_status sec)
{
	struct rdata rd = { r->soa.rdata, r->soa.rdlen };

	return rrset_new(region, r->apex, r->apex_len, LDNS_RR_TYPE_SOA, r->soa.ttl, &rd, 1, sec);
}

/* The configured NS set (1..POOLDNS_MAX_NS names, asserted by resolve.c). */
static struct ub_packed_rrset_key *ns_rrset(struct regional *region,
					    const struct pooldns_zone_cfg *zc,
					    const struct pooldns_result *r, enum sec_status sec)
{
	struct rdata rd[POOLDNS_MAX_NS];

	for (size_t i = 0; i < zc->nns; i++) {
		rd[i].p = zc->ns[i];
		rd[i].len = zc->ns_len[i];
	}
	return rrset_new(region, r->apex, r->apex_len, LDNS_RR_TYPE_NS, zc->soa_ttl, rd, zc->nns,
			 sec);
}

/* The selected members of one family as one rrset owned by owner. */
static struct ub_packed_rrset_key *addr_rrset(struct regional *region, const uint8_t *owner,
					      size_t owner_len, int family,
					      const struct pooldns_result *r, enum sec_status sec)
{
	struct rdata rd[POOLDNS_MAX_ANSWERS];
	const struct pooldns_member *const *m = family == AF_INET ? r->v4 : r->v6;
	size_t n = family == AF_INET ? r->n_v4 : r->n_v6;
	size_t alen = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n; i++) {
		rd[i].p = m[i]->addr;
		rd[i].len = alen;
	}
	return rrset_new(region, owner, owner_len,
			 family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA, r->ttl, rd, n,
			 sec);
}

/*
 * Appends the rrsets of r to rrs[*an] (answer section records) and
 * auth[*ns] (the negative SOA). owner owns the A/AAAA records. rrs has
 * room for 4 more, auth for 1. Returns 0 or -1 (out of memory).
 */
static int result_rrsets(struct regional *region, const uint8_t *owner, size_t owner_len,
			 const struct pooldns_zone_cfg *zc, const struct pooldns_result *r,
			 enum sec_status sec, struct ub_packed_rrset_key **rrs, size_t *an,
			 struct ub_packed_rrset_key **auth, size_t *ns)
{
	/* REFUSED is never built into a message: the module passes it on.
	 * Every other result has an apex (resolve.c). */
	assert(r->kind != POOLDNS_RESULT_REFUSED && r->apex != NULL);
	if (r->kind == POOLDNS_RESULT_ANSWER) {
		if (r->n_v4 > 0) {
			if ((rrs[(*an)++] =
				     addr_rrset(region, owner, owner_len, AF_INET, r, sec)) == NULL)
				return -1;
		}
		if (r->n_v6 > 0) {
			if ((rrs[(*an)++] = addr_rrset(region, owner, owner_len, AF_INET6, r,
						       sec)) == NULL)
				return -1;
		}
		if (r->answer_soa) {
			if ((rrs[(*an)++] = soa_rrset(region, r, sec)) == NULL)
				return -1;
		}
		if (r->answer_ns) {
			if ((rrs[(*an)++] = ns_rrset(region, zc, r, sec)) == NULL)
				return -1;
		}
	} else if (r->authority_soa) {
		if ((auth[(*ns)++] = soa_rrset(region, r, sec)) == NULL)
			return -1;
	}
	return 0;
}

/* Smallest TTL over rrs (0 when there is none). */
static time_t min_ttl(struct ub_packed_rrset_key *const *rrs, size_t n)
{
	time_t t = 0;

	for (size_t i = 0; i < n; i++) {
		const struct packed_rrset_data *d = rrs[i]->entry.data;
		if (i == 0 || d->ttl < t)
			t = d->ttl;
	}
	return t;
}

static struct reply_info *reply_new(struct regional *region, uint16_t flags,
				    struct ub_packed_rrset_key *const *an, size_t nan,
				    struct ub_packed_rrset_key *const *ns, size_t nns,
				    enum sec_status sec)
{
	struct ub_packed_rrset_key *all[POOLDNS_UMSG_MAX_CHAIN + 5];
	size_t total = nan + nns;

	/* At most the chain, 4 answer rrsets and 1 authority SOA. */
	assert(total <= sizeof all / sizeof all[0]);
	memcpy(all, an, nan * sizeof *an);
	memcpy(all + nan, ns, nns * sizeof *ns);
	time_t ttl = min_ttl(all, total);
	struct reply_info *rep = pooldns_ub_reply_info(region, flags, ttl, nan, nns, 0, total, sec);
	if (rep == NULL)
		return NULL;
	memcpy(rep->rrsets, all, total * sizeof *all);
	return rep;
}

struct dns_msg *pooldns_umsg_answer(struct regional *region, const struct query_info *qinfo,
				    uint16_t query_flags, const struct pooldns_answer_cfg *cfg,
				    const struct pooldns_result *r)
{
	struct ub_packed_rrset_key *an[4], *ns[1];
	size_t nan = 0, nns = 0;

	if (result_rrsets(region, qinfo->qname, qinfo->qname_len, &cfg->zone, r,
			  sec_status_insecure, an, &nan, ns, &nns) != 0)
		return NULL;

	uint16_t flags = BIT_QR | BIT_AA | BIT_RA | (query_flags & (BIT_RD | BIT_CD));
	FLAGS_SET_RCODE(flags, r->rcode);

	struct dns_msg *msg = regional_alloc_zero(region, sizeof *msg);
	if (msg == NULL)
		return NULL;
	msg->qinfo = *qinfo;
	msg->qinfo.qname = regional_alloc_init(region, qinfo->qname, qinfo->qname_len);
	if (msg->qinfo.qname == NULL)
		return NULL;
	msg->qinfo.local_alias = NULL;
	msg->rep = reply_new(region, flags, an, nan, ns, nns, sec_status_insecure);
	if (msg->rep == NULL)
		return NULL;
	msg->rep->authoritative = 1;
	return msg;
}

int pooldns_umsg_complete_chain(struct regional *region, struct dns_msg *response,
				struct ub_packed_rrset_key *const *chain, size_t nchain,
				const uint8_t *target, size_t target_len,
				const struct pooldns_answer_cfg *cfg,
				const struct pooldns_result *r)
{
	struct ub_packed_rrset_key *an[POOLDNS_UMSG_MAX_CHAIN + 4], *ns[1];
	size_t nan = 0, nns = 0;

	assert(nchain <= POOLDNS_UMSG_MAX_CHAIN); /* cname_cb() stops there */
	memcpy(an, chain, nchain * sizeof *chain);
	nan = nchain;
	/* Unchecked: a validator after the module judges these like any
	 * other upstream data; without one they are simply insecure. */
	if (result_rrsets(region, target, target_len, &cfg->zone, r, sec_status_unchecked, an, &nan,
			  ns, &nns) != 0)
		return -1;

	uint16_t flags = response->rep->flags | BIT_AA;
	FLAGS_SET_RCODE(flags, r->rcode);
	struct reply_info *rep = reply_new(region, flags, an, nan, ns, nns, sec_status_unchecked);
	if (rep == NULL)
		return -1;
	rep->authoritative = response->rep->authoritative;
	response->rep = rep;
	return 0;
}
