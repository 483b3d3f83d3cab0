/*
 * listen.h — the standalone server's listening sockets: parses one `listen`
 * value into a socket address and opens bound, non-blocking UDP and TCP
 * sockets for it. Every worker thread opens its own pair per address with
 * SO_REUSEPORT, so the kernel spreads queries and connections over workers.
 *
 * Thread-safety: no shared state; called by the main thread at start-up.
 */
#ifndef POOLDNS_LISTEN_H
#define POOLDNS_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct pooldns_listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	int family;    /* AF_INET or AF_INET6 */
	bool wildcard; /* 0.0.0.0 or ::: replies need IP(V6)_PKTINFO */
	char text[64]; /* "127.0.0.1:53", "[::1]:53" (normalized) */
};

/* Parses "addr:port", "[v6addr]:port", "addr" or "[v6addr]" / bare IPv6
 * (port 53). 0 or -1 with a message. */
int pooldns_listen_parse(const char *s, struct pooldns_listen_addr *out, char *err, size_t errsz);

/* Opens a socket of type SOCK_DGRAM or SOCK_STREAM bound to a (listening
 * for TCP): non-blocking, close-on-exec, SO_REUSEADDR, SO_REUSEPORT,
 * IPV6_V6ONLY for IPv6, packet info for wildcard UDP. Returns the fd, or
 * -1 with "listen ADDR (udp): REASON" in err. */
int pooldns_listen_open(const struct pooldns_listen_addr *a, int type, char *err, size_t errsz);

/* Asks for a receive buffer of `bytes` on fd: SO_RCVBUFFORCE (CAP_NET_ADMIN,
 * past net.core.rmem_max), else SO_RCVBUF (capped by it). Returns the
 * buffer the socket has afterwards, as the application's share (half of
 * what the kernel reports, which counts its bookkeeping too), or -1 if it
 * cannot be read. */
long pooldns_listen_rcvbuf(int fd, long bytes);

#endif
