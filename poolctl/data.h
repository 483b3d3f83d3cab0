/*
 * data.h — the pools and members poolctl works on: read from the database,
 * parsed from an import file or made from command-line values; checked
 * with the loader's rules before anything is written; written out as the
 * export file.
 *
 * A pool is an array of cells in the columns of POOLDNS_SQL_POOLS, a member
 * one in those of POOLDNS_SQL_MEMBERS (columns.h), so each is a row the
 * loader's checks read as they are. Pools are identified by their
 * canonical name, members by their pool and canonical address; row ids
 * stay in the database (the file format carries none).
 *
 * The export/import file (format "pooldns-pools", version 1) is one JSON
 * object: {"format": "pooldns-pools", "version": 1, "pools": [POOL...]}.
 * POOL is an object with every user column of dns_zone (columns.c) and
 * "members": [MEMBER...]; MEMBER has host, weight, priority, enabled
 * (true/false). On import every key but "name" / "host" may be left out
 * (the schema's default applies) and unknown keys are errors. Export
 * writes every key, pools ordered by name, members by family (IPv4 first)
 * then address, two-space indentation, one key per line: the same data
 * always gives the same bytes.
 *
 * Ownership: a data set owns its pools, members and every string in them.
 * Thread-safety: none; one thread at a time.
 */
#ifndef POOLCTL_DATA_H
#define POOLCTL_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/source/source.h"
#include "core/source/table.h"

#define PCTL_FORMAT         "pooldns-pools"
#define PCTL_FORMAT_VERSION 1

struct pctl_member {
	struct pooldns_cell c[POOLDNS_MEMBER_NCOLS];
	char *db_host; /* host as stored (for WHERE); NULL when not read from the database */
	long src;      /* index in the file's "members", -1 when not from a file */
	int family;    /* AF_INET, AF_INET6; 0 when host is not an address */
	uint8_t addr[16];
};

struct pctl_pool {
	struct pooldns_cell c[POOLDNS_POOL_NCOLS];
	char *db_name; /* name as stored; NULL when not read from the database */
	long src;      /* index in the file's "pools", -1 when not from a file */
	struct pctl_member *m;
	size_t nm, capm;
};

struct pctl_data {
	struct pctl_pool *p;
	size_t np, capp;
	int64_t version; /* data_version when read from the database, else 0 */
};

/* Messages of one check or parse: the first PCTL_ERRS_KEEP are kept, all
 * are counted. */
#define PCTL_ERRS_KEEP 20
#define PCTL_ERR_MAX   512
struct pctl_errs {
	size_t n;
	char msg[PCTL_ERRS_KEEP][PCTL_ERR_MAX];
};
void pctl_errs_add(struct pctl_errs *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the kept messages, one a line, and "... and N more". */
void pctl_errs_print(const struct pctl_errs *e, FILE *f);

void pctl_data_free(struct pctl_data *d);

/* A new pool with every column at its default and the given name (not
 * yet checked); NULL on out of memory. Borrowed from d. */
struct pctl_pool *pctl_data_add_pool(struct pctl_data *d, const char *name);
/* A new member of p with every column at its default and the given host;
 * NULL on out of memory. Borrowed from p (moves when p->m grows). */
struct pctl_member *pctl_pool_add_member(struct pctl_pool *p, const char *host);
/* A deep copy of src into an empty dst, without the stored names and
 * hosts (dst is what the data should become). 0 or -1 (out of memory,
 * dst then empty). */
int pctl_data_copy(struct pctl_data *dst, const struct pctl_data *src);

/* Removes member i of p. */
void pctl_pool_del_member(struct pctl_pool *p, size_t i);

/* Fills d from the results of POOLDNS_SQL_POOLS and POOLDNS_SQL_MEMBERS
 * (by column name); names and hosts are made canonical where they can be,
 * the stored text is kept for WHERE clauses; sorted. Members of a missing
 * pool are left out with a warning. 0, or -1 with err. */
int pctl_data_from_tables(struct pctl_data *d, const struct pooldns_table *pools,
			  const struct pooldns_table *members, char *err, size_t errsz);

/* Makes names and hosts canonical, checks every pool and member with the
 * loader's row checks and the data set for duplicate names, duplicate
 * hosts in a pool and members per family; sorts. Each message starts with
 * where (a file name, or "" for command-line data), then the JSON path
 * ("pools[3].members[0]") of rows from a file, else the pool name and
 * host. 0 when nothing was wrong, else -1 with e filled. */
int pctl_data_check(struct pctl_data *d, const char *where, struct pctl_errs *e);

/* Sorts pools by name and each pool's members by family and address. */
void pctl_data_sort(struct pctl_data *d);

/* Index of the member of p whose canonical host is host, or -1. */
long pctl_pool_find_member(const struct pctl_pool *p, const char *host);

/* Parses an import file (len bytes, need not be NUL-terminated) into an
 * empty d and checks it (pctl_data_check). name prefixes the messages;
 * JSON syntax errors say name:line:column. 0, or -1 with e filled. */
int pctl_data_parse(struct pctl_data *d, const char *buf, size_t len, const char *name,
		    struct pctl_errs *e);

/* One pool as a file object (every user column, "members"). NULL on OOM. */
json_t *pctl_pool_to_json(const struct pctl_pool *p);
/* The whole data set as the file's object. NULL on OOM. */
json_t *pctl_data_to_json(const struct pctl_data *d);
/* The file's bytes: the object, two-space indentation, a final newline.
 * Caller frees; NULL on OOM. */
char *pctl_json_text(const json_t *j);

#endif
