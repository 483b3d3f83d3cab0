/*
 * fuzz_guard.c — fuzz target for what the standalone server reads from
 * outside in its guards: the COOKIE option of a query (core/dns/cookie.c,
 * walked with core/dns/msgedit.c), the access-list rules and prefixes of
 * its configuration (core/dns/acl.c, core/dns/prefix.c), and the message
 * editing applied to a response (strip, cookie append).
 *
 * The first byte picks the part; the rest is the input. Checks, besides
 * the sanitizers: a cookie found has 0 or 8..32 bytes of server cookie; a
 * message grows by exactly 28 bytes or not at all when a COOKIE option is
 * appended, and one that had none reads back the appended cookie; a stripped message is no longer
 * than before and has no records; a rule or prefix accepted has a prefix
 * length within its family and host bits clear, and parsing its own words
 * again gives the same rule. A failed check aborts.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/acl.h"
#include "core/dns/cookie.h"
#include "core/dns/msgedit.h"
#include "core/dns/prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_prefix(const struct pooldns_prefix *p)
{
	unsigned bits = p->family == AF_INET ? 32 : 128;
	if ((p->family != AF_INET && p->family != AF_INET6) || p->len > bits)
		abort();
	uint8_t masked[16];
	pooldns_prefix_mask(p->addr, bits / 8, p->len, masked);
	if (memcmp(masked, p->addr, 16) != 0)
		abort();
}

static void fuzz_cookie(const uint8_t *d, size_t n)
{
	struct pooldns_cookie_in in;
	enum pooldns_cookie_found before = pooldns_cookie_find(d, n, &in);
	if (before == POOLDNS_COOKIE_PRESENT && in.server_len != 0 &&
	    (in.server_len < 8 || in.server_len > 32))
		abort();
	uint8_t *r = malloc(n + 64);
	if (r == NULL)
		return;
	memcpy(r, d, n);
	uint8_t client[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, server[16] = { 9 };
	size_t m = pooldns_cookie_append(r, n, n + 64, 4096, client, server);
	if (m != n && m != n + 28)
		abort();
	/* Appended to a message without a COOKIE option: the first one is
	 * now ours (the first option is the one that counts). */
	if (m == n + 28 && before == POOLDNS_COOKIE_NONE &&
	    (pooldns_cookie_find(r, m, &in) != POOLDNS_COOKIE_PRESENT ||
	     memcmp(in.client, client, 8) != 0 || in.server_len != 16 ||
	     memcmp(in.server, server, 16) != 0))
		abort();
	size_t s = pooldns_msg_strip(r, m, 5, true);
	if (s > m || (s != 0 && (r[6] | r[7] | r[8] | r[9] | r[10] | r[11]) != 0))
		abort();
	uint8_t name[255];
	size_t nl = pooldns_msg_qname_lower(d, n, name);
	if (nl > 255)
		abort();
	free(r);
}

static void fuzz_rule(const uint8_t *d, size_t n)
{
	char *text = malloc(n + 1);
	if (text == NULL)
		return;
	memcpy(text, d, n);
	text[n] = '\0';
	struct pooldns_acl_rule r, again;
	char listen[64];
	if (pooldns_acl_rule_parse(text, &r, listen, sizeof listen) == NULL) {
		check_prefix(&r.prefix);
		char buf[INET6_ADDRSTRLEN], rule[256], l2[64];
		inet_ntop(r.prefix.family, r.prefix.addr, buf, sizeof buf);
		snprintf(rule, sizeof rule, "%s %s/%u%s%s", r.allow ? "allow" : "deny", buf,
			 r.prefix.len, listen[0] ? " on " : "", listen);
		if (pooldns_acl_rule_parse(rule, &again, l2, sizeof l2) != NULL ||
		    again.allow != r.allow || memcmp(&again.prefix, &r.prefix, sizeof r.prefix) != 0 ||
		    strcmp(l2, listen) != 0)
			abort();
		struct pooldns_acl acl = { &r, 1 };
		struct pooldns_client c = { .family = r.prefix.family };
		memcpy(c.addr, r.prefix.addr, 16);
		if (pooldns_acl_allows(&acl, &c, 0) != r.allow)
			abort();
	}
	struct pooldns_prefix p;
	if (pooldns_prefix_parse(text, &p) == NULL)
		check_prefix(&p);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_cookie(data + 1, size - 1);
	else
		fuzz_rule(data + 1, size - 1);
	return 0;
}
