/*
 * guard.h — what stands between a query and its answer in the standalone
 * server: the access list (who may ask, per listen address), DNS cookies
 * (RFC 7873 / RFC 9018) and response rate limiting over UDP. The settings
 * are built from the configuration by the main thread and published to
 * the workers like the answer settings (RCU, server.h); the rate-limit
 * table is the server's and lives from start to stop. See guard.c.
 *
 * Thread-safety: a struct pooldns_guard is read-only once published; the
 * per-query functions are called on worker threads with their own
 * counters and a struct pooldns_guard_query on their stack.
 */
#ifndef POOLDNS_GUARD_H
#define POOLDNS_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "core/dns/acl.h"
#include "core/dns/answer.h"
#include "core/dns/cookie.h"
#include "core/dns/rrl.h"
#include "listen.h"
#include "stats.h"

struct pooldns_guard {
	struct pooldns_acl acl;
	struct pooldns_acl_rule *rules; /* owned; acl.rules */
	bool acl_refuse;                /* REFUSED (true) or drop denied clients */
	bool cookies;
	bool secret_from_file;
	char *secret_path; /* owned: cookie-secret-file it came from, or NULL */
	struct pooldns_cookie_secret secret;
	struct pooldns_rrl_params rrl; /* rate 0: no rate limiting */
	struct pooldns_prefix exempt[POOLDNS_MAX_EXEMPT];
	size_t nexempt;
};

/* Settings from cfg for the listen addresses addrs[0..naddrs). The cookie
 * secret comes from cookie-secret-file, else from prev (a reload keeps the
 * random secret of the start), else is drawn at random. When the file
 * named by prev cannot be read any more (the server dropped its
 * privileges after reading it), prev's secret is kept with a warning. NULL
 * with a message in err. */
struct pooldns_guard *pooldns_guard_build(const struct pooldns_config *cfg,
					  const struct pooldns_listen_addr *addrs, size_t naddrs,
					  const struct pooldns_guard *prev, char *err,
					  size_t errsz);
void pooldns_guard_free(struct pooldns_guard *g);

/* What the guard learnt from a query before it was answered. */
struct pooldns_guard_query {
	enum pooldns_cookie_found cookie;
	struct pooldns_cookie_in in;
	bool cookie_valid;
	bool renew;
};

enum pooldns_guard_step {
	POOLDNS_GUARD_ANSWER = 0, /* answer it */
	POOLDNS_GUARD_DROP,       /* send nothing */
	POOLDNS_GUARD_REFUSE,     /* answer it, then pooldns_guard_refused() */
};

/* Before answering: the access list for client on listen address
 * number listener, and the query's cookie. */
enum pooldns_guard_step pooldns_guard_before(const struct pooldns_guard *g, const uint8_t *pkt,
					     size_t len, const struct pooldns_client *client,
					     unsigned listener, struct pooldns_guard_query *gq,
					     struct pooldns_stats *stats);

/* Turns the response out[0..n) into REFUSED (header and question only).
 * Returns the new length; 0: drop. */
size_t pooldns_guard_refused(uint8_t *out, size_t n);

/* After answering (response out[0..n), buffer outcap): FORMERR for a
 * malformed cookie, the COOKIE option added for a query that had one,
 * then over UDP the rate limit (rrl may be NULL: none). Returns the length
 * to send; 0: drop. */
size_t pooldns_guard_after(const struct pooldns_guard *g, struct pooldns_rrl *rrl,
			   const struct pooldns_guard_query *gq, const struct pooldns_answer_cfg *ac,
			   const struct pooldns_answer_info *info, bool tcp,
			   const struct pooldns_client *client, uint8_t *out, size_t n,
			   size_t outcap, struct pooldns_stats *stats);

#endif
