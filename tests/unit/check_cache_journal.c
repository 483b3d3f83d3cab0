/*
 * check_cache_journal.c — unit tests for the cache journal
 * (core/source/cache_journal.c, cache_journal_write.c): a record
 * round-trips the change it was made from (zones, pool and member rows,
 * version, position), a journal of another base is ignored, a journal cut
 * at every byte keeps exactly the records before the cut, a damaged
 * record ends the replay there, and bad record lines are refused with a
 * reason.
 *
 * Thread model: single-threaded Check test program.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/source/cache_journal.h"
#include "core/source/cache_journal_write.h"
#include "core/source/source.h"
#include "core/source/table.h"

static struct pooldns_cell ci(int64_t v)
{
	return (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = v };
}

static struct pooldns_cell ct(const char *s)
{
	return (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = (char *)s };
}

static struct pooldns_cell cn(void)
{
	return (struct pooldns_cell){ .type = POOLDNS_CELL_NULL };
}

static void add_pool(struct pooldns_table *t, int64_t id, const char *name, int ttl)
{
	struct pooldns_cell c[POOLDNS_POOL_NCOLS];
	for (int i = 0; i < POOLDNS_POOL_NCOLS; i++)
		c[i] = cn();
	c[0] = ci(id);
	c[1] = ct(name);
	c[2] = ci(ttl);
	ck_assert_int_eq(pooldns_table_add_row(t, c), 0);
}

static void add_member(struct pooldns_table *t, int64_t id, int64_t zone, const char *host)
{
	struct pooldns_cell c[POOLDNS_MEMBER_NCOLS] = { ci(id), ci(zone), ct(host),
						       ci(1),  ci(0),   ci(1) };
	ck_assert_int_eq(pooldns_table_add_row(t, c), 0);
}

/* A change: pools 3 and 5 touched, 3 still there with two members, 5
 * deleted. */
static void make_delta(struct pooldns_delta *d, int64_t version, int64_t seq, int ttl)
{
	memset(d, 0, sizeof *d);
	d->version = version;
	d->seq = seq;
	d->nzones = 2;
	d->zones = malloc(2 * sizeof *d->zones);
	d->zones[0] = 3;
	d->zones[1] = 5;
	d->pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	d->members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	add_pool(d->pools, 3, "www.example.com.", ttl);
	add_member(d->members, 30, 3, "192.0.2.1");
	add_member(d->members, 31, 3, "2001:db8::1");
}

struct seen {
	size_t n;
	int64_t versions[16];
	int ttl[16];
};

static int on_record(void *ctx, const struct pooldns_delta *d, char *err, size_t errsz)
{
	struct seen *s = ctx;
	ck_assert_uint_lt(s->n, 16);
	ck_assert_uint_eq(d->nzones, 2);
	ck_assert_int_eq(d->zones[0], 3);
	ck_assert_int_eq(d->zones[1], 5);
	ck_assert_uint_eq(d->pools->nrows, 1);
	ck_assert_str_eq(pooldns_table_cell(d->pools, 0, 1)->s, "www.example.com.");
	ck_assert_uint_eq(d->members->nrows, 2);
	ck_assert_str_eq(pooldns_table_cell(d->members, 1, 2)->s, "2001:db8::1");
	ck_assert_int_eq(d->seq, 100 + (int64_t)s->n);
	s->versions[s->n] = d->version;
	s->ttl[s->n] = (int)pooldns_table_cell(d->pools, 0, 2)->i;
	s->n++;
	return 0;
}

/* A journal of nrec records for base (0xabc, 7) in a new buffer. */
static char *make_journal(size_t nrec, size_t *len, size_t *ends)
{
	char path[] = "/tmp/check_cache_journal_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	char err[256];
	ck_assert_msg(pooldns_journal_start(path, 0xabc, 7, err, sizeof err) == 0, "%s", err);
	for (size_t i = 0; i < nrec; i++) {
		struct pooldns_delta d;
		char *rec;
		size_t rlen;
		make_delta(&d, 8 + (int64_t)i, 100 + (int64_t)i, 60 + (int)i);
		ck_assert_msg(pooldns_journal_record(&d, i + 2, &rec, &rlen, err, sizeof err) == 0,
			      "%s", err);
		pooldns_delta_clear(&d);
		ck_assert_int_eq(pooldns_journal_append(path, rec, rlen, err, sizeof err), 0);
		free(rec);
	}
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	unlink(path);
	/* where each record ends: after the header line, then after each
	 * record's document */
	size_t pos = (size_t)(strchr(buf, '\n') - buf) + 1, k = 0;
	while (pos < *len) {
		const char *b = strstr(buf + pos, "\"bytes\":");
		ck_assert_ptr_nonnull(b);
		size_t doc = strtoul(b + 8, NULL, 10);
		pos = (size_t)(strchr(buf + pos, '\n') - buf) + 1 + doc;
		ends[k++] = pos;
	}
	ck_assert_uint_eq(k, nrec);
	return buf;
}

START_TEST(test_round_trip)
{
	size_t len, ends[4];
	char *buf = make_journal(3, &len, ends);
	struct seen s = { 0 };
	struct pooldns_journal_result r;
	char err[256];
	ck_assert_int_eq(
		pooldns_journal_replay_buf(buf, len, 0xabc, 7, on_record, &s, &r, err, sizeof err),
		0);
	ck_assert_str_eq(r.stopped, "");
	ck_assert_uint_eq(r.records, 3);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(s.versions[2], 10);
	ck_assert_int_eq(s.ttl[1], 61);
	ck_assert_int_eq(r.version, 10);

	/* another base: nothing applied, and it says why */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(
		pooldns_journal_replay_buf(buf, len, 0xabd, 7, on_record, &s, &r, err, sizeof err),
		0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_ptr_nonnull(strstr(r.stopped, "another cache file"));
	ck_assert_int_eq(
		pooldns_journal_replay_buf(buf, len, 0xabc, 8, on_record, &s, &r, err, sizeof err),
		0);
	ck_assert_uint_eq(s.n, 0);
	free(buf);
}
END_TEST

/* Cut anywhere: the records that ended before the cut, no more. */
START_TEST(test_cut_everywhere)
{
	size_t len, ends[4];
	char *buf = make_journal(3, &len, ends);
	char err[256];
	size_t head_end = (size_t)(strchr(buf, '\n') - buf) + 1;
	ck_assert_uint_eq(ends[2], len);
	for (size_t cut = 0; cut <= len; cut++) {
		struct seen s = { 0 };
		struct pooldns_journal_result r;
		size_t want = 0;
		while (want < 3 && ends[want] <= cut)
			want++;
		char *copy = malloc(cut + 1);
		memcpy(copy, buf, cut);
		ck_assert_int_eq(pooldns_journal_replay_buf(copy, cut, 0xabc, 7, on_record, &s, &r,
							    err, sizeof err),
				 0);
		ck_assert_msg(s.n == want, "cut at %zu: %zu records, want %zu", cut, s.n, want);
		/* whole records (or nothing, or the header alone) read to the
		 * end; anything else stops with a reason */
		bool whole = cut == 0 || cut == head_end || cut == ends[0] || cut == ends[1] ||
			     cut == ends[2];
		ck_assert_msg((r.stopped[0] == '\0') == whole, "cut at %zu: stopped \"%s\"", cut,
			      r.stopped);
		free(copy);
	}
	free(buf);
}
END_TEST

/* One byte changed in the second record's rows: the first still counts. */
START_TEST(test_damaged_record)
{
	size_t len, ends[4];
	char *buf = make_journal(3, &len, ends);
	char *p = strstr(buf + ends[0], "192.0.2.1");
	ck_assert_ptr_nonnull(p);
	p[8] = '9';
	struct seen s = { 0 };
	struct pooldns_journal_result r;
	char err[256];
	ck_assert_int_eq(
		pooldns_journal_replay_buf(buf, len, 0xabc, 7, on_record, &s, &r, err, sizeof err),
		0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_nonnull(strstr(r.stopped, "record 2"));
	ck_assert_ptr_nonnull(strstr(r.stopped, "checksum"));
	free(buf);
}
END_TEST

START_TEST(test_bad_record_lines)
{
	static const char *const heads[] = {
		"{\"generation\":2,\"seq\":1,\"zones\":[3],\"bytes\":0,\"x\":1}\n",
		"{\"generation\":0,\"seq\":1,\"zones\":[3],\"bytes\":0}\n",
		"{\"generation\":2,\"seq\":1,\"zones\":[],\"bytes\":0}\n",
		"{\"generation\":2,\"seq\":1,\"zones\":[5,3],\"bytes\":0}\n",
		"{\"generation\":2,\"seq\":1,\"zones\":[\"3\"],\"bytes\":0}\n",
		"{\"generation\":2,\"seq\":1,\"zones\":[3],\"bytes\":999}\n",
		"[1,2,3]\n",
		"not json\n",
	};
	char head[256], buf[512], err[256];
	snprintf(head, sizeof head,
		 "{\"format\":\"pooldns-cache-journal\",\"format_version\":1,"
		 "\"base_fnv1a64\":\"%016x\",\"base_data_version\":7}\n",
		 0xabc);
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", head, heads[i]);
		struct seen s = { 0 };
		struct pooldns_journal_result r;
		ck_assert_int_eq(pooldns_journal_replay_buf(buf, strlen(buf), 0xabc, 7, on_record,
							    &s, &r, err, sizeof err),
				 0);
		ck_assert_uint_eq(s.n, 0);
		ck_assert_msg(strstr(r.stopped, "record 1") != NULL, "%s: \"%s\"", heads[i],
			      r.stopped);
	}
	/* a header of another format or version */
	struct seen s = { 0 };
	struct pooldns_journal_result r;
	const char *other = "{\"format\":\"pooldns-cache\",\"format_version\":2}\n";
	ck_assert_int_eq(pooldns_journal_replay_buf(other, strlen(other), 0xabc, 7, on_record, &s,
						    &r, err, sizeof err),
			 0);
	ck_assert_ptr_nonnull(strstr(r.stopped, "not a pooldns cache journal"));
	/* a missing journal is an empty one */
	ck_assert_int_eq(pooldns_journal_replay("/nonexistent/journal", 1, 1, on_record, &s, &r,
						err, sizeof err),
			 0);
	ck_assert_uint_eq(r.records, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache_journal");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_cut_everywhere);
	tcase_add_test(tc, test_damaged_record);
	tcase_add_test(tc, test_bad_record_lines);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
