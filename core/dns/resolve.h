/*
 * resolve.h — the answer decision, independent of any wire format: for one
 * question, is the name ours, and what goes into each section. Used by the
 * standalone server (answer.c encodes the result as wire) and by the Unbound
 * module (which builds Unbound's dns_msg from the same result).
 *
 * Rules (authoritative only; RFC 1034 4.3.2, RFC 2308):
 *   - names are ours when they are a pool name, below a pool name, or at or
 *     below a configured zone apex; anything else is REFUSED (never an open
 *     resolver); so is a class other than IN (or ANY);
 *   - a pool name: A/AAAA answer the selected members of that family (empty
 *     selection = NODATA); SOA and NS answer the synthesized SOA / NS set;
 *     ANY answers A and AAAA; other types are NODATA;
 *   - a configured zone apex answers SOA and NS like a pool;
 *   - a name that is an ancestor of a pool inside our space (an empty
 *     non-terminal) is NODATA; any other name inside our space is NXDOMAIN;
 *   - every negative answer carries the SOA of the closest apex (pool name
 *     or zone) in the authority section, TTL = min(SOA TTL, negative TTL).
 *
 * Decided once, encoded twice: everything a response needs beyond the
 * configured NS set is in the result — the header RCODE, the complete SOA
 * record (RDATA and TTL) — so that answer.c (wire) and module/msg.c
 * (Unbound's dns_msg) only copy it and cannot drift apart.
 *
 * Thread-safety: call inside an RCU read-side section; the result borrows
 * from the snapshot and is valid until pooldns_read_unlock(). No allocation.
 */
#ifndef POOLDNS_RESOLVE_H
#define POOLDNS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/dname.h"
#include "core/model/policy.h"
#include "core/model/snapshot.h"

#define POOLDNS_MAX_ZONES 64
#define POOLDNS_MAX_NS    8

/* Settings of the synthesized SOA/NS and negative caching (from config). */
struct pooldns_zone_cfg {
	uint8_t zones[POOLDNS_MAX_ZONES][POOLDNS_NAME_MAX]; /* lower-cased wire apexes */
	uint8_t zone_len[POOLDNS_MAX_ZONES];
	size_t nzones;
	uint8_t ns[POOLDNS_MAX_NS][POOLDNS_NAME_MAX]; /* NS targets, wire */
	uint8_t ns_len[POOLDNS_MAX_NS];
	size_t nns;                      /* >= 1 */
	uint8_t rname[POOLDNS_NAME_MAX]; /* SOA RNAME, wire */
	uint8_t rname_len;               /* 0: "hostmaster.<apex>" */
	uint32_t soa_ttl;                /* TTL of the SOA and NS records */
	uint32_t refresh, retry, expire;
	uint32_t negative_ttl; /* SOA MINIMUM (RFC 2308) */
	uint32_t zone_serial;  /* serial of configured zones' SOA when no snapshot */
};

/* Longest SOA RDATA: two names and five 32-bit fields (RFC 1035 3.3.13). */
#define POOLDNS_SOA_RDATA_MAX (2 * POOLDNS_NAME_MAX + 20)

/*
 * One synthesized SOA record, owned by the result's apex, class IN. rdata is
 * uncompressed: MNAME (mname_len bytes), RNAME (rname_len bytes), then
 * SERIAL, REFRESH, RETRY, EXPIRE and MINIMUM. The name lengths let a wire
 * encoder compress the two names; a dns_msg takes rdata as it is.
 */
struct pooldns_soa {
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t mname_len;
	uint8_t rname_len;
	uint8_t rdata[POOLDNS_SOA_RDATA_MAX];
};

enum pooldns_result_kind {
	POOLDNS_RESULT_REFUSED = 0, /* not our name, or an unsupported class */
	POOLDNS_RESULT_ANSWER,      /* NOERROR with records in the answer section */
	POOLDNS_RESULT_NODATA,      /* NOERROR, empty answer, SOA in authority */
	POOLDNS_RESULT_NXDOMAIN,    /* NXDOMAIN, SOA in authority */
};

struct pooldns_result {
	enum pooldns_result_kind kind;
	/* The closest apex (pool or zone): SOA owner for negative answers,
	 * owner of SOA/NS answers. Borrowed. */
	const uint8_t *apex;
	size_t apex_len;
	const struct pooldns_pool *pool; /* the pool when qname is a pool name, else NULL */
	uint32_t serial;                 /* SOA serial: the snapshot's data version */
	/* Answer section content for POOLDNS_RESULT_ANSWER. */
	bool answer_soa;   /* one SOA RR at apex */
	bool answer_ns;    /* the NS set at apex */
	size_t n_v4, n_v6; /* selected members: A first, then AAAA */
	const struct pooldns_member *v4[POOLDNS_MAX_ANSWERS];
	const struct pooldns_member *v6[POOLDNS_MAX_ANSWERS];
	uint32_t ttl;       /* TTL of A/AAAA records (the pool's) */
	bool authority_soa; /* negative answer: SOA in authority */
	uint8_t rcode;      /* header RCODE, pooldns_result_rcode(kind) */
	/* The SOA record when answer_soa or authority_soa is set (never both):
	 * TTL soa_ttl in the answer section, pooldns_negative_ttl() in the
	 * authority section. Otherwise only soa.rdlen is set, to 0. */
	struct pooldns_soa soa;
};

/* Fills r for (qname_lower, qtype, qclass). snap may be NULL (nothing loaded
 * yet): pool names are then unknown; configured zones still answer.
 * Asserted, not checked: qname_lower is a lower-cased wire name of 1..255
 * bytes (wire.c's parser, or the module's own check, guarantees it) and zc
 * holds 1..POOLDNS_MAX_NS NS names and at most POOLDNS_MAX_ZONES zones (the
 * config parser guarantees it). */
void pooldns_resolve(const struct pooldns_zone_cfg *zc, struct pooldns_snapshot *snap,
		     const uint8_t *qname_lower, size_t qname_len, uint16_t qtype, uint16_t qclass,
		     const struct pooldns_client *client, struct pooldns_result *r);

/* Fills zc with defaults: no zones, NS "localhost.", RNAME hostmaster.<apex>,
 * SOA TTL 3600, refresh 3600, retry 600, expire 86400, negative TTL 60. */
void pooldns_zone_cfg_defaults(struct pooldns_zone_cfg *zc);

/* The rules pooldns_resolve() applies, exported so that they are tested on
 * their own. */

/* RFC 2308 3 and 5: TTL of the SOA in a negative answer, min(SOA TTL,
 * MINIMUM), MINIMUM being the configured negative TTL. */
uint32_t pooldns_negative_ttl(const struct pooldns_zone_cfg *zc);

/* Header RCODE of a result kind: REFUSED, NXDOMAIN, else NOERROR (NODATA is
 * NOERROR with an empty answer, RFC 2308 2.2). */
uint8_t pooldns_result_rcode(enum pooldns_result_kind kind);

/* Fills soa->rdata (and rdlen, mname_len, rname_len) with the synthesized
 * SOA RDATA of apex: MNAME the first ns-name, RNAME soa-rname or else
 * "hostmaster.<apex>" (the apex itself when that name would pass 255
 * bytes), then serial and the configured refresh, retry, expire and
 * negative TTL. soa->ttl is left alone. */
void pooldns_soa_rdata(const struct pooldns_zone_cfg *zc, const uint8_t *apex, size_t apex_len,
		       uint32_t serial, struct pooldns_soa *soa);

#endif
