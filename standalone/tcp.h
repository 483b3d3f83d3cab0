/*
 * tcp.h — DNS over TCP for one worker (RFC 7766): 2-byte length framing,
 * any number of queries per connection, pipelined queries answered in
 * order (the answers to one read written together, TCP_NODELAY set),
 * partial reads and writes buffered per connection, an idle timeout and a
 * per-worker connection cap.
 *
 * When the cap (tcp-max-connections) is reached, a new connection is
 * accepted and the worker's LEAST RECENTLY ACTIVE connection is closed to
 * make room (RFC 7766 section 6.2.3 lets servers close idle connections
 * under pressure; refusing the new client instead would let a few idle
 * clients lock everybody else out). Running out of descriptors (EMFILE,
 * ENFILE) sheds the pending connection through a reserved descriptor and
 * pauses that listener for 100 ms, so the loop never spins.
 *
 * A sibling of udp.h over the same query handler (query.h); it adds and
 * removes its connections in the worker's epoll set but never calls the
 * worker.
 *
 * Thread-safety: a struct pooldns_tcp belongs to one worker thread.
 */
#ifndef POOLDNS_TCP_H
#define POOLDNS_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "server.h"

struct pooldns_tcp;

/* Creates the TCP state of one worker, answering through q (borrowed;
 * must outlive it) and keeping its connections in the epoll set epfd.
 * NULL with a message. */
struct pooldns_tcp *pooldns_tcp_new(const struct pooldns_query_ctx *q, int epfd, char *err,
				    size_t errsz);
/* Makes listener ev (already in epfd; ev->idx < POOLDNS_MAX_LISTEN) known,
 * so that it can be paused when descriptors run out. */
void pooldns_tcp_add_listener(struct pooldns_tcp *t, struct pooldns_ev *ev);
/* Closes every connection and frees t. NULL is accepted. */
void pooldns_tcp_free(struct pooldns_tcp *t);

/* A listener (added above) is readable: accept what is pending. */
void pooldns_tcp_accept(struct pooldns_tcp *t, struct pooldns_ev *ev);
/* A connection event (ev is the connection's header). */
void pooldns_tcp_event(struct pooldns_tcp *t, struct pooldns_ev *ev, uint32_t events);
/* Frees connections closed during the last batch of epoll events (they may
 * still have appeared in that batch). Call after each batch. */
void pooldns_tcp_reap(struct pooldns_tcp *t);
/* Closes idle connections, resumes paused listeners; returns the epoll
 * timeout in ms until the next deadline, or -1 for none. */
int pooldns_tcp_tick(struct pooldns_tcp *t, uint64_t now_ms);

#endif
