/*
 * worker.h — the standalone server's I/O threads. Each worker owns one
 * epoll loop, its own UDP and TCP listening sockets (one pair per listen
 * address, all bound with SO_REUSEPORT), its answer buffers and its TCP
 * connections; nothing is shared between workers except the read-only
 * server context (server.h).
 *
 * Thread-safety: pooldns_worker_start/join are called by the main thread.
 * Everything inside a started worker belongs to its thread; the main thread
 * only reads its stats (relaxed atomics).
 */
#ifndef POOLDNS_WORKER_H
#define POOLDNS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "query.h"
#include "server.h"
#include "stats.h"

struct pooldns_worker_sock {
	struct pooldns_ev udp;
	struct pooldns_ev tcp;
	int family;
	bool pktinfo; /* wildcard UDP: reply from the query's destination address */
};

struct pooldns_udp; /* udp.c */
struct pooldns_tcp; /* tcp.c */

struct pooldns_worker {
	struct pooldns_server *srv;
	unsigned id;
	struct pooldns_worker_sock socks[POOLDNS_MAX_LISTEN];
	size_t nsocks;
	struct pooldns_stats stats;
	struct pooldns_qcount qcount; /* for the metrics endpoint; same rule as stats */
	/* Private to the worker thread once started. */
	struct pooldns_query_ctx q; /* srv, &stats, id: what the transports answer with */
	int epfd;
	struct pooldns_ev stop_ev;
	struct pooldns_udp *udp;
	struct pooldns_tcp *tcp;
	pthread_t thread;
	bool started;
};

/* Prepares w (socks filled and bound by the caller) and starts its thread.
 * On failure nothing is left running; the caller still owns the sockets.
 * 0 or -1 with a message. */
int pooldns_worker_start(struct pooldns_worker *w, char *err, size_t errsz);

/* Joins a started worker (after the stop eventfd was signalled), closes its
 * sockets and connections and frees its buffers. Safe on a worker that
 * never started (only closes the sockets). */
void pooldns_worker_join(struct pooldns_worker *w);

#endif
