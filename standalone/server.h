/*
 * server.h — what every part of the standalone server shares: the server
 * context (set up by main.c before the workers start) and the header that
 * starts every epoll event source (the worker loop dispatches on it; the
 * UDP sockets, TCP listeners and TCP connections each embed one).
 *
 * Thread-safety: struct pooldns_server is read-only to the workers once
 * they run, except `answer` and `guard`, which the main thread replaces on reload
 * (RCU, core/rcu.h): readers use pooldns_rcu_get() inside
 * pooldns_read_lock(); the main thread publishes with pooldns_rcu_swap()
 * and frees the old copy after pooldns_rcu_synchronize(). An event header
 * belongs to the worker thread whose epoll set holds it.
 */
#ifndef POOLDNS_SERVER_H
#define POOLDNS_SERVER_H

#include "core/dns/rrl.h"
#include "core/rcu.h"

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
	unsigned idx; /* listen address index (of a TCP connection: its listener's) */
};

/* Shared by all workers; set up before they start and read-only to them,
 * except `answer` (see top comment). */
struct pooldns_server {
	struct pooldns_store *store;
	struct pooldns_rcu_ptr answer; /* struct pooldns_answer_cfg */
	struct pooldns_rcu_ptr guard;  /* struct pooldns_guard (guard.h) */
	struct pooldns_rrl *rrl;       /* the rate-limit table (lock-free, rrl.h) */
	long tcp_idle_timeout_ms;
	int tcp_max_connections;
	int stop_fd; /* eventfd: becomes readable (and stays so) on shutdown */
};

#endif
