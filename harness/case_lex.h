/*
 * case_lex.h — the lexer of `.case` files and the parser context that every
 * part of the case-file parser shares: case_parse.c (lines, steps and most
 * directives), case_expect.c (`expect`) and case_backend.c (`backend`) all
 * call into case_lex.c, and case_lex.c calls none of them. Not used outside
 * the parser.
 *
 * Thread model: a parser context belongs to one pooldns_case_parse() call.
 */
#ifndef POOLDNS_HARNESS_CASE_LEX_H
#define POOLDNS_HARNESS_CASE_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "case.h"

struct pooldns_case_pctx {
	const char *name;
	const char *buf;
	size_t len, pos;
	unsigned next_line; /* physical line number of buf[pos] */
	unsigned lineno;    /* first physical line of the current logical line */
	char *line;         /* current logical line, comment removed */
	char *work;         /* tokenized copy of line */
	char **tok;
	size_t *tokoff; /* offset of each token in line */
	size_t ntok;
	size_t tokcap; /* room in tok and tokoff (grown by the tokenizer) */
	struct pooldns_case *c;
	size_t cap;
	/* block state */
	bool in_rr_block;
	size_t rr_step; /* the expect step collecting RR lines */
	size_t rr_cap;
	unsigned rr_block_line;
	bool in_wait;
	size_t wait_step;
	bool can_expect; /* previous step is a query, raw or expect */
	/* backends declared so far (names are looked up by later lines) */
	struct pooldns_case_pbackend {
		char name[POOLDNS_CASE_MAX_BACKEND_NAME + 1];
		enum pooldns_backend_kind kind;
		int family;
		uint8_t addr[16];
		uint16_t port;
	} backends[POOLDNS_CASE_MAX_BACKENDS];
	size_t nbackends;
	char *err;
	size_t errsz;
};

/* Sets up p to read buf[0..len) into out (cleared), with errors going to
 * err as "NAME:LINE: message". 0, or -1 (out of memory, reported in err).
 * Call pooldns_case_lex_free() either way. */
int pooldns_case_lex_init(struct pooldns_case_pctx *p, const char *buf, size_t len,
			  const char *name, struct pooldns_case *out, char *err, size_t errsz);
/* Frees the context's buffers (not out). */
void pooldns_case_lex_free(struct pooldns_case_pctx *p);

/* Reads the next logical line into p->line (continuations joined, comment
 * removed, trailing blanks trimmed). 1: a line; 0: end of input; -1: error. */
int pooldns_case_next_line(struct pooldns_case_pctx *p);
/* Splits p->line into p->tok / p->tokoff / p->ntok. 0 or -1. */
int pooldns_case_tokenize(struct pooldns_case_pctx *p);
/* Text of the current line from token t to its end (original spacing). */
const char *pooldns_case_rest_from(struct pooldns_case_pctx *p, size_t t);

/* Writes "NAME:LINE: message" into the caller's error buffer; returns -1. */
int pooldns_case_perr(struct pooldns_case_pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal 0..max without sign; 0 or -1. */
int pooldns_case_u32(const char *s, uint32_t max, uint32_t *out);
/* "N", "MIN..MAX" or "MIN.."; 0 or -1. */
int pooldns_case_range(const char *s, struct pooldns_range *r);
/* An absolute domain name (caller frees), or NULL if ldns rejects it;
 * absolute whether or not s ends in '.'. */
ldns_rdf *pooldns_case_name(const char *s);
/* The value of option tok[*i] as a number in min..max; advances *i. */
int pooldns_case_opt_u32(struct pooldns_case_pctx *p, size_t *i, uint32_t min, uint32_t max,
			 uint32_t *out);
/* Appends a zeroed step (NULL with an error when full or out of memory). */
struct pooldns_step *pooldns_case_new_step(struct pooldns_case_pctx *p, enum pooldns_step_kind kind,
					   unsigned targets);

#endif
