/*
 * query.c — the standalone server's query handler (see query.h): the one
 * function both transports call to turn a received message into a
 * response, and the per-rcode counters it keeps.
 *
 * The answer settings are an RCU-published pointer (server.h) and the
 * snapshot is read through the store; both are used inside one read
 * section, so a reload or a new snapshot never waits for a query and a
 * query never sees a half-replaced configuration.
 *
 * Owns nothing. Thread model: called on worker threads, each with its own
 * struct pooldns_query_ctx.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "core/dns/answer.h"
#include "core/rcu.h"
#include "guard.h"
#include "query.h"

static void count_answer(struct pooldns_stats *s, const struct pooldns_answer_info *info,
			 size_t len)
{
	if (info->dropped || len == 0) {
		pooldns_stat_add(s, POOLDNS_STAT_DROPPED, 1);
		return;
	}
	switch (info->rcode) {
	case 0:
		pooldns_stat_add(s, POOLDNS_STAT_NOERROR, 1);
		if (info->kind == POOLDNS_RESULT_NODATA)
			pooldns_stat_add(s, POOLDNS_STAT_NODATA, 1);
		break;
	case 1:
		pooldns_stat_add(s, POOLDNS_STAT_FORMERR, 1);
		break;
	case 2:
		pooldns_stat_add(s, POOLDNS_STAT_SERVFAIL, 1);
		break;
	case 3:
		pooldns_stat_add(s, POOLDNS_STAT_NXDOMAIN, 1);
		break;
	case 4:
		pooldns_stat_add(s, POOLDNS_STAT_NOTIMP, 1);
		break;
	case 5:
		pooldns_stat_add(s, POOLDNS_STAT_REFUSED, 1);
		break;
	case 16:
		pooldns_stat_add(s, POOLDNS_STAT_BADVERS, 1);
		break;
	default:
		pooldns_stat_add(s, POOLDNS_STAT_OTHER_RCODE, 1);
		break;
	}
	if (info->truncated)
		pooldns_stat_add(s, POOLDNS_STAT_TRUNCATED, 1);
}

size_t pooldns_query_answer(const struct pooldns_query_ctx *q, const uint8_t *pkt, size_t len,
			    bool tcp, const struct pooldns_client *client, unsigned listener,
			    uint8_t *out, size_t outcap)
{
	struct pooldns_answer_info info;
	struct pooldns_guard_query gq;
	const struct pooldns_answer_cfg *cfg;
	const struct pooldns_guard *guard;
	size_t n = 0;

	memset(&info, 0, sizeof(info));
	pooldns_stat_add(q->stats, tcp ? POOLDNS_STAT_TCP_QUERIES : POOLDNS_STAT_UDP_QUERIES, 1);
	/* The settings are published by the main thread on SIGHUP; the
	 * copies we use stay valid until pooldns_read_unlock(). */
	pooldns_read_lock();
	cfg = pooldns_rcu_get(&q->srv->answer);
	guard = pooldns_rcu_get(&q->srv->guard);
	switch (pooldns_guard_before(guard, pkt, len, client, listener, &gq, q->stats)) {
	case POOLDNS_GUARD_ANSWER:
		n = pooldns_answer_packet_locked(cfg, q->srv->store, pkt, len, tcp, client, out,
						 outcap, &info);
		n = pooldns_guard_after(guard, q->srv->rrl, &gq, cfg, &info, tcp, client, out, n,
					outcap, q->stats);
		break;
	case POOLDNS_GUARD_REFUSE:
		n = pooldns_answer_packet_locked(cfg, q->srv->store, pkt, len, tcp, client, out,
						 outcap, &info);
		n = n > 0 ? pooldns_guard_refused(out, n) : 0;
		info.rcode = 5;
		info.truncated = false;
		break;
	case POOLDNS_GUARD_DROP:
		break;
	}
	pooldns_read_unlock();
	if (n > 0 && (out[3] & 0x0f) != (info.rcode & 0x0f) && info.rcode < 16)
		info.rcode = out[3] & 0x0f; /* FORMERR for a bad cookie */
	if (n > 0 && (out[2] & 0x02))
		info.truncated = true; /* a slipped response */
	count_answer(q->stats, &info, n);
	/* The metrics endpoint's counters (by transport, qtype and rcode). */
	pooldns_qcount_add(q->qcount, tcp ? POOLDNS_QC_TCP : POOLDNS_QC_UDP, info.qtype,
			   info.dropped || n == 0 ? POOLDNS_QC_DROPPED
						  : pooldns_qc_rcode(info.rcode));
	return n;
}

void pooldns_query_client(const struct sockaddr_storage *ss, struct pooldns_client *c)
{
	memset(c, 0, sizeof(*c));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		c->family = AF_INET;
		memcpy(c->addr, &sin->sin_addr, 4);
		c->prefix = 32;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		c->family = AF_INET6;
		memcpy(c->addr, &sin6->sin6_addr, 16);
		c->prefix = 128;
	}
}
