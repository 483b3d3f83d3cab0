/*
 * check_cache.c — unit tests for core/source/cache.c: exact round trip of every
 * cell kind, atomic replacement (a reader holding the old file still sees
 * all of it; no temporary files left; mode 0640), and rejection of corrupt,
 * truncated, foreign and wrong-version files, of wrong column sets, and of
 * datasets that cannot be stored (non-finite reals, invalid UTF-8).
 *
 * Thread model: Check forks each test; the temporary directory is made and
 * removed by an unchecked fixture in the parent.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/source/cache.h"
#include "core/source/source.h"

/* The library's column lists: a cache written from tables with these
 * columns must read back, which ties them to the SQL select lists. */
#define pool_cols    pooldns_pool_columns
#define member_cols  pooldns_member_columns
#define NPOOL_COLS   POOLDNS_POOL_NCOLS
#define NMEMBER_COLS POOLDNS_MEMBER_NCOLS

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void setup_dir(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/pooldns-cache-XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		tmpdir[0] = '\0';
}

static void teardown_dir(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_in_tmp(char *buf, size_t sz, const char *name)
{
	ck_assert_msg(tmpdir[0] != '\0', "could not create a temporary directory");
	snprintf(buf, sz, "%s/%s", tmpdir, name);
}

/* Makes tmpdir/name for one test's files. */
static void subdir(char *buf, size_t sz, const char *name)
{
	path_in_tmp(buf, sz, name);
	ck_assert_int_eq(mkdir(buf, 0700), 0);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A dataset with every cell kind; pools get `extra` more plain rows. */
static void make_ds(struct pooldns_dataset *ds, int64_t version, size_t extra)
{
	ds->version = version;
	ds->pools = pooldns_table_new(NPOOL_COLS, pool_cols);
	ds->members = pooldns_table_new(NMEMBER_COLS, member_cols);
	ck_assert_ptr_nonnull(ds->pools);
	ck_assert_ptr_nonnull(ds->members);
	struct pooldns_cell p[NPOOL_COLS];
	for (size_t r = 0; r < 1 + extra; r++) {
		for (size_t c = 0; c < NPOOL_COLS; c++)
			p[c] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT,
						      .i = (int64_t)(r * 100 + c) };
		p[1] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = "google.com." };
		if (r == 0) {
			p[3] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT,
						      .s = "caf\xc3\xa9 \"q\" \\ \n\t" };
			p[7] = (struct pooldns_cell){ .type = POOLDNS_CELL_NULL };
			p[10] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 0.1 };
			p[11] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = -3.0 };
			p[12] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = INT64_MIN };
			p[13] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = INT64_MAX };
			p[14] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = "" };
			p[15] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 1e300 };
		}
		ck_assert_int_eq(pooldns_table_add_row(ds->pools, p), 0);
	}
	struct pooldns_cell m[NMEMBER_COLS] = {
		{ .type = POOLDNS_CELL_INT, .i = 1 },
		{ .type = POOLDNS_CELL_INT, .i = 0 },
		{ .type = POOLDNS_CELL_TEXT, .s = "2a00:1450:4001:80b::200e" },
		{ .type = POOLDNS_CELL_INT, .i = 1 },
		{ .type = POOLDNS_CELL_INT, .i = 0 },
		{ .type = POOLDNS_CELL_INT, .i = 1 },
	};
	ck_assert_int_eq(pooldns_table_add_row(ds->members, m), 0);
}

static void assert_same_table(const struct pooldns_table *a, const struct pooldns_table *b)
{
	ck_assert_uint_eq(a->ncols, b->ncols);
	ck_assert_uint_eq(a->nrows, b->nrows);
	for (size_t c = 0; c < a->ncols; c++)
		ck_assert_str_eq(a->cols[c], b->cols[c]);
	for (size_t r = 0; r < a->nrows; r++)
		for (size_t c = 0; c < a->ncols; c++) {
			const struct pooldns_cell *x = pooldns_table_cell(a, r, c);
			const struct pooldns_cell *y = pooldns_table_cell(b, r, c);
			ck_assert_msg(x->type == y->type, "row %zu col %zu: type %d vs %d", r, c,
				      x->type, y->type);
			switch (x->type) {
			case POOLDNS_CELL_INT:
				ck_assert_int_eq(x->i, y->i);
				break;
			case POOLDNS_CELL_REAL:
				ck_assert_msg(x->r == y->r, "row %zu col %zu: %.17g vs %.17g", r, c,
					      x->r, y->r);
				break;
			case POOLDNS_CELL_TEXT:
				ck_assert_str_eq(x->s, y->s);
				break;
			case POOLDNS_CELL_NULL:
				break;
			}
		}
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Reads path expecting failure whose message contains msg. */
static void expect_read_fail(const char *path, const char *msg)
{
	struct pooldns_dataset ds = { .pools = (void *)1, .members = (void *)1 };
	char err[512] = "";
	ck_assert_int_eq(pooldns_cache_read(path, &ds, err, sizeof err), -1);
	ck_assert_ptr_null(ds.pools);
	ck_assert_ptr_null(ds.members);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' does not contain '%s'", err, msg);
	char prefix[512];
	snprintf(prefix, sizeof prefix, "cache %s: ", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "error '%s' lacks the path", err);
}

START_TEST(test_round_trip)
{
	char dir[512], path[600];
	subdir(dir, sizeof dir, "rt");
	snprintf(path, sizeof path, "%s/rt.json", dir);
	struct pooldns_dataset in = { 0 }, out = { 0 };
	make_ds(&in, 1234567890123LL, 3);
	char err[512] = "";
	ck_assert_msg(pooldns_cache_write(path, &in, err, sizeof err) == 0, "write: %s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_msg(pooldns_cache_read(path, &out, err, sizeof err) == 0, "read: %s", err);
	ck_assert_int_eq(out.version, 1234567890123LL);
	assert_same_table(in.pools, out.pools);
	assert_same_table(in.members, out.members);
	pooldns_dataset_clear(&out);

	/* empty tables round-trip too */
	pooldns_dataset_clear(&in);
	in.version = -1;
	in.pools = pooldns_table_new(NPOOL_COLS, pool_cols);
	in.members = pooldns_table_new(NMEMBER_COLS, member_cols);
	ck_assert_int_eq(pooldns_cache_write(path, &in, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_cache_read(path, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, -1);
	ck_assert_uint_eq(out.pools->nrows, 0);
	ck_assert_uint_eq(out.members->ncols, NMEMBER_COLS);
	pooldns_dataset_clear(&out);
	pooldns_dataset_clear(&in);
	ck_assert_uint_eq(count_entries(dir), 1);

	/* a bare file name (current directory) works as well */
	char cwd[512];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(tmpdir), 0);
	make_ds(&in, 5, 0);
	ck_assert_msg(pooldns_cache_write("bare.json", &in, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pooldns_cache_read("bare.json", &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 5);
	ck_assert_int_eq(chdir(cwd), 0);
	pooldns_dataset_clear(&out);
	pooldns_dataset_clear(&in);
}
END_TEST

START_TEST(test_atomic_replace)
{
	char dir[512], path[600];
	subdir(dir, sizeof dir, "atomic");
	snprintf(path, sizeof path, "%s/atomic.json", dir);
	struct pooldns_dataset a = { 0 }, b = { 0 }, out = { 0 };
	make_ds(&a, 1, 200);
	make_ds(&b, 2, 0);
	char err[512] = "";
	ck_assert_int_eq(pooldns_cache_write(path, &a, err, sizeof err), 0);
	struct stat st1, st2;
	ck_assert_int_eq(stat(path, &st1), 0);
	/* a reader that opened the old file keeps a complete old file */
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pooldns_cache_write(path, &b, err, sizeof err), 0);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert(st1.st_ino != st2.st_ino);
	char *old = malloc((size_t)st1.st_size);
	ck_assert_ptr_nonnull(old);
	ck_assert_int_eq(read(fd, old, (size_t)st1.st_size), st1.st_size);
	close(fd);
	ck_assert_int_eq(pooldns_cache_parse(old, (size_t)st1.st_size, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 1);
	ck_assert_uint_eq(out.pools->nrows, 201);
	pooldns_dataset_clear(&out);
	free(old);

	ck_assert_int_eq(pooldns_cache_read(path, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 2);
	assert_same_table(b.pools, out.pools);
	pooldns_dataset_clear(&out);
	ck_assert_uint_eq(count_entries(dir), 1); /* no temporary file left */

	/* a dataset that cannot be stored leaves the old file alone */
	struct pooldns_cell *cell = &b.pools->cells[10];
	cell->r = NAN;
	ck_assert_int_eq(pooldns_cache_write(path, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not finite") != NULL, "%s", err);
	cell->r = 1.0;
	free(b.members->cells[2].s);
	b.members->cells[2].s = strdup("bad \xff utf8");
	ck_assert_int_eq(pooldns_cache_write(path, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "members: row 1 column host: text is not valid UTF-8") != NULL,
		      "%s", err);
	ck_assert_int_eq(pooldns_cache_read(path, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 2);
	pooldns_dataset_clear(&out);
	ck_assert_uint_eq(count_entries(dir), 1);

	/* unwritable places fail with a message */
	char bad[600];
	snprintf(bad, sizeof bad, "%s/no/such/dir/c.json", tmpdir);
	ck_assert_int_eq(pooldns_cache_write(bad, &a, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	struct pooldns_dataset none = { 0 };
	ck_assert_int_eq(pooldns_cache_write(path, &none, err, sizeof err), -1);
	pooldns_dataset_clear(&a);
	pooldns_dataset_clear(&b);
}
END_TEST

START_TEST(test_corrupt_and_truncated)
{
	char path[512], good[512];
	path_in_tmp(path, sizeof path, "bad.json");
	path_in_tmp(good, sizeof good, "good.json");
	write_file(path, "\x00\x01garbage", 9);
	expect_read_fail(path, "invalid JSON");
	write_file(path, "", 0);
	expect_read_fail(path, "invalid JSON");
	write_file(path, "[]", 2);
	expect_read_fail(path, "not a pooldns cache file");

	path_in_tmp(path, sizeof path, "missing.json");
	expect_read_fail(path, "No such file");
	expect_read_fail(tmpdir, "not a regular file");

	/* every truncation of a real cache file is rejected */
	struct pooldns_dataset in = { 0 }, out = { 0 };
	make_ds(&in, 9, 1);
	char err[512];
	ck_assert_int_eq(pooldns_cache_write(good, &in, err, sizeof err), 0);
	pooldns_dataset_clear(&in);
	FILE *f = fopen(good, "rb");
	ck_assert_ptr_nonnull(f);
	char buf[16384];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	ck_assert_uint_gt(len, 100);
	ck_assert_uint_lt(len, sizeof buf);
	ck_assert_int_eq(buf[len - 1], '\n');
	for (size_t n = 0; n < len - 1; n++) {
		out.pools = (void *)1;
		ck_assert_msg(pooldns_cache_parse(buf, n, &out, err, sizeof err) == -1,
			      "prefix of %zu bytes accepted", n);
		ck_assert_ptr_null(out.pools);
	}
	path_in_tmp(path, sizeof path, "trunc.json");
	write_file(path, buf, len / 2);
	expect_read_fail(path, "invalid JSON");
	ck_assert_int_eq(pooldns_cache_parse(buf, len, &out, err, sizeof err), 0);
	pooldns_dataset_clear(&out);
}
END_TEST

/* A header plus results with the real column lists and given extras. */
static void expect_parse_fail(const char *text, const char *msg)
{
	struct pooldns_dataset out = { .pools = (void *)1, .members = (void *)1 };
	char err[512] = "";
	ck_assert_int_eq(pooldns_cache_parse(text, strlen(text), &out, err, sizeof err), -1);
	ck_assert_ptr_null(out.pools);
	ck_assert_ptr_null(out.members);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' does not contain '%s'", err, msg);
}

#define POOLS_OK                                                                                   \
	"{\"columns\":[\"id\",\"name\",\"ttl\",\"policy\",\"max_answers\",\"fallback\","           \
	"\"check_type\",\"check_port\",\"check_path\",\"check_host\",\"check_expect\",\"check_"    \
	"body\","                                                                                  \
	"\"check_interval_ms\",\"check_timeout_ms\",\"check_rise\",\"check_fall\"]}"
#define MEMBERS_OK                                                                                 \
	"{\"columns\":[\"id\",\"dns_zone\",\"host\",\"weight\",\"priority\",\"enabled\"],"         \
	"\"values\":[[1,1,\"192.0.2.1\",1,0,1]]}"

START_TEST(test_header_and_columns)
{
	struct pooldns_dataset out = { 0 };
	char err[512] = "";
	const char *ok = "{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":77,"
			 "\"results\":[" POOLS_OK "," MEMBERS_OK "]}";
	ck_assert_msg(pooldns_cache_parse(ok, strlen(ok), &out, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(out.version, 77);
	ck_assert_uint_eq(out.members->nrows, 1);
	pooldns_dataset_clear(&out);

	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":2,\"data_version\":1,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "format_version 2 not supported (expected 1)");
	expect_parse_fail(
		"{\"format\":\"pooldns-cache\",\"format_version\":\"1\",\"data_version\":1,"
		"\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
		"no integer \"format_version\"");
	expect_parse_fail("{\"format\":\"other\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "not a pooldns cache file");
	expect_parse_fail("{\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "not a pooldns cache file");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "no integer \"data_version\"");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1.5,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "no integer \"data_version\"");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK "]}",
			  "results: 1 statement results, expected 2");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1}",
			  "no \"results\"");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"data_version\":2,\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "duplicate");
	/* wrong column sets: swapped, missing, extra */
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" MEMBERS_OK "," POOLS_OK "]}",
			  "results[0] (pools): column 2 is 'dns_zone', expected 'name'");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK
			  ",{\"columns\":[\"id\",\"dns_zone\",\"host\",\"weight\","
			  "\"priority\"]}]}",
			  "results[1] (members): column 6 missing (expected 'enabled')");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK
			  ",{\"columns\":[\"id\",\"dns_zone\",\"host\",\"weight\","
			  "\"priority\",\"enabled\",\"x\"]}]}",
			  "results[1] (members): 7 columns, expected 6");
	/* bad cells are reported with their JSON path */
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK
			  ",{\"columns\":[\"id\",\"dns_zone\",\"host\",\"weight\","
			  "\"priority\",\"enabled\"],\"values\":[[1,1,\"h\",1,0,true]]}]}",
			  "results[1].values[0][5]: boolean not allowed");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":1,"
			  "\"results\":[" POOLS_OK ",{\"error\":\"x\"}]}",
			  "x");
	ck_assert_int_eq(pooldns_cache_parse(NULL, 0, &out, err, sizeof err), -1);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, setup_dir, teardown_dir);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_atomic_replace);
	tcase_add_test(tc, test_corrupt_and_truncated);
	tcase_add_test(tc, test_header_and_columns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cache_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
