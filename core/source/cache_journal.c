/*
 * cache_journal.c — the cache file's journal (see cache_journal.h): its
 * format, its name, and reading it (the replay at start-up). Writing it is
 * in cache_journal_write.c.
 *
 * Format: text; a header line, then records, each a line followed by a
 * block of bytes:
 *
 *   {"format":"pooldns-cache-journal","format_version":1,
 *    "base_fnv1a64":"8f1c0a4d3b2e6f70","base_data_version":77}
 *   {"generation":12,"seq":4711,"zones":[3,17],"bytes":512}
 *   <512 bytes: a whole format 2 cache document (cache.c) holding the
 *    current rows of those pools that still exist, its end line carrying
 *    the record's data version and the checksum of the document>
 *   {"generation":13,...}
 *   ...
 *
 * (the header is one line; it is wrapped here). A record is the change as
 * the source gave it: the pools it touched ("zones", ascending ids; a zone
 * without a row in the document was deleted) and the rows of those that
 * remain. Replaying it goes through the same validation (the builder) as
 * applying it did. The document is read by the cache reader itself, whose
 * checksum makes a damaged or cut record fail as a whole; the replay stops
 * at the first record that is incomplete or does not read, and keeps the
 * records before it. base_fnv1a64 is the checksum in the base's end line.
 *
 * Owns nothing beyond each call. Thread model: reentrant, no shared state.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"
#include "core/source/cache.h"
#include "core/source/cache_journal.h"

/* A record line holds up to a delta's zones (POLLER_DELTA_MAX of them in
 * practice); far more than that is not a journal this code wrote. */
#define JOURNAL_MAX_LINE  (8 * 1024 * 1024)
#define JOURNAL_MAX_ZONES 1000000

char *pooldns_journal_path(const char *cache_path)
{
	size_t n = strlen(cache_path);
	char *p = malloc(n + sizeof ".journal");
	if (p != NULL) {
		memcpy(p, cache_path, n);
		memcpy(p + n, ".journal", sizeof ".journal");
	}
	return p;
}

/* ---- reading ---- */

/* The line at buf[*pos..], without its newline; NULL when there is no
 * whole line (the end, or longer than the limit). */
static const char *take_line(const char *buf, size_t len, size_t *pos, size_t *linelen)
{
	size_t avail = len - *pos, lim = avail < JOURNAL_MAX_LINE ? avail : JOURNAL_MAX_LINE;
	const char *p = buf + *pos, *nl = memchr(p, '\n', lim);
	if (nl == NULL)
		return NULL;
	*linelen = (size_t)(nl - p);
	*pos += *linelen + 1;
	return p;
}

static int check_header(const char *line, size_t n, uint64_t base_checksum, int64_t base_version,
			struct pooldns_journal_result *res)
{
	json_error_t je;
	json_t *h = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
	const char *fmt = json_string_value(json_object_get(h, "format"));
	const json_t *ver = json_object_get(h, "format_version");
	const char *base = json_string_value(json_object_get(h, "base_fnv1a64"));
	char want[17];
	int rc = -1;

	if (!json_is_object(h) || fmt == NULL || strcmp(fmt, POOLDNS_JOURNAL_FORMAT) != 0) {
		snprintf(res->stopped, sizeof res->stopped, "line 1: not a pooldns cache journal");
	} else if (!json_is_integer(ver) || json_integer_value(ver) != POOLDNS_JOURNAL_VERSION) {
		snprintf(res->stopped, sizeof res->stopped,
			 "line 1: journal format version is not %d", POOLDNS_JOURNAL_VERSION);
	} else if (base == NULL || !json_is_integer(json_object_get(h, "base_data_version")) ||
		   json_object_size(h) != 4) {
		snprintf(res->stopped, sizeof res->stopped, "line 1: bad journal header");
	} else {
		snprintf(want, sizeof want, "%016" PRIx64, base_checksum);
		if (strcmp(base, want) != 0 ||
		    json_integer_value(json_object_get(h, "base_data_version")) != base_version)
			snprintf(res->stopped, sizeof res->stopped,
				 "the journal belongs to another cache file (base %.16s version "
				 "%lld, the cache file is %s version %lld)",
				 base,
				 (long long)json_integer_value(
					 json_object_get(h, "base_data_version")),
				 want, (long long)base_version);
		else
			rc = 0;
	}
	json_decref(h);
	return rc;
}

/* What a record line says. */
struct rec_head {
	uint64_t generation;
	int64_t seq;
	int64_t *zones;
	size_t nzones;
	size_t bytes;
};

static int parse_head(const char *line, size_t n, size_t left, struct rec_head *rh, char *why,
		      size_t whysz)
{
	json_error_t je;
	json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
	const json_t *g = json_object_get(j, "generation"), *s = json_object_get(j, "seq"),
		     *z = json_object_get(j, "zones"), *b = json_object_get(j, "bytes");
	int rc = -1;

	memset(rh, 0, sizeof *rh);
	if (j == NULL) {
		snprintf(why, whysz, "not JSON: %s", je.text);
		return -1;
	}
	if (!json_is_object(j) || json_object_size(j) != 4 || !json_is_integer(g) ||
	    json_integer_value(g) < 1 || !json_is_integer(s) || !json_is_array(z) ||
	    !json_is_integer(b) || json_integer_value(b) < 0) {
		snprintf(why, whysz,
			 "a record line needs \"generation\" (> 0), \"seq\", \"zones\" and "
			 "\"bytes\" (>= 0), nothing else");
		goto out;
	}
	if ((uint64_t)json_integer_value(b) > left) {
		snprintf(why, whysz, "the record is cut short (%lld bytes announced, %zu left)",
			 (long long)json_integer_value(b), left);
		goto out;
	}
	size_t nz = json_array_size(z);
	if (nz == 0 || nz > JOURNAL_MAX_ZONES) {
		snprintf(why, whysz, "a record names 1 to %d pools, not %zu", JOURNAL_MAX_ZONES,
			 nz);
		goto out;
	}
	rh->zones = malloc(nz * sizeof *rh->zones);
	if (rh->zones == NULL) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nz; i++) {
		const json_t *e = json_array_get(z, i);
		if (!json_is_integer(e) || (i > 0 && json_integer_value(e) <= rh->zones[i - 1])) {
			snprintf(why, whysz, "\"zones\" must be ascending integers");
			free(rh->zones);
			rh->zones = NULL;
			goto out;
		}
		rh->zones[i] = json_integer_value(e);
	}
	rh->nzones = nz;
	rh->generation = (uint64_t)json_integer_value(g);
	rh->seq = json_integer_value(s);
	rh->bytes = (size_t)json_integer_value(b);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

struct collect {
	struct pooldns_table *pools, *members;
};

static int append_rows(struct pooldns_table *to, const struct pooldns_table *from)
{
	for (size_t r = 0; r < from->nrows; r++)
		if (pooldns_table_add_row(to, pooldns_table_cell(from, r, 0)) != 0)
			return -1;
	return 0;
}

static int collect_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	struct collect *c = ctx;
	if (append_rows(c->pools, page->pools) != 0 || append_rows(c->members, page->members) != 0) {
		pooldns_set_err(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

static bool has_zone(const struct rec_head *rh, int64_t id)
{
	size_t lo = 0, hi = rh->nzones;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rh->zones[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rh->nzones && rh->zones[lo] == id;
}

int pooldns_journal_replay_buf(const char *buf, size_t len, uint64_t base_checksum,
			       int64_t base_version, pooldns_journal_fn fn, void *ctx,
			       struct pooldns_journal_result *res, char *err, size_t errsz)
{
	size_t pos = 0, n;
	memset(res, 0, sizeof *res);
	res->version = -1;
	if (len == 0)
		return 0;
	const char *line = take_line(buf, len, &pos, &n);
	if (line == NULL) {
		snprintf(res->stopped, sizeof res->stopped, "line 1: no whole header line");
		return 0;
	}
	if (check_header(line, n, base_checksum, base_version, res) != 0)
		return 0;
	while (pos < len) {
		char why[200];
		struct rec_head rh;
		size_t at = pos;
		line = take_line(buf, len, &pos, &n);
		if (line == NULL) {
			snprintf(res->stopped, sizeof res->stopped,
				 "record %zu: its line is cut short", res->records + 1);
			return 0;
		}
		if (parse_head(line, n, len - pos, &rh, why, sizeof why) != 0) {
			snprintf(res->stopped, sizeof res->stopped, "record %zu (byte %zu): %s",
				 res->records + 1, at, why);
			return 0;
		}
		struct collect c = {
			.pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns),
			.members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns),
		};
		int64_t version = -1;
		int rc = 0;
		if (c.pools == NULL || c.members == NULL) {
			snprintf(why, sizeof why, "out of memory");
			rc = -1;
		} else if (pooldns_cache_load_buf(buf + pos, rh.bytes, SIZE_MAX, collect_page, &c,
						  &version, why, sizeof why) != 0) {
			rc = -1;
		}
		for (size_t r = 0; rc == 0 && r < c.pools->nrows; r++) {
			const struct pooldns_cell *id = pooldns_table_cell(c.pools, r, 0);
			if (id->type != POOLDNS_CELL_INT || !has_zone(&rh, id->i)) {
				snprintf(why, sizeof why, "pool row %zu is not one of its zones",
					 r + 1);
				rc = -1;
			}
		}
		if (rc != 0) {
			snprintf(res->stopped, sizeof res->stopped, "record %zu (byte %zu): %s",
				 res->records + 1, at, why);
			pooldns_table_free(c.pools);
			pooldns_table_free(c.members);
			free(rh.zones);
			return 0;
		}
		pos += rh.bytes;
		struct pooldns_delta d = {
			.version = version,
			.seq = rh.seq,
			.zones = rh.zones,
			.nzones = rh.nzones,
			.pools = c.pools,
			.members = c.members,
		};
		rc = fn(ctx, &d, err, errsz);
		pooldns_delta_clear(&d);
		if (rc != 0)
			return -1;
		res->records++;
		res->version = version;
	}
	return 0;
}

int pooldns_journal_replay(const char *path, uint64_t base_checksum, int64_t base_version,
			   pooldns_journal_fn fn, void *ctx, struct pooldns_journal_result *res,
			   char *err, size_t errsz)
{
	memset(res, 0, sizeof *res);
	res->version = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		pooldns_set_err(err, errsz, "journal %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		pooldns_set_err(err, errsz, "journal %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		pooldns_set_err(err, errsz, "journal %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = pooldns_journal_replay_buf(map, (size_t)st.st_size, base_checksum, base_version,
					    fn, ctx, res, err, errsz);
	munmap(map, (size_t)st.st_size);
	return rc;
}
