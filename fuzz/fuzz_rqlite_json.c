/*
 * fuzz_rqlite_json.c — fuzz target for core/source/rqlite_json.c, the parser of
 * what rqlite nodes send back. Every input is parsed as a one-statement
 * answer (version poll) and as a three-statement answer (full load).
 *
 * Besides the sanitizers, each result is checked here: on failure nothing
 * is left in out and the message is non-empty and terminated inside its
 * buffer; on success every table has columns, and every TEXT cell a
 * terminated string. A failed check aborts, which the fuzzer reports as a
 * crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/source/rqlite_json.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 1);
	run(data, size, 3);
	return 0;
}
