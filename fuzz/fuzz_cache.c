/*
 * fuzz_cache.c — fuzz target for core/source/cache.c's paged reader, the
 * parser of the on-disk last-good cache file (formats 1 and 2), which a
 * crash, a full disk or an operator may have damaged.
 *
 * Each input is read four ways and the results are checked against each
 * other, besides the sanitizers:
 * - from the buffer in one page and in pages of one pool: both succeed or
 *   both fail, with the same data version and the same rows (format 1 in
 *   one page keeps the file's order; in pages it is sorted by id);
 * - from a file holding the same bytes (a memfd, opened by its
 *   /proc/self/fd name) in pages of one pool, through the file entry point
 *   the poller uses: the same pages, rows, version and message (with the
 *   "cache <path>: " prefix) as from the buffer; on success the checksum
 *   it reports is the FNV-1a of the bytes before the end line for format
 *   2, and 0 for format 1;
 * - every page has the 16 pool and 6 member columns of source.h, at least
 *   one pool row and at most page_pools of them (format 1 may exceed it
 *   only with rows that repeat the id of the last row within the limit,
 *   an id read as the builder reads it: 2 and 2.0 are the same),
 *   and, in pages of one,
 *   integer pool ids ascending across pages;
 * - a callback that stops at the second page (or, for a single page, the
 *   first) makes the load fail with its own message;
 * - every line that the reader's fast path (pooldns_cache_row_fast)
 *   accepts, jansson accepts too and reads as the same tag and cells: the
 *   fast path may only ever be a shortcut, never a second opinion;
 * - on failure the message is non-empty and terminated.
 * The empty input (libFuzzer runs it first; the corpus holds it) also runs
 * the cases no corpus file can hold, read from the buffer and from a file
 * alike where both exist: a line longer than the file reader's chunk
 * (64 KiB) in a valid file, lines over the 1 MiB limit, a file past format
 * 1's 256 MiB limit (sparse), a missing path, a directory, and page size
 * 0. A failed check aborts, which the fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "core/source/cache.h"
#include "core/source/cache_file.h"
#include "core/source/cache_out.h"
#include "core/source/rqlite_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STOP_MSG "stopped by the fuzz target"

struct tally {
	size_t page_pools;
	size_t stop_at; /* page number that fails; 0: none */
	size_t pages;
	size_t pools;
	size_t members;
	uint64_t sum; /* of the rows' digests: the same rows in any order */
	bool have_id;
	int64_t last_id;
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

static uint64_t cell_digest(const struct pooldns_cell *c)
{
	uint64_t h = mix(0xcbf29ce484222325ULL, (uint64_t)c->type);

	switch (c->type) {
	case POOLDNS_CELL_INT:
		return mix(h, (uint64_t)c->i);
	case POOLDNS_CELL_REAL: {
		uint64_t bits;
		memcpy(&bits, &c->r, sizeof bits);
		return mix(h, bits);
	}
	case POOLDNS_CELL_TEXT:
		for (const char *s = c->s; *s != '\0'; s++)
			h = mix(h, (unsigned char)*s);
		return h;
	default:
		return h;
	}
}

static bool same_id(const struct pooldns_cell *a, const struct pooldns_cell *b)
{
	int64_t x, y;

	if (pooldns_cell_int(a, &x) && pooldns_cell_int(b, &y))
		return x == y;
	return a->type == b->type && cell_digest(a) == cell_digest(b);
}

static int on_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	struct tally *t = ctx;
	const struct pooldns_table *p = page->pools, *m = page->members;

	t->pages++;
	check(p != NULL && m != NULL && p->ncols == POOLDNS_POOL_NCOLS &&
	      m->ncols == POOLDNS_MEMBER_NCOLS && p->nrows > 0);
	for (size_t r = t->page_pools; r < p->nrows; r++)
		check(same_id(pooldns_table_cell(p, r, 0),
			      pooldns_table_cell(p, t->page_pools - 1, 0)));
	for (size_t r = 0; t->page_pools == 1 && r < p->nrows; r++) {
		const struct pooldns_cell *id = pooldns_table_cell(p, r, 0);
		if (id->type == POOLDNS_CELL_INT) {
			check(!t->have_id || id->i >= t->last_id);
			t->have_id = true;
			t->last_id = id->i;
		}
	}
	for (int k = 0; k < 2; k++) {
		const struct pooldns_table *tab = k == 0 ? p : m;
		for (size_t r = 0; r < tab->nrows; r++) {
			uint64_t h = (uint64_t)k;
			for (size_t c = 0; c < tab->ncols; c++)
				h = mix(h, cell_digest(pooldns_table_cell(tab, r, c)));
			t->sum += h;
		}
	}
	t->pools += p->nrows;
	t->members += m->nrows;
	if (t->pages == t->stop_at) {
		snprintf(err, errsz, STOP_MSG);
		return -1;
	}
	return 0;
}

/* The bytes read from, and the one file that holds them. */
struct input {
	const char *data;
	size_t size;
	char path[64]; /* "/proc/self/fd/N" of a memfd */
};

static int run(const struct input *in, struct tally *t, int64_t *version, char *err, size_t errsz)
{
	memset(err, 'x', errsz);
	*version = 0;
	int rc = pooldns_cache_load_buf(in->data, in->size, t->page_pools, on_page, t, version, err,
					errsz);
	check(rc == 0 || rc == -1);
	if (rc != 0)
		check(memchr(err, '\0', errsz) != NULL && err[0] != '\0');
	return rc;
}

/* The memfd every file of this process is: created once, then rewritten. */
static int input_fd(void)
{
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz_cache", MFD_CLOEXEC);
		check(fd >= 0);
	}
	return fd;
}

/* Makes the file hold data[0..len), then zeros up to size bytes (a hole:
 * size may be far larger than len); fills in->path. */
static void set_file(struct input *in, const char *data, size_t len, size_t size)
{
	int fd = input_fd();

	if (size > len)
		check(ftruncate(fd, 0) == 0); /* what was there is no hole */
	for (size_t off = 0; off < len;) {
		ssize_t n = pwrite(fd, data + off, len - off, (off_t)off);
		check(n > 0);
		off += (size_t)n;
	}
	check(ftruncate(fd, (off_t)size) == 0);
	snprintf(in->path, sizeof in->path, "/proc/self/fd/%d", fd);
}

/* The checksum a format 2 file names in its end line: the FNV-1a of every
 * byte before that line. */
static uint64_t sum_before_last_line(const char *data, size_t size)
{
	size_t end = size;

	if (end > 0 && data[end - 1] == '\n')
		end--;
	while (end > 0 && data[end - 1] != '\n')
		end--;
	return cache_fnv(CACHE_FNV_INIT, data, end);
}

/* Whether the first line is a format 2 header, as far as the format goes. */
static bool v2_header(const char *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	json_error_t jerr;
	json_t *h = json_loadb(data, nl != NULL ? (size_t)(nl - data) : size,
			       JSON_REJECT_DUPLICATES, &jerr);
	const json_t *fv = json_object_get(h, "format_version");
	bool v2 = json_is_integer(fv) && json_integer_value(fv) == 2;

	json_decref(h);
	return v2;
}

/* The file read in pages of one, against the buffer read the same way
 * (paged: its tally, rc, version and message). */
static void check_file(const struct input *in, const struct tally *paged, int rc, int64_t version,
		       const char *msg)
{
	struct tally t = { .page_pools = 1 };
	int64_t v = 0;
	uint64_t checksum = 1;
	char prefix[sizeof in->path + 16];
	char err[sizeof prefix + 128];

	/* As long as the buffer's 128 bytes after the prefix, so that both
	 * messages are cut at the same place. */
	size_t n = (size_t)snprintf(prefix, sizeof prefix, "cache %s: ", in->path);
	size_t errsz = n + 128;
	memset(err, 'x', sizeof err);
	int frc = pooldns_cache_load_sum(in->path, 1, on_page, &t, &v, &checksum, err, errsz);
	check(frc == rc && t.pages == paged->pages && t.pools == paged->pools &&
	      t.members == paged->members && t.sum == paged->sum);
	if (frc != 0) {
		check(memchr(err, '\0', errsz) != NULL && strncmp(err, prefix, n) == 0 &&
		      strcmp(err + n, msg) == 0 && checksum == 0);
		return;
	}
	check(v == version);
	check(checksum ==
	      (v2_header(in->data, in->size) ? sum_before_last_line(in->data, in->size) : 0));
}

static bool same_cell(const struct pooldns_cell *a, const struct pooldns_cell *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == POOLDNS_CELL_INT)
		return a->i == b->i;
	if (a->type == POOLDNS_CELL_TEXT)
		return strcmp(a->s, b->s) == 0;
	return a->type == POOLDNS_CELL_NULL;
}

/* The fast path against jansson on one line. */
static void check_fast_line(const char *line, size_t len, char *scratch)
{
	struct pooldns_cache_row row;

	if (!pooldns_cache_row_fast(line, len, &row, scratch))
		return;
	json_error_t jerr;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	check(j != NULL && json_is_array(j) && json_array_size(j) == row.ncells + 1);
	const char *tag = json_string_value(json_array_get(j, 0));
	check(tag != NULL && tag[0] == row.tag && tag[1] == '\0');
	for (size_t c = 0; c < row.ncells; c++) {
		struct pooldns_cell cell;
		check(pooldns_rqlite_json_cell(json_array_get(j, c + 1), &cell) == 0);
		check(same_cell(&cell, &row.cells[c]));
	}
	json_decref(j);
}

/* The whole of one input: the checks listed at the top. */
static void check_input(struct input *in)
{
	struct tally whole = { .page_pools = SIZE_MAX }, paged = { .page_pools = 1 };
	int64_t v1 = 0, v2 = 0;
	char err[128], perr[128];

	int rc1 = run(in, &whole, &v1, err, sizeof err);
	int rc2 = run(in, &paged, &v2, perr, sizeof perr);
	check(rc1 == rc2);
	set_file(in, in->data, in->size, in->size);
	check_file(in, &paged, rc2, v2, perr);
	if (rc1 != 0)
		return;
	check(v1 == v2);
	check(whole.pools == paged.pools && whole.members == paged.members &&
	      whole.sum == paged.sum);
	check(whole.pages <= 1 && paged.pages <= paged.pools);
	if (whole.pages == 1) {
		/* Stop at the second page, or at the first when there is only
		 * one. */
		bool one = paged.pages < 2;
		struct tally stop = { .page_pools = one ? SIZE_MAX : 1, .stop_at = one ? 1 : 2 };
		int64_t v3;
		check(run(in, &stop, &v3, err, sizeof err) == -1);
		check(strstr(err, STOP_MSG) != NULL && stop.pages == stop.stop_at);
	}
}

/* A valid format 2 file of one pool whose name is len bytes, written by
 * the library's writer into *out (caller frees). */
static size_t long_name_file(size_t len, char **out)
{
	char *name = malloc(len + 1), err[256];
	size_t size = 0;
	FILE *f = open_memstream(out, &size);
	check(name != NULL && f != NULL);
	memset(name, 'a', len);
	name[len] = '\0';

	struct pooldns_cell p[POOLDNS_POOL_NCOLS] = { 0 }, m[POOLDNS_MEMBER_NCOLS] = { 0 };
	p[0] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = 7 };
	p[1] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = name };
	m[0] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = 1 };
	m[1] = p[0];
	struct pooldns_cache_out *w = pooldns_cache_out_open_stream(f, "long", err, sizeof err);
	check(w != NULL && pooldns_cache_out_pool(w, p, err, sizeof err) == 0 &&
	      pooldns_cache_out_member(w, m, err, sizeof err) == 0 &&
	      pooldns_cache_out_commit(w, 42, err, sizeof err) == 0);
	check(fclose(f) == 0);
	free(name);
	return size;
}

/* The cases of the empty input (see the top). */
static void check_limits(void)
{
	struct input in;
	struct tally t = { .page_pools = 1 };
	int64_t v;
	char err[256];

	/* A line across the file reader's chunks, in a valid file. */
	char *doc;
	size_t doclen = long_name_file(100000, &doc);
	in.data = doc;
	in.size = doclen;
	check_input(&in);
	check(pooldns_cache_load_buf(doc, doclen, 1, on_page, &t, &v, err, sizeof err) == 0 &&
	      t.pools == 1 && t.members == 1 && v == 42);

	/* Its header, then a line 2 longer than the limit, ended and not. */
	size_t hl = (size_t)((const char *)memchr(doc, '\n', doclen) - doc) + 1;
	size_t size = hl + POOLDNS_CACHE_MAX_LINE + 1;
	char *big = calloc(1, size);
	check(big != NULL);
	memcpy(big, doc, hl);
	free(doc);
	in.data = big;
	in.size = size;
	for (int ended = 0; ended < 2; ended++) {
		big[size - 1] = ended ? '\n' : '\0';
		check_input(&in);
		check(run(&in, &t, &v, err, sizeof err) == -1 &&
		      strstr(err, "line 2: longer than") != NULL);
	}
	free(big);

	/* Past format 1's size limit: refused before it is read. */
	set_file(&in, "", 0, (size_t)CACHE_V1_MAX_SIZE + 1);
	check(pooldns_cache_load(in.path, 1, on_page, &t, &v, err, sizeof err) == -1 &&
	      strstr(err, "larger than") != NULL);

	/* Not a file to read. */
	static const char missing[] = "/nonexistent/pooldns-cache";
	char prefix[64];
	snprintf(prefix, sizeof prefix, "cache %s: ", missing);
	check(pooldns_cache_load(missing, 1, on_page, &t, &v, err, sizeof err) == -1 &&
	      strncmp(err, prefix, strlen(prefix)) == 0);
	check(pooldns_cache_load("/", 1, on_page, &t, &v, err, sizeof err) == -1 &&
	      strcmp(err, "cache /: not a regular file") == 0);
	check(pooldns_cache_load_buf("", 0, 0, on_page, &t, &v, err, sizeof err) == -1 &&
	      strcmp(err, "page size 0") == 0);
	/* None of the failures handed out a page. */
	check(t.pages == 1);
	set_file(&in, "", 0, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *scratch = malloc(size + 1);
	check(scratch != NULL);
	for (size_t at = 0; at < size;) {
		const char *line = (const char *)data + at;
		const char *nl = memchr(line, '\n', size - at);
		size_t len = nl != NULL ? (size_t)(nl - line) : size - at;
		check_fast_line(line, len, scratch);
		at += len + 1;
	}
	free(scratch);

	struct input in = { .data = (const char *)data, .size = size };
	check_input(&in);
	if (size == 0)
		check_limits();
	return 0;
}
