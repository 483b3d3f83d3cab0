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
 * records than the whole;
 * - the file entry point, on a file holding the same bytes (a memfd opened
 *   by its /proc/self/fd name), hands out the same records (zones, seq,
 *   version, every cell) and stops for the same reason as the buffer;
 * - round trip through the writer (cache_journal_write.c): the records
 *   handed out, made into records again (pooldns_journal_record) and
 *   written to a new journal for the same base (pooldns_journal_start,
 *   pooldns_journal_append, in a directory under /dev/shm when there is
 *   one, so that its syncs cost nothing), replay from that file to the
 *   very same records, all of them, read whole.
 * The empty input also checks what no input can hold: a missing journal
 * is an empty one, and a directory or a path that cannot be opened fails
 * with the path in the message. A failed check aborts.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/source/cache_journal.h"
#include "core/source/cache_journal_write.h"
#include "core/source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STOP_MSG "stopped by the fuzz target"

struct tally {
	size_t records;
	size_t fail_at;  /* 0: never */
	uint64_t digest; /* of every record handed out, in order */
	/* When write: each record made into a record again, appended here. */
	bool write;
	char *out;
	size_t outlen;
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

static uint64_t table_digest(uint64_t h, const struct pooldns_table *t)
{
	h = mix(h, t->nrows);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const struct pooldns_cell *cell = pooldns_table_cell(t, r, c);
			h = mix(h, (uint64_t)cell->type);
			if (cell->type == POOLDNS_CELL_INT) {
				h = mix(h, (uint64_t)cell->i);
			} else if (cell->type == POOLDNS_CELL_REAL) {
				uint64_t bits;
				memcpy(&bits, &cell->r, sizeof bits);
				h = mix(h, bits);
			} else if (cell->type == POOLDNS_CELL_TEXT) {
				for (const char *s = cell->s; *s != '\0'; s++)
					h = mix(h, (unsigned char)*s);
				h = mix(h, 0x100);
			}
		}
	return h;
}

/* Appends the record for d to t->out. */
static void write_record(struct tally *t, const struct pooldns_delta *d)
{
	char *rec, err[256];
	size_t len;

	check(pooldns_journal_record(d, t->records, &rec, &len, err, sizeof err) == 0);
	char *o = realloc(t->out, t->outlen + len);
	check(o != NULL);
	memcpy(o + t->outlen, rec, len);
	t->out = o;
	t->outlen += len;
	free(rec);
}

static int on_record(void *ctx, const struct pooldns_delta *d, char *err, size_t errsz)
{
	struct tally *t = ctx;
	check(d->nzones > 0 && d->pools != NULL && d->members != NULL &&
	      d->pools->ncols == POOLDNS_POOL_NCOLS && d->members->ncols == POOLDNS_MEMBER_NCOLS);
	for (size_t i = 1; i < d->nzones; i++)
		check(d->zones[i] > d->zones[i - 1]);
	for (size_t r = 0; r < d->pools->nrows; r++) {
		const struct pooldns_cell *id = pooldns_table_cell(d->pools, r, 0);
		bool found = false;
		for (size_t i = 0; i < d->nzones && id->type == POOLDNS_CELL_INT; i++)
			found |= d->zones[i] == id->i;
		check(found);
	}
	t->records++;
	uint64_t h = mix(mix(t->digest, (uint64_t)d->version), (uint64_t)d->seq);
	for (size_t i = 0; i < d->nzones; i++)
		h = mix(h, (uint64_t)d->zones[i]);
	t->digest = table_digest(table_digest(h, d->pools), d->members);
	if (t->write)
		write_record(t, d);
	if (t->fail_at != 0 && t->records == t->fail_at) {
		snprintf(err, errsz, STOP_MSG);
		return -1;
	}
	return 0;
}

/* The memfd that holds each input as a file: created once, rewritten. */
static const char *input_file(const char *buf, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("fuzz_cache_journal", MFD_CLOEXEC);
		check(fd >= 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(fd, buf + off, size - off, (off_t)off);
		check(n > 0);
		off += (size_t)n;
	}
	check(ftruncate(fd, (off_t)size) == 0);
	return path;
}

static char *scratch_dir;

static void remove_scratch(void)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/cache.journal", scratch_dir);
	unlink(path);
	rmdir(scratch_dir);
	free(scratch_dir);
}

/* A directory of our own for the round trip's journal: the first of
 * /dev/shm, $TMPDIR and /tmp that is one; removed at exit. */
static const char *scratch(void)
{
	if (scratch_dir == NULL) {
		struct stat st;
		const char *base = "/dev/shm";
		if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || access(base, W_OK) != 0)
			base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
		size_t n = strlen(base) + sizeof "/fuzz_cache_journal.XXXXXX";
		scratch_dir = malloc(n);
		check(scratch_dir != NULL);
		snprintf(scratch_dir, n, "%s/fuzz_cache_journal.XXXXXX", base);
		check(mkdtemp(scratch_dir) != NULL);
		atexit(remove_scratch);
	}
	return scratch_dir;
}

/* The records of t (out) in a new journal for the base, replayed from the
 * file: the same records, read whole. */
static void round_trip(const struct tally *t, uint64_t sum, int64_t version)
{
	char cache[4096], err[512];
	snprintf(cache, sizeof cache, "%s/cache", scratch());
	char *path = pooldns_journal_path(cache);
	check(path != NULL && strlen(path) == strlen(cache) + 8 &&
	      strcmp(path + strlen(cache), ".journal") == 0);

	check(pooldns_journal_start(path, sum, version, err, sizeof err) == 0);
	check(pooldns_journal_append(path, t->out, t->outlen, err, sizeof err) == 0);
	struct tally again = { 0 };
	struct pooldns_journal_result res;
	check(pooldns_journal_replay(path, sum, version, on_record, &again, &res, err,
				     sizeof err) == 0);
	check(again.records == t->records && again.digest == t->digest &&
	      res.records == t->records && res.stopped[0] == '\0');
	free(path);
}

/* The file entry point on what no input can be. */
static void check_paths(void)
{
	struct tally t = { 0 };
	struct pooldns_journal_result res;
	char err[512];

	check(pooldns_journal_replay("/nonexistent/pooldns.journal", 0, 0, on_record, &t, &res, err,
				     sizeof err) == 0 &&
	      res.records == 0 && res.version == -1 && res.stopped[0] == '\0');
	check(pooldns_journal_replay("/", 0, 0, on_record, &t, &res, err, sizeof err) == -1 &&
	      strcmp(err, "journal /: not a regular file") == 0);
	/* A regular file (the input's memfd) taken for a directory. */
	char path[128];
	snprintf(path, sizeof path, "%s/x", input_file("", 0));
	check(pooldns_journal_replay(path, 0, 0, on_record, &t, &res, err, sizeof err) == -1 &&
	      strncmp(err, "journal ", 8) == 0 && strstr(err, path) != NULL);
	check(t.records == 0);
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
	struct pooldns_journal_result res, fres;
	struct tally t = { .write = true };
	check(pooldns_journal_replay_buf(buf, size, sum, version, on_record, &t, &res, err,
					 sizeof err) == 0 &&
	      t.records == res.records);
	size_t whole = t.records;

	/* The same bytes from a file. */
	struct tally ft = { 0 };
	check(pooldns_journal_replay(input_file(buf, size), sum, version, on_record, &ft, &fres,
				     err, sizeof err) == 0);
	check(ft.records == t.records && ft.digest == t.digest && fres.records == res.records &&
	      fres.version == res.version && strcmp(fres.stopped, res.stopped) == 0);

	if (whole >= 1)
		round_trip(&t, sum, version);
	free(t.out);

	struct tally other = { 0 };
	check(pooldns_journal_replay_buf(buf, size, sum ^ 1, version, on_record, &other, &res, err,
					 sizeof err) == 0 &&
	      other.records == 0);

	if (whole >= 2) {
		struct tally stop = { .fail_at = 2 };
		check(pooldns_journal_replay_buf(buf, size, sum, version, on_record, &stop, &res,
						 err, sizeof err) == -1 &&
		      strstr(err, STOP_MSG) != NULL);
	}
	struct tally half = { 0 };
	check(pooldns_journal_replay_buf(buf, size / 2, sum, version, on_record, &half, &res, err,
					 sizeof err) == 0 &&
	      half.records <= whole);

	if (size == 0)
		check_paths();
	return 0;
}
