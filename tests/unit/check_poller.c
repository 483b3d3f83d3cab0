/*
 * check_poller.c — unit tests for core/poller.c: first load, reload only when
 * the data version moves, last good snapshot kept on source failure and on
 * unusable data, cache file written after loads and used at start-up when
 * the source is down, corrupt cache ignored.
 *
 * Uses an in-memory fake source whose answers the test controls (guarded by
 * a mutex: the poller thread calls it while the test thread changes it).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/source/cache.h"
#include "core/log.h"
#include "core/poller.h"
#include "core/model/snapshot.h"
#include "core/source/source.h"
#include "core/model/store.h"
#include "core/source/table.h"
#include "testdata.h"

struct fake_source {
	struct pooldns_source base;
	pthread_mutex_t lock;
	int64_t version;
	bool down;        /* every call fails */
	bool bad_columns; /* load returns a pools table without 'policy' */
	int npools;       /* pools named p0.test. .. */
	unsigned version_calls;
	unsigned load_calls;
};

static void make_dataset(struct pooldns_dataset *ds, int64_t version, int npools, bool bad_columns)
{
	td_dataset_init(ds, version);
	if (bad_columns) {
		/* only id, name, ttl: no 'policy', so the builder must refuse it */
		pooldns_table_free(ds->pools);
		ds->pools = pooldns_table_new(TD_P_POLICY, td_pool_cols);
		ck_assert_ptr_nonnull(ds->pools);
	}
	for (int i = 0; i < npools; i++) {
		char name[32], host[32];
		snprintf(name, sizeof name, "p%d.test.", i);
		TD_POOL(ds, .id = i + 1, .name = name);
		snprintf(host, sizeof host, "192.0.2.%d", i + 1);
		TD_MEMBER(ds, .id = i + 1, .pool = i + 1, .host = host);
	}
}

static int fake_version(struct pooldns_source *src, int64_t *version, char *err, size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	pthread_mutex_lock(&f->lock);
	f->version_calls++;
	bool down = f->down;
	*version = f->version;
	pthread_mutex_unlock(&f->lock);
	if (down) {
		snprintf(err, errsz, "fake: connection refused");
		return -1;
	}
	return 0;
}

static int fake_load(struct pooldns_source *src, struct pooldns_dataset *out, char *err,
		     size_t errsz)
{
	struct fake_source *f = (struct fake_source *)src;
	pthread_mutex_lock(&f->lock);
	f->load_calls++;
	bool down = f->down, bad = f->bad_columns;
	int64_t version = f->version;
	int npools = f->npools;
	pthread_mutex_unlock(&f->lock);
	if (down) {
		snprintf(err, errsz, "fake: connection refused");
		return -1;
	}
	make_dataset(out, version, npools, bad);
	return 0;
}

static const char *fake_describe(struct pooldns_source *src)
{
	return "fake";
}

static void fake_destroy(struct pooldns_source *src)
{
}

static const struct pooldns_source_ops fake_ops = {
	.name = "fake",
	.version = fake_version,
	.load = fake_load,
	.describe = fake_describe,
	.destroy = fake_destroy,
};

static void fake_init(struct fake_source *f, int64_t version, int npools)
{
	memset(f, 0, sizeof *f);
	f->base.ops = &fake_ops;
	pthread_mutex_init(&f->lock, NULL);
	f->version = version;
	f->npools = npools;
}

static void fake_set(struct fake_source *f, int64_t version, int npools, bool down, bool bad)
{
	pthread_mutex_lock(&f->lock);
	f->version = version;
	f->npools = npools;
	f->down = down;
	f->bad_columns = bad;
	pthread_mutex_unlock(&f->lock);
}

static unsigned fake_loads(struct fake_source *f)
{
	pthread_mutex_lock(&f->lock);
	unsigned n = f->load_calls;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Published snapshot's version and pool count, read as a reader would. */
static int64_t current_version(struct pooldns_store *store, size_t *npools)
{
	pooldns_read_lock();
	const struct pooldns_snapshot *s = pooldns_store_get(store);
	int64_t v = s ? s->version : -1;
	if (npools)
		*npools = s ? s->npools : 0;
	pooldns_read_unlock();
	return v;
}

/* Waits (bounded) until the published version equals want. */
static bool wait_version(struct pooldns_store *store, int64_t want)
{
	for (int i = 0; i < 300; i++) {
		if (current_version(store, NULL) == want)
			return true;
		usleep(10000);
	}
	return false;
}

static void quiet_log(enum pooldns_log_level level, const char *msg, void *ctx)
{
}

static char *temp_path(const char *tag)
{
	char *p = malloc(256);
	ck_assert_ptr_nonnull(p);
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(p, 256, "%s/check_poller_%s_%ld", dir, tag, (long)getpid());
	unlink(p);
	return p;
}

START_TEST(first_load_and_reload_on_version_change)
{
	struct fake_source f;
	fake_init(&f, 7, 3);
	struct pooldns_store *store = pooldns_store_new();
	char err[256];
	struct pooldns_poller_opts o = { .source = &f.base,
					 .store = store,
					 .poll_interval_ms = 20 };
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 7);
	ck_assert_uint_eq(n, 3);

	/* Unchanged version: several polls, no further load. */
	usleep(200000);
	ck_assert_uint_eq(fake_loads(&f), 1);

	fake_set(&f, 8, 5, false, false);
	ck_assert(wait_version(store, 8));
	current_version(store, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(fake_loads(&f), 2);

	struct pooldns_poller_status st;
	pooldns_poller_status(p, &st);
	ck_assert_int_eq(st.version, 8);
	ck_assert_uint_eq(st.loads_ok, 2);
	ck_assert(st.source_ok);
	ck_assert(!st.from_cache);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
}
END_TEST

START_TEST(source_down_keeps_last_good)
{
	struct fake_source f;
	fake_init(&f, 3, 2);
	struct pooldns_store *store = pooldns_store_new();
	char err[256];
	struct pooldns_poller_opts o = { .source = &f.base,
					 .store = store,
					 .poll_interval_ms = 20 };
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 3000));

	fake_set(&f, 4, 9, true, false);
	usleep(200000);
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 3);
	ck_assert_uint_eq(n, 2);
	struct pooldns_poller_status st;
	pooldns_poller_status(p, &st);
	ck_assert(!st.source_ok);
	ck_assert_uint_gt(st.loads_failed, 0);

	/* Back up: the change is picked up (backoff is short at this interval). */
	fake_set(&f, 4, 9, false, false);
	ck_assert(wait_version(store, 4));
	pooldns_poller_stop(p);
	pooldns_store_free(store);
}
END_TEST

START_TEST(unusable_data_keeps_last_good)
{
	struct fake_source f;
	fake_init(&f, 10, 1);
	struct pooldns_store *store = pooldns_store_new();
	char err[256];
	struct pooldns_poller_opts o = { .source = &f.base,
					 .store = store,
					 .poll_interval_ms = 20 };
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	fake_set(&f, 11, 4, false, true);
	usleep(200000);
	ck_assert_int_eq(current_version(store, NULL), 10);
	fake_set(&f, 12, 4, false, false);
	ck_assert(wait_version(store, 12));
	pooldns_poller_stop(p);
	pooldns_store_free(store);
}
END_TEST

START_TEST(cache_written_and_used_when_source_down)
{
	char *cache = temp_path("cache");
	char err[256];

	/* Run 1: the source works; the cache file is written. */
	struct fake_source f;
	fake_init(&f, 21, 4);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller_opts o = {
		.source = &f.base, .store = store, .poll_interval_ms = 20, .cache_file = cache
	};
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	ck_assert_int_eq(access(cache, R_OK), 0);

	/* Run 2: the source is down from the start; the cache serves. */
	struct fake_source down;
	fake_init(&down, 99, 1);
	fake_set(&down, 99, 1, true, false);
	store = pooldns_store_new();
	o.source = &down.base;
	o.store = store;
	p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 21);
	ck_assert_uint_eq(n, 4);
	struct pooldns_poller_status st;
	pooldns_poller_status(p, &st);
	ck_assert(st.from_cache);

	/* The source comes back with other data: it replaces the cache's. */
	fake_set(&down, 99, 1, false, false);
	ck_assert(wait_version(store, 99));
	pooldns_poller_status(p, &st);
	ck_assert(!st.from_cache);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	unlink(cache);
	free(cache);
}
END_TEST

START_TEST(corrupt_cache_is_ignored)
{
	char *cache = temp_path("corrupt");
	FILE *fp = fopen(cache, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":5,\"results\":[",
	      fp);
	fclose(fp);

	struct fake_source f;
	fake_init(&f, 1, 1);
	fake_set(&f, 1, 1, true, false);
	struct pooldns_store *store = pooldns_store_new();
	char err[256];
	struct pooldns_poller_opts o = {
		.source = &f.base, .store = store, .poll_interval_ms = 20, .cache_file = cache
	};
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(!pooldns_poller_wait_ready(p, 300));
	ck_assert_int_eq(current_version(store, NULL), -1);
	/* Source recovers: data arrives and the cache is rewritten. */
	fake_set(&f, 1, 1, false, false);
	ck_assert(pooldns_poller_wait_ready(p, 3000));
	ck_assert_int_eq(current_version(store, NULL), 1);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	unlink(cache);
	free(cache);
}
END_TEST

START_TEST(restart_on_a_serving_store_never_falls_back_to_the_cache)
{
	/* What a SIGHUP with a new source does: a new poller on a store that
	 * already serves. With the new source down, the (older) cache file must
	 * not replace the live data. */
	char *cache = temp_path("restart");
	char err[256];
	struct fake_source f;
	fake_init(&f, 10, 2);
	struct pooldns_store *store = pooldns_store_new();
	struct pooldns_poller_opts o = {
		.source = &f.base, .store = store, .poll_interval_ms = 20, .cache_file = cache
	};
	struct pooldns_poller *p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 3000)); /* cache now holds version 10 */
	fake_set(&f, 50, 6, false, false);
	ck_assert(wait_version(store, 50));
	pooldns_poller_stop(p);

	/* Version 50 serves; the cache file was rewritten to 50, so put an
	 * older one back to make the difference visible. */
	struct fake_source old;
	fake_init(&old, 10, 2);
	struct pooldns_dataset ds = { 0 };
	ck_assert_int_eq(old.base.ops->load(&old.base, &ds, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_cache_write(cache, &ds, err, sizeof err), 0);
	pooldns_dataset_clear(&ds);

	struct fake_source down;
	fake_init(&down, 99, 1);
	fake_set(&down, 99, 1, true, false);
	o.source = &down.base;
	p = pooldns_poller_start(&o, err, sizeof err);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(pooldns_poller_wait_ready(p, 1000)); /* ready: data is served */
	usleep(200000);
	size_t n;
	ck_assert_int_eq(current_version(store, &n), 50);
	ck_assert_uint_eq(n, 6);
	struct pooldns_poller_status st;
	pooldns_poller_status(p, &st);
	ck_assert(!st.from_cache);
	ck_assert_int_eq(st.version, 50);
	pooldns_poller_stop(p);
	pooldns_store_free(store);
	unlink(cache);
	free(cache);
}
END_TEST

START_TEST(bad_options_rejected)
{
	struct fake_source f;
	fake_init(&f, 1, 1);
	struct pooldns_store *store = pooldns_store_new();
	char err[256] = "";
	struct pooldns_poller_opts o = { .source = &f.base, .store = store, .poll_interval_ms = 0 };
	ck_assert_ptr_null(pooldns_poller_start(&o, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "interval"));
	o.poll_interval_ms = 100;
	o.source = NULL;
	ck_assert_ptr_null(pooldns_poller_start(&o, err, sizeof err));
	pooldns_store_free(store);
}
END_TEST

static Suite *poller_suite(void)
{
	Suite *s = suite_create("poller");
	TCase *tc = tcase_create("poller");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, first_load_and_reload_on_version_change);
	tcase_add_test(tc, source_down_keeps_last_good);
	tcase_add_test(tc, unusable_data_keeps_last_good);
	tcase_add_test(tc, cache_written_and_used_when_source_down);
	tcase_add_test(tc, corrupt_cache_is_ignored);
	tcase_add_test(tc, restart_on_a_serving_store_never_falls_back_to_the_cache);
	tcase_add_test(tc, bad_options_rejected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pooldns_log_set(quiet_log, NULL, POOLDNS_LOG_DEBUG);
	SRunner *sr = srunner_create(poller_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
