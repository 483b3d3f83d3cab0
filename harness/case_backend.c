/*
 * case_backend.c — parser of the `backend` directive family of `.case`
 * files (format: harness/README.md, "Fake backends"): declaring a fake
 * HTTP, HTTPS or TCP health-check backend on a loopback address, changing
 * it (set, down, up, reset) and checking the requests it received
 * (expect requests / expect request). Everything that can be checked
 * without running anything is checked here: names declared once and
 * before use, loopback addresses, unique address/port pairs, options that
 * fit the backend's kind, what may appear inside `wait-until`. Called by
 * case_parse.c (the dispatcher); uses the lexer of case_lex.c.
 *
 * Robustness: fed arbitrary bytes by fuzz/fuzz_case.c like the rest of
 * the parser; every length is bounded.
 *
 * Owns: the strings of the backend steps it fills (freed by
 * pooldns_case_backend_free). Thread model: pure; the parser context
 * belongs to one pooldns_case_parse() call.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "case.h"
#include "case_internal.h"
#include "case_lex.h"

#define MAX_FILTER 1024 /* path, host, user-agent texts */

void pooldns_case_backend_free(struct pooldns_backend_spec *b)
{
	free(b->body);
	free(b->path);
	free(b->host);
	free(b->user_agent);
	b->body = b->path = b->host = b->user_agent = NULL;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > POOLDNS_CASE_MAX_BACKEND_NAME)
		return false;
	for (const char *c = s; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.';
		if (!ok)
			return false;
	}
	return true;
}

static struct pooldns_case_pbackend *find(struct pooldns_case_pctx *p, const char *name)
{
	for (size_t i = 0; i < p->nbackends; i++)
		if (strcmp(p->backends[i].name, name) == 0)
			return &p->backends[i];
	return NULL;
}

/* A word value of option tok[*i] (copied, at most max bytes); advances *i. */
static int opt_text(struct pooldns_case_pctx *p, size_t *i, size_t max, char **out)
{
	const char *opt = p->tok[*i];
	if (*i + 1 >= p->ntok)
		return pooldns_case_perr(p, "backend: %s: missing value", opt);
	const char *v = p->tok[*i + 1];
	if (strlen(v) > max)
		return pooldns_case_perr(p, "backend: %s: longer than %zu bytes", opt, max);
	free(*out);
	*out = strdup(v);
	if (*out == NULL)
		return pooldns_case_perr(p, "out of memory");
	*i += 1;
	return 0;
}

/* Response options shared by the declaration and `set`: 1 if tok[*i] was
 * one, 0 if not, -1 on error. */
static int response_opt(struct pooldns_case_pctx *p, size_t *i, struct pooldns_backend_spec *b)
{
	const char *t = p->tok[*i];
	uint32_t v;
	if (strcmp(t, "status") == 0) {
		if (pooldns_case_opt_u32(p, i, 100, 599, &v) != 0)
			return -1;
		b->status = (uint16_t)v;
		b->status_set = true;
	} else if (strcmp(t, "body") == 0) {
		if (opt_text(p, i, POOLDNS_CASE_MAX_BODY, &b->body) != 0)
			return -1;
		b->body_set = true;
	} else if (strcmp(t, "delay-ms") == 0) {
		if (pooldns_case_opt_u32(p, i, 0, POOLDNS_CASE_MAX_WAIT_MS, &b->delay_ms) != 0)
			return -1;
		b->delay_set = true;
	} else if (strcmp(t, "close") == 0) {
		b->close_conn = true;
		b->close_set = true;
	} else if (strcmp(t, "answer") == 0) {
		b->close_conn = false;
		b->close_set = true;
	} else {
		return 0;
	}
	return 1;
}

static int parse_addr(struct pooldns_case_pctx *p, const char *s, struct pooldns_backend_spec *b)
{
	if (strlen(s) >= sizeof b->addr_text)
		return pooldns_case_perr(p, "backend: '%.60s' is not an IP address", s);
	if (inet_pton(AF_INET, s, b->addr) == 1) {
		if (b->addr[0] != 127)
			return pooldns_case_perr(
				p, "backend: %s is not a loopback address (127.0.0.0/8 or ::1)", s);
		b->family = AF_INET;
	} else if (inet_pton(AF_INET6, s, b->addr) == 1) {
		static const uint8_t lo6[16] = { [15] = 1 };
		if (memcmp(b->addr, lo6, 16) != 0)
			return pooldns_case_perr(
				p, "backend: %s is not a loopback address (127.0.0.0/8 or ::1)", s);
		b->family = AF_INET6;
	} else {
		return pooldns_case_perr(p, "backend: '%.60s' is not an IP address", s);
	}
	memcpy(b->addr_text, s, strlen(s) + 1);
	return 0;
}

/* backend NAME KIND ADDR PORT [options] */
static int declare(struct pooldns_case_pctx *p, struct pooldns_backend_spec *b)
{
	if (p->in_wait)
		return pooldns_case_perr(p,
					 "backend: a backend cannot be declared inside wait-until");
	if (find(p, b->name) != NULL)
		return pooldns_case_perr(p, "backend: '%s' is already declared", b->name);
	if (p->nbackends >= POOLDNS_CASE_MAX_BACKENDS)
		return pooldns_case_perr(p, "backend: more than %d backends in one case",
					 POOLDNS_CASE_MAX_BACKENDS);
	const char *k = p->tok[2];
	b->op = POOLDNS_BACKEND_START;
	b->kind = strcmp(k, "http") == 0    ? POOLDNS_BACKEND_HTTP
		  : strcmp(k, "https") == 0 ? POOLDNS_BACKEND_HTTPS
					    : POOLDNS_BACKEND_TCP;
	if (p->ntok < 5)
		return pooldns_case_perr(
			p, "backend: expected 'backend NAME %s ADDRESS PORT [options]'", k);
	if (parse_addr(p, p->tok[3], b) != 0)
		return -1;
	uint32_t port;
	if (pooldns_case_u32(p->tok[4], 65535, &port) != 0 || port == 0)
		return pooldns_case_perr(p, "backend: port '%.20s' is not a number in 1..65535",
					 p->tok[4]);
	b->port = (uint16_t)port;
	for (size_t i = 0; i < p->nbackends; i++) {
		const struct pooldns_case_pbackend *o = &p->backends[i];
		if (o->family == b->family && o->port == b->port &&
		    memcmp(o->addr, b->addr, 16) == 0)
			return pooldns_case_perr(
				p, "backend: %s port %u is already used by backend '%s'",
				b->addr_text, b->port, o->name);
	}
	b->status = 200;
	b->body = strdup("OK");
	if (b->body == NULL)
		return pooldns_case_perr(p, "out of memory");
	for (size_t i = 5; i < p->ntok; i++) {
		if (strcmp(p->tok[i], "down") == 0) {
			b->start_down = true;
			continue;
		}
		int r = b->kind == POOLDNS_BACKEND_TCP ? 0 : response_opt(p, &i, b);
		if (r < 0)
			return -1;
		if (r == 0)
			return pooldns_case_perr(p,
						 "backend: unknown option '%.40s' for a %s backend",
						 p->tok[i], k);
	}
	struct pooldns_case_pbackend *d = &p->backends[p->nbackends++];
	memcpy(d->name, b->name, sizeof d->name);
	d->kind = b->kind;
	d->family = b->family;
	memcpy(d->addr, b->addr, 16);
	d->port = b->port;
	return 0;
}

/* backend NAME expect requests RANGE [...] | expect request [...] */
static int expectation(struct pooldns_case_pctx *p, struct pooldns_backend_spec *b)
{
	if (p->ntok < 4)
		return pooldns_case_perr(p,
					 "backend: expect: 'requests RANGE' or 'request' expected");
	size_t i;
	if (strcmp(p->tok[3], "requests") == 0) {
		b->op = POOLDNS_BACKEND_EXPECT_COUNT;
		if (p->ntok < 5 || pooldns_case_range(p->tok[4], &b->range) != 0)
			return pooldns_case_perr(
				p,
				"backend: expect requests: expected a count N, MIN..MAX or MIN..");
		i = 5;
	} else if (strcmp(p->tok[3], "request") == 0) {
		b->op = POOLDNS_BACKEND_EXPECT_LAST;
		if (b->kind == POOLDNS_BACKEND_TCP)
			return pooldns_case_perr(p,
						 "backend: expect request: '%s' is a tcp backend "
						 "(no requests to look at)",
						 b->name);
		i = 4;
	} else {
		return pooldns_case_perr(
			p, "backend: expect: 'requests RANGE' or 'request' expected, not '%.40s'",
			p->tok[3]);
	}
	for (; i < p->ntok; i++) {
		const char *t = p->tok[i];
		if (strcmp(t, "path") == 0 || strcmp(t, "host") == 0 ||
		    (strcmp(t, "user-agent") == 0 && b->op == POOLDNS_BACKEND_EXPECT_LAST)) {
			if (b->kind == POOLDNS_BACKEND_TCP)
				return pooldns_case_perr(p,
							 "backend: %s: '%s' is a tcp backend "
							 "(connections have no %s)",
							 t, b->name, t);
			char **dst = t[0] == 'p'   ? &b->path
				     : t[0] == 'h' ? &b->host
						   : &b->user_agent;
			if (opt_text(p, &i, MAX_FILTER, dst) != 0)
				return -1;
		} else if (strcmp(t, "over-ms") == 0 && b->op == POOLDNS_BACKEND_EXPECT_COUNT) {
			if (p->in_wait)
				return pooldns_case_perr(p, "backend: over-ms is not allowed "
							    "inside wait-until (it sleeps)");
			if (pooldns_case_opt_u32(p, &i, 1, POOLDNS_CASE_MAX_WAIT_MS, &b->over_ms) !=
			    0)
				return -1;
		} else {
			return pooldns_case_perr(p, "backend: expect %s: unknown option '%.40s'",
						 p->tok[3], t);
		}
	}
	return 0;
}

int pooldns_case_dir_backend(struct pooldns_case_pctx *p, unsigned targets)
{
	if (p->ntok < 3)
		return pooldns_case_perr(
			p, "backend: expected 'backend NAME http|https|tcp ADDRESS PORT ...' or "
			   "'backend NAME set|down|up|reset|expect ...'");
	if (!name_ok(p->tok[1]))
		return pooldns_case_perr(p,
					 "backend: bad name '%.40s' (1..%d of A-Z a-z 0-9 _ - .)",
					 p->tok[1], POOLDNS_CASE_MAX_BACKEND_NAME);
	struct pooldns_step *s = pooldns_case_new_step(p, POOLDNS_STEP_BACKEND, targets);
	if (s == NULL)
		return -1;
	struct pooldns_backend_spec *b = &s->b;
	memcpy(b->name, p->tok[1], strlen(p->tok[1]) + 1);
	const char *verb = p->tok[2];
	if (strcmp(verb, "http") == 0 || strcmp(verb, "https") == 0 || strcmp(verb, "tcp") == 0)
		return declare(p, b);
	const struct pooldns_case_pbackend *d = find(p, b->name);
	if (d == NULL)
		return pooldns_case_perr(
			p, "backend: '%s' is not declared (backend %s http|https|tcp ADDRESS PORT)",
			b->name, b->name);
	b->kind = d->kind;
	if (strcmp(verb, "expect") == 0)
		return expectation(p, b);
	if (p->in_wait)
		return pooldns_case_perr(
			p, "backend: %s is not allowed inside wait-until (only 'expect')", verb);
	if (strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0 || strcmp(verb, "reset") == 0) {
		if (p->ntok != 3)
			return pooldns_case_perr(p, "backend: %s takes nothing more", verb);
		b->op = verb[0] == 'd'   ? POOLDNS_BACKEND_DOWN
			: verb[0] == 'u' ? POOLDNS_BACKEND_UP
					 : POOLDNS_BACKEND_RESET;
		return 0;
	}
	if (strcmp(verb, "set") == 0) {
		b->op = POOLDNS_BACKEND_SET;
		if (b->kind == POOLDNS_BACKEND_TCP)
			return pooldns_case_perr(
				p, "backend: set: '%s' is a tcp backend (use down/up)", b->name);
		if (p->ntok < 4)
			return pooldns_case_perr(p, "backend: set: nothing to set (status N, body "
						    "TEXT, delay-ms N, close, answer)");
		for (size_t i = 3; i < p->ntok; i++) {
			int r = response_opt(p, &i, b);
			if (r < 0)
				return -1;
			if (r == 0)
				return pooldns_case_perr(p, "backend: set: unknown option '%.40s'",
							 p->tok[i]);
		}
		return 0;
	}
	return pooldns_case_perr(
		p,
		"backend: unknown action '%.40s' (http, https, tcp, set, down, up, reset, expect)",
		verb);
}
