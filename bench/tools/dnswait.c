/*
 * dnswait.c — asks one DNS server the same question over UDP, every few
 * milliseconds, until its answer meets a condition, and prints how long
 * that took. bench/scale.sh and tests/integration/scale-100k.sh time cold
 * starts and change-to-answer latencies with it: a dig process per try
 * costs ~10 ms of CPU and start-up, which would both blur a 200 ms figure
 * and load the 2-CPU machine the server shares.
 *
 *   dnswait -p PORT [-s ADDR] [-t A|AAAA] [-i MS] [-T MS] [-S NS] [COND] NAME
 *
 * COND (one of; default: rcode NOERROR with at least one record of the
 * query type in the answer section):
 *   -a ADDR    ADDR is one of the answer's A/AAAA records
 *   -x ADDR    an answer came (any rcode) and ADDR is not among its records
 *   -r RCODE   the rcode is RCODE (NOERROR, NXDOMAIN, REFUSED, SERVFAIL or
 *              a number)
 *   -d MS      no condition: keep asking for MS milliseconds (a load of the
 *              same shape as a wait, for an idle window), then exit 0
 * Options: -s server address (127.0.0.1), -t query type (A), -i interval
 * between tries (5 ms), -T give up after this long (10000 ms), -S the start
 * of the measurement as nanoseconds since the epoch (date +%s%N; default:
 * when dnswait started). Queries carry RD (an Unbound in front of the
 * module needs it; an authoritative server ignores it), no EDNS.
 *
 * Prints on stdout, when the condition is met: the milliseconds from the
 * start to the answer that met it (one decimal), and exits 0. On timeout
 * prints "timeout" and what the last answer was on stderr, exits 1. Usage
 * or system errors: exit 2. With -d: prints "queries SENT answered GOT".
 *
 * A try whose answer does not come within 100 ms (server not up yet,
 * dropped packet) is simply followed by the next one; ICMP port
 * unreachable (ECONNREFUSED) likewise.
 *
 * Owns nothing beyond its socket. One thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TRY_WAIT_MS 100 /* how long one try waits for its answer */
#define QTYPE_A     1
#define QTYPE_AAAA  28

enum cond { COND_ANSWER, COND_HAS, COND_LACKS, COND_RCODE, COND_DURATION };

struct reply {
	int rcode;
	int matching; /* answer records of the query type */
	int has;      /* the target address is among them */
};

static const char *prog = "dnswait";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -p PORT [-s ADDR] [-t A|AAAA] [-i MS] [-T MS] [-S NS]\n"
		"       [-a ADDR | -x ADDR | -r RCODE | -d MS] NAME\n",
		prog);
	exit(2);
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (%ld..%ld)\n", prog, what, s, min, max);
		exit(2);
	}
	return v;
}

static int parse_rcode(const char *s)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",  "REFUSED" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return (int)parse_long(s, 0, 15, "rcode");
}

/* Encodes NAME (dotted text, trailing dot optional) at out; returns the
 * length, or -1 if a label or the name is too long. */
static int encode_name(const char *name, uint8_t *out, size_t outsz)
{
	size_t o = 0;
	const char *p = name;
	if (strcmp(name, ".") == 0)
		p = "";
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len > 63 || o + 1 + len + 1 > outsz || o + 1 + len > 254)
			return -1;
		out[o++] = (uint8_t)len;
		memcpy(out + o, p, len);
		o += len;
		p += len;
		if (*p == '.')
			p++;
	}
	out[o++] = 0;
	return (int)o;
}

/* Skips a (possibly compressed) name at msg[*off]; -1 if it runs off the end. */
static int skip_name(const uint8_t *msg, size_t len, size_t *off)
{
	size_t o = *off;
	for (;;) {
		if (o >= len)
			return -1;
		uint8_t l = msg[o];
		if ((l & 0xC0) == 0xC0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((l & 0xC0) != 0)
			return -1;
		o += 1u + l;
		if (l == 0) {
			*off = o;
			return 0;
		}
	}
}

/* Reads an answer to query id: 0 and *r filled, or -1 if it is not one
 * (wrong id, not a response, truncated beyond the header). */
static int parse_reply(const uint8_t *msg, size_t len, uint16_t id, int qtype,
		       const uint8_t *target, size_t target_len, struct reply *r)
{
	if (len < 12 || ((msg[0] << 8) | msg[1]) != id || (msg[2] & 0x80) == 0)
		return -1;
	memset(r, 0, sizeof *r);
	r->rcode = msg[3] & 0x0F;
	unsigned qd = (unsigned)(msg[4] << 8 | msg[5]);
	unsigned an = (unsigned)(msg[6] << 8 | msg[7]);
	size_t off = 12;
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(msg, len, &off) != 0 || off + 4 > len)
			return 0;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		if (skip_name(msg, len, &off) != 0 || off + 10 > len)
			return 0;
		int type = msg[off] << 8 | msg[off + 1];
		size_t rdlen = (size_t)(msg[off + 8] << 8 | msg[off + 9]);
		off += 10;
		if (off + rdlen > len)
			return 0;
		if (type == qtype) {
			r->matching++;
			if (target_len != 0 && rdlen == target_len &&
			    memcmp(msg + off, target, rdlen) == 0)
				r->has = 1;
		}
		off += rdlen;
	}
	return 0;
}

static int met(enum cond c, const struct reply *r, int want_rcode)
{
	switch (c) {
	case COND_ANSWER:
		return r->rcode == 0 && r->matching > 0;
	case COND_HAS:
		return r->has;
	case COND_LACKS:
		return !r->has;
	case COND_RCODE:
		return r->rcode == want_rcode;
	case COND_DURATION:
		return 0;
	}
	return 0;
}

static void sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	const char *server = "127.0.0.1", *port = NULL, *addr = NULL;
	int qtype = QTYPE_A, want_rcode = 0;
	long interval_ms = 5, timeout_ms = 10000, duration_ms = 0;
	int64_t since_ns = now_ns(CLOCK_REALTIME);
	enum cond cond = COND_ANSWER;
	int opt, nconds = 0;

	while ((opt = getopt(argc, argv, "s:p:t:i:T:S:a:x:r:d:")) != -1) {
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 't':
			if (strcasecmp(optarg, "A") == 0)
				qtype = QTYPE_A;
			else if (strcasecmp(optarg, "AAAA") == 0)
				qtype = QTYPE_AAAA;
			else
				usage();
			break;
		case 'i':
			interval_ms = parse_long(optarg, 0, 60000, "interval");
			break;
		case 'T':
			timeout_ms = parse_long(optarg, 1, 86400000, "timeout");
			break;
		case 'S': {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v <= 0)
				usage();
			since_ns = v;
			break;
		}
		case 'a':
		case 'x':
			cond = opt == 'a' ? COND_HAS : COND_LACKS;
			addr = optarg;
			nconds++;
			break;
		case 'r':
			cond = COND_RCODE;
			want_rcode = parse_rcode(optarg);
			nconds++;
			break;
		case 'd':
			cond = COND_DURATION;
			duration_ms = parse_long(optarg, 1, 86400000, "duration");
			nconds++;
			break;
		default:
			usage();
		}
	}
	if (port == NULL || optind != argc - 1 || nconds > 1)
		usage();
	const char *name = argv[optind];

	uint8_t target[16];
	size_t target_len = 0;
	if (addr != NULL) {
		if (inet_pton(AF_INET, addr, target) == 1)
			target_len = 4;
		else if (inet_pton(AF_INET6, addr, target) == 1)
			target_len = 16;
		else {
			fprintf(stderr, "%s: '%s' is not an IPv4 or IPv6 address\n", prog, addr);
			return 2;
		}
		if ((target_len == 4) != (qtype == QTYPE_A)) {
			fprintf(stderr, "%s: address family of '%s' does not match the query type\n",
				prog, addr);
			return 2;
		}
	}

	uint8_t query[300];
	int nl = encode_name(name, query + 12, sizeof query - 12 - 4);
	if (nl < 0) {
		fprintf(stderr, "%s: bad name '%s'\n", prog, name);
		return 2;
	}
	memset(query, 0, 12);
	query[2] = 0x01; /* RD */
	query[5] = 1;    /* QDCOUNT */
	size_t qlen = 12 + (size_t)nl;
	query[qlen++] = (uint8_t)(qtype >> 8);
	query[qlen++] = (uint8_t)qtype;
	query[qlen++] = 0;
	query[qlen++] = 1; /* IN */

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int gai = getaddrinfo(server, port, &hints, &ai);
	if (gai != 0) {
		fprintf(stderr, "%s: %s port %s: %s\n", prog, server, port, gai_strerror(gai));
		return 2;
	}
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "%s: socket to %s port %s: %s\n", prog, server, port,
			strerror(errno));
		return 2;
	}
	freeaddrinfo(ai);

	int64_t start = now_ns(CLOCK_MONOTONIC);
	int64_t end = start + (int64_t)(cond == COND_DURATION ? duration_ms : timeout_ms) * 1000000;
	uint16_t id = (uint16_t)(getpid() ^ start);
	unsigned long sent = 0, answered = 0;
	struct reply last = { .rcode = -1 };

	for (;;) {
		int64_t try_start = now_ns(CLOCK_MONOTONIC);
		if (try_start >= end)
			break;
		id++;
		query[0] = (uint8_t)(id >> 8);
		query[1] = (uint8_t)id;
		if (send(fd, query, qlen, 0) >= 0)
			sent++;
		/* Wait for this try's answer (stale ones are skipped). */
		int64_t try_end = try_start + (int64_t)TRY_WAIT_MS * 1000000;
		if (try_end > end)
			try_end = end;
		for (;;) {
			int64_t left = try_end - now_ns(CLOCK_MONOTONIC);
			if (left <= 0)
				break;
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int n = poll(&pfd, 1, (int)((left + 999999) / 1000000));
			if (n <= 0)
				break;
			uint8_t buf[65536];
			ssize_t got = recv(fd, buf, sizeof buf, 0);
			if (got < 0)
				break; /* ECONNREFUSED: nobody listens yet */
			struct reply r;
			if (parse_reply(buf, (size_t)got, id, qtype, target, target_len, &r) != 0)
				continue;
			answered++;
			last = r;
			if (met(cond, &r, want_rcode)) {
				int64_t t = now_ns(CLOCK_REALTIME);
				printf("%.1f\n", (double)(t - since_ns) / 1e6);
				return 0;
			}
			break;
		}
		int64_t next = try_start + (int64_t)interval_ms * 1000000;
		int64_t now = now_ns(CLOCK_MONOTONIC);
		if (next > end)
			next = end;
		sleep_ms((next - now) / 1000000);
	}
	if (cond == COND_DURATION) {
		printf("queries %lu answered %lu\n", sent, answered);
		return 0;
	}
	printf("timeout\n");
	if (last.rcode < 0)
		fprintf(stderr, "%s: %s: no answer in %ld ms (%lu queries)\n", prog, name,
			timeout_ms, sent);
	else
		fprintf(stderr,
			"%s: %s: condition not met in %ld ms (%lu queries, %lu answered;"
			" last: rcode %d, %d records%s)\n",
			prog, name, timeout_ms, sent, answered, last.rcode, last.matching,
			addr == NULL ? "" : last.has ? ", address present" : ", address absent");
	return 1;
}
