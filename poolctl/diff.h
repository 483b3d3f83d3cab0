/*
 * diff.h — what it takes to make the stored data set equal to another one
 * (import's replace semantics): pools and members added, removed and
 * changed, as text or JSON for --diff, and as the statements that apply
 * it (sql.h).
 *
 * Pools are matched by canonical name, members by pool and canonical
 * address. A changed pool is one UPDATE of the pool's row (its id and so
 * its members stay); a stored name or host that differs from its
 * canonical form only in spelling counts as a change, so import also
 * normalises them.
 *
 * Ownership: a diff borrows the pools and members of both data sets; keep
 * them alive while the diff is used. Thread-safety: none.
 */
#ifndef POOLCTL_DIFF_H
#define POOLCTL_DIFF_H

#include <stdio.h>

#include <jansson.h>

#include "poolctl/backend.h"
#include "poolctl/data.h"

enum pctl_op { PCTL_ADD = 0, PCTL_DEL, PCTL_CHANGE };

struct pctl_change {
	enum pctl_op op;
	bool member;
	const struct pctl_pool *old_pool, *new_pool; /* the pool in each set (NULL: not there) */
	const struct pctl_member *old_m, *new_m;     /* members: the member in each set */
	bool with_pool; /* a member added or removed with its whole pool */
};

struct pctl_diff {
	struct pctl_change *v;
	size_t n, cap;
};

/* The changes from cur (the database) to want (checked, sorted). 0 or -1
 * (out of memory). */
int pctl_diff_make(const struct pctl_data *cur, const struct pctl_data *want,
		   struct pctl_diff *out);
void pctl_diff_free(struct pctl_diff *d);

/* One line per change: "+ pool NAME", "- member NAME HOST",
 * "~ pool NAME: ttl 30 -> 60, ...". */
void pctl_diff_print(const struct pctl_diff *d, FILE *f);
/* {"changes": [{"op": "add"|"remove"|"change", "pool": NAME, "host": HOST
 * (members), "fields": {COLUMN: {"old": V, "new": V}} (changes)}, ...]}.
 * NULL on OOM. */
json_t *pctl_diff_json(const struct pctl_diff *d);

/* The statements that apply d, in an order that keeps every constraint:
 * member removals, pool removals, pool changes, pool additions, member
 * changes, member additions. 0 or -1 (out of memory). */
int pctl_diff_statements(const struct pctl_diff *d, struct pctl_batch *b);

#endif
