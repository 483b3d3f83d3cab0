/*
 * cookie.h — DNS Cookies (RFC 7873) with interoperable server cookies
 * (RFC 9018): finding the COOKIE option in a query, checking a server
 * cookie, making a new one, and adding the COOKIE option to a response
 * that carries an OPT record. See cookie.c.
 *
 * Thread-safety: every function is reentrant; a struct
 * pooldns_cookie_secret is read-only once made (the server publishes it
 * with its answer settings).
 */
#ifndef POOLDNS_COOKIE_H
#define POOLDNS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/client.h"

#define POOLDNS_EDNS_OPT_COOKIE      10
#define POOLDNS_COOKIE_CLIENT_LEN    8
#define POOLDNS_COOKIE_SERVER_LEN    16 /* what RFC 9018 makes */
#define POOLDNS_COOKIE_SERVER_MIN    8
#define POOLDNS_COOKIE_SERVER_MAX    32
#define POOLDNS_COOKIE_SECRET_LEN    16
/* RFC 9018 §4.3: a cookie is good for an hour after its timestamp and
 * 5 minutes before it; one older than half an hour is replaced. */
#define POOLDNS_COOKIE_LIFETIME_S    3600
#define POOLDNS_COOKIE_FUTURE_S      300
#define POOLDNS_COOKIE_RENEW_AFTER_S 1800

/* The server secret, and optionally the previous one that is still
 * accepted while a new secret rolls out across servers. */
struct pooldns_cookie_secret {
	uint8_t key[POOLDNS_COOKIE_SECRET_LEN];
	bool have_previous;
	uint8_t previous[POOLDNS_COOKIE_SECRET_LEN];
};

/* What a query carried. */
struct pooldns_cookie_in {
	uint8_t client[POOLDNS_COOKIE_CLIENT_LEN];
	uint8_t server[POOLDNS_COOKIE_SERVER_MAX];
	uint8_t server_len; /* 0: a client cookie only */
	uint16_t udp_size;  /* the OPT record's requested UDP payload size */
};

enum pooldns_cookie_found {
	/* no OPT, no COOKIE option in it, or a packet that cannot be walked
	 * (the query parser judges that one) */
	POOLDNS_COOKIE_NONE = 0,
	POOLDNS_COOKIE_PRESENT = 1,   /* *in filled from the first COOKIE option */
	POOLDNS_COOKIE_MALFORMED = -1 /* a COOKIE option of a bad length, or one that
				       * overruns the OPT record: FORMERR (RFC 7873 §5.2.2) */
};

/* Looks for the first COOKIE option of the OPT record of the query
 * pkt[0..len). */
enum pooldns_cookie_found pooldns_cookie_find(const uint8_t *pkt, size_t len,
					      struct pooldns_cookie_in *in);

/* The RFC 9018 server cookie (version 1) for client cookie + source
 * address at time now (seconds since the epoch, taken mod 2^32). */
void pooldns_cookie_make(const uint8_t key[POOLDNS_COOKIE_SECRET_LEN],
			 const uint8_t client[POOLDNS_COOKIE_CLIENT_LEN],
			 const struct pooldns_client *addr, uint32_t now,
			 uint8_t out[POOLDNS_COOKIE_SERVER_LEN]);

/* True when in's server cookie is one this server (current or previous
 * secret) made for that client cookie and source address, and its time is
 * within the lifetime around now. *renew says a new cookie should be sent
 * (older than half an hour, or made with the previous secret). */
bool pooldns_cookie_valid(const struct pooldns_cookie_secret *secret,
			  const struct pooldns_cookie_in *in, const struct pooldns_client *addr,
			  uint32_t now, bool *renew);

/* Adds a COOKIE option (client cookie + server cookie) to the OPT record
 * of the response resp[0..len), which must be the message's last record
 * and hold whole options only, when the result still fits in limit bytes
 * (and cap). Returns the new length, or len unchanged when there is no
 * such OPT record at the end or no room. */
size_t pooldns_cookie_append(uint8_t *resp, size_t len, size_t cap, size_t limit,
			     const uint8_t client[POOLDNS_COOKIE_CLIENT_LEN],
			     const uint8_t server[POOLDNS_COOKIE_SERVER_LEN]);

#endif
