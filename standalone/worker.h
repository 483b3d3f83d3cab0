/*
 * worker.h — the standalone server's I/O threads. Each worker owns one
 * epoll loop, its own UDP and TCP listening sockets (one pair per listen
 * address, all bound with SO_REUSEPORT), its answer buffers and its TCP
 * connections; nothing is shared between workers except the read-only
 * server context below.
 *
 * Thread-safety: pooldns_worker_start/join are called by the main thread.
 * Everything inside a started worker belongs to its thread; the main thread
 * only reads its stats (relaxed atomics). The answer configuration is an
 * RCU-protected pointer (core/rcu.h): workers read it inside
 * pooldns_read_lock(); the main thread replaces it with pooldns_rcu_swap()
 * and frees the old copy after pooldns_rcu_synchronize().
 */
#ifndef POOLDNS_WORKER_H
#define POOLDNS_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "core/rcu.h"
#include "stats.h"

/* What an epoll event's data.ptr points at: every event source starts with
 * this header. */
enum pooldns_ev_kind {
	POOLDNS_EV_STOP = 0,
	POOLDNS_EV_UDP,
	POOLDNS_EV_TCP_LISTEN,
	POOLDNS_EV_TCP_CONN,
};

struct pooldns_ev {
	enum pooldns_ev_kind kind;
	int fd;       /* -1 once closed */
	unsigned idx; /* listen address index for UDP and TCP listeners */
};

/* Shared by all workers; set up before they start and read-only to them,
 * except `answer`, which is RCU-published (see top comment). */
struct pooldns_server {
	struct pooldns_store *store;
	struct pooldns_rcu_ptr answer; /* struct pooldns_answer_cfg */
	long tcp_idle_timeout_ms;
	int tcp_max_connections;
	int stop_fd; /* eventfd: becomes readable (and stays so) on shutdown */
};

struct pooldns_worker_sock {
	struct pooldns_ev udp;
	struct pooldns_ev tcp;
	int family;
	bool pktinfo; /* wildcard UDP: reply from the query's destination address */
};

struct pooldns_udp_bufs; /* worker.c */
struct pooldns_tcp;      /* tcp.c */

struct pooldns_worker {
	struct pooldns_server *srv;
	unsigned id;
	struct pooldns_worker_sock socks[POOLDNS_MAX_LISTEN];
	size_t nsocks;
	struct pooldns_stats stats;
	/* Private to the worker thread once started. */
	int epfd;
	struct pooldns_ev stop_ev;
	struct pooldns_udp_bufs *udp;
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

/* Answers one query with the current answer configuration and counts it.
 * Returns the response length (0: drop). Worker thread only. */
size_t pooldns_worker_answer(struct pooldns_worker *w, const uint8_t *pkt, size_t len, bool tcp,
			     const struct pooldns_client *client, uint8_t *out, size_t outcap);

#endif
