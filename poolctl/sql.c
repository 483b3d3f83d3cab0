/*
 * sql.c — the SQL text of every statement poolctl runs and the builders of
 * its write batches (see sql.h). The column lists are written out here
 * once, in the order of columns.c; nothing from users ever becomes SQL
 * text.
 *
 * Owns: the batch arrays it grows (the cells inside borrow the caller's
 * strings). Thread model: none.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/source/source.h"
#include "poolctl/columns.h"
#include "poolctl/sql.h"

#define POOL_SET_COLS                                                                              \
	"name, ttl, policy, max_answers, fallback, check_type, check_port, check_path, "           \
	"check_host, check_expect, check_body, check_interval_ms, check_timeout_ms, check_rise, "  \
	"check_fall"
#define ZONE_BY_NAME "(SELECT id FROM dns_zone WHERE name = ?)"

static const char SQL_POOL_INSERT[] = "INSERT INTO dns_zone (" POOL_SET_COLS
				      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_POOL_UPDATE[] =
	"UPDATE dns_zone SET name = ?, ttl = ?, policy = ?, max_answers = ?, fallback = ?, "
	"check_type = ?, check_port = ?, check_path = ?, check_host = ?, check_expect = ?, "
	"check_body = ?, check_interval_ms = ?, check_timeout_ms = ?, check_rise = ?, "
	"check_fall = ? WHERE name = ?";
static const char SQL_POOL_DELETE_MEMBERS[] =
	"DELETE FROM dns_zone_member WHERE dns_zone IN " ZONE_BY_NAME;
static const char SQL_POOL_DELETE[] = "DELETE FROM dns_zone WHERE name = ?";
static const char SQL_MEMBER_INSERT[] =
	"INSERT INTO dns_zone_member (dns_zone, host, weight, priority, enabled) "
	"VALUES (" ZONE_BY_NAME ", ?, ?, ?, ?)";
static const char SQL_MEMBER_UPDATE[] =
	"UPDATE dns_zone_member SET host = ?, weight = ?, priority = ?, enabled = ? "
	"WHERE dns_zone = " ZONE_BY_NAME " AND host = ?";
static const char SQL_MEMBER_DELETE[] =
	"DELETE FROM dns_zone_member WHERE dns_zone = " ZONE_BY_NAME " AND host = ?";
static const char SQL_GUARD[] =
	"INSERT INTO pooldns_meta (key, value) SELECT key, value FROM pooldns_meta "
	"WHERE key = ? AND value IS NOT ?";
static const char SQL_ONE_POOL[] = POOLDNS_SQL_POOL_SELECT " WHERE name = ?";
static const char SQL_ONE_POOL_MEMBERS[] = POOLDNS_SQL_MEMBER_SELECT
	" WHERE dns_zone IN " ZONE_BY_NAME " ORDER BY dns_zone, priority, id";

int pctl_batch_add(struct pctl_batch *b, const struct pctl_stmt *st)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 16;
		struct pctl_stmt *v = realloc(b->v, nc * sizeof(*v));
		if (v == NULL)
			return -1;
		b->v = v;
		b->cap = nc;
	}
	b->v[b->n++] = *st;
	return 0;
}

void pctl_batch_free(struct pctl_batch *b)
{
	free(b->v);
	memset(b, 0, sizeof(*b));
}

static void add_text(struct pctl_stmt *st, const char *s)
{
	st->p[st->n].type = POOLDNS_CELL_TEXT;
	st->p[st->n].s = (char *)s;
	st->n++;
}

static void add_cell(struct pctl_stmt *st, const struct pooldns_cell *c)
{
	st->p[st->n++] = *c;
}

void pctl_sql_read_version(struct pctl_stmt *st)
{
	memset(st, 0, sizeof(*st));
	st->sql = POOLDNS_SQL_VERSION;
	add_text(st, POOLDNS_SQL_VERSION_PARAM);
}

void pctl_sql_read_all(struct pctl_stmt st[3])
{
	pctl_sql_read_version(&st[0]);
	memset(&st[1], 0, 2 * sizeof(*st));
	st[1].sql = POOLDNS_SQL_POOLS;
	st[2].sql = POOLDNS_SQL_MEMBERS;
}

void pctl_sql_read_pool(struct pctl_stmt st[3], const char *name)
{
	pctl_sql_read_version(&st[0]);
	memset(&st[1], 0, 2 * sizeof(*st));
	st[1].sql = SQL_ONE_POOL;
	add_text(&st[1], name);
	st[2].sql = SQL_ONE_POOL_MEMBERS;
	add_text(&st[2], name);
}

int pctl_sql_guard(struct pctl_batch *b, const int64_t *version)
{
	struct pctl_stmt st = { .sql = SQL_GUARD };

	add_text(&st, POOLDNS_SQL_VERSION_PARAM);
	st.p[st.n].type = POOLDNS_CELL_INT;
	st.p[st.n].i = *version;
	st.n++;
	return pctl_batch_add(b, &st);
}

static void pool_values(struct pctl_stmt *st, const struct pctl_pool *p)
{
	for (size_t k = PCTL_P_NAME; k < POOLDNS_POOL_NCOLS; k++)
		add_cell(st, &p->c[k]);
}

int pctl_sql_pool_insert(struct pctl_batch *b, const struct pctl_pool *p)
{
	struct pctl_stmt st = { .sql = SQL_POOL_INSERT };

	pool_values(&st, p);
	return pctl_batch_add(b, &st);
}

int pctl_sql_pool_update(struct pctl_batch *b, const char *old_name, const struct pctl_pool *p)
{
	struct pctl_stmt st = { .sql = SQL_POOL_UPDATE };

	pool_values(&st, p);
	add_text(&st, old_name);
	return pctl_batch_add(b, &st);
}

int pctl_sql_pool_delete(struct pctl_batch *b, const char *old_name)
{
	struct pctl_stmt a = { .sql = SQL_POOL_DELETE_MEMBERS }, d = { .sql = SQL_POOL_DELETE };

	add_text(&a, old_name);
	add_text(&d, old_name);
	return pctl_batch_add(b, &a) != 0 || pctl_batch_add(b, &d) != 0 ? -1 : 0;
}

static void member_values(struct pctl_stmt *st, const struct pctl_member *m)
{
	for (size_t k = PCTL_M_HOST; k < POOLDNS_MEMBER_NCOLS; k++)
		add_cell(st, &m->c[k]);
}

int pctl_sql_member_insert(struct pctl_batch *b, const char *pool, const struct pctl_member *m)
{
	struct pctl_stmt st = { .sql = SQL_MEMBER_INSERT };

	add_text(&st, pool);
	member_values(&st, m);
	return pctl_batch_add(b, &st);
}

int pctl_sql_member_update(struct pctl_batch *b, const char *pool, const char *old_host,
			   const struct pctl_member *m)
{
	struct pctl_stmt st = { .sql = SQL_MEMBER_UPDATE };

	member_values(&st, m);
	add_text(&st, pool);
	add_text(&st, old_host);
	return pctl_batch_add(b, &st);
}

int pctl_sql_member_delete(struct pctl_batch *b, const char *pool, const char *old_host)
{
	struct pctl_stmt st = { .sql = SQL_MEMBER_DELETE };

	add_text(&st, pool);
	add_text(&st, old_host);
	return pctl_batch_add(b, &st);
}
