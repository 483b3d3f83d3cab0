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

/* An rrset to build: class IN, count RRs with one TTL, owned by owner.
 * The owner is borrowed (it must live as long as the message, see msg.h)
 * unless copy_owner is set: names from the snapshot (a pool's apex) are
 * freed after the RCU grace period, while the message lives until Unbound
 * has sent it, so they are copied into the block. */
struct rrset_spec {
	const uint8_t *owner;
	size_t owner_len;
	bool copy_owner;
	uint16_t type;
	uint32_t ttl;
	size_t count;
	struct rdata
		rd[POOLDNS_MAX_ANSWERS > POOLDNS_MAX_NS ? POOLDNS_MAX_ANSWERS : POOLDNS_MAX_NS];
};

/* At most 4 answer rrsets (A, AAAA, SOA, NS) or 1 authority SOA. */
#define MAX_OWN_RRSETS 4

/* Rounds n up so that the next piece of a block stays aligned for any
 * member of Unbound's structs (pointers, size_t, time_t). */
static size_t align_up(size_t n)
{
	const size_t a = sizeof(void *) > sizeof(time_t) ? sizeof(void *) : sizeof(time_t);

	return (n + a - 1) & ~(a - 1);
}

/* Bytes of one rrset in a block: the key, then the packed data (struct,
 * rr_len[], rr_data[], rr_ttl[], then each RR's rdlength + rdata), then
 * the owner name when it is copied. */
static size_t rrset_bytes(const struct rrset_spec *sp)
{
	size_t bytes = align_up(sizeof(struct ub_packed_rrset_key)) +
		       sizeof(struct packed_rrset_data) +
		       sp->count * (sizeof(size_t) + sizeof(uint8_t *) + sizeof(time_t));

	for (size_t i = 0; i < sp->count; i++)
		bytes += 2 + sp->rd[i].len;
	if (sp->copy_owner)
		bytes += sp->owner_len;
	return align_up(bytes);
}

/* Lays out the rrset sp at p (rrset_bytes(sp) zeroed bytes) and returns
 * its key. The entry's hash is set only when hash is true: Unbound reads
 * it only when it stores the rrset in its cache, and it costs a pass over
 * the owner name. */
static struct ub_packed_rrset_key *rrset_fill(uint8_t *p, const struct rrset_spec *sp,
					      enum sec_status sec, bool hash)
{
	struct ub_packed_rrset_key *k = (struct ub_packed_rrset_key *)p;
	struct packed_rrset_data *d =
		(struct packed_rrset_data *)(p + align_up(sizeof(struct ub_packed_rrset_key)));
	size_t count = sp->count;

	/* A borrowed owner is only read by Unbound (rrset_key_hash(), the
	 * encoder; the cache copies it), hence the cast. */
	k->rk.dname = (uint8_t *)sp->owner;
	k->rk.dname_len = sp->owner_len;
	k->rk.type = htons(sp->type);
	k->rk.rrset_class = htons(LDNS_RR_CLASS_IN);
	k->entry.key = k;
	k->entry.data = d;

	d->ttl = sp->ttl;
	d->count = count;
	d->trust = rrset_trust_ans_AA;
	d->security = sec;
	d->rr_len = (size_t *)((uint8_t *)d + sizeof *d);
	d->rr_data = (uint8_t **)&d->rr_len[count];
	d->rr_ttl = (time_t *)&d->rr_data[count];
	uint8_t *w = (uint8_t *)&d->rr_ttl[count];
	for (size_t i = 0; i < count; i++) {
		size_t len = sp->rd[i].len;
		d->rr_len[i] = 2 + len;
		d->rr_data[i] = w;
		d->rr_ttl[i] = sp->ttl;
		w[0] = (uint8_t)(len >> 8);
		w[1] = (uint8_t)len;
		memcpy(w + 2, sp->rd[i].p, len);
		w += 2 + len;
	}
	if (sp->copy_owner) {
		memcpy(w, sp->owner, sp->owner_len);
		k->rk.dname = w;
	}
	if (hash)
		k->entry.hash = rrset_key_hash(&k->rk);
	return k;
}

/* The result's SOA record, as resolve.c made it, at r->apex. */
static void soa_spec(struct rrset_spec *sp, const struct pooldns_result *r)
{
	sp->owner = r->apex;
	sp->owner_len = r->apex_len;
	sp->copy_owner = true;
	sp->type = LDNS_RR_TYPE_SOA;
	sp->ttl = r->soa.ttl;
	sp->count = 1;
	sp->rd[0].p = r->soa.rdata;
	sp->rd[0].len = r->soa.rdlen;
}

/* The configured NS set (1..POOLDNS_MAX_NS names, asserted by resolve.c). */
static void ns_spec(struct rrset_spec *sp, const struct pooldns_zone_cfg *zc,
		    const struct pooldns_result *r)
{
	sp->owner = r->apex;
	sp->owner_len = r->apex_len;
	sp->copy_owner = true;
	sp->type = LDNS_RR_TYPE_NS;
	sp->ttl = zc->soa_ttl;
	sp->count = zc->nns;
	for (size_t i = 0; i < zc->nns; i++) {
		sp->rd[i].p = zc->ns[i];
		sp->rd[i].len = zc->ns_len[i];
	}
}

/* The selected members of one family as one rrset owned by owner. */
static void addr_spec(struct rrset_spec *sp, const uint8_t *owner, size_t owner_len, int family,
		      const struct pooldns_result *r)
{
	const struct pooldns_member *const *m = family == AF_INET ? r->v4 : r->v6;
	size_t alen = family == AF_INET ? 4 : 16;

	sp->owner = owner;
	sp->owner_len = owner_len;
	sp->copy_owner = false;
	sp->type = family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
	sp->ttl = r->ttl;
	sp->count = family == AF_INET ? r->n_v4 : r->n_v6;
	for (size_t i = 0; i < sp->count; i++) {
		sp->rd[i].p = m[i]->addr;
		sp->rd[i].len = alen;
	}
}

/*
 * Appends the rrsets of r to rrs[*an] (answer section records) and
 * auth[*ns] (the negative SOA), all built in one region allocation. owner
 * owns the A/AAAA records. rrs has room for 4 more, auth for 1. Returns 0
 * or -1 (out of memory).
 */
static int result_rrsets(struct regional *region, const uint8_t *owner, size_t owner_len,
			 const struct pooldns_zone_cfg *zc, const struct pooldns_result *r,
			 enum sec_status sec, bool hash, struct ub_packed_rrset_key **rrs,
			 size_t *an, struct ub_packed_rrset_key **auth, size_t *ns)
{
	struct rrset_spec spec[MAX_OWN_RRSETS];
	size_t n = 0;
	bool authority = false;

	/* REFUSED is never built into a message: the module passes it on.
	 * Every other result has an apex (resolve.c). */
	assert(r->kind != POOLDNS_RESULT_REFUSED && r->apex != NULL);
	if (r->kind == POOLDNS_RESULT_ANSWER) {
		if (r->n_v4 > 0)
			addr_spec(&spec[n++], owner, owner_len, AF_INET, r);
		if (r->n_v6 > 0)
			addr_spec(&spec[n++], owner, owner_len, AF_INET6, r);
		if (r->answer_soa)
			soa_spec(&spec[n++], r);
		if (r->answer_ns)
			ns_spec(&spec[n++], zc, r);
	} else if (r->authority_soa) {
		soa_spec(&spec[n++], r);
		authority = true;
	}
	if (n == 0)
		return 0;

	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += rrset_bytes(&spec[i]);
	uint8_t *block = regional_alloc_zero(region, bytes);
	if (block == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ub_packed_rrset_key *k = rrset_fill(block, &spec[i], sec, hash);
		block += rrset_bytes(&spec[i]);
		if (authority)
			auth[(*ns)++] = k;
		else
			rrs[(*an)++] = k;
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
				    const struct pooldns_result *r, bool hash)
{
	struct ub_packed_rrset_key *an[4], *ns[1];
	size_t nan = 0, nns = 0;

	if (result_rrsets(region, qinfo->qname, qinfo->qname_len, &cfg->zone, r,
			  sec_status_insecure, hash, an, &nan, ns, &nns) != 0)
		return NULL;

	uint16_t flags = BIT_QR | BIT_AA | BIT_RA | (query_flags & (BIT_RD | BIT_CD));
	FLAGS_SET_RCODE(flags, r->rcode);

	struct dns_msg *msg = regional_alloc(region, sizeof *msg);
	if (msg == NULL)
		return NULL;
	msg->qinfo = *qinfo;
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
	if (result_rrsets(region, target, target_len, &cfg->zone, r, sec_status_unchecked, true, an,
			  &nan, ns, &nns) != 0)
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
