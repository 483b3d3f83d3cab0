/*
 * testdata.c — compact dataset builders for unit tests and fuzz targets,
 * and small readers of the snapshots made from them (see testdata.h). Owns
 * the tests' copy of the pool and member column lists; everything else it
 * builds belongs to the caller's dataset.
 *
 * Thread model: none; called from one test (or fuzzer) thread at a time.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "core/dns/dname.h"
#include "testdata.h"

#ifdef TESTDATA_NO_CHECK
#include <stdio.h>
#include <stdlib.h>

#define TD_REQUIRE(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "testdata: check failed at line %d: %s\n", __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
#else
#include <check.h>

#define TD_REQUIRE(cond) ck_assert(cond)
#endif

_Static_assert(TD_P_N == POOLDNS_POOL_NCOLS, "td pool columns follow POOLDNS_SQL_POOLS");
_Static_assert(TD_M_N == POOLDNS_MEMBER_NCOLS, "td member columns follow POOLDNS_SQL_MEMBERS");

struct pooldns_cell td_int(int64_t v)
{
	struct pooldns_cell c = { .type = POOLDNS_CELL_INT, .i = v };
	return c;
}

struct pooldns_cell td_real(double v)
{
	struct pooldns_cell c = { .type = POOLDNS_CELL_REAL, .r = v };
	return c;
}

struct pooldns_cell td_text(const char *s)
{
	struct pooldns_cell c = { .type = s ? POOLDNS_CELL_TEXT : POOLDNS_CELL_NULL,
				  .s = (char *)s };
	return c;
}

struct pooldns_cell td_null(void)
{
	struct pooldns_cell c = { .type = POOLDNS_CELL_NULL };
	return c;
}

void td_dataset_init(struct pooldns_dataset *ds, int64_t version)
{
	ds->version = version;
	ds->pools = pooldns_table_new(TD_P_N, td_pool_cols);
	ds->members = pooldns_table_new(TD_M_N, td_member_cols);
	TD_REQUIRE(ds->pools != NULL);
	TD_REQUIRE(ds->members != NULL);
}

void td_pool_row(struct pooldns_cell row[TD_P_N], const struct td_pool *p)
{
	row[TD_P_ID] = td_int(p->id);
	row[TD_P_NAME] = td_text(p->name);
	row[TD_P_TTL] = td_int(p->ttl ? p->ttl : 30);
	row[TD_P_POLICY] = td_text(p->policy ? p->policy : "round_robin");
	row[TD_P_MAX] = td_int(p->max_answers ? p->max_answers : 8);
	row[TD_P_FALLBACK] = td_text(p->fallback ? p->fallback : "all");
	row[TD_P_CTYPE] = td_text(p->check_type ? p->check_type : "none");
	row[TD_P_CPORT] = p->check_port ? td_int(p->check_port) : td_null();
	row[TD_P_CPATH] = td_text(p->check_path ? p->check_path : "/");
	row[TD_P_CHOST] = td_text(p->check_host);
	row[TD_P_CEXPECT] = td_int(p->check_expect ? p->check_expect : 200);
	row[TD_P_CBODY] = td_text(p->check_body);
	row[TD_P_CINTERVAL] = td_int(p->interval_ms ? p->interval_ms : 5000);
	row[TD_P_CTIMEOUT] = td_int(p->timeout_ms ? p->timeout_ms : 2000);
	row[TD_P_CRISE] = td_int(p->rise ? p->rise : 2);
	row[TD_P_CFALL] = td_int(p->fall ? p->fall : 3);
}

void td_member_row(struct pooldns_cell row[TD_M_N], const struct td_member *m)
{
	row[TD_M_ID] = td_int(m->id);
	row[TD_M_ZONE] = td_int(m->pool);
	row[TD_M_HOST] = td_text(m->host);
	row[TD_M_WEIGHT] = td_int(m->weight ? m->weight : 1);
	row[TD_M_PRIO] = td_int(m->priority);
	row[TD_M_ENABLED] = td_int(m->disabled ? 0 : 1);
}

void td_add_pool_row(struct pooldns_dataset *ds, const struct pooldns_cell row[TD_P_N])
{
	TD_REQUIRE(pooldns_table_add_row(ds->pools, row) == 0);
}

void td_add_member_row(struct pooldns_dataset *ds, const struct pooldns_cell row[TD_M_N])
{
	TD_REQUIRE(pooldns_table_add_row(ds->members, row) == 0);
}

void td_add_pool(struct pooldns_dataset *ds, const struct td_pool *p)
{
	struct pooldns_cell row[TD_P_N];

	td_pool_row(row, p);
	td_add_pool_row(ds, row);
}

void td_add_member(struct pooldns_dataset *ds, const struct td_member *m)
{
	struct pooldns_cell row[TD_M_N];

	td_member_row(row, m);
	td_add_member_row(ds, row);
}

static int cmp_pool_id(const void *a, const void *b)
{
	const struct pooldns_pool *x = *(const struct pooldns_pool *const *)a;
	const struct pooldns_pool *y = *(const struct pooldns_pool *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct pooldns_pool *td_pool(const struct pooldns_snapshot *snap, size_t i)
{
	struct pooldns_pool **v, *p;
	size_t n = 0;

	TD_REQUIRE(snap != NULL);
	TD_REQUIRE(i < snap->npools);
	v = calloc(snap->npools, sizeof(*v));
	TD_REQUIRE(v != NULL);
	for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;) {
		TD_REQUIRE(n < snap->npools);
		v[n++] = p;
	}
	TD_REQUIRE(n == snap->npools);
	qsort(v, n, sizeof(*v), cmp_pool_id);
	p = v[i];
	free(v);
	return p;
}

struct pooldns_pool *td_lookup(const struct pooldns_snapshot *snap, const char *text)
{
	uint8_t wire[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(text, wire, sizeof(wire));

	TD_REQUIRE(len > 0);
	return pooldns_snapshot_lookup(snap, wire, (size_t)len);
}

const char *td_host(const struct pooldns_member *m, char buf[TD_HOST_MAX])
{
	TD_REQUIRE(m->family == AF_INET || m->family == AF_INET6);
	TD_REQUIRE(inet_ntop(m->family, m->addr, buf, TD_HOST_MAX) != NULL);
	return buf;
}
