/*
 * check_snapshot.c — unit tests for core/model/snapshot.c: exact lookup (case is
 * folded by the caller), closest enclosing pool through the parent walk,
 * empty non-terminals through has_descendant, names not found, a large
 * table, and the fallback / check type name tables.
 *
 * Snapshots are made by the builder from small in-memory datasets (built
 * with the shared fixture, testdata.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model/builder.h"
#include "core/dns/dname.h"
#include "core/log.h"
#include "core/model/snapshot.h"
#include "core/source/table.h"
#include "testdata.h"

/* Builds a snapshot holding the given pool names (ids 1..n). */
static struct pooldns_snapshot *make(const char *const *names, size_t n)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	struct pooldns_snapshot *s;
	char err[256] = "";

	td_dataset_init(&ds, 0);
	for (size_t i = 0; i < n; i++)
		TD_POOL(&ds, .id = (int64_t)i + 1, .name = names[i]);
	s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(st.bad_pools, 0);
	pooldns_dataset_clear(&ds);
	return s;
}

/* Wire form of text, with the case kept (dname_from_text lowers, so the
 * upper-case letters are put back by hand). */
static size_t wire_cased(const char *text, uint8_t *wire)
{
	int len = pooldns_dname_from_text(text, wire, POOLDNS_NAME_MAX);
	size_t t = 0;

	ck_assert_int_gt(len, 0);
	for (int i = 0; i < len;) {
		uint8_t l = wire[i++];
		for (uint8_t j = 0; j < l; j++, i++, t++)
			wire[i] = (uint8_t)text[t];
		t++; /* the dot */
	}
	return (size_t)len;
}

static const struct pooldns_pool *lk(const struct pooldns_snapshot *s, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(text, w, sizeof(w));

	ck_assert_int_gt(len, 0);
	return pooldns_snapshot_lookup(s, w, (size_t)len);
}

static const struct pooldns_pool *closest(const struct pooldns_snapshot *s, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(text, w, sizeof(w));

	ck_assert_int_gt(len, 0);
	return pooldns_snapshot_find_closest(s, w, (size_t)len);
}

static bool desc(const struct pooldns_snapshot *s, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(text, w, sizeof(w));

	ck_assert_int_gt(len, 0);
	return pooldns_snapshot_has_descendant(s, w, (size_t)len);
}

static const char *const names[] = {
	"www.example.com.", "api.Example.com.",      "a.b.c.d.example.org.",
	"example.net.",     "deep.sub.example.net.",
};

START_TEST(test_lookup_exact)
{
	struct pooldns_snapshot *s = make(names, 5);

	ck_assert_ptr_nonnull(lk(s, "www.example.com."));
	ck_assert_int_eq(lk(s, "www.example.com.")->id, 1);
	ck_assert_int_eq(lk(s, "api.example.com.")->id, 2);
	ck_assert_int_eq(lk(s, "API.EXAMPLE.COM.")->id, 2); /* from_text lowers */
	ck_assert_int_eq(lk(s, "a.b.c.d.example.org.")->id, 3);
	ck_assert_int_eq(lk(s, "example.net.")->id, 4);
	ck_assert_ptr_null(lk(s, "example.com."));
	ck_assert_ptr_null(lk(s, "ww.example.com."));
	ck_assert_ptr_null(lk(s, "www.example.co."));
	ck_assert_ptr_null(lk(s, "x.www.example.com."));
	ck_assert_ptr_null(lk(s, "com."));
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_lookup_case)
{
	struct pooldns_snapshot *s = make(names, 5);
	uint8_t w[POOLDNS_NAME_MAX], low[POOLDNS_NAME_MAX];
	size_t len = wire_cased("WwW.ExAmPlE.CoM.", w);

	ck_assert_uint_eq(w[1], 'W');
	/* the snapshot holds lower-cased names: the caller folds the case */
	ck_assert_ptr_null(pooldns_snapshot_lookup(s, w, len));
	pooldns_dname_lower(low, w, len);
	ck_assert_ptr_nonnull(pooldns_snapshot_lookup(s, low, len));
	ck_assert_int_eq(pooldns_snapshot_lookup(s, low, len)->id, 1);
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_find_closest)
{
	struct pooldns_snapshot *s = make(names, 5);

	ck_assert_int_eq(closest(s, "www.example.com.")->id, 1);
	ck_assert_int_eq(closest(s, "x.www.example.com.")->id, 1);
	ck_assert_int_eq(closest(s, "a.b.c.www.example.com.")->id, 1);
	ck_assert_int_eq(closest(s, "foo.deep.sub.example.net.")->id, 5);
	ck_assert_int_eq(closest(s, "sub.example.net.")->id, 4);
	ck_assert_int_eq(closest(s, "x.sub.example.net.")->id, 4);
	ck_assert_ptr_null(closest(s, "example.com."));
	ck_assert_ptr_null(closest(s, "wwww.example.com."));
	ck_assert_ptr_null(closest(s, "b.c.d.example.org."));
	ck_assert_ptr_null(closest(s, "org."));
	ck_assert_ptr_null(closest(s, "."));
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_has_descendant)
{
	struct pooldns_snapshot *s = make(names, 5);

	/* empty non-terminals */
	ck_assert(desc(s, "example.com."));
	ck_assert(desc(s, "com."));
	ck_assert(desc(s, "b.c.d.example.org."));
	ck_assert(desc(s, "d.example.org."));
	ck_assert(desc(s, "org."));
	ck_assert(desc(s, "sub.example.net."));
	ck_assert(desc(s, "net."));
	/* a pool with a pool below it */
	ck_assert(desc(s, "example.net."));
	ck_assert(desc(s, "."));
	/* leaves and unrelated names */
	ck_assert(!desc(s, "www.example.com."));
	ck_assert(!desc(s, "a.b.c.d.example.org."));
	ck_assert(!desc(s, "x.www.example.com."));
	ck_assert(!desc(s, "other.com."));
	ck_assert(!desc(s, "example.org.uk."));
	ck_assert(!desc(s, "xample.com."));
	pooldns_snapshot_free(s);
}
END_TEST

START_TEST(test_empty_and_null)
{
	struct pooldns_snapshot *s = make(NULL, 0);
	uint8_t root = 0;

	ck_assert_ptr_null(lk(s, "example.com."));
	ck_assert_ptr_null(closest(s, "a.example.com."));
	ck_assert(!desc(s, "com."));
	ck_assert(!pooldns_snapshot_has_descendant(s, &root, 1));
	ck_assert_ptr_null(pooldns_snapshot_lookup(NULL, &root, 1));
	ck_assert_ptr_null(pooldns_snapshot_find_closest(NULL, &root, 1));
	ck_assert(!pooldns_snapshot_has_descendant(NULL, &root, 1));
	pooldns_snapshot_free(s);
	pooldns_snapshot_free(NULL);
}
END_TEST

START_TEST(test_many_pools)
{
	enum { N = 5000 };
	char(*buf)[64] = calloc(N, sizeof(*buf));
	const char **nm = calloc(N, sizeof(*nm));
	struct pooldns_snapshot *s;
	char q[96];

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(nm);
	for (int i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "p%d.zone%d.example.", i, i % 37);
		nm[i] = buf[i];
	}
	s = make(nm, N);
	ck_assert_uint_eq(s->npools, N);
	ck_assert_uint_eq(s->pools.count, N);
	/* the name table: a power of two, at most half full */
	ck_assert_uint_eq(s->pools.nslots & (s->pools.nslots - 1), 0);
	ck_assert_uint_ge(s->pools.nslots, 2 * N);
	/* iteration visits every pool once */
	{
		unsigned char *seen = calloc(N, 1);
		const struct pooldns_pool *p;
		size_t count = 0;

		ck_assert_ptr_nonnull(seen);
		for (size_t it = 0; (p = pooldns_snapshot_next(s, &it)) != NULL; count++) {
			ck_assert(p->id >= 1 && p->id <= N);
			ck_assert(!seen[p->id - 1]);
			seen[p->id - 1] = 1;
			ck_assert_ptr_eq(pooldns_snapshot_pool_by_id(s, p->id), p);
		}
		ck_assert_uint_eq(count, N);
		free(seen);
	}
	for (int i = 0; i < N; i++) {
		const struct pooldns_pool *p = lk(s, buf[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(p->id, i + 1);
		snprintf(q, sizeof(q), "www.%s", buf[i]);
		ck_assert_ptr_eq(closest(s, q), p);
		snprintf(q, sizeof(q), "q%d.zone%d.example.", i, i % 37);
		ck_assert_ptr_null(lk(s, q));
		snprintf(q, sizeof(q), "zone%d.example.", i % 37);
		ck_assert(desc(s, q));
	}
	pooldns_snapshot_free(s);
	free(nm);
	free(buf);
}
END_TEST

START_TEST(test_name_tables)
{
	enum pooldns_fallback f;
	enum pooldns_check_type t;

	ck_assert_int_eq(pooldns_fallback_parse("all", &f), 0);
	ck_assert_int_eq(f, POOLDNS_FALLBACK_ALL);
	ck_assert_int_eq(pooldns_fallback_parse("none", &f), 0);
	ck_assert_int_eq(f, POOLDNS_FALLBACK_NONE);
	ck_assert_int_eq(pooldns_fallback_parse("ALL", &f), -1);
	ck_assert_int_eq(pooldns_fallback_parse("", &f), -1);
	ck_assert_int_eq(pooldns_fallback_parse(NULL, &f), -1);
	ck_assert_str_eq(pooldns_fallback_name(POOLDNS_FALLBACK_NONE), "none");
	ck_assert_str_eq(pooldns_fallback_name((enum pooldns_fallback)9), "unknown");

	static const char *const types[] = { "none", "http", "https", "tcp" };
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pooldns_check_type_parse(types[i], &t), 0);
		ck_assert_int_eq(t, i);
		ck_assert_str_eq(pooldns_check_type_name(t), types[i]);
	}
	ck_assert_int_eq(pooldns_check_type_parse("htt", &t), -1);
	ck_assert_int_eq(pooldns_check_type_parse("udp", &t), -1);
	ck_assert_str_eq(pooldns_check_type_name((enum pooldns_check_type)42), "unknown");
}
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lookup_exact);
	tcase_add_test(tc, test_lookup_case);
	tcase_add_test(tc, test_find_closest);
	tcase_add_test(tc, test_has_descendant);
	tcase_add_test(tc, test_empty_and_null);
	tcase_add_test(tc, test_many_pools);
	tcase_add_test(tc, test_name_tables);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(snapshot_suite());
	int failed;

	/* quiet: nothing here should log, and a stray line shows up in the output */
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_WARNING);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
