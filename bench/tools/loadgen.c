/*
 * loadgen.c — a UDP DNS load generator for the hot-path benchmarks
 * (bench/hotpath-peers.sh). One dnsperf thread spends more CPU per query
 * than a fast single-threaded server, so on a 2-CPU machine it, not the
 * server, sets the pace; loadgen keeps a fixed number of queries in flight
 * over several connected UDP sockets and moves them in batches
 * (sendmmsg/recvmmsg), so that one client core can saturate one server
 * core.
 *
 *   loadgen -p PORT -d FILE [-s ADDR] [-l SECONDS] [-n COUNT] [-Q QPS]
 *           [-q WINDOW] [-c SOCKETS] [-b BATCH] [-t SECONDS] [-e] [-R] [-y] [-G]
 *
 * FILE is in dnsperf's format: one query a line, "NAME TYPE" (TYPE a
 * mnemonic such as A or AAAA, or TYPEnnn); blank lines and lines starting
 * with ';' are skipped; \DDD and \X escapes in names as in zone files
 * (queryfile.c reads a line). A bad line stops loadgen before it sends
 * anything, naming the file, the line and what is wrong (exit 2). The
 * queries are sent in file order, round and round, with RD set (as dnsperf
 * does; -R clears it) and, with -e, an EDNS0 OPT record (1232-byte
 * payload).
 *
 * A run ends after -l seconds of sending or -n queries, whichever comes
 * first (neither: once through the file); then loadgen waits for the
 * answers still due, each at most the timeout (-t, 1 s), after which a
 * query counts as lost. -Q paces the sending to that many queries per
 * second from the start (a pause with a full window is caught up later, as
 * dnsperf -Q does); without it loadgen sends whenever the window has room.
 * The window (-q, 128) is spread evenly over the sockets (-c, 4); what
 * a server's receive buffer cannot hold is dropped there and counted as
 * lost (Linux's default of 208 KiB holds about 160 small queries on
 * loopback). With -y loadgen never sleeps waiting for answers but polls
 * its sockets without pause: it then uses all of its core, and the server
 * never spends time waking it up.
 *
 * A batch of queries of the same length (as in the benchmarks, where every
 * name is as long as the next) goes out as one UDP GSO send (UDP_SEGMENT):
 * the stack carries one large datagram and cuts it into the queries only
 * at the server's socket, so the client's share of the loopback path is
 * paid once a batch. The server receives ordinary datagrams. -G sends
 * every datagram on its own (sendmmsg), as does a kernel without GSO.
 *
 * An answer is matched by socket and ID, and counted only if it is a
 * response whose question is the one sent (name compared without regard
 * to case); anything else, including an answer after its query timed out,
 * counts as unexpected. Latency runs from just before the sendmmsg of a
 * query's batch to just after the recvmmsg of its answer's batch.
 *
 * Prints a summary on stdout (sent, answered, lost, unexpected, qps,
 * latency percentiles p50/p90/p99/p99.9/max from a log-linear histogram
 * within 1.6 %, rcodes, truncated answers, its own CPU use from the start
 * of sending), and last one line for scripts:
 * "result key=value ..." (the summary's figures; keys in
 * bench/README.md). qps is answered queries over the time from the first
 * send to the last answer. Exit 0 when the run completed (losses
 * included), 1 on a system error, 2 on a usage or query-file error.
 *
 * Owns its sockets and buffers. One thread; no signal handling (SIGINT
 * ends it without a summary).
 */
#include "config.h"

#include "queryfile.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS  64
#define MAX_BATCH    1024
#define NIDS         65536u
#define RECV_BUF     4096
#define MAX_QUERIES  100000000u /* lines of a query file */
#define EDNS_PAYLOAD 1232
#define GSO_MAX      64 /* datagrams in one UDP GSO send (the kernel's limit) */

/* latency histogram: 64 linear buckets per power of two of nanoseconds */
#define HIST_SUB     64
#define HIST_BUCKETS (HIST_SUB * 42)

static const char *prog = "loadgen";
static int use_gso = 1; /* cleared by -G, or when the kernel refuses it */

/* ---- the query file ------------------------------------------------------ */

/* Every query as a complete message (ID 0) in one buffer. */
struct queries {
	uint8_t *wire;
	size_t wire_len, wire_cap;
	uint32_t *off;   /* query i starts at wire + off[i] */
	uint16_t *len;   /* and is len[i] bytes long */
	uint16_t *qsize; /* its question section (name, type, class) */
	uint32_t n, cap;
};

static const char *const rcode_names[16] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14",  "RCODE15",
};

static int queries_add(struct queries *q, const uint8_t *name, size_t nlen, uint16_t qtype, int rd,
		       int edns)
{
	size_t need = 12 + nlen + 4 + (edns ? 11 : 0);
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 1024;
		uint32_t *off = realloc(q->off, cap * sizeof *off);
		if (off == NULL)
			return -1;
		q->off = off;
		uint16_t *len = realloc(q->len, cap * sizeof *len);
		if (len == NULL)
			return -1;
		q->len = len;
		uint16_t *qs = realloc(q->qsize, cap * sizeof *qs);
		if (qs == NULL)
			return -1;
		q->qsize = qs;
		q->cap = cap;
	}
	if (q->wire_len + need > q->wire_cap) {
		size_t cap = q->wire_cap ? q->wire_cap * 2 : 65536;
		while (cap < q->wire_len + need)
			cap *= 2;
		uint8_t *w = realloc(q->wire, cap);
		if (w == NULL)
			return -1;
		q->wire = w;
		q->wire_cap = cap;
	}
	uint8_t *m = q->wire + q->wire_len;
	memset(m, 0, 12);
	m[2] = rd ? 0x01 : 0x00;
	m[5] = 1; /* QDCOUNT */
	m[11] = edns ? 1 : 0;
	memcpy(m + 12, name, nlen);
	uint8_t *p = m + 12 + nlen;
	*p++ = (uint8_t)(qtype >> 8);
	*p++ = (uint8_t)qtype;
	*p++ = 0;
	*p++ = 1; /* IN */
	if (edns) {
		/* root name, OPT, payload size, ext rcode/version/flags, no rdata */
		static const uint8_t opt[11] = {
			0, 0, 41, EDNS_PAYLOAD >> 8, EDNS_PAYLOAD & 0xFF, 0, 0, 0, 0, 0, 0
		};
		memcpy(p, opt, sizeof opt);
	}
	q->off[q->n] = (uint32_t)q->wire_len;
	q->len[q->n] = (uint16_t)need;
	q->qsize[q->n] = (uint16_t)(nlen + 4);
	q->n++;
	q->wire_len += need;
	return 0;
}

/* Reads the query file; exits 2 with FILE:LINE: reason on a bad line. */
static void queries_load(struct queries *q, const char *path, int rd, int edns)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(2);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned long lineno = 0;
	while ((got = getline(&line, &cap, f)) != -1) {
		lineno++;
		uint8_t wire[256];
		size_t nlen;
		uint16_t qtype;
		char err[256];
		switch (queryfile_parse_line(line, (size_t)got, wire, &nlen, &qtype, err,
					     sizeof err)) {
		case QUERYFILE_SKIP:
			continue;
		case QUERYFILE_BAD:
			fprintf(stderr, "%s: %s:%lu: %s\n", prog, path, lineno, err);
			exit(2);
		case QUERYFILE_QUERY:
			break;
		}
		if (q->n >= MAX_QUERIES) {
			fprintf(stderr, "%s: %s: more than %u queries\n", prog, path, MAX_QUERIES);
			exit(2);
		}
		if (queries_add(q, wire, nlen, qtype, rd, edns) != 0) {
			fprintf(stderr, "%s: out of memory reading %s\n", prog, path);
			exit(1);
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(2);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (q->n == 0) {
		fprintf(stderr, "%s: %s: no queries in the file\n", prog, path);
		exit(2);
	}
}

/* ---- sockets and in-flight queries ---------------------------------------- */

/* One query in flight on a socket, indexed by its ID. */
struct slot {
	int64_t sent_ns;
	uint32_t query;
	int32_t prev, next; /* list of busy slots in send order */
	uint8_t busy;
};

struct sock {
	int fd;
	uint32_t limit;    /* this socket's share of the window */
	uint32_t inflight; /* busy slots */
	int32_t head, tail;
	uint16_t *free_ids; /* ring of NIDS: unused IDs, oldest released first */
	uint32_t free_head, free_count;
	struct slot *slots; /* NIDS */
};

struct stats {
	uint64_t sent, answered, lost, unexpected, truncated, send_errors, recv_errors;
	uint64_t rcodes[16];
	uint64_t hist[HIST_BUCKETS];
	int64_t max_ns;
	int64_t first_send_ns, last_answer_ns, send_end_ns;
	int64_t cpu_start_ns; /* loadgen's own CPU clock when sending began */
	int last_errno;
};

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static unsigned hist_index(int64_t v)
{
	if (v < 0)
		v = 0;
	uint64_t u = (uint64_t)v;
	if (u < 2 * HIST_SUB)
		return (unsigned)u;
	unsigned msb = 63u - (unsigned)__builtin_clzll(u);
	unsigned e = msb - 6; /* HIST_SUB = 2^6 */
	unsigned idx = HIST_SUB * e + (unsigned)(u >> e);
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The middle of bucket idx, in ns. */
static double hist_value(unsigned idx)
{
	if (idx < 2 * HIST_SUB)
		return idx;
	unsigned e = idx / HIST_SUB - 1;
	uint64_t mant = idx % HIST_SUB + HIST_SUB;
	return (double)(mant << e) + (double)(1ull << e) / 2;
}

/* The p-th percentile (0 < p <= 100, nearest rank) in µs. */
static double hist_pct(const struct stats *st, double p)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		total += st->hist[i];
	if (total == 0)
		return 0;
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)total);
	if (rank < 1)
		rank = 1;
	uint64_t cum = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		cum += st->hist[i];
		if (cum >= rank) {
			double v = hist_value(i);
			return (v > (double)st->max_ns ? (double)st->max_ns : v) / 1000.0;
		}
	}
	return (double)st->max_ns / 1000.0;
}

static void list_unlink(struct sock *s, uint16_t id)
{
	struct slot *sl = &s->slots[id];
	if (sl->prev >= 0)
		s->slots[sl->prev].next = sl->next;
	else
		s->head = sl->next;
	if (sl->next >= 0)
		s->slots[sl->next].prev = sl->prev;
	else
		s->tail = sl->prev;
	sl->busy = 0;
	s->inflight--;
	s->free_ids[(s->free_head + s->free_count) % NIDS] = id;
	s->free_count++;
}

static void list_append(struct sock *s, uint16_t id, int64_t now, uint32_t query)
{
	struct slot *sl = &s->slots[id];
	sl->sent_ns = now;
	sl->query = query;
	sl->busy = 1;
	sl->next = -1;
	sl->prev = s->tail;
	if (s->tail >= 0)
		s->slots[s->tail].next = id;
	else
		s->head = id;
	s->tail = id;
	s->inflight++;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int sock_open(struct sock *s, const struct addrinfo *ai, uint32_t limit, uint64_t *rng)
{
	s->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	int sz = 4 << 20;
	/* as big as allowed: a full window must fit in the receive buffer */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0)
		return -1;
	s->limit = limit;
	s->head = s->tail = -1;
	s->slots = calloc(NIDS, sizeof *s->slots);
	s->free_ids = malloc(NIDS * sizeof *s->free_ids);
	if (s->slots == NULL || s->free_ids == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* IDs in random order, so answers cannot be guessed from the order */
	for (uint32_t i = 0; i < NIDS; i++)
		s->free_ids[i] = (uint16_t)i;
	for (uint32_t i = NIDS - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(xorshift(rng) % (i + 1));
		uint16_t t = s->free_ids[i];
		s->free_ids[i] = s->free_ids[j];
		s->free_ids[j] = t;
	}
	s->free_count = NIDS;
	return 0;
}

/* Counts every query whose time is up as lost. */
static void expire(struct sock *s, int64_t now, int64_t timeout_ns, struct stats *st)
{
	while (s->head >= 0 && s->slots[s->head].sent_ns + timeout_ns <= now) {
		list_unlink(s, (uint16_t)s->head);
		st->lost++;
	}
}

struct batch {
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH][2];
	uint8_t ids[MAX_BATCH][2];
	uint16_t id[MAX_BATCH];
	uint8_t *bufs; /* MAX_BATCH * RECV_BUF, for receiving */
};

/* Are the n queries from qi on (wrapping) all of the same length? */
static int same_length(const struct queries *q, uint32_t qi, unsigned n)
{
	uint16_t len = q->len[qi];
	for (unsigned j = 1; j < n; j++) {
		if (++qi == q->n)
			qi = 0;
		if (q->len[qi] != len)
			return 0;
	}
	return 1;
}

/* Sends the n prepared datagrams of b, all seglen bytes long, as one UDP
 * GSO send: the stack handles one large datagram and cuts it into n at
 * the receiving socket. Returns n, or -1 with errno. */
static int send_gso(int fd, struct batch *b, unsigned n, uint16_t seglen)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = &b->iov[0][0],
			     .msg_iovlen = 2 * n,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &seglen, sizeof seglen);
	ssize_t r = sendmsg(fd, &mh, 0);
	return r < 0 ? -1 : (int)n;
}

/* Sends up to n queries on s, from *next on (wrapping); returns how many
 * went out. */
static unsigned send_batch(struct sock *s, struct batch *b, const struct queries *q, uint32_t *next,
			   unsigned n, struct stats *st)
{
	uint32_t qi = *next;
	for (unsigned j = 0; j < n; j++) {
		uint16_t id = s->free_ids[s->free_head];
		s->free_head = (s->free_head + 1) % NIDS;
		s->free_count--;
		b->id[j] = id;
		b->ids[j][0] = (uint8_t)(id >> 8);
		b->ids[j][1] = (uint8_t)id;
		b->iov[j][0] = (struct iovec){ b->ids[j], 2 };
		b->iov[j][1] = (struct iovec){ q->wire + q->off[qi] + 2, (size_t)q->len[qi] - 2 };
		b->msgs[j].msg_hdr = (struct msghdr){ .msg_iov = b->iov[j], .msg_iovlen = 2 };
		if (++qi == q->n)
			qi = 0;
	}
	int64_t now = now_ns();
	int r = -1;
	if (use_gso && n > 1 && n <= GSO_MAX && same_length(q, *next, n)) {
		r = send_gso(s->fd, b, n, (uint16_t)q->len[*next]);
		if (r < 0 && (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT ||
			      errno == EOPNOTSUPP)) {
			use_gso = 0; /* the kernel or the route cannot: datagram by datagram */
			r = -2;
		}
	} else {
		r = -2;
	}
	if (r == -2)
		r = sendmmsg(s->fd, b->msgs, n, 0);
	unsigned done = r > 0 ? (unsigned)r : 0;
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
		st->send_errors++;
		st->last_errno = errno;
	}
	if (st->sent == 0 && done > 0)
		st->first_send_ns = now;
	qi = *next;
	for (unsigned j = 0; j < done; j++) {
		list_append(s, b->id[j], now, qi);
		if (++qi == q->n)
			qi = 0;
	}
	*next = qi;
	/* IDs of the queries that did not go out back into the pool, in order */
	for (unsigned j = done; j < n; j++) {
		s->free_head = (s->free_head + NIDS - 1) % NIDS;
		s->free_count++;
	}
	st->sent += done;
	return done;
}

/* Does the answer's question equal query qi's (name without case)? */
static int same_question(const uint8_t *m, size_t len, const struct queries *q, uint32_t qi)
{
	size_t qs = q->qsize[qi];
	if (len < 12 + qs || m[4] != 0 || m[5] != 1)
		return 0;
	const uint8_t *want = q->wire + q->off[qi] + 12;
	const uint8_t *got = m + 12;
	size_t nlen = qs - 4;
	for (size_t i = 0; i < nlen; i++)
		if (tolower(got[i]) != tolower(want[i]))
			return 0;
	return memcmp(got + nlen, want + nlen, 4) == 0;
}

/* Reads one batch of answers from s; returns how many datagrams came. */
static unsigned recv_batch(struct sock *s, struct batch *b, unsigned n, const struct queries *q,
			   struct stats *st)
{
	for (unsigned j = 0; j < n; j++) {
		b->iov[j][0] = (struct iovec){ b->bufs + (size_t)j * RECV_BUF, RECV_BUF };
		b->msgs[j].msg_hdr = (struct msghdr){ .msg_iov = b->iov[j], .msg_iovlen = 1 };
	}
	int r = recvmmsg(s->fd, b->msgs, n, MSG_DONTWAIT, NULL);
	if (r <= 0) {
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			st->recv_errors++; /* ECONNREFUSED: nobody listens */
			st->last_errno = errno;
		}
		return 0;
	}
	int64_t now = now_ns();
	for (int j = 0; j < r; j++) {
		const uint8_t *m = b->bufs + (size_t)j * RECV_BUF;
		size_t len = b->msgs[j].msg_len;
		if (len < 12 || (m[2] & 0x80) == 0) {
			st->unexpected++;
			continue;
		}
		uint16_t id = (uint16_t)(m[0] << 8 | m[1]);
		struct slot *sl = &s->slots[id];
		if (!sl->busy || !same_question(m, len, q, sl->query)) {
			st->unexpected++;
			continue;
		}
		int64_t lat = now - sl->sent_ns;
		st->hist[hist_index(lat)]++;
		if (lat > st->max_ns)
			st->max_ns = lat;
		st->rcodes[m[3] & 0x0F]++;
		if (m[2] & 0x02)
			st->truncated++;
		st->answered++;
		list_unlink(s, id);
	}
	st->last_answer_ns = now;
	return (unsigned)r;
}

/* ---- options and the run ---------------------------------------------------- */

static void usage(int rc)
{
	fprintf(rc == 0 ? stdout : stderr,
		"usage: %s -p PORT -d FILE [-s ADDR] [-l SECONDS] [-n COUNT] [-Q QPS]\n"
		"       [-q WINDOW] [-c SOCKETS] [-b BATCH] [-t SECONDS] [-e] [-R] [-y] [-G]\n"
		"  -s ADDR     server address (127.0.0.1)\n"
		"  -p PORT     server UDP port\n"
		"  -d FILE     queries, \"NAME TYPE\" a line (dnsperf format; - for stdin)\n"
		"  -l SECONDS  send for this long (fractions allowed)\n"
		"  -n COUNT    send this many queries (with -l: whichever comes first;\n"
		"              neither: once through the file)\n"
		"  -Q QPS      pace sending to this rate (default: as fast as the window allows)\n"
		"  -q WINDOW   queries in flight, over all sockets (128)\n"
		"  -c SOCKETS  UDP sockets, each with its own source port (4, at most %d)\n"
		"  -b BATCH    most datagrams per sendmmsg/recvmmsg (64, at most %d)\n"
		"  -t SECONDS  an unanswered query is lost after this long (1)\n"
		"  -e          add an EDNS0 OPT record (payload %d)\n"
		"  -R          clear RD (default: set, as dnsperf does)\n"
		"  -y          busy-poll: never sleep waiting for answers (uses a whole core)\n"
		"  -G          no UDP GSO: send every datagram on its own\n"
		"  -h          this help\n",
		prog, MAX_SOCKETS, MAX_BATCH, EDNS_PAYLOAD);
	exit(rc);
}

static double parse_num(const char *s, double min, double max, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max)) {
		fprintf(stderr, "%s: bad %s '%s' (%g..%g)\n", prog, what, s, min, max);
		exit(2);
	}
	return v;
}

static void report(const struct stats *st, const char *server, const char *port,
		   const struct queries *q, unsigned nsock, unsigned window, unsigned batch,
		   double timeout_s, int64_t end_ns)
{
	double run_s =
		(double)((st->answered ? st->last_answer_ns : end_ns) - st->first_send_ns) / 1e9;
	double send_s = (double)(st->send_end_ns - st->first_send_ns) / 1e9;
	double qps = run_s > 0 ? (double)st->answered / run_s : 0;
	double send_qps = send_s > 0 ? (double)st->sent / send_s : 0;
	double p50 = hist_pct(st, 50), p90 = hist_pct(st, 90), p99 = hist_pct(st, 99);
	double p999 = hist_pct(st, 99.9), max = (double)st->max_ns / 1000.0;
	uint64_t errors = st->send_errors + st->recv_errors;
	double cpu_s = (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - st->cpu_start_ns) / 1e9;
	double wall_s = (double)(end_ns - st->first_send_ns) / 1e9;
	double cpu_pct = wall_s > 0 ? 100 * cpu_s / wall_s : 0;

	printf("loadgen: %s port %s, %u sockets, window %u, batch %u%s, %u queries in the file\n",
	       server, port, nsock, window, batch, use_gso ? " (UDP GSO)" : "", q->n);
	printf("  sent        %" PRIu64 "\n", st->sent);
	printf("  answered    %" PRIu64 " (%.2f %%)\n", st->answered,
	       st->sent ? 100.0 * (double)st->answered / (double)st->sent : 0.0);
	printf("  lost        %" PRIu64 " (no answer within %g s)\n", st->lost, timeout_s);
	printf("  unexpected  %" PRIu64 " (late, duplicate or not matching a query)\n",
	       st->unexpected);
	printf("  errors      %" PRIu64 "%s%s\n", errors, errors ? ", last: " : "",
	       errors ? strerror(st->last_errno) : "");
	printf("  run time    %.3f s (sending %.3f s)\n", run_s, send_s);
	printf("  qps         %.0f answered/s (sent %.0f/s)\n", qps, send_qps);
	printf("  latency us  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", p50, p90, p99,
	       p999, max);
	printf("  rcodes     ");
	char rc_kv[512] = "";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (st->rcodes[i] == 0)
			continue;
		printf(" %s %" PRIu64, rcode_names[i], st->rcodes[i]);
		int w = snprintf(rc_kv + o, sizeof rc_kv - o, "%s%s:%" PRIu64, o ? "," : "",
				 rcode_names[i], st->rcodes[i]);
		if (w > 0 && (size_t)w < sizeof rc_kv - o)
			o += (size_t)w;
	}
	printf("\n  truncated   %" PRIu64 "\n", st->truncated);
	printf("  client CPU  %.3f s, %.1f %% of one core (%.2f us a query)\n", cpu_s, cpu_pct,
	       st->sent ? 1e6 * cpu_s / (double)st->sent : 0.0);
	printf("result sent=%" PRIu64 " answered=%" PRIu64 " lost=%" PRIu64 " unexpected=%" PRIu64
	       " errors=%" PRIu64 " run_s=%.3f send_s=%.3f qps=%.0f send_qps=%.0f p50_us=%.1f"
	       " p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f rcodes=%s truncated=%" PRIu64
	       " cpu_s=%.3f cpu_pct=%.1f\n",
	       st->sent, st->answered, st->lost, st->unexpected, errors, run_s, send_s, qps,
	       send_qps, p50, p90, p99, p999, max, o ? rc_kv : "-", st->truncated, cpu_s, cpu_pct);
}

int main(int argc, char **argv)
{
	const char *server = "127.0.0.1", *port = NULL, *file = NULL;
	double duration_s = 0, rate = 0, timeout_s = 1;
	uint64_t count = 0;
	unsigned window = 128, nsock = 4, batch = 64;
	int rd = 1, edns = 0, busy = 0, opt;

	while ((opt = getopt(argc, argv, "s:p:d:l:n:Q:q:c:b:t:eRyGh")) != -1) {
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = optarg;
			parse_num(optarg, 1, 65535, "port");
			break;
		case 'd':
			file = optarg;
			break;
		case 'l':
			duration_s = parse_num(optarg, 0.001, 86400, "duration");
			break;
		case 'n':
			count = (uint64_t)parse_num(optarg, 1, 1e15, "query count");
			break;
		case 'Q':
			rate = parse_num(optarg, 1, 1e8, "rate");
			break;
		case 'q':
			window = (unsigned)parse_num(optarg, 1, 1000000, "window");
			break;
		case 'c':
			nsock = (unsigned)parse_num(optarg, 1, MAX_SOCKETS, "socket count");
			break;
		case 'b':
			batch = (unsigned)parse_num(optarg, 1, MAX_BATCH, "batch");
			break;
		case 't':
			timeout_s = parse_num(optarg, 0.001, 3600, "timeout");
			break;
		case 'e':
			edns = 1;
			break;
		case 'R':
			rd = 0;
			break;
		case 'y':
			busy = 1;
			break;
		case 'G':
			use_gso = 0;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (port == NULL || file == NULL || optind != argc)
		usage(2);
	if (window < nsock) {
		fprintf(stderr, "%s: window %u is smaller than the %u sockets\n", prog, window,
			nsock);
		return 2;
	}
	if (window / nsock + 1 > NIDS - 1) {
		fprintf(stderr, "%s: window %u over %u sockets: more than %u in flight a socket\n",
			prog, window, nsock, NIDS - 2);
		return 2;
	}

	struct queries q = { 0 };
	queries_load(&q, file, rd, edns);
	if (duration_s == 0 && count == 0)
		count = q.n;

	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int gai = getaddrinfo(server, port, &hints, &ai);
	if (gai != 0) {
		fprintf(stderr, "%s: %s port %s: %s\n", prog, server, port, gai_strerror(gai));
		return 2;
	}
	struct sock *socks = calloc(nsock, sizeof *socks);
	struct pollfd *pfd = calloc(nsock, sizeof *pfd);
	struct batch *b = calloc(1, sizeof *b);
	if (socks == NULL || pfd == NULL || b == NULL ||
	    (b->bufs = malloc((size_t)MAX_BATCH * RECV_BUF)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	uint64_t rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
	for (unsigned i = 0; i < nsock; i++) {
		if (sock_open(&socks[i], ai, window / nsock + (i < window % nsock), &rng) != 0) {
			fprintf(stderr, "%s: socket to %s port %s: %s\n", prog, server, port,
				strerror(errno));
			return 1;
		}
		pfd[i] = (struct pollfd){ .fd = socks[i].fd, .events = POLLIN };
	}
	freeaddrinfo(ai);

	struct stats st = { 0 };
	const int64_t timeout_ns = (int64_t)(timeout_s * 1e9);
	const int64_t start = now_ns();
	const int64_t end = duration_s > 0 ? start + (int64_t)(duration_s * 1e9) : INT64_MAX;
	st.first_send_ns = start;
	st.cpu_start_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint32_t next = 0;
	unsigned rr = 0;
	int sending = 1;
	uint64_t inflight = 0;

	for (;;) {
		int64_t now = now_ns();
		if (sending && (now >= end || (count != 0 && st.sent >= count))) {
			sending = 0;
			st.send_end_ns = now;
		}
		inflight = 0;
		for (unsigned i = 0; i < nsock; i++) {
			expire(&socks[i], now, timeout_ns, &st);
			inflight += socks[i].inflight;
		}
		if (!sending && inflight == 0)
			break;

		/* send what the window, the count and the pace allow */
		int room = 0;
		int64_t next_pace = INT64_MAX;
		if (sending) {
			uint64_t allow = count != 0 ? count - st.sent : UINT64_MAX;
			if (rate > 0) {
				double due = floor((double)(now - start) * rate / 1e9) + 1;
				uint64_t paced =
					due > (double)st.sent ? (uint64_t)due - st.sent : 0;
				if (paced < allow)
					allow = paced;
			}
			for (unsigned k = 0; k < nsock && allow > 0; k++) {
				struct sock *s = &socks[(rr + k) % nsock];
				uint32_t free = s->limit - s->inflight;
				unsigned n = free < batch ? free : batch;
				if (n > allow)
					n = (unsigned)allow;
				if (n == 0)
					continue;
				allow -= send_batch(s, b, &q, &next, n, &st);
			}
			rr = (rr + 1) % nsock;
			for (unsigned i = 0; i < nsock; i++)
				if (socks[i].inflight < socks[i].limit)
					room = 1;
			if (rate > 0 && room)
				next_pace = start + (int64_t)ceil((double)st.sent * 1e9 / rate);
		}

		/* wait for answers, the next paced send, a timeout or the end */
		int64_t deadline = sending ? end : INT64_MAX;
		if (next_pace < deadline)
			deadline = next_pace;
		for (unsigned i = 0; i < nsock; i++)
			if (socks[i].head >= 0) {
				int64_t t = socks[i].slots[socks[i].head].sent_ns + timeout_ns;
				if (t < deadline)
					deadline = t;
			}
		now = now_ns();
		struct timespec ts = { 0, 0 };
		if (!busy && !(sending && room && rate == 0 && (count == 0 || st.sent < count)) &&
		    deadline > now) {
			int64_t wait = deadline == INT64_MAX ? 1000000000 : deadline - now;
			ts.tv_sec = wait / 1000000000;
			ts.tv_nsec = wait % 1000000000;
		}
		int n = ppoll(pfd, nsock, &ts, NULL);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "%s: ppoll: %s\n", prog, strerror(errno));
			return 1;
		}
		for (unsigned i = 0; n > 0 && i < nsock; i++)
			if (pfd[i].revents != 0)
				recv_batch(&socks[i], b, batch, &q, &st);
	}
	report(&st, server, port, &q, nsock, window, batch, timeout_s, now_ns());
	for (unsigned i = 0; i < nsock; i++) {
		close(socks[i].fd);
		free(socks[i].slots);
		free(socks[i].free_ids);
	}
	free(socks);
	free(pfd);
	free(b->bufs);
	free(b);
	free(q.wire);
	free(q.off);
	free(q.len);
	free(q.qsize);
	return 0;
}
