/*
 * worker.c — one standalone-server I/O thread (see worker.h): an epoll loop
 * over the stop eventfd, this worker's UDP sockets and TCP listeners, and
 * its TCP connections (tcp.c).
 *
 * UDP: batches of up to UDP_BATCH datagrams with recvmmsg(), answered into
 * per-worker buffers and sent back with one sendmmsg(); nothing is
 * allocated per query. Wildcard sockets reply from the address the query
 * was sent to (IP_PKTINFO / IPV6_PKTINFO). A full send buffer drops the
 * reply (counted), as any UDP server must.
 *
 * Owns: its epoll descriptor, UDP buffers, TCP state and (after join) its
 * sockets. Thread model: everything here runs on the worker's own thread
 * except start/join (main thread).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "query.h"
#include "tcp.h"
#include "worker.h"

#define UDP_BATCH 32
/* Largest UDP query we accept and largest UDP response we send (our EDNS
 * payload is at most 4096). Longer datagrams are dropped. */
#define UDP_BUF 4096
/* UDP batches per wakeup before other sockets get their turn. */
#define UDP_ROUNDS   4
#define CTL_BUF      64
#define EPOLL_EVENTS 64

_Static_assert(CMSG_SPACE(sizeof(struct in6_pktinfo)) <= CTL_BUF, "control buffer too small");
_Static_assert(CMSG_SPACE(sizeof(struct in_pktinfo)) <= CTL_BUF, "control buffer too small");

union ctl_buf {
	struct cmsghdr align;
	char buf[CTL_BUF];
};

struct pooldns_udp_bufs {
	struct mmsghdr rmsg[UDP_BATCH];
	struct mmsghdr smsg[UDP_BATCH];
	struct iovec riov[UDP_BATCH];
	struct iovec siov[UDP_BATCH];
	struct sockaddr_storage addr[UDP_BATCH];
	union ctl_buf rctl[UDP_BATCH];
	union ctl_buf sctl[UDP_BATCH];
	uint8_t in[UDP_BATCH][UDP_BUF];
	uint8_t out[UDP_BATCH][UDP_BUF];
};

/* Copies the destination address of a received datagram into the control
 * data of its reply, so the reply leaves from that address. Returns the
 * control length (0 when none was received). */
static size_t reply_pktinfo(const struct msghdr *rh, union ctl_buf *out)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(rh); c != NULL; c = CMSG_NXTHDR((struct msghdr *)rh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo in, reply;
			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(&reply, 0, sizeof(reply));
			reply.ipi_spec_dst = in.ipi_addr;
			memset(out, 0, sizeof(*out));
			out->align.cmsg_level = IPPROTO_IP;
			out->align.cmsg_type = IP_PKTINFO;
			out->align.cmsg_len = CMSG_LEN(sizeof(reply));
			memcpy(CMSG_DATA(&out->align), &reply, sizeof(reply));
			return CMSG_SPACE(sizeof(reply));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo in6;
			memcpy(&in6, CMSG_DATA(c), sizeof(in6));
			memset(out, 0, sizeof(*out));
			out->align.cmsg_level = IPPROTO_IPV6;
			out->align.cmsg_type = IPV6_PKTINFO;
			out->align.cmsg_len = CMSG_LEN(sizeof(in6));
			memcpy(CMSG_DATA(&out->align), &in6, sizeof(in6));
			return CMSG_SPACE(sizeof(in6));
		}
	}
	return 0;
}

static void udp_send(struct pooldns_worker *w, int fd, unsigned n)
{
	struct pooldns_udp_bufs *u = w->udp;
	unsigned off = 0;

	while (off < n) {
		int r = sendmmsg(fd, u->smsg + off, n - off, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* The first message failed (full buffer, unreachable
			 * client...): drop it and go on with the rest. */
			pooldns_stat_add(&w->stats, POOLDNS_STAT_UDP_SEND_ERRORS, 1);
			off++;
			continue;
		}
		off += (unsigned)r;
	}
}

static void udp_readable(struct pooldns_worker *w, const struct pooldns_worker_sock *s)
{
	struct pooldns_udp_bufs *u = w->udp;
	int fd = s->udp.fd;

	for (int round = 0; round < UDP_ROUNDS; round++) {
		unsigned ns = 0;
		int n;

		for (unsigned i = 0; i < UDP_BATCH; i++) {
			struct msghdr *h = &u->rmsg[i].msg_hdr;
			u->riov[i].iov_base = u->in[i];
			u->riov[i].iov_len = UDP_BUF;
			memset(h, 0, sizeof(*h));
			h->msg_name = &u->addr[i];
			h->msg_namelen = sizeof(u->addr[i]);
			h->msg_iov = &u->riov[i];
			h->msg_iovlen = 1;
			if (s->pktinfo) {
				h->msg_control = u->rctl[i].buf;
				h->msg_controllen = CTL_BUF;
			}
		}
		n = recvmmsg(fd, u->rmsg, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pooldns_log(POOLDNS_LOG_DEBUG, "worker %u: recvmmsg: %s", w->id,
					    strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			const struct msghdr *rh = &u->rmsg[i].msg_hdr;
			struct msghdr *sh = &u->smsg[ns].msg_hdr;
			struct pooldns_client client;
			size_t len;

			if (rh->msg_flags & MSG_TRUNC) {
				/* Longer than any query we could answer. */
				pooldns_stat_add(&w->stats, POOLDNS_STAT_UDP_QUERIES, 1);
				pooldns_stat_add(&w->stats, POOLDNS_STAT_DROPPED, 1);
				continue;
			}
			pooldns_query_client(&u->addr[i], &client);
			len = pooldns_query_answer(&w->q, u->in[i], u->rmsg[i].msg_len, false,
						   &client, u->out[ns], UDP_BUF);
			if (len == 0)
				continue;
			memset(sh, 0, sizeof(*sh));
			u->siov[ns].iov_base = u->out[ns];
			u->siov[ns].iov_len = len;
			sh->msg_name = &u->addr[i];
			sh->msg_namelen = rh->msg_namelen;
			sh->msg_iov = &u->siov[ns];
			sh->msg_iovlen = 1;
			if (s->pktinfo) {
				size_t cl = reply_pktinfo(rh, &u->sctl[ns]);
				if (cl > 0) {
					sh->msg_control = u->sctl[ns].buf;
					sh->msg_controllen = cl;
				}
			}
			ns++;
		}
		if (ns > 0)
			udp_send(w, fd, ns);
		if (n < UDP_BATCH)
			return;
	}
}

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
			case POOLDNS_EV_UDP:
				udp_readable(w, &w->socks[ev->idx]);
				break;
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
	free(w->udp);
	w->udp = NULL;
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
}

int pooldns_worker_start(struct pooldns_worker *w, char *err, size_t errsz)
{
	int rc;

	w->started = false;
	w->q = (struct pooldns_query_ctx){ .srv = w->srv, .stats = &w->stats, .id = w->id };
	w->udp = NULL;
	w->tcp = NULL;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		snprintf(err, errsz, "worker %u: epoll_create1: %s", w->id, strerror(errno));
		return -1;
	}
	w->udp = calloc(1, sizeof(*w->udp));
	if (w->udp == NULL) {
		snprintf(err, errsz, "worker %u: out of memory", w->id);
		goto fail;
	}
	w->tcp = pooldns_tcp_new(w, err, errsz);
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
