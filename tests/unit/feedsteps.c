/*
 * feedsteps.c — the write scenario shared by the SQLite and live rqlite
 * change-feed tests (see feedsteps.h). Owns the list of steps and what
 * each must produce.
 *
 * Thread model: none; one test process at a time runs it.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "feedsteps.h"

struct step {
	const char *what;
	const char *sql;
	size_t nlog;      /* change-log rows the write adds */
	int64_t zones[4]; /* pool ids changes() must name, ascending */
	size_t nzones;
	size_t npools;       /* rows in delta.pools */
	size_t nmembers;     /* rows in delta.members */
	int64_t member_id;   /* non-zero: this member is in the delta ... */
	int64_t member_zone; /* ... with this dns_zone */
	int64_t pool_id;     /* non-zero: this pool is in the delta ... */
	int64_t pool_ttl;    /* ... with this ttl */
};

/* From populate_data.json: pool 1 has members 1-4, pool 2 10-13, pool 3
 * 20-22, pool 4 30-33, pool 5 40-45. */
#define ZONES(...)                                                                                 \
	.zones = { __VA_ARGS__ }, .nzones = sizeof((int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t)

static const struct step steps[] = {
	{ .what = "insert a pool",
	  .sql = "INSERT INTO dns_zone (id, name) VALUES (6, 'feed.example.')",
	  .nlog = 1,
	  ZONES(6),
	  .npools = 1,
	  .nmembers = 0,
	  .pool_id = 6,
	  .pool_ttl = 30 },
	{ .what = "insert a member",
	  .sql = "INSERT INTO dns_zone_member (id, dns_zone, host) VALUES (60, 6, '192.0.2.60')",
	  .nlog = 1,
	  ZONES(6),
	  .npools = 1,
	  .nmembers = 1,
	  .member_id = 60,
	  .member_zone = 6 },
	{ .what = "update a pool",
	  .sql = "UPDATE dns_zone SET ttl = 99 WHERE id = 2",
	  .nlog = 1,
	  ZONES(2),
	  .npools = 1,
	  .nmembers = 4,
	  .pool_id = 2,
	  .pool_ttl = 99 },
	{ .what = "update a member",
	  .sql = "UPDATE dns_zone_member SET weight = 5 WHERE id = 10",
	  .nlog = 1,
	  ZONES(2),
	  .npools = 1,
	  .nmembers = 4,
	  .member_id = 10,
	  .member_zone = 2 },
	{ .what = "delete a member",
	  .sql = "DELETE FROM dns_zone_member WHERE id = 11",
	  .nlog = 1,
	  ZONES(2),
	  .npools = 1,
	  .nmembers = 3 },
	{ .what = "move a member to another pool",
	  .sql = "UPDATE dns_zone_member SET dns_zone = 3 WHERE id = 40",
	  .nlog = 2,
	  ZONES(3, 5),
	  .npools = 2,
	  .nmembers = 9,
	  .member_id = 40,
	  .member_zone = 3 },
	{ .what = "insert a pool to renumber",
	  .sql = "INSERT INTO dns_zone (id, name) VALUES (7, 'renum.example.')",
	  .nlog = 1,
	  ZONES(7),
	  .npools = 1,
	  .nmembers = 0 },
	{ .what = "change a pool's id",
	  .sql = "UPDATE dns_zone SET id = 8 WHERE id = 7",
	  .nlog = 2,
	  ZONES(7, 8),
	  .npools = 1,
	  .nmembers = 0,
	  .pool_id = 8,
	  .pool_ttl = 30 },
	{ .what = "delete a pool: its members go by cascade",
	  .sql = "DELETE FROM dns_zone WHERE id = 1",
	  .nlog = 5,
	  ZONES(1),
	  .npools = 0,
	  .nmembers = 0 },
	{ .what = "one statement on two pools",
	  .sql = "UPDATE dns_zone SET max_answers = 4 WHERE id IN (4, 5)",
	  .nlog = 2,
	  ZONES(4, 5),
	  .npools = 2,
	  .nmembers = 9 },
	{ .what = "delete a pool without members",
	  .sql = "DELETE FROM dns_zone WHERE id = 8",
	  .nlog = 1,
	  ZONES(8),
	  .npools = 0,
	  .nmembers = 0 },
};

/* After every step: pools 2-6 remain, with 3 + 4 + 4 + 5 + 1 members. */
static const int64_t all_zones[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
#define FINAL_POOLS   5
#define FINAL_MEMBERS 17

size_t feed_count_rows(const struct pooldns_table *t, const char *col, int64_t v)
{
	int c = pooldns_table_col(t, col);
	ck_assert_msg(c >= 0, "no column %s", col);
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		const struct pooldns_cell *cell = pooldns_table_cell(t, r, (size_t)c);
		if (cell->type == POOLDNS_CELL_INT && cell->i == v)
			n++;
	}
	return n;
}

void feed_expect_zones(const struct pooldns_delta *d, const int64_t *want, size_t n,
		       const char *what)
{
	char got[256] = "";
	for (size_t i = 0; i < d->nzones; i++) {
		size_t l = strlen(got);
		snprintf(got + l, sizeof got - l, "%s%" PRId64, i ? "," : "", d->zones[i]);
	}
	ck_assert_msg(d->nzones == n, "%s: zones {%s}, expected %zu of them", what, got, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(d->zones[i] == want[i], "%s: zones {%s}, expected %" PRId64 " at %zu",
			      what, got, want[i], i);
}

/* Members come ordered by dns_zone, priority, id; pools by id. */
static void expect_order(const struct pooldns_delta *d, const char *what)
{
	int z = pooldns_table_col(d->members, "dns_zone");
	int p = pooldns_table_col(d->members, "priority");
	int id = pooldns_table_col(d->members, "id");
	ck_assert(z >= 0 && p >= 0 && id >= 0);
	for (size_t r = 1; r < d->members->nrows; r++) {
		int64_t a[3], b[3];
		const int cols[3] = { z, p, id };
		for (int k = 0; k < 3; k++) {
			a[k] = pooldns_table_cell(d->members, r - 1, (size_t)cols[k])->i;
			b[k] = pooldns_table_cell(d->members, r, (size_t)cols[k])->i;
		}
		bool ordered = a[0] < b[0] ||
			       (a[0] == b[0] && (a[1] < b[1] || (a[1] == b[1] && a[2] < b[2])));
		ck_assert_msg(ordered, "%s: members rows %zu and %zu out of order", what, r, r + 1);
	}
	for (size_t r = 1; r < d->pools->nrows; r++)
		ck_assert_msg(pooldns_table_cell(d->pools, r - 1, 0)->i <
				      pooldns_table_cell(d->pools, r, 0)->i,
			      "%s: pools out of order", what);
}

static void expect_step(const struct step *s, const struct pooldns_delta *d)
{
	feed_expect_zones(d, s->zones, s->nzones, s->what);
	ck_assert_msg(d->pools->nrows == s->npools, "%s: %zu pools, expected %zu", s->what,
		      d->pools->nrows, s->npools);
	ck_assert_msg(d->members->nrows == s->nmembers, "%s: %zu members, expected %zu", s->what,
		      d->members->nrows, s->nmembers);
	expect_order(d, s->what);
	if (s->member_id != 0) {
		int idc = pooldns_table_col(d->members, "id");
		int zc = pooldns_table_col(d->members, "dns_zone");
		bool found = false;
		for (size_t r = 0; r < d->members->nrows; r++)
			if (pooldns_table_cell(d->members, r, (size_t)idc)->i == s->member_id) {
				ck_assert_int_eq(pooldns_table_cell(d->members, r, (size_t)zc)->i,
						 s->member_zone);
				found = true;
			}
		ck_assert_msg(found, "%s: member %" PRId64 " not in the delta", s->what,
			      s->member_id);
	}
	if (s->pool_id != 0) {
		int tc = pooldns_table_col(d->pools, "ttl");
		bool found = false;
		for (size_t r = 0; r < d->pools->nrows; r++)
			if (pooldns_table_cell(d->pools, r, 0)->i == s->pool_id) {
				ck_assert_int_eq(pooldns_table_cell(d->pools, r, (size_t)tc)->i,
						 s->pool_ttl);
				found = true;
			}
		ck_assert_msg(found, "%s: pool %" PRId64 " not in the delta", s->what, s->pool_id);
	}
}

void feed_run_steps(struct pooldns_source *src, feed_exec_fn exec, void *ctx)
{
	char err[512] = "";
	struct pooldns_position start;
	ck_assert_msg(src->ops->position(src, &start, err, sizeof err) == 0, "position: %s", err);
	ck_assert_int_eq(start.schema_version, POOLDNS_SCHEMA_VERSION);
	ck_assert_int_ge(start.seq, 0);

	int64_t since = start.seq;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const struct step *s = &steps[i];
		int64_t v0 = 0, v1 = 0;
		ck_assert_int_eq(src->ops->version(src, &v0, err, sizeof err), 0);
		exec(ctx, s->sql);
		ck_assert_int_eq(src->ops->version(src, &v1, err, sizeof err), 0);
		ck_assert_msg(v1 > v0, "%s: data_version did not move", s->what);

		struct pooldns_delta d;
		ck_assert_msg(src->ops->changes(src, since, 1000, &d, err, sizeof err) == 0,
			      "%s: changes: %s", s->what, err);
		ck_assert_msg(!d.gap && !d.more, "%s: gap %d more %d", s->what, d.gap, d.more);
		ck_assert_int_eq(d.version, v1);
		ck_assert_msg(d.seq == since + (int64_t)s->nlog,
			      "%s: seq %" PRId64 ", expected %" PRId64, s->what, d.seq,
			      since + (int64_t)s->nlog);
		expect_step(s, &d);
		pooldns_delta_clear(&d);

		struct pooldns_position pos;
		ck_assert_int_eq(src->ops->position(src, &pos, err, sizeof err), 0);
		ck_assert_int_eq(pos.seq, since + (int64_t)s->nlog);
		ck_assert_int_eq(pos.version, v1);
		since = pos.seq;

		/* nothing after the newest seq */
		ck_assert_int_eq(src->ops->changes(src, since, 1000, &d, err, sizeof err), 0);
		ck_assert(!d.gap && !d.more && d.nzones == 0 && d.seq == since);
		ck_assert_uint_eq(d.pools->nrows, 0);
		ck_assert_uint_eq(d.members->nrows, 0);
		pooldns_delta_clear(&d);
	}

	/* the whole scenario in one delta: the current state of every pool
	 * it touched */
	struct pooldns_delta d;
	ck_assert_int_eq(src->ops->changes(src, start.seq, 1000, &d, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.seq == since);
	feed_expect_zones(&d, all_zones, sizeof all_zones / sizeof all_zones[0], "whole scenario");
	ck_assert_uint_eq(d.pools->nrows, FINAL_POOLS);
	ck_assert_uint_eq(d.members->nrows, FINAL_MEMBERS);
	ck_assert_uint_eq(feed_count_rows(d.members, "dns_zone", 1), 0);
	ck_assert_uint_eq(feed_count_rows(d.members, "dns_zone", 3), 4);
	expect_order(&d, "whole scenario");
	pooldns_delta_clear(&d);

	/* and in steps of 3 log rows: `more` until the end */
	int64_t at = start.seq;
	size_t calls = 0;
	bool seen[9] = { false };
	do {
		ck_assert_int_eq(src->ops->changes(src, at, 3, &d, err, sizeof err), 0);
		ck_assert(!d.gap);
		ck_assert_int_le(d.seq - at, 3);
		ck_assert_int_gt(d.seq, at);
		for (size_t i = 0; i < d.nzones; i++) {
			ck_assert(d.zones[i] >= 1 && d.zones[i] <= 8);
			seen[d.zones[i]] = true;
		}
		at = d.seq;
		calls++;
		bool more = d.more;
		pooldns_delta_clear(&d);
		if (!more)
			break;
	} while (calls < 100);
	ck_assert_int_eq(at, since);
	ck_assert_uint_eq(calls, (size_t)(since - start.seq + 2) / 3);
	for (int z = 1; z <= 8; z++)
		ck_assert_msg(seen[z], "pool %d never seen in steps of 3", z);
}
