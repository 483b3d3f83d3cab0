/*
 * udp.c — DNS over UDP for one worker thread (see udp.h): batches of up to
 * UDP_BATCH datagrams with recvmmsg(), answered by the query handler
 * (query.c) and sent back with one sendmmsg(); the socket is read again
 * at once while batches come back full, so a busy socket costs one
 * epoll_wait() per UDP_ROUNDS batches. Nothing is allocated per query.
 *
 * Each slot of the batch has one buffer: the query arrives in it and the
 * response is written over it (the answer path reads the query completely
 * before it writes, answer.h), which halves the buffers a worker touches.
 * The message headers are set up once; a round only resets the lengths
 * the kernel changed in the headers of the last receive. Wildcard sockets
 * reply from the address the query was sent to (IP_PKTINFO /
 * IPV6_PKTINFO); sockets bound to one address skip the control data
 * altogether. A full send buffer drops the reply (counted), as any UDP
 * server must.
 *
 * Owns: the batch buffers (the sockets belong to the worker). Thread
 * model: one worker thread.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "udp.h"

#define UDP_BATCH 32
/* Largest UDP query we accept and largest UDP response we send (our EDNS
 * payload is at most 4096). Longer datagrams are dropped. */
#define UDP_BUF 4096
/* Full batches read in a row before the worker's other sockets get their
 * turn (512 datagrams: about 2 ms of a busy thread). */
#define UDP_ROUNDS 16
#define CTL_BUF    64

_Static_assert(CMSG_SPACE(sizeof(struct in6_pktinfo)) <= CTL_BUF, "control buffer too small");
_Static_assert(CMSG_SPACE(sizeof(struct in_pktinfo)) <= CTL_BUF, "control buffer too small");

union ctl_buf {
	struct cmsghdr align;
	char buf[CTL_BUF];
};

struct pooldns_udp {
	const struct pooldns_query_ctx *q;
	struct mmsghdr rmsg[UDP_BATCH];
	struct mmsghdr smsg[UDP_BATCH];
	struct iovec riov[UDP_BATCH];
	struct iovec siov[UDP_BATCH];
	struct sockaddr_storage addr[UDP_BATCH];
	union ctl_buf rctl[UDP_BATCH];
	union ctl_buf sctl[UDP_BATCH];
	/* Receive headers the kernel may have written since they were last
	 * reset (their name and control lengths), counted from slot 0, and
	 * whether their control pointers are set for pktinfo. */
	unsigned dirty;
	bool ctl;
	uint8_t buf[UDP_BATCH][UDP_BUF]; /* the query, then its response */
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

static void udp_send(struct pooldns_udp *u, int fd, unsigned n)
{
	unsigned off = 0;

	while (off < n) {
		int r = sendmmsg(fd, u->smsg + off, n - off, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* The first message failed (full buffer, unreachable
			 * client...): drop it and go on with the rest. */
			pooldns_stat_add(u->q->stats, POOLDNS_STAT_UDP_SEND_ERRORS, 1);
			off++;
			continue;
		}
		off += (unsigned)r;
	}
}

void pooldns_udp_readable(struct pooldns_udp *u, int fd, bool pktinfo, unsigned listener)
{
	for (int round = 0; round < UDP_ROUNDS; round++) {
		unsigned ns = 0;
		int n;

		if (pktinfo != u->ctl) {
			for (unsigned i = 0; i < UDP_BATCH; i++)
				u->rmsg[i].msg_hdr.msg_control = pktinfo ? u->rctl[i].buf : NULL;
			u->ctl = pktinfo;
			u->dirty = UDP_BATCH;
		}
		/* Only the headers of the last receive changed (one query per
		 * wakeup resets one header, not the whole batch). */
		for (unsigned i = 0; i < u->dirty; i++) {
			struct msghdr *h = &u->rmsg[i].msg_hdr;
			h->msg_namelen = sizeof(u->addr[i]);
			h->msg_controllen = pktinfo ? CTL_BUF : 0;
		}
		n = recvmmsg(fd, u->rmsg, UDP_BATCH, MSG_DONTWAIT, NULL);
		/* The kernel writes back the headers of the datagrams it
		 * returns; one more is counted in case a failed one was
		 * touched. */
		u->dirty = n < 0 ? 1 : ((unsigned)n < UDP_BATCH ? (unsigned)n + 1 : UDP_BATCH);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pooldns_log(POOLDNS_LOG_DEBUG, "worker %u: recvmmsg: %s", u->q->id,
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
				pooldns_stat_add(u->q->stats, POOLDNS_STAT_UDP_QUERIES, 1);
				pooldns_stat_add(u->q->stats, POOLDNS_STAT_DROPPED, 1);
				continue;
			}
			pooldns_query_client(&u->addr[i], &client);
			len = pooldns_query_answer(u->q, u->buf[i], u->rmsg[i].msg_len, false,
						   &client, listener, u->buf[i], UDP_BUF);
			if (len == 0)
				continue;
			u->siov[ns].iov_base = u->buf[i];
			u->siov[ns].iov_len = len;
			sh->msg_name = &u->addr[i];
			sh->msg_namelen = rh->msg_namelen;
			sh->msg_control = NULL;
			sh->msg_controllen = 0;
			if (pktinfo) {
				size_t cl = reply_pktinfo(rh, &u->sctl[ns]);
				if (cl > 0) {
					sh->msg_control = u->sctl[ns].buf;
					sh->msg_controllen = cl;
				}
			}
			ns++;
		}
		if (ns > 0)
			udp_send(u, fd, ns);
		if (n < UDP_BATCH)
			return; /* the socket had no more queued */
	}
}

struct pooldns_udp *pooldns_udp_new(const struct pooldns_query_ctx *q, char *err, size_t errsz)
{
	struct pooldns_udp *u = calloc(1, sizeof(*u));

	if (u == NULL) {
		snprintf(err, errsz, "worker %u: out of memory", q->id);
		return NULL;
	}
	u->q = q;
	u->dirty = UDP_BATCH;
	u->ctl = false; /* every msg_control NULL, as calloc left it */
	/* What stays the same from one batch to the next. */
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		struct msghdr *rh = &u->rmsg[i].msg_hdr;
		u->riov[i].iov_base = u->buf[i];
		u->riov[i].iov_len = UDP_BUF;
		rh->msg_name = &u->addr[i];
		rh->msg_iov = &u->riov[i];
		rh->msg_iovlen = 1;
		u->smsg[i].msg_hdr.msg_iov = &u->siov[i];
		u->smsg[i].msg_hdr.msg_iovlen = 1;
	}
	return u;
}

void pooldns_udp_free(struct pooldns_udp *u)
{
	free(u);
}
