/*
 * cache_file.c — what every part of the cache file shares: the column
 * check against the SQL select lists, the UTF-8 rule of the cells, and
 * the temporary file that makes every write atomic ("<path>.tmp.XXXXXX"
 * in the same directory, fsync, rename over path, fsync the directory).
 *
 * Owns nothing between calls. Thread model: reentrant; one writer per path
 * at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/log.h"
#include "core/source/cache_file.h"

int pooldns_cache_check_columns(const char *const *names, size_t n, const char *sql,
				const char *what, char *err, size_t errsz)
{
	const char *p = sql + strlen("SELECT ");
	const char *end = strstr(p, " FROM ");
	size_t k = 0;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end)
			break;
		const char *q = p;
		while (q < end && *q != ',' && *q != ' ')
			q++;
		size_t len = (size_t)(q - p);
		if (k >= n) {
			pooldns_set_err(err, errsz, "%s: column %zu missing (expected '%.*s')",
					what, k + 1, (int)len, p);
			return -1;
		}
		if (strlen(names[k]) != len || memcmp(names[k], p, len) != 0) {
			pooldns_set_err(err, errsz, "%s: column %zu is '%s', expected '%.*s'", what,
					k + 1, names[k], (int)len, p);
			return -1;
		}
		k++;
		p = q;
	}
	if (k != n) {
		pooldns_set_err(err, errsz, "%s: %zu columns, expected %zu", what, n, k);
		return -1;
	}
	return 0;
}

size_t pooldns_cache_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		len = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		len = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* The directory holding path ("." for a bare name); caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int pooldns_cache_tmp_open(const char *path, char **tmp, char *err, size_t errsz)
{
	struct stat st;

	*tmp = NULL;
	/* Never rename over a device, a directory or a FIFO. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		pooldns_set_err(err, errsz, "cache %s: not a regular file", path);
		return -1;
	}
	size_t plen = strlen(path);
	char *t = malloc(plen + sizeof ".tmp.XXXXXX");
	if (t == NULL) {
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return -1;
	}
	memcpy(t, path, plen);
	memcpy(t + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkostemp(t, O_CLOEXEC);
	if (fd < 0) {
		pooldns_set_err(err, errsz, "cache %s: creating temporary file: %s", path,
				strerror(errno));
		free(t);
		return -1;
	}
	if (fchmod(fd, 0640) != 0) {
		pooldns_set_err(err, errsz, "cache %s: chmod %s: %s", path, t, strerror(errno));
		close(fd);
		unlink(t);
		free(t);
		return -1;
	}
	*tmp = t;
	return fd;
}

int pooldns_cache_tmp_install(const char *tmp, const char *path, char *err, size_t errsz)
{
	if (rename(tmp, path) != 0) {
		pooldns_set_err(err, errsz, "cache %s: rename from %s: %s", path, tmp,
				strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* Make the rename itself durable. */
	char *dir = dir_of(path);
	if (dir == NULL) {
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return -1;
	}
	int rc = -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pooldns_set_err(err, errsz, "cache %s: opening directory %s: %s", path, dir,
				strerror(errno));
	} else if (fsync(dfd) != 0 && errno != EINVAL) {
		pooldns_set_err(err, errsz, "cache %s: fsync directory %s: %s", path, dir,
				strerror(errno));
	} else {
		rc = 0;
	}
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return rc;
}
