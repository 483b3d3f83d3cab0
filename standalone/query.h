/*
 * query.h — the standalone server's query handler: one DNS message in, the
 * response written into the caller's buffer, the worker's counters bumped.
 * UDP (udp.c) and TCP (tcp.c) are siblings over this one function; it knows
 * nothing of sockets, framing or the worker loop.
 *
 * The answer path: no allocation, no lock, no I/O. It reads the current
 * answer settings and snapshot inside one RCU read section.
 *
 * Thread-safety: a struct pooldns_query_ctx belongs to one worker thread
 * (its counters have a single writer); the server context it points at is
 * shared read-only (server.h).
 */
#ifndef POOLDNS_QUERY_H
#define POOLDNS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/dns/client.h"
#include "core/ops/qcount.h"
#include "server.h"
#include "stats.h"

/* One worker's answering context, handed to both transports. Borrowed:
 * the worker owns it and outlives them. */
struct pooldns_query_ctx {
	const struct pooldns_server *srv;
	struct pooldns_stats *stats; /* the worker's counters */
	struct pooldns_qcount *qcount; /* the worker's metrics counters (core/ops/qcount.h) */
	unsigned id;                 /* the worker's number, for log lines */
};

/* Answers one query (pkt[0..len), received over TCP if tcp, on listen
 * address number listener) from client with the current answer and guard
 * settings (guard.h: access list, cookies, rate limit) into
 * out[0..outcap), and counts it. Returns the response length; 0 means
 * drop (no response). out may be pkt (the response replaces the query;
 * see answer.h). */
size_t pooldns_query_answer(const struct pooldns_query_ctx *q, const uint8_t *pkt, size_t len,
			    bool tcp, const struct pooldns_client *client, unsigned listener,
			    uint8_t *out, size_t outcap);

/* The client behind a socket address (family 0 for anything but IPv4 and
 * IPv6), as the hash policy keys it. */
void pooldns_query_client(const struct sockaddr_storage *ss, struct pooldns_client *c);

#endif
