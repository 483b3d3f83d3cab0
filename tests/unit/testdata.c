/*
 * testdata.c — compact dataset builders for unit tests (see testdata.h).
 */
#include "config.h"

#include <check.h>

#include "testdata.h"

static const char *const pool_cols[] = {
	"id", "name", "ttl", "policy", "max_answers", "fallback", "check_type",
	"check_port", "check_path", "check_host", "check_expect", "check_body",
	"check_interval_ms", "check_timeout_ms", "check_rise", "check_fall",
};
static const char *const member_cols[] = {
	"id", "dns_zone", "host", "weight", "priority", "enabled",
};

static struct pooldns_cell cint(int64_t v)
{
	struct pooldns_cell c = { .type = POOLDNS_CELL_INT, .i = v };
	return c;
}

static struct pooldns_cell ctext_or_null(const char *s)
{
	struct pooldns_cell c = { .type = s ? POOLDNS_CELL_TEXT : POOLDNS_CELL_NULL, .s = (char *)s };
	return c;
}

void td_dataset_init(struct pooldns_dataset *ds, int64_t version)
{
	ds->version = version;
	ds->pools = pooldns_table_new(sizeof pool_cols / sizeof pool_cols[0], pool_cols);
	ds->members = pooldns_table_new(sizeof member_cols / sizeof member_cols[0], member_cols);
	ck_assert_ptr_nonnull(ds->pools);
	ck_assert_ptr_nonnull(ds->members);
}

void td_add_pool(struct pooldns_dataset *ds, const struct td_pool *p)
{
	struct pooldns_cell row[16] = {
		cint(p->id),
		ctext_or_null(p->name),
		cint(p->ttl ? p->ttl : 30),
		ctext_or_null(p->policy ? p->policy : "round_robin"),
		cint(p->max_answers ? p->max_answers : 8),
		ctext_or_null(p->fallback ? p->fallback : "all"),
		ctext_or_null(p->check_type ? p->check_type : "none"),
		p->check_port ? cint(p->check_port) : ctext_or_null(NULL),
		ctext_or_null(p->check_path ? p->check_path : "/"),
		ctext_or_null(p->check_host),
		cint(p->check_expect ? p->check_expect : 200),
		ctext_or_null(p->check_body),
		cint(p->interval_ms ? p->interval_ms : 5000),
		cint(p->timeout_ms ? p->timeout_ms : 2000),
		cint(p->rise ? p->rise : 2),
		cint(p->fall ? p->fall : 3),
	};
	ck_assert_int_eq(pooldns_table_add_row(ds->pools, row), 0);
}

void td_add_member(struct pooldns_dataset *ds, const struct td_member *m)
{
	struct pooldns_cell row[6] = {
		cint(m->id), cint(m->pool), ctext_or_null(m->host),
		cint(m->weight ? m->weight : 1), cint(m->priority), cint(m->disabled ? 0 : 1),
	};
	ck_assert_int_eq(pooldns_table_add_row(ds->members, row), 0);
}
