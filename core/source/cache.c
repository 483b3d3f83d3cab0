/*
 * cache.c — the format of the last-good cache file, and reading it (see
 * cache.h). Writing format 2 is in cache_out.c; format 1 is read by
 * cache_v1.c and no longer written.
 *
 * Format 2: text, one JSON value per line, each line ending in "\n" and at
 * most POOLDNS_CACHE_MAX_LINE bytes long (newline included):
 *
 *   {"format":"pooldns-cache","format_version":2,
 *    "pool_columns":["id","name",...],"member_columns":["id","dns_zone",...]}
 *   ["p",1,"google.com.",30,"round_robin",8,"all","none",null,"/",null,200,null,5000,2000,2,3]
 *   ["m",1,1,"142.250.180.14",1,0,1]
 *   ["m",4,1,"2a00:1450:4001:80b::200e",1,0,1]
 *   ["p",2,...]
 *   {"data_version":77,"pools":2,"members":3,"fnv1a64":"8f1c0a4d3b2e6f70"}
 *
 * (the header is one line; it is wrapped here). Rules, all checked:
 * - The header lists the select lists of POOLDNS_SQL_POOLS and
 *   POOLDNS_SQL_MEMBERS (source.h), compared with the SQL text itself, so
 *   a change of columns makes older files unusable rather than misread.
 *   It has no other keys.
 * - A row line is ["p", 16 pool cells] or ["m", 6 member cells], cells as
 *   rqlite gives them: null, integer, real or string (rqlite_json.h).
 * - Pool ids are integers in strictly ascending order, so the pages come
 *   in the order of a paged full load from the source and a repeated id is
 *   caught without remembering ids.
 * - Member rows follow their pool's row, their dns_zone equal to its id;
 *   at most POOLDNS_CACHE_MAX_MEMBERS_PER_POOL of them per pool. A page is
 *   therefore at most page_pools pools with their members.
 * - The end line holds the data version, the numbers of pool and member
 *   rows, and the FNV-1a 64 of every byte before it, as 16 lower-case hex
 *   digits. Nothing may follow it. A file without it is truncated.
 * Cells are not validated here: the builder does that, as for a load from
 * the source, so a row that is well formed but wrong is skipped and
 * reported there, not here.
 *
 * Format 1 (pooldns before format 2; read only, see cache_v1.c): one JSON
 * document {"format":"pooldns-cache","format_version":1,"data_version":N,
 * "results":[<pools>,<members>]} in rqlite's result shape.
 *
 * Which format a file has is told by its first line: a format 2 header
 * starts a streamed read; a first line that is a header of another
 * version is refused; anything else is read whole as format 1 (at most
 * 256 MiB), which also gives format 1's messages for garbage.
 *
 * Reading format 2, the usual row line (what cache_out.c writes: no white
 * space, no escapes, no reals) is taken apart by pooldns_cache_row_fast();
 * every other line, and every line it declines, goes to jansson, which
 * alone decides what is valid and words the errors. jansson builds and
 * frees a value per cell, which made it most of the cost of a read (about
 * 9 s of a 10 s read of a million pools); fuzz_cache checks that both read
 * every line the shortcut takes the same way.
 *
 * Owns: nothing beyond each call (the line buffers and the page tables).
 * Thread model: reentrant, no shared state.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"
#include "core/source/cache.h"
#include "core/source/cache_file.h"
#include "core/source/cache_v1.h"
#include "core/source/rqlite_json.h"
#include "core/source/source.h"

#define CACHE_V2_VERSION 2
#define CACHE_CHUNK      (64 * 1024)

/* ---- lines ---- */

enum { LINE_EOF = 0, LINE_OK = 1, LINE_LONG = -1, LINE_UNENDED = -2, LINE_IO = -3, LINE_OOM = -4 };

/* Lines of a buffer or a file. A line is handed out without its newline;
 * from a file it lives in the read chunk or, when it crosses a chunk
 * boundary, in acc, until the next call. The last line of an input that
 * does not end in a newline comes with LINE_UNENDED. */
struct lines {
	const char *data; /* the buffer, or chunk */
	size_t pos;
	size_t end;
	FILE *f; /* NULL: reading a buffer */
	char *chunk;
	char *acc;
	size_t acc_len;
	size_t acc_cap;
	size_t lineno; /* of the line last handed out */
	int io_errno;
	uint64_t checksum; /* a format 2 file read to its end: its end line's sum */
};

static int acc_add(struct lines *l, const char *p, size_t n)
{
	if (n == 0)
		return LINE_OK;
	if (n > POOLDNS_CACHE_MAX_LINE - l->acc_len)
		return LINE_LONG;
	if (l->acc_len + n > l->acc_cap) {
		size_t cap = l->acc_cap ? l->acc_cap : CACHE_CHUNK;
		while (cap < l->acc_len + n)
			cap *= 2;
		char *a = realloc(l->acc, cap);
		if (a == NULL)
			return LINE_OOM;
		l->acc = a;
		l->acc_cap = cap;
	}
	memcpy(l->acc + l->acc_len, p, n);
	l->acc_len += n;
	return LINE_OK;
}

static int next_line(struct lines *l, const char **line, size_t *len)
{
	l->acc_len = 0;
	for (;;) {
		size_t avail = l->end - l->pos;
		const char *p = l->data + l->pos;
		const char *nl = memchr(p, '\n', avail);
		if (nl != NULL) {
			size_t n = (size_t)(nl - p);
			l->pos += n + 1;
			l->lineno++;
			if (l->acc_len == 0) {
				if (n + 1 > POOLDNS_CACHE_MAX_LINE)
					return LINE_LONG;
				*line = p;
				*len = n;
				return LINE_OK;
			}
			int rc = acc_add(l, p, n + 1);
			if (rc != LINE_OK)
				return rc;
			*line = l->acc;
			*len = l->acc_len - 1;
			return LINE_OK;
		}
		if (l->f == NULL) {
			if (avail == 0)
				return LINE_EOF;
			l->lineno++;
			if (avail >= POOLDNS_CACHE_MAX_LINE)
				return LINE_LONG;
			l->pos = l->end;
			*line = p;
			*len = avail;
			return LINE_UNENDED;
		}
		int rc = acc_add(l, p, avail);
		if (rc != LINE_OK) {
			l->lineno++;
			return rc;
		}
		l->pos = l->end = 0;
		size_t got = fread(l->chunk, 1, CACHE_CHUNK, l->f);
		if (got == 0) {
			if (ferror(l->f)) {
				l->io_errno = errno;
				return LINE_IO;
			}
			if (l->acc_len == 0)
				return LINE_EOF;
			l->lineno++;
			*line = l->acc;
			*len = l->acc_len;
			return LINE_UNENDED;
		}
		l->end = got;
	}
}

/* A message for a failed next_line(). */
static void line_err(const struct lines *l, int rc, char *err, size_t errsz)
{
	switch (rc) {
	case LINE_LONG:
		pooldns_set_err(err, errsz, "line %zu: longer than %d bytes", l->lineno,
				POOLDNS_CACHE_MAX_LINE);
		break;
	case LINE_UNENDED:
		pooldns_set_err(err, errsz, "line %zu: no newline at its end (truncated file?)",
				l->lineno);
		break;
	case LINE_IO:
		pooldns_set_err(err, errsz, "read error after line %zu: %s", l->lineno,
				strerror(l->io_errno));
		break;
	case LINE_OOM:
		pooldns_set_err(err, errsz, "line %zu: out of memory", l->lineno + 1);
		break;
	default:
		pooldns_set_err(err, errsz, "after line %zu: no end line (truncated file?)",
				l->lineno);
		break;
	}
}

/* ---- format 2 ---- */

int pooldns_cache_row_fast(const char *line, size_t len, struct pooldns_cache_row *row,
			   char *scratch)
{
	const char *p = line, *end = line + len;
	char *o = scratch;
	size_t want;

	if (len < 5 || memcmp(p, "[\"", 2) != 0 || (p[2] != 'p' && p[2] != 'm') || p[3] != '"')
		return 0;
	row->tag = p[2];
	row->ncells = 0;
	want = p[2] == 'p' ? POOLDNS_POOL_NCOLS : POOLDNS_MEMBER_NCOLS;
	p += 4;
	while (p < end && *p != ']') {
		if (*p++ != ',' || row->ncells == want || p == end)
			return 0;
		struct pooldns_cell *c = &row->cells[row->ncells++];
		memset(c, 0, sizeof *c);
		if (*p == 'n') {
			if (end - p < 4 || memcmp(p, "null", 4) != 0)
				return 0;
			c->type = POOLDNS_CELL_NULL;
			p += 4;
		} else if (*p == '"') {
			c->type = POOLDNS_CELL_TEXT;
			c->s = o;
			for (p++;;) {
				if (p == end)
					return 0;
				unsigned char ch = (unsigned char)*p;
				if (ch == '"')
					break;
				if (ch < 0x20 || ch == '\\')
					return 0;
				size_t n = pooldns_cache_utf8_len((const unsigned char *)p,
								  (size_t)(end - p));
				if (n == 0)
					return 0;
				memcpy(o, p, n);
				o += n;
				p += n;
			}
			p++;
			*o++ = '\0';
		} else {
			bool neg = *p == '-';
			uint64_t u = 0;
			if (neg)
				p++;
			if (p == end || *p < '0' || *p > '9' ||
			    (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
				return 0;
			for (; p < end && *p >= '0' && *p <= '9'; p++) {
				unsigned d = (unsigned)(*p - '0');
				if (u > (UINT64_MAX - d) / 10)
					return 0;
				u = u * 10 + d;
			}
			/* Reals, and integers jansson refuses as too big, go there. */
			if ((p < end && (*p == '.' || *p == 'e' || *p == 'E')) ||
			    u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
				return 0;
			c->type = POOLDNS_CELL_INT;
			c->i = !neg                      ? (int64_t)u
			       : u > (uint64_t)INT64_MAX ? INT64_MIN
							 : -(int64_t)u;
		}
	}
	return p + 1 == end && row->ncells == want;
}

struct v2 {
	struct lines *l;
	size_t page_pools;
	pooldns_cache_page_fn fn;
	void *ctx;
	struct pooldns_dataset page;
	uint64_t hash; /* of every line so far */
	uint64_t npools;
	uint64_t nmembers;
	bool in_pool;
	int64_t pool_id;
	size_t pool_members;
	char *scratch; /* text of a row read by pooldns_cache_row_fast() */
	size_t scratch_cap;
	char *err;
	size_t errsz;
};

static json_t *parse_line(struct v2 *v, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);

	if (j == NULL)
		pooldns_set_err(v->err, v->errsz, "line %zu: invalid JSON at column %d: %s",
				v->l->lineno, jerr.column, jerr.text);
	return j;
}

/* A header's column list: an array of exactly the SQL's select list
 * (expected names). */
static int header_columns(struct v2 *v, const json_t *list, const char *key, const char *sql,
			  size_t expected)
{
	const char *names[POOLDNS_POOL_NCOLS];
	char what[64];
	size_t n;

	snprintf(what, sizeof what, "line 1: \"%s\"", key);
	if (!json_is_array(list)) {
		pooldns_set_err(v->err, v->errsz, "%s: missing or not an array", what);
		return -1;
	}
	n = json_array_size(list);
	if (n > expected) {
		pooldns_set_err(v->err, v->errsz, "%s: %zu columns, expected %zu", what, n,
				expected);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		names[i] = json_string_value(json_array_get(list, i));
		if (names[i] == NULL) {
			pooldns_set_err(v->err, v->errsz, "%s: column %zu is not a string", what,
					i + 1);
			return -1;
		}
	}
	return pooldns_cache_check_columns(names, n, sql, what, v->err, v->errsz);
}

static int check_header(struct v2 *v, const json_t *h)
{
	const char *key;
	const json_t *val;

	json_object_foreach((json_t *)h, key, val)
	{
		if (strcmp(key, "format") != 0 && strcmp(key, "format_version") != 0 &&
		    strcmp(key, "pool_columns") != 0 && strcmp(key, "member_columns") != 0) {
			pooldns_set_err(v->err, v->errsz, "line 1: unknown header key \"%s\"", key);
			return -1;
		}
	}
	_Static_assert(POOLDNS_MEMBER_NCOLS <= POOLDNS_POOL_NCOLS, "names[] holds either list");
	if (header_columns(v, json_object_get(h, "pool_columns"), "pool_columns", POOLDNS_SQL_POOLS,
			   POOLDNS_POOL_NCOLS) != 0 ||
	    header_columns(v, json_object_get(h, "member_columns"), "member_columns",
			   POOLDNS_SQL_MEMBERS, POOLDNS_MEMBER_NCOLS) != 0)
		return -1;
	return 0;
}

static int emit_page(struct v2 *v)
{
	char msg[512] = "";
	int rc = v->fn(v->ctx, &v->page, msg, sizeof msg);

	pooldns_table_clear_rows(v->page.pools);
	pooldns_table_clear_rows(v->page.members);
	if (rc != 0) {
		pooldns_set_err(v->err, v->errsz, "%s", msg[0] != '\0' ? msg : "stopped");
		return -1;
	}
	return 0;
}

/* A row line parsed by jansson, as a row (text borrowed from j). */
static int row_from_json(struct v2 *v, const json_t *j, struct pooldns_cache_row *row)
{
	size_t lineno = v->l->lineno;
	const char *tag = json_string_value(json_array_get(j, 0));

	if (!json_is_array(j) || tag == NULL || (strcmp(tag, "p") != 0 && strcmp(tag, "m") != 0)) {
		pooldns_set_err(v->err, v->errsz,
				"line %zu: not a row (the first value must be \"p\" or \"m\")",
				lineno);
		return -1;
	}
	bool pool = tag[0] == 'p';
	const char *const *cols = pool ? pooldns_pool_columns : pooldns_member_columns;
	size_t ncols = pool ? POOLDNS_POOL_NCOLS : POOLDNS_MEMBER_NCOLS;
	const char *what = pool ? "pool" : "member";
	if (json_array_size(j) != ncols + 1) {
		pooldns_set_err(v->err, v->errsz, "line %zu: %s row with %zu cells, expected %zu",
				lineno, what, json_array_size(j) - 1, ncols);
		return -1;
	}
	for (size_t c = 0; c < ncols; c++) {
		const json_t *jc = json_array_get(j, c + 1);
		if (pooldns_rqlite_json_cell(jc, &row->cells[c]) != 0) {
			pooldns_set_err(v->err, v->errsz, "line %zu: %s column %s: %s not allowed",
					lineno, what, cols[c], pooldns_rqlite_json_kind(jc));
			return -1;
		}
	}
	row->tag = tag[0];
	row->ncells = ncols;
	return 0;
}

/* A row's place in the file checked, and the row added to the page. */
static int add_row(struct v2 *v, const struct pooldns_cache_row *row)
{
	const struct pooldns_cell *cells = row->cells;
	size_t lineno = v->l->lineno;
	bool pool = row->tag == 'p';

	if (pool) {
		if (cells[0].type != POOLDNS_CELL_INT) {
			pooldns_set_err(v->err, v->errsz, "line %zu: pool id is not an integer",
					lineno);
			return -1;
		}
		if (v->in_pool && cells[0].i <= v->pool_id) {
			pooldns_set_err(
				v->err, v->errsz,
				"line %zu: pool id %lld after pool id %lld (ids must ascend)",
				lineno, (long long)cells[0].i, (long long)v->pool_id);
			return -1;
		}
		if (v->page.pools->nrows >= v->page_pools && emit_page(v) != 0)
			return -1;
		v->in_pool = true;
		v->pool_id = cells[0].i;
		v->pool_members = 0;
		v->npools++;
	} else {
		if (!v->in_pool) {
			pooldns_set_err(v->err, v->errsz,
					"line %zu: member row before any pool row", lineno);
			return -1;
		}
		if (cells[1].type != POOLDNS_CELL_INT || cells[1].i != v->pool_id) {
			pooldns_set_err(v->err, v->errsz,
					"line %zu: member dns_zone is not %lld, the id of the pool "
					"row before it",
					lineno, (long long)v->pool_id);
			return -1;
		}
		if (v->pool_members >= POOLDNS_CACHE_MAX_MEMBERS_PER_POOL) {
			pooldns_set_err(v->err, v->errsz,
					"line %zu: pool id %lld has more than %d member rows",
					lineno, (long long)v->pool_id,
					POOLDNS_CACHE_MAX_MEMBERS_PER_POOL);
			return -1;
		}
		v->pool_members++;
		v->nmembers++;
	}
	if (pooldns_table_add_row(pool ? v->page.pools : v->page.members, cells) != 0) {
		pooldns_set_err(v->err, v->errsz, "line %zu: out of memory", lineno);
		return -1;
	}
	return 0;
}

/* The end line: counts and checksum agree, and nothing follows. */
static int end_line(struct v2 *v, const json_t *e, int64_t *version)
{
	size_t lineno = v->l->lineno;
	const char *key;
	const json_t *val;
	char sum[17];

	json_object_foreach((json_t *)e, key, val)
	{
		if (strcmp(key, "data_version") != 0 && strcmp(key, "pools") != 0 &&
		    strcmp(key, "members") != 0 && strcmp(key, "fnv1a64") != 0) {
			pooldns_set_err(v->err, v->errsz, "line %zu: unknown end line key \"%s\"",
					lineno, key);
			return -1;
		}
	}
	const json_t *dv = json_object_get(e, "data_version");
	const json_t *np = json_object_get(e, "pools");
	const json_t *nm = json_object_get(e, "members");
	const char *fnv = json_string_value(json_object_get(e, "fnv1a64"));
	if (!json_is_integer(dv) || !json_is_integer(np) || !json_is_integer(nm) || fnv == NULL) {
		pooldns_set_err(v->err, v->errsz,
				"line %zu: the end line needs integer \"data_version\", \"pools\" "
				"and \"members\" and a string \"fnv1a64\"",
				lineno);
		return -1;
	}
	if ((uint64_t)json_integer_value(np) != v->npools ||
	    (uint64_t)json_integer_value(nm) != v->nmembers) {
		pooldns_set_err(v->err, v->errsz,
				"line %zu: the end line counts %lld pools and %lld members, the "
				"file has %" PRIu64 " and %" PRIu64,
				lineno, (long long)json_integer_value(np),
				(long long)json_integer_value(nm), v->npools, v->nmembers);
		return -1;
	}
	snprintf(sum, sizeof sum, "%016" PRIx64, v->hash);
	if (strcmp(fnv, sum) != 0) {
		pooldns_set_err(v->err, v->errsz,
				"line %zu: checksum mismatch (the file is damaged): fnv1a64 of "
				"the lines before is %s, the end line says \"%.20s\"",
				lineno, sum, fnv);
		return -1;
	}
	const char *line;
	size_t len;
	if (next_line(v->l, &line, &len) != LINE_EOF) {
		pooldns_set_err(v->err, v->errsz, "line %zu: data after the end line", lineno + 1);
		return -1;
	}
	*version = (int64_t)json_integer_value(dv);
	v->l->checksum = v->hash;
	return 0;
}

/* Reads the lines after a format 2 header (h, already parsed). */
static int v2_load(struct lines *l, const json_t *h, size_t page_pools, pooldns_cache_page_fn fn,
		   void *ctx, int64_t *version, uint64_t header_hash, char *err, size_t errsz)
{
	struct v2 v = {
		.l = l,
		.page_pools = page_pools,
		.fn = fn,
		.ctx = ctx,
		.hash = header_hash,
		.err = err,
		.errsz = errsz,
	};
	int rc = -1;

	if (check_header(&v, h) != 0)
		return -1;
	v.page.pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	v.page.members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	if (v.page.pools == NULL || v.page.members == NULL) {
		pooldns_set_err(err, errsz, "out of memory");
		goto out;
	}
	for (;;) {
		const char *line;
		size_t len;
		int lr = next_line(l, &line, &len);
		if (lr != LINE_OK) {
			line_err(l, lr, err, errsz);
			goto out;
		}
		struct pooldns_cache_row row;
		int rrc;
		if (len + 1 > v.scratch_cap) {
			char *sc = realloc(v.scratch, len + 1);
			if (sc == NULL) {
				pooldns_set_err(err, errsz, "line %zu: out of memory", l->lineno);
				goto out;
			}
			v.scratch = sc;
			v.scratch_cap = len + 1;
		}
		if (pooldns_cache_row_fast(line, len, &row, v.scratch)) {
			rrc = add_row(&v, &row);
		} else {
			/* Anything unusual, the end line and every error: jansson. */
			json_t *j = parse_line(&v, line, len);
			if (j == NULL)
				goto out;
			if (json_is_object(j)) {
				int64_t dv = 0;
				int erc = end_line(&v, j, &dv);
				json_decref(j);
				if (erc != 0 || (v.page.pools->nrows > 0 && emit_page(&v) != 0))
					goto out;
				*version = dv;
				rc = 0;
				goto out;
			}
			rrc = row_from_json(&v, j, &row);
			if (rrc == 0)
				rrc = add_row(&v, &row);
			json_decref(j);
		}
		if (rrc != 0)
			goto out;
		v.hash = cache_fnv(v.hash, line, len);
		v.hash = cache_fnv(v.hash, "\n", 1);
	}
out:
	pooldns_dataset_clear(&v.page);
	free(v.scratch);
	return rc;
}

/* ---- which format ---- */

enum { FMT_V1 = 1, FMT_V2 = 2, FMT_BAD = -1 };

/* Looks at the first line: FMT_V2 with the header in *h (caller frees),
 * FMT_V1 to read the whole input as format 1, or FMT_BAD (an unsupported
 * version; message in err). */
static int sniff(const char *line, size_t len, json_t **h, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);

	*h = NULL;
	if (j == NULL)
		return FMT_V1;
	const char *fmt = json_string_value(json_object_get(j, "format"));
	const json_t *fv = json_object_get(j, "format_version");
	if (!json_is_object(j) || fmt == NULL || strcmp(fmt, CACHE_FORMAT) != 0 ||
	    !json_is_integer(fv) || json_integer_value(fv) == 1) {
		json_decref(j);
		return FMT_V1;
	}
	if (json_integer_value(fv) != CACHE_V2_VERSION) {
		pooldns_set_err(err, errsz, "format_version %lld not supported (expected 1 or 2)",
				(long long)json_integer_value(fv));
		json_decref(j);
		return FMT_BAD;
	}
	*h = j;
	return FMT_V2;
}

static void lines_free(struct lines *l)
{
	free(l->chunk);
	free(l->acc);
}

/* Reads l (a buffer or an open file) in whichever format it has. For
 * format 1, whole(ctx) supplies the whole input. */
static int load_lines(struct lines *l, size_t page_pools, pooldns_cache_page_fn fn, void *ctx,
		      int64_t *version,
		      int (*whole)(void *wctx, const char **buf, size_t *len, char *err,
				   size_t errsz),
		      void *wctx, char *err, size_t errsz)
{
	const char *line = NULL;
	size_t len = 0;
	json_t *h = NULL;
	int fmt = FMT_V1;

	if (page_pools == 0) {
		pooldns_set_err(err, errsz, "page size 0");
		return -1;
	}
	int lr = next_line(l, &line, &len);
	if (lr == LINE_IO || lr == LINE_OOM) {
		line_err(l, lr, err, errsz);
		return -1;
	}
	if (lr == LINE_OK || lr == LINE_UNENDED)
		fmt = sniff(line, len, &h, err, errsz);
	if (fmt == FMT_BAD)
		return -1;
	if (fmt == FMT_V2) {
		uint64_t hh = cache_fnv(cache_fnv(CACHE_FNV_INIT, line, len), "\n", 1);
		int rc = v2_load(l, h, page_pools, fn, ctx, version, hh, err, errsz);
		json_decref(h);
		return rc;
	}
	const char *buf;
	size_t blen;
	if (whole(wctx, &buf, &blen, err, errsz) != 0)
		return -1;
	return pooldns_cache_v1_load(buf, blen, page_pools, fn, ctx, version, err, errsz);
}

/* ---- entry points ---- */

struct mem_src {
	const char *buf;
	size_t len;
};

static int mem_whole(void *wctx, const char **buf, size_t *len, char *err, size_t errsz)
{
	struct mem_src *m = wctx;

	*buf = m->buf;
	*len = m->len;
	return 0;
}

int pooldns_cache_load_buf(const char *buf, size_t len, size_t page_pools, pooldns_cache_page_fn fn,
			   void *ctx, int64_t *version, char *err, size_t errsz)
{
	struct mem_src m = { .buf = buf != NULL ? buf : "", .len = buf != NULL ? len : 0 };
	struct lines l = { .data = m.buf, .end = m.len };

	int rc = load_lines(&l, page_pools, fn, ctx, version, mem_whole, &m, err, errsz);
	lines_free(&l);
	return rc;
}

struct file_src {
	FILE *f;
	off_t size;
	char *buf;
};

/* Format 1: the whole file, read again from its start. */
static int file_whole(void *wctx, const char **buf, size_t *len, char *err, size_t errsz)
{
	struct file_src *fs = wctx;

	if (fs->size > CACHE_V1_MAX_SIZE) {
		pooldns_set_err(err, errsz, "larger than %ld bytes", CACHE_V1_MAX_SIZE);
		return -1;
	}
	size_t cap = (size_t)fs->size + 1;
	fs->buf = malloc(cap);
	if (fs->buf == NULL) {
		pooldns_set_err(err, errsz, "out of memory");
		return -1;
	}
	if (fseeko(fs->f, 0, SEEK_SET) != 0) {
		pooldns_set_err(err, errsz, "%s", strerror(errno));
		return -1;
	}
	size_t n = fread(fs->buf, 1, cap, fs->f);
	if (ferror(fs->f)) {
		pooldns_set_err(err, errsz, "%s", strerror(errno));
		return -1;
	}
	if (n == cap) {
		/* The file grew since fstat: a writer not using rename. */
		pooldns_set_err(err, errsz, "file changed while reading");
		return -1;
	}
	*buf = fs->buf;
	*len = n;
	return 0;
}

int pooldns_cache_load(const char *path, size_t page_pools, pooldns_cache_page_fn fn, void *ctx,
		       int64_t *version, char *err, size_t errsz)
{
	uint64_t checksum;
	return pooldns_cache_load_sum(path, page_pools, fn, ctx, version, &checksum, err, errsz);
}

int pooldns_cache_load_sum(const char *path, size_t page_pools, pooldns_cache_page_fn fn,
			   void *ctx, int64_t *version, uint64_t *checksum, char *err,
			   size_t errsz)
{
	char msg[1024];
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		pooldns_set_err(err, errsz, "cache %s: %s", path, strerror(errno));
		return -1;
	}
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
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		pooldns_set_err(err, errsz, "cache %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	struct file_src fs = { .f = f, .size = st.st_size };
	struct lines l = { .f = f, .chunk = malloc(CACHE_CHUNK) };
	int rc = -1;
	if (l.chunk == NULL) {
		pooldns_set_err(msg, sizeof msg, "out of memory");
	} else {
		l.data = l.chunk;
		rc = load_lines(&l, page_pools, fn, ctx, version, file_whole, &fs, msg, sizeof msg);
	}
	*checksum = l.checksum;
	if (rc != 0)
		pooldns_set_err(err, errsz, "cache %s: %s", path, msg);
	lines_free(&l);
	free(fs.buf);
	fclose(f);
	return rc;
}
