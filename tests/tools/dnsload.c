/*
 * dnsload.c — the legitimate client of the fault and load tests: asks one
 * DNS server the same A question for a fixed time, one query at a time,
 * over UDP, TCP or both in turn, and checks every answer against the
 * expected set of addresses.
 *
 *   dnsload -p PORT [-s ADDR] [-d MS] [-i MS] [-T udp|tcp|both] [-w MS]
 *           [-r TRIES] [-l PPM] -e ADDR[,ADDR...] NAME
 *
 *   -d  how long to run (default 5000 ms; 0: one query)
 *   -i  pause between queries (default 5 ms; 0: back to back)
 *   -T  transport (default udp; both: UDP and TCP alternately)
 *   -w  how long one try waits for its answer (default 500 ms)
 *   -r  tries per query (default 3), like a stub resolver's retries: a
 *       query counts as answered when any try got an answer
 *   -l  unanswered queries allowed, in parts per million (default 0)
 *   -e  the answer every response must carry: exactly these A records
 *       (any order), rcode NOERROR, QR set
 *
 * Prints one line: "sent N answered N wrong N unanswered N retried N"
 * (retried: queries whose first try got no answer) and, on stderr, the
 * first few wrong answers. Exit 0 when no answer was wrong and the
 * unanswered ones are within -l; 1 otherwise; 2 on usage or system errors.
 *
 * The response is decoded here, by hand, not with pooldns's wire code.
 * Owns its sockets. One thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EXPECT      32
#define MAX_WRONG_SHOWN 5

static struct sockaddr_in server;
static uint32_t expect[MAX_EXPECT];
static size_t nexpect;
static long wait_ms = 500;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void usage(void)
{
	fprintf(stderr, "usage: dnsload -p PORT [-s ADDR] [-d MS] [-i MS] [-T udp|tcp|both] "
			"[-w MS] [-r TRIES] [-l PPM] -e ADDR[,ADDR...] NAME\n");
	exit(2);
}

/* A query for name/A with the given id; returns its length. */
static size_t make_query(uint8_t *q, size_t cap, const char *name, uint16_t id)
{
	size_t o = 12;
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1; /* QDCOUNT */
	const char *p = name;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || o + l + 6 > cap)
			break;
		q[o++] = (uint8_t)l;
		memcpy(q + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	q[o++] = 0;
	q[o++] = 0;
	q[o++] = 1; /* A */
	q[o++] = 0;
	q[o++] = 1; /* IN */
	return o;
}

/* Skips a (possibly compressed) name at *off. false when malformed. */
static bool skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t o = *off;
	for (int n = 0; n < 128; n++) {
		if (o >= len)
			return false;
		uint8_t l = m[o];
		if (l == 0) {
			*off = o + 1;
			return true;
		}
		if ((l & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return false;
			*off = o + 2;
			return true;
		}
		if (l > 63)
			return false;
		o += 1 + l;
	}
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Checks a response to query id. Fills why on a wrong answer. */
static bool answer_ok(const uint8_t *m, size_t len, char *why, size_t whysz)
{
	uint32_t got[MAX_EXPECT + 1];
	size_t ngot = 0, off = 12;

	if (len < 12) {
		snprintf(why, whysz, "%zu-byte response", len);
		return false;
	}
	unsigned rcode = m[3] & 0x0f;
	unsigned qd = (unsigned)m[4] << 8 | m[5], an = (unsigned)m[6] << 8 | m[7];
	if (!(m[2] & 0x80) || rcode != 0) {
		snprintf(why, whysz, "rcode %u qr %d", rcode, !!(m[2] & 0x80));
		return false;
	}
	for (unsigned i = 0; i < qd; i++)
		if (!skip_name(m, len, &off) || (off += 4) > len) {
			snprintf(why, whysz, "malformed question");
			return false;
		}
	for (unsigned i = 0; i < an; i++) {
		if (!skip_name(m, len, &off) || off + 10 > len) {
			snprintf(why, whysz, "malformed answer record %u", i + 1);
			return false;
		}
		unsigned type = (unsigned)m[off] << 8 | m[off + 1];
		size_t rdlen = (size_t)m[off + 8] << 8 | m[off + 9];
		off += 10;
		if (off + rdlen > len) {
			snprintf(why, whysz, "answer record %u overruns", i + 1);
			return false;
		}
		if (type == 1 && rdlen == 4) {
			if (ngot == MAX_EXPECT + 1) {
				snprintf(why, whysz, "too many A records");
				return false;
			}
			memcpy(&got[ngot++], m + off, 4);
		}
		off += rdlen;
	}
	qsort(got, ngot, sizeof got[0], cmp_u32);
	if (ngot == nexpect && memcmp(got, expect, ngot * sizeof got[0]) == 0)
		return true;
	size_t o = (size_t)snprintf(why, whysz, "%zu A records:", ngot);
	for (size_t i = 0; i < ngot && o + 17 < whysz; i++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &got[i], a, sizeof a);
		o += (size_t)snprintf(why + o, whysz - o, " %s", a);
	}
	return false;
}

/* One UDP try: 1 answer (ok or not in *ok), 0 no answer in time. */
static int udp_try(int fd, const uint8_t *q, size_t qlen, uint16_t id, bool *ok, char *why,
		   size_t whysz)
{
	uint8_t buf[4096];
	if (send(fd, q, qlen, 0) < 0 && errno != ECONNREFUSED)
		return 0;
	uint64_t until = now_ms() + (uint64_t)wait_ms;
	for (;;) {
		uint64_t now = now_ms();
		if (now >= until)
			return 0;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(until - now)) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0)
			continue; /* ECONNREFUSED: wait out the try */
		if (n < 2 || ((uint16_t)(buf[0] << 8 | buf[1])) != id)
			continue; /* an answer to an earlier try */
		*ok = answer_ok(buf, (size_t)n, why, whysz);
		return 1;
	}
}

static bool wait_fd(int fd, short ev, uint64_t until)
{
	uint64_t now = now_ms();
	if (now >= until)
		return false;
	struct pollfd p = { .fd = fd, .events = ev };
	return poll(&p, 1, (int)(until - now)) > 0;
}

/* One TCP try on a new connection: as udp_try. */
static int tcp_try(const uint8_t *q, size_t qlen, bool *ok, char *why, size_t whysz)
{
	uint8_t buf[2 + 65535], out[2 + 512];
	uint64_t until = now_ms() + (uint64_t)wait_ms;
	int rc = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS)
		goto out;
	if (!wait_fd(fd, POLLOUT, until))
		goto out;
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0)
		goto out;
	out[0] = (uint8_t)(qlen >> 8);
	out[1] = (uint8_t)qlen;
	memcpy(out + 2, q, qlen);
	if (send(fd, out, qlen + 2, MSG_NOSIGNAL) != (ssize_t)(qlen + 2))
		goto out;
	size_t have = 0, need = 2;
	while (have < need) {
		if (!wait_fd(fd, POLLIN, until))
			goto out;
		ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			goto out;
		}
		have += (size_t)n;
		if (have >= 2)
			need = 2 + ((size_t)buf[0] << 8 | buf[1]);
	}
	*ok = answer_ok(buf + 2, need - 2, why, whysz);
	rc = 1;
out:
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	long dur_ms = 5000, pause_ms = 5, tries = 3, ppm = 0;
	int port = 0, opt;
	bool use_udp = true, use_tcp = false;
	const char *addr = "127.0.0.1", *exp = NULL;

	while ((opt = getopt(argc, argv, "p:s:d:i:T:w:r:l:e:")) != -1) {
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
		case 'i':
			pause_ms = atol(optarg);
			break;
		case 'w':
			wait_ms = atol(optarg);
			break;
		case 'r':
			tries = atol(optarg);
			break;
		case 'l':
			ppm = atol(optarg);
			break;
		case 'e':
			exp = optarg;
			break;
		case 'T':
			use_udp = strcmp(optarg, "tcp") != 0;
			use_tcp = strcmp(optarg, "udp") != 0;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || port <= 0 || port > 65535 || exp == NULL || tries < 1 ||
	    wait_ms < 1 || dur_ms < 0 || pause_ms < 0 || ppm < 0)
		usage();
	const char *name = argv[optind];
	char *list = strdup(exp);
	for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
		if (nexpect == MAX_EXPECT || inet_pton(AF_INET, tok, &expect[nexpect]) != 1)
			usage();
		nexpect++;
	}
	free(list);
	qsort(expect, nexpect, sizeof expect[0], cmp_u32);
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &server.sin_addr) != 1)
		usage();

	int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ufd < 0 || connect(ufd, (struct sockaddr *)&server, sizeof server) != 0) {
		perror("dnsload: udp socket");
		return 2;
	}
	srand((unsigned)(time(NULL) ^ getpid()));
	unsigned long sent = 0, answered = 0, wrong = 0, unanswered = 0, retried = 0;
	uint64_t end = now_ms() + (uint64_t)dur_ms;
	bool tcp_turn = !use_udp;
	do {
		uint8_t q[512];
		char why[512];
		uint16_t id = (uint16_t)rand();
		size_t qlen = make_query(q, sizeof q, name, id);
		bool ok = false;
		int got = 0;
		sent++;
		for (long t = 0; t < tries && !got; t++) {
			if (t == 1)
				retried++;
			got = tcp_turn ? tcp_try(q, qlen, &ok, why, sizeof why)
				       : udp_try(ufd, q, qlen, id, &ok, why, sizeof why);
		}
		if (!got) {
			unanswered++;
		} else {
			answered++;
			if (!ok && wrong++ < MAX_WRONG_SHOWN)
				fprintf(stderr, "dnsload: wrong answer over %s: %s\n",
					tcp_turn ? "tcp" : "udp", why);
		}
		if (use_udp && use_tcp)
			tcp_turn = !tcp_turn;
		if (pause_ms > 0) {
			struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	} while (now_ms() < end);
	close(ufd);
	printf("sent %lu answered %lu wrong %lu unanswered %lu retried %lu\n", sent, answered,
	       wrong, unanswered, retried);
	if (sent == 0) {
		fprintf(stderr, "dnsload: no query sent\n");
		return 1;
	}
	if (wrong > 0 || (double)unanswered * 1e6 > (double)ppm * (double)sent)
		return 1;
	return 0;
}
