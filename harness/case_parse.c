/*
 * case_parse.c — parser of pooldns-harness `.case` files (format: see
 * harness/README.md): the dispatcher over logical lines (read by the lexer,
 * case_lex.c), target prefixes, blocks and every directive but `expect`
 * (case_expect.c) and `backend` (case_backend.c), which it calls through
 * case_internal.h; those never call back into this file.
 * Turns text into the step list of case.h, checking
 * everything that can be checked without a server: directive names,
 * options, numbers and their ranges, domain names, RR text (through ldns),
 * hex of raw packets, block structure (`end`), and that every `expect`
 * follows a query.
 *
 * Robustness: this parser is fed arbitrary bytes by fuzz/fuzz_case.c. It
 * bounds every length and count (case.h limits), never reads past the
 * buffer, and reports the first problem as "NAME:LINE: message".
 *
 * Owns: the struct pooldns_case it fills (see case.h). Thread model: pure,
 * no globals; call from any thread.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "case.h"
#include "case_internal.h"
#include "case_lex.h"

#define MAX_FILE_BYTES (16u * 1024u * 1024u)

static int parse_ecs(struct pooldns_case_pctx *p, const char *s, struct pooldns_query_spec *q)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof addr)
		return pooldns_case_perr(p, "ecs: expected ADDRESS/PREFIX, got '%.60s'", s);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	uint32_t prefix;
	if (inet_pton(AF_INET, addr, q->ecs_addr) == 1) {
		q->ecs_family = 1;
		if (pooldns_case_u32(slash + 1, 32, &prefix) != 0)
			return pooldns_case_perr(p, "ecs: IPv4 prefix must be 0..32");
	} else if (inet_pton(AF_INET6, addr, q->ecs_addr) == 1) {
		q->ecs_family = 2;
		if (pooldns_case_u32(slash + 1, 128, &prefix) != 0)
			return pooldns_case_perr(p, "ecs: IPv6 prefix must be 0..128");
	} else {
		return pooldns_case_perr(p, "ecs: '%.60s' is not an IP address", addr);
	}
	q->ecs_prefix = (uint8_t)prefix;
	q->ecs = true;
	q->edns = true;
	return 0;
}

/* Options common to query and raw; 1 if tok[*i] was one, 0 if not, -1 error. */
static int common_opt(struct pooldns_case_pctx *p, size_t *i, struct pooldns_query_spec *q)
{
	const char *t = p->tok[*i];
	if (strcmp(t, "udp") == 0) {
		q->tcp = false;
	} else if (strcmp(t, "tcp") == 0) {
		q->tcp = true;
	} else if (strcmp(t, "repeat") == 0) {
		if (pooldns_case_opt_u32(p, i, 1, POOLDNS_CASE_MAX_REPEAT, &q->repeat) != 0)
			return -1;
	} else if (strcmp(t, "timeout-ms") == 0) {
		if (pooldns_case_opt_u32(p, i, 1, POOLDNS_CASE_MAX_WAIT_MS, &q->timeout_ms) != 0)
			return -1;
	} else {
		return 0;
	}
	return 1;
}

static int dir_query(struct pooldns_case_pctx *p, unsigned targets)
{
	if (p->ntok < 2)
		return pooldns_case_perr(p, "query: missing name");
	struct pooldns_step *s = pooldns_case_new_step(p, POOLDNS_STEP_QUERY, targets);
	if (s == NULL)
		return -1;
	struct pooldns_query_spec *q = &s->q;
	q->qtype = LDNS_RR_TYPE_A;
	q->qclass = LDNS_RR_CLASS_IN;
	q->payload = 1232;
	q->repeat = 1;
	q->qname = pooldns_case_name(p->tok[1]);
	if (q->qname == NULL)
		return pooldns_case_perr(p, "query: '%.80s' is not a domain name", p->tok[1]);
	bool type_set = false, class_set = false;
	for (size_t i = 2; i < p->ntok; i++) {
		const char *t = p->tok[i];
		int r = common_opt(p, &i, q);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		uint32_t v;
		if (strcmp(t, "edns") == 0) {
			q->edns = true;
		} else if (strcmp(t, "noedns") == 0) {
			if (q->ecs || q->do_bit)
				return pooldns_case_perr(p, "query: noedns conflicts with ecs/do");
			q->edns = false;
		} else if (strcmp(t, "payload") == 0) {
			if (pooldns_case_opt_u32(p, &i, 1, 65535, &v) != 0)
				return -1;
			q->payload = (uint16_t)v;
			q->edns = true;
		} else if (strcmp(t, "edns-version") == 0) {
			if (pooldns_case_opt_u32(p, &i, 0, 255, &v) != 0)
				return -1;
			q->edns_version = (uint8_t)v;
			q->edns = true;
		} else if (strcmp(t, "do") == 0) {
			q->do_bit = true;
			q->edns = true;
		} else if (strcmp(t, "rd") == 0) {
			q->rd = true;
		} else if (strcmp(t, "cd") == 0) {
			q->cd = true;
		} else if (strcmp(t, "ad") == 0) {
			q->ad = true;
		} else if (strcmp(t, "ecs") == 0) {
			if (i + 1 >= p->ntok)
				return pooldns_case_perr(p, "ecs: missing ADDRESS/PREFIX");
			if (parse_ecs(p, p->tok[++i], q) != 0)
				return -1;
		} else if (!type_set && ldns_get_rr_type_by_name(t) != 0) {
			q->qtype = ldns_get_rr_type_by_name(t);
			type_set = true;
		} else if (!class_set && ldns_get_rr_class_by_name(t) != 0) {
			q->qclass = ldns_get_rr_class_by_name(t);
			class_set = true;
		} else {
			return pooldns_case_perr(p, "query: unknown type, class or option '%.60s'",
						 t);
		}
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int dir_raw(struct pooldns_case_pctx *p, unsigned targets)
{
	struct pooldns_step *s = pooldns_case_new_step(p, POOLDNS_STEP_RAW, targets);
	if (s == NULL)
		return -1;
	struct pooldns_query_spec *q = &s->q;
	q->repeat = 1;
	size_t i = 1;
	for (; i < p->ntok; i++) {
		int r = common_opt(p, &i, q);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
	}
	size_t digits = 0;
	for (size_t t = i; t < p->ntok; t++)
		for (const char *c = p->tok[t]; *c; c++) {
			if (hexval(*c) < 0)
				return pooldns_case_perr(
					p, "raw: '%.40s' is neither an option nor hex bytes",
					p->tok[t]);
			digits++;
		}
	if (digits == 0)
		return pooldns_case_perr(p, "raw: no packet bytes");
	if (digits % 2 != 0)
		return pooldns_case_perr(p, "raw: odd number of hex digits (%zu)", digits);
	if (digits / 2 > 65535)
		return pooldns_case_perr(p, "raw: packet longer than 65535 bytes");
	q->raw = malloc(digits / 2);
	if (q->raw == NULL)
		return pooldns_case_perr(p, "out of memory");
	int hi = -1;
	for (size_t t = i; t < p->ntok; t++)
		for (const char *c = p->tok[t]; *c; c++) {
			int v = hexval(*c);
			if (hi < 0) {
				hi = v;
			} else {
				q->raw[q->raw_len++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
	return 0;
}

/* expect SECTION MODE [RR] — inline record or a block until `end`. */

static int dir_sync(struct pooldns_case_pctx *p, unsigned targets)
{
	if (p->ntok < 2)
		return pooldns_case_perr(p, "sync: missing the SOA name to poll");
	struct pooldns_step *s = pooldns_case_new_step(p, POOLDNS_STEP_SYNC, targets);
	if (s == NULL)
		return -1;
	s->name = pooldns_case_name(p->tok[1]);
	if (s->name == NULL)
		return pooldns_case_perr(p, "sync: '%.80s' is not a domain name", p->tok[1]);
	for (size_t i = 2; i < p->ntok; i++) {
		if (strcmp(p->tok[i], "timeout-ms") == 0) {
			if (pooldns_case_opt_u32(p, &i, 1, POOLDNS_CASE_MAX_WAIT_MS,
						 &s->timeout_ms) != 0)
				return -1;
		} else {
			return pooldns_case_perr(p, "sync: unknown option '%.60s'", p->tok[i]);
		}
	}
	return 0;
}

static int dir_wait(struct pooldns_case_pctx *p, unsigned targets)
{
	if (p->in_wait)
		return pooldns_case_perr(p, "wait-until: cannot be nested");
	struct pooldns_step *s = pooldns_case_new_step(p, POOLDNS_STEP_WAIT, targets);
	if (s == NULL)
		return -1;
	s->timeout_ms = 5000;
	s->interval_ms = 100;
	bool timeout_set = false;
	for (size_t i = 1; i < p->ntok; i++) {
		if (strcmp(p->tok[i], "timeout-ms") == 0) {
			if (pooldns_case_opt_u32(p, &i, 1, POOLDNS_CASE_MAX_WAIT_MS,
						 &s->timeout_ms) != 0)
				return -1;
			timeout_set = true;
		} else if (strcmp(p->tok[i], "interval-ms") == 0) {
			if (pooldns_case_opt_u32(p, &i, 1, 60000, &s->interval_ms) != 0)
				return -1;
		} else if (strcmp(p->tok[i], "within-ms") == 0) {
			if (pooldns_case_opt_u32(p, &i, 1, POOLDNS_CASE_MAX_WAIT_MS,
						 &s->within_ms) != 0)
				return -1;
		} else if (strcmp(p->tok[i], "after-ms") == 0) {
			if (pooldns_case_opt_u32(p, &i, 1, POOLDNS_CASE_MAX_WAIT_MS,
						 &s->after_ms) != 0)
				return -1;
		} else {
			return pooldns_case_perr(p, "wait-until: unknown option '%.60s'",
						 p->tok[i]);
		}
	}
	if (s->within_ms != 0 && !timeout_set) {
		/* Wait past the bound, so that a late success is measured. */
		uint64_t t = (uint64_t)s->within_ms * 2 + 1000;
		s->timeout_ms =
			t > POOLDNS_CASE_MAX_WAIT_MS ? POOLDNS_CASE_MAX_WAIT_MS : (uint32_t)t;
	}
	if (s->within_ms != 0 && s->within_ms > s->timeout_ms)
		return pooldns_case_perr(p, "wait-until: within-ms %u is longer than timeout-ms %u",
					 s->within_ms, s->timeout_ms);
	if (s->after_ms != 0 && s->after_ms >= s->timeout_ms)
		return pooldns_case_perr(
			p, "wait-until: after-ms %u is not shorter than timeout-ms %u", s->after_ms,
			s->timeout_ms);
	if (s->after_ms != 0 && s->within_ms != 0 && s->after_ms >= s->within_ms)
		return pooldns_case_perr(p,
					 "wait-until: after-ms %u is not shorter than within-ms %u",
					 s->after_ms, s->within_ms);
	p->in_wait = true;
	p->wait_step = p->c->nsteps - 1;
	return 0;
}

static int dir_sql(struct pooldns_case_pctx *p, unsigned targets, enum pooldns_step_kind kind,
		   size_t first)
{
	if (p->in_wait)
		return pooldns_case_perr(p, "%s: not allowed inside wait-until",
					 kind == POOLDNS_STEP_SQL ? "sql" : "cleanup");
	if (first >= p->ntok)
		return pooldns_case_perr(p, "%s: missing statement",
					 kind == POOLDNS_STEP_SQL ? "sql" : "cleanup sql");
	struct pooldns_step *s = pooldns_case_new_step(p, kind, targets);
	if (s == NULL)
		return -1;
	s->text = strdup(pooldns_case_rest_from(p, first));
	if (s->text == NULL)
		return pooldns_case_perr(p, "out of memory");
	return 0;
}

static int directive(struct pooldns_case_pctx *p)
{
	size_t t0 = 0;
	unsigned targets = 0;
	if (p->tok[0][0] == '@') {
		char *list = p->tok[0] + 1;
		if (*list == '\0')
			return pooldns_case_perr(p,
						 "'@' needs a target name (standalone, unbound)");
		for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL;
		     t = strtok_r(NULL, ",", &save)) {
			unsigned m = pooldns_case_target_parse(t);
			if (m == 0)
				return pooldns_case_perr(
					p, "unknown target '%.40s' (standalone, unbound)", t);
			targets |= m;
		}
		if (targets == 0)
			return pooldns_case_perr(p,
						 "'@' needs a target name (standalone, unbound)");
		t0 = 1;
		if (p->ntok < 2)
			return pooldns_case_perr(p, "target prefix without a directive");
	}
	/* Shift so that tok[0] is the directive. */
	p->tok += t0;
	p->tokoff += t0;
	p->ntok -= t0;
	const char *d = p->tok[0];
	int rc;
	bool expectable = false;
	if (strcmp(d, "query") == 0) {
		rc = dir_query(p, targets);
		expectable = true;
	} else if (strcmp(d, "raw") == 0) {
		rc = dir_raw(p, targets);
		expectable = true;
	} else if (strcmp(d, "expect") == 0) {
		rc = pooldns_case_dir_expect(p, targets);
		expectable = true;
	} else if (strcmp(d, "sql") == 0) {
		rc = dir_sql(p, targets, POOLDNS_STEP_SQL, 1);
	} else if (strcmp(d, "cleanup") == 0) {
		if (p->ntok < 2 || strcmp(p->tok[1], "sql") != 0)
			rc = pooldns_case_perr(p, "cleanup: expected 'cleanup sql STATEMENT'");
		else
			rc = dir_sql(p, targets, POOLDNS_STEP_CLEANUP, 2);
	} else if (strcmp(d, "sync") == 0) {
		rc = p->in_wait ? pooldns_case_perr(p, "sync: not allowed inside wait-until")
				: dir_sync(p, targets);
	} else if (strcmp(d, "sleep") == 0) {
		struct pooldns_step *s = NULL;
		uint32_t ms;
		if (p->ntok != 2 || pooldns_case_u32(p->tok[1], POOLDNS_CASE_MAX_WAIT_MS, &ms) != 0)
			rc = pooldns_case_perr(p, "sleep: expected milliseconds 0..%d",
					       POOLDNS_CASE_MAX_WAIT_MS);
		else if (p->in_wait)
			rc = pooldns_case_perr(
				p, "sleep: not allowed inside wait-until (use interval-ms)");
		else if ((s = pooldns_case_new_step(p, POOLDNS_STEP_SLEEP, targets)) == NULL)
			rc = -1;
		else {
			s->interval_ms = ms;
			rc = 0;
		}
	} else if (strcmp(d, "wait-until") == 0) {
		rc = dir_wait(p, targets);
	} else if (strcmp(d, "end") == 0) {
		if (t0 != 0)
			rc = pooldns_case_perr(
				p, "end: takes no target prefix (the opening line has it)");
		else if (p->ntok != 1)
			rc = pooldns_case_perr(p, "end: takes nothing more");
		else if (!p->in_wait)
			rc = pooldns_case_perr(p, "end: no open block");
		else {
			size_t ws = p->wait_step;
			if (ws + 1 == p->c->nsteps)
				rc = pooldns_case_perr(p, "wait-until: empty block");
			else {
				p->c->steps[ws].body_end = p->c->nsteps;
				p->in_wait = false;
				rc = 0;
			}
		}
	} else if (strcmp(d, "backend") == 0) {
		rc = pooldns_case_dir_backend(p, targets);
	} else {
		rc = pooldns_case_perr(p, "unknown directive '%.40s'", d);
	}
	p->tok -= t0;
	p->tokoff -= t0;
	p->ntok += t0;
	p->can_expect = rc == 0 && expectable;
	return rc;
}

static void free_expect(struct pooldns_expect *e)
{
	for (size_t i = 0; i < e->nrrs; i++)
		ldns_rr_free(e->rrs[i].rr);
	free(e->rrs);
	free(e->types);
	if (e->soa_owner != NULL)
		ldns_rdf_deep_free(e->soa_owner);
}

void pooldns_case_free(struct pooldns_case *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsteps; i++) {
		struct pooldns_step *s = &c->steps[i];
		free(s->text);
		if (s->name != NULL)
			ldns_rdf_deep_free(s->name);
		if (s->q.qname != NULL)
			ldns_rdf_deep_free(s->q.qname);
		free(s->q.raw);
		free_expect(&s->e);
		pooldns_case_backend_free(&s->b);
	}
	free(c->steps);
	free(c->name);
	memset(c, 0, sizeof *c);
}

static int parse_all(struct pooldns_case_pctx *p)
{
	int r;
	while ((r = pooldns_case_next_line(p)) > 0) {
		if (p->line[0] == '\0')
			continue;
		if (p->in_rr_block) {
			const char *s = p->line;
			while (*s == ' ' || *s == '\t')
				s++;
			if (strcmp(s, "end") == 0) {
				struct pooldns_expect *e = &p->c->steps[p->rr_step].e;
				if (e->nrrs == 0)
					return pooldns_case_perr(
						p, "empty record block (opened on line %u)",
						p->rr_block_line);
				p->in_rr_block = false;
				continue;
			}
			if (pooldns_case_add_rr(p, &p->c->steps[p->rr_step].e, s) != 0)
				return -1;
			continue;
		}
		if (pooldns_case_tokenize(p) != 0)
			return -1;
		if (p->ntok == 0)
			continue;
		if (directive(p) != 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (p->in_rr_block) {
		p->lineno = p->rr_block_line;
		return pooldns_case_perr(p, "record block not closed with 'end'");
	}
	if (p->in_wait) {
		p->lineno = p->c->steps[p->wait_step].line;
		return pooldns_case_perr(p, "wait-until not closed with 'end'");
	}
	bool any = false;
	for (size_t i = 0; i < p->c->nsteps; i++)
		if (p->c->steps[i].kind == POOLDNS_STEP_QUERY ||
		    p->c->steps[i].kind == POOLDNS_STEP_RAW)
			any = true;
	if (!any) {
		p->lineno = p->next_line > 1 ? p->next_line - 1 : 1;
		return pooldns_case_perr(p, "no query or raw step: a case must check something");
	}
	return 0;
}

int pooldns_case_parse(const char *buf, size_t len, const char *name, struct pooldns_case *out,
		       char *err, size_t errsz)
{
	struct pooldns_case_pctx p;
	int rc = pooldns_case_lex_init(&p, buf, len, name, out, err, errsz);
	if (rc == 0)
		rc = parse_all(&p);
	if (rc == 0) {
		out->name = strdup(p.name);
		if (out->name == NULL)
			rc = pooldns_case_perr(&p, "out of memory");
	}
	pooldns_case_lex_free(&p);
	if (rc != 0)
		pooldns_case_free(out);
	return rc;
}

int pooldns_case_load(const char *path, struct pooldns_case *out, char *err, size_t errsz)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", base, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE_BYTES) {
				snprintf(err, errsz, "%s: file larger than %u bytes", base,
					 MAX_FILE_BYTES);
				rc = -1;
				break;
			}
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (nb == NULL) {
				snprintf(err, errsz, "%s: out of memory", base);
				rc = -1;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errsz, "%s: read error", base);
		rc = -1;
	}
	fclose(f);
	if (rc == 0)
		rc = pooldns_case_parse(buf, len, base, out, err, errsz);
	free(buf);
	return rc;
}
