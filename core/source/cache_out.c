/*
 * cache_out.c — writes format 2 of the cache file (described in cache.c)
 * row by row, and the atomic replacement both formats use.
 *
 * Each line is composed in a buffer of at most POOLDNS_CACHE_MAX_LINE
 * bytes, added to the checksum and handed to stdio; the JSON is written by
 * hand (the cells are only null, integers, reals and strings) because a
 * jansson value per cell would cost more than the write itself at a
 * million pools. The encoding follows jansson's, so the reader's jansson
 * gives back exactly the cells written: reals as "%.17g" with ".0" added
 * when that looks like an integer, strings checked to be UTF-8 with the
 * same rules, control characters escaped.
 *
 * The writer checks what the reader will check — ascending integer pool
 * ids, member rows right after their pool, line length, members per pool —
 * so it never leaves a file the reader refuses.
 *
 * Owns: the writer, its line buffer and stdio buffer, and the temporary
 * file until commit renames it or abort removes it.
 * Thread model: one thread per writer; no shared state.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/log.h"
#include "core/source/cache_file.h"
#include "core/source/cache_out.h"
#include "core/source/source.h"

#define CACHE_V2_VERSION 2
#define CACHE_IO_BUF     (256 * 1024)

struct pooldns_cache_out {
	FILE *f;
	char *iobuf; /* f's buffer (own files only) */
	bool own;    /* f is our temporary file */
	bool failed; /* a call failed: only commit (failing) or abort */
	char *path;  /* the file to replace, or the stream's name */
	char *tmp;   /* own: the temporary file */
	char *line;  /* the line being composed */
	size_t len;
	size_t cap;
	uint64_t hash; /* FNV-1a of every byte written so far */
	uint64_t npools;
	uint64_t nmembers;
	bool in_pool;    /* a pool row was written */
	int64_t pool_id; /* the last pool row's id */
	size_t pool_members;
};

/* ---- composing a line ---- */

/* What composing a line can run into. */
enum { PUT_OK = 0, PUT_LONG = -1, PUT_UTF8 = -2, PUT_OOM = -3 };

/* Makes room for n more bytes and the newline. */
static int room(struct pooldns_cache_out *w, size_t n)
{
	if (n > POOLDNS_CACHE_MAX_LINE - 1 - w->len)
		return PUT_LONG;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n + 1)
			cap *= 2;
		if (cap > POOLDNS_CACHE_MAX_LINE)
			cap = POOLDNS_CACHE_MAX_LINE;
		char *l = realloc(w->line, cap);
		if (l == NULL)
			return PUT_OOM;
		w->line = l;
		w->cap = cap;
	}
	return PUT_OK;
}

static int put(struct pooldns_cache_out *w, const char *s, size_t n)
{
	int rc = room(w, n);

	if (rc != PUT_OK)
		return rc;
	memcpy(w->line + w->len, s, n);
	w->len += n;
	return PUT_OK;
}

static int put_int(struct pooldns_cache_out *w, int64_t v)
{
	char buf[24], *e = buf + sizeof buf, *p = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return put(w, p, (size_t)(e - p));
}

/* As jansson writes a real: 17 significant digits, and ".0" added when
 * the text would read back as an integer. r is finite. */
static int put_real(struct pooldns_cache_out *w, double r)
{
	char buf[40];
	int n = snprintf(buf, sizeof buf - 2, "%.17g", r);

	if (n < 0 || (size_t)n >= sizeof buf - 2)
		return PUT_LONG;
	/* A locale may have written a decimal comma. */
	for (int i = 0; i < n; i++)
		if (buf[i] == ',')
			buf[i] = '.';
	if (strpbrk(buf, ".eE") == NULL) {
		buf[n++] = '.';
		buf[n++] = '0';
	}
	return put(w, buf, (size_t)n);
}

/* A JSON string: runs of plain bytes are copied at once, '"', '\\' and
 * control characters escaped. */
static int put_json_str(struct pooldns_cache_out *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0; /* bytes at s that go out as they are */
	int rc;

	if ((rc = put(w, "\"", 1)) != PUT_OK)
		return rc;
	for (;;) {
		unsigned char c = s[run];
		if (c >= 0x20 && c != '"' && c != '\\') {
			/* A NUL ends a sequence cut short: 4 is enough. */
			size_t n = c < 0x80 ? 1 : pooldns_cache_utf8_len(s + run, 4);
			if (n == 0)
				return PUT_UTF8;
			run += n;
			continue;
		}
		if ((rc = put(w, (const char *)s, run)) != PUT_OK)
			return rc;
		s += run;
		run = 0;
		if (c == '\0')
			break;
		char esc[8];
		switch (c) {
		case '"':
			memcpy(esc, "\\\"", 3);
			break;
		case '\\':
			memcpy(esc, "\\\\", 3);
			break;
		case '\n':
			memcpy(esc, "\\n", 3);
			break;
		case '\t':
			memcpy(esc, "\\t", 3);
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
			break;
		}
		if ((rc = put(w, esc, strlen(esc))) != PUT_OK)
			return rc;
		s++;
	}
	return put(w, "\"", 1);
}

/* Marks w failed with a message for what (and the column, if any). */
static int failed(struct pooldns_cache_out *w, char *err, size_t errsz, const char *what,
		  const char *col, int why)
{
	const char *text = why == PUT_UTF8  ? "text is not valid UTF-8"
			   : why == PUT_OOM ? "out of memory"
					    : "line longer than the limit";

	w->failed = true;
	if (why == PUT_LONG)
		pooldns_set_err(err, errsz, "cache %s: %s: line longer than %d bytes", w->path,
				what, POOLDNS_CACHE_MAX_LINE);
	else if (col != NULL)
		pooldns_set_err(err, errsz, "cache %s: %s: column %s: %s", w->path, what, col,
				text);
	else
		pooldns_set_err(err, errsz, "cache %s: %s: %s", w->path, what, text);
	return -1;
}

/* Ends the line, adds it to the checksum and hands it to stdio. */
static int end_line(struct pooldns_cache_out *w, char *err, size_t errsz)
{
	w->line[w->len++] = '\n'; /* room() always keeps a byte for it */
	w->hash = cache_fnv(w->hash, w->line, w->len);
	errno = 0;
	if (fwrite(w->line, 1, w->len, w->f) != w->len) {
		int e = errno;
		w->failed = true;
		pooldns_set_err(err, errsz, "cache %s: writing %s: %s", w->path,
				w->own ? w->tmp : "the stream",
				e != 0 ? strerror(e) : "write error");
		return -1;
	}
	w->len = 0;
	return 0;
}

/* Writes a row line: ["tag", n cells]; cols name the cells in messages. */
static int put_row(struct pooldns_cache_out *w, const char *tag, const struct pooldns_cell *cells,
		   const char *const *cols, size_t n, const char *what, char *err, size_t errsz)
{
	int rc;

	w->len = 0;
	if ((rc = put(w, tag, strlen(tag))) != PUT_OK)
		return failed(w, err, errsz, what, NULL, rc);
	for (size_t c = 0; c < n; c++) {
		const struct pooldns_cell *cell = &cells[c];

		if ((rc = put(w, ",", 1)) != PUT_OK)
			return failed(w, err, errsz, what, NULL, rc);
		switch (cell->type) {
		case POOLDNS_CELL_NULL:
			rc = put(w, "null", 4);
			break;
		case POOLDNS_CELL_INT:
			rc = put_int(w, cell->i);
			break;
		case POOLDNS_CELL_REAL:
			if (!isfinite(cell->r)) {
				w->failed = true;
				pooldns_set_err(err, errsz,
						"cache %s: %s: column %s: real is not finite",
						w->path, what, cols[c]);
				return -1;
			}
			rc = put_real(w, cell->r);
			break;
		case POOLDNS_CELL_TEXT:
			rc = put_json_str(w, cell->s != NULL ? cell->s : "");
			break;
		default:
			w->failed = true;
			pooldns_set_err(err, errsz, "cache %s: %s: column %s: unknown cell type",
					w->path, what, cols[c]);
			return -1;
		}
		if (rc != PUT_OK)
			return failed(w, err, errsz, what, cols[c], rc);
	}
	if ((rc = put(w, "]", 1)) != PUT_OK)
		return failed(w, err, errsz, what, NULL, rc);
	return end_line(w, err, errsz);
}

/* The header: format, version and the two column lists. */
static int put_header(struct pooldns_cache_out *w, char *err, size_t errsz)
{
	static const struct {
		const char *key;
		const char *const *names;
		size_t n;
	} lists[] = {
		{ "pool_columns", pooldns_pool_columns, POOLDNS_POOL_NCOLS },
		{ "member_columns", pooldns_member_columns, POOLDNS_MEMBER_NCOLS },
	};
	static const char head[] = "{\"format\":\"" CACHE_FORMAT "\",\"format_version\":";
	int rc = put(w, head, sizeof head - 1);

	if (rc == PUT_OK)
		rc = put_int(w, CACHE_V2_VERSION);
	for (size_t l = 0; l < 2 && rc == PUT_OK; l++) {
		rc = put(w, ",\"", 2);
		if (rc == PUT_OK)
			rc = put(w, lists[l].key, strlen(lists[l].key));
		if (rc == PUT_OK)
			rc = put(w, "\":[", 3);
		for (size_t c = 0; c < lists[l].n && rc == PUT_OK; c++) {
			if (c > 0)
				rc = put(w, ",", 1);
			if (rc == PUT_OK)
				rc = put_json_str(w, lists[l].names[c]);
		}
		if (rc == PUT_OK)
			rc = put(w, "]", 1);
	}
	if (rc == PUT_OK)
		rc = put(w, "}", 1);
	if (rc != PUT_OK)
		return failed(w, err, errsz, "header", NULL, rc);
	return end_line(w, err, errsz);
}

/* ---- the writer ---- */

static void out_free(struct pooldns_cache_out *w)
{
	free(w->line);
	free(w->iobuf);
	free(w->path);
	free(w->tmp);
	free(w);
}

static struct pooldns_cache_out *out_new(const char *path, char *err, size_t errsz)
{
	struct pooldns_cache_out *w = calloc(1, sizeof *w);

	if (w == NULL || (w->path = strdup(path)) == NULL) {
		free(w);
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		return NULL;
	}
	w->hash = CACHE_FNV_INIT;
	return w;
}

struct pooldns_cache_out *pooldns_cache_out_open(const char *path, char *err, size_t errsz)
{
	struct pooldns_cache_out *w = out_new(path, err, errsz);

	if (w == NULL)
		return NULL;
	w->iobuf = malloc(CACHE_IO_BUF);
	if (w->iobuf == NULL) {
		pooldns_set_err(err, errsz, "cache %s: out of memory", path);
		out_free(w);
		return NULL;
	}
	int fd = pooldns_cache_tmp_open(path, &w->tmp, err, errsz);
	if (fd < 0) {
		out_free(w);
		return NULL;
	}
	w->f = fdopen(fd, "w");
	if (w->f == NULL) {
		pooldns_set_err(err, errsz, "cache %s: %s: %s", path, w->tmp, strerror(errno));
		close(fd);
		unlink(w->tmp);
		out_free(w);
		return NULL;
	}
	w->own = true;
	setvbuf(w->f, w->iobuf, _IOFBF, CACHE_IO_BUF);
	if (put_header(w, err, errsz) != 0) {
		pooldns_cache_out_abort(w);
		return NULL;
	}
	return w;
}

struct pooldns_cache_out *pooldns_cache_out_open_stream(FILE *f, const char *name, char *err,
							size_t errsz)
{
	struct pooldns_cache_out *w = out_new(name != NULL ? name : "(stream)", err, errsz);

	if (w == NULL)
		return NULL;
	w->f = f;
	if (put_header(w, err, errsz) != 0) {
		pooldns_cache_out_abort(w);
		return NULL;
	}
	return w;
}

static int already_failed(const struct pooldns_cache_out *w, char *err, size_t errsz)
{
	pooldns_set_err(err, errsz, "cache %s: an earlier row failed", w->path);
	return -1;
}

int pooldns_cache_out_pool(struct pooldns_cache_out *w,
			   const struct pooldns_cell cells[POOLDNS_POOL_NCOLS], char *err,
			   size_t errsz)
{
	char what[64];

	if (w->failed)
		return already_failed(w, err, errsz);
	if (cells[0].type != POOLDNS_CELL_INT) {
		w->failed = true;
		pooldns_set_err(err, errsz, "cache %s: pool row %" PRIu64 ": id is not an integer",
				w->path, w->npools + 1);
		return -1;
	}
	if (w->in_pool && cells[0].i <= w->pool_id) {
		w->failed = true;
		pooldns_set_err(err, errsz,
				"cache %s: pool id %lld after pool id %lld: ids must ascend",
				w->path, (long long)cells[0].i, (long long)w->pool_id);
		return -1;
	}
	snprintf(what, sizeof what, "pool id %lld", (long long)cells[0].i);
	if (put_row(w, "[\"p\"", cells, pooldns_pool_columns, POOLDNS_POOL_NCOLS, what, err,
		    errsz) != 0)
		return -1;
	w->in_pool = true;
	w->pool_id = cells[0].i;
	w->pool_members = 0;
	w->npools++;
	return 0;
}

int pooldns_cache_out_member(struct pooldns_cache_out *w,
			     const struct pooldns_cell cells[POOLDNS_MEMBER_NCOLS], char *err,
			     size_t errsz)
{
	char what[96];

	if (w->failed)
		return already_failed(w, err, errsz);
	if (cells[0].type == POOLDNS_CELL_INT)
		snprintf(what, sizeof what, "member id %lld", (long long)cells[0].i);
	else
		snprintf(what, sizeof what, "member row %" PRIu64, w->nmembers + 1);
	if (!w->in_pool || cells[1].type != POOLDNS_CELL_INT || cells[1].i != w->pool_id) {
		w->failed = true;
		pooldns_set_err(err, errsz,
				"cache %s: %s: dns_zone is not the id of the pool row before it",
				w->path, what);
		return -1;
	}
	if (w->pool_members >= POOLDNS_CACHE_MAX_MEMBERS_PER_POOL) {
		w->failed = true;
		pooldns_set_err(err, errsz, "cache %s: pool id %lld: more than %d member rows",
				w->path, (long long)w->pool_id, POOLDNS_CACHE_MAX_MEMBERS_PER_POOL);
		return -1;
	}
	if (put_row(w, "[\"m\"", cells, pooldns_member_columns, POOLDNS_MEMBER_NCOLS, what, err,
		    errsz) != 0)
		return -1;
	w->pool_members++;
	w->nmembers++;
	return 0;
}

int pooldns_cache_out_commit(struct pooldns_cache_out *w, int64_t version, char *err, size_t errsz)
{
	uint64_t checksum;
	return pooldns_cache_out_commit_sum(w, version, &checksum, err, errsz);
}

int pooldns_cache_out_commit_sum(struct pooldns_cache_out *w, int64_t version, uint64_t *checksum,
				 char *err, size_t errsz)
{
	char tail[160];
	int rc = -1;

	if (w->failed) {
		already_failed(w, err, errsz);
		pooldns_cache_out_abort(w);
		return -1;
	}
	/* The end line is not part of the sum it carries. */
	int n = snprintf(tail, sizeof tail,
			 "{\"data_version\":%lld,\"pools\":%" PRIu64 ",\"members\":%" PRIu64
			 ",\"fnv1a64\":\"%016" PRIx64 "\"}\n",
			 (long long)version, w->npools, w->nmembers, w->hash);
	*checksum = w->hash;
	errno = 0;
	if (fwrite(tail, 1, (size_t)n, w->f) != (size_t)n || fflush(w->f) != 0) {
		int e = errno;
		pooldns_set_err(err, errsz, "cache %s: writing %s: %s", w->path,
				w->own ? w->tmp : "the stream",
				e != 0 ? strerror(e) : "write error");
		pooldns_cache_out_abort(w);
		return -1;
	}
	if (!w->own) {
		out_free(w);
		return 0;
	}
	if (fsync(fileno(w->f)) != 0) {
		pooldns_set_err(err, errsz, "cache %s: fsync %s: %s", w->path, w->tmp,
				strerror(errno));
		pooldns_cache_out_abort(w);
		return -1;
	}
	FILE *f = w->f;
	w->f = NULL;
	if (fclose(f) != 0) {
		pooldns_set_err(err, errsz, "cache %s: closing %s: %s", w->path, w->tmp,
				strerror(errno));
		unlink(w->tmp);
	} else {
		rc = pooldns_cache_tmp_install(w->tmp, w->path, err, errsz);
	}
	out_free(w);
	return rc;
}

void pooldns_cache_out_abort(struct pooldns_cache_out *w)
{
	if (w == NULL)
		return;
	if (w->own) {
		if (w->f != NULL)
			fclose(w->f);
		unlink(w->tmp);
	}
	out_free(w);
}
