/*
 * sql.h — every statement poolctl runs, and the functions that turn pools
 * and members into them. Pools are found by name (dns_zone.name is
 * COLLATE NOCASE) and members by their pool's name and their host, as
 * stored, so statements need no ids and one transaction can add a pool
 * and its members. A pool is deleted with its members explicitly (the
 * cascade needs foreign keys on, which rqlite only has with -fk).
 *
 * Values are always bound parameters (backend.h). The statements borrow
 * the cells of the pools and members they are made from: keep those alive
 * until the batch has run.
 *
 * Thread-safety: none needed; pure functions over the caller's data.
 */
#ifndef POOLCTL_SQL_H
#define POOLCTL_SQL_H

#include "poolctl/backend.h"
#include "poolctl/data.h"

/* Reads: the whole data set (version, pools, members), or one pool by
 * name (?1) with its members. Results in the order of POOLDNS_SQL_VERSION,
 * POOLDNS_SQL_POOLS, POOLDNS_SQL_MEMBERS. */
void pctl_sql_read_all(struct pctl_stmt st[3]);
void pctl_sql_read_pool(struct pctl_stmt st[3], const char *name);
/* data_version alone. */
void pctl_sql_read_version(struct pctl_stmt *st);

/* The first statement of every write: fails (a duplicate key in
 * pooldns_meta, so the whole transaction is rolled back) when data_version
 * is no longer `version`, the one read before the changes were worked out.
 * Every write to pools and members moves data_version (schema.json's
 * triggers), so a write that went in between cannot be overwritten or
 * undone unseen. 0 or -1 (out of memory). */
int pctl_sql_guard(struct pctl_batch *b, const int64_t *version);
/* The text of the guard's failure as the backends report it (statement 1). */
#define PCTL_GUARD_FAILED "statement 1: "

/* Writes; each returns 0 or -1 (out of memory). */
int pctl_sql_pool_insert(struct pctl_batch *b, const struct pctl_pool *p);
/* Sets every column of the stored pool old_name to p's values. */
int pctl_sql_pool_update(struct pctl_batch *b, const char *old_name, const struct pctl_pool *p);
int pctl_sql_pool_delete(struct pctl_batch *b, const char *old_name);
/* pool: the name the pool has when the statement runs. */
int pctl_sql_member_insert(struct pctl_batch *b, const char *pool, const struct pctl_member *m);
int pctl_sql_member_update(struct pctl_batch *b, const char *pool, const char *old_host,
			   const struct pctl_member *m);
int pctl_sql_member_delete(struct pctl_batch *b, const char *pool, const char *old_host);

#endif
