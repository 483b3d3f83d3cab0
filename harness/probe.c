/*
 * probe.c — the harness's DNS client (see probe.h): ldns builds queries and
 * decodes responses; plain sockets with poll() deadlines carry them. Every
 * wait is bounded by the caller's timeout.
 *
 * Owns: the sockets it opens (closed before returning, except the UDP
 * socket a caller asks to keep). Thread model: single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>

#include "core/clock.h"
#include "probe.h"

#define RECV_MAX 65535

void pooldns_probe_sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int pooldns_probe_server_init(struct pooldns_probe_server *srv, const char *host, const char *port,
			      char *err, size_t errsz)
{
	memset(srv, 0, sizeof *srv);
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errsz, "server %s port %s: %s", host, port,
			 rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	if (res->ai_addrlen > sizeof srv->addr) {
		freeaddrinfo(res);
		snprintf(err, errsz, "server %s: address too long", host);
		return -1;
	}
	memcpy(&srv->addr, res->ai_addr, res->ai_addrlen);
	srv->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(srv->text, sizeof srv->text, "%s port %s", host, port);
	return 0;
}

static uint16_t random_id(void)
{
	uint16_t id = 0;
	if (getrandom(&id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id)
		id = (uint16_t)(pooldns_now_us() * 2654435761u >> 7);
	return id;
}

int pooldns_probe_build(const struct pooldns_query_spec *spec, uint8_t **wire, size_t *len,
			char *err, size_t errsz)
{
	*wire = NULL;
	*len = 0;
	if (spec->raw != NULL) {
		*wire = malloc(spec->raw_len);
		if (*wire == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		memcpy(*wire, spec->raw, spec->raw_len);
		*len = spec->raw_len;
		return 0;
	}
	uint16_t flags = 0;
	if (spec->rd)
		flags |= LDNS_RD;
	if (spec->cd)
		flags |= LDNS_CD;
	if (spec->ad)
		flags |= LDNS_AD;
	ldns_rdf *name = ldns_rdf_clone(spec->qname);
	if (name == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	ldns_pkt *pkt = ldns_pkt_query_new(name, spec->qtype, spec->qclass, flags);
	if (pkt == NULL) {
		snprintf(err, errsz, "ldns could not build the query");
		return -1;
	}
	ldns_pkt_set_id(pkt, random_id());
	if (spec->edns) {
		ldns_pkt_set_edns_udp_size(pkt, spec->payload);
		ldns_pkt_set_edns_version(pkt, spec->edns_version);
		ldns_pkt_set_edns_do(pkt, spec->do_bit);
		if (spec->ecs) {
			/* RFC 7871: FAMILY, SOURCE PREFIX, SCOPE 0, address
			 * truncated to the prefix and masked. */
			uint8_t opt[4 + 4 + 16];
			size_t alen = ((size_t)spec->ecs_prefix + 7) / 8;
			opt[0] = 0;
			opt[1] = 8; /* OPTION-CODE client subnet */
			opt[2] = 0;
			opt[3] = (uint8_t)(4 + alen);
			opt[4] = 0;
			opt[5] = (uint8_t)spec->ecs_family;
			opt[6] = spec->ecs_prefix;
			opt[7] = 0;
			memcpy(opt + 8, spec->ecs_addr, alen);
			if (spec->ecs_prefix % 8 != 0)
				opt[8 + alen - 1] &= (uint8_t)(0xff << (8 - spec->ecs_prefix % 8));
			ldns_rdf *d = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, 8 + alen, opt);
			if (d == NULL) {
				ldns_pkt_free(pkt);
				snprintf(err, errsz, "out of memory");
				return -1;
			}
			ldns_pkt_set_edns_data(pkt, d);
		}
	}
	ldns_status st = ldns_pkt2wire(wire, pkt, len);
	ldns_pkt_free(pkt);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errsz, "ldns could not encode the query: %s",
			 ldns_get_errorstr_by_id(st));
		return -1;
	}
	return 0;
}

/* Fills the header-derived and ldns-decoded fields of resp from resp->wire. */
static void decode(struct pooldns_probe_resp *resp)
{
	if (resp->len >= 12) {
		resp->id = (uint16_t)(resp->wire[0] << 8 | resp->wire[1]);
		uint16_t w = (uint16_t)(resp->wire[2] << 8 | resp->wire[3]);
		resp->flags = w & 0xfff0u;
		resp->rcode = w & 0x000fu;
	}
	ldns_pkt *pkt = NULL;
	ldns_status st = ldns_wire2pkt(&pkt, resp->wire, resp->len);
	if (st != LDNS_STATUS_OK || pkt == NULL) {
		snprintf(resp->decode_err, sizeof resp->decode_err, "%s",
			 ldns_get_errorstr_by_id(st));
		if (pkt != NULL)
			ldns_pkt_free(pkt);
		return;
	}
	resp->pkt = pkt;
	/* ldns removes the OPT record from the additional section and lowers
	 * its arcount; the header bytes still count it. */
	unsigned raw_ar = (unsigned)(resp->wire[10] << 8 | resp->wire[11]);
	unsigned got_ar = (unsigned)ldns_rr_list_rr_count(ldns_pkt_additional(pkt));
	resp->edns = raw_ar > got_ar;
	if (!resp->edns)
		return;
	resp->rcode |= (unsigned)ldns_pkt_edns_extended_rcode(pkt) << 4;
	resp->edns_payload = ldns_pkt_edns_udp_size(pkt);
	resp->edns_version = ldns_pkt_edns_version(pkt);
	resp->edns_do = ldns_pkt_edns_do(pkt);
	ldns_rdf *data = ldns_pkt_edns_data(pkt);
	if (data == NULL)
		return;
	const uint8_t *o = ldns_rdf_data(data);
	size_t n = ldns_rdf_size(data);
	for (size_t i = 0; i + 4 <= n;) {
		uint16_t code = (uint16_t)(o[i] << 8 | o[i + 1]);
		uint16_t olen = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
		if (i + 4 + olen > n)
			break;
		if (code == 8 && olen >= 4) {
			resp->ecs = true;
			resp->ecs_scope = o[i + 4 + 3];
		}
		i += 4 + (size_t)olen;
	}
}

static bool id_matches(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen)
{
	if (qlen < 2)
		return true;
	return rlen >= 2 && q[0] == r[0] && q[1] == r[1];
}

static void set_error(struct pooldns_probe_resp *resp, enum pooldns_probe_status st,
		      const struct pooldns_probe_server *srv, const char *what, int e)
{
	resp->status = st;
	snprintf(resp->detail, sizeof resp->detail, "%s %s: %s", what, srv->text, strerror(e));
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = pooldns_now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

void pooldns_probe_exchange_udp(const struct pooldns_probe_server *srv, int *fd,
				const uint8_t *wire, size_t len, uint32_t timeout_ms,
				struct pooldns_probe_resp *resp)
{
	memset(resp, 0, sizeof *resp);
	uint64_t start = pooldns_now_us();
	uint64_t deadline = pooldns_now_ms() + timeout_ms;
	if (*fd < 0) {
		*fd = socket(srv->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (*fd < 0) {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "socket for", errno);
			return;
		}
		if (connect(*fd, (const struct sockaddr *)&srv->addr, srv->addrlen) != 0) {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "connect to", errno);
			close(*fd);
			*fd = -1;
			return;
		}
	}
	/* Drop anything left over from an earlier query on this socket. */
	uint8_t *buf = malloc(RECV_MAX);
	if (buf == NULL) {
		resp->status = POOLDNS_PROBE_ERROR;
		snprintf(resp->detail, sizeof resp->detail, "out of memory");
		return;
	}
	while (recv(*fd, buf, RECV_MAX, MSG_DONTWAIT) >= 0)
		;
	if (send(*fd, wire, len, 0) != (ssize_t)len) {
		set_error(resp, POOLDNS_PROBE_ERROR, srv, "send to", errno);
		free(buf);
		return;
	}
	for (;;) {
		int left = remaining_ms(deadline);
		if (left == 0) {
			resp->status = POOLDNS_PROBE_NORESPONSE;
			snprintf(resp->detail, sizeof resp->detail,
				 "no response from %s within %u ms", srv->text, timeout_ms);
			break;
		}
		struct pollfd pfd = { .fd = *fd, .events = POLLIN };
		int pr = poll(&pfd, 1, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "poll on", errno);
			break;
		}
		if (pr == 0)
			continue;
		ssize_t n = recv(*fd, buf, RECV_MAX, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "receive from", errno);
			break;
		}
		if (!id_matches(wire, len, buf, (size_t)n))
			continue; /* a late answer to something else: keep waiting */
		resp->wire = malloc(n > 0 ? (size_t)n : 1);
		if (resp->wire == NULL) {
			resp->status = POOLDNS_PROBE_ERROR;
			snprintf(resp->detail, sizeof resp->detail, "out of memory");
			break;
		}
		memcpy(resp->wire, buf, (size_t)n);
		resp->len = (size_t)n;
		resp->status = POOLDNS_PROBE_OK;
		decode(resp);
		break;
	}
	free(buf);
	resp->elapsed_us = (uint32_t)(pooldns_now_us() - start);
}

/* Writes all of buf before the deadline; 0, or -1 with errno (ETIMEDOUT). */
static int write_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		int left = remaining_ms(deadline);
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* Reads exactly len bytes. 0; 1 on EOF before any/all bytes; -1 with errno. */
static int read_all(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = recv(fd, buf + off, len - off, 0);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			return 1;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		int left = remaining_ms(deadline);
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

static void exchange_tcp(const struct pooldns_probe_server *srv, const uint8_t *wire, size_t len,
			 uint32_t timeout_ms, struct pooldns_probe_resp *resp)
{
	uint64_t deadline = pooldns_now_ms() + timeout_ms;
	int fd = socket(srv->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		set_error(resp, POOLDNS_PROBE_ERROR, srv, "TCP socket for", errno);
		return;
	}
	if (connect(fd, (const struct sockaddr *)&srv->addr, srv->addrlen) != 0) {
		if (errno != EINPROGRESS) {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "TCP connect to", errno);
			close(fd);
			return;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int pr;
		do
			pr = poll(&pfd, 1, remaining_ms(deadline));
		while (pr < 0 && errno == EINTR);
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (pr == 0) {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "TCP connect to", ETIMEDOUT);
			close(fd);
			return;
		}
		if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
		    soerr != 0) {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "TCP connect to",
				  soerr ? soerr : errno);
			close(fd);
			return;
		}
	}
	uint8_t *msg = malloc(len + 2);
	if (msg == NULL) {
		close(fd);
		resp->status = POOLDNS_PROBE_ERROR;
		snprintf(resp->detail, sizeof resp->detail, "out of memory");
		return;
	}
	msg[0] = (uint8_t)(len >> 8);
	msg[1] = (uint8_t)len;
	memcpy(msg + 2, wire, len);
	int wr = write_all(fd, msg, len + 2, deadline);
	free(msg);
	if (wr != 0) {
		/* A server may reset a connection carrying garbage: that is
		 * no response, not an unreachable server. */
		if (errno == EPIPE || errno == ECONNRESET) {
			resp->status = POOLDNS_PROBE_NORESPONSE;
			snprintf(resp->detail, sizeof resp->detail, "%s closed the TCP connection",
				 srv->text);
		} else {
			set_error(resp, POOLDNS_PROBE_ERROR, srv, "TCP send to", errno);
		}
		close(fd);
		return;
	}
	uint8_t lenbuf[2];
	int rr = read_all(fd, lenbuf, 2, deadline);
	size_t rlen = 0;
	if (rr == 0) {
		rlen = (size_t)(lenbuf[0] << 8 | lenbuf[1]);
		resp->wire = malloc(rlen ? rlen : 1);
		if (resp->wire == NULL) {
			close(fd);
			resp->status = POOLDNS_PROBE_ERROR;
			snprintf(resp->detail, sizeof resp->detail, "out of memory");
			return;
		}
		rr = read_all(fd, resp->wire, rlen, deadline);
	}
	close(fd);
	if (rr == 1 || (rr < 0 && (errno == ECONNRESET || errno == ETIMEDOUT))) {
		free(resp->wire);
		resp->wire = NULL;
		resp->status = POOLDNS_PROBE_NORESPONSE;
		if (rr < 0 && errno == ETIMEDOUT)
			snprintf(resp->detail, sizeof resp->detail,
				 "no TCP response from %s within %u ms", srv->text, timeout_ms);
		else
			snprintf(resp->detail, sizeof resp->detail,
				 "%s closed the TCP connection without a (complete) response",
				 srv->text);
		return;
	}
	if (rr < 0) {
		free(resp->wire);
		resp->wire = NULL;
		set_error(resp, POOLDNS_PROBE_ERROR, srv, "TCP receive from", errno);
		return;
	}
	resp->len = rlen;
	if (!id_matches(wire, len, resp->wire, rlen)) {
		resp->status = POOLDNS_PROBE_OK;
		decode(resp);
		snprintf(resp->detail, sizeof resp->detail,
			 "TCP response ID %u does not match the query's", (unsigned)resp->id);
		resp->status = POOLDNS_PROBE_ERROR;
		return;
	}
	resp->status = POOLDNS_PROBE_OK;
	decode(resp);
}

void pooldns_probe_exchange(const struct pooldns_probe_server *srv, bool tcp, const uint8_t *wire,
			    size_t len, uint32_t timeout_ms, struct pooldns_probe_resp *resp)
{
	if (!tcp) {
		int fd = -1;
		pooldns_probe_exchange_udp(srv, &fd, wire, len, timeout_ms, resp);
		if (fd >= 0)
			close(fd);
		return;
	}
	memset(resp, 0, sizeof *resp);
	uint64_t start = pooldns_now_us();
	exchange_tcp(srv, wire, len, timeout_ms, resp);
	resp->elapsed_us = (uint32_t)(pooldns_now_us() - start);
}

int pooldns_probe_resp_set_wire(struct pooldns_probe_resp *resp, const uint8_t *wire, size_t len)
{
	memset(resp, 0, sizeof *resp);
	resp->wire = malloc(len ? len : 1);
	if (resp->wire == NULL) {
		resp->status = POOLDNS_PROBE_ERROR;
		snprintf(resp->detail, sizeof resp->detail, "out of memory");
		return -1;
	}
	memcpy(resp->wire, wire, len);
	resp->len = len;
	resp->status = POOLDNS_PROBE_OK;
	decode(resp);
	return 0;
}

void pooldns_probe_resp_free(struct pooldns_probe_resp *resp)
{
	if (resp == NULL)
		return;
	if (resp->pkt != NULL)
		ldns_pkt_free(resp->pkt);
	free(resp->wire);
	memset(resp, 0, sizeof *resp);
}

/* ldns's dig-like text lines that say nothing about the response. */
static bool noise(const char *line, size_t l)
{
	static const char *const skip[] = { ";; Query time", ";; WHEN", ";; SERVER" };
	if (l == 0)
		return true;
	for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
		if (strncmp(line, skip[i], strlen(skip[i])) == 0)
			return true;
	return false;
}

static void append_prefixed(char *buf, size_t bufsz, const char *prefix, const char *text)
{
	size_t used = strlen(buf);
	const char *line = text;
	while (*line != '\0' && used + 1 < bufsz) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		if (noise(line, l)) {
			line += l + (nl ? 1 : 0);
			continue;
		}
		int w = snprintf(buf + used, bufsz - used, "%s%.*s\n", prefix, (int)l, line);
		if (w < 0 || (size_t)w >= bufsz - used) {
			buf[bufsz - 1] = '\0';
			return;
		}
		used += (size_t)w;
		line += l + (nl ? 1 : 0);
	}
}

void pooldns_probe_resp_dump(const struct pooldns_probe_resp *resp, const char *prefix, char *buf,
			     size_t bufsz)
{
	if (bufsz == 0)
		return;
	if (resp->status != POOLDNS_PROBE_OK) {
		char line[256];
		snprintf(line, sizeof line, "(%s)", resp->detail);
		append_prefixed(buf, bufsz, prefix, line);
		return;
	}
	if (resp->pkt != NULL) {
		char *s = ldns_pkt2str(resp->pkt);
		if (s != NULL) {
			append_prefixed(buf, bufsz, prefix, s);
			free(s);
		}
		return;
	}
	char hex[3 * 64 + 128];
	int w = snprintf(hex, sizeof hex, "(undecodable response, %zu bytes: %s)\n", resp->len,
			 resp->decode_err);
	for (size_t i = 0; i < resp->len && i < 64 && w > 0 && (size_t)w + 4 < sizeof hex; i++)
		w += snprintf(hex + w, sizeof hex - (size_t)w, "%02x%s", resp->wire[i],
			      i + 1 < resp->len && i + 1 < 64 ? " " : "");
	append_prefixed(buf, bufsz, prefix, hex);
}
