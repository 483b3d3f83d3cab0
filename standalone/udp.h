/*
 * udp.h — DNS over UDP for one worker: each readable socket is drained in
 * batches (recvmmsg/sendmmsg), every datagram answered through the query
 * handler (query.h). A sibling of tcp.h; neither knows the worker loop,
 * which owns the sockets and calls in when one is readable.
 *
 * Thread-safety: a struct pooldns_udp belongs to one worker thread.
 */
#ifndef POOLDNS_UDP_H
#define POOLDNS_UDP_H

#include <stdbool.h>
#include <stddef.h>

#include "query.h"

struct pooldns_udp;

/* The UDP state of one worker, answering through q (borrowed; must
 * outlive it). NULL with a message. */
struct pooldns_udp *pooldns_udp_new(const struct pooldns_query_ctx *q, char *err, size_t errsz);
/* Frees u. NULL is accepted. */
void pooldns_udp_free(struct pooldns_udp *u);

/* Socket fd is readable: answers what is queued, at most a few batches
 * before returning so that other sockets get their turn. pktinfo: the
 * socket is bound to a wildcard address and replies must leave from the
 * address each query was sent to. */
void pooldns_udp_readable(struct pooldns_udp *u, int fd, bool pktinfo, unsigned listener);

#endif
