/*
 * case_internal.h — shared between the two halves of the case-file parser
 * (case_parse.c: lines, steps and directives; case_expect.c: `expect`
 * lines and records). Not used outside the parser.
 *
 * Thread model: a parser context belongs to one pooldns_case_parse() call.
 */
#ifndef POOLDNS_HARNESS_CASE_INTERNAL_H
#define POOLDNS_HARNESS_CASE_INTERNAL_H

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

/* Writes "NAME:LINE: message" into the caller's error buffer; returns -1. */
int pooldns_case_perr(struct pooldns_case_pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Decimal 0..max without sign; 0 or -1. */
int pooldns_case_u32(const char *s, uint32_t max, uint32_t *out);
/* "N", "MIN..MAX" or "MIN.."; 0 or -1. */
int pooldns_case_range(const char *s, struct pooldns_range *r);
/* An absolute domain name (caller frees), or NULL. */
ldns_rdf *pooldns_case_name(const char *s);
/* The value of option tok[*i] as a number in min..max; advances *i. */
int pooldns_case_opt_u32(struct pooldns_case_pctx *p, size_t *i, uint32_t min, uint32_t max,
			 uint32_t *out);
/* Appends a zeroed step (NULL with an error when full or out of memory). */
struct pooldns_step *pooldns_case_new_step(struct pooldns_case_pctx *p, enum pooldns_step_kind kind,
					   unsigned targets);
/* Text of the current line from token t to its end. */
const char *pooldns_case_rest_from(struct pooldns_case_pctx *p, size_t t);
/* Parses RR text and appends it to e's records. 0 or -1. */
int pooldns_case_add_rr(struct pooldns_case_pctx *p, struct pooldns_expect *e, const char *text);
/* The `expect` directive (tok[0] == "expect"). 0 or -1. */
int pooldns_case_dir_expect(struct pooldns_case_pctx *p, unsigned targets);
/* The `backend` directive (tok[0] == "backend"; case_backend.c). 0 or -1. */
int pooldns_case_dir_backend(struct pooldns_case_pctx *p, unsigned targets);
/* Frees what a backend step owns (strings). */
void pooldns_case_backend_free(struct pooldns_backend_spec *b);

#endif
