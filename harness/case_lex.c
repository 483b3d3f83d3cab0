/*
 * case_lex.c — the lexer of `.case` files (see case_lex.h): logical lines
 * (continuations, comments, CRLF), words, "NAME:LINE: message" errors, the
 * small value parsers and the step list that case_parse.c, case_expect.c
 * and case_backend.c all use.
 *
 * Robustness: fed arbitrary bytes by fuzz/fuzz_case.c with the rest of the
 * parser. Every line and word count is bounded (POOLDNS_CASE_MAX_LINE,
 * MAX_TOKENS), NUL bytes are refused, nothing reads past the buffer.
 *
 * Owns: the line, word and token buffers of a parser context (lex_init to
 * lex_free). Thread model: pure, no globals; the context belongs to one
 * pooldns_case_parse() call.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "case_lex.h"

#define MAX_TOKENS (POOLDNS_CASE_MAX_LINE / 2 + 2)
/* The word arrays start small and grow with the longest line: room for
 * MAX_TOKENS words is 512 KiB, and a case line has a few words. */
#define FIRST_TOKENS 64

int pooldns_case_lex_init(struct pooldns_case_pctx *p, const char *buf, size_t len,
			  const char *name, struct pooldns_case *out, char *err, size_t errsz)
{
	memset(p, 0, sizeof *p);
	memset(out, 0, sizeof *out);
	p->name = name != NULL ? name : "(case)";
	p->buf = buf;
	p->len = len;
	p->next_line = 1;
	p->lineno = 1;
	p->c = out;
	p->err = err;
	p->errsz = errsz;
	p->line = malloc(POOLDNS_CASE_MAX_LINE + 1);
	p->work = malloc(POOLDNS_CASE_MAX_LINE + 1);
	p->tokcap = FIRST_TOKENS;
	p->tok = malloc(p->tokcap * sizeof *p->tok);
	p->tokoff = malloc(p->tokcap * sizeof *p->tokoff);
	if (p->line == NULL || p->work == NULL || p->tok == NULL || p->tokoff == NULL)
		return pooldns_case_perr(p, "out of memory");
	return 0;
}

void pooldns_case_lex_free(struct pooldns_case_pctx *p)
{
	free(p->line);
	free(p->work);
	free(p->tok);
	free(p->tokoff);
	p->line = p->work = NULL;
	p->tok = NULL;
	p->tokoff = NULL;
}

int pooldns_case_perr(struct pooldns_case_pctx *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errsz > 0)
		snprintf(p->err, p->errsz, "%s:%u: %s", p->name, p->lineno, msg);
	return -1;
}

/* ---- small value parsers ---- */

int pooldns_case_u32(const char *s, uint32_t max, uint32_t *out)
{
	if (s == NULL || *s == '\0' || strlen(s) > 10)
		return -1;
	uint64_t v = 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int pooldns_case_range(const char *s, struct pooldns_range *r)
{
	const char *dots = strstr(s, "..");
	if (dots == NULL) {
		if (pooldns_case_u32(s, UINT32_MAX, &r->min) != 0)
			return -1;
		r->max = r->min;
		return 0;
	}
	char lo[16];
	size_t n = (size_t)(dots - s);
	if (n == 0 || n >= sizeof lo)
		return -1;
	memcpy(lo, s, n);
	lo[n] = '\0';
	if (pooldns_case_u32(lo, UINT32_MAX, &r->min) != 0)
		return -1;
	if (dots[2] == '\0') {
		r->max = UINT32_MAX;
		return 0;
	}
	if (pooldns_case_u32(dots + 2, UINT32_MAX, &r->max) != 0 || r->max < r->min)
		return -1;
	return 0;
}

ldns_rdf *pooldns_case_name(const char *s)
{
	if (s[0] == '\0' || strlen(s) > 1024)
		return NULL;
	ldns_rdf *d = NULL;
	if (ldns_str2rdf_dname(&d, s) != LDNS_STATUS_OK)
		return NULL;
	if (!ldns_dname_str_absolute(s) && strcmp(s, ".") != 0) {
		/* ldns keeps "a.b" relative: make it absolute. */
		ldns_rdf *root = ldns_dname_new_frm_str(".");
		if (root == NULL || ldns_dname_cat(d, root) != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(root);
			ldns_rdf_deep_free(d);
			return NULL;
		}
		ldns_rdf_deep_free(root);
	}
	return d;
}

/* ---- line reading ---- */

int pooldns_case_next_line(struct pooldns_case_pctx *p)
{
	if (p->pos >= p->len)
		return 0;
	size_t out = 0;
	p->lineno = p->next_line;
	for (;;) {
		if (p->pos >= p->len)
			break;
		const char *s = p->buf + p->pos;
		size_t rest = p->len - p->pos;
		const char *nl = memchr(s, '\n', rest);
		size_t l = nl ? (size_t)(nl - s) : rest;
		p->pos += l + (nl ? 1 : 0);
		p->next_line++;
		if (memchr(s, '\0', l) != NULL) {
			p->lineno = p->next_line - 1;
			return pooldns_case_perr(p, "NUL byte in input");
		}
		if (l > 0 && s[l - 1] == '\r')
			l--;
		bool cont = l > 0 && s[l - 1] == '\\';
		if (cont)
			l--;
		if (out + l + 1 > POOLDNS_CASE_MAX_LINE)
			return pooldns_case_perr(p, "line longer than %d bytes",
						 POOLDNS_CASE_MAX_LINE);
		memcpy(p->line + out, s, l);
		out += l;
		if (!cont)
			break;
		p->line[out++] = ' ';
	}
	p->line[out] = '\0';
	/* '#' at the start or after a blank, outside quotes, starts a comment. */
	char q = 0;
	for (size_t i = 0; i < out; i++) {
		char ch = p->line[i];
		if (q != 0) {
			if (ch == q)
				q = 0;
			continue;
		}
		if (ch == '\'' || ch == '"') {
			q = ch;
			continue;
		}
		if (ch == '#' && (i == 0 || p->line[i - 1] == ' ' || p->line[i - 1] == '\t')) {
			out = i;
			break;
		}
	}
	while (out > 0 && (p->line[out - 1] == ' ' || p->line[out - 1] == '\t'))
		out--;
	p->line[out] = '\0';
	return 1;
}

/* Doubles the room for words (up to MAX_TOKENS); 0 or -1. */
static int grow_tokens(struct pooldns_case_pctx *p)
{
	size_t ncap = p->tokcap * 2 < MAX_TOKENS ? p->tokcap * 2 : MAX_TOKENS;
	char **nt = realloc(p->tok, ncap * sizeof *nt);
	if (nt == NULL)
		return -1;
	p->tok = nt;
	size_t *no = realloc(p->tokoff, ncap * sizeof *no);
	if (no == NULL)
		return -1;
	p->tokoff = no;
	p->tokcap = ncap;
	return 0;
}

int pooldns_case_tokenize(struct pooldns_case_pctx *p)
{
	size_t n = strlen(p->line);
	memcpy(p->work, p->line, n + 1);
	p->ntok = 0;
	size_t i = 0;
	for (;;) {
		while (i < n && (p->work[i] == ' ' || p->work[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (p->ntok >= MAX_TOKENS)
			return pooldns_case_perr(p, "too many words on one line");
		if (p->ntok == p->tokcap && grow_tokens(p) != 0)
			return pooldns_case_perr(p, "out of memory");
		p->tok[p->ntok] = p->work + i;
		p->tokoff[p->ntok] = i;
		p->ntok++;
		while (i < n && p->work[i] != ' ' && p->work[i] != '\t')
			i++;
		if (i < n)
			p->work[i++] = '\0';
	}
	return 0;
}

const char *pooldns_case_rest_from(struct pooldns_case_pctx *p, size_t t)
{
	return p->line + p->tokoff[t];
}

/* ---- steps ---- */

struct pooldns_step *pooldns_case_new_step(struct pooldns_case_pctx *p, enum pooldns_step_kind kind,
					   unsigned targets)
{
	if (p->c->nsteps >= POOLDNS_CASE_MAX_STEPS) {
		pooldns_case_perr(p, "more than %d steps", POOLDNS_CASE_MAX_STEPS);
		return NULL;
	}
	if (p->c->nsteps == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 32;
		struct pooldns_step *ns = realloc(p->c->steps, ncap * sizeof *ns);
		if (ns == NULL) {
			pooldns_case_perr(p, "out of memory");
			return NULL;
		}
		p->c->steps = ns;
		p->cap = ncap;
	}
	struct pooldns_step *s = &p->c->steps[p->c->nsteps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->line = p->lineno;
	s->targets = targets;
	return s;
}

int pooldns_case_opt_u32(struct pooldns_case_pctx *p, size_t *i, uint32_t min, uint32_t max,
			 uint32_t *out)
{
	const char *opt = p->tok[*i];
	if (*i + 1 >= p->ntok)
		return pooldns_case_perr(p, "%s: missing value", opt);
	uint32_t v;
	if (pooldns_case_u32(p->tok[*i + 1], max, &v) != 0 || v < min)
		return pooldns_case_perr(p, "%s: '%.40s' is not a number in %u..%u", opt,
					 p->tok[*i + 1], min, max);
	*out = v;
	*i += 1;
	return 0;
}
