/*
 * fuzz_cache.c — fuzz target for core/source/cache.c's paged reader, the
 * parser of the on-disk last-good cache file (formats 1 and 2), which a
 * crash, a full disk or an operator may have damaged.
 *
 * Each input is read three ways and the results are checked against each
 * other, besides the sanitizers:
 * - in one page and in pages of one pool: both succeed or both fail, with
 *   the same data version and the same rows (format 1 in one page keeps
 *   the file's order; in pages it is sorted by id);
 * - every page has the 16 pool and 6 member columns of source.h, at least
 *   one pool row and at most page_pools of them (format 1 may exceed it
 *   only with rows that repeat the id of the last row within the limit,
 *   an id read as the builder reads it: 2 and 2.0 are the same),
 *   and, in pages of one,
 *   integer pool ids ascending across pages;
 * - a callback that stops at the second page makes the load fail with its
 *   own message;
 * - every line that the reader's fast path (pooldns_cache_row_fast)
 *   accepts, jansson accepts too and reads as the same tag and cells: the
 *   fast path may only ever be a shortcut, never a second opinion;
 * - on failure the message is non-empty and terminated.
 * A failed check aborts, which the fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/source/cache.h"
#include "core/source/cache_file.h"
#include "core/source/cache_out.h"
#include "core/source/cache_v1.h"
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

/* The id as the builder reads it: an integer, or a real with an integral
 * value (so 2 and 2.0 are the same pool id). */
static bool integral_id(const struct pooldns_cell *c, int64_t *out)
{
	if (c->type == POOLDNS_CELL_INT) {
		*out = c->i;
		return true;
	}
	if (c->type == POOLDNS_CELL_REAL && c->r >= -9223372036854775808.0 &&
	    c->r < 9223372036854775808.0 && (double)(int64_t)c->r == c->r) {
		*out = (int64_t)c->r;
		return true;
	}
	return false;
}

static bool same_id(const struct pooldns_cell *a, const struct pooldns_cell *b)
{
	int64_t x, y;

	if (integral_id(a, &x) && integral_id(b, &y))
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

static int run(const uint8_t *data, size_t size, struct tally *t, int64_t *version, char *err,
	       size_t errsz)
{
	memset(err, 'x', errsz);
	*version = 0;
	int rc = pooldns_cache_load_buf((const char *)data, size, t->page_pools, on_page, t,
					version, err, errsz);
	check(rc == 0 || rc == -1);
	if (rc != 0)
		check(memchr(err, '\0', errsz) != NULL && err[0] != '\0');
	return rc;
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

	struct tally whole = { .page_pools = SIZE_MAX }, paged = { .page_pools = 1 };
	int64_t v1 = 0, v2 = 0;
	char err[128];

	int rc1 = run(data, size, &whole, &v1, err, sizeof err);
	int rc2 = run(data, size, &paged, &v2, err, sizeof err);
	check(rc1 == rc2);
	if (rc1 != 0)
		return 0;
	check(v1 == v2);
	check(whole.pools == paged.pools && whole.members == paged.members &&
	      whole.sum == paged.sum);
	check(whole.pages <= 1 && paged.pages <= paged.pools);
	if (paged.pages >= 2) {
		struct tally stop = { .page_pools = 1, .stop_at = 2 };
		int64_t v3;
		check(run(data, size, &stop, &v3, err, sizeof err) == -1);
		check(strstr(err, STOP_MSG) != NULL && stop.pages == 2);
	}
	return 0;
}
