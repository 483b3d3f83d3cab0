/*
 * check_dname.c — unit tests for core/dns/dname.c: presentation <-> wire
 * conversion (escapes, case, the optional final dot, the 63/255 limits,
 * small buffers), lower-casing, equality, hashing, the label-boundary
 * subdomain test and label counting.
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"

/* Builds "aaa...a" labels of the given lengths joined by dots into buf. */
static void make_text(char *buf, size_t cap, const int *lens, size_t n, bool final_dot)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < lens[i]; j++) {
			ck_assert_uint_lt(o + 2, cap);
			buf[o++] = (char)('a' + (i % 26));
		}
		if (i + 1 < n || final_dot)
			buf[o++] = '.';
	}
	buf[o] = '\0';
}

START_TEST(test_from_text_basic)
{
	uint8_t w[POOLDNS_NAME_MAX];
	static const uint8_t want[] = { 3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm',
					'p', 'l', 'e', 3,   'c', 'o', 'm', 0 };

	ck_assert_int_eq(pooldns_dname_from_text("www.Example.COM.", w, sizeof w),
			 (int)sizeof want);
	ck_assert_mem_eq(w, want, sizeof want);
	/* A missing final dot is accepted and gives the same name. */
	ck_assert_int_eq(pooldns_dname_from_text("WWW.example.com", w, sizeof w), (int)sizeof want);
	ck_assert_mem_eq(w, want, sizeof want);
	/* The root. */
	ck_assert_int_eq(pooldns_dname_from_text(".", w, sizeof w), 1);
	ck_assert_uint_eq(w[0], 0);
	/* Single label. */
	ck_assert_int_eq(pooldns_dname_from_text("a", w, sizeof w), 3);
	ck_assert_uint_eq(w[0], 1);
	ck_assert_uint_eq(w[1], 'a');
	ck_assert_uint_eq(w[2], 0);
}
END_TEST

START_TEST(test_from_text_escapes)
{
	uint8_t w[POOLDNS_NAME_MAX];

	/* "a\.b.c." is two labels: "a.b" and "c". */
	ck_assert_int_eq(pooldns_dname_from_text("a\\.b.c.", w, sizeof w), 7);
	static const uint8_t want1[] = { 3, 'a', '.', 'b', 1, 'c', 0 };
	ck_assert_mem_eq(w, want1, sizeof want1);
	/* \DDD decimal escapes, including 0 and 255; \065 ('A') is lower-cased. */
	ck_assert_int_eq(pooldns_dname_from_text("\\000\\255\\065.x", w, sizeof w), 7);
	static const uint8_t want2[] = { 3, 0, 255, 'a', 1, 'x', 0 };
	ck_assert_mem_eq(w, want2, sizeof want2);
	/* \\ is a backslash; \X any other character is itself. */
	ck_assert_int_eq(pooldns_dname_from_text("\\\\\\q", w, sizeof w), 4);
	ck_assert_uint_eq(w[1], '\\');
	ck_assert_uint_eq(w[2], 'q');
	/* Bad escapes. */
	ck_assert_int_eq(pooldns_dname_from_text("a\\", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text("a\\1", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text("a\\12", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text("a\\256", w, sizeof w), -1);
	/* An escaped dot is not a label separator, so this label is "." */
	ck_assert_int_eq(pooldns_dname_from_text("\\.", w, sizeof w), 3);
}
END_TEST

START_TEST(test_from_text_invalid)
{
	uint8_t w[POOLDNS_NAME_MAX];

	ck_assert_int_eq(pooldns_dname_from_text("", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text("..", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text(".a", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text("a..b", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text("a.b..", w, sizeof w), -1);
	ck_assert_int_eq(pooldns_dname_from_text(NULL, w, sizeof w), -1);
}
END_TEST

START_TEST(test_from_text_limits)
{
	uint8_t w[POOLDNS_NAME_MAX + 8];
	char t[1200];

	/* Label of 63 is fine, 64 is not. */
	int l63[] = { 63, 3 };
	make_text(t, sizeof t, l63, 2, true);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), 1 + 63 + 1 + 3 + 1);
	int l64[] = { 64, 3 };
	make_text(t, sizeof t, l64, 2, true);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), -1);

	/* 63+63+63+61 labels: wire length 4 + 250 + 1 = 255, the maximum. */
	int l255[] = { 63, 63, 63, 61 };
	make_text(t, sizeof t, l255, 4, true);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), 255);
	make_text(t, sizeof t, l255, 4, false);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), 255);
	/* One more byte is too long. */
	int l256[] = { 63, 63, 63, 62 };
	make_text(t, sizeof t, l256, 4, true);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), -1);
	/* Many one-byte labels: 127 labels = 255 bytes; 128 is too long. */
	int ones[128];
	for (size_t i = 0; i < 128; i++)
		ones[i] = 1;
	make_text(t, sizeof t, ones, 127, true);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), 255);
	make_text(t, sizeof t, ones, 128, true);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), -1);

	/* The output buffer's size is respected exactly. */
	ck_assert_int_eq(pooldns_dname_from_text("ab.c", w, 6), 6);
	ck_assert_int_eq(pooldns_dname_from_text("ab.c", w, 5), -1);
	ck_assert_int_eq(pooldns_dname_from_text("ab.c", w, 1), -1);
	ck_assert_int_eq(pooldns_dname_from_text(".", w, 1), 1);
	ck_assert_int_eq(pooldns_dname_from_text(".", w, 0), -1);
}
END_TEST

START_TEST(test_to_text)
{
	char t[POOLDNS_NAME_TEXT_MAX];
	uint8_t w[POOLDNS_NAME_MAX];

	static const uint8_t n1[] = { 3, 'W', 'w', 'w', 3, 'c', 'o', 'm', 0 };
	ck_assert_int_eq(pooldns_dname_to_text(n1, sizeof n1, t, sizeof t), 8);
	ck_assert_str_eq(t, "Www.com.");
	static const uint8_t root[] = { 0 };
	ck_assert_int_eq(pooldns_dname_to_text(root, 1, t, sizeof t), 1);
	ck_assert_str_eq(t, ".");
	/* Escapes: dot, backslash, space, a control byte, a high byte. */
	static const uint8_t n2[] = { 6, 'a', '.', '\\', ' ', 1, 200, 0 };
	ck_assert_int_eq(pooldns_dname_to_text(n2, sizeof n2, t, sizeof t),
			 (int)strlen("a\\.\\\\\\032\\001\\200."));
	ck_assert_str_eq(t, "a\\.\\\\\\032\\001\\200.");
	/* Round trip through from_text gives the same wire name. */
	int wl = pooldns_dname_from_text(t, w, sizeof w);
	ck_assert_int_eq(wl, (int)sizeof n2);
	ck_assert_mem_eq(w, n2, sizeof n2);

	/* Buffer too small, by one, and just right. */
	ck_assert_int_eq(pooldns_dname_to_text(n1, sizeof n1, t, 8), -1);
	ck_assert_int_eq(pooldns_dname_to_text(n1, sizeof n1, t, 9), 8);
	ck_assert_int_eq(pooldns_dname_to_text(root, 1, t, 1), -1);

	/* Invalid wire names: a pointer, label > 63, missing root, overrun. */
	static const uint8_t bad1[] = { 0xc0, 0x0c };
	ck_assert_int_eq(pooldns_dname_to_text(bad1, sizeof bad1, t, sizeof t), -1);
	static const uint8_t bad2[] = { 64, 'a' };
	ck_assert_int_eq(pooldns_dname_to_text(bad2, sizeof bad2, t, sizeof t), -1);
	static const uint8_t bad3[] = { 1, 'a', 1, 'b' };
	ck_assert_int_eq(pooldns_dname_to_text(bad3, sizeof bad3, t, sizeof t), -1);
	static const uint8_t bad4[] = { 5, 'a', 0 };
	ck_assert_int_eq(pooldns_dname_to_text(bad4, sizeof bad4, t, sizeof t), -1);
	ck_assert_int_eq(pooldns_dname_to_text(n1, 0, t, sizeof t), -1);

	/* The longest possible text: 255-byte name of escaped bytes fits
	 * POOLDNS_NAME_TEXT_MAX. */
	uint8_t big[POOLDNS_NAME_MAX];
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		int n = l < 3 ? 63 : 61;
		big[o++] = (uint8_t)n;
		for (int i = 0; i < n; i++)
			big[o++] = 0xff;
	}
	big[o++] = 0;
	ck_assert_uint_eq(o, 255);
	int tl = pooldns_dname_to_text(big, o, t, sizeof t);
	ck_assert_int_eq(tl, 250 * 4 + 4);
	ck_assert_int_eq(pooldns_dname_from_text(t, w, sizeof w), 255);
	ck_assert_mem_eq(w, big, 255);
}
END_TEST

START_TEST(test_lower_equal_hash)
{
	static const uint8_t mixed[] = { 3, 'W', 'w', 'W', 2, 'A', 'z', 0 };
	static const uint8_t lower[] = { 3, 'w', 'w', 'w', 2, 'a', 'z', 0 };
	uint8_t out[sizeof mixed];

	pooldns_dname_lower(out, mixed, sizeof mixed);
	ck_assert_mem_eq(out, lower, sizeof lower);
	/* Only A-Z change: bytes like '[' (0x5b) and 0xc1 are kept. */
	static const uint8_t odd[] = { 3, '[', 0xc1, '@', 0 };
	pooldns_dname_lower(out, odd, sizeof odd);
	ck_assert_mem_eq(out, odd, sizeof odd);

	ck_assert(pooldns_dname_equal(lower, sizeof lower, lower, sizeof lower));
	ck_assert(!pooldns_dname_equal(mixed, sizeof mixed, lower, sizeof lower));
	ck_assert(!pooldns_dname_equal(lower, sizeof lower, lower, sizeof lower - 1));

	/* FNV-1a 32 reference values. */
	ck_assert_uint_eq(pooldns_dname_hash(NULL, 0), 2166136261u);
	static const uint8_t a[] = { 'a' };
	ck_assert_uint_eq(pooldns_dname_hash(a, 1), 0xe40c292cu);
	static const uint8_t foobar[] = { 'f', 'o', 'o', 'b', 'a', 'r' };
	ck_assert_uint_eq(pooldns_dname_hash(foobar, 6), 0xbf9cf968u);
	ck_assert_uint_ne(pooldns_dname_hash(lower, sizeof lower),
			  pooldns_dname_hash(mixed, sizeof mixed));
}
END_TEST

START_TEST(test_subdomain_labels)
{
	uint8_t www[POOLDNS_NAME_MAX], ex[POOLDNS_NAME_MAX], bex[POOLDNS_NAME_MAX];
	uint8_t com[POOLDNS_NAME_MAX], root[1] = { 0 };
	int lw = pooldns_dname_from_text("www.example.com.", www, sizeof www);
	int le = pooldns_dname_from_text("example.com.", ex, sizeof ex);
	int lb = pooldns_dname_from_text("bexample.com.", bex, sizeof bex);
	int lc = pooldns_dname_from_text("com.", com, sizeof com);

	ck_assert(pooldns_dname_is_subdomain(www, (size_t)lw, ex, (size_t)le));
	ck_assert(pooldns_dname_is_subdomain(www, (size_t)lw, www, (size_t)lw));
	ck_assert(pooldns_dname_is_subdomain(www, (size_t)lw, com, (size_t)lc));
	ck_assert(pooldns_dname_is_subdomain(www, (size_t)lw, root, 1));
	ck_assert(!pooldns_dname_is_subdomain(ex, (size_t)le, www, (size_t)lw));
	/* Suffix match that is not on a label boundary. */
	ck_assert(!pooldns_dname_is_subdomain(bex, (size_t)lb, ex, (size_t)le));
	ck_assert(!pooldns_dname_is_subdomain(ex, (size_t)le, bex, (size_t)lb));
	ck_assert(pooldns_dname_is_subdomain(bex, (size_t)lb, com, (size_t)lc));

	ck_assert_int_eq(pooldns_dname_labels(www, (size_t)lw), 3);
	ck_assert_int_eq(pooldns_dname_labels(root, 1), 0);
	static const uint8_t bad[] = { 3, 'a', 'b' };
	ck_assert_int_eq(pooldns_dname_labels(bad, sizeof bad), -1);
}
END_TEST

static Suite *dname_suite(void)
{
	Suite *s = suite_create("dname");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_from_text_basic);
	tcase_add_test(tc, test_from_text_escapes);
	tcase_add_test(tc, test_from_text_invalid);
	tcase_add_test(tc, test_from_text_limits);
	tcase_add_test(tc, test_to_text);
	tcase_add_test(tc, test_lower_equal_hash);
	tcase_add_test(tc, test_subdomain_labels);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dname_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
