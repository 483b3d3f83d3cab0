/*
 * probe.h — the harness's DNS client: builds a query with ldns from a
 * pooldns_query_spec (or takes raw bytes), sends it over UDP or TCP to the
 * server under test, waits a bounded time for the response and decodes it
 * with ldns. Independent of pooldns's own wire code on purpose: the harness
 * must not share bugs with the server it checks.
 *
 * Ownership: a pooldns_probe_resp owns its wire bytes and ldns packet;
 * free with pooldns_probe_resp_free(). Thread model: single-threaded; no
 * globals besides the kernel's random source.
 */
#ifndef POOLDNS_HARNESS_PROBE_H
#define POOLDNS_HARNESS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <ldns/ldns.h>

#include "case.h"

struct pooldns_probe_server {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[96]; /* "127.0.0.1 port 5300" for messages */
};

enum pooldns_probe_status {
	POOLDNS_PROBE_OK = 0,     /* a response arrived */
	POOLDNS_PROBE_NORESPONSE, /* timeout, or TCP closed without a response */
	POOLDNS_PROBE_ERROR,      /* could not ask (refused, unreachable, ...) */
};

struct pooldns_probe_resp {
	enum pooldns_probe_status status;
	char detail[160]; /* why NORESPONSE / ERROR */
	uint8_t *wire;    /* the response as received */
	size_t len;
	ldns_pkt *pkt; /* NULL when ldns could not decode it */
	char decode_err[96];
	/* From the header bytes (valid whenever len >= 12): */
	uint16_t id;
	uint16_t flags; /* second header word with the rcode bits cleared */
	unsigned rcode; /* extended when an OPT record was decoded */
	/* EDNS, from the decoded packet: */
	bool edns;
	uint16_t edns_payload;
	uint8_t edns_version;
	bool edns_do;
	bool ecs;
	uint8_t ecs_scope;
	uint32_t elapsed_us;
};

/* Resolves host (numeric address or name) and port. 0 or -1 with err. */
int pooldns_probe_server_init(struct pooldns_probe_server *srv, const char *host, const char *port,
			      char *err, size_t errsz);

/* Builds the query wire for spec (a fresh random ID). 0 or -1 with err;
 * *wire is malloc'ed, caller frees. */
int pooldns_probe_build(const struct pooldns_query_spec *spec, uint8_t **wire, size_t *len,
			char *err, size_t errsz);

/* Sends one query (wire, len) and waits up to timeout_ms. The response must
 * carry the query's ID (when len >= 2). Fills *resp (always; free it). */
void pooldns_probe_exchange(const struct pooldns_probe_server *srv, bool tcp, const uint8_t *wire,
			    size_t len, uint32_t timeout_ms, struct pooldns_probe_resp *resp);

/* Like exchange, but over an already open connected UDP socket (repeats of
 * one query step reuse one socket, as a real client would). fd < 0 opens a
 * new one and stores it in *fd. */
void pooldns_probe_exchange_udp(const struct pooldns_probe_server *srv, int *fd,
				const uint8_t *wire, size_t len, uint32_t timeout_ms,
				struct pooldns_probe_resp *resp);

void pooldns_probe_resp_free(struct pooldns_probe_resp *resp);

/* Fills *resp as if wire[0..len) had just been received (copies it and
 * decodes it). For tests and tools. 0, or -1 when out of memory. */
int pooldns_probe_resp_set_wire(struct pooldns_probe_resp *resp, const uint8_t *wire, size_t len);

/* Appends a readable dump of the response (ldns text, or hex when it could
 * not be decoded) to buf, each line prefixed with prefix. */
void pooldns_probe_resp_dump(const struct pooldns_probe_resp *resp, const char *prefix, char *buf,
			     size_t bufsz);

/* Sleeps ms milliseconds (restarting on EINTR). */
void pooldns_probe_sleep_ms(uint32_t ms);

#endif
