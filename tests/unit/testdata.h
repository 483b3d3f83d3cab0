/*
 * testdata.h — builds datasets for unit tests and fuzz targets from compact
 * specs, with the column sets the sources produce (POOLDNS_SQL_POOLS /
 * POOLDNS_SQL_MEMBERS), so tests describe pools in one line instead of
 * sixteen cells. This is the one place that lists those columns for tests.
 * It also reads the snapshots made from them (td_pool, td_lookup, td_host).
 *
 * Tests that feed the builder deliberately bad cells build a row from a
 * spec (td_pool_row / td_member_row), replace cells by column index
 * (TD_P_* / TD_M_*) and add it with td_add_pool_row / td_add_member_row.
 *
 * Not thread-safe; one thread at a time. A failed table operation fails the
 * test: through Check's ck_assert normally, or with a message on stderr and
 * abort() when compiled with TESTDATA_NO_CHECK (fuzz targets, which do not
 * link Check).
 */
#ifndef POOLDNS_TESTDATA_H
#define POOLDNS_TESTDATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/model/snapshot.h"
#include "core/source/source.h"
#include "core/source/table.h"

/* Column indexes of the pools table, in the order of POOLDNS_SQL_POOLS. */
enum td_pool_col {
	TD_P_ID,
	TD_P_NAME,
	TD_P_TTL,
	TD_P_POLICY,
	TD_P_MAX,
	TD_P_FALLBACK,
	TD_P_CTYPE,
	TD_P_CPORT,
	TD_P_CPATH,
	TD_P_CHOST,
	TD_P_CEXPECT,
	TD_P_CBODY,
	TD_P_CINTERVAL,
	TD_P_CTIMEOUT,
	TD_P_CRISE,
	TD_P_CFALL,
	TD_P_N
};

/* Column indexes of the members table, in the order of POOLDNS_SQL_MEMBERS. */
enum td_member_col { TD_M_ID, TD_M_ZONE, TD_M_HOST, TD_M_WEIGHT, TD_M_PRIO, TD_M_ENABLED, TD_M_N };

/* Column names, indexed by the enums above. */
/* The column names, in TD_P_* / TD_M_* order: the library's own lists. */
#define td_pool_cols   pooldns_pool_columns
#define td_member_cols pooldns_member_columns

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
	int weight; /* 0: 1 */
	int priority;
	int disabled; /* 1: enabled = 0 */
};

/* Cells. td_text(NULL) is a NULL cell; text is borrowed until the row is
 * added (pooldns_table_add_row copies it). */
struct pooldns_cell td_int(int64_t v);
struct pooldns_cell td_real(double v);
struct pooldns_cell td_text(const char *s);
struct pooldns_cell td_null(void);

/* New empty tables with the sources' columns in ds (version set). */
void td_dataset_init(struct pooldns_dataset *ds, int64_t version);

/* The cells of one row from a spec, with the defaults noted above. */
void td_pool_row(struct pooldns_cell row[TD_P_N], const struct td_pool *p);
void td_member_row(struct pooldns_cell row[TD_M_N], const struct td_member *m);

/* Append a row made from a spec, or a row of raw cells. */
void td_add_pool(struct pooldns_dataset *ds, const struct td_pool *p);
void td_add_member(struct pooldns_dataset *ds, const struct td_member *m);
void td_add_pool_row(struct pooldns_dataset *ds, const struct pooldns_cell row[TD_P_N]);
void td_add_member_row(struct pooldns_dataset *ds, const struct pooldns_cell row[TD_M_N]);

/* One-line forms: TD_POOL(&ds, .id = 1, .name = "a.test.", .ttl = 10). */
#define TD_POOL(ds, ...)   td_add_pool((ds), &(const struct td_pool){ __VA_ARGS__ })
#define TD_MEMBER(ds, ...) td_add_member((ds), &(const struct td_member){ __VA_ARGS__ })

/*
 * Reading snapshots. Pools live in a hash table (snapshot.h), so tests that
 * used to index an id-ordered array ask for the i-th pool in ascending id
 * order, and members carry only their binary address.
 */

/* The i-th pool of snap in ascending id order (i < snap->npools). */
struct pooldns_pool *td_pool(const struct pooldns_snapshot *snap, size_t i);

/* The pool named text ("www.example.com."), or NULL. */
struct pooldns_pool *td_lookup(const struct pooldns_snapshot *snap, const char *text);

/* A member's address as text ("192.0.2.1", "2001:db8::1") in buf. */
#define TD_HOST_MAX 46 /* INET6_ADDRSTRLEN */
const char *td_host(const struct pooldns_member *m, char buf[TD_HOST_MAX]);

#endif
