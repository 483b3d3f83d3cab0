/*
 * columns.h — the columns poolctl reads and writes, one row per column of
 * dns_zone and dns_zone_member, in the order of POOLDNS_SQL_POOLS and
 * POOLDNS_SQL_MEMBERS (core/source/source.h), so that a pool or member
 * held as an array of cells is also a row the loader's checks accept
 * (pooldns_build_check_pool_row / _member_row, core/model/builder.h).
 *
 * A row says the column's name (also its key in the import/export file
 * and in COLUMN=VALUE arguments), its kind, whether it may be NULL, the
 * default schema.json gives it, and whether a user sets it (ids and a
 * member's pool are poolctl's business). Values arrive as text (command
 * line) or JSON (import file) and become cells here; ranges and choices
 * are NOT checked here but by the loader's own row checks (validate.c).
 *
 * Also here: the canonical form of a pool name (lower case, final dot) and
 * of a member address (inet_ntop), which is how pooldns compares them.
 *
 * Ownership: a TEXT cell made here owns its string (free with
 * pctl_cell_clear). Thread-safety: the tables are read-only; functions are
 * reentrant.
 */
#ifndef POOLCTL_COLUMNS_H
#define POOLCTL_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/source/source.h"
#include "core/source/table.h"

enum pctl_kind {
	PCTL_INT = 0, /* integer cell */
	PCTL_TEXT,    /* text cell */
	PCTL_BOOL,    /* integer 0 or 1; true/false in JSON */
};

struct pctl_col {
	const char *name;
	enum pctl_kind kind;
	bool nullable;
	bool user; /* set by users (file key, COLUMN=VALUE); false: id, dns_zone */
	bool dflt_null;
	int64_t dflt_int;
	const char *dflt_text;
	const char *help; /* one line for --help and the man page */
};

/* Indexes into the pool and member tables (and cell arrays). */
enum {
	PCTL_P_ID = 0,
	PCTL_P_NAME = 1,
	PCTL_M_ID = 0,
	PCTL_M_ZONE = 1,
	PCTL_M_HOST = 2,
	PCTL_M_ENABLED = 5,
};

extern const struct pctl_col pctl_pool_cols[POOLDNS_POOL_NCOLS];
extern const struct pctl_col pctl_member_cols[POOLDNS_MEMBER_NCOLS];

/* Index of the user column called name in cols[0..n-1], or -1. */
int pctl_col_find(const struct pctl_col *cols, size_t n, const char *name);

/* The column's default into *out (a copy). 0 or -1 (out of memory). */
int pctl_cell_default(const struct pctl_col *c, struct pooldns_cell *out);

/* A command-line value: INT a decimal integer, BOOL 0/1/true/false/yes/no,
 * TEXT any UTF-8 text (what JSON carries: the file, rqlite); "" is NULL for
 * a nullable column. 0, or -1 with err. */
int pctl_cell_from_text(const struct pctl_col *c, const char *text, struct pooldns_cell *out,
			char *err, size_t errsz);

/* A JSON value: INT an integer, BOOL true/false, TEXT a string; null for a
 * nullable column. 0, or -1 with err (the kind expected and found). */
int pctl_cell_from_json(const struct pctl_col *c, const json_t *v, struct pooldns_cell *out,
			char *err, size_t errsz);

/* The cell as JSON (BOOL as true/false; a cell of another kind than the
 * column's, read from a database written without constraints, as it is).
 * NULL on out of memory. */
json_t *pctl_cell_to_json(const struct pctl_col *c, const struct pooldns_cell *cell);

/* Whether text is UTF-8 by jansson's rules: what the import/export file
 * and rqlite's JSON can carry. */
bool pctl_utf8_text(const char *text);

/* The cell for humans: numbers, "quoted text", null, true/false. */
void pctl_cell_format(const struct pctl_col *c, const struct pooldns_cell *cell, char *out,
		      size_t outsz);

bool pctl_cell_equal(const struct pooldns_cell *a, const struct pooldns_cell *b);
/* Deep copy; 0 or -1 (out of memory, *dst then NULL). */
int pctl_cell_copy(struct pooldns_cell *dst, const struct pooldns_cell *src);
void pctl_cell_clear(struct pooldns_cell *c);

/* The canonical text of a pool name: lower case, \DDD escapes as pooldns
 * prints them, a final dot added when missing. 0, or -1 when it is not a
 * domain name (out is then untouched). */
int pctl_name_canonical(const char *in, char *out, size_t outsz);

/* The canonical text of a member address (inet_ntop), its family
 * (AF_INET, AF_INET6) and bytes. 0, or -1 when it is not an address. */
int pctl_host_canonical(const char *in, char *out, size_t outsz, int *family, uint8_t addr[16]);

#endif
