/*
 * fuzz_rows.c — fuzz target for core/model/builder.c, the validation of
 * pool and member rows as every source delivers them (rqlite, SQLite, the
 * cache file): names, addresses, policies, ranges, duplicates, members of
 * missing pools. The parsers of the transports have their own targets;
 * this one reaches the rows' values directly, so the fuzzer spends its
 * runs on them instead of on JSON syntax.
 *
 * Input: one row per line. A line starting with 'p' is a pool row, 'm' a
 * member row, anything else is ignored. The rest of the line holds the
 * cells in the column order of source.h (pooldns_pool_columns,
 * pooldns_member_columns), separated by '|': an empty cell is NULL, "#"
 * then a number an integer, "~" then a number a real, anything else
 * text (cut at 1,023 bytes). Missing cells are NULL, extra cells are
 * dropped.
 *
 * Checked besides the sanitizers: the build never fails on rows (only a
 * missing column or memory does); every row is counted as loaded or
 * skipped; what a snapshot holds keeps the invariants the answer path
 * asserts (README, "Assertions": known policy, max_answers 1..64, weights
 * of at least 1, at most 1,024 members per family, a check path, rise and
 * fall of at least 1; also members in (priority, id) order, where ids may
 * repeat as rows are not trusted to be unique, and a TTL of at most
 * 86400); every pool is found under its name and answers A, AAAA and ANY
 * with at most max_answers of its own enabled members; and a second build
 * on top of the first (carrying rotation counters) gives the same pools.
 * Every message the builder logs about a row is formatted and must be
 * non-empty (it names the row and the reason); none is printed.
 * The single-row checks poolctl runs before it writes
 * (pooldns_build_check_pool_row, _member_row) must agree with the load:
 * for every row whose id no other row has, a row they refuse is not in the
 * snapshot, and a row they accept is, unless only the whole dataset
 * refuses it (a pool name another kept pool has; a member address its pool
 * already has, or a family already full). Their reasons are non-empty.
 * A failed check aborts, which the fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "core/dns/dname.h"
#include "core/dns/resolve.h"
#include "core/log.h"
#include "core/rcu.h"
#include "core/model/builder.h"
#include "core/source/source.h"
#include "core/source/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_rows.c:%d: check failed: %s\n", __LINE__, #c);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_CELL 1024

/* Parses one cell of text[0..len) into c (text copied into buf). */
static void parse_cell(const char *text, size_t len, struct pooldns_cell *c, char *buf)
{
	memset(c, 0, sizeof *c);
	if (len == 0)
		return; /* NULL */
	if (len > MAX_CELL - 1)
		len = MAX_CELL - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((buf[0] == '#' || buf[0] == '~') && len > 1) {
		char *end;
		if (buf[0] == '#') {
			long long v = strtoll(buf + 1, &end, 10);
			if (*end == '\0') {
				c->type = POOLDNS_CELL_INT;
				c->i = v;
				return;
			}
		} else {
			double v = strtod(buf + 1, &end);
			if (*end == '\0') {
				c->type = POOLDNS_CELL_REAL;
				c->r = v;
				return;
			}
		}
	}
	c->type = POOLDNS_CELL_TEXT;
	c->s = buf;
}

/* Adds the row in line[0..len) (after its tag) to t. */
static void add_row(struct pooldns_table *t, const char *line, size_t len)
{
	struct pooldns_cell cells[POOLDNS_POOL_NCOLS];
	static char bufs[POOLDNS_POOL_NCOLS][MAX_CELL];
	size_t pos = 0;

	for (size_t i = 0; i < t->ncols; i++) {
		const char *bar = pos <= len ? memchr(line + pos, '|', len - pos) : NULL;
		size_t end = bar != NULL ? (size_t)(bar - line) : len;
		if (pos > len)
			memset(&cells[i], 0, sizeof cells[i]);
		else
			parse_cell(line + pos, end - pos, &cells[i], bufs[i]);
		pos = end + 1;
	}
	CHECK(pooldns_table_add_row(t, cells) == 0);
}

static void check_pool(const struct pooldns_pool *p)
{
	CHECK(p->policy < POOLDNS_POLICY_COUNT);
	CHECK(p->max_answers >= 1 && p->max_answers <= POOLDNS_MAX_ANSWERS);
	CHECK(p->ttl <= POOLDNS_MAX_TTL);
	CHECK(p->fallback == POOLDNS_FALLBACK_ALL || p->fallback == POOLDNS_FALLBACK_NONE);
	CHECK(p->n_v4 <= POOLDNS_MAX_MEMBERS_PER_FAMILY &&
	      p->n_v6 <= POOLDNS_MAX_MEMBERS_PER_FAMILY);
	CHECK(p->name_len >= 1 && p->name_text != NULL);
	if (p->check.type == POOLDNS_CHECK_HTTP || p->check.type == POOLDNS_CHECK_HTTPS)
		CHECK(p->check.path != NULL && p->check.path[0] == '/');
	if (p->check.type == POOLDNS_CHECK_TCP)
		CHECK(p->check.port != 0);
	if (p->check.type != POOLDNS_CHECK_NONE)
		CHECK(p->check.rise >= 1 && p->check.fall >= 1);
	for (int fam = 0; fam < 2; fam++) {
		const struct pooldns_member *m = fam == 0 ? p->v4 : p->v6;
		size_t n = fam == 0 ? p->n_v4 : p->n_v6;
		for (size_t i = 0; i < n; i++) {
			CHECK(m[i].family == (fam == 0 ? AF_INET : AF_INET6));
			CHECK(m[i].weight >= 1 && m[i].weight <= POOLDNS_MAX_WEIGHT);
			if (i > 0)
				CHECK(m[i - 1].priority < m[i].priority ||
				      (m[i - 1].priority == m[i].priority &&
				       m[i - 1].id <= m[i].id));
		}
	}
}

/* True when m is one of p's enabled members of that family. */
static bool own_member(const struct pooldns_pool *p, const struct pooldns_member *m, bool v6)
{
	const struct pooldns_member *base = v6 ? p->v6 : p->v4;
	size_t n = v6 ? p->n_v6 : p->n_v4;
	return m >= base && m < base + n && m->enabled;
}

static void check_answers(const struct pooldns_zone_cfg *zc, struct pooldns_snapshot *snap,
			  const struct pooldns_pool *p)
{
	static const uint16_t types[] = { 1 /* A */, 28 /* AAAA */, 255 /* ANY */ };
	static const struct pooldns_client client = { .family = AF_INET,
						      .addr = { 192, 0, 2, 7 },
						      .prefix = 32 };
	struct pooldns_result r;

	CHECK(pooldns_snapshot_lookup(snap, p->name, p->name_len) == p);
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		pooldns_read_lock(); /* resolve's rule; the snapshot is ours alone */
		pooldns_resolve(zc, snap, p->name, p->name_len, types[t], 1, &client, &r);
		pooldns_read_unlock();
		CHECK(r.pool == p);
		CHECK(r.kind == POOLDNS_RESULT_ANSWER || r.kind == POOLDNS_RESULT_NODATA);
		CHECK(r.n_v4 + r.n_v6 <= 2u * p->max_answers);
		CHECK(r.n_v4 <= p->max_answers && r.n_v6 <= p->max_answers);
		for (size_t i = 0; i < r.n_v4; i++)
			CHECK(own_member(p, r.v4[i], false));
		for (size_t i = 0; i < r.n_v6; i++)
			CHECK(own_member(p, r.v6[i], true));
	}
}

/* True when row is the only row of t whose id (column 0) is id. */
static bool id_unique(const struct pooldns_table *t, size_t row, int64_t id)
{
	int64_t v;

	for (size_t r = 0; r < t->nrows; r++)
		if (r != row && pooldns_cell_int(pooldns_table_cell(t, r, 0), &v) && v == id)
			return false;
	return true;
}

/* The single-row check's verdict on row; its reason must be a message. */
static bool single_ok(const struct pooldns_table *t, size_t row, bool pool)
{
	char why[256];
	int rc;

	memset(why, 'x', sizeof why);
	rc = pool ? pooldns_build_check_pool_row(t, row, why, sizeof why)
		  : pooldns_build_check_member_row(t, row, why, sizeof why);
	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(memchr(why, '\0', sizeof why) != NULL && why[0] != '\0');
	return rc == 0;
}

static void check_single_pool_rows(const struct pooldns_table *t,
				   const struct pooldns_snapshot *snap)
{
	for (size_t r = 0; r < t->nrows; r++) {
		bool ok = single_ok(t, r, true);
		int64_t id;

		if (!pooldns_cell_int(pooldns_table_cell(t, r, 0), &id) || !id_unique(t, r, id))
			continue;
		const struct pooldns_pool *p = pooldns_snapshot_pool_by_id(snap, id);
		CHECK(ok || p == NULL);
		if (!ok)
			continue;
		/* Accepted: kept under its name, or another pool has it. */
		const struct pooldns_cell *nc = pooldns_table_cell(t, r, 1);
		uint8_t wire[POOLDNS_NAME_MAX], lower[POOLDNS_NAME_MAX];
		CHECK(nc->type == POOLDNS_CELL_TEXT);
		int wl = pooldns_dname_from_text(nc->s, wire, sizeof wire);
		CHECK(wl > 1);
		pooldns_dname_lower(lower, wire, (size_t)wl);
		const struct pooldns_pool *named = pooldns_snapshot_lookup(snap, lower, (size_t)wl);
		CHECK(named != NULL && (p == NULL || named == p));
	}
}

/* The member of p with this id, or of this family and address. */
static const struct pooldns_member *find_member(const struct pooldns_pool *p, int64_t id,
						int family, const uint8_t *addr)
{
	for (int fam = 0; fam < 2; fam++) {
		const struct pooldns_member *m = fam == 0 ? p->v4 : p->v6;
		size_t n = fam == 0 ? p->n_v4 : p->n_v6;
		for (size_t i = 0; i < n; i++) {
			if (addr == NULL ? m[i].id == id
					 : m[i].family == family &&
						   memcmp(m[i].addr, addr,
							  family == AF_INET ? 4 : 16) == 0)
				return &m[i];
		}
	}
	return NULL;
}

static void check_single_member_rows(const struct pooldns_table *t,
				     const struct pooldns_snapshot *snap)
{
	for (size_t r = 0; r < t->nrows; r++) {
		bool ok = single_ok(t, r, false);
		int64_t id, zone;

		if (!pooldns_cell_int(pooldns_table_cell(t, r, 0), &id) || !id_unique(t, r, id) ||
		    !pooldns_cell_int(pooldns_table_cell(t, r, 1), &zone))
			continue;
		const struct pooldns_pool *p = pooldns_snapshot_pool_by_id(snap, zone);
		if (p == NULL)
			continue; /* its pool is not kept: neither is it */
		const struct pooldns_member *m = find_member(p, id, 0, NULL);
		CHECK(ok || m == NULL);
		if (!ok || m != NULL)
			continue;
		/* Accepted, not kept: its address is taken, or its family full. */
		const struct pooldns_cell *hc = pooldns_table_cell(t, r, 2);
		uint8_t addr[16];
		int family = AF_INET;
		CHECK(hc->type == POOLDNS_CELL_TEXT);
		if (inet_pton(AF_INET, hc->s, addr) != 1) {
			family = AF_INET6;
			CHECK(inet_pton(AF_INET6, hc->s, addr) == 1);
		}
		CHECK(find_member(p, 0, family, addr) != NULL ||
		      (family == AF_INET ? p->n_v4 : p->n_v6) == POOLDNS_MAX_MEMBERS_PER_FAMILY);
	}
}

static void check_log(enum pooldns_log_level level, const char *msg, void *ctx)
{
	CHECK(msg != NULL && msg[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_dataset ds = { .version = 1 };
	struct pooldns_build_stats st, st2;
	struct pooldns_zone_cfg zc;
	size_t npool_rows = 0, nmember_rows = 0;
	char err[256];

	pooldns_log_set(check_log, NULL, POOLDNS_LOG_DEBUG);
	ds.pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	ds.members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	CHECK(ds.pools != NULL && ds.members != NULL);

	const char *text = (const char *)data;
	size_t pos = 0;
	while (pos < size) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : size;
		if (end > pos && text[pos] == 'p') {
			add_row(ds.pools, text + pos + 1, end - pos - 1);
			npool_rows++;
		} else if (end > pos && text[pos] == 'm') {
			add_row(ds.members, text + pos + 1, end - pos - 1);
			nmember_rows++;
		}
		pos = end + 1;
	}

	memset(err, 'x', sizeof err);
	struct pooldns_snapshot *snap = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof err);
	CHECK(snap != NULL);
	CHECK(st.pools + st.bad_pools == npool_rows);
	CHECK(st.members + st.bad_members == nmember_rows);
	CHECK(snap->npools == st.pools && snap->nmembers == st.members);

	pooldns_zone_cfg_defaults(&zc);
	size_t it = 0, seen = 0, members = 0;
	struct pooldns_pool *p;
	while ((p = pooldns_snapshot_next(snap, &it)) != NULL) {
		check_pool(p);
		check_answers(&zc, snap, p);
		seen++;
		members += (size_t)p->n_v4 + p->n_v6;
	}
	CHECK(seen == st.pools && members == st.members);
	check_single_pool_rows(ds.pools, snap);
	check_single_member_rows(ds.members, snap);

	struct pooldns_snapshot *again = pooldns_snapshot_build(&ds, snap, &st2, err, sizeof err);
	CHECK(again != NULL);
	CHECK(st2.pools == st.pools && st2.members == st.members && st2.bad_pools == st.bad_pools &&
	      st2.bad_members == st.bad_members);
	it = 0;
	while ((p = pooldns_snapshot_next(again, &it)) != NULL) {
		const struct pooldns_pool *old = pooldns_snapshot_pool_by_id(snap, p->id);
		CHECK(old != NULL && old->n_v4 == p->n_v4 && old->n_v6 == p->n_v6 &&
		      old->policy == p->policy);
	}
	pooldns_snapshot_free(again);
	pooldns_snapshot_free(snap);
	pooldns_dataset_clear(&ds);
	return 0;
}
