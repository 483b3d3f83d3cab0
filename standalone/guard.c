/*
 * guard.c — the access list, DNS cookies and response rate limiting of the
 * standalone server (see guard.h), put together around the answer path:
 *
 *   before:  the access list (first matching rule of the listen address
 *            or of every address; no match allows): drop, or answer and
 *            then strip to REFUSED; the query's COOKIE option found.
 *   after:   a malformed COOKIE option: FORMERR (RFC 7873 §5.2.2); a
 *            query with a client cookie gets one back with a server cookie
 *            (the one it sent while that is valid and less than half an
 *            hour old, else a new one); then, over UDP only, the rate
 *            limit, unless the client is exempt (rrl-exempt) or sent a
 *            valid server cookie — a spoofed source cannot have one.
 *
 * A client with an invalid server cookie is answered as one with a client
 * cookie only (RFC 7873 §5.2.4 allows either that or BADCOOKIE; a server
 * that rotated its secret should not make every client retry).
 *
 * Owns: the rule array of a struct pooldns_guard. Thread model: see
 * guard.h; the clocks read per query are vDSO calls, no lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dns/msgedit.h"
#include "core/log.h"
#include "core/dns/resolve.h"
#include "guard.h"

#define RCODE_FORMERR 1
#define RCODE_REFUSED 5

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits (one line, newline optional) into key. */
static bool parse_secret_line(const char *s, size_t n, uint8_t key[POOLDNS_COOKIE_SECRET_LEN])
{
	if (n != 2 * POOLDNS_COOKIE_SECRET_LEN)
		return false;
	for (size_t i = 0; i < POOLDNS_COOKIE_SECRET_LEN; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* The secret file: one line of 32 hex digits, optionally a second with the
 * previous secret; readable by its owner only. */
static int read_secret(const char *path, struct pooldns_cookie_secret *out, char *err,
		       size_t errsz)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errsz, "cookie-secret-file %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errsz,
			 "cookie-secret-file %s: must be a regular file readable by its owner "
			 "only (chmod 600)",
			 path);
		close(fd);
		return -1;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errsz, "cookie-secret-file %s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	memset(out, 0, sizeof *out);
	const char *l1 = buf, *nl = strchr(l1, '\n');
	size_t n1 = nl != NULL ? (size_t)(nl - l1) : strlen(l1);
	if (!parse_secret_line(l1, n1, out->key))
		goto bad;
	if (nl != NULL && nl[1] != '\0') {
		const char *l2 = nl + 1, *nl2 = strchr(l2, '\n');
		size_t n2 = nl2 != NULL ? (size_t)(nl2 - l2) : strlen(l2);
		if (!parse_secret_line(l2, n2, out->previous) ||
		    (nl2 != NULL && nl2[1] != '\0'))
			goto bad;
		out->have_previous = true;
	}
	explicit_bzero(buf, sizeof buf);
	return 0;
bad:
	explicit_bzero(buf, sizeof buf);
	memset(out, 0, sizeof *out);
	snprintf(err, errsz,
		 "cookie-secret-file %s: want one line of 32 hex digits (the secret), "
		 "optionally a second (the previous secret)",
		 path);
	return -1;
}

/* The index of the listen address text names, or -1. */
static int listener_index(const char *text, const struct pooldns_listen_addr *addrs,
			  size_t naddrs)
{
	struct pooldns_listen_addr a;
	char err[128];
	if (pooldns_listen_parse(text, &a, err, sizeof err) != 0)
		return -1;
	for (size_t i = 0; i < naddrs; i++)
		if (strcmp(addrs[i].text, a.text) == 0)
			return (int)i;
	return -1;
}

struct pooldns_guard *pooldns_guard_build(const struct pooldns_config *cfg,
					  const struct pooldns_listen_addr *addrs, size_t naddrs,
					  const struct pooldns_guard *prev, char *err,
					  size_t errsz)
{
	struct pooldns_guard *g = calloc(1, sizeof *g);
	if (g == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (cfg->nacl > 0) {
		g->rules = calloc(cfg->nacl, sizeof *g->rules);
		if (g->rules == NULL) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->nacl; i++) {
		char listen[64];
		const char *why =
			pooldns_acl_rule_parse(cfg->acl[i], &g->rules[i], listen, sizeof listen);
		if (why != NULL) {
			snprintf(err, errsz, "acl \"%s\": %s", cfg->acl[i], why);
			goto fail;
		}
		if (listen[0] != '\0') {
			g->rules[i].listener = listener_index(listen, addrs, naddrs);
			if (g->rules[i].listener < 0) {
				snprintf(err, errsz, "acl \"%s\": %s is not one of the listen addresses",
					 cfg->acl[i], listen);
				goto fail;
			}
		}
	}
	g->acl.rules = g->rules;
	g->acl.n = cfg->nacl;
	g->acl_refuse = cfg->acl_refuse != 0;
	g->cookies = cfg->cookies != 0;
	if (cfg->cookie_secret_file != NULL) {
		g->secret_path = strdup(cfg->cookie_secret_file);
		if (g->secret_path == NULL) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		g->secret_from_file = true;
		if (read_secret(cfg->cookie_secret_file, &g->secret, err, errsz) != 0) {
			if (prev == NULL || prev->secret_path == NULL ||
			    strcmp(prev->secret_path, cfg->cookie_secret_file) != 0)
				goto fail;
			pooldns_log(POOLDNS_LOG_WARNING, "%s; keeping the secret read before",
				    err);
			g->secret = prev->secret;
		}
	} else if (prev != NULL && !prev->secret_from_file) {
		g->secret = prev->secret;
	} else if (getrandom(g->secret.key, sizeof g->secret.key, 0) !=
		   (ssize_t)sizeof g->secret.key) {
		snprintf(err, errsz, "no random cookie secret: %s", strerror(errno));
		goto fail;
	}
	g->rrl.rate = (uint32_t)cfg->rrl_rate;
	g->rrl.slip = (uint32_t)cfg->rrl_slip;
	g->rrl.v4_bits = (uint8_t)cfg->rrl_ipv4_prefix;
	g->rrl.v6_bits = (uint8_t)cfg->rrl_ipv6_prefix;
	for (size_t i = 0; i < cfg->nrrl_exempt && i < POOLDNS_MAX_EXEMPT; i++) {
		const char *why = pooldns_prefix_parse(cfg->rrl_exempt[i], &g->exempt[i]);
		if (why != NULL) {
			snprintf(err, errsz, "rrl-exempt %s: %s", cfg->rrl_exempt[i], why);
			goto fail;
		}
		g->nexempt++;
	}
	return g;
fail:
	pooldns_guard_free(g);
	return NULL;
}

void pooldns_guard_free(struct pooldns_guard *g)
{
	if (g == NULL)
		return;
	free(g->rules);
	free(g->secret_path);
	explicit_bzero(g->secret.key, sizeof g->secret.key);
	explicit_bzero(g->secret.previous, sizeof g->secret.previous);
	free(g);
}

enum pooldns_guard_step pooldns_guard_before(const struct pooldns_guard *g, const uint8_t *pkt,
					     size_t len, const struct pooldns_client *client,
					     unsigned listener, struct pooldns_guard_query *gq,
					     struct pooldns_stats *stats)
{
	gq->cookie = POOLDNS_COOKIE_NONE;
	gq->cookie_valid = false;
	gq->renew = true;
	if (g->acl.n > 0 && !pooldns_acl_allows(&g->acl, client, listener)) {
		pooldns_stat_add(stats, POOLDNS_STAT_ACL_DENIED, 1);
		return g->acl_refuse ? POOLDNS_GUARD_REFUSE : POOLDNS_GUARD_DROP;
	}
	if (!g->cookies)
		return POOLDNS_GUARD_ANSWER;
	gq->cookie = pooldns_cookie_find(pkt, len, &gq->in);
	if (gq->cookie == POOLDNS_COOKIE_PRESENT && gq->in.server_len > 0) {
		gq->cookie_valid = pooldns_cookie_valid(&g->secret, &gq->in, client,
							(uint32_t)time(NULL), &gq->renew);
		pooldns_stat_add(stats,
				 gq->cookie_valid ? POOLDNS_STAT_COOKIE_VALID
						  : POOLDNS_STAT_COOKIE_INVALID,
				 1);
	} else if (gq->cookie == POOLDNS_COOKIE_PRESENT) {
		pooldns_stat_add(stats, POOLDNS_STAT_COOKIE_CLIENT_ONLY, 1);
	}
	return POOLDNS_GUARD_ANSWER;
}

size_t pooldns_guard_refused(uint8_t *out, size_t n)
{
	return pooldns_msg_strip(out, n, RCODE_REFUSED, false);
}

static bool exempt(const struct pooldns_guard *g, const struct pooldns_client *c)
{
	for (size_t i = 0; i < g->nexempt; i++)
		if (pooldns_prefix_match(&g->exempt[i], c))
			return true;
	return false;
}

static enum pooldns_rrl_kind rrl_kind(const struct pooldns_answer_info *info)
{
	if (info->rcode == 0)
		return info->kind == POOLDNS_RESULT_NODATA ? POOLDNS_RRL_NODATA
							   : POOLDNS_RRL_ANSWER;
	if (info->rcode == 3)
		return POOLDNS_RRL_NXDOMAIN;
	return POOLDNS_RRL_ERROR;
}

static uint32_t monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

/* Per worker thread: the limited responses seen, for slip. */
static _Thread_local unsigned slip_counter;

size_t pooldns_guard_after(const struct pooldns_guard *g, struct pooldns_rrl *rrl,
			   const struct pooldns_guard_query *gq, const struct pooldns_answer_cfg *ac,
			   const struct pooldns_answer_info *info, bool tcp,
			   const struct pooldns_client *client, uint8_t *out, size_t n,
			   size_t outcap, struct pooldns_stats *stats)
{
	if (n == 0)
		return 0;
	if (gq->cookie == POOLDNS_COOKIE_MALFORMED) {
		pooldns_stat_add(stats, POOLDNS_STAT_COOKIE_MALFORMED, 1);
		return pooldns_msg_strip(out, n, RCODE_FORMERR, false);
	}
	if (gq->cookie == POOLDNS_COOKIE_PRESENT) {
		uint8_t sc[POOLDNS_COOKIE_SERVER_LEN];
		if (gq->cookie_valid && !gq->renew)
			memcpy(sc, gq->in.server, sizeof sc);
		else
			pooldns_cookie_make(g->secret.key, gq->in.client, client,
					    (uint32_t)time(NULL), sc);
		size_t limit = 65535;
		if (!tcp) {
			limit = gq->in.udp_size < 512 ? 512 : gq->in.udp_size;
			if (limit > ac->edns_payload)
				limit = ac->edns_payload;
		}
		n = pooldns_cookie_append(out, n, outcap, limit, gq->in.client, sc);
	}
	if (tcp || rrl == NULL || g->rrl.rate == 0 || gq->cookie_valid || exempt(g, client))
		return n;
	uint8_t name[255];
	size_t name_len = pooldns_msg_qname_lower(out, n, name);
	switch (pooldns_rrl_check(rrl, &g->rrl, client, rrl_kind(info), name, name_len,
				  monotonic_seconds(), &slip_counter)) {
	case POOLDNS_RRL_PASS:
		return n;
	case POOLDNS_RRL_SLIP:
		pooldns_stat_add(stats, POOLDNS_STAT_RRL_SLIPPED, 1);
		return pooldns_msg_strip(out, n, info->rcode & 0x0f, true);
	case POOLDNS_RRL_DROP:
	default:
		pooldns_stat_add(stats, POOLDNS_STAT_RRL_DROPPED, 1);
		return 0;
	}
}
