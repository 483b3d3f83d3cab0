/*
 * eval.h — evaluates one `expect` line against the responses of the query
 * step it follows (all repeats). Per-response checks (rcode, flags, count,
 * ttl, record sets, types, soa, question, edns) must hold for every
 * response that arrived; aggregate checks (seen, same, count-of, first-of)
 * look at all of them together.
 *
 * Thread model: pure functions over caller-owned data.
 */
#ifndef POOLDNS_HARNESS_EVAL_H
#define POOLDNS_HARNESS_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "probe.h"

#define POOLDNS_EVAL_NO_INDEX ((size_t)-1)

struct pooldns_eval_ctx {
	const uint8_t *sent; /* wire of the (first) query sent, for `expect question` */
	size_t sent_len;
	bool have_version; /* a sync ran: `version` is usable in soa checks */
	int64_t version;
};

/* Checks e against resp[0..n) (only entries with status OK are looked at).
 * 0 if it holds; -1 with a one-line message in msg and, in *bad, the index
 * of the response to show (POOLDNS_EVAL_NO_INDEX when no single response
 * is to blame). */
int pooldns_eval_expect(const struct pooldns_expect *e, const struct pooldns_probe_resp *resp,
			size_t n, const struct pooldns_eval_ctx *ctx, char *msg, size_t msgsz,
			size_t *bad);

/* Compact one-line text of a section, e.g. "A 192.0.2.1, AAAA 2001:db8::1". */
void pooldns_eval_section_text(const struct pooldns_probe_resp *r, enum pooldns_section sec,
			       char *buf, size_t bufsz);

/* Does got match the expectation record want (owner case-insensitive,
 * class, type, rdata; TTL only when ttl_given)? */
bool pooldns_eval_rr_match(const struct pooldns_case_rr *want, const ldns_rr *got);

#endif
