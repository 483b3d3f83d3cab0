/*
 * case_internal.h — the directive parsers that case_parse.c dispatches to:
 * `expect` (case_expect.c) and `backend` (case_backend.c). They share the
 * lexer and parser context of case_lex.h; none of them calls back into
 * case_parse.c. Not used outside the parser.
 *
 * Thread model: a parser context belongs to one pooldns_case_parse() call.
 */
#ifndef POOLDNS_HARNESS_CASE_INTERNAL_H
#define POOLDNS_HARNESS_CASE_INTERNAL_H

#include "case.h"

struct pooldns_case_pctx; /* case_lex.h */

/* Parses RR text and appends it to e's records (case_expect.c; also used
 * for the lines of a record block). 0 or -1. */
int pooldns_case_add_rr(struct pooldns_case_pctx *p, struct pooldns_expect *e, const char *text);
/* The `expect` directive (tok[0] == "expect"; case_expect.c). 0 or -1. */
int pooldns_case_dir_expect(struct pooldns_case_pctx *p, unsigned targets);
/* The `backend` directive (tok[0] == "backend"; case_backend.c). 0 or -1. */
int pooldns_case_dir_backend(struct pooldns_case_pctx *p, unsigned targets);
/* Frees what a backend step owns (strings). */
void pooldns_case_backend_free(struct pooldns_backend_spec *b);

#endif
