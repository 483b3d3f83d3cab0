/*
 * check_cache.c — unit tests for the cache file: core/source/cache.c (both
 * formats, paged reading), cache_out.c (writing format 2), and
 * core/cache_writer.c (snapshots to rows, the background writer).
 *
 * Format 1, still read (its files made by tests/unit/cachefile.c, the
 * writer pooldns had before format 2): exact round trip of every cell
 * kind, atomic replacement (a reader holding the old file still sees all
 * of it; no temporary files left; mode 0640), rejection of corrupt,
 * truncated, foreign and wrong-version files, of wrong column sets, and of
 * datasets that cannot be stored (non-finite reals, invalid UTF-8); pages
 * in id order whatever the file's order.
 * Format 2: exact round trip of every cell kind and of text that needs
 * escaping, the text of the lines, pages of 1, 2, 3, ... pools giving the
 * same rows with each member in its pool's page, rows the writer refuses
 * (leaving the old file), every truncation and damage that still parses
 * refused with a clear message, a page callback's error stopping the load,
 * write errors (/dev/full, a file size limit, non-regular targets), the
 * reader's shortcut for usual row lines and jansson behind it.
 * Snapshots: a snapshot with every column kind (checks, NULL host and body,
 * IPv6, drained members, weights and priorities, names that need escapes,
 * a pool with the most members) written and read back in pages of 1, 2, 3
 * and 1000 pools through the builder and a model transaction gives equal
 * pools (pooldns_pool_equal); a record gives back the cells a source gave.
 * Writer thread: the first write at once, about one write per interval
 * under a stream of kicks, flush and stop writing the newest data, a
 * failure logged once and its recovery once with the last good file kept,
 * nothing written before anything is published, kicks not waiting for a
 * write in progress.
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
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cache_writer.h"
#include "core/log.h"
#include "core/model/builder.h"
#include "core/model/model.h"
#include "core/model/store.h"
#include "core/source/cache.h"
#include "core/source/cache_file.h"
#include "core/source/cache_out.h"
#include "core/source/source.h"
#include "cachefile.h"
#include "testdata.h"

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
	ck_assert_int_eq(cachefile_read(path, &ds, err, sizeof err), -1);
	ck_assert_ptr_null(ds.pools);
	ck_assert_ptr_null(ds.members);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' does not contain '%s'", err, msg);
	char prefix[512];
	snprintf(prefix, sizeof prefix, "cache %s: ", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "error '%s' lacks the path", err);
}

/* Collects every page of a load into one dataset, checking the pages on
 * the way: page_pools bounds each, and stop_at makes the load fail there. */
struct collect {
	struct pooldns_dataset ds;
	size_t page_pools;
	size_t stop_at; /* page that fails; 0: none */
	size_t pages;
	size_t max_pools; /* most pool rows in one page */
};

static void collect_init(struct collect *c, size_t page_pools)
{
	memset(c, 0, sizeof *c);
	c->page_pools = page_pools;
	c->ds.pools = pooldns_table_new(NPOOL_COLS, pool_cols);
	c->ds.members = pooldns_table_new(NMEMBER_COLS, member_cols);
	ck_assert_ptr_nonnull(c->ds.pools);
	ck_assert_ptr_nonnull(c->ds.members);
}

static int collect_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	struct collect *c = ctx;
	const struct pooldns_table *from[2] = { page->pools, page->members };
	struct pooldns_table *to[2] = { c->ds.pools, c->ds.members };

	c->pages++;
	ck_assert_uint_eq(page->pools->ncols, NPOOL_COLS);
	ck_assert_uint_eq(page->members->ncols, NMEMBER_COLS);
	ck_assert_uint_gt(page->pools->nrows, 0);
	if (page->pools->nrows > c->max_pools)
		c->max_pools = page->pools->nrows;
	for (int t = 0; t < 2; t++)
		for (size_t r = 0; r < from[t]->nrows; r++)
			ck_assert_int_eq(
				pooldns_table_add_row(to[t], pooldns_table_cell(from[t], r, 0)), 0);
	if (c->pages == c->stop_at) {
		snprintf(err, errsz, "page %zu refused", c->pages);
		return -1;
	}
	return 0;
}

/* pooldns_cache_load_buf() into one dataset, which is left empty (NULL
 * tables) on failure. */
static int parse_buf(const char *buf, size_t len, struct pooldns_dataset *out, char *err,
		     size_t errsz)
{
	struct collect c;
	int64_t version = 0;

	collect_init(&c, SIZE_MAX);
	int rc = pooldns_cache_load_buf(buf, len, SIZE_MAX, collect_page, &c, &version, err, errsz);
	if (rc != 0) {
		pooldns_dataset_clear(&c.ds);
		*out = c.ds;
		return rc;
	}
	c.ds.version = version;
	*out = c.ds;
	return 0;
}

START_TEST(test_round_trip)
{
	char dir[512], path[600];
	subdir(dir, sizeof dir, "rt");
	snprintf(path, sizeof path, "%s/rt.json", dir);
	struct pooldns_dataset in = { 0 }, out = { 0 };
	make_ds(&in, 1234567890123LL, 3);
	char err[512] = "";
	ck_assert_msg(cachefile_write_v1(path, &in, err, sizeof err) == 0, "write: %s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_msg(cachefile_read(path, &out, err, sizeof err) == 0, "read: %s", err);
	ck_assert_int_eq(out.version, 1234567890123LL);
	assert_same_table(in.pools, out.pools);
	assert_same_table(in.members, out.members);
	pooldns_dataset_clear(&out);

	/* empty tables round-trip too */
	pooldns_dataset_clear(&in);
	in.version = -1;
	in.pools = pooldns_table_new(NPOOL_COLS, pool_cols);
	in.members = pooldns_table_new(NMEMBER_COLS, member_cols);
	ck_assert_int_eq(cachefile_write_v1(path, &in, err, sizeof err), 0);
	ck_assert_int_eq(cachefile_read(path, &out, err, sizeof err), 0);
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
	ck_assert_msg(cachefile_write_v1("bare.json", &in, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(cachefile_read("bare.json", &out, err, sizeof err), 0);
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
	ck_assert_int_eq(cachefile_write_v1(path, &a, err, sizeof err), 0);
	struct stat st1, st2;
	ck_assert_int_eq(stat(path, &st1), 0);
	/* a reader that opened the old file keeps a complete old file */
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(cachefile_write_v1(path, &b, err, sizeof err), 0);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert(st1.st_ino != st2.st_ino);
	char *old = malloc((size_t)st1.st_size);
	ck_assert_ptr_nonnull(old);
	ck_assert_int_eq(read(fd, old, (size_t)st1.st_size), st1.st_size);
	close(fd);
	ck_assert_int_eq(parse_buf(old, (size_t)st1.st_size, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 1);
	ck_assert_uint_eq(out.pools->nrows, 201);
	pooldns_dataset_clear(&out);
	free(old);

	ck_assert_int_eq(cachefile_read(path, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 2);
	assert_same_table(b.pools, out.pools);
	pooldns_dataset_clear(&out);
	ck_assert_uint_eq(count_entries(dir), 1); /* no temporary file left */

	/* a dataset that cannot be stored leaves the old file alone */
	struct pooldns_cell *cell = &b.pools->cells[10];
	cell->r = NAN;
	ck_assert_int_eq(cachefile_write_v1(path, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not finite") != NULL, "%s", err);
	cell->r = 1.0;
	free(b.members->cells[2].s);
	b.members->cells[2].s = strdup("bad \xff utf8");
	ck_assert_int_eq(cachefile_write_v1(path, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "members: row 1 column host: text is not valid UTF-8") != NULL,
		      "%s", err);
	ck_assert_int_eq(cachefile_read(path, &out, err, sizeof err), 0);
	ck_assert_int_eq(out.version, 2);
	pooldns_dataset_clear(&out);
	ck_assert_uint_eq(count_entries(dir), 1);

	/* unwritable places fail with a message */
	char bad[600];
	snprintf(bad, sizeof bad, "%s/no/such/dir/c.json", tmpdir);
	ck_assert_int_eq(cachefile_write_v1(bad, &a, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	struct pooldns_dataset none = { 0 };
	ck_assert_int_eq(cachefile_write_v1(path, &none, err, sizeof err), -1);
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
	ck_assert_int_eq(cachefile_write_v1(good, &in, err, sizeof err), 0);
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
		ck_assert_msg(parse_buf(buf, n, &out, err, sizeof err) == -1,
			      "prefix of %zu bytes accepted", n);
		ck_assert_ptr_null(out.pools);
	}
	path_in_tmp(path, sizeof path, "trunc.json");
	write_file(path, buf, len / 2);
	expect_read_fail(path, "invalid JSON");
	ck_assert_int_eq(parse_buf(buf, len, &out, err, sizeof err), 0);
	pooldns_dataset_clear(&out);
}
END_TEST

/* A header plus results with the real column lists and given extras. */
static void expect_parse_fail(const char *text, const char *msg)
{
	struct pooldns_dataset out = { .pools = (void *)1, .members = (void *)1 };
	char err[512] = "";
	ck_assert_int_eq(parse_buf(text, strlen(text), &out, err, sizeof err), -1);
	ck_assert_ptr_null(out.pools);
	ck_assert_ptr_null(out.members);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' does not contain '%s'", err, msg);
}

#define POOLS_OK                                                                                   \
	"{\"columns\":[\"id\",\"name\",\"ttl\",\"policy\",\"max_answers\",\"fallback\","           \
	"\"check_type\",\"check_port\",\"check_path\",\"check_host\",\"check_expect\",\"check_"    \
	"body\","                                                                                  \
	"\"check_interval_ms\",\"check_timeout_ms\",\"check_rise\",\"check_fall\"]}"
/* The same with one row (member rows reach the caller with their pool). */
#define POOLS_ONE                                                                                  \
	"{\"columns\":[\"id\",\"name\",\"ttl\",\"policy\",\"max_answers\",\"fallback\","           \
	"\"check_type\",\"check_port\",\"check_path\",\"check_host\",\"check_expect\",\"check_"    \
	"body\","                                                                                  \
	"\"check_interval_ms\",\"check_timeout_ms\",\"check_rise\",\"check_fall\"],"               \
	"\"values\":[[1,\"a.test.\",30,\"round_robin\",8,\"all\",\"none\",null,\"/\",null,200,"    \
	"null,5000,2000,2,3]]}"
#define MEMBERS_OK                                                                                 \
	"{\"columns\":[\"id\",\"dns_zone\",\"host\",\"weight\",\"priority\",\"enabled\"],"         \
	"\"values\":[[1,1,\"192.0.2.1\",1,0,1]]}"

START_TEST(test_header_and_columns)
{
	struct pooldns_dataset out = { 0 };
	char err[512] = "";
	const char *ok = "{\"format\":\"pooldns-cache\",\"format_version\":1,\"data_version\":77,"
			 "\"results\":[" POOLS_ONE "," MEMBERS_OK "]}";
	ck_assert_msg(parse_buf(ok, strlen(ok), &out, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(out.version, 77);
	ck_assert_uint_eq(out.pools->nrows, 1);
	ck_assert_uint_eq(out.members->nrows, 1);
	pooldns_dataset_clear(&out);
	/* without a pool row, no page: member rows alone are nothing to load */
	const char *nopools = "{\"format\":\"pooldns-cache\",\"format_version\":1,"
			      "\"data_version\":78,\"results\":[" POOLS_OK "," MEMBERS_OK "]}";
	ck_assert_msg(parse_buf(nopools, strlen(nopools), &out, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(out.version, 78);
	ck_assert_uint_eq(out.members->nrows, 0);
	pooldns_dataset_clear(&out);

	/* a format 1 document that claims format 2 is a format 2 header */
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":2,\"data_version\":1,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "line 1: unknown header key \"data_version\"");
	expect_parse_fail("{\"format\":\"pooldns-cache\",\"format_version\":3,\"data_version\":1,"
			  "\"results\":[" POOLS_OK "," MEMBERS_OK "]}",
			  "format_version 3 not supported (expected 1 or 2)");
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
	ck_assert_int_eq(parse_buf(NULL, 0, &out, err, sizeof err), -1);
}
END_TEST

/* ---- format 2 ---- */

/* Cells of pool row r for the format 2 tests: every cell kind, and text
 * that needs escaping. Ids are 10, 20, 30, ... */
static void v2_pool_cells(struct pooldns_cell p[NPOOL_COLS], size_t r)
{
	static char name[32];
	for (size_t c = 0; c < NPOOL_COLS; c++)
		p[c] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT,
					      .i = (int64_t)(r * 100 + c) };
	snprintf(name, sizeof name, "p%zu.test.", r);
	p[0] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = (int64_t)(r + 1) * 10 };
	p[1] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = name };
	if (r % 3 == 0) {
		p[3] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT,
					      .s = "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ \n\t\r"
						   "\x01\x1f\x7f/" };
		p[7] = (struct pooldns_cell){ .type = POOLDNS_CELL_NULL };
		p[10] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 0.1 };
		p[11] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = -3.0 };
		p[12] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = INT64_MIN };
		p[13] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = INT64_MAX };
		p[14] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = "" };
		p[15] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 1e300 };
	} else if (r % 3 == 1) {
		p[10] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 5e-324 };
		p[11] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = -0.0 };
		p[12] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 123456789012345.0 };
		p[13] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = 1.0 / 3 };
	}
}

/* Member k of pool row r: r % 4 members. */
static void v2_member_cells(struct pooldns_cell m[NMEMBER_COLS], size_t r, size_t k)
{
	static char host[48];
	snprintf(host, sizeof host, k % 2 ? "2001:db8::%zx" : "192.0.2.%zu", k + 1);
	m[0] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = (int64_t)(r * 10 + k) };
	m[1] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = (int64_t)(r + 1) * 10 };
	m[2] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = host };
	m[3] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = (int64_t)k + 1 };
	m[4] = k == 3 ? (struct pooldns_cell){ .type = POOLDNS_CELL_NULL }
		      : (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = (int64_t)k };
	m[5] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = k != 2 };
}

/* The rows the format 2 tests write: npools pools, r % 4 members each. */
static void v2_expected(struct pooldns_dataset *ds, size_t npools, int64_t version)
{
	struct pooldns_cell p[NPOOL_COLS], m[NMEMBER_COLS];
	ds->version = version;
	ds->pools = pooldns_table_new(NPOOL_COLS, pool_cols);
	ds->members = pooldns_table_new(NMEMBER_COLS, member_cols);
	ck_assert_ptr_nonnull(ds->pools);
	ck_assert_ptr_nonnull(ds->members);
	for (size_t r = 0; r < npools; r++) {
		v2_pool_cells(p, r);
		ck_assert_int_eq(pooldns_table_add_row(ds->pools, p), 0);
		for (size_t k = 0; k < r % 4; k++) {
			v2_member_cells(m, r, k);
			ck_assert_int_eq(pooldns_table_add_row(ds->members, m), 0);
		}
	}
}

/* Writes those rows through w and commits. */
static int v2_write(struct pooldns_cache_out *w, size_t npools, int64_t version, char *err,
		    size_t errsz)
{
	struct pooldns_cell p[NPOOL_COLS], m[NMEMBER_COLS];
	for (size_t r = 0; r < npools; r++) {
		v2_pool_cells(p, r);
		if (pooldns_cache_out_pool(w, p, err, errsz) != 0) {
			pooldns_cache_out_abort(w);
			return -1;
		}
		for (size_t k = 0; k < r % 4; k++) {
			v2_member_cells(m, r, k);
			if (pooldns_cache_out_member(w, m, err, errsz) != 0) {
				pooldns_cache_out_abort(w);
				return -1;
			}
		}
	}
	return pooldns_cache_out_commit(w, version, err, errsz);
}

static int v2_write_file(const char *path, size_t npools, int64_t version, char *err, size_t errsz)
{
	struct pooldns_cache_out *w = pooldns_cache_out_open(path, err, errsz);
	if (w == NULL)
		return -1;
	return v2_write(w, npools, version, err, errsz);
}

/* A format 2 file in memory (caller frees *buf). */
static void v2_mem(char **buf, size_t *len, size_t npools, int64_t version)
{
	char err[512] = "";
	FILE *f = open_memstream(buf, len);
	ck_assert_ptr_nonnull(f);
	struct pooldns_cache_out *w = pooldns_cache_out_open_stream(f, "mem", err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_msg(v2_write(w, npools, version, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(fclose(f), 0);
}

static void load_file_all(const char *path, size_t page_pools, struct collect *c)
{
	char err[512] = "";
	int64_t version = -7;
	collect_init(c, page_pools);
	ck_assert_msg(pooldns_cache_load(path, page_pools, collect_page, c, &version, err,
					 sizeof err) == 0,
		      "%s", err);
	c->ds.version = version;
	ck_assert_uint_le(c->max_pools, page_pools);
}

START_TEST(test_v2_round_trip)
{
	char dir[512], path[600], err[512] = "";
	subdir(dir, sizeof dir, "v2rt");
	snprintf(path, sizeof path, "%s/cache", dir);
	struct pooldns_dataset want = { 0 };
	v2_expected(&want, 12, 1234567890123LL);
	ck_assert_msg(v2_write_file(path, 12, 1234567890123LL, err, sizeof err) == 0, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_uint_eq(count_entries(dir), 1);

	struct collect c;
	load_file_all(path, SIZE_MAX, &c);
	ck_assert_int_eq(c.ds.version, 1234567890123LL);
	assert_same_table(want.pools, c.ds.pools);
	assert_same_table(want.members, c.ds.members);
	pooldns_dataset_clear(&c.ds);

	/* the same bytes through a stream, and the text is what cache.c says */
	char *buf;
	size_t len;
	v2_mem(&buf, &len, 12, 1234567890123LL);
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *disk = malloc(len + 1);
	ck_assert_uint_eq(fread(disk, 1, len + 1, f), len);
	fclose(f);
	ck_assert(memcmp(disk, buf, len) == 0);
	free(disk);
	const char *head = "{\"format\":\"pooldns-cache\",\"format_version\":2,\"pool_columns\":"
			   "[\"id\",\"name\",\"ttl\",";
	ck_assert(strncmp(buf, head, strlen(head)) == 0);
	ck_assert_ptr_nonnull(strstr(buf,
				     "\n[\"p\",10,\"p0.test.\",2,\"caf\xc3\xa9 \xf0\x9f\x98\x80 "
				     "\\\"q\\\" \\\\ \\n\\t\\u000d\\u0001\\u001f\x7f/\","));
	ck_assert_ptr_nonnull(strstr(buf, ",0.10000000000000001,-3.0,-9223372036854775808,"
					  "9223372036854775807,\"\",1.0000000000000001e+300]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\n[\"m\",31,40,\"2001:db8::2\",2,1,1]\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\n{\"data_version\":1234567890123,\"pools\":12,"
					  "\"members\":18,\"fnv1a64\":\""));
	ck_assert_int_eq(buf[len - 1], '\n');
	free(buf);

	/* an empty data set */
	ck_assert_msg(v2_write_file(path, 0, -1, err, sizeof err) == 0, "%s", err);
	load_file_all(path, 1, &c);
	ck_assert_int_eq(c.ds.version, -1);
	ck_assert_uint_eq(c.pages, 0);
	pooldns_dataset_clear(&c.ds);
	pooldns_dataset_clear(&want);

	/* the compatibility reader takes format 2 as well */
	struct pooldns_dataset out = { 0 };
	ck_assert_int_eq(v2_write_file(path, 5, 8, err, sizeof err), 0);
	ck_assert_msg(cachefile_read(path, &out, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(out.version, 8);
	ck_assert_uint_eq(out.pools->nrows, 5);
	ck_assert_uint_eq(out.members->nrows, 0 + 1 + 2 + 3 + 0);
	pooldns_dataset_clear(&out);
	ck_assert_uint_eq(count_entries(dir), 1);
}
END_TEST

START_TEST(test_v2_pages)
{
	char path[512];
	path_in_tmp(path, sizeof path, "pages.v2");
	char err[512] = "";
	struct pooldns_dataset want = { 0 };
	v2_expected(&want, 23, 99);
	ck_assert_msg(v2_write_file(path, 23, 99, err, sizeof err) == 0, "%s", err);
	const size_t sizes[] = { 1, 2, 3, 22, 23, 1000, SIZE_MAX };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct collect c;
		load_file_all(path, sizes[i], &c);
		size_t pages = sizes[i] >= 23 ? 1 : (23 + sizes[i] - 1) / sizes[i];
		ck_assert_uint_eq(c.pages, pages);
		ck_assert_int_eq(c.ds.version, 99);
		assert_same_table(want.pools, c.ds.pools);
		assert_same_table(want.members, c.ds.members);
		pooldns_dataset_clear(&c.ds);
	}
	pooldns_dataset_clear(&want);

	/* a page size of 0 is refused */
	char *buf;
	size_t len;
	v2_mem(&buf, &len, 23, 99);
	struct collect c;
	collect_init(&c, 2);
	int64_t v;
	ck_assert_int_eq(pooldns_cache_load_buf(buf, len, 0, collect_page, &c, &v, err, sizeof err),
			 -1);
	ck_assert_str_eq(err, "page size 0");
	pooldns_dataset_clear(&c.ds);
	free(buf);
}
END_TEST

/* Checks one page: each member's dns_zone is one of the page's pool ids. */
static int members_in_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	size_t *pages = ctx;
	(*pages)++;
	for (size_t r = 0; r < page->members->nrows; r++) {
		int64_t zone = pooldns_table_cell(page->members, r, 1)->i;
		bool found = false;
		for (size_t p = 0; p < page->pools->nrows; p++)
			found |= pooldns_table_cell(page->pools, p, 0)->i == zone;
		ck_assert_msg(found, "member of pool %lld in another page", (long long)zone);
	}
	return 0;
}

START_TEST(test_v2_page_members)
{
	char *buf, err[512] = "";
	size_t len, pages = 0;
	int64_t v = 0;
	v2_mem(&buf, &len, 40, 3);
	for (size_t pp = 1; pp <= 7; pp++)
		ck_assert_msg(pooldns_cache_load_buf(buf, len, pp, members_in_page, &pages, &v, err,
						     sizeof err) == 0,
			      "%s", err);
	ck_assert_int_eq(v, 3);
	free(buf);
}
END_TEST

START_TEST(test_v2_writer_refuses)
{
	char dir[512], path[600], err[512];
	subdir(dir, sizeof dir, "refuse");
	snprintf(path, sizeof path, "%s/cache", dir);
	ck_assert_int_eq(v2_write_file(path, 3, 1, err, sizeof err), 0);
	struct pooldns_cell p[NPOOL_COLS], m[NMEMBER_COLS];

	/* Each case: one bad call, then commit fails and the old file stays. */
	for (int k = 0; k < 9; k++) {
		struct pooldns_cache_out *w = pooldns_cache_out_open(path, err, sizeof err);
		ck_assert_ptr_nonnull(w);
		ck_assert_uint_eq(count_entries(dir), 2);
		v2_pool_cells(p, 1);
		v2_member_cells(m, 1, 0);
		const char *want = NULL;
		int rc = 0;
		char *big = NULL;
		switch (k) {
		case 0:
			p[0] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = "7" };
			want = "pool row 1: id is not an integer";
			rc = pooldns_cache_out_pool(w, p, err, sizeof err);
			break;
		case 1:
			ck_assert_int_eq(pooldns_cache_out_pool(w, p, err, sizeof err), 0);
			want = "pool id 20 after pool id 20: ids must ascend";
			rc = pooldns_cache_out_pool(w, p, err, sizeof err);
			break;
		case 2:
			want = "member id 10: dns_zone is not the id of the pool row before it";
			rc = pooldns_cache_out_member(w, m, err, sizeof err);
			break;
		case 3:
			ck_assert_int_eq(pooldns_cache_out_pool(w, p, err, sizeof err), 0);
			m[1].i = 30;
			want = "member id 10: dns_zone is not the id";
			rc = pooldns_cache_out_member(w, m, err, sizeof err);
			break;
		case 4:
			p[10] = (struct pooldns_cell){ .type = POOLDNS_CELL_REAL, .r = NAN };
			want = "pool id 20: column check_expect: real is not finite";
			rc = pooldns_cache_out_pool(w, p, err, sizeof err);
			break;
		case 5:
			ck_assert_int_eq(pooldns_cache_out_pool(w, p, err, sizeof err), 0);
			m[2].s = "bad \xff utf8";
			want = "member id 10: column host: text is not valid UTF-8";
			rc = pooldns_cache_out_member(w, m, err, sizeof err);
			break;
		case 6:
			/* an overlong form */
			p[11] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = "\xc0\xaf" };
			want = "pool id 20: column check_body: text is not valid UTF-8";
			rc = pooldns_cache_out_pool(w, p, err, sizeof err);
			break;
		case 7:
			big = malloc(POOLDNS_CACHE_MAX_LINE);
			ck_assert_ptr_nonnull(big);
			memset(big, 'a', POOLDNS_CACHE_MAX_LINE - 1);
			big[POOLDNS_CACHE_MAX_LINE - 1] = '\0';
			p[11] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = big };
			want = "pool id 20: line longer than 1048576 bytes";
			rc = pooldns_cache_out_pool(w, p, err, sizeof err);
			free(big);
			break;
		case 8:
			ck_assert_int_eq(pooldns_cache_out_pool(w, p, err, sizeof err), 0);
			for (int i = 0; i < POOLDNS_CACHE_MAX_MEMBERS_PER_POOL && rc == 0; i++)
				rc = pooldns_cache_out_member(w, m, err, sizeof err);
			ck_assert_msg(rc == 0, "%s", err);
			want = "pool id 20: more than 65536 member rows";
			rc = pooldns_cache_out_member(w, m, err, sizeof err);
			break;
		}
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, want) != NULL, "case %d: '%s' lacks '%s'", k, err, want);
		ck_assert_int_eq(pooldns_cache_out_pool(w, p, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "an earlier row failed") != NULL, "%s", err);
		ck_assert_int_eq(pooldns_cache_out_commit(w, 2, err, sizeof err), -1);
		ck_assert_uint_eq(count_entries(dir), 1);
		struct collect c;
		load_file_all(path, SIZE_MAX, &c);
		ck_assert_int_eq(c.ds.version, 1);
		pooldns_dataset_clear(&c.ds);
	}
	/* half of a surrogate pair, a sequence cut short, past U+10FFFF */
	const char *bad_utf8[] = { "\xed\xa0\x80", "a\xe2\x82", "\xf4\x90\x80\x80", "\xf8" };
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		struct pooldns_cache_out *w = pooldns_cache_out_open(path, err, sizeof err);
		ck_assert_ptr_nonnull(w);
		v2_pool_cells(p, 1);
		p[11] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT,
					       .s = (char *)bad_utf8[i] };
		ck_assert_int_eq(pooldns_cache_out_pool(w, p, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "not valid UTF-8") != NULL, "%s", err);
		pooldns_cache_out_abort(w);
	}
	pooldns_cache_out_abort(NULL);
	ck_assert_uint_eq(count_entries(dir), 1);
}
END_TEST

/* FNV-1a 64, as the end line carries it. */
static uint64_t fnv(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define V2_HEAD                                                                                    \
	"{\"format\":\"pooldns-cache\",\"format_version\":2,\"pool_columns\":[\"id\",\"name\","    \
	"\"ttl\",\"policy\",\"max_answers\",\"fallback\",\"check_type\",\"check_port\","           \
	"\"check_path\",\"check_host\",\"check_expect\",\"check_body\",\"check_interval_ms\","     \
	"\"check_timeout_ms\",\"check_rise\",\"check_fall\"],\"member_columns\":[\"id\","          \
	"\"dns_zone\",\"host\",\"weight\",\"priority\",\"enabled\"]}\n"
#define V2_POOL(id)                                                                                \
	"[\"p\"," #id ",\"a" #id ".test.\",30,\"round_robin\",8,\"all\",\"none\",null,\"/\","      \
	"null,200,null,5000,2000,2,3]\n"
#define V2_MEMBER(id, zone) "[\"m\"," #id "," #zone ",\"192.0.2.1\",1,0,1]\n"

/* head + body with a correct end line for npools and nmembers (caller
 * frees). */
static char *v2_text(const char *head, const char *body, long npools, long nmembers)
{
	size_t hl = strlen(head), bl = strlen(body);
	uint64_t h = fnv(body, bl, fnv(head, hl, 0xcbf29ce484222325ULL));
	char *t = malloc(hl + bl + 200);
	ck_assert_ptr_nonnull(t);
	snprintf(t, hl + bl + 200,
		 "%s%s{\"data_version\":5,\"pools\":%ld,\"members\":%ld,\"fnv1a64\":\"%016llx\"}\n",
		 head, body, npools, nmembers, (unsigned long long)h);
	return t;
}

static void expect_v2_fail(const char *text, size_t len, const char *msg)
{
	struct collect c;
	char err[512] = "";
	int64_t v = 0;
	collect_init(&c, 1);
	ck_assert_int_eq(
		pooldns_cache_load_buf(text, len, 1, collect_page, &c, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, msg) != NULL, "error '%s' does not contain '%s'", err, msg);
	ck_assert_int_eq(v, 0);
	pooldns_dataset_clear(&c.ds);
}

static void expect_v2_text_fail(const char *head, const char *body, long np, long nm,
				const char *msg)
{
	char *t = v2_text(head, body, np, nm);
	expect_v2_fail(t, strlen(t), msg);
	free(t);
}

START_TEST(test_v2_corrupt)
{
	char *buf, err[512] = "";
	size_t len;
	int64_t v = 0;
	v2_mem(&buf, &len, 6, 77);

	/* every truncation, at a line boundary or not, is refused */
	for (size_t n = 0; n < len; n++) {
		struct collect c;
		collect_init(&c, 2);
		ck_assert_msg(pooldns_cache_load_buf(buf, n, 2, collect_page, &c, &v, err,
						     sizeof err) == -1,
			      "prefix of %zu bytes accepted", n);
		pooldns_dataset_clear(&c.ds);
	}
	/* truncated right after a line: no end line */
	char *last = strstr(buf, "[\"p\",60,");
	ck_assert_ptr_nonnull(last);
	expect_v2_fail(buf, (size_t)(last - buf), "after line 12: no end line (truncated file?)");
	expect_v2_fail(buf, (size_t)(last - buf) + 5, "line 13: no newline at its end");

	/* damage that still parses */
	char *copy = malloc(len);
	memcpy(copy, buf, len);
	char *m = strstr(copy, "[\"m\",30,40,\"192.0.2.1\",1,0,1]");
	ck_assert_ptr_nonnull(m);
	m[strlen("[\"m\",30,40,\"192.0.2.1\",")] = '7';
	expect_v2_fail(copy, len, "line 15: checksum mismatch (the file is damaged)");
	free(copy);
	/* CRLF line ends (a copy through a text-mode tool) change the sum */
	char *crlf = malloc(2 * len), *o = crlf;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			*o++ = '\r';
		*o++ = buf[i];
	}
	expect_v2_fail(crlf, (size_t)(o - crlf), "checksum mismatch");
	free(crlf);

	/* after the end line: nothing */
	char *more = malloc(len + 8);
	memcpy(more, buf, len);
	memcpy(more + len, "\n", 1);
	expect_v2_fail(more, len + 1, "line 16: data after the end line");
	memcpy(more + len, "x", 1);
	expect_v2_fail(more, len + 1, "line 16: data after the end line");
	memcpy(more + len, "[\"p\"]\n", 6);
	expect_v2_fail(more, len + 6, "line 16: data after the end line");
	free(more);

	/* garbage as a row */
	expect_v2_text_fail(V2_HEAD, "garbage\n", 0, 0, "line 2: invalid JSON at column");
	expect_v2_text_fail(V2_HEAD, "7\n", 0, 0, "line 2: invalid JSON");
	expect_v2_text_fail(V2_HEAD, "[\"x\",1]\n", 0, 0,
			    "line 2: not a row (the first value must be \"p\" or \"m\")");
	expect_v2_text_fail(V2_HEAD, "[]\n", 0, 0, "line 2: not a row");
	expect_v2_text_fail(V2_HEAD, "[\"p\",1,\"a.test.\"]\n", 1, 0,
			    "line 2: pool row with 2 cells, expected 16");
	expect_v2_text_fail(V2_HEAD, V2_POOL(1) "[\"m\",1,1,\"192.0.2.1\",1,0,true]\n", 1, 1,
			    "line 3: member column enabled: boolean not allowed");
	expect_v2_text_fail(V2_HEAD, V2_POOL(1) "[\"m\",1,1,[\"192.0.2.1\"],1,0,1]\n", 1, 1,
			    "line 3: member column host: array not allowed");
	expect_v2_text_fail(V2_HEAD,
			    "[\"p\",\"1\",\"a.test.\",30,\"round_robin\",8,\"all\",\"none\",null,"
			    "\"/\",null,200,null,5000,2000,2,3]\n",
			    1, 0, "line 2: pool id is not an integer");
	expect_v2_text_fail(V2_HEAD, V2_POOL(2) V2_POOL(1), 2, 0,
			    "line 3: pool id 1 after pool id 2 (ids must ascend)");
	expect_v2_text_fail(V2_HEAD, V2_POOL(2) V2_POOL(2), 2, 0,
			    "line 3: pool id 2 after pool id 2");
	expect_v2_text_fail(V2_HEAD, V2_MEMBER(1, 1), 0, 1,
			    "line 2: member row before any pool row");
	expect_v2_text_fail(V2_HEAD, V2_POOL(1) V2_POOL(2) V2_MEMBER(1, 1), 2, 1,
			    "line 4: member dns_zone is not 2, the id of the pool row before it");
	expect_v2_text_fail(V2_HEAD, V2_POOL(1) "[\"m\",1,1.0,\"192.0.2.1\",1,0,1]\n", 1, 1,
			    "line 3: member dns_zone is not 1");
	expect_v2_text_fail(V2_HEAD, V2_POOL(1) "{\"data_version\":5}\n", 1, 0,
			    "line 3: the end line needs integer");
	expect_v2_text_fail(V2_HEAD, V2_POOL(1) V2_MEMBER(1, 1), 1, 2,
			    "line 4: the end line counts 1 pools and 2 members, the file has 1 "
			    "and 1");
	/* the end line's own keys */
	const char *end_x = V2_HEAD "{\"data_version\":5,\"pools\":0,\"members\":0,"
				    "\"fnv1a64\":\"0\",\"x\":1}\n";
	expect_v2_fail(end_x, strlen(end_x), "line 2: unknown end line key \"x\"");
	const char *end_sum = V2_HEAD "{\"data_version\":5,\"pools\":0,\"members\":0,"
				      "\"fnv1a64\":\"0\"}\n";
	expect_v2_fail(end_sum, strlen(end_sum), "line 2: checksum mismatch");

	/* the header */
	expect_v2_text_fail("{\"format\":\"pooldns-cache\",\"format_version\":2}\n", "", 0, 0,
			    "line 1: \"pool_columns\": missing or not an array");
	expect_v2_text_fail(
		"{\"format\":\"pooldns-cache\",\"format_version\":2,\"x\":1,\"pool_columns\":[]}\n",
		"", 0, 0, "line 1: unknown header key \"x\"");
	expect_v2_text_fail("{\"format\":\"pooldns-cache\",\"format_version\":2,\"pool_columns\":"
			    "[\"id\",\"ttl\"],\"member_columns\":[]}\n",
			    "", 0, 0,
			    "line 1: \"pool_columns\": column 2 is 'ttl', expected 'name'");
	expect_v2_text_fail("{\"format\":\"pooldns-cache\",\"format_version\":2,\"pool_columns\":"
			    "[\"id\",1],\"member_columns\":[]}\n",
			    "", 0, 0, "line 1: \"pool_columns\": column 2 is not a string");
	{
		/* one column too many, and one too few */
		char head[2048];
		snprintf(head, sizeof head, "%.*s,\"x\"]}\n", (int)strlen(V2_HEAD) - 3, V2_HEAD);
		expect_v2_text_fail(head, "", 0, 0,
				    "line 1: \"member_columns\": 7 columns, "
				    "expected 6");
		snprintf(head, sizeof head, "%.*s]}\n", (int)strlen(V2_HEAD) - 13, V2_HEAD);
		expect_v2_text_fail(head, "", 0, 0,
				    "line 1: \"member_columns\": column 6 missing (expected "
				    "'enabled')");
	}
	expect_v2_text_fail("{\"format\":\"pooldns-cache\",\"format_version\":3,\"pool_columns\":"
			    "[]}\n",
			    "", 0, 0, "format_version 3 not supported (expected 1 or 2)");

	/* lines past the limit, in any position */
	size_t big = POOLDNS_CACHE_MAX_LINE + 10;
	char *huge = malloc(strlen(V2_HEAD) + big + 2);
	strcpy(huge, V2_HEAD);
	memset(huge + strlen(V2_HEAD), ' ', big);
	huge[strlen(V2_HEAD) + big] = '\n';
	expect_v2_fail(huge, strlen(V2_HEAD) + big + 1, "line 2: longer than 1048576 bytes");
	free(huge);
	/* at most POOLDNS_CACHE_MAX_MEMBERS_PER_POOL members per pool */
	size_t nm = POOLDNS_CACHE_MAX_MEMBERS_PER_POOL + 1;
	char *body = malloc(nm * 40 + 200), *at = body;
	at += sprintf(at, "%s", V2_POOL(1));
	for (size_t i = 0; i < nm; i++)
		at += sprintf(at, "[\"m\",%zu,1,\"192.0.2.1\",1,0,1]\n", i);
	expect_v2_text_fail(V2_HEAD, body, 1, (long)nm,
			    "line 65539: pool id 1 has more than 65536 member rows");
	free(body);

	/* and the good file still reads, in any page size */
	for (size_t pp = 1; pp < 8; pp++) {
		struct collect c;
		collect_init(&c, pp);
		ck_assert_msg(pooldns_cache_load_buf(buf, len, pp, collect_page, &c, &v, err,
						     sizeof err) == 0,
			      "%s", err);
		ck_assert_int_eq(v, 77);
		pooldns_dataset_clear(&c.ds);
	}
	free(buf);
}
END_TEST

static int refuse_quietly(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	return -1;
}

START_TEST(test_callback_error)
{
	char path[512], v1[512], err[512] = "";
	path_in_tmp(path, sizeof path, "cb.v2");
	path_in_tmp(v1, sizeof v1, "cb.v1");
	ck_assert_int_eq(v2_write_file(path, 10, 4, err, sizeof err), 0);
	struct pooldns_dataset ds = { 0 };
	v2_expected(&ds, 10, 4);
	ck_assert_int_eq(cachefile_write_v1(v1, &ds, err, sizeof err), 0);
	pooldns_dataset_clear(&ds);

	const char *files[] = { path, v1 };
	for (int f = 0; f < 2; f++)
		for (size_t stop = 1; stop <= 3; stop++) {
			struct collect c;
			int64_t v = -5;
			collect_init(&c, 3);
			c.stop_at = stop;
			ck_assert_int_eq(pooldns_cache_load(files[f], 3, collect_page, &c, &v, err,
							    sizeof err),
					 -1);
			char want[600];
			snprintf(want, sizeof want, "cache %s: page %zu refused", files[f], stop);
			ck_assert_str_eq(err, want);
			ck_assert_uint_eq(c.pages, stop); /* no page after the refused one */
			ck_assert_int_eq(v, -5);          /* no version either */
			pooldns_dataset_clear(&c.ds);
		}
	/* a callback that says nothing still stops the load with a message */
	int64_t v;
	for (int f = 0; f < 2; f++) {
		ck_assert_int_eq(
			pooldns_cache_load(files[f], 3, refuse_quietly, NULL, &v, err, sizeof err),
			-1);
		char want[600];
		snprintf(want, sizeof want, "cache %s: stopped", files[f]);
		ck_assert_str_eq(err, want);
	}
}
END_TEST

/* Writes a header and pools to a stream, then commits: returns commit's
 * result (or -1 from the first failing row) with the message. */
static int write_stream(FILE *f, size_t npools, char *err, size_t errsz)
{
	struct pooldns_cache_out *w = pooldns_cache_out_open_stream(f, "/dev/full", err, errsz);
	if (w == NULL)
		return -1;
	return v2_write(w, npools, 1, err, errsz);
}

START_TEST(test_write_errors)
{
	char dir[512], path[600], err[512] = "";
	subdir(dir, sizeof dir, "errors");
	snprintf(path, sizeof path, "%s/cache", dir);
	ck_assert_int_eq(v2_write_file(path, 4, 11, err, sizeof err), 0);

	/* a full disk: when the buffer is flushed at commit, or mid-way */
	FILE *full = fopen("/dev/full", "w");
	if (full != NULL) {
		ck_assert_int_eq(write_stream(full, 2, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "No space left on device") != NULL, "%s", err);
		clearerr(full);
		ck_assert_int_eq(write_stream(full, 20000, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "No space left on device") != NULL, "%s", err);
		fclose(full);
	}

	/* never replaces anything but a regular file */
	struct stat st;
	ck_assert_ptr_null(pooldns_cache_out_open("/dev/null", err, sizeof err));
	ck_assert_str_eq(err, "cache /dev/null: not a regular file");
	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_ptr_null(pooldns_cache_out_open(dir, err, sizeof err));
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	char bad[700];
	snprintf(bad, sizeof bad, "%s/no/such/dir/c", tmpdir);
	ck_assert_ptr_null(pooldns_cache_out_open(bad, err, sizeof err));
	ck_assert_msg(strstr(err, "creating temporary file: No such file") != NULL, "%s", err);

	/* a disk that fills up mid-way (a file size limit, which root cannot
	 * bypass as it can permissions): the old file stays, no temporary
	 * file is left */
	struct rlimit old, lim = { .rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY };
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(v2_write_file(path, 5000, 12, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "File too large") != NULL, "%s", err);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_uint_eq(count_entries(dir), 1);
	struct collect c;
	load_file_all(path, SIZE_MAX, &c);
	ck_assert_int_eq(c.ds.version, 11);
	ck_assert_uint_eq(c.ds.pools->nrows, 4);
	pooldns_dataset_clear(&c.ds);
}
END_TEST

/* Pools for the format 1 pages test: out of order, a repeated id, ids that
 * are a real or not a number, members of no pool. */
START_TEST(test_v1_pages)
{
	char path[512], err[512] = "";
	path_in_tmp(path, sizeof path, "pages.v1");
	struct pooldns_dataset ds = { 0 };
	make_ds(&ds, 21, 0);
	pooldns_table_clear_rows(ds.pools);
	pooldns_table_clear_rows(ds.members);
	struct pooldns_cell p[NPOOL_COLS], m[NMEMBER_COLS];
	const struct pooldns_cell ids[] = {
		{ .type = POOLDNS_CELL_INT, .i = 5 },    { .type = POOLDNS_CELL_INT, .i = 1 },
		{ .type = POOLDNS_CELL_INT, .i = 3 },    { .type = POOLDNS_CELL_TEXT, .s = "x" },
		{ .type = POOLDNS_CELL_INT, .i = 3 },    { .type = POOLDNS_CELL_REAL, .r = 4.0 },
		{ .type = POOLDNS_CELL_INT, .i = 2 },    { .type = POOLDNS_CELL_NULL },
		{ .type = POOLDNS_CELL_INT, .i = -100 },
	};
	const size_t nids = sizeof ids / sizeof ids[0];
	for (size_t r = 0; r < nids; r++) {
		v2_pool_cells(p, r);
		p[0] = ids[r];
		ck_assert_int_eq(pooldns_table_add_row(ds.pools, p), 0);
	}
	const struct pooldns_cell zones[] = {
		{ .type = POOLDNS_CELL_INT, .i = 1 },  { .type = POOLDNS_CELL_INT, .i = 9 },
		{ .type = POOLDNS_CELL_INT, .i = 3 },  { .type = POOLDNS_CELL_TEXT, .s = "y" },
		{ .type = POOLDNS_CELL_INT, .i = 4 },  { .type = POOLDNS_CELL_INT, .i = 1 },
		{ .type = POOLDNS_CELL_INT, .i = -5 }, { .type = POOLDNS_CELL_INT, .i = 5 },
	};
	const size_t nzones = sizeof zones / sizeof zones[0];
	for (size_t r = 0; r < nzones; r++) {
		v2_member_cells(m, r, r % 4);
		m[1] = zones[r];
		ck_assert_int_eq(pooldns_table_add_row(ds.members, m), 0);
	}
	ck_assert_int_eq(cachefile_write_v1(path, &ds, err, sizeof err), 0);

	/* one page: the tables as written */
	struct collect c;
	load_file_all(path, 1000, &c);
	ck_assert_uint_eq(c.pages, 1);
	assert_same_table(ds.pools, c.ds.pools);
	assert_same_table(ds.members, c.ds.members);
	pooldns_dataset_clear(&c.ds);

	/* pages: every row once; ids ascend; rows that repeat an id together;
	 * rows without an integer id last */
	const int64_t order[] = { -100, 1, 2, 3, 3, 4, 5 };
	for (size_t pp = 1; pp <= 4; pp++) {
		collect_init(&c, pp);
		int64_t v = 0;
		ck_assert_msg(pooldns_cache_load(path, pp, collect_page, &c, &v, err, sizeof err) ==
				      0,
			      "%s", err);
		ck_assert_int_eq(v, 21);
		ck_assert_uint_eq(c.ds.pools->nrows, nids);
		ck_assert_uint_eq(c.ds.members->nrows, nzones);
		ck_assert_uint_le(c.max_pools, pp + 1); /* 3 and 3 stay together */
		for (size_t r = 0; r < 7; r++) {
			const struct pooldns_cell *id = pooldns_table_cell(c.ds.pools, r, 0);
			int64_t k = id->type == POOLDNS_CELL_REAL ? (int64_t)id->r : id->i;
			ck_assert_int_eq(k, order[r]);
		}
		ck_assert_int_eq(pooldns_table_cell(c.ds.pools, 7, 0)->type, POOLDNS_CELL_TEXT);
		ck_assert_int_eq(pooldns_table_cell(c.ds.pools, 8, 0)->type, POOLDNS_CELL_NULL);
		pooldns_dataset_clear(&c.ds);
	}
	pooldns_dataset_clear(&ds);
}
END_TEST

/* ---- snapshots (core/cache_writer.c) ---- */

/* 60 bytes of "é" per label: raw UTF-8 a source may give in 249
 * characters, which the record's name_text escapes past 254. */
static const char *long_utf8_name(void)
{
	static char name[300];
	char *o = name;
	for (int l = 0; l < 4; l++) {
		for (int i = 0; i < 30; i++)
			o += sprintf(o, "\xc3\xa9");
		*o++ = '.';
	}
	strcpy(o, "test.");
	return name;
}

/* Pools with every column kind; version v. Ids are not in table order. */
static void snap_ds(struct pooldns_dataset *ds, int64_t version)
{
	td_dataset_init(ds, version);
	TD_POOL(ds, .id = 9, .name = "caf\xc3\xa9.test.");
	TD_POOL(ds, .id = 1, .name = "www.Example.com.", .ttl = 60, .max_answers = 4,
		.check_type = "http", .check_port = 8080, .check_path = "/health?x=1&y=%20",
		.check_host = "Health.example:8080",
		.check_body = "OK \"quoted\" caf\xc3\xa9 \\ \t end", .check_expect = 204,
		.interval_ms = 1000, .timeout_ms = 500, .rise = 3, .fall = 4);
	TD_POOL(ds, .id = 2, .name = "b.test.", .policy = "all", .check_type = "https");
	TD_POOL(ds, .id = 3, .name = "sub.www.example.com.", .policy = "weighted",
		.check_type = "tcp", .check_port = 443, .fallback = "none");
	TD_POOL(ds, .id = 5, .name = "d.test.", .policy = "failover", .ttl = 86400,
		.max_answers = 64);
	TD_POOL(ds, .id = 7, .name = "e.test.", .policy = "hash", .check_host = "",
		.check_body = "");
	TD_POOL(ds, .id = 8, .name = "a\\.b.test.");
	TD_POOL(ds, .id = 10, .name = "\\255x\\000y.test.");
	TD_POOL(ds, .id = 11, .name = "sp ace\\\\(x)\\@;.test.");
	TD_POOL(ds, .id = -5, .name = "neg.test.");
	TD_POOL(ds, .id = 9007199254740993LL, .name = "big.test.");
	TD_POOL(ds, .id = 12, .name = "empty.test.");
	TD_POOL(ds, .id = 13, .name = long_utf8_name());
	TD_POOL(ds, .id = 20, .name = "full.test.");

	TD_MEMBER(ds, .id = 1, .pool = 1, .host = "192.0.2.1", .weight = 5);
	TD_MEMBER(ds, .id = 2, .pool = 1, .host = "192.0.2.2", .priority = 1, .disabled = 1);
	TD_MEMBER(ds, .id = 3, .pool = 1, .host = "2001:db8::1", .weight = 10);
	TD_MEMBER(ds, .id = 4, .pool = 1, .host = "::ffff:192.0.2.9");
	TD_MEMBER(ds, .id = 6, .pool = 1, .host = "2001:0db8:0000:0000:0000:0000:0000:0002");
	TD_MEMBER(ds, .id = 7, .pool = 3, .host = "10.0.0.1", .weight = 1000000, .priority = 65535);
	TD_MEMBER(ds, .id = 8, .pool = 5, .host = "10.0.0.8", .priority = 2);
	TD_MEMBER(ds, .id = 9, .pool = 5, .host = "10.0.0.9", .priority = 0, .disabled = 1);
	TD_MEMBER(ds, .id = 10, .pool = 5, .host = "fe80::1", .priority = 1);
	TD_MEMBER(ds, .id = 11, .pool = 9, .host = "198.51.100.1");
	TD_MEMBER(ds, .id = 12, .pool = 10, .host = "198.51.100.2");
	TD_MEMBER(ds, .id = 13, .pool = 11, .host = "::");
	TD_MEMBER(ds, .id = 14, .pool = -5, .host = "255.255.255.255");
	TD_MEMBER(ds, .id = -14, .pool = 9007199254740993LL, .host = "0.0.0.0");
	TD_MEMBER(ds, .id = 15, .pool = 13, .host = "203.0.113.1");
	for (int i = 0; i < 2 * POOLDNS_MAX_MEMBERS_PER_FAMILY; i++) {
		char host[48];
		if (i % 2)
			snprintf(host, sizeof host, "2001:db8:20::%x", i);
		else
			snprintf(host, sizeof host, "10.20.%d.%d", i / 256, i % 256);
		TD_MEMBER(ds, .id = 1000 + i, .pool = 20, .host = host, .weight = 1 + i % 7,
			  .priority = i % 3, .disabled = i % 11 == 0);
	}
}

static struct pooldns_snapshot *snap_build(int64_t version)
{
	struct pooldns_dataset ds;
	struct pooldns_build_stats st;
	char err[512] = "";
	snap_ds(&ds, version);
	struct pooldns_snapshot *s = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(st.bad_pools, 0);
	ck_assert_uint_eq(st.bad_members, 0);
	ck_assert_uint_eq(st.pools, 14);
	pooldns_dataset_clear(&ds);
	return s;
}

/* Applies pages to a model transaction, as start-up from the cache does. */
struct apply {
	struct pooldns_model *model;
	struct pooldns_build_stats st;
	size_t pages;
};

static int put_record(void *ctx, struct pooldns_pool *rec)
{
	return pooldns_model_put(ctx, rec);
}

static int apply_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	struct apply *a = ctx;
	struct pooldns_build_stats st;
	a->pages++;
	if (pooldns_build_records(page, put_record, a->model, &st, err, errsz) != 0)
		return -1;
	a->st.pools += st.pools;
	a->st.members += st.members;
	a->st.bad_pools += st.bad_pools;
	a->st.bad_members += st.bad_members;
	return 0;
}

/* Reads path into a new snapshot, page_pools pools at a time. */
static struct pooldns_snapshot *snap_load(const char *path, size_t page_pools, struct apply *a)
{
	char err[512] = "";
	int64_t version = 0;
	memset(a, 0, sizeof *a);
	a->model = pooldns_model_new(NULL, NULL);
	ck_assert_ptr_nonnull(a->model);
	ck_assert_int_eq(pooldns_model_begin(a->model, true), 0);
	if (pooldns_cache_load(path, page_pools, apply_page, a, &version, err, sizeof err) != 0) {
		pooldns_model_abort(a->model);
		pooldns_model_free(a->model);
		ck_abort_msg("load: %s", err);
	}
	struct pooldns_snapshot *s = pooldns_model_commit(a->model, version, -1, NULL);
	pooldns_model_free(a->model);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void assert_same_snapshot(const struct pooldns_snapshot *a, const struct pooldns_snapshot *b)
{
	const struct pooldns_pool *p;
	ck_assert_int_eq(a->version, b->version);
	ck_assert_uint_eq(a->npools, b->npools);
	ck_assert_uint_eq(a->nmembers, b->nmembers);
	for (size_t it = 0; (p = pooldns_snapshot_next(a, &it)) != NULL;) {
		const struct pooldns_pool *q = pooldns_snapshot_lookup(b, p->name, p->name_len);
		ck_assert_msg(q != NULL, "pool %s missing", p->name_text);
		ck_assert_msg(pooldns_pool_equal(p, q), "pool %s differs", p->name_text);
	}
}

START_TEST(test_snapshot_round_trip)
{
	char path[512], err[512] = "";
	path_in_tmp(path, sizeof path, "snap.cache");
	struct pooldns_snapshot *s = snap_build(42);
	/* the record's text form would be too long to load back */
	const struct pooldns_pool *lp = pooldns_snapshot_pool_by_id(s, 13);
	ck_assert_ptr_nonnull(lp);
	ck_assert_uint_gt(strlen(lp->name_text), 254);
	ck_assert_msg(pooldns_cache_write_snapshot(path, s, err, sizeof err) == 0, "%s", err);

	const size_t sizes[] = { 1, 2, 3, 1000, SIZE_MAX };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct apply a;
		struct pooldns_snapshot *got = snap_load(path, sizes[i], &a);
		ck_assert_uint_eq(a.st.bad_pools, 0);
		ck_assert_uint_eq(a.st.bad_members, 0);
		ck_assert_uint_eq(a.st.pools, 14);
		ck_assert_uint_eq(a.pages, sizes[i] >= 14 ? 1 : (14 + sizes[i] - 1) / sizes[i]);
		assert_same_snapshot(s, got);
		assert_same_snapshot(got, s);
		pooldns_snapshot_free(got);
	}
	/* a snapshot without pools */
	struct pooldns_dataset empty;
	td_dataset_init(&empty, 43);
	struct pooldns_snapshot *e = pooldns_snapshot_build(&empty, NULL, NULL, err, sizeof err);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(pooldns_cache_write_snapshot(path, e, err, sizeof err), 0);
	struct apply a;
	struct pooldns_snapshot *got = snap_load(path, 5, &a);
	ck_assert_uint_eq(a.pages, 0);
	assert_same_snapshot(e, got);
	pooldns_snapshot_free(got);
	pooldns_snapshot_free(e);
	pooldns_dataset_clear(&empty);
	pooldns_snapshot_free(s);
}
END_TEST

static void assert_same_cell(const struct pooldns_cell *x, const struct pooldns_cell *y,
			     const char *col)
{
	ck_assert_msg(x->type == y->type, "%s: type %d vs %d", col, x->type, y->type);
	if (x->type == POOLDNS_CELL_INT)
		ck_assert_msg(x->i == y->i, "%s: %lld vs %lld", col, (long long)x->i,
			      (long long)y->i);
	if (x->type == POOLDNS_CELL_TEXT)
		ck_assert_msg(strcmp(x->s, y->s) == 0, "%s: '%s' vs '%s'", col, x->s, y->s);
}

/* A record gives back the very cells a source gave for it, when they were
 * already in the form the builder keeps (lower case, NULL for no port). */
START_TEST(test_snapshot_cells)
{
	static const struct td_pool specs[] = {
		{ .id = 1,
		  .name = "www.example.com.",
		  .ttl = 60,
		  .max_answers = 4,
		  .check_type = "http",
		  .check_port = 8080,
		  .check_path = "/h",
		  .check_host = "h.example",
		  .check_body = "OK",
		  .check_expect = 204,
		  .interval_ms = 1000,
		  .timeout_ms = 500,
		  .rise = 3,
		  .fall = 4 },
		{ .id = 2, .name = "b.test.", .policy = "all", .check_type = "https" },
		{ .id = 3,
		  .name = "c.test.",
		  .policy = "weighted",
		  .check_type = "tcp",
		  .check_port = 443,
		  .fallback = "none" },
		{ .id = 4, .name = "d.test.", .policy = "failover" },
		{ .id = 5, .name = "e.test.", .policy = "hash" },
	};
	static const struct td_member mspecs[] = {
		{ .id = 1, .pool = 1, .host = "192.0.2.1", .weight = 5 },
		{ .id = 2, .pool = 1, .host = "2001:db8::1", .priority = 3, .disabled = 1 },
		{ .id = 3, .pool = 4, .host = "::ffff:192.0.2.9", .weight = 1000000 },
	};
	struct pooldns_dataset ds;
	char err[512] = "";
	td_dataset_init(&ds, 1);
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
		td_add_pool(&ds, &specs[i]);
	for (size_t i = 0; i < sizeof mspecs / sizeof mspecs[0]; i++)
		td_add_member(&ds, &mspecs[i]);
	struct pooldns_snapshot *s = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct pooldns_cell want[NPOOL_COLS], got[NPOOL_COLS];
		char name[POOLDNS_NAME_TEXT_MAX];
		td_pool_row(want, &specs[i]);
		const struct pooldns_pool *p = pooldns_snapshot_pool_by_id(s, specs[i].id);
		ck_assert_ptr_nonnull(p);
		pooldns_cache_pool_cells(p, got, name);
		for (size_t c = 0; c < NPOOL_COLS; c++)
			assert_same_cell(&want[c], &got[c], pool_cols[c]);
	}
	for (size_t i = 0; i < sizeof mspecs / sizeof mspecs[0]; i++) {
		struct pooldns_cell want[NMEMBER_COLS], got[NMEMBER_COLS];
		char host[INET6_ADDRSTRLEN];
		td_member_row(want, &mspecs[i]);
		const struct pooldns_pool *p = pooldns_snapshot_pool_by_id(s, mspecs[i].pool);
		const struct pooldns_member *m = NULL;
		for (size_t k = 0; k < p->n_v4; k++)
			m = p->v4[k].id == mspecs[i].id ? &p->v4[k] : m;
		for (size_t k = 0; k < p->n_v6; k++)
			m = p->v6[k].id == mspecs[i].id ? &p->v6[k] : m;
		ck_assert_ptr_nonnull(m);
		pooldns_cache_member_cells(p, m, got, host);
		for (size_t c = 0; c < NMEMBER_COLS; c++)
			assert_same_cell(&want[c], &got[c], member_cols[c]);
	}
	pooldns_snapshot_free(s);
	pooldns_dataset_clear(&ds);
}
END_TEST

/* ---- the background writer ---- */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A small snapshot of data version v, published. */
static void publish(struct pooldns_store *store, int64_t v, size_t npools)
{
	struct pooldns_dataset ds;
	char err[512] = "", name[64];
	td_dataset_init(&ds, v);
	for (size_t i = 0; i < npools; i++) {
		snprintf(name, sizeof name, "p%zu.test.", i);
		TD_POOL(&ds, .id = (int64_t)i + 1, .name = name);
		TD_MEMBER(&ds, .id = (int64_t)i + 1, .pool = (int64_t)i + 1, .host = "192.0.2.1");
	}
	struct pooldns_snapshot *s = pooldns_snapshot_build(&ds, NULL, NULL, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	pooldns_store_publish(store, s);
	pooldns_dataset_clear(&ds);
}

static int64_t file_version(const char *path)
{
	struct collect c;
	load_file_all(path, SIZE_MAX, &c);
	int64_t v = c.ds.version;
	pooldns_dataset_clear(&c.ds);
	return v;
}

START_TEST(test_writer_rate_and_flush)
{
	char path[512], err[512] = "";
	path_in_tmp(path, sizeof path, "rate.cache");
	struct pooldns_store *store = pooldns_store_new();
	ck_assert_ptr_nonnull(store);
	publish(store, 1, 50);
	struct pooldns_cache_writer *w =
		pooldns_cache_writer_start(path, store, 300, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	struct pooldns_cache_writer_stats st;

	/* the first write right away */
	long t0 = now_ms();
	pooldns_cache_writer_kick(w);
	do {
		sleep_ms(2);
		pooldns_cache_writer_stats(w, &st);
	} while (st.writes == 0 && now_ms() - t0 < 5000);
	ck_assert_uint_eq(st.writes, 1);
	ck_assert_int_eq(st.version, 1);

	/* a stream of changes: about one write per interval */
	long t1 = now_ms();
	int64_t v = 1;
	while (now_ms() - t1 < 1300) {
		publish(store, ++v, 50);
		pooldns_cache_writer_kick(w);
		sleep_ms(5);
	}
	long elapsed = now_ms() - t1;
	pooldns_cache_writer_stats(w, &st);
	ck_assert_msg(st.writes - 1 >= 2, "%llu writes in %ld ms", (unsigned long long)st.writes,
		      elapsed);
	ck_assert_msg(st.writes - 1 <= (uint64_t)(elapsed / 300 + 1), "%llu writes in %ld ms",
		      (unsigned long long)st.writes, elapsed);
	ck_assert_int_lt(st.version, v);
	ck_assert_uint_eq(st.failures, 0);

	/* flush writes the newest at once */
	ck_assert_int_eq(pooldns_cache_writer_flush(w), 0);
	pooldns_cache_writer_stats(w, &st);
	ck_assert_int_eq(st.version, v);
	ck_assert_int_eq(file_version(path), v);
	uint64_t writes = st.writes;
	ck_assert_int_eq(pooldns_cache_writer_flush(w), 0); /* nothing pending */
	pooldns_cache_writer_stats(w, &st);
	ck_assert_uint_eq(st.writes, writes);

	/* stop writes a pending change too, interval or not */
	publish(store, ++v, 50);
	pooldns_cache_writer_kick(w);
	pooldns_cache_writer_stop(w);
	ck_assert_int_eq(file_version(path), v);
	pooldns_store_free(store);
}
END_TEST

/* Counts the writer's warnings and notices. */
struct log_count {
	int warnings;
	int notices;
};

static void count_log(enum pooldns_log_level level, const char *msg, void *ctx)
{
	struct log_count *lc = ctx;
	if (level == POOLDNS_LOG_WARNING && strstr(msg, "cache file not updated") != NULL)
		lc->warnings++;
	if (level == POOLDNS_LOG_NOTICE && strstr(msg, "written again") != NULL)
		lc->notices++;
}

START_TEST(test_writer_failure_and_recovery)
{
	char dir[512], path[600], err[512] = "";
	static struct log_count lc;
	pooldns_log_set(count_log, &lc, POOLDNS_LOG_DEBUG);
	path_in_tmp(dir, sizeof dir, "later");
	snprintf(path, sizeof path, "%s/cache", dir);
	struct pooldns_store *store = pooldns_store_new();
	publish(store, 3, 5);
	struct pooldns_cache_writer *w =
		pooldns_cache_writer_start(path, store, 0, err, sizeof err);
	ck_assert_msg(w != NULL, "%s", err);
	for (int i = 0; i < 3; i++) {
		pooldns_cache_writer_kick(w);
		ck_assert_int_eq(pooldns_cache_writer_flush(w), -1);
	}
	struct pooldns_cache_writer_stats st;
	pooldns_cache_writer_stats(w, &st);
	ck_assert_uint_ge(st.failures, 3);
	ck_assert_uint_eq(st.writes, 0);
	ck_assert_int_eq(st.version, -1);
	ck_assert_int_eq(lc.warnings, 1); /* logged once, not per attempt */

	/* the directory appears: the pending data is written, and that is
	 * logged once */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(pooldns_cache_writer_flush(w), 0);
	pooldns_cache_writer_stats(w, &st);
	ck_assert_uint_eq(st.writes, 1);
	ck_assert_int_eq(st.version, 3);
	ck_assert_int_eq(lc.notices, 1);
	ck_assert_int_eq(file_version(path), 3);

	/* failing again keeps the last good file */
	ck_assert_int_eq(chmod(dir, 0700), 0);
	publish(store, 4, 5);
	char moved[700];
	snprintf(moved, sizeof moved, "%s.gone", dir);
	ck_assert_int_eq(rename(dir, moved), 0);
	pooldns_cache_writer_kick(w);
	ck_assert_int_eq(pooldns_cache_writer_flush(w), -1);
	ck_assert_int_eq(lc.warnings, 2);
	ck_assert_int_eq(rename(moved, dir), 0);
	ck_assert_int_eq(file_version(path), 3);
	pooldns_cache_writer_stop(w); /* its flush writes version 4 */
	ck_assert_int_eq(file_version(path), 4);
	ck_assert_int_eq(lc.notices, 2);
	pooldns_store_free(store);
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
}
END_TEST

START_TEST(test_writer_args_and_empty_store)
{
	char path[512], err[512] = "";
	path_in_tmp(path, sizeof path, "never.cache");
	struct pooldns_store *store = pooldns_store_new();
	ck_assert_ptr_null(pooldns_cache_writer_start(NULL, store, 10, err, sizeof err));
	ck_assert_str_eq(err, "cache writer: a path and a store are required");
	ck_assert_ptr_null(pooldns_cache_writer_start("", store, 10, err, sizeof err));
	ck_assert_ptr_null(pooldns_cache_writer_start(path, NULL, 10, err, sizeof err));
	ck_assert_ptr_null(pooldns_cache_writer_start(path, store, -1, err, sizeof err));
	ck_assert_str_eq(err, "cache writer: interval -1 ms out of range (0..3600000)");
	ck_assert_ptr_null(pooldns_cache_writer_start(path, store, 3600001, err, sizeof err));

	/* nothing published: nothing written, and that is not an error */
	struct pooldns_cache_writer *w =
		pooldns_cache_writer_start(path, store, 0, err, sizeof err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(pooldns_cache_writer_flush(w), 0);
	pooldns_cache_writer_kick(w);
	ck_assert_int_eq(pooldns_cache_writer_flush(w), 0);
	struct pooldns_cache_writer_stats st;
	pooldns_cache_writer_stats(w, &st);
	ck_assert_uint_eq(st.writes, 0);
	ck_assert_uint_eq(st.failures, 0);
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), -1);
	pooldns_cache_writer_stop(w);
	pooldns_cache_writer_stop(NULL);
	pooldns_store_free(store);
}
END_TEST

/* Kicks while a large snapshot is being written return at once: the
 * thread does not hold the lock while it writes. Counted rather than timed
 * (a loaded machine may preempt a kick): a kick that waited for the write
 * would let only one or two through during it. */
START_TEST(test_writer_kick_never_waits)
{
	char path[512], err[512] = "";
	path_in_tmp(path, sizeof path, "big.cache");
	struct pooldns_store *store = pooldns_store_new();
	publish(store, 1, 100000);
	struct pooldns_cache_writer *w =
		pooldns_cache_writer_start(path, store, 0, err, sizeof err);
	ck_assert_ptr_nonnull(w);
	long t0 = now_ms();
	pooldns_cache_writer_kick(w);
	struct pooldns_cache_writer_stats st;
	int kicks = 0;
	do {
		sleep_ms(1);
		pooldns_cache_writer_kick(w);
		kicks++;
		pooldns_cache_writer_stats(w, &st);
	} while (st.writes == 0 && now_ms() - t0 < 60000);
	long write_ms = now_ms() - t0;
	ck_assert_uint_eq(st.writes, 1);
	if (write_ms >= 50)
		ck_assert_msg(kicks >= 10, "%d kicks during a write of %ld ms", kicks, write_ms);
	ck_assert_int_eq(pooldns_cache_writer_flush(w), 0);
	pooldns_cache_writer_stop(w);
	pooldns_store_free(store);
}
END_TEST

/* The reader's shortcut for usual row lines: what it takes, and that it
 * leaves everything else to jansson (fuzz_cache compares the two). */
START_TEST(test_row_fast)
{
	struct pooldns_cache_row row;
	char scratch[256];
	const char *ok = "[\"m\",-9223372036854775808,9223372036854775807,\"caf\xc3\xa9 "
			 "\xf0\x9f\x98\x80\x7f\","
			 "null,-0,0]";
	ck_assert_int_eq(pooldns_cache_row_fast(ok, strlen(ok), &row, scratch), 1);
	ck_assert_int_eq(row.tag, 'm');
	ck_assert_uint_eq(row.ncells, NMEMBER_COLS);
	ck_assert_int_eq(row.cells[0].i, INT64_MIN);
	ck_assert_int_eq(row.cells[1].i, INT64_MAX);
	ck_assert_str_eq(row.cells[2].s, "caf\xc3\xa9 \xf0\x9f\x98\x80\x7f");
	ck_assert_int_eq(row.cells[3].type, POOLDNS_CELL_NULL);
	ck_assert_int_eq(row.cells[4].type, POOLDNS_CELL_INT);
	ck_assert_int_eq(row.cells[4].i, 0);
	const char *pool = "[\"p\",1,\"a.test.\",30,\"round_robin\",8,\"all\",\"none\",null,\"/\","
			   "null,200,null,5000,2000,2,3]";
	ck_assert_int_eq(pooldns_cache_row_fast(pool, strlen(pool), &row, scratch), 1);
	ck_assert_uint_eq(row.ncells, NPOOL_COLS);
	ck_assert_int_eq(row.cells[7].type, POOLDNS_CELL_NULL);
	ck_assert_str_eq(row.cells[8].s, "/");

	const char *declined[] = {
		"[\"m\",1,1,\"a\\\"b\",1,0,1]",               /* an escape */
		"[\"m\",1,1,\"a\tb\",1,0,1]",                 /* a control character */
		"[\"m\",1,1,\"\xc0\xaf\",1,0,1]",             /* not UTF-8 */
		"[\"m\",1.0,1,\"a\",1,0,1]",                  /* a real */
		"[\"m\",1e3,1,\"a\",1,0,1]",                  /* a real */
		"[\"m\",01,1,\"a\",1,0,1]",                   /* a leading zero */
		"[\"m\",9223372036854775808,1,\"a\",1,0,1]",  /* too big */
		"[\"m\",-9223372036854775809,1,\"a\",1,0,1]", /* too small */
		"[\"m\",99999999999999999999,1,\"a\",1,0,1]", /* past 64 bits */
		"[\"m\",-,1,\"a\",1,0,1]",                    /* a lone minus */
		"[\"m\",1,1,\"a\",1,0]",                      /* too few cells */
		"[\"m\",1,1,\"a\",1,0,1,2]",                  /* too many */
		"[\"m\",1,1,\"a\",1,0,1] ",                   /* white space */
		"[\"m\", 1,1,\"a\",1,0,1]",                   /* white space */
		"[\"m\",1,1,nul,1,0,1]",                      /* not null */
		"[\"m\",1,1,true,1,0,1]",                     /* a boolean */
		"[\"m\",1,1,\"a\",1,0,1]x",                   /* after the row */
		"[\"m\",1,1,\"a,1,0,1]",                      /* a string not closed */
		"[\"x\",1,1,\"a\",1,0,1]",                    /* another tag */
		"{\"data_version\":1}",                       /* the end line */
		"[\"m\"",
		"",
	};
	for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++)
		ck_assert_msg(pooldns_cache_row_fast(declined[i], strlen(declined[i]), &row,
						     scratch) == 0,
			      "accepted %s", declined[i]);
	/* a NUL inside the line */
	ck_assert_int_eq(pooldns_cache_row_fast("[\"m\",1,1,\"a\0b\",1,0,1]", 19, &row, scratch),
			 0);
	/* declined lines still load, through jansson */
	char *t = v2_text(V2_HEAD,
			  V2_POOL(1) "[\"m\", 1.0e0, 1 ,\"192.0.2.1\",1,0,1]\n"
				     "[\"m\",2,1,\"\\u0031\\u0039\\u0032.0.2.2\",1,0,1]\n",
			  1, 2);
	struct collect c;
	int64_t v = 0;
	char err[512] = "";
	collect_init(&c, 1);
	ck_assert_msg(
		pooldns_cache_load_buf(t, strlen(t), 1, collect_page, &c, &v, err, sizeof err) == 0,
		"%s", err);
	ck_assert_int_eq(pooldns_table_cell(c.ds.members, 0, 0)->type, POOLDNS_CELL_REAL);
	ck_assert_str_eq(pooldns_table_cell(c.ds.members, 1, 2)->s, "192.0.2.2");
	pooldns_dataset_clear(&c.ds);
	free(t);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("format1");
	tcase_add_unchecked_fixture(tc, setup_dir, teardown_dir);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_atomic_replace);
	tcase_add_test(tc, test_corrupt_and_truncated);
	tcase_add_test(tc, test_header_and_columns);
	tcase_add_test(tc, test_v1_pages);
	suite_add_tcase(s, tc);

	tc = tcase_create("format2");
	tcase_add_unchecked_fixture(tc, setup_dir, teardown_dir);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_v2_round_trip);
	tcase_add_test(tc, test_v2_pages);
	tcase_add_test(tc, test_v2_page_members);
	tcase_add_test(tc, test_v2_writer_refuses);
	tcase_add_test(tc, test_v2_corrupt);
	tcase_add_test(tc, test_callback_error);
	tcase_add_test(tc, test_write_errors);
	tcase_add_test(tc, test_row_fast);
	suite_add_tcase(s, tc);

	tc = tcase_create("snapshot");
	tcase_add_unchecked_fixture(tc, setup_dir, teardown_dir);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_snapshot_round_trip);
	tcase_add_test(tc, test_snapshot_cells);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_add_unchecked_fixture(tc, setup_dir, teardown_dir);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_writer_rate_and_flush);
	tcase_add_test(tc, test_writer_failure_and_recovery);
	tcase_add_test(tc, test_writer_args_and_empty_store);
	tcase_add_test(tc, test_writer_kick_never_waits);
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
