/*
 * check_builder.c — unit tests for core/model/builder.c: a good dataset loads with
 * every field; each kind of bad pool and member row is skipped, counted and
 * logged once while the rest loads; a missing column makes the whole build
 * fail; round-robin counters carry over by name; members are sorted by
 * (priority, id) per family; the per-family member limit holds.
 *
 * Rows come from the shared fixture (testdata.h) with the cells under test
 * replaced by column.
 *
 * Log lines are captured with a test sink (pooldns_log_set) so the whole-path
 * messages can be checked. Check forks per test, so the sink is per test.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/model/builder.h"
#include "core/dns/dname.h"
#include "core/log.h"
#include "core/model/snapshot.h"
#include "core/source/table.h"
#include "testdata.h"

/* ---- dataset helpers ------------------------------------------------------- */

/* Rows start from schema.json's defaults (testdata.h); the bad cells under
 * test are set explicitly by column. */

static void add_pool(struct pooldns_dataset *ds, int64_t id, const char *name)
{
	TD_POOL(ds, .id = id, .name = name);
}

/* Adds a pool row with one cell replaced. */
static void add_pool_with(struct pooldns_dataset *ds, int64_t id, const char *name, int col,
			  struct pooldns_cell v)
{
	struct pooldns_cell c[TD_P_N];

	td_pool_row(c, &(const struct td_pool){ .id = id, .name = name });
	c[col] = v;
	td_add_pool_row(ds, c);
}

/* Adds a member row with weight, priority and enabled exactly as given. */
static void add_member(struct pooldns_dataset *ds, int64_t id, int64_t zone, const char *host,
		       int64_t weight, int64_t prio, int64_t enabled)
{
	struct pooldns_cell c[TD_M_N];

	td_member_row(c, &(const struct td_member){ .id = id, .pool = zone, .host = host });
	c[TD_M_WEIGHT] = td_int(weight);
	c[TD_M_PRIO] = td_int(prio);
	c[TD_M_ENABLED] = td_int(enabled);
	td_add_member_row(ds, c);
}

/* Adds a member row with one cell replaced. */
static void add_member_with(struct pooldns_dataset *ds, int64_t id, int64_t zone, const char *host,
			    int col, struct pooldns_cell v)
{
	struct pooldns_cell c[TD_M_N];

	td_member_row(c, &(const struct td_member){ .id = id, .pool = zone, .host = host });
	c[col] = v;
	td_add_member_row(ds, c);
}

static const struct pooldns_pool *lookup_text(const struct pooldns_snapshot *s, const char *name)
{
	uint8_t wire[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(name, wire, sizeof(wire));

	ck_assert_int_gt(len, 0);
	return pooldns_snapshot_lookup(s, wire, (size_t)len);
}

/* ---- log capture ----------------------------------------------------------- */

static char logbuf[1 << 16];
static size_t loglen;
static unsigned nlogs;

static void capture(enum pooldns_log_level level, const char *msg, void *ctx)
{
	int n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%s|%s\n",
			 pooldns_log_level_name(level), msg);

	if (n > 0 && (size_t)n < sizeof(logbuf) - loglen)
		loglen += (size_t)n;
	nlogs++;
}

static void capture_start(void)
{
	loglen = 0;
	nlogs = 0;
	logbuf[0] = '\0';
	pooldns_log_set(capture, NULL, POOLDNS_LOG_DEBUG);
}

static bool logged(const char *line)
{
	return strstr(logbuf, line) != NULL;
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_good_dataset)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s;
	const struct pooldns_pool *p;
	struct pooldns_cell c[TD_P_N];
	char err[256] = "", host[TD_HOST_MAX];

	capture_start();
	td_dataset_init(&ds, 7);
	add_pool(&ds, 1, "google.com.");
	td_pool_row(c, &(const struct td_pool){ .id = 2, .name = "WWW.Example.COM." });
	c[TD_P_TTL] = td_int(60);
	c[TD_P_POLICY] = td_text("all");
	c[TD_P_MAX] = td_int(2);
	c[TD_P_FALLBACK] = td_text("none");
	c[TD_P_CTYPE] = td_text("https");
	c[TD_P_CPORT] = td_int(8443);
	c[TD_P_CPATH] = td_text("/healthz?x=1");
	c[TD_P_CHOST] = td_text("backend.example.com");
	c[TD_P_CEXPECT] = td_int(204);
	c[TD_P_CBODY] = td_text("OK");
	c[TD_P_CINTERVAL] = td_real(1000.0);
	c[TD_P_CTIMEOUT] = td_int(500);
	c[TD_P_CRISE] = td_int(1);
	c[TD_P_CFALL] = td_int(5);
	ck_assert_int_eq(pooldns_table_add_row(ds.pools, c), 0);
	add_member(&ds, 1, 1, "142.250.180.14", 1, 0, 1);
	add_member(&ds, 2, 1, "2a00:1450:4001:080b:0000::200E", 5, 3, 0);
	add_member(&ds, 10, 2, "192.0.2.10", 7, 2, 1);

	s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(st.pools, 2);
	ck_assert_uint_eq(st.members, 3);
	ck_assert_uint_eq(st.bad_pools, 0);
	ck_assert_uint_eq(st.bad_members, 0);
	ck_assert_uint_eq(nlogs, 0);
	ck_assert_int_eq(s->version, 7);
	ck_assert_uint_eq(s->npools, 2);
	ck_assert_int_eq(td_pool(s, 0)->id, 1);
	ck_assert_int_eq(td_pool(s, 1)->id, 2);
	ck_assert_uint_eq(s->nmembers, 3);

	p = lookup_text(s, "google.com.");
	ck_assert_ptr_eq(p, td_pool(s, 0));
	ck_assert_str_eq(p->name_text, "google.com.");
	ck_assert_uint_eq(p->ttl, 30);
	ck_assert_int_eq(p->policy, POOLDNS_POLICY_ROUND_ROBIN);
	ck_assert_int_eq(p->fallback, POOLDNS_FALLBACK_ALL);
	ck_assert_uint_eq(p->max_answers, 8);
	ck_assert_int_eq(p->check.type, POOLDNS_CHECK_NONE);
	ck_assert_uint_eq(p->check.port, 0);
	ck_assert_str_eq(p->check.path, "/");
	ck_assert_ptr_null(p->check.host);
	ck_assert_ptr_null(p->check.body);
	ck_assert_uint_eq(p->n_v4, 1);
	ck_assert_uint_eq(p->n_v6, 1);
	ck_assert_str_eq(td_host(&p->v4[0], host), "142.250.180.14");
	ck_assert_int_eq(p->v4[0].family, AF_INET);
	ck_assert_uint_eq(p->v4[0].addr[0], 142);
	ck_assert_uint_eq(p->v4[0].addr[3], 14);
	ck_assert(p->v4[0].enabled);
	ck_assert_ptr_null(p->v4[0].health);
	ck_assert_str_eq(td_host(&p->v6[0], host), "2a00:1450:4001:80b::200e");
	ck_assert_int_eq(p->v6[0].family, AF_INET6);
	ck_assert_uint_eq(p->v6[0].weight, 5);
	ck_assert_uint_eq(p->v6[0].priority, 3);
	ck_assert(!p->v6[0].enabled);

	p = lookup_text(s, "www.example.com.");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name_text, "www.example.com.");
	ck_assert_uint_eq(p->name_len, 17);
	ck_assert_uint_eq(p->ttl, 60);
	ck_assert_int_eq(p->policy, POOLDNS_POLICY_ALL);
	ck_assert_int_eq(p->fallback, POOLDNS_FALLBACK_NONE);
	ck_assert_uint_eq(p->max_answers, 2);
	ck_assert_int_eq(p->check.type, POOLDNS_CHECK_HTTPS);
	ck_assert_uint_eq(p->check.port, 8443);
	ck_assert_str_eq(p->check.path, "/healthz?x=1");
	ck_assert_str_eq(p->check.host, "backend.example.com");
	ck_assert_str_eq(p->check.body, "OK");
	ck_assert_uint_eq(p->check.expect_status, 204);
	ck_assert_uint_eq(p->check.interval_ms, 1000);
	ck_assert_uint_eq(p->check.timeout_ms, 500);
	ck_assert_uint_eq(p->check.rise, 1);
	ck_assert_uint_eq(p->check.fall, 5);
	ck_assert_uint_eq(p->n_v4, 1);
	ck_assert_uint_eq(p->n_v6, 0);
	ck_assert_ptr_null(p->v6);

	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

START_TEST(test_empty_dataset)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s;
	uint8_t root = 0;
	char err[256] = "";

	td_dataset_init(&ds, 7);
	s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->npools, 0);
	ck_assert_uint_eq(st.pools + st.members + st.bad_pools + st.bad_members, 0);
	ck_assert_ptr_null(lookup_text(s, "example.com."));
	ck_assert(!pooldns_snapshot_has_descendant(s, &root, 1));
	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

START_TEST(test_bad_pools)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s;
	char err[256] = "";
	int64_t id = 100;

	capture_start();
	td_dataset_init(&ds, 7);
	add_pool(&ds, 1, "good.example.");
	/* names */
	add_pool(&ds, id++, "bad..name.");
	add_pool(&ds, id++, "example.com"); /* no final dot */
	add_pool(&ds, id++, "foo\\.");      /* escaped final dot */
	add_pool(&ds, id++, ".");           /* root */
	add_pool(&ds, id++, "");
	add_pool_with(&ds, id++, "x.", TD_P_NAME, td_null());
	add_pool_with(&ds, id++, "x.", TD_P_NAME, td_int(5));
	add_pool(&ds, id++, "GOOD.example."); /* duplicate, other case */
	add_pool(&ds, id++,
		 "toolonglabel-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		 "example.");
	/* enums */
	add_pool_with(&ds, id++, "p1.example.", TD_P_POLICY, td_text("rr"));
	add_pool_with(&ds, id++, "p2.example.", TD_P_POLICY, td_text("ROUND_ROBIN"));
	add_pool_with(&ds, id++, "p3.example.", TD_P_FALLBACK, td_text("open"));
	add_pool_with(&ds, id++, "p4.example.", TD_P_CTYPE, td_text("icmp"));
	add_pool_with(&ds, id++, "p5.example.", TD_P_POLICY, td_null());
	/* ranges */
	add_pool_with(&ds, id++, "r1.example.", TD_P_TTL, td_int(86401));
	add_pool_with(&ds, id++, "r2.example.", TD_P_TTL, td_int(-1));
	add_pool_with(&ds, id++, "r3.example.", TD_P_MAX, td_int(0));
	add_pool_with(&ds, id++, "r4.example.", TD_P_MAX, td_int(65));
	add_pool_with(&ds, id++, "r5.example.", TD_P_CPORT, td_int(0));
	add_pool_with(&ds, id++, "r6.example.", TD_P_CPORT, td_int(65536));
	add_pool_with(&ds, id++, "r7.example.", TD_P_CTYPE, td_text("tcp")); /* tcp, no port */
	add_pool_with(&ds, id++, "r8.example.", TD_P_CPATH, td_text("health"));
	add_pool_with(&ds, id++, "r9.example.", TD_P_CPATH, td_text("/a b"));
	add_pool_with(&ds, id++, "r10.example.", TD_P_CPATH, td_text("/a\r\nX-Evil: 1"));
	add_pool_with(&ds, id++, "r11.example.", TD_P_CEXPECT, td_int(99));
	add_pool_with(&ds, id++, "r12.example.", TD_P_CEXPECT, td_int(600));
	add_pool_with(&ds, id++, "r13.example.", TD_P_CINTERVAL, td_int(99));
	add_pool_with(&ds, id++, "r14.example.", TD_P_CINTERVAL, td_int(3600001));
	add_pool_with(&ds, id++, "r15.example.", TD_P_CTIMEOUT, td_int(49));
	add_pool_with(&ds, id++, "r16.example.", TD_P_CTIMEOUT, td_int(60001));
	add_pool_with(&ds, id++, "r17.example.", TD_P_CRISE, td_int(0));
	add_pool_with(&ds, id++, "r18.example.", TD_P_CFALL, td_int(101));
	add_pool_with(&ds, id++, "r19.example.", TD_P_CHOST, td_text("a b"));
	/* types and NULLs where the schema says NOT NULL */
	add_pool_with(&ds, id++, "t1.example.", TD_P_TTL, td_text("30"));
	add_pool_with(&ds, id++, "t2.example.", TD_P_TTL, td_real(30.5));
	add_pool_with(&ds, id++, "t3.example.", TD_P_TTL, td_null());
	add_pool_with(&ds, id++, "t4.example.", TD_P_CPATH, td_null());
	add_pool_with(&ds, id++, "t5.example.", TD_P_CRISE, td_null());
	add_pool_with(&ds, id++, "t6.example.", TD_P_CHOST, td_int(1));
	/* bad id, duplicate id */
	add_pool_with(&ds, 0, "noid.example.", TD_P_ID, td_text("seven"));
	add_pool(&ds, 1, "dupid.example.");
	const int64_t nbad = id - 100 + 2;
	/* good ones among them: nullable columns NULL, tcp with a port,
	 * integral REAL, limits at both ends */
	add_pool_with(&ds, 2, "http.example.", TD_P_CTYPE, td_text("http"));
	{
		struct pooldns_cell c[TD_P_N];
		td_pool_row(c, &(const struct td_pool){ .id = 3, .name = "edge.example." });
		c[TD_P_TTL] = td_int(86400);
		c[TD_P_MAX] = td_int(64);
		c[TD_P_CPORT] = td_int(65535);
		c[TD_P_CEXPECT] = td_int(599);
		c[TD_P_CINTERVAL] = td_int(100);
		c[TD_P_CTIMEOUT] = td_int(60000);
		c[TD_P_CRISE] = td_int(100);
		c[TD_P_CFALL] = td_int(1);
		ck_assert_int_eq(pooldns_table_add_row(ds.pools, c), 0);
		td_pool_row(c, &(const struct td_pool){ .id = 4, .name = "edge2.example." });
		c[TD_P_TTL] = td_real(0.0);
		c[TD_P_MAX] = td_int(1);
		c[TD_P_CPORT] = td_int(1);
		c[TD_P_CTYPE] = td_text("tcp");
		ck_assert_int_eq(pooldns_table_add_row(ds.pools, c), 0);
	}
	add_member(&ds, 1, 2, "192.0.2.1", 1, 0, 1);

	s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_msg(st.pools == 4, "%zu: %s", st.pools, logbuf);
	ck_assert_uint_eq(st.bad_pools, (size_t)nbad);
	ck_assert_uint_eq(st.members, 1);
	ck_assert_uint_eq(st.bad_members, 0);
	ck_assert_uint_eq(s->npools, 4);
	/* one warning per bad row, nothing else */
	ck_assert_uint_eq(nlogs, (unsigned)nbad);
	ck_assert_ptr_nonnull(lookup_text(s, "good.example."));
	ck_assert_int_eq(lookup_text(s, "good.example.")->id, 1);
	ck_assert_ptr_nonnull(lookup_text(s, "http.example."));
	ck_assert_uint_eq(lookup_text(s, "edge.example.")->ttl, 86400);
	ck_assert_uint_eq(lookup_text(s, "edge2.example.")->ttl, 0);
	ck_assert_ptr_null(lookup_text(s, "p1.example."));
	ck_assert_ptr_null(lookup_text(s, "dupid.example."));
	ck_assert_ptr_null(lookup_text(s, "r7.example."));

	ck_assert_msg(
		logged("warning|pool id 109 \"p1.example.\": unknown policy \"rr\" (skipped)\n"),
		"%s", logbuf);
	ck_assert(logged(
		"pool id 107 \"GOOD.example.\": duplicate name (pool id 1 has it) (skipped)"));
	ck_assert(logged(
		"pool id 114 \"r1.example.\": ttl 86401 is out of range 0..86400 (skipped)"));
	ck_assert(logged("pool id 1 \"dupid.example.\": duplicate id (skipped)"));
	ck_assert(logged("pool row 41: id \"seven\" is not an integer (skipped)"));
	/* control characters from the data never reach the log raw */
	ck_assert(logged("check_path \"/a\\x0d\\x0aX-Evil: 1\""));
	ck_assert_ptr_null(strstr(logbuf, "\r"));

	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

START_TEST(test_bad_members)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s;
	const struct pooldns_pool *p;
	char err[256] = "", host[TD_HOST_MAX];

	capture_start();
	td_dataset_init(&ds, 7);
	add_pool(&ds, 7, "www.example.com.");
	add_pool_with(&ds, 8, "skipped.example.com.", TD_P_POLICY, td_text("rr"));
	add_member(&ds, 1, 7, "10.0.0.1", 1, 0, 1);
	add_member(&ds, 2, 7, "2001:db8::1", 1, 0, 1);
	/* addresses */
	add_member(&ds, 12, 7, "10.0.0.300", 1, 0, 1);
	add_member(&ds, 13, 7, "010.0.0.2", 1, 0, 1);
	add_member(&ds, 14, 7, " 10.0.0.3", 1, 0, 1);
	add_member(&ds, 15, 7, "10.0.0.4 ", 1, 0, 1);
	add_member(&ds, 16, 7, "fe80::1%eth0", 1, 0, 1);
	add_member(&ds, 17, 7, "host.example.com", 1, 0, 1);
	add_member(&ds, 18, 7, "10.0.0", 1, 0, 1);
	add_member(&ds, 19, 7, "", 1, 0, 1);
	add_member(&ds, 20, 7, "2001:db8::1::2", 1, 0, 1);
	add_member(&ds, 21, 7, "10.0.0.0/24", 1, 0, 1);
	add_member_with(&ds, 22, 7, "x", TD_M_HOST, td_null());
	add_member_with(&ds, 23, 7, "x", TD_M_HOST, td_int(167772161));
	/* pool missing or skipped */
	add_member(&ds, 30, 99, "10.0.0.30", 1, 0, 1);
	add_member(&ds, 31, 8, "10.0.0.31", 1, 0, 1);
	add_member_with(&ds, 32, 7, "10.0.0.32", TD_M_ZONE, td_null());
	/* ranges */
	add_member(&ds, 40, 7, "10.0.0.40", 0, 0, 1);
	add_member(&ds, 41, 7, "10.0.0.41", 1000001, 0, 1);
	add_member(&ds, 42, 7, "10.0.0.42", 1, -1, 1);
	add_member(&ds, 43, 7, "10.0.0.43", 1, 65536, 1);
	add_member(&ds, 44, 7, "10.0.0.44", 1, 0, 2);
	add_member(&ds, 45, 7, "10.0.0.45", 1, 0, -1);
	add_member_with(&ds, 46, 7, "10.0.0.46", TD_M_WEIGHT, td_null());
	add_member_with(&ds, 47, 7, "10.0.0.47", TD_M_ENABLED, td_text("true"));
	/* duplicates of members 1 and 2, written differently */
	add_member(&ds, 50, 7, "10.0.0.1", 1, 5, 1);
	add_member(&ds, 51, 7, "2001:DB8:0:0::1", 1, 0, 1);
	/* bad id */
	add_member_with(&ds, 0, 7, "10.0.0.60", TD_M_ID, td_real(1.5));
	const size_t nbad = 26;
	/* good edge values */
	add_member(&ds, 70, 7, "10.0.0.70", 1000000, 65535, 0);
	add_member(&ds, 71, 7, "::ffff:10.0.0.71", 1, 0, 1);

	s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(st.pools, 1);
	ck_assert_uint_eq(st.bad_pools, 1);
	ck_assert_uint_eq(st.members, 4);
	ck_assert_uint_eq(st.bad_members, nbad);
	ck_assert_uint_eq(nlogs, nbad + 1);
	p = lookup_text(s, "www.example.com.");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->n_v4, 2);
	ck_assert_uint_eq(p->n_v6, 2);
	ck_assert_int_eq(p->v4[0].id, 1);
	ck_assert_int_eq(p->v4[1].id, 70);
	ck_assert_uint_eq(p->v4[1].weight, 1000000);
	ck_assert_uint_eq(p->v4[1].priority, 65535);
	ck_assert(!p->v4[1].enabled);
	ck_assert_int_eq(p->v6[0].id, 2);
	ck_assert_int_eq(p->v6[1].id, 71);
	ck_assert_str_eq(td_host(&p->v6[1], host), "::ffff:10.0.0.71");

	ck_assert_msg(logged("warning|member id 12 of pool id 7: host \"10.0.0.300\" is not an "
			     "IPv4 or IPv6 address (skipped)\n"),
		      "%s", logbuf);
	ck_assert(logged("member id 30 of pool id 99: no such pool (skipped)"));
	ck_assert(logged("member id 31 of pool id 8: its pool was skipped (skipped)"));
	ck_assert(logged("member id 32: dns_zone is NULL (skipped)"));
	ck_assert(
		logged("member id 40 of pool id 7: weight 0 is out of range 1..1000000 (skipped)"));
	ck_assert(logged("member id 50 of pool id 7: duplicate host \"10.0.0.1\" (member id 1 has "
			 "it) (skipped)"));
	ck_assert(logged("member id 51 of pool id 7: duplicate host \"2001:db8::1\" (member id 2 "
			 "has it) (skipped)"));
	ck_assert(logged("member row 28: id 1.5 is not an integer (skipped)"));

	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

static void missing_column(const char *table, const char *col, const char *want)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	const char *pc[TD_P_N], *mc[TD_M_N];
	size_t np = 0, nm = 0;
	char err[256] = "";

	for (int i = 0; i < TD_P_N; i++)
		if (strcmp(table, "pools") != 0 || strcmp(td_pool_cols[i], col) != 0)
			pc[np++] = td_pool_cols[i];
	for (int i = 0; i < TD_M_N; i++)
		if (strcmp(table, "members") != 0 || strcmp(td_member_cols[i], col) != 0)
			mc[nm++] = td_member_cols[i];
	memset(&ds, 0, sizeof(ds));
	ds.pools = pooldns_table_new(np, pc);
	ds.members = pooldns_table_new(nm, mc);
	st.pools = 99;
	ck_assert_ptr_null(pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err)));
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(st.pools, 0);
	pooldns_dataset_clear(&ds);
}

START_TEST(test_missing_column)
{
	struct pooldns_dataset ds;
	char err[256] = "";

	missing_column("pools", "policy", "pools: missing column 'policy'");
	missing_column("pools", "check_fall", "pools: missing column 'check_fall'");
	missing_column("members", "weight", "members: missing column 'weight'");
	missing_column("members", "host", "members: missing column 'host'");

	memset(&ds, 0, sizeof(ds));
	ck_assert_ptr_null(pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "pools: no table");
	ck_assert_ptr_null(pooldns_snapshot_build(NULL, NULL, NULL, err, sizeof(err)));
}
END_TEST

START_TEST(test_rr_carry_over)
{
	struct pooldns_dataset ds;
	struct pooldns_snapshot *a, *b;
	const struct pooldns_pool *p;
	char err[256] = "";

	td_dataset_init(&ds, 7);
	add_pool(&ds, 1, "one.example.");
	add_pool(&ds, 2, "two.example.");
	a = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(a);
	atomic_store(&td_pool(a, 0)->rr, 41);
	atomic_store(&td_pool(a, 1)->rr, 1000);
	pooldns_dataset_clear(&ds);

	/* new ids, other case, one pool gone, one new */
	td_dataset_init(&ds, 7);
	add_pool(&ds, 10, "ONE.example.");
	add_pool(&ds, 11, "three.example.");
	b = pooldns_snapshot_build(&ds, a, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(b);
	p = lookup_text(b, "one.example.");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(atomic_load(&p->rr), 41);
	p = lookup_text(b, "three.example.");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(atomic_load(&p->rr), 0);
	/* prev untouched */
	ck_assert_uint_eq(atomic_load(&td_pool(a, 0)->rr), 41);
	ck_assert_uint_eq(atomic_load(&td_pool(a, 1)->rr), 1000);

	pooldns_snapshot_free(a);
	pooldns_snapshot_free(b);
	pooldns_dataset_clear(&ds);
}
END_TEST

START_TEST(test_sorting)
{
	struct pooldns_dataset ds;
	struct pooldns_snapshot *s;
	const struct pooldns_pool *p;
	char err[256] = "";
	static const int64_t want_v4[] = { 3, 9, 1, 4, 8 };
	static const int64_t want_v6[] = { 6, 2, 5 };

	td_dataset_init(&ds, 7);
	/* pool rows out of id order too */
	add_pool(&ds, 5, "b.example.");
	add_pool(&ds, 2, "a.example.");
	add_member(&ds, 8, 5, "10.0.0.8", 1, 9, 1);
	add_member(&ds, 1, 5, "10.0.0.1", 1, 2, 1);
	add_member(&ds, 2, 5, "2001:db8::2", 1, 1, 1);
	add_member(&ds, 9, 5, "10.0.0.9", 1, 0, 1);
	add_member(&ds, 3, 5, "10.0.0.3", 1, 0, 1);
	add_member(&ds, 6, 5, "2001:db8::6", 1, 0, 1);
	add_member(&ds, 4, 5, "10.0.0.4", 1, 2, 1);
	add_member(&ds, 5, 5, "2001:db8::5", 1, 1, 1);
	s = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(td_pool(s, 0)->id, 2);
	ck_assert_int_eq(td_pool(s, 1)->id, 5);
	p = lookup_text(s, "b.example.");
	ck_assert_uint_eq(p->n_v4, 5);
	ck_assert_uint_eq(p->n_v6, 3);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(p->v4[i].id, want_v4[i]);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(p->v6[i].id, want_v6[i]);
	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

START_TEST(test_member_limit)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s;
	const struct pooldns_pool *p;
	char err[256] = "", host[64];
	const int extra = 6;
	const int n = POOLDNS_MAX_MEMBERS_PER_FAMILY + extra;

	capture_start();
	td_dataset_init(&ds, 7);
	add_pool(&ds, 1, "big.example.");
	/* ids descending so that (priority, id) order differs from row order */
	for (int i = 0; i < n; i++) {
		snprintf(host, sizeof(host), "10.%d.%d.1", i / 256, i % 256);
		add_member(&ds, 100000 - i, 1, host, 1, 0, 1);
		snprintf(host, sizeof(host), "2001:db8::%x", i + 1);
		if (i < 100)
			add_member(&ds, 200000 + i, 1, host, 1, 0, 1);
	}
	s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(st.members, POOLDNS_MAX_MEMBERS_PER_FAMILY + 100);
	ck_assert_uint_eq(st.bad_members, (size_t)extra);
	p = td_pool(s, 0);
	ck_assert_uint_eq(p->n_v4, POOLDNS_MAX_MEMBERS_PER_FAMILY);
	ck_assert_uint_eq(p->n_v6, 100);
	/* the lowest ids are kept */
	ck_assert_int_eq(p->v4[0].id, 100000 - n + 1);
	ck_assert_int_eq(p->v4[POOLDNS_MAX_MEMBERS_PER_FAMILY - 1].id, 100000 - extra);
	ck_assert(logged("member id 100000 of pool id 1: more than 1024 IPv4 members (skipped)"));
	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

START_TEST(test_ancestors)
{
	struct pooldns_dataset ds;
	struct pooldns_snapshot *s;
	char err[256] = "";
	uint8_t w[POOLDNS_NAME_MAX];
	int len;

	td_dataset_init(&ds, 7);
	add_pool(&ds, 1, "a.b.c.example.");
	add_pool(&ds, 2, "x.example.");
	s = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->ancestors.dir);
	/* b.c.example, c.example, example: 3 distinct ancestors in the set
	 * (the root is left out), each answering has_descendant */
	static const char *const want[] = { "b.c.example.", "c.example.", "example." };
	bool found[3] = { false, false, false };
	size_t count = 0;
	for (size_t i = 0; i < s->ancestors.nslots; i++) {
		const struct pooldns_ancestor *a = pooldns_ptab_slot(&s->ancestors, i);
		if (a == NULL)
			continue;
		count++;
		ck_assert(pooldns_snapshot_has_descendant(s, a->name, a->name_len));
		for (size_t k = 0; k < 3; k++) {
			len = pooldns_dname_from_text(want[k], w, sizeof(w));
			if ((size_t)len == a->name_len && memcmp(w, a->name, a->name_len) == 0)
				found[k] = true;
		}
	}
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(s->ancestors.count, 3);
	for (size_t k = 0; k < 3; k++) {
		ck_assert_msg(found[k], "%s", want[k]);
		len = pooldns_dname_from_text(want[k], w, sizeof(w));
		ck_assert(pooldns_snapshot_has_descendant(s, w, (size_t)len));
	}
	len = pooldns_dname_from_text("c.example.", w, sizeof(w));
	ck_assert(pooldns_snapshot_has_descendant(s, w, (size_t)len));
	/* the pools themselves are leaves */
	len = pooldns_dname_from_text("a.b.c.example.", w, sizeof(w));
	ck_assert(!pooldns_snapshot_has_descendant(s, w, (size_t)len));
	len = pooldns_dname_from_text("x.example.", w, sizeof(w));
	ck_assert(!pooldns_snapshot_has_descendant(s, w, (size_t)len));
	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

/* The row checks alone (what poolctl validates with): the same rules as a
 * load, the reason without the row's name, ids and pools not looked at. */
START_TEST(test_row_checks)
{
	struct pooldns_dataset ds;
	struct pooldns_cell row[TD_P_N], mrow[TD_M_N];
	char why[256];

	td_dataset_init(&ds, 1);
	td_pool_row(row, &(const struct td_pool){ .id = 1, .name = "ok.example." });
	td_add_pool_row(&ds, row);
	row[TD_P_ID] = td_null(); /* ids are not checked */
	row[TD_P_POLICY] = td_text("rr");
	td_add_pool_row(&ds, row);
	td_pool_row(row, &(const struct td_pool){ .id = 3, .name = "x.example", .ttl = 5 });
	td_add_pool_row(&ds, row);
	td_pool_row(row,
		    &(const struct td_pool){ .id = 4, .name = "t.example.", .check_type = "tcp" });
	td_add_pool_row(&ds, row);
	ck_assert_int_eq(pooldns_build_check_pool_row(ds.pools, 0, why, sizeof(why)), 0);
	ck_assert_int_eq(pooldns_build_check_pool_row(ds.pools, 1, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "unknown policy \"rr\"");
	ck_assert_int_eq(pooldns_build_check_pool_row(ds.pools, 2, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "name is not a fully qualified domain name ending in '.'");
	ck_assert_int_eq(pooldns_build_check_pool_row(ds.pools, 3, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "check_type tcp needs a check_port");

	td_member_row(mrow,
		      &(const struct td_member){ .id = 1, .pool = 99, .host = "2001:db8::1" });
	td_add_member_row(&ds, mrow);
	td_member_row(mrow, &(const struct td_member){ .id = 2, .pool = 1, .host = "10.0.0.256" });
	td_add_member_row(&ds, mrow);
	td_member_row(mrow, &(const struct td_member){ .id = 3, .pool = 1, .host = "10.0.0.1" });
	mrow[TD_M_ENABLED] = td_int(2);
	td_add_member_row(&ds, mrow);
	ck_assert_int_eq(pooldns_build_check_member_row(ds.members, 0, why, sizeof(why)), 0);
	ck_assert_int_eq(pooldns_build_check_member_row(ds.members, 1, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "host \"10.0.0.256\" is not an IPv4 or IPv6 address");
	ck_assert_int_eq(pooldns_build_check_member_row(ds.members, 2, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "enabled 2 is out of range 0..1");
	/* a table without the columns */
	ck_assert_int_eq(pooldns_build_check_pool_row(ds.members, 0, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "missing column"));
	pooldns_dataset_clear(&ds);
}
END_TEST

static Suite *builder_suite(void)
{
	Suite *s = suite_create("builder");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_good_dataset);
	tcase_add_test(tc, test_empty_dataset);
	tcase_add_test(tc, test_bad_pools);
	tcase_add_test(tc, test_bad_members);
	tcase_add_test(tc, test_missing_column);
	tcase_add_test(tc, test_rr_carry_over);
	tcase_add_test(tc, test_sorting);
	tcase_add_test(tc, test_member_limit);
	tcase_add_test(tc, test_ancestors);
	tcase_add_test(tc, test_row_checks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(builder_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
