/*
 * tcpclient.c — a DNS-over-TCP client for the RFC 7766 checks of the
 * standalone server (tests/integration/standalone-tcp.sh). It speaks just
 * enough DNS to send A queries for one name and check the framing, order,
 * IDs and rcode of the responses; the answers themselves are checked by the
 * harness cases. Exit status 0 when every check of the mode passed, 1 with
 * a message otherwise.
 *
 * Response ids are 16 bits and wrap; order is checked modulo 65536.
 *
 * Modes (the server on 127.0.0.1:PORT):
 *   pipeline PORT NAME COUNT MAX_MS MAX_SEGS
 *       COUNT queries in one write(); every response must arrive, in
 *       order, within MAX_MS, carried by at most MAX_SEGS data segments
 *       (the connection's tcpi_data_segs_in: responses written one
 *       segment each, or held back by Nagle's algorithm, show here).
 *   stall PORT NAME COUNT
 *       a slow reader (small socket buffers): sends up to COUNT queries
 *       without reading until the server stops taking them, then checks
 *       that a second connection is still answered at once (the worker is
 *       not blocked on the first), then reads every response of the first,
 *       in order.
 *   idle PORT MIN_MS MAX_MS
 *       connects, sends nothing, and expects the server to close within
 *       [MIN_MS, MAX_MS].
 *   evict PORT NAME MAX_CONN
 *       opens MAX_CONN + 1 connections one after the other, each answering
 *       a query; the first (least recently active) must then be closed and
 *       the newest must still answer.
 *
 * Owns its sockets; single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QMAX 300 /* one framed query: 2 + 12 + name (<= 255) + 4 */

static const char *mode = "tcpclient";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tcpclient %s: ", mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
		die("'%s' is not a number in %ld..%ld", s, lo, hi);
	return v;
}

/* bufsz > 0: the socket's send and receive buffers are set that small
 * before connecting, so that a client that does not read fills the path
 * quickly. */
static int connect_port(int port, int bufsz)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (bufsz > 0 && (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz)) != 0 ||
			  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz)) != 0))
		die("SO_RCVBUF/SO_SNDBUF: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect to port %d: %s", port, strerror(errno));
	return fd;
}

/* One framed A query for name (presentation form) with this id into out;
 * returns its length. */
static size_t make_query(const char *name, uint16_t id, uint8_t *out)
{
	size_t n = 2;
	const char *p = name;

	out[n++] = (uint8_t)(id >> 8);
	out[n++] = (uint8_t)id;
	out[n++] = 0x01; /* RD */
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 1; /* QDCOUNT */
	memset(out + n, 0, 6);
	n += 6;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || n + l + 1 > QMAX - 5)
			die("bad name '%s'", name);
		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 1; /* A */
	out[n++] = 0;
	out[n++] = 1; /* IN */
	out[0] = (uint8_t)((n - 2) >> 8);
	out[1] = (uint8_t)(n - 2);
	return n;
}

static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("send: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Reads exactly len bytes before the deadline (absolute ms). */
static void read_exact(int fd, uint8_t *p, size_t len, long deadline)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		if (left <= 0)
			die("timed out waiting for responses");
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		ssize_t n = recv(fd, p, len, 0);
		if (n == 0)
			die("the server closed the connection before answering");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recv: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Reads count responses, which must answer ids first_id, first_id + 1...
 * in order, with QR set and NOERROR. */
static void read_responses(int fd, unsigned count, uint16_t first_id, long deadline)
{
	uint8_t msg[65535];

	for (unsigned i = 0; i < count; i++) {
		uint8_t hdr[2];
		size_t len;
		uint16_t id, want = (uint16_t)(first_id + i);

		read_exact(fd, hdr, 2, deadline);
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len < 12)
			die("response %u: %zu-byte message", i, len);
		read_exact(fd, msg, len, deadline);
		id = (uint16_t)(msg[0] << 8 | msg[1]);
		if (id != want)
			die("response %u: id %u, expected %u (out of order?)", i, id, want);
		if (!(msg[2] & 0x80) || (msg[3] & 0x0f) != 0)
			die("response %u: flags %02x%02x, expected QR and NOERROR", i, msg[2],
			    msg[3]);
	}
}

/* Sends count queries for name with ids from first_id, in one write. */
static void send_queries(int fd, const char *name, unsigned count, uint16_t first_id)
{
	uint8_t *buf = malloc((size_t)count * QMAX);
	size_t len = 0;

	if (buf == NULL)
		die("out of memory");
	for (unsigned i = 0; i < count; i++)
		len += make_query(name, (uint16_t)(first_id + i), buf + len);
	write_all(fd, buf, len);
	free(buf);
}

static unsigned data_segs_in(int fd)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) != 0)
		die("TCP_INFO: %s", strerror(errno));
	if (sl < offsetof(struct tcp_info, tcpi_data_segs_in) + sizeof(ti.tcpi_data_segs_in))
		die("the kernel's tcp_info has no tcpi_data_segs_in");
	return ti.tcpi_data_segs_in;
}

static int pipeline(int port, const char *name, unsigned count, long max_ms, unsigned max_segs)
{
	int fd = connect_port(port, 0);
	long t0 = now_ms(), ms;
	unsigned segs;

	send_queries(fd, name, count, 1);
	read_responses(fd, count, 1, t0 + max_ms);
	ms = now_ms() - t0;
	segs = data_segs_in(fd);
	printf("pipeline: %u responses in %ld ms, %u data segments\n", count, ms, segs);
	if (segs > max_segs)
		die("%u responses came in %u data segments, more than %u", count, segs, max_segs);
	close(fd);
	return 0;
}

static int stall(int port, const char *name, unsigned count)
{
	int slow = connect_port(port, 4096);
	uint8_t q[QMAX];
	unsigned sent = 0;
	long quiet_since = -1;

	if (fcntl(slow, F_SETFL, O_NONBLOCK) != 0)
		die("fcntl: %s", strerror(errno));
	/* Write whole queries until the server stops taking them (its output
	 * is pending, so it stopped reading) for 300 ms, or count are out. */
	while (sent < count) {
		size_t len = make_query(name, (uint16_t)(1 + sent), q), off = 0;
		while (off < len) {
			ssize_t n = send(slow, q + off, len - off, MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
				quiet_since = -1;
				continue;
			}
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				die("send: %s", strerror(errno));
			/* A query left half written is never answered: only
			 * whole ones are counted. */
			if (quiet_since >= 0 && now_ms() - quiet_since >= 300)
				break;
			if (quiet_since < 0)
				quiet_since = now_ms();
			struct pollfd pfd = { .fd = slow, .events = POLLOUT };
			poll(&pfd, 1, 50);
		}
		if (off < len)
			break;
		sent++;
	}
	if (sent == count)
		die("the server took all %u queries without the client reading: no backpressure "
		    "seen (raise COUNT)",
		    count);

	/* The worker must still serve others at once. */
	long t0 = now_ms();
	int other = connect_port(port, 0);
	send_queries(other, name, 10, 1);
	read_responses(other, 10, 1, t0 + 2000);
	close(other);
	printf("stall: %u queries written before the server stopped reading; another "
	       "connection answered in %ld ms\n",
	       sent, now_ms() - t0);

	if (fcntl(slow, F_SETFL, 0) != 0)
		die("fcntl: %s", strerror(errno));
	read_responses(slow, sent, 1, now_ms() + 20000);
	printf("stall: all %u responses of the slow reader arrived, in order\n", sent);
	close(slow);
	return 0;
}

static int idle(int port, long min_ms, long max_ms)
{
	int fd = connect_port(port, 0);
	long t0 = now_ms(), ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t b;

	if (poll(&pfd, 1, (int)max_ms + 1000) != 1)
		die("still open after %ld ms", max_ms + 1000);
	if (recv(fd, &b, 1, 0) != 0)
		die("expected the server to close the idle connection");
	ms = now_ms() - t0;
	printf("idle: closed after %ld ms\n", ms);
	if (ms < min_ms || ms > max_ms)
		die("closed after %ld ms, outside %ld..%ld", ms, min_ms, max_ms);
	close(fd);
	return 0;
}

static int evict(int port, const char *name, unsigned max_conn)
{
	int fds[65];
	struct pollfd pfd;
	uint8_t b;

	if (max_conn + 1 > sizeof(fds) / sizeof(fds[0]))
		die("at most %zu connections", sizeof(fds) / sizeof(fds[0]) - 1);
	for (unsigned i = 0; i <= max_conn; i++) {
		fds[i] = connect_port(port, 0);
		send_queries(fds[i], name, 1, (uint16_t)(100 + i));
		read_responses(fds[i], 1, (uint16_t)(100 + i), now_ms() + 2000);
	}
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 2000) != 1 || recv(fds[0], &b, 1, 0) != 0)
		die("the least recently active connection was not closed");
	send_queries(fds[max_conn], name, 1, 7);
	read_responses(fds[max_conn], 1, 7, now_ms() + 2000);
	printf("evict: connection 1 of %u closed, the newest still answers\n", max_conn + 1);
	for (unsigned i = 0; i <= max_conn; i++)
		close(fds[i]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: tcpclient pipeline|stall|idle|evict PORT ...");
	mode = argv[1];
	if (strcmp(mode, "pipeline") == 0 && argc == 7)
		return pipeline((int)number(argv[2], 1, 65535), argv[3],
				(unsigned)number(argv[4], 1, 60000), number(argv[5], 1, 600000),
				(unsigned)number(argv[6], 1, 1000000));
	if (strcmp(mode, "stall") == 0 && argc == 5)
		return stall((int)number(argv[2], 1, 65535), argv[3],
			     (unsigned)number(argv[4], 1, 1000000));
	if (strcmp(mode, "idle") == 0 && argc == 5)
		return idle((int)number(argv[2], 1, 65535), number(argv[3], 0, 600000),
			    number(argv[4], 1, 600000));
	if (strcmp(mode, "evict") == 0 && argc == 5)
		return evict((int)number(argv[2], 1, 65535), argv[3],
			     (unsigned)number(argv[4], 1, 64));
	die("bad arguments (see the top of tests/tools/tcpclient.c)");
	return 1;
}
