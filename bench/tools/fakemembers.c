/*
 * fakemembers.c — thousands of fake pool members for the health-checker
 * benchmark (bench/health-checker.sh): one listening TCP socket per
 * loopback address (FIRST, FIRST+1, ... COUNT addresses, all on one port),
 * every one answering any request with "HTTP/1.1 200 OK", Content-Length 2,
 * and closing, and counting what each address sees.
 *
 *   fakemembers -a 127.1.0.1 -n 4000 [-p PORT]
 *
 * With -f MS, every K-th member (-k K, default 1: all; the members with
 * index 0, K, 2K, ...) flaps: it answers "HTTP/1.1 503 Service
 * Unavailable" during every second period of MS milliseconds, counted from
 * start-up, and 200 otherwise; SIGUSR2's report then also gives how many
 * 503 answers were sent (the soak benchmark, bench/soak.sh, uses this).
 *
 * With no -p (or -p 0) the kernel picks the port for the first address and
 * the others reuse it. Prints "port N" and then "ready" on stdout once every
 * socket listens. SIGUSR1 starts a measurement window (resets the window's
 * counters); SIGUSR2 ends it and prints a report of the window on stdout:
 * probes per member per second (min, percentiles, max over members),
 * members never probed, the interval between consecutive probes of the same
 * member (jitter), and how probes bunch in time (per 10 ms and per second,
 * all members together). SIGTERM or SIGINT exits.
 *
 * A probe is a complete HTTP request (headers ended by an empty line); a
 * connection closed before that is counted apart (a TCP check does that).
 * Linux only (epoll, accept4); the whole 127.0.0.0/8 is local on Linux, so
 * the addresses need no configuration. RLIMIT_NOFILE is raised to the hard
 * limit.
 *
 * Owns everything it allocates. Thread model: one thread, one epoll loop;
 * the signal handlers only set flags.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
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

#define MAX_MEMBERS  65536u
#define REQ_MAX      2048u
#define HIST_MS      60000u      /* interval histogram: 1 ms buckets */
#define BUCKET_NS    10000000ull /* burst buckets: 10 ms */
#define WINDOW_MAX_S 3600u
#define NBUCKETS     (WINDOW_MAX_S * 100u)

static const char response[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
	"Connection: close\r\n\r\nok";
static const char response_down[] =
	"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
	"Connection: close\r\n\r\ndown";

enum { KIND_LISTENER, KIND_CONN };

struct sock {
	int kind;
	int fd;
	uint32_t member;
	uint32_t len;
	struct sock *prev, *next; /* KIND_CONN: the open list */
	char buf[];               /* KIND_CONN only: the request so far */
};

struct member {
	uint64_t last_ns; /* last probe, any time (0 = never) */
	uint32_t window_probes;
	uint32_t window_conn_only;
};

static volatile sig_atomic_t got_start, got_report, got_stop;

static struct member *members;
static uint32_t nmembers;
static int in_window;
static uint64_t window_start_ns;
static uint64_t hist[HIST_MS + 1]; /* last bucket: >= HIST_MS */
static uint64_t hist_count;
static uint32_t *buckets;     /* probes per 10 ms of the window */
static uint64_t late_probes;  /* beyond WINDOW_MAX_S */
static uint64_t bad_requests; /* not GET/HEAD */
static uint64_t accept_errors;
static struct sock *open_conns; /* every open connection */
static uint64_t flap_ns;        /* -f: the flap period (0: no flapping) */
static uint32_t flap_every = 1; /* -k: which members flap */
static uint64_t start_ns;
static uint64_t down_answers;   /* 503s sent in the window */

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_start = 1;
	else if (sig == SIGUSR2)
		got_report = 1;
	else
		got_stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fakemembers -a FIRST_IPV4 -n COUNT [-p PORT] [-f MS [-k K]]\n"
		   "  -f MS  every K-th member answers 503 in every second period of MS ms\n"
		   "  SIGUSR1 starts a window, SIGUSR2 prints its report, SIGTERM exits\n");
}

static void window_reset(void)
{
	for (uint32_t i = 0; i < nmembers; i++) {
		members[i].window_probes = 0;
		members[i].window_conn_only = 0;
	}
	memset(hist, 0, sizeof(hist));
	hist_count = 0;
	memset(buckets, 0, NBUCKETS * sizeof(*buckets));
	late_probes = 0;
	bad_requests = 0;
	down_answers = 0;
	window_start_ns = now_ns();
	in_window = 1;
}

static void record_probe(uint32_t m, uint64_t t)
{
	struct member *mb = &members[m];

	if (in_window) {
		uint64_t off = (t - window_start_ns) / BUCKET_NS;

		mb->window_probes++;
		if (off < NBUCKETS)
			buckets[off]++;
		else
			late_probes++;
		if (mb->last_ns != 0) {
			uint64_t ms = (t - mb->last_ns) / 1000000ull;

			hist[ms < HIST_MS ? ms : HIST_MS]++;
			hist_count++;
		}
	}
	mb->last_ns = t;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The value at quantile q of n sorted values (nearest rank). */
static size_t rank(double q, size_t n)
{
	size_t r = (size_t)(q * (double)n + 0.999999);

	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return r - 1;
}

static uint64_t hist_quantile(double q)
{
	uint64_t want = rank(q, hist_count) + 1, seen = 0;

	for (uint32_t ms = 0; ms <= HIST_MS; ms++) {
		seen += hist[ms];
		if (seen >= want)
			return ms;
	}
	return HIST_MS;
}

static int window_report(void)
{
	uint64_t end = now_ns();
	double secs = (double)(end - window_start_ns) / 1e9;
	uint32_t *counts = malloc(nmembers * sizeof(*counts));
	uint64_t total = 0, conn_only = 0;
	uint32_t never = 0, nb, nsec;
	double *persec;

	if (counts == NULL)
		return -1;
	for (uint32_t i = 0; i < nmembers; i++) {
		counts[i] = members[i].window_probes;
		total += counts[i];
		conn_only += members[i].window_conn_only;
		never += counts[i] == 0;
	}
	qsort(counts, nmembers, sizeof(*counts), cmp_u32);

	printf("window_s %.3f\n", secs);
	printf("members %" PRIu32 "\n", nmembers);
	printf("probes %" PRIu64 "\n", total);
	printf("probes_per_s %.1f\n", (double)total / secs);
	printf("conn_only %" PRIu64 "\n", conn_only);
	printf("bad_requests %" PRIu64 "\n", bad_requests);
	printf("down_answers %" PRIu64 "\n", down_answers);
	printf("accept_errors %" PRIu64 "\n", accept_errors);
	printf("members_never_probed %" PRIu32 "\n", never);
	printf("member_rate_min %.3f\n", counts[0] / secs);
	printf("member_rate_p1 %.3f\n", counts[rank(0.01, nmembers)] / secs);
	printf("member_rate_median %.3f\n", counts[rank(0.5, nmembers)] / secs);
	printf("member_rate_p99 %.3f\n", counts[rank(0.99, nmembers)] / secs);
	printf("member_rate_max %.3f\n", counts[nmembers - 1] / secs);
	free(counts);

	printf("intervals %" PRIu64 "\n", hist_count);
	if (hist_count > 0) {
		uint64_t sum = 0;
		uint32_t lo = HIST_MS, hi = 0;

		for (uint32_t ms = 0; ms <= HIST_MS; ms++) {
			if (hist[ms] == 0)
				continue;
			sum += hist[ms] * ms;
			if (ms < lo)
				lo = ms;
			hi = ms;
		}
		printf("interval_ms_min %" PRIu32 "\n", lo);
		printf("interval_ms_p1 %" PRIu64 "\n", hist_quantile(0.01));
		printf("interval_ms_median %" PRIu64 "\n", hist_quantile(0.5));
		printf("interval_ms_mean %.1f\n", (double)sum / (double)hist_count);
		printf("interval_ms_p99 %" PRIu64 "\n", hist_quantile(0.99));
		printf("interval_ms_max %" PRIu32 "%s\n", hi, hi == HIST_MS ? "+" : "");
	}

	/* bunching: whole 10 ms buckets and whole seconds of the window */
	nb = (uint32_t)((end - window_start_ns) / BUCKET_NS);
	if (nb > NBUCKETS)
		nb = NBUCKETS;
	nsec = nb / 100u;
	if (nb > 0) {
		uint32_t *b = malloc(nb * sizeof(*b));

		if (b == NULL)
			return -1;
		memcpy(b, buckets, nb * sizeof(*b));
		qsort(b, nb, sizeof(*b), cmp_u32);
		printf("per_10ms_mean %.2f\n", (double)total / nb);
		printf("per_10ms_median %" PRIu32 "\n", b[rank(0.5, nb)]);
		printf("per_10ms_p99 %" PRIu32 "\n", b[rank(0.99, nb)]);
		printf("per_10ms_max %" PRIu32 "\n", b[nb - 1]);
		free(b);
	}
	if (nsec > 0) {
		persec = malloc(nsec * sizeof(*persec));
		if (persec == NULL)
			return -1;
		for (uint32_t s = 0; s < nsec; s++) {
			uint64_t n = 0;

			for (uint32_t k = 0; k < 100u; k++)
				n += buckets[s * 100u + k];
			persec[s] = (double)n;
		}
		qsort(persec, nsec, sizeof(*persec), cmp_double);
		printf("per_s_min %.0f\n", persec[0]);
		printf("per_s_median %.0f\n", persec[rank(0.5, nsec)]);
		printf("per_s_max %.0f\n", persec[nsec - 1]);
		free(persec);
	}
	printf("late_probes %" PRIu64 "\n", late_probes);
	printf("end\n");
	fflush(stdout);
	return 0;
}

static void conn_close(int ep, struct sock *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		open_conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static void on_accept(int ep, struct sock *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct sock *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				accept_errors++;
			return;
		}
		c = malloc(sizeof(*c) + REQ_MAX);
		if (c == NULL) {
			close(fd);
			accept_errors++;
			continue;
		}
		c->kind = KIND_CONN;
		c->fd = fd;
		c->member = l->member;
		c->len = 0;
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(c);
			accept_errors++;
		} else {
			c->prev = NULL;
			c->next = open_conns;
			if (open_conns != NULL)
				open_conns->prev = c;
			open_conns = c;
		}
	}
}

/* Whether member m answers 503 at time t (-f, -k). */
static bool member_down(uint32_t m, uint64_t t)
{
	if (flap_ns == 0 || m % flap_every != 0)
		return false;
	return ((t - start_ns) / flap_ns) % 2 == 1;
}

static void on_readable(int ep, struct sock *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->buf + c->len, REQ_MAX - 1 - c->len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			break;
		}
		if (n == 0)
			break;
		c->len += (uint32_t)n;
		c->buf[c->len] = '\0';
		if (strstr(c->buf, "\r\n\r\n") != NULL || c->len >= REQ_MAX - 1) {
			ssize_t w;

			if (strncmp(c->buf, "GET ", 4) != 0 && strncmp(c->buf, "HEAD ", 5) != 0)
				bad_requests++;
			uint64_t t = now_ns();

			record_probe(c->member, t);
			/* a fresh socket's send buffer takes this whole */
			if (member_down(c->member, t)) {
				if (in_window)
					down_answers++;
				w = write(c->fd, response_down, sizeof(response_down) - 1);
			} else {
				w = write(c->fd, response, sizeof(response) - 1);
			}
			(void)w;
			conn_close(ep, c);
			return;
		}
	}
	/* closed (or failed) before a whole request: a connect-only probe */
	if (c->len == 0 && in_window)
		members[c->member].window_conn_only++;
	conn_close(ep, c);
}

static int raise_nofile(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	return rl.rlim_cur >= need ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *first = NULL;
	unsigned long count = 0, port = 0, flap_ms = 0, every = 1;
	struct sock *listeners;
	struct in_addr base;
	struct sigaction sa;
	struct epoll_event events[256];
	int ep, opt, rc = 0;

	while ((opt = getopt(argc, argv, "a:n:p:f:k:h")) != -1) {
		switch (opt) {
		case 'a':
			first = optarg;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			flap_ms = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			every = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (first == NULL || inet_pton(AF_INET, first, &base) != 1 || count == 0 ||
	    count > MAX_MEMBERS || port > 65535 || flap_ms > 3600000ul || every == 0 ||
	    every > MAX_MEMBERS) {
		usage(stderr);
		return 2;
	}
	nmembers = (uint32_t)count;
	flap_ns = (uint64_t)flap_ms * 1000000ull;
	flap_every = (uint32_t)every;
	start_ns = now_ns();
	if (raise_nofile(nmembers + 1024u) != 0) {
		fprintf(stderr, "fakemembers: RLIMIT_NOFILE below %" PRIu32 "\n", nmembers + 1024u);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	members = calloc(nmembers, sizeof(*members));
	buckets = calloc(NBUCKETS, sizeof(*buckets));
	listeners = calloc(nmembers, sizeof(*listeners));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (members == NULL || buckets == NULL || listeners == NULL || ep < 0) {
		fprintf(stderr, "fakemembers: out of memory or epoll: %s\n", strerror(errno));
		return 1;
	}

	for (uint32_t i = 0; i < nmembers; i++) {
		struct sockaddr_in sin;
		struct epoll_event ev;
		socklen_t sl = sizeof(sin);
		int one = 1, fd;
		char text[INET_ADDRSTRLEN];

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(ntohl(base.s_addr) + i);
		sin.sin_port = htons((uint16_t)port);
		inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 128) != 0) {
			fprintf(stderr, "fakemembers: %s:%lu: %s\n", text, port, strerror(errno));
			rc = 1;
			if (fd >= 0)
				close(fd);
			nmembers = i;
			goto out;
		}
		if (port == 0) {
			if (getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
				fprintf(stderr, "fakemembers: getsockname: %s\n", strerror(errno));
				close(fd);
				rc = 1;
				nmembers = i;
				goto out;
			}
			port = ntohs(sin.sin_port);
		}
		listeners[i].kind = KIND_LISTENER;
		listeners[i].fd = fd;
		listeners[i].member = i;
		ev.events = EPOLLIN;
		ev.data.ptr = &listeners[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			fprintf(stderr, "fakemembers: epoll_ctl: %s\n", strerror(errno));
			close(fd);
			rc = 1;
			nmembers = i;
			goto out;
		}
	}
	printf("port %lu\nready\n", port);
	fflush(stdout);

	while (!got_stop) {
		int n = epoll_wait(ep, events, 256, 100);

		if (got_start) {
			got_start = 0;
			window_reset();
		}
		if (got_report) {
			got_report = 0;
			if (!in_window) {
				printf("error no window started\nend\n");
				fflush(stdout);
			} else if (window_report() != 0) {
				fprintf(stderr, "fakemembers: out of memory for the report\n");
			}
			in_window = 0;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "fakemembers: epoll_wait: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		for (int k = 0; k < n; k++) {
			struct sock *s = events[k].data.ptr;

			if (s->kind == KIND_LISTENER)
				on_accept(ep, s);
			else
				on_readable(ep, s);
		}
	}
out:
	while (open_conns != NULL)
		conn_close(ep, open_conns);
	for (uint32_t i = 0; i < nmembers; i++)
		close(listeners[i].fd);
	close(ep);
	free(listeners);
	free(buckets);
	free(members);
	return rc;
}
