/*
 * cache.c — the last-good dataset cache file (see cache.h).
 *
 * Owns: the file format. A cache file is rqlite's own result JSON for the
 * pool and member SELECTs plus a small header, so it is read back by the
 * same strict parser as a live answer (rqlite_json.c) and then checked
 * against the exact column lists of POOLDNS_SQL_POOLS / POOLDNS_SQL_MEMBERS
 * (taken from the SQL text itself, so the two cannot drift apart).
 *
 * Writes are atomic: "<path>.tmp.XXXXXX" in the same directory (mode 0640),
 * fsync, rename over path, fsync the directory. A crash leaves either the
 * old file or the new one, never a mix; a stray temporary file is harmless.
 *
 * Thread model: reentrant, no shared state; one writer per path at a time
 * (the poller).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "core/source/cache.h"
#include "core/log.h"
#include "core/source/rqlite_json.h"
#include "core/source/source.h"

#define CACHE_FORMAT         "pooldns-cache"
#define CACHE_FORMAT_VERSION 1
#define CACHE_MAX_SIZE       (256L * 1024 * 1024)

/* ---- writing ---- */

/* One statement result in rqlite's shape: {"columns":[..],"values":[[..]..]}. */
static json_t *table_to_json(const struct pooldns_table *t, const char *what, char *err,
			     size_t errsz)
{
	json_t *res = json_object();
	json_t *cols = json_array();
	json_t *vals = json_array();
	if (res == NULL || cols == NULL || vals == NULL)
		goto oom;
	for (size_t c = 0; c < t->ncols; c++)
		if (json_array_append_new(cols, json_string(t->cols[c])) != 0) {
			pooldns_set_err(err, errsz, "%s: column %zu: name is not valid UTF-8", what,
					c);
			goto fail;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		json_t *row = json_array();
		if (row == NULL || json_array_append_new(vals, row) != 0)
			goto oom;
		for (size_t c = 0; c < t->ncols; c++) {
			const struct pooldns_cell *cell = pooldns_table_cell(t, r, c);
			json_t *v = NULL;
			switch (cell->type) {
			case POOLDNS_CELL_NULL:
				v = json_null();
				break;
			case POOLDNS_CELL_INT:
				v = json_integer((json_int_t)cell->i);
				break;
			case POOLDNS_CELL_REAL:
				if (!isfinite(cell->r)) {
					pooldns_set_err(err, errsz,
							"%s: row %zu column %s: real is not finite",
							what, r + 1, t->cols[c]);
					goto fail;
				}
				v = json_real(cell->r);
				break;
			case POOLDNS_CELL_TEXT:
				v = json_string(cell->s);
				if (v == NULL) {
					pooldns_set_err(
						err, errsz,
						"%s: row %zu column %s: text is not valid UTF-8",
						what, r + 1, t->cols[c]);
					goto fail;
				}
				break;
			}
			if (v == NULL || json_array_append_new(row, v) != 0)
				goto oom;
		}
	}
	if (json_object_set_new(res, "columns", cols) != 0) {
		cols = NULL;
		goto oom;
	}
	cols = NULL;
	if (json_object_set_new(res, "values", vals) != 0) {
		vals = NULL;
		goto oom;
	}
	return res;
oom:
	pooldns_set_err(err, errsz, "%s: out of memory", what);
fail:
	json_decref(res);
	json_decref(cols);
	json_decref(vals);
	return NULL;
}

struct fd_writer {
	int fd;
	int error; /* errno of the first failed write */
};

static int write_cb(const char *buf, size_t size, void *data)
{
	struct fd_writer *w = data;
	while (size > 0) {
		ssize_t n = write(w->fd, buf, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->error = errno;
			return -1;
		}
		buf += n;
		size -= (size_t)n;
	}
	return 0;
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

int pooldns_cache_write(const char *path, const struct pooldns_dataset *ds, char *err, size_t errsz)
{
	if (ds == NULL || ds->pools == NULL || ds->members == NULL) {
		pooldns_set_err(err, errsz, "cache %s: no dataset to write", path);
		return -1;
	}
	char msg[512];
	json_t *root = json_object();
	json_t *results = json_array();
	if (root == NULL || results == NULL ||
	    json_object_set_new(root, "format", json_string(CACHE_FORMAT)) != 0 ||
	    json_object_set_new(root, "format_version", json_integer(CACHE_FORMAT_VERSION)) != 0 ||
	    json_object_set_new(root, "data_version", json_integer((json_int_t)ds->version)) != 0) {
		json_decref(root);
		json_decref(results);
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return -1;
	}
	json_t *jp = table_to_json(ds->pools, "pools", msg, sizeof msg);
	json_t *jm = jp != NULL ? table_to_json(ds->members, "members", msg, sizeof msg) : NULL;
	if (jp == NULL || jm == NULL) {
		json_decref(jp);
		json_decref(root);
		json_decref(results);
		pooldns_set_err(err, errsz, "cache %s: %s", path, msg);
		return -1;
	}
	/* json_*_set_new and append_new drop their value on failure. */
	bool ok = json_array_append_new(results, jp) == 0;
	if (!ok)
		json_decref(jm);
	else
		ok = json_array_append_new(results, jm) == 0;
	if (!ok)
		json_decref(results);
	else
		ok = json_object_set_new(root, "results", results) == 0;
	if (!ok) {
		json_decref(root);
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return -1;
	}

	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
	char *dir = dir_of(path);
	if (tmp == NULL || dir == NULL) {
		free(tmp);
		free(dir);
		json_decref(root);
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");

	int rc = -1;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		pooldns_set_err(err, errsz, "cache %s: creating temporary file: %s", path,
				strerror(errno));
		goto out;
	}
	struct fd_writer w = { .fd = fd, .error = 0 };
	if (fchmod(fd, 0640) != 0) {
		pooldns_set_err(err, errsz, "cache %s: chmod %s: %s", path, tmp, strerror(errno));
		goto out_unlink;
	}
	if (json_dump_callback(root, write_cb, &w, JSON_COMPACT) != 0 ||
	    write_cb("\n", 1, &w) != 0) {
		pooldns_set_err(err, errsz, "cache %s: writing %s: %s", path, tmp,
				w.error ? strerror(w.error) : "encoding failed");
		goto out_unlink;
	}
	if (fsync(fd) != 0) {
		pooldns_set_err(err, errsz, "cache %s: fsync %s: %s", path, tmp, strerror(errno));
		goto out_unlink;
	}
	int cfd = fd;
	fd = -1;
	if (close(cfd) != 0) {
		pooldns_set_err(err, errsz, "cache %s: closing %s: %s", path, tmp, strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		pooldns_set_err(err, errsz, "cache %s: rename from %s: %s", path, tmp,
				strerror(errno));
		goto out_unlink;
	}
	/* Make the rename itself durable. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pooldns_set_err(err, errsz, "cache %s: opening directory %s: %s", path, dir,
				strerror(errno));
		goto out;
	}
	if (fsync(dfd) != 0 && errno != EINVAL) {
		pooldns_set_err(err, errsz, "cache %s: fsync directory %s: %s", path, dir,
				strerror(errno));
		close(dfd);
		goto out;
	}
	close(dfd);
	rc = 0;
	goto out;
out_unlink:
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dir);
	json_decref(root);
	return rc;
}

/* ---- reading ---- */

/*
 * Checks that t's columns are exactly the select list of sql ("SELECT a, b
 * FROM ..."), in order.
 */
static int check_columns(const struct pooldns_table *t, const char *sql, const char *what,
			 char *err, size_t errsz)
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
		if (k >= t->ncols) {
			pooldns_set_err(err, errsz, "%s: column %zu missing (expected '%.*s')",
					what, k + 1, (int)len, p);
			return -1;
		}
		if (strlen(t->cols[k]) != len || memcmp(t->cols[k], p, len) != 0) {
			pooldns_set_err(err, errsz, "%s: column %zu is '%s', expected '%.*s'", what,
					k + 1, t->cols[k], (int)len, p);
			return -1;
		}
		k++;
		p = q;
	}
	if (k != t->ncols) {
		pooldns_set_err(err, errsz, "%s: %zu columns, expected %zu", what, t->ncols, k);
		return -1;
	}
	return 0;
}

int pooldns_cache_parse(const char *buf, size_t len, struct pooldns_dataset *out, char *err,
			size_t errsz)
{
	out->version = 0;
	out->pools = NULL;
	out->members = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(buf != NULL ? buf : "", buf != NULL ? len : 0,
				  JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		pooldns_set_err(err, errsz, "invalid JSON at line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
		return -1;
	}
	int rc = -1;
	struct pooldns_table *t[2] = { NULL, NULL };
	if (!json_is_object(root)) {
		pooldns_set_err(err, errsz, "not a pooldns cache file (not a JSON object)");
		goto out;
	}
	const json_t *fmt = json_object_get(root, "format");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), CACHE_FORMAT) != 0) {
		pooldns_set_err(err, errsz, "not a pooldns cache file (\"format\" is not \"%s\")",
				CACHE_FORMAT);
		goto out;
	}
	const json_t *fv = json_object_get(root, "format_version");
	if (!json_is_integer(fv)) {
		pooldns_set_err(err, errsz, "no integer \"format_version\"");
		goto out;
	}
	if (json_integer_value(fv) != CACHE_FORMAT_VERSION) {
		pooldns_set_err(err, errsz, "format_version %lld not supported (expected %d)",
				(long long)json_integer_value(fv), CACHE_FORMAT_VERSION);
		goto out;
	}
	const json_t *dv = json_object_get(root, "data_version");
	if (!json_is_integer(dv)) {
		pooldns_set_err(err, errsz, "no integer \"data_version\"");
		goto out;
	}
	if (pooldns_rqlite_parse_results_json(json_object_get(root, "results"), "results", t, 2,
					      err, errsz) != 0)
		goto out;
	if (check_columns(t[0], POOLDNS_SQL_POOLS, "results[0] (pools)", err, errsz) != 0 ||
	    check_columns(t[1], POOLDNS_SQL_MEMBERS, "results[1] (members)", err, errsz) != 0) {
		pooldns_table_free(t[0]);
		pooldns_table_free(t[1]);
		goto out;
	}
	out->version = (int64_t)json_integer_value(dv);
	out->pools = t[0];
	out->members = t[1];
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int pooldns_cache_read(const char *path, struct pooldns_dataset *out, char *err, size_t errsz)
{
	out->version = 0;
	out->pools = NULL;
	out->members = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pooldns_set_err(err, errsz, "cache %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		pooldns_set_err(err, errsz, "cache %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		pooldns_set_err(err, errsz, "cache %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > CACHE_MAX_SIZE) {
		pooldns_set_err(err, errsz, "cache %s: larger than %ld bytes", path,
				CACHE_MAX_SIZE);
		close(fd);
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1;
	char *buf = malloc(cap);
	if (buf == NULL) {
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		close(fd);
		return -1;
	}
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			/* The file grew since fstat: a writer not using rename. */
			pooldns_set_err(err, errsz, "cache %s: file changed while reading", path);
			goto fail;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pooldns_set_err(err, errsz, "cache %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	char msg[512];
	int rc = pooldns_cache_parse(buf, len, out, msg, sizeof msg);
	free(buf);
	if (rc != 0)
		pooldns_set_err(err, errsz, "cache %s: %s", path, msg);
	return rc;
fail:
	free(buf);
	close(fd);
	return -1;
}
