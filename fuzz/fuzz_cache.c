/*
 * fuzz_cache.c — fuzz target for core/source/cache.c's reader, the parser of the
 * on-disk last-good cache file (which a crash, a full disk or an operator
 * may have damaged).
 *
 * Besides the sanitizers, each result is checked here: on failure nothing
 * is left in the dataset and the message is non-empty and terminated; on
 * success the tables have exactly the pool (16) and member (6) columns
 * that the SQL of source.h selects. A failed check aborts, which the
 * fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/source/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_dataset ds = { 0 };
	char err[128];
	memset(err, 'x', sizeof err);
	if (pooldns_cache_parse((const char *)data, size, &ds, err, sizeof err) == 0) {
		if (ds.pools == NULL || ds.members == NULL || ds.pools->ncols != 16 ||
		    ds.members->ncols != 6)
			abort();
		pooldns_dataset_clear(&ds);
		return 0;
	}
	if (ds.pools != NULL || ds.members != NULL)
		abort();
	if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
		abort();
	return 0;
}
