/*
 * cannedd.c — the ceiling of the hot-path benchmarks (bench/hotpath-peers.sh):
 * a UDP DNS responder that does nothing but the unavoidable. Whatever name
 * and type a query asks, it copies the query's ID, RD flag and question
 * into one precomputed answer — 4 A records (192.0.2.1 ... 192.0.2.4, TTL
 * 30, the owner a compression pointer to the question), AA set — and sends
 * it back. A server that looks anything up can only be slower; how much
 * slower, at the same client, is what the benchmark reports.
 *
 *   cannedd -p PORT [-s ADDR] [-b BATCH]
 *
 * Binds ADDR (127.0.0.1):PORT over UDP (PORT 0: the kernel picks; either
 * way "port N" then "ready" are printed on stdout once it listens). Reads
 * up to BATCH (64) datagrams with one recvmmsg, answers them with one
 * sendmmsg. Queries that are not a plain standard query with one question
 * (short, a response, another opcode, a compressed or oversized name) are
 * dropped and counted. SIGTERM or SIGINT ends it; it then prints
 * "received N answered N dropped N" on stderr.
 *
 * Owns its socket and buffers. One thread; the signal handler only sets a
 * flag (installed without SA_RESTART, so a blocked recvmmsg returns).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define QBUF      512 /* a query longer than this is not one we answer */
#define ABUF      (12 + 255 + 4 + 4 * 16)
#define NANSWERS  4

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The answer section: NANSWERS A records, owner = pointer to offset 12. */
static uint8_t answers[NANSWERS * 16];

static void build_answers(void)
{
	for (int i = 0; i < NANSWERS; i++) {
		uint8_t *r = answers + i * 16;
		static const uint8_t fixed[12] = { 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4 };
		memcpy(r, fixed, sizeof fixed);
		r[12] = 192;
		r[13] = 0;
		r[14] = 2;
		r[15] = (uint8_t)(i + 1);
	}
}

/* Builds the answer to query q (len bytes) in a; returns its length, or 0
 * to drop the query. */
static size_t answer(const uint8_t *q, size_t len, uint8_t *a)
{
	/* a query (QR 0), opcode QUERY, exactly one question */
	if (len < 12 + 1 + 4 || (q[2] & 0xF8) != 0 || q[4] != 0 || q[5] != 1)
		return 0;
	size_t o = 12;
	for (;;) {
		if (o >= len)
			return 0;
		uint8_t l = q[o];
		if (l == 0)
			break;
		if (l > 63 || o + 1 + l - 12 > 254)
			return 0; /* compressed or too long */
		o += 1u + l;
	}
	o++; /* the root label */
	if (o + 4 > len)
		return 0;
	size_t qlen = o + 4 - 12;
	a[0] = q[0];
	a[1] = q[1];
	a[2] = (uint8_t)(0x84 | (q[2] & 0x01)); /* QR, AA, the query's RD */
	a[3] = 0;                               /* NOERROR */
	a[4] = 0;
	a[5] = 1;
	a[6] = 0;
	a[7] = NANSWERS;
	memset(a + 8, 0, 4);
	memcpy(a + 12, q + 12, qlen);
	memcpy(a + 12 + qlen, answers, sizeof answers);
	return 12 + qlen + sizeof answers;
}

static void usage(void)
{
	fprintf(stderr, "usage: cannedd -p PORT [-s ADDR] [-b BATCH]\n");
	exit(2);
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "cannedd: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long port = -1, batch = 64;
	int opt;
	while ((opt = getopt(argc, argv, "s:p:b:")) != -1) {
		switch (opt) {
		case 's':
			addr = optarg;
			break;
		case 'p':
			port = parse_long(optarg, 0, 65535, "port");
			break;
		case 'b':
			batch = parse_long(optarg, 1, MAX_BATCH, "batch");
			break;
		default:
			usage();
		}
	}
	if (port < 0 || optind != argc)
		usage();

	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "cannedd: '%s' is not an IPv4 address\n", addr);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "cannedd: socket: %s\n", strerror(errno));
		return 1;
	}
	int sz = 4 << 20;
	/* room for a whole client window, as the peers' servers configure */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		fprintf(stderr, "cannedd: bind %s port %ld: %s\n", addr, port, strerror(errno));
		return 1;
	}
	socklen_t sl = sizeof sin;
	getsockname(fd, (struct sockaddr *)&sin, &sl);

	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	build_answers();
	static struct mmsghdr in[MAX_BATCH], out[MAX_BATCH];
	static struct iovec in_iov[MAX_BATCH], out_iov[MAX_BATCH];
	static struct sockaddr_in peer[MAX_BATCH];
	static uint8_t qbuf[MAX_BATCH][QBUF], abuf[MAX_BATCH][ABUF];
	uint64_t received = 0, answered = 0, dropped = 0;

	printf("port %u\nready\n", ntohs(sin.sin_port));
	fflush(stdout);
	while (!stop) {
		for (long j = 0; j < batch; j++) {
			in_iov[j] = (struct iovec){ qbuf[j], QBUF };
			in[j].msg_hdr = (struct msghdr){ .msg_name = &peer[j],
							 .msg_namelen = sizeof peer[j],
							 .msg_iov = &in_iov[j],
							 .msg_iovlen = 1 };
		}
		int r = recvmmsg(fd, in, (unsigned)batch, MSG_WAITFORONE, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "cannedd: recvmmsg: %s\n", strerror(errno));
			return 1;
		}
		received += (uint64_t)r;
		unsigned n = 0;
		for (int j = 0; j < r; j++) {
			size_t alen = (in[j].msg_hdr.msg_flags & MSG_TRUNC)
					      ? 0
					      : answer(qbuf[j], in[j].msg_len, abuf[n]);
			if (alen == 0) {
				dropped++;
				continue;
			}
			out_iov[n] = (struct iovec){ abuf[n], alen };
			out[n].msg_hdr = (struct msghdr){ .msg_name = &peer[j],
							  .msg_namelen = in[j].msg_hdr.msg_namelen,
							  .msg_iov = &out_iov[n],
							  .msg_iovlen = 1 };
			n++;
		}
		unsigned done = 0;
		while (done < n) {
			int s = sendmmsg(fd, out + done, n - done, 0);
			if (s < 0) {
				if (errno == EINTR && !stop)
					continue;
				/* this answer cannot go (full buffer, vanished client) */
				dropped++;
				done++;
				continue;
			}
			done += (unsigned)s;
			answered += (unsigned)s;
		}
	}
	fprintf(stderr, "received %" PRIu64 " answered %" PRIu64 " dropped %" PRIu64 "\n", received,
		answered, dropped);
	close(fd);
	return 0;
}
