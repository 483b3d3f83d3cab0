/*
 * fuzz_rqlite_json.c — fuzz target for core/source/rqlite_json.c, the parser of
 * what rqlite nodes send back, and for core/source/delta.c, which reads the
 * change feed's answers (log rows, bounds, pages) out of the parsed tables.
 * Every input is parsed as a one-statement answer (version poll), as a
 * three-statement answer (full load), and as the answers of the change
 * feed: changes() (six statements, four of them optional) read from two
 * positions, position() and load_page().
 *
 * Besides the sanitizers, each result is checked here: on failure nothing
 * is left in out and the message is non-empty and terminated inside its
 * buffer; on success every table has columns, and every TEXT cell a
 * terminated string; a delta is either a gap with nothing in it or has its
 * tables, strictly ascending zones and a seq inside the range asked for; a
 * page has at most the rows asked for and a last id not below where it
 * started. A failed check aborts, which the fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/source/delta.h"
#include "core/source/rqlite_json.h"
#include "core/source/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_table(const struct pooldns_table *t)
{
	if (t == NULL || t->ncols == 0 || t->nrows > t->cap_rows)
		abort();
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const struct pooldns_cell *cell = pooldns_table_cell(t, r, c);
			if (cell->type == POOLDNS_CELL_TEXT) {
				if (cell->s == NULL)
					abort();
				volatile size_t len = strlen(cell->s); /* must be terminated */
				(void)len;
			}
			if (cell->type != POOLDNS_CELL_TEXT && cell->s != NULL)
				abort();
		}
}

static void run(const uint8_t *data, size_t size, size_t n)
{
	struct pooldns_table *out[3];
	char err[128];
	memset(err, 'x', sizeof err);
	if (pooldns_rqlite_parse_results((const char *)data, size, out, n, err, sizeof err) == 0) {
		for (size_t i = 0; i < n; i++) {
			check_table(out[i]);
			pooldns_table_free(out[i]);
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (out[i] != NULL)
			abort();
	if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
		abort();
}

/* A failed call: a terminated, non-empty message. */
static void check_err(const char *err, size_t errsz)
{
	if (memchr(err, '\0', errsz) == NULL || err[0] == '\0')
		abort();
}

/* Parses n results with these statements optional; NULL when it fails. */
static bool parse_feed(const uint8_t *data, size_t size, struct pooldns_table **out, size_t n,
		       const bool *optional, char *opt, size_t optsz)
{
	char err[128];
	memset(err, 'x', sizeof err);
	if (pooldns_rqlite_parse_results_opt((const char *)data, size, out, n, optional, opt, optsz,
					     err, sizeof err) != 0) {
		for (size_t i = 0; i < n; i++)
			if (out[i] != NULL)
				abort();
		check_err(err, sizeof err);
		return false;
	}
	if (memchr(opt, '\0', optsz) == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (out[i] == NULL && !optional[i])
			abort();
		if (out[i] != NULL)
			check_table(out[i]);
	}
	return true;
}

static void run_changes(const uint8_t *data, size_t size, int64_t since, size_t max)
{
	static const bool optional[POOLDNS_SQL_CHANGES_N] = {
		false, false, true, true, true, true
	};
	struct pooldns_table *t[POOLDNS_SQL_CHANGES_N];
	char opt[128], err[128];
	if (!parse_feed(data, size, t, POOLDNS_SQL_CHANGES_N, optional, opt, sizeof opt))
		return;
	struct pooldns_delta d;
	memset(err, 'x', sizeof err);
	if (pooldns_delta_from_results(&d, t, since, max, "fuzz", opt, err, sizeof err) != 0) {
		check_err(err, sizeof err);
		if (d.zones != NULL || d.pools != NULL || d.members != NULL || d.gap)
			abort();
		return;
	}
	if (d.gap) {
		if (d.zones != NULL || d.nzones != 0 || d.pools != NULL || d.members != NULL ||
		    d.seq != since)
			abort();
	} else {
		if (d.pools == NULL || d.members == NULL || (d.nzones > 0 && d.zones == NULL))
			abort();
		check_table(d.pools);
		check_table(d.members);
		for (size_t i = 1; i < d.nzones; i++)
			if (d.zones[i - 1] >= d.zones[i])
				abort();
		if (d.seq < since || (uint64_t)(d.seq - since) > max)
			abort();
	}
	pooldns_delta_clear(&d);
}

static void run_position(const uint8_t *data, size_t size)
{
	static const bool optional[POOLDNS_SQL_POSITION_N] = { false, false, true };
	struct pooldns_table *t[POOLDNS_SQL_POSITION_N];
	char opt[128], err[128];
	if (!parse_feed(data, size, t, POOLDNS_SQL_POSITION_N, optional, opt, sizeof opt))
		return;
	struct pooldns_position pos = { .seq = -7 };
	memset(err, 'x', sizeof err);
	if (pooldns_position_from_results(&pos, t, "fuzz", opt, err, sizeof err) != 0) {
		check_err(err, sizeof err);
		if (pos.seq != -7)
			abort();
		return;
	}
	if (pos.seq < -1 || (pos.seq == -1) != (pos.schema_version < 2))
		abort();
}

static void run_page(const uint8_t *data, size_t size, int64_t after, size_t max)
{
	static const bool optional[POOLDNS_SQL_PAGE_N] = { false, false, false };
	struct pooldns_table *t[POOLDNS_SQL_PAGE_N];
	char opt[128], err[128];
	if (!parse_feed(data, size, t, POOLDNS_SQL_PAGE_N, optional, opt, sizeof opt))
		return;
	struct pooldns_dataset ds;
	int64_t last = after;
	memset(err, 'x', sizeof err);
	if (pooldns_page_from_results(&ds, &last, t, after, max, "fuzz", err, sizeof err) != 0) {
		check_err(err, sizeof err);
		if (ds.pools != NULL || ds.members != NULL || last != after)
			abort();
		return;
	}
	check_table(ds.pools);
	check_table(ds.members);
	if (ds.pools->nrows > max || last < after || (ds.pools->nrows == 0) != (last == after))
		abort();
	pooldns_dataset_clear(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 1);
	run(data, size, 3);
	run_changes(data, size, 0, 100);
	run_changes(data, size, 5, 2);
	run_position(data, size);
	run_page(data, size, INT64_MIN, 1000);
	run_page(data, size, 0, 2);
	return 0;
}
