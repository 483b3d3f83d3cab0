/*
 * answer.h — one query packet in, one response packet out: the standalone
 * server's whole answer path (parse with wire.c, decide with resolve.c,
 * encode here).
 *
 * Responses: QR and AA set (AA only for names we serve), the opcode
 * echoed, the question echoed in the client's case, A/AAAA with the pool TTL,
 * synthesized SOA/NS, EDNS OPT echoed when the query had one (our payload
 * size, DO copied, BADVERS for version > 0, client subnet echoed with scope
 * prefix 0 or the source prefix for the hash policy), FORMERR/NOTIMP for bad
 * queries, and TC with an empty answer when a UDP response does not fit
 * min(max(requested EDNS size, 512), our payload size) — or 512 without EDNS.
 *
 * Header bits by opcode (whatever bits the query set):
 *   QUERY (0)               answer, FORMERR or BADVERS; RD and CD copied,
 *                           AA for names we serve, TC when truncated
 *   IQUERY (1, obsolete), STATUS (2), NOTIFY (4), UPDATE (5), DSO (6),
 *   unassigned (3, 7..15)   NOTIMP; none of AA, TC, RD, RA, AD, CD, which
 *                           are defined for QUERY only
 * Never set: RA, AD, Z. The opcode is always echoed; the question and the
 * OPT record are echoed when they parse.
 *
 * Thread-safety: call from any thread; pooldns_answer_packet() takes the
 * RCU read lock itself, pooldns_answer_packet_locked() runs inside the
 * caller's. No allocation, no I/O, no locks.
 */
#ifndef POOLDNS_ANSWER_H
#define POOLDNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model/policy.h"
#include "core/dns/resolve.h"
#include "core/model/store.h"

struct pooldns_answer_cfg {
	struct pooldns_zone_cfg zone;
	uint16_t edns_payload; /* our UDP payload size, 512..4096, default 1232 */
};

/* What happened, for counters. */
struct pooldns_answer_info {
	uint16_t qtype; /* the question's type; 0 when it was not parsed */
	uint8_t rcode;  /* 0..15, or 16 for BADVERS */
	bool truncated;
	bool dropped;
	enum pooldns_result_kind kind;
};

/* Answers the query in pkt[0..len). tcp selects the size limit (65535 vs
 * the UDP rules above). client is the source address. Writes the response
 * into out (outcap >= 512; 65535 for TCP) and returns its length, or 0 when
 * the packet is to be dropped. info may be NULL. out may be pkt itself
 * (answering in place): the query is read completely before the first
 * byte of the response is written. Takes the RCU read lock itself. */
size_t pooldns_answer_packet(const struct pooldns_answer_cfg *cfg, struct pooldns_store *store,
			     const uint8_t *pkt, size_t len, bool tcp,
			     const struct pooldns_client *client, uint8_t *out, size_t outcap,
			     struct pooldns_answer_info *info);

/* The same, for a caller already inside an RCU read section (one that
 * read cfg from an RCU-published pointer, as the standalone server does):
 * saves a nested read section per query. */
size_t pooldns_answer_packet_locked(const struct pooldns_answer_cfg *cfg,
				    struct pooldns_store *store, const uint8_t *pkt, size_t len,
				    bool tcp, const struct pooldns_client *client, uint8_t *out,
				    size_t outcap, struct pooldns_answer_info *info);

#endif
