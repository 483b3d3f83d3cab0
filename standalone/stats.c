/*
 * stats.c — sums and logs the standalone server's per-worker counters
 * (stats.h).
 *
 * Owns nothing. Thread model: called by the main thread; reads counters
 * that worker threads write (relaxed atomics, see stats.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/log.h"
#include "stats.h"

static const char *const stat_names[POOLDNS_STAT_COUNT] = {
	[POOLDNS_STAT_UDP_QUERIES] = "udp",
	[POOLDNS_STAT_TCP_QUERIES] = "tcp",
	[POOLDNS_STAT_NOERROR] = "noerror",
	[POOLDNS_STAT_FORMERR] = "formerr",
	[POOLDNS_STAT_SERVFAIL] = "servfail",
	[POOLDNS_STAT_NXDOMAIN] = "nxdomain",
	[POOLDNS_STAT_NOTIMP] = "notimp",
	[POOLDNS_STAT_REFUSED] = "refused",
	[POOLDNS_STAT_BADVERS] = "badvers",
	[POOLDNS_STAT_OTHER_RCODE] = "other-rcode",
	[POOLDNS_STAT_NODATA] = "nodata",
	[POOLDNS_STAT_TRUNCATED] = "truncated",
	[POOLDNS_STAT_DROPPED] = "dropped",
	[POOLDNS_STAT_UDP_SEND_ERRORS] = "udp-send-errors",
	[POOLDNS_STAT_TCP_ACCEPTED] = "tcp-accepted",
	[POOLDNS_STAT_TCP_IDLE_CLOSED] = "tcp-idle-closed",
	[POOLDNS_STAT_TCP_EVICTED] = "tcp-evicted",
	[POOLDNS_STAT_TCP_REJECTED] = "tcp-rejected",
	[POOLDNS_STAT_TCP_ERRORS] = "tcp-errors",
	[POOLDNS_STAT_ACL_DENIED] = "acl-denied",
	[POOLDNS_STAT_COOKIE_CLIENT_ONLY] = "cookie-client-only",
	[POOLDNS_STAT_COOKIE_VALID] = "cookie-valid",
	[POOLDNS_STAT_COOKIE_INVALID] = "cookie-invalid",
	[POOLDNS_STAT_COOKIE_MALFORMED] = "cookie-malformed",
	[POOLDNS_STAT_RRL_DROPPED] = "rrl-dropped",
	[POOLDNS_STAT_RRL_SLIPPED] = "rrl-slipped",
};

void pooldns_stats_sum(struct pooldns_stats *sum, const struct pooldns_stats *src)
{
	for (int i = 0; i < POOLDNS_STAT_COUNT; i++) {
		uint64_t a = atomic_load_explicit(&sum->v[i], memory_order_relaxed);
		uint64_t b = atomic_load_explicit(&src->v[i], memory_order_relaxed);
		atomic_store_explicit(&sum->v[i], a + b, memory_order_relaxed);
	}
}

void pooldns_stats_log(const struct pooldns_stats *s, const char *prefix)
{
	char line[1024];
	size_t len = 0;

	for (int i = 0; i < POOLDNS_STAT_COUNT && len < sizeof(line); i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s=%" PRIu64, i ? " " : "",
				 stat_names[i],
				 atomic_load_explicit(&s->v[i], memory_order_relaxed));
		if (n < 0)
			break;
		len += (size_t)n;
	}
	pooldns_log(POOLDNS_LOG_NOTICE, "%s%s", prefix, line);
}
