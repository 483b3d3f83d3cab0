/*
 * rqlite_backup.c — the copy behind a fast full load from rqlite: GET
 * /db/backup from one node into a temporary file, check that the file is
 * one whole SQLite database, and open it as an immutable SQLite source.
 *
 * Why: a full load asked for page by page makes rqlited encode every row
 * as JSON, which costs it about 20 s of CPU per million pools; a backup is
 * the database file itself, sent as it is (about 2 s for a million pools
 * on loopback), and SQLite reads it as fast as a local file.
 *
 * Owns: the temporary file while it is written; once the SQLite copy is
 * open, that source unlinks it (source_sqlite.c), and every failure path
 * here unlinks it too, so no file is left behind.
 *
 * Thread model: called by the thread that uses the rqlite source; the CURL
 * handle it is given is used by that thread only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/source/rqlite_backup.h"

/* A backup that sends less than this many bytes per second for this
 * long is abandoned (rqlited may take a while to start sending). */
#define BACKUP_LOW_SPEED_BYTES 1024L
#define BACKUP_LOW_SPEED_S     30L

struct sink {
	int fd;
	int64_t written;
	int error; /* errno of a failed write */
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct sink *k = ud;
	size_t n = size * nmemb, off = 0;
	while (off < n) {
		ssize_t w = write(k->fd, ptr + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			k->error = errno;
			return 0; /* libcurl fails with CURLE_WRITE_ERROR */
		}
		off += (size_t)w;
	}
	k->written += (int64_t)n;
	return n;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * A whole SQLite database file: the magic string, a valid page size, and
 * a length of whole pages that matches the page count in the header when
 * the header says that count is valid (change counter == version-valid-for).
 * A truncated download fails here rather than as an error deep in a load.
 */
int pooldns_rqlite_backup_check(int fd, int64_t size, char *err, size_t errsz)
{
	unsigned char h[100];
	ssize_t got = pread(fd, h, sizeof h, 0);
	if (got != (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0) {
		pooldns_set_err(err, errsz, "not an SQLite database (%lld bytes)", (long long)size);
		return -1;
	}
	uint32_t page = (uint32_t)h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	if (page < 512 || (page & (page - 1)) != 0) {
		pooldns_set_err(err, errsz, "bad page size %u in the database header", page);
		return -1;
	}
	if (size < (int64_t)page || size % page != 0) {
		pooldns_set_err(err, errsz, "%lld bytes is not a whole number of %u-byte pages",
				(long long)size, page);
		return -1;
	}
	uint32_t npages = be32(h + 28);
	if (npages != 0 && be32(h + 24) == be32(h + 92) && (int64_t)npages * page != size) {
		pooldns_set_err(err, errsz, "%lld bytes, but the header says %u pages of %u",
				(long long)size, npages, page);
		return -1;
	}
	return 0;
}

int pooldns_rqlite_backup_fetch(CURL *c, const char *url, const char *dir, const char *describe,
				struct pooldns_source **copy, char *err, size_t errsz)
{
	char path[4096];
	*copy = NULL;
	if (snprintf(path, sizeof path, "%s/pooldns-backup-XXXXXX", dir) >= (int)sizeof path) {
		pooldns_set_err(err, errsz, "backup directory name too long");
		return -1;
	}
	int fd = mkstemp(path);
	if (fd < 0) {
		pooldns_set_err(err, errsz, "creating a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	struct sink k = { .fd = fd };
	char cerr[CURL_ERROR_SIZE];
	cerr[0] = '\0';
	CURLcode rc = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(c, opt, val);                                        \
	} while (0)
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_HTTPGET, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, cerr);
	SETOPT(CURLOPT_WRITEFUNCTION, on_data);
	SETOPT(CURLOPT_WRITEDATA, &k);
	/* The whole database: no size cap and no overall time limit, but a
	 * transfer that stalls is given up. */
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
	SETOPT(CURLOPT_TIMEOUT_MS, 0L);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, BACKUP_LOW_SPEED_BYTES);
	SETOPT(CURLOPT_LOW_SPEED_TIME, BACKUP_LOW_SPEED_S);
#undef SETOPT
	int ret = -1;
	if (rc != CURLE_OK) {
		pooldns_set_err(err, errsz, "setting up the request: %s", curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (k.error != 0)
			pooldns_set_err(err, errsz, "writing %s: %s", path, strerror(k.error));
		else
			pooldns_set_err(err, errsz, "%s",
					cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		const char *hint = "";
		if (status == 401 || status == 403)
			hint = " (the rqlite user needs the backup permission)";
		pooldns_set_err(err, errsz, "HTTP %ld%s", status, hint);
		goto out;
	}
	if (pooldns_rqlite_backup_check(fd, k.written, err, errsz) != 0)
		goto out;
	/* The copy unlinks the file once it is open. */
	*copy = pooldns_source_sqlite_copy(path, describe, err, errsz);
	path[0] = '\0';
	ret = *copy != NULL ? 0 : -1;
out:
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (path[0] != '\0')
		unlink(path);
	close(fd);
	return ret;
}
