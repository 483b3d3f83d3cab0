/*
 * check_arena.c — unit tests for core/model/arena.c: alignment, zeroing, chunk
 * overflow, allocations bigger than a chunk, strdup and the used counter.
 * Under ASan, writing every byte handed out proves the sizes are honoured.
 */
#include "config.h"

#include <check.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model/arena.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

START_TEST(test_alignment_and_zero)
{
	struct pooldns_arena *a = pooldns_arena_new();
	static const size_t sizes[] = { 1, 3, 7, 8, 15, 16, 17, 33, 100, 1000, 4095 };

	ck_assert_ptr_nonnull(a);
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = pooldns_arena_alloc(a, sizes[i]);
			ck_assert_ptr_nonnull(p);
			ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
			ck_assert(all_zero(p, sizes[i]));
			memset(p, 0xa5, sizes[i]);
		}
	}
	pooldns_arena_free(a);
}
END_TEST

START_TEST(test_no_overlap)
{
	struct pooldns_arena *a = pooldns_arena_new();
	enum { N = 5000 };
	uint32_t **ptrs = calloc(N, sizeof(*ptrs));

	ck_assert_ptr_nonnull(ptrs);
	/* 5000 * 48 bytes crosses the growing chunks (4, 8, 16, 32 KiB) and
	 * several 64 KiB ones */
	for (uint32_t i = 0; i < N; i++) {
		ptrs[i] = pooldns_arena_alloc(a, 10 * sizeof(uint32_t));
		ck_assert_ptr_nonnull(ptrs[i]);
		for (int j = 0; j < 10; j++)
			ptrs[i][j] = i * 10 + (uint32_t)j;
	}
	for (uint32_t i = 0; i < N; i++)
		for (int j = 0; j < 10; j++)
			ck_assert_uint_eq(ptrs[i][j], i * 10 + (uint32_t)j);
	free(ptrs);
	pooldns_arena_free(a);
}
END_TEST

/* Allocations larger than the next chunk (but regular, at most 16 KiB)
 * get a chunk big enough, at any point of the growth; none overlaps and
 * each is zeroed. */
START_TEST(test_growth_sizes)
{
	static const size_t sizes[] = { 12000, 100, 4096, 16384, 1, 8000, 16000, 3, 16384, 700 };
	struct pooldns_arena *a = pooldns_arena_new();
	unsigned char *p[sizeof(sizes) / sizeof(sizes[0])];
	size_t n = sizeof(sizes) / sizeof(sizes[0]);

	for (size_t i = 0; i < n; i++) {
		p[i] = pooldns_arena_alloc(a, sizes[i]);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert(all_zero(p[i], sizes[i]));
		memset(p[i], (int)(i + 1), sizes[i]);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			ck_assert_uint_eq(p[i][j], i + 1);
	pooldns_arena_free(a);
}
END_TEST

START_TEST(test_big_allocations)
{
	struct pooldns_arena *a = pooldns_arena_new();
	unsigned char *small1, *big, *small2, *huge;

	small1 = pooldns_arena_alloc(a, 10);
	big = pooldns_arena_alloc(a, 200000);
	small2 = pooldns_arena_alloc(a, 10);
	huge = pooldns_arena_alloc(a, 3 * 1024 * 1024);
	ck_assert_ptr_nonnull(small1);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(small2);
	ck_assert_ptr_nonnull(huge);
	ck_assert(all_zero(big, 200000));
	ck_assert(all_zero(huge, 3 * 1024 * 1024));
	memset(big, 1, 200000);
	memset(huge, 2, 3 * 1024 * 1024);
	memset(small2, 3, 10);
	/* small allocations still come from the shared chunk after a big one */
	ck_assert(small2 > small1 && small2 - small1 < 1024);
	ck_assert_uint_eq(small1[0], 0);
	ck_assert_uint_eq(big[199999], 1);
	pooldns_arena_free(a);
}
END_TEST

START_TEST(test_big_first)
{
	struct pooldns_arena *a = pooldns_arena_new();
	unsigned char *big = pooldns_arena_alloc(a, 100000);
	unsigned char *s = pooldns_arena_alloc(a, 64);

	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(s);
	memset(big, 7, 100000);
	ck_assert(all_zero(s, 64));
	pooldns_arena_free(a);
}
END_TEST

START_TEST(test_strdup_and_used)
{
	struct pooldns_arena *a = pooldns_arena_new();
	char *s, *e;

	ck_assert_uint_eq(pooldns_arena_used(a), 0);
	s = pooldns_arena_strdup(a, "www.example.com.");
	e = pooldns_arena_strdup(a, "");
	ck_assert_str_eq(s, "www.example.com.");
	ck_assert_str_eq(e, "");
	ck_assert_ptr_ne(s, e);
	ck_assert_uint_eq(pooldns_arena_used(a), 17 + 1);
	ck_assert_ptr_nonnull(pooldns_arena_alloc(a, 100));
	ck_assert_uint_eq(pooldns_arena_used(a), 118);
	pooldns_arena_free(a);
	pooldns_arena_free(NULL);
}
END_TEST

START_TEST(test_zero_size)
{
	struct pooldns_arena *a = pooldns_arena_new();
	void *p = pooldns_arena_alloc(a, 0);
	void *q = pooldns_arena_alloc(a, 0);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_ne(p, q);
	ck_assert_ptr_null(pooldns_arena_alloc(a, SIZE_MAX - 4));
	pooldns_arena_free(a);
}
END_TEST

static Suite *arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_alignment_and_zero);
	tcase_add_test(tc, test_no_overlap);
	tcase_add_test(tc, test_growth_sizes);
	tcase_add_test(tc, test_big_allocations);
	tcase_add_test(tc, test_big_first);
	tcase_add_test(tc, test_strdup_and_used);
	tcase_add_test(tc, test_zero_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(arena_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
