/*
 * listen.c — parses `listen` values and opens the server's sockets (see
 * listen.h). The config parser (core/conf.c) already validated the syntax;
 * this file repeats the parse into a struct sockaddr because the core
 * library deliberately knows nothing about sockets.
 *
 * Owns nothing beyond the descriptors it returns to the caller.
 * Thread model: main thread only, at start-up.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

#define TCP_BACKLOG 1024

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int pooldns_listen_parse(const char *s, struct pooldns_listen_addr *out, char *err, size_t errsz)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text = NULL;
	unsigned port = 53;
	bool v6;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			goto bad;
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (end[1] == ':')
			port_text = end + 2;
		v6 = true;
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			hl = strlen(s); /* bare IPv6, default port */
			v6 = true;
		} else {
			hl = colon != NULL ? (size_t)(colon - s) : strlen(s);
			if (colon != NULL)
				port_text = colon + 1;
			v6 = false;
		}
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (port_text != NULL && parse_port(port_text, &port) != 0) {
		snprintf(err, errsz, "listen %s: bad port", s);
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*sin6);
		out->family = AF_INET6;
		out->wildcard = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out->text, sizeof(out->text), "[%s]:%u", host, port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		out->len = sizeof(*sin);
		out->family = AF_INET;
		out->wildcard = sin->sin_addr.s_addr == htonl(INADDR_ANY);
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out->text, sizeof(out->text), "%s:%u", host, port);
	}
	return 0;
bad:
	snprintf(err, errsz, "listen %s: bad address", s);
	return -1;
}

static int set_int(int fd, int level, int opt, int value)
{
	return setsockopt(fd, level, opt, &value, sizeof(value));
}

long pooldns_listen_rcvbuf(int fd, long bytes)
{
	int v = bytes > INT_MAX / 2 ? INT_MAX / 2 : (int)bytes;
	socklen_t len = sizeof(v);

	/* The kernel doubles the value given; what it reports is doubled. */
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, v) != 0)
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, v);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) != 0)
		return -1;
	return v / 2;
}

int pooldns_listen_open(const struct pooldns_listen_addr *a, int type, char *err, size_t errsz)
{
	const char *proto = type == SOCK_DGRAM ? "udp" : "tcp";
	const char *what;
	int fd, saved;

	fd = socket(a->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		what = "socket";
		goto fail_nofd;
	}
	what = "SO_REUSEADDR";
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) != 0)
		goto fail;
	what = "SO_REUSEPORT";
	if (set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) != 0)
		goto fail;
	if (a->family == AF_INET6) {
		what = "IPV6_V6ONLY";
		if (set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) != 0)
			goto fail;
	}
	if (type == SOCK_DGRAM && a->wildcard) {
		/* A wildcard UDP socket must answer from the address the query
		 * was sent to: ask for it with every datagram. */
		if (a->family == AF_INET) {
			what = "IP_PKTINFO";
			if (set_int(fd, IPPROTO_IP, IP_PKTINFO, 1) != 0)
				goto fail;
		} else {
			what = "IPV6_RECVPKTINFO";
			if (set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) != 0)
				goto fail;
		}
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		what = NULL;
		goto fail;
	}
	if (type == SOCK_STREAM && listen(fd, TCP_BACKLOG) != 0) {
		what = "listen";
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
fail_nofd:
	if (what != NULL)
		snprintf(err, errsz, "listen %s (%s): %s: %s", a->text, proto, what,
			 strerror(errno));
	else
		snprintf(err, errsz, "listen %s (%s): %s", a->text, proto, strerror(errno));
	return -1;
}
