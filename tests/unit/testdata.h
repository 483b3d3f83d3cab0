/*
 * testdata.h — builds datasets for unit tests from compact specs, with the
 * column sets the sources produce (POOLDNS_SQL_POOLS / POOLDNS_SQL_MEMBERS),
 * so tests describe pools in one line instead of sixteen cells.
 *
 * Not thread-safe; test-thread only. Failures abort the test (Check).
 */
#ifndef POOLDNS_TESTDATA_H
#define POOLDNS_TESTDATA_H

#include <stdint.h>

#include "table.h"

struct td_pool {
	int64_t id;
	const char *name;
	const char *policy;     /* NULL: round_robin */
	const char *fallback;   /* NULL: all */
	const char *check_type; /* NULL: none */
	int check_port;         /* 0: NULL */
	const char *check_path; /* NULL: "/" */
	const char *check_host; /* NULL: NULL */
	int check_expect;       /* 0: 200 */
	const char *check_body; /* NULL: NULL */
	int interval_ms;        /* 0: 5000 */
	int timeout_ms;         /* 0: 2000 */
	int rise, fall;         /* 0: 2, 3 */
	int max_answers;        /* 0: 8 */
	int ttl;                /* 0: 30 */
};

struct td_member {
	int64_t id;
	int64_t pool;
	const char *host;
	int weight;             /* 0: 1 */
	int priority;
	int disabled;           /* 1: enabled = 0 */
};

/* New empty tables with the sources' columns in ds (version set). */
void td_dataset_init(struct pooldns_dataset *ds, int64_t version);
void td_add_pool(struct pooldns_dataset *ds, const struct td_pool *p);
void td_add_member(struct pooldns_dataset *ds, const struct td_member *m);

#endif
