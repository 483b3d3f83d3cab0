/*
 * check_store.c — unit tests for core/model/store.c: empty store, publish and
 * unpublish, nested read sections, a reader that holds its section across
 * publishes, and the main stress case: reader threads loop reading and
 * validating a snapshot's content field by field while the writer publishes
 * 2000 snapshots. Under ASan any snapshot freed before its readers left
 * would be a use-after-free; at the end everything is freed (LeakSanitizer
 * checks that retired snapshots were all released).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/dns/dname.h"
#include "core/model/snapshot.h"
#include "core/model/store.h"

/* Pool i of a test snapshot is named "p<i>.example." (wire form in w). */
static size_t pool_name(size_t i, uint8_t w[POOLDNS_NAME_MAX], char text[32])
{
	int len;

	snprintf(text, 32, "p%zu.example.", i);
	len = pooldns_dname_from_text(text, w, POOLDNS_NAME_MAX);
	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

/* A snapshot whose every field is derived from its version, so a reader
 * can tell a torn or freed one from a good one. Built by hand the way the
 * model lays it out: each pool one heap block (header, members, names) in
 * the snapshot's name table, which the snapshot owns (own_all). */
static struct pooldns_snapshot *make_snap(int64_t version)
{
	struct pooldns_snapshot *s = calloc(1, sizeof(*s));
	struct pooldns_garbage g = { 0 };
	size_t np = 1 + (size_t)(version % 7), nmembers = 0;

	ck_assert_ptr_nonnull(s);
	s->version = version;
	s->seq = -1;
	s->own_all = true;
	for (size_t i = 0; i < np; i++) {
		size_t nm = 1 + (size_t)((version + (int64_t)i) % 5);
		size_t hdr = (sizeof(struct pooldns_pool) + 7) & ~(size_t)7;
		uint8_t w[POOLDNS_NAME_MAX];
		char text[32];
		size_t wl = pool_name(i, w, text);
		char *blk =
			calloc(1, hdr + nm * sizeof(struct pooldns_member) + wl + strlen(text) + 1);
		struct pooldns_pool *p = (struct pooldns_pool *)blk;
		const void *old = NULL;

		ck_assert_ptr_nonnull(blk);
		p->id = version * 100 + (int64_t)i;
		p->ttl = (uint32_t)(version * 7 + (int64_t)i);
		p->max_answers = (uint8_t)(1 + i);
		p->v4 = (struct pooldns_member *)(blk + hdr);
		p->n_v4 = (uint16_t)nm;
		for (size_t j = 0; j < nm; j++) {
			p->v4[j].id = p->id * 10 + (int64_t)j;
			p->v4[j].family = AF_INET;
			p->v4[j].weight = (uint32_t)(p->id + (int64_t)j);
			memset(p->v4[j].addr, (int)((version + (int64_t)j) & 0xff), 4);
		}
		memcpy(blk + hdr + nm * sizeof(struct pooldns_member), w, wl);
		p->name = (const uint8_t *)(blk + hdr + nm * sizeof(struct pooldns_member));
		p->name_len = (uint8_t)wl;
		p->name_text = strcpy(blk + hdr + nm * sizeof(struct pooldns_member) + wl, text);
		ck_assert_int_eq(pooldns_ptab_put(&s->pools, 1, &g, p, &old), 0);
		ck_assert_ptr_null(old);
		nmembers += nm;
	}
	/* a fresh table replaces nothing of an earlier version */
	ck_assert_uint_eq(g.n, 0);
	pooldns_garbage_free(&g);
	s->npools = s->pools.count;
	s->nmembers = nmembers;
	ck_assert_uint_eq(s->npools, np);
	return s;
}

/* 0 when s is consistent with its own version. */
static int validate(const struct pooldns_snapshot *s)
{
	int64_t v = s->version;
	const struct pooldns_pool *q;
	size_t n = 0;

	if (s->npools != 1 + (size_t)(v % 7) || s->pools.count != s->npools)
		return -1;
	for (size_t i = 0; i < s->npools; i++) {
		uint8_t w[POOLDNS_NAME_MAX];
		char text[32];
		size_t wl = pool_name(i, w, text);
		const struct pooldns_pool *p = pooldns_snapshot_lookup(s, w, wl);

		if (p == NULL || p->id != v * 100 + (int64_t)i ||
		    p->ttl != (uint32_t)(v * 7 + (int64_t)i) || p->max_answers != 1 + i ||
		    p->n_v4 != 1 + (size_t)((v + (int64_t)i) % 5) ||
		    strcmp(p->name_text, text) != 0)
			return -1;
		for (size_t j = 0; j < p->n_v4; j++) {
			const struct pooldns_member *m = &p->v4[j];
			if (m->id != p->id * 10 + (int64_t)j || m->family != AF_INET ||
			    m->weight != (uint32_t)(p->id + (int64_t)j) ||
			    m->addr[3] != (uint8_t)((v + (int64_t)j) & 0xff))
				return -1;
		}
	}
	/* nothing else in the table */
	for (size_t it = 0; (q = pooldns_snapshot_next(s, &it)) != NULL; n++)
		if (q->id / 100 != v)
			return -1;
	return n == s->npools ? 0 : -1;
}

START_TEST(test_empty_and_publish)
{
	struct pooldns_store *st = pooldns_store_new();
	struct pooldns_snapshot *a = make_snap(1), *b = make_snap(2);

	ck_assert_ptr_nonnull(st);
	pooldns_read_lock();
	ck_assert_ptr_null(pooldns_store_get(st));
	pooldns_read_unlock();

	pooldns_store_publish(st, a);
	pooldns_read_lock();
	ck_assert_ptr_eq(pooldns_store_get(st), a);
	/* sections nest */
	pooldns_read_lock();
	ck_assert_ptr_eq(pooldns_store_get(st), a);
	pooldns_read_unlock();
	ck_assert_int_eq(validate(pooldns_store_get(st)), 0);
	pooldns_read_unlock();

	pooldns_store_publish(st, b);
	pooldns_read_lock();
	ck_assert_ptr_eq(pooldns_store_get(st), b);
	pooldns_read_unlock();

	/* unpublish */
	pooldns_store_publish(st, NULL);
	pooldns_read_lock();
	ck_assert_ptr_null(pooldns_store_get(st));
	pooldns_read_unlock();
	pooldns_store_barrier();

	pooldns_store_publish(st, make_snap(3));
	pooldns_store_free(st);
	pooldns_store_free(NULL);
}
END_TEST

/* ---- a reader holding its section across publishes ------------------------ */

struct holder {
	struct pooldns_store *st;
	atomic_int phase; /* 0 start, 1 holding, 2 main published, 3 done */
	int ok;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	const struct pooldns_snapshot *s;

	pooldns_read_lock();
	s = pooldns_store_get(h->st);
	atomic_store(&h->phase, 1);
	while (atomic_load(&h->phase) != 2)
		sched_yield();
	/* the snapshot was replaced (and retired) meanwhile: still valid */
	h->ok = s != NULL && s->version == 1 && validate(s) == 0;
	pooldns_read_unlock();
	atomic_store(&h->phase, 3);
	return NULL;
}

START_TEST(test_reader_holds_old)
{
	struct pooldns_store *st = pooldns_store_new();
	struct holder h = { .st = st, .ok = 0 };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pthread_t t;

	atomic_init(&h.phase, 0);
	pooldns_store_publish(st, make_snap(1));
	ck_assert_int_eq(pthread_create(&t, NULL, holder_main, &h), 0);
	while (atomic_load(&h.phase) != 1)
		sched_yield();
	for (int64_t v = 2; v < 50; v++)
		pooldns_store_publish(st, make_snap(v));
	/* give the call_rcu worker time to free whatever it may free */
	nanosleep(&ts, NULL);
	atomic_store(&h.phase, 2);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(h.ok);
	pooldns_store_barrier();
	pooldns_read_lock();
	ck_assert_int_eq(pooldns_store_get(st)->version, 49);
	pooldns_read_unlock();
	pooldns_store_free(st);
}
END_TEST

/* ---- stress: readers validate while the writer publishes ------------------- */

#define NREADERS 4
#define NPUBLISH 2000

struct reader {
	struct pooldns_store *st;
	atomic_bool *stop;
	unsigned long reads;
	unsigned long bad;
	unsigned long backwards;
	int64_t last;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(r->stop)) {
		const struct pooldns_snapshot *s;

		pooldns_read_lock();
		s = pooldns_store_get(r->st);
		if (s != NULL) {
			if (validate(s) != 0)
				r->bad++;
			if (s->version < r->last)
				r->backwards++;
			r->last = s->version;
			/* stay in the section a little: widens the window in
			 * which a premature free would be caught */
			if ((r->reads & 15) == 0)
				sched_yield();
			if (validate(s) != 0)
				r->bad++;
		}
		pooldns_read_unlock();
		r->reads++;
	}
	return NULL;
}

START_TEST(test_concurrent_swap)
{
	struct pooldns_store *st = pooldns_store_new();
	struct reader rd[NREADERS];
	pthread_t t[NREADERS];
	atomic_bool stop;
	unsigned long total = 0;

	atomic_init(&stop, false);
	pooldns_store_publish(st, make_snap(1));
	for (int i = 0; i < NREADERS; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		rd[i].st = st;
		rd[i].stop = &stop;
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader_main, &rd[i]), 0);
	}
	for (int64_t v = 2; v <= NPUBLISH; v++) {
		pooldns_store_publish(st, make_snap(v));
		if ((v & 63) == 0)
			sched_yield();
	}
	atomic_store(&stop, true);
	for (int i = 0; i < NREADERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(rd[i].bad, 0);
		ck_assert_uint_eq(rd[i].backwards, 0);
		total += rd[i].reads;
	}
	ck_assert_uint_gt(total, 0);
	pooldns_read_lock();
	ck_assert_int_eq(pooldns_store_get(st)->version, NPUBLISH);
	pooldns_read_unlock();
	pooldns_store_free(st);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty_and_publish);
	tcase_add_test(tc, test_reader_holds_old);
	tcase_add_test(tc, test_concurrent_swap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
