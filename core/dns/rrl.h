/*
 * rrl.h — response rate limiting for UDP, in the manner of Knot DNS and
 * NSD: responses per second per client network (/24 for IPv4, /56 for
 * IPv6 by default), per kind of response and, for answers, per name;
 * responses over the rate are dropped except every slip-th, which is sent
 * truncated so that a real client behind a spoofed flood retries over TCP.
 * TCP is never limited; whitelisted networks and clients with a valid DNS
 * server cookie are exempt (the caller decides that). See rrl.c.
 *
 * Thread-safety: pooldns_rrl_check may be called from any number of
 * threads at once on one table (lock-free: one atomic word per bucket).
 * The table is made before the workers start and freed after they stop.
 */
#ifndef POOLDNS_RRL_H
#define POOLDNS_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/client.h"

/* What a response is, for its bucket. Errors and NXDOMAIN are counted per
 * network alone (a flood of random names hits one bucket); answers and
 * NODATA per network and name. */
enum pooldns_rrl_kind {
	POOLDNS_RRL_ANSWER = 0,
	POOLDNS_RRL_NODATA,
	POOLDNS_RRL_NXDOMAIN,
	POOLDNS_RRL_ERROR, /* REFUSED, FORMERR, NOTIMP, SERVFAIL, BADVERS */
};

enum pooldns_rrl_verdict {
	POOLDNS_RRL_PASS = 0,
	POOLDNS_RRL_DROP,
	POOLDNS_RRL_SLIP, /* send a truncated response instead */
};

struct pooldns_rrl_params {
	uint32_t rate;  /* responses per second per bucket; 1 .. 2^24 - 1 */
	uint32_t slip;  /* 0: drop every limited response; N: every Nth is truncated */
	uint8_t v4_bits; /* client network prefix lengths */
	uint8_t v6_bits;
};

struct pooldns_rrl;

/* A table of `buckets` buckets (rounded up to a power of two, at least
 * 1024), 8 bytes each, with a random hash key. NULL on error. */
struct pooldns_rrl *pooldns_rrl_new(size_t buckets);
void pooldns_rrl_free(struct pooldns_rrl *r);

/* Counts one response of kind for client src (name: the lower-cased wire
 * qname, looked at for ANSWER and NODATA only) at time now_s (seconds of a
 * monotonic clock) and says what to do with it. *slip_counter is the
 * calling thread's own count of limited responses. */
enum pooldns_rrl_verdict pooldns_rrl_check(struct pooldns_rrl *r,
					   const struct pooldns_rrl_params *p,
					   const struct pooldns_client *src,
					   enum pooldns_rrl_kind kind, const uint8_t *name,
					   size_t name_len, uint32_t now_s, unsigned *slip_counter);

#endif
