/*
 * cachefile.c — cache files for the tests and tools (cachefile.h): the
 * format 1 writer, which pooldns used before format 2 and which now only
 * makes old files for the upgrade tests and bench/tools/cachebench, and a
 * whole cache file read into one dataset.
 *
 * Owns nothing beyond each call. Thread model: reentrant, no shared state.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"
#include "core/source/cache.h"
#include "core/source/cache_file.h"
#include "core/source/source.h"
#include "cachefile.h"

/* ---- format 1 ---- */

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

int cachefile_write_v1(const char *path, const struct pooldns_dataset *ds, char *err, size_t errsz)
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
	    json_object_set_new(root, "format_version", json_integer(1)) != 0 ||
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

	char *tmp = NULL;
	int fd = pooldns_cache_tmp_open(path, &tmp, err, errsz);
	if (fd < 0) {
		json_decref(root);
		return -1;
	}
	struct fd_writer w = { .fd = fd, .error = 0 };
	int rc;
	if (json_dump_callback(root, write_cb, &w, JSON_COMPACT) != 0 ||
	    write_cb("\n", 1, &w) != 0) {
		pooldns_set_err(err, errsz, "cache %s: writing %s: %s", path, tmp,
				w.error ? strerror(w.error) : "encoding failed");
		close(fd);
		unlink(tmp);
		rc = -1;
	} else if (fsync(fd) != 0) {
		pooldns_set_err(err, errsz, "cache %s: fsync %s: %s", path, tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		rc = -1;
	} else if (close(fd) != 0) {
		pooldns_set_err(err, errsz, "cache %s: closing %s: %s", path, tmp, strerror(errno));
		unlink(tmp);
		rc = -1;
	} else {
		rc = pooldns_cache_tmp_install(tmp, path, err, errsz);
	}
	free(tmp);
	json_decref(root);
	return rc;
}

/* ---- one dataset ---- */

static int append_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	struct pooldns_dataset *out = ctx;
	const struct pooldns_table *from[2] = { page->pools, page->members };
	struct pooldns_table *to[2] = { out->pools, out->members };

	for (int t = 0; t < 2; t++)
		for (size_t r = 0; r < from[t]->nrows; r++)
			if (pooldns_table_add_row(to[t], pooldns_table_cell(from[t], r, 0)) != 0) {
				pooldns_set_err(err, errsz, "out of memory");
				return -1;
			}
	return 0;
}

int cachefile_read(const char *path, struct pooldns_dataset *out, char *err, size_t errsz)
{
	out->version = 0;
	out->pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	out->members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	if (out->pools == NULL || out->members == NULL) {
		pooldns_dataset_clear(out);
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return -1;
	}
	int64_t version = 0;
	if (pooldns_cache_load(path, SIZE_MAX, append_page, out, &version, err, errsz) != 0) {
		pooldns_dataset_clear(out);
		return -1;
	}
	out->version = version;
	return 0;
}
