/*
 * msg.h — turns a pooldns_result (core/dns/resolve.h) into Unbound's dns_msg,
 * and completes an upstream response whose CNAME chain ends at a name
 * pooldns serves.
 *
 * Internal to the module: include after Unbound's "config.h" (struct
 * layouts depend on it). Everything is allocated in the region given
 * (qstate->region): nothing is freed piece by piece. The question name and
 * a chain's target are borrowed, not copied, and must live as long as the
 * region (qstate->qinfo.qname and the names inside an upstream response in
 * qstate->region do); everything taken from the result (apex names,
 * rdata) is copied, since the snapshot may be freed once the RCU
 * read-side section ends.
 *
 * Thread-safety: pure functions of their arguments; call inside the RCU
 * read-side section that produced the result (it borrows snapshot data,
 * which is copied into the region here).
 */
#ifndef POOLDNS_MODULE_MSG_H
#define POOLDNS_MODULE_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dns/answer.h"
#include "core/dns/resolve.h"

struct regional;
struct query_info;
struct dns_msg;
struct ub_packed_rrset_key;

/* Longest CNAME chain completed (Unbound itself follows at most 11). */
#define POOLDNS_UMSG_MAX_CHAIN 11

/* The answer to qinfo for a result that is not REFUSED: AA, QR and RA set,
 * RD/CD copied from query_flags, the rcode in rep->flags, A/AAAA owned by
 * qinfo->qname (the client's case; borrowed, as msg->qinfo.qname),
 * SOA/NS at the apex, one SOA in the authority section for negative
 * answers. hash: the message goes into Unbound's caches
 * (dns_cache_store()), which need the rrsets' hashes; an answer that is
 * only sent back skips computing them. NULL when out of memory. */
struct dns_msg *pooldns_umsg_answer(struct regional *region, const struct query_info *qinfo,
				    uint16_t query_flags, const struct pooldns_answer_cfg *cfg,
				    const struct pooldns_result *r, bool hash);

/* Replaces response->rep with: the first nchain rrsets of chain (the CNAME
 * chain, in order, whose last target is target; at most
 * POOLDNS_UMSG_MAX_CHAIN), then the records of r for
 * target (owned by target, borrowed; hashed for the iterator's caches), an SOA in the authority section if r is
 * negative, rcode from r and AA set; other header flags are kept. The
 * additional section and the upstream's authority section are dropped.
 * Returns 0, or -1 when out of memory (response is left unchanged). */
int pooldns_umsg_complete_chain(struct regional *region, struct dns_msg *response,
				struct ub_packed_rrset_key *const *chain, size_t nchain,
				const uint8_t *target, size_t target_len,
				const struct pooldns_answer_cfg *cfg,
				const struct pooldns_result *r);

#endif
