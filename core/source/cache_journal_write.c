/*
 * cache_journal_write.c — writing the cache file's journal (see
 * cache_journal_write.h; the format is at the top of cache_journal.c): a
 * change made into a record (by the poller, core/poller.c), a new empty
 * journal put in place atomically and records appended and synced (by the
 * cache writer thread, core/cache_writer.c). The replay that reads what it
 * writes is in cache_journal.c.
 *
 * Owns nothing beyond each call. Thread model: reentrant, no shared state;
 * one writer per journal file at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/source/cache_file.h"
#include "core/source/cache_journal.h"
#include "core/source/cache_journal_write.h"
#include "core/source/cache_out.h"

static bool cell_int(const struct pooldns_cell *c, int64_t *v)
{
	if (c->type != POOLDNS_CELL_INT)
		return false;
	*v = c->i;
	return true;
}

/* The document: every pool row of d, each followed by its member rows. */
static int write_doc(FILE *f, const struct pooldns_delta *d, char *err, size_t errsz)
{
	struct pooldns_cache_out *w =
		pooldns_cache_out_open_stream(f, "journal record", err, errsz);
	if (w == NULL)
		return -1;
	size_t m = 0, nm = d->members != NULL ? d->members->nrows : 0;
	for (size_t r = 0; d->pools != NULL && r < d->pools->nrows; r++) {
		const struct pooldns_cell *pc = pooldns_table_cell(d->pools, r, 0);
		int64_t id, zone;
		if (!cell_int(pc, &id)) {
			pooldns_set_err(err, errsz,
					"journal record: pool row %zu has no integer id", r + 1);
			pooldns_cache_out_abort(w);
			return -1;
		}
		if (pooldns_cache_out_pool(w, pc, err, errsz) != 0) {
			pooldns_cache_out_abort(w);
			return -1;
		}
		/* Members are ordered by dns_zone; rows of no pool here (a
		 * member of a missing pool) are left out, as the builder
		 * drops them. */
		for (; m < nm; m++) {
			const struct pooldns_cell *mc = pooldns_table_cell(d->members, m, 0);
			if (!cell_int(&mc[1], &zone) || zone < id)
				continue;
			if (zone > id)
				break;
			if (pooldns_cache_out_member(w, mc, err, errsz) != 0) {
				pooldns_cache_out_abort(w);
				return -1;
			}
		}
	}
	return pooldns_cache_out_commit(w, d->version, err, errsz);
}

int pooldns_journal_record(const struct pooldns_delta *d, uint64_t generation, char **out,
			   size_t *outlen, char *err, size_t errsz)
{
	char *doc = NULL, *rec = NULL;
	size_t doclen = 0, reclen = 0;
	*out = NULL;
	*outlen = 0;
	if (d->pools != NULL && d->pools->ncols != POOLDNS_POOL_NCOLS) {
		pooldns_set_err(err, errsz, "journal record: pool rows of %zu columns",
				d->pools->ncols);
		return -1;
	}
	if (d->members != NULL && d->members->ncols != POOLDNS_MEMBER_NCOLS) {
		pooldns_set_err(err, errsz, "journal record: member rows of %zu columns",
				d->members->ncols);
		return -1;
	}
	FILE *f = open_memstream(&doc, &doclen);
	if (f == NULL) {
		pooldns_set_err(err, errsz, "journal record: %s", strerror(errno));
		return -1;
	}
	int rc = write_doc(f, d, err, errsz);
	if (fclose(f) != 0 && rc == 0) {
		pooldns_set_err(err, errsz, "journal record: %s", strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		free(doc);
		return -1;
	}
	f = open_memstream(&rec, &reclen);
	if (f == NULL) {
		free(doc);
		pooldns_set_err(err, errsz, "journal record: %s", strerror(errno));
		return -1;
	}
	fprintf(f, "{\"generation\":%" PRIu64 ",\"seq\":%lld,\"zones\":[", generation,
		(long long)d->seq);
	for (size_t i = 0; i < d->nzones; i++)
		fprintf(f, "%s%lld", i ? "," : "", (long long)d->zones[i]);
	fprintf(f, "],\"bytes\":%zu}\n", doclen);
	fwrite(doc, 1, doclen, f);
	free(doc);
	if (ferror(f) != 0) {
		fclose(f);
		free(rec);
		pooldns_set_err(err, errsz, "journal record: out of memory");
		return -1;
	}
	if (fclose(f) != 0) {
		free(rec);
		pooldns_set_err(err, errsz, "journal record: %s", strerror(errno));
		return -1;
	}
	*out = rec;
	*outlen = reclen;
	return 0;
}

int pooldns_journal_start(const char *path, uint64_t base_checksum, int64_t base_version, char *err,
			  size_t errsz)
{
	char *tmp = NULL;
	int fd = pooldns_cache_tmp_open(path, &tmp, err, errsz);
	if (fd < 0)
		return -1;
	char line[256];
	int n = snprintf(line, sizeof line,
			 "{\"format\":\"" POOLDNS_JOURNAL_FORMAT "\",\"format_version\":%d,"
			 "\"base_fnv1a64\":\"%016" PRIx64 "\",\"base_data_version\":%lld}\n",
			 POOLDNS_JOURNAL_VERSION, base_checksum, (long long)base_version);
	ssize_t w = write(fd, line, (size_t)n);
	if (w != n || fsync(fd) != 0) {
		pooldns_set_err(err, errsz, "journal %s: writing %s: %s", path, tmp,
				w < 0 || w == n ? strerror(errno) : "short write");
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	int rc = pooldns_cache_tmp_install(tmp, path, err, errsz);
	free(tmp);
	return rc;
}

int pooldns_journal_append(const char *path, const char *buf, size_t len, char *err, size_t errsz)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		pooldns_set_err(err, errsz, "journal %s: %s", path, strerror(errno));
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			pooldns_set_err(err, errsz, "journal %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fdatasync(fd) != 0) {
		pooldns_set_err(err, errsz, "journal %s: fdatasync: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
