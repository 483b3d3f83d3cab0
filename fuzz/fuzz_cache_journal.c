/*
 * fuzz_cache_journal.c — fuzz target for core/source/cache_journal.c's
 * replay, the parser of the cache journal a crash, a full disk or an
 * operator may have damaged.
 *
 * The base a journal belongs to is taken from the input's own header line
 * (so the fuzzer reaches the records instead of stopping at a checksum it
 * cannot guess); the replay is also run against another base, which must
 * apply nothing. Checks, besides the sanitizers: every delta handed out
 * has ascending zones, pool rows of 16 and member rows of 6 columns, and
 * each pool row's id among its zones; the count of records handed out
 * equals res.records; a callback that fails the second record makes the
 * replay fail; replaying a prefix of the input never hands out more
 * records than the whole. A failed check aborts.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/source/cache_journal.h"
#include "core/source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	size_t records;
	size_t fail_at; /* 0: never */
};

static int on_record(void *ctx, const struct pooldns_delta *d, char *err, size_t errsz)
{
	struct tally *t = ctx;
	if (d->nzones == 0 || d->pools == NULL || d->members == NULL ||
	    d->pools->ncols != POOLDNS_POOL_NCOLS || d->members->ncols != POOLDNS_MEMBER_NCOLS)
		abort();
	for (size_t i = 1; i < d->nzones; i++)
		if (d->zones[i] <= d->zones[i - 1])
			abort();
	for (size_t r = 0; r < d->pools->nrows; r++) {
		const struct pooldns_cell *id = pooldns_table_cell(d->pools, r, 0);
		bool found = false;
		for (size_t i = 0; i < d->nzones && id->type == POOLDNS_CELL_INT; i++)
			found |= d->zones[i] == id->i;
		if (!found)
			abort();
	}
	t->records++;
	if (t->fail_at != 0 && t->records == t->fail_at) {
		snprintf(err, errsz, "stopped by the fuzz target");
		return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char head[256];
	uint64_t sum = 0;
	long long version = 0;
	size_t n = 0;
	while (n < size && n + 1 < sizeof head && buf[n] != '\n') {
		head[n] = buf[n];
		n++;
	}
	head[n] = '\0';
	const char *b = strstr(head, "\"base_fnv1a64\":\"");
	const char *v = strstr(head, "\"base_data_version\":");
	if (b != NULL)
		sscanf(b + 16, "%16" SCNx64, &sum);
	if (v != NULL)
		sscanf(v + 20, "%lld", &version);

	char err[256];
	struct pooldns_journal_result res;
	struct tally t = { 0 };
	if (pooldns_journal_replay_buf(buf, size, sum, version, on_record, &t, &res, err,
				       sizeof err) != 0 ||
	    t.records != res.records)
		abort();
	size_t whole = t.records;

	struct tally other = { 0 };
	if (pooldns_journal_replay_buf(buf, size, sum ^ 1, version, on_record, &other, &res, err,
				       sizeof err) != 0 ||
	    other.records != 0)
		abort();

	if (whole >= 2) {
		struct tally stop = { .fail_at = 2 };
		if (pooldns_journal_replay_buf(buf, size, sum, version, on_record, &stop, &res,
					       err, sizeof err) != -1 ||
		    strstr(err, "stopped by the fuzz target") == NULL)
			abort();
	}
	struct tally half = { 0 };
	if (pooldns_journal_replay_buf(buf, size / 2, sum, version, on_record, &half, &res, err,
				       sizeof err) != 0 ||
	    half.records > whole)
		abort();
	return 0;
}
