/*
 * worker.c — one standalone-server I/O thread (see worker.h): an epoll loop
 * over the stop eventfd, this worker's UDP sockets and TCP listeners, and
 * its TCP connections, dispatching each event to its transport (udp.c,
 * tcp.c). The transports answer through the query handler (query.c) and
 * never call back into the worker.
 *
 * Owns: its epoll descriptor, its query context, UDP and TCP state and
 * (after join) its sockets. Thread model: everything here runs on the
 * worker's own thread except start/join (main thread).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "query.h"
#include "tcp.h"
#include "udp.h"
#include "worker.h"

#define EPOLL_EVENTS 64

static void *worker_main(void *arg)
{
	struct pooldns_worker *w = arg;
	struct epoll_event evs[EPOLL_EVENTS];
	bool stop = false;

	pooldns_log(POOLDNS_LOG_DEBUG, "worker %u: started", w->id);
	while (!stop) {
		int timeout = pooldns_tcp_tick(w->tcp, pooldns_now_ms());
		int n = epoll_wait(w->epfd, evs, EPOLL_EVENTS, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pooldns_log(POOLDNS_LOG_ERR, "worker %u: epoll_wait: %s", w->id,
				    strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct pooldns_ev *ev = evs[i].data.ptr;
			switch (ev->kind) {
			case POOLDNS_EV_STOP:
				stop = true;
				break;
			case POOLDNS_EV_UDP: {
				const struct pooldns_worker_sock *s = &w->socks[ev->idx];
				pooldns_udp_readable(w->udp, s->udp.fd, s->pktinfo, ev->idx);
				break;
			}
			case POOLDNS_EV_TCP_LISTEN:
				pooldns_tcp_accept(w->tcp, ev);
				break;
			case POOLDNS_EV_TCP_CONN:
				if (ev->fd >= 0)
					pooldns_tcp_event(w->tcp, ev, evs[i].events);
				break;
			}
		}
		pooldns_tcp_reap(w->tcp);
	}
	pooldns_log(POOLDNS_LOG_DEBUG, "worker %u: stopping", w->id);
	return NULL;
}

static int epoll_add(int epfd, struct pooldns_ev *ev, int fd, char *err, size_t errsz)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
		snprintf(err, errsz, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void worker_release(struct pooldns_worker *w)
{
	pooldns_tcp_free(w->tcp);
	w->tcp = NULL;
	pooldns_udp_free(w->udp);
	w->udp = NULL;
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
}

int pooldns_worker_start(struct pooldns_worker *w, char *err, size_t errsz)
{
	int rc;

	w->started = false;
	w->q = (struct pooldns_query_ctx){
		.srv = w->srv, .stats = &w->stats, .qcount = &w->qcount, .id = w->id
	};
	w->udp = NULL;
	w->tcp = NULL;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		snprintf(err, errsz, "worker %u: epoll_create1: %s", w->id, strerror(errno));
		return -1;
	}
	w->udp = pooldns_udp_new(&w->q, err, errsz);
	if (w->udp == NULL)
		goto fail;
	w->tcp = pooldns_tcp_new(&w->q, w->epfd, err, errsz);
	if (w->tcp == NULL)
		goto fail;
	w->stop_ev.kind = POOLDNS_EV_STOP;
	w->stop_ev.fd = w->srv->stop_fd;
	if (epoll_add(w->epfd, &w->stop_ev, w->srv->stop_fd, err, errsz) != 0)
		goto fail;
	for (size_t i = 0; i < w->nsocks; i++) {
		struct pooldns_worker_sock *s = &w->socks[i];
		s->udp.kind = POOLDNS_EV_UDP;
		s->udp.idx = (unsigned)i;
		s->tcp.kind = POOLDNS_EV_TCP_LISTEN;
		s->tcp.idx = (unsigned)i;
		if (epoll_add(w->epfd, &s->udp, s->udp.fd, err, errsz) != 0 ||
		    epoll_add(w->epfd, &s->tcp, s->tcp.fd, err, errsz) != 0)
			goto fail;
		pooldns_tcp_add_listener(w->tcp, &s->tcp);
	}
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0) {
		snprintf(err, errsz, "worker %u: pthread_create: %s", w->id, strerror(rc));
		goto fail;
	}
	w->started = true;
	return 0;
fail:
	worker_release(w);
	return -1;
}

void pooldns_worker_join(struct pooldns_worker *w)
{
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
		worker_release(w);
	}
	for (size_t i = 0; i < w->nsocks; i++) {
		if (w->socks[i].udp.fd >= 0)
			close(w->socks[i].udp.fd);
		if (w->socks[i].tcp.fd >= 0)
			close(w->socks[i].tcp.fd);
		w->socks[i].udp.fd = w->socks[i].tcp.fd = -1;
	}
}
