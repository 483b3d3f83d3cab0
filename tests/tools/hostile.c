/*
 * hostile.c — hostile traffic against a DNS server for a bounded time, for
 * tests/integration/hostile-traffic.sh:
 *
 *   hostile -p PORT [-s ADDR] [-d MS] [-c CONNS] [-R RECONNECTS_PER_S] [-u]
 *
 *   -u  UDP at full rate: random bytes (1..600 of them), and queries for
 *       NAME (-n, default google.com) with random bits, bytes or lengths
 *       changed, and now and then one left intact; replies are read and
 *       thrown away
 *   -c  hold this many TCP connections open (default 0). Most stay idle;
 *       one in ten sends an oversized length prefix (0xffff) and some
 *       bytes, one in twenty a 16384-byte prefix and a partial frame, one
 *       in twenty a zero-length prefix. A connection the server closes is
 *       opened again, at most -R times a second (default 500).
 *   -d  how long (default 10000 ms)
 *
 * RLIMIT_NOFILE is raised to the hard limit; the tool fails (exit 2) when
 * that is too low for -c. At the end it prints one line:
 * "udp-sent N tcp-opened N tcp-closed-by-server N tcp-open-at-end N
 * tcp-open-max N".
 *
 * Owns its sockets. One thread, one epoll loop; everything non-blocking.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UDP_BURST 64
#define MAX_CONNS 20000

struct conn {
	int fd;
	bool connected;
};

static struct sockaddr_in server;
static struct conn *conns;
static long nconns, open_now, open_max;
static unsigned long tcp_opened, tcp_closed;
static int epfd;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t rnd(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 11);
}

static size_t make_query(uint8_t *q, const char *name, bool edns)
{
	size_t o = 12;
	memset(q, 0, 12);
	q[0] = (uint8_t)rnd();
	q[1] = (uint8_t)rnd();
	q[5] = 1;
	const char *p = name;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			break;
		q[o++] = (uint8_t)l;
		memcpy(q + o, p, l);
		o += l;
		p += l + (*(p + l) == '.');
	}
	q[o++] = 0;
	q[o++] = 0;
	q[o++] = (uint8_t)(rnd() % 4 == 0 ? 28 : 1);
	q[o++] = 0;
	q[o++] = 1;
	if (edns) {
		static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
		q[11] = 1;
		memcpy(q + o, opt, sizeof opt);
		o += sizeof opt;
	}
	return o;
}

/* One hostile datagram into p (at least 700 bytes); returns its length. */
static size_t udp_packet(uint8_t *p, const char *name)
{
	uint32_t kind = rnd() % 10;
	if (kind < 3) { /* random bytes */
		size_t len = 1 + rnd() % 600;
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		return len;
	}
	size_t len = make_query(p, name, rnd() % 2);
	if (kind == 9)
		return len; /* intact */
	switch (rnd() % 4) {
	case 0: /* bit flips */
		for (int i = 1 + (int)(rnd() % 4); i > 0; i--)
			p[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1: /* random bytes */
		for (int i = 1 + (int)(rnd() % 4); i > 0; i--)
			p[rnd() % len] = (uint8_t)rnd();
		break;
	case 2: /* cut short */
		len = rnd() % len;
		break;
	default: /* trailing junk */
		for (size_t n = 1 + rnd() % 64; n > 0; n--)
			p[len++] = (uint8_t)rnd();
		break;
	}
	return len;
}

static void conn_open(struct conn *c)
{
	c->connected = false;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return;
	if (connect(c->fd, (struct sockaddr *)&server, sizeof server) != 0 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	struct epoll_event e = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = c };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e) != 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	tcp_opened++;
	if (++open_now > open_max)
		open_max = open_now;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	open_now--;
}

/* Connected: what this connection sends, once. */
static void conn_start(struct conn *c)
{
	uint8_t b[600];
	size_t len = 0;
	uint32_t kind = rnd() % 20;

	c->connected = true;
	if (kind < 2) { /* oversized length prefix */
		b[0] = 0xff;
		b[1] = 0xff;
		len = 2 + rnd() % 500;
		for (size_t i = 2; i < len; i++)
			b[i] = (uint8_t)rnd();
	} else if (kind == 2) { /* the largest accepted frame, never completed */
		b[0] = 0x40;
		b[1] = 0x00;
		len = 2 + rnd() % 500;
		for (size_t i = 2; i < len; i++)
			b[i] = (uint8_t)rnd();
	} else if (kind == 3) { /* zero-length frame */
		b[0] = b[1] = 0;
		len = 2;
	}
	if (len > 0 && send(c->fd, b, len, MSG_NOSIGNAL) < 0) {
		conn_close(c);
		return;
	}
	struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) != 0)
		conn_close(c);
}

int main(int argc, char **argv)
{
	long dur_ms = 10000, reconnect_rate = 500;
	int port = 0, opt;
	bool udp = false;
	const char *addr = "127.0.0.1", *name = "google.com";

	while ((opt = getopt(argc, argv, "p:s:d:c:R:un:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 's':
			addr = optarg;
			break;
		case 'd':
			dur_ms = atol(optarg);
			break;
		case 'c':
			nconns = atol(optarg);
			break;
		case 'R':
			reconnect_rate = atol(optarg);
			break;
		case 'u':
			udp = true;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || port <= 0 || port > 65535 || nconns < 0 || nconns > MAX_CONNS ||
	    reconnect_rate < 1 || dur_ms < 0)
		goto usage;
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &server.sin_addr) != 1)
		goto usage;

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)nconns + 64) {
		fprintf(stderr, "hostile: RLIMIT_NOFILE %llu is too low for %ld connections\n",
			(unsigned long long)rl.rlim_cur, nconns);
		return 2;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	conns = calloc((size_t)nconns + 1, sizeof *conns);
	if (epfd < 0 || ufd < 0 || conns == NULL ||
	    connect(ufd, (struct sockaddr *)&server, sizeof server) != 0) {
		perror("hostile");
		return 2;
	}
	for (long i = 0; i < nconns; i++)
		conns[i].fd = -1;

	unsigned long udp_sent = 0;
	uint64_t start = now_ms(), end = start + (uint64_t)dur_ms;
	uint64_t bucket_ms = start;
	long budget = reconnect_rate; /* reconnects left this second; the first fill is free */
	long next_fill = 0;           /* first round: open every connection once */
	for (;;) {
		uint64_t now = now_ms();
		if (now >= end)
			break;
		if (now - bucket_ms >= 1000) {
			bucket_ms = now;
			budget = reconnect_rate;
		}
		/* The first fill, then reopen what the server closed. */
		for (long n = 0; n < 256 && next_fill < nconns; n++)
			conn_open(&conns[next_fill++]);
		if (next_fill == nconns && open_now < nconns && budget > 0)
			for (long i = 0; i < nconns && budget > 0; i++)
				if (conns[i].fd < 0) {
					conn_open(&conns[i]);
					budget--;
				}
		if (udp) {
			uint8_t p[700], junk[4096];
			for (int i = 0; i < UDP_BURST; i++) {
				size_t len = udp_packet(p, name);
				if (send(ufd, p, len, 0) >= 0)
					udp_sent++;
			}
			while (recv(ufd, junk, sizeof junk, MSG_DONTWAIT) >= 0)
				;
		}
		struct epoll_event evs[256];
		int n = epoll_wait(epfd, evs, 256, udp ? 0 : 10);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->fd < 0)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
				tcp_closed++;
				conn_close(c);
				continue;
			}
			if (!c->connected && (evs[i].events & EPOLLOUT)) {
				conn_start(c);
				continue;
			}
			if (evs[i].events & EPOLLIN) {
				uint8_t junk[4096];
				ssize_t r = recv(c->fd, junk, sizeof junk, MSG_DONTWAIT);
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
					tcp_closed++;
					conn_close(c);
				}
			}
		}
	}
	long open_end = open_now;
	for (long i = 0; i < nconns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	free(conns);
	close(ufd);
	close(epfd);
	printf("udp-sent %lu tcp-opened %lu tcp-closed-by-server %lu tcp-open-at-end %ld "
	       "tcp-open-max %ld\n",
	       udp_sent, tcp_opened, tcp_closed, open_end, open_max);
	return 0;
usage:
	fprintf(stderr, "usage: hostile -p PORT [-s ADDR] [-d MS] [-c CONNS] [-R PER_S] [-u] "
			"[-n NAME]\n");
	return 2;
}
