/*
 * dnsprobe.h — the DNS queries of `member drain --wait`: asks a server for
 * a pool name's A or AAAA records and its SOA serial, over UDP (TCP when
 * the answer is truncated), without recursion. Queries and answers are
 * made and read with ldns, not with pooldns's own wire code, so a bug
 * there cannot hide itself.
 *
 * Thread-safety: reentrant; no shared state.
 */
#ifndef POOLCTL_DNSPROBE_H
#define POOLCTL_DNSPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pctl_dns_server {
	char text[80]; /* as given, for messages */
	char addr[64]; /* the address literal */
	bool v6;
	uint16_t port;
};

/* "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address (port
 * 53). Addresses are literals. 0, or -1 with err. */
int pctl_dns_server_parse(const char *text, struct pctl_dns_server *out, char *err, size_t errsz);

/* What one server says about a pool now. */
struct pctl_dns_look {
	bool present;     /* the member's address is in the A/AAAA answer */
	bool have_serial; /* the SOA query was answered with an SOA */
	uint32_t serial;  /* its serial (pooldns: the data version) */
};

/* Queries server s for name (A when family is AF_INET, else AAAA) and its
 * SOA, each with timeout_ms. 0, or -1 with err (no answer, or an rcode
 * other than NOERROR for the address query). */
int pctl_dns_look(const struct pctl_dns_server *s, const char *name, int family,
		  const uint8_t addr[16], int timeout_ms, struct pctl_dns_look *out, char *err,
		  size_t errsz);

#endif
