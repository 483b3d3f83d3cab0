/*
 * flapcheck.c — a pool member that flaps, and a client that checks the
 * answers follow it, for tests/integration/health-flap.sh.
 *
 *   flapcheck -p DNS_PORT -P HTTP_PORT -S STABLE_ADDR -F FLAP_ADDR
 *             [-t PERIOD_MS] [-d MS] [-s SETTLE_MS] NAME
 *
 * Serves HTTP health checks on STABLE_ADDR:HTTP_PORT (always 200) and
 * FLAP_ADDR:HTTP_PORT (200 and 503 in turn, each for PERIOD_MS, default
 * 1000), and asks the DNS server on 127.0.0.1:DNS_PORT for NAME A over
 * UDP every 20 ms.
 *
 * It prints "ready" once both listeners are up, then waits (at most 20 s)
 * until an answer holds both members, and only then starts flapping, in
 * the 503 phase first. From then on, for -d ms (default 30000):
 *   - every answer must hold the stable member, and nothing but the two
 *     members (rcode NOERROR);
 *   - an answer to a query sent at least SETTLE_MS (default 600) into a
 *     phase, and received within that phase, must hold the flapping
 *     member exactly when the phase is 200: the server's rise/fall rule
 *     must have caught up by then.
 * Prints "phases N checked N unsettled N violations N unanswered N
 * probes-stable N probes-flap N" and, on stderr, the first violations.
 * Exit 0 when there was no violation and at least one settled answer per
 * phase was checked on average; 1 otherwise; 2 on usage or system errors.
 *
 * Owns its sockets. One thread, one poll loop.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
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

#define MAX_CONNS   64
#define QUERY_EVERY 20
#define QUERY_WAIT  300
#define SHOW_MAX    5

struct hconn {
	int fd;
	bool flap; /* accepted on the flapping member's listener */
	size_t len;
	char buf[2048];
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
		fprintf(stderr, "flapcheck: %s:%d: %s\n", addr, port, strerror(errno));
		exit(2);
	}
	return fd;
}

static size_t make_query(uint8_t *q, const char *name, uint16_t id)
{
	size_t o = 12;
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1;
	for (const char *p = name; *p != '\0';) {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			break;
		q[o++] = (uint8_t)l;
		memcpy(q + o, p, l);
		o += l;
		p += l + (p[l] == '.');
	}
	q[o++] = 0;
	q[o++] = 0;
	q[o++] = 1;
	q[o++] = 0;
	q[o++] = 1;
	return o;
}

static bool skip_name(const uint8_t *m, size_t len, size_t *off)
{
	for (int n = 0; n < 128 && *off < len; n++) {
		uint8_t l = m[*off];
		if (l == 0) {
			*off += 1;
			return true;
		}
		if ((l & 0xc0) == 0xc0) {
			*off += 2;
			return *off <= len;
		}
		*off += 1u + l;
	}
	return false;
}

/* The A records of a response: bit 0 stable seen, bit 1 flap seen, bit 2
 * something else (or a bad response). */
static unsigned decode(const uint8_t *m, size_t len, uint32_t stable, uint32_t flap)
{
	size_t off = 12;
	unsigned seen = 0;
	if (len < 12 || !(m[2] & 0x80) || (m[3] & 0x0f) != 0)
		return 4;
	unsigned qd = (unsigned)m[4] << 8 | m[5], an = (unsigned)m[6] << 8 | m[7];
	for (unsigned i = 0; i < qd; i++)
		if (!skip_name(m, len, &off) || (off += 4) > len)
			return 4;
	for (unsigned i = 0; i < an; i++) {
		if (!skip_name(m, len, &off) || off + 10 > len)
			return 4;
		unsigned type = (unsigned)m[off] << 8 | m[off + 1];
		size_t rdlen = (size_t)m[off + 8] << 8 | m[off + 9];
		off += 10;
		if (off + rdlen > len)
			return 4;
		if (type == 1 && rdlen == 4) {
			uint32_t a;
			memcpy(&a, m + off, 4);
			seen |= a == stable ? 1u : a == flap ? 2u : 4u;
		}
		off += rdlen;
	}
	return seen;
}

int main(int argc, char **argv)
{
	long period = 1000, dur = 30000, settle = 600;
	int dns_port = 0, http_port = 0, opt;
	const char *stable_s = NULL, *flap_s = NULL;

	while ((opt = getopt(argc, argv, "p:P:S:F:t:d:s:")) != -1) {
		switch (opt) {
		case 'p':
			dns_port = atoi(optarg);
			break;
		case 'P':
			http_port = atoi(optarg);
			break;
		case 'S':
			stable_s = optarg;
			break;
		case 'F':
			flap_s = optarg;
			break;
		case 't':
			period = atol(optarg);
			break;
		case 'd':
			dur = atol(optarg);
			break;
		case 's':
			settle = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	uint32_t stable, flap;
	if (optind != argc - 1 || dns_port <= 0 || http_port <= 0 || stable_s == NULL ||
	    flap_s == NULL || inet_pton(AF_INET, stable_s, &stable) != 1 ||
	    inet_pton(AF_INET, flap_s, &flap) != 1 || period < 100 || settle >= period ||
	    dur < period)
		goto usage;
	const char *name = argv[optind];

	int ls[2] = { listen_on(stable_s, http_port), listen_on(flap_s, http_port) };
	struct sockaddr_in dns = { .sin_family = AF_INET, .sin_port = htons((uint16_t)dns_port) };
	dns.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ufd < 0 || connect(ufd, (struct sockaddr *)&dns, sizeof dns) != 0) {
		perror("flapcheck: udp");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);

	static struct hconn conns[MAX_CONNS];
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	unsigned long probes[2] = { 0, 0 };
	unsigned long checked = 0, unsettled = 0, violations = 0, unanswered = 0;
	uint64_t t0 = 0, end = now_ms() + 20000; /* before t0: the wait for both members */
	uint64_t sent_at = 0, last_send = 0;
	uint16_t id = 0;
	bool waiting = false;

	for (;;) {
		uint64_t now = now_ms();
		if (now >= end)
			break;
		/* Phase 0 (503) starts at t0; before t0 the member is up. */
		bool flap_up = t0 == 0 || ((now - t0) / (uint64_t)period) % 2 == 1;

		if (waiting && now - sent_at >= QUERY_WAIT) {
			waiting = false;
			if (t0 != 0)
				unanswered++;
		}
		if (!waiting && now - last_send >= QUERY_EVERY) {
			uint8_t q[300];
			size_t ql = make_query(q, name, ++id);
			if (send(ufd, q, ql, 0) >= 0) {
				waiting = true;
				sent_at = last_send = now;
			}
		}

		struct pollfd pf[3 + MAX_CONNS];
		int map[MAX_CONNS], n = 0;
		pf[n++] = (struct pollfd){ .fd = ls[0], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = ls[1], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = ufd, .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++)
			if (conns[i].fd >= 0) {
				map[n - 3] = i;
				pf[n++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
			}
		if (poll(pf, (nfds_t)n, 5) < 0 && errno != EINTR) {
			perror("flapcheck: poll");
			return 2;
		}
		now = now_ms();
		for (int l = 0; l < 2; l++) {
			if (!(pf[l].revents & POLLIN))
				continue;
			int fd = accept4(ls[l], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			int i;
			for (i = 0; i < MAX_CONNS && conns[i].fd >= 0; i++)
				;
			if (i == MAX_CONNS) {
				close(fd);
				continue;
			}
			conns[i] = (struct hconn){ .fd = fd, .flap = l == 1 };
		}
		for (int k = 3; k < n; k++) {
			struct hconn *c = &conns[map[k - 3]];
			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
			if (r > 0) {
				c->len += (size_t)r;
				c->buf[c->len] = '\0';
			}
			if (r > 0 && strstr(c->buf, "\r\n\r\n") == NULL &&
			    c->len < sizeof c->buf - 1)
				continue;
			if (r > 0) {
				bool up = !c->flap || flap_up;
				const char *resp =
					up ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
					     "Connection: close\r\n\r\nok"
					   : "HTTP/1.1 503 Service Unavailable\r\n"
					     "Content-Length: 4\r\nConnection: close\r\n\r\ndown";
				if (send(c->fd, resp, strlen(resp), MSG_NOSIGNAL) < 0)
					(void)0; /* the prober gave up; nothing to do */
				probes[c->flap]++;
			}
			close(c->fd);
			c->fd = -1;
		}
		if (pf[2].revents & POLLIN) {
			uint8_t m[1500];
			ssize_t r = recv(ufd, m, sizeof m, 0);
			if (r >= 2 && waiting && ((uint16_t)(m[0] << 8 | m[1])) == id) {
				waiting = false;
				unsigned seen = decode(m, (size_t)r, stable, flap);
				if (t0 == 0) {
					if (seen == 3) { /* both answered: start flapping */
						t0 = now;
						end = now + (uint64_t)dur;
					}
					continue;
				}
				bool bad = (seen & 4) || !(seen & 1);
				uint64_t ph_sent = (sent_at - t0) / (uint64_t)period;
				uint64_t ph_now = (now - t0) / (uint64_t)period;
				bool settled =
					sent_at >= t0 &&
					(sent_at - t0) % (uint64_t)period >= (uint64_t)settle &&
					ph_sent == ph_now;
				if (settled) {
					checked++;
					bool want = ph_now % 2 == 1;
					if (want != !!(seen & 2))
						bad = true;
				} else {
					unsettled++;
				}
				if (bad && violations++ < SHOW_MAX)
					fprintf(stderr,
						"flapcheck: %.1f s into the run (phase %llu, "
						"member %s, "
						"%ld ms in): the answer %s the flapping member%s\n",
						(double)(now - t0) / 1000.0,
						(unsigned long long)ph_now,
						ph_now % 2 ? "up" : "down",
						(long)((sent_at - t0) % (uint64_t)period),
						seen & 2 ? "holds" : "lacks",
						(seen & 4) || !(seen & 1)
							? " (and is otherwise wrong)"
							: "");
			}
		}
	}
	unsigned long phases = t0 ? (unsigned long)(dur / period) : 0;
	printf("phases %lu checked %lu unsettled %lu violations %lu unanswered %lu probes-stable "
	       "%lu "
	       "probes-flap %lu\n",
	       phases, checked, unsettled, violations, unanswered, probes[0], probes[1]);
	if (t0 == 0) {
		fprintf(stderr, "flapcheck: never got both members in an answer\n");
		return 1;
	}
	return violations == 0 && checked >= phases ? 0 : 1;
usage:
	fprintf(stderr, "usage: flapcheck -p DNS_PORT -P HTTP_PORT -S STABLE_ADDR -F FLAP_ADDR "
			"[-t PERIOD_MS] [-d MS] [-s SETTLE_MS] NAME\n");
	return 2;
}
