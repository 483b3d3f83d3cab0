/*
 * fuzz_poolctl_exec.c — fuzz target for poolctl's reading of rqlite's
 * /db/execute answers (pctl_rqlite_parse_execute,
 * poolctl/rqlite_execute.c), for one to four statements. Must never crash
 * or read out of bounds; a failure leaves a NUL-terminated message, a
 * success counts that are not negative.
 *
 * Thread model: single-threaded.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poolctl/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t n = 1; n <= 4; n++) {
		int64_t affected[4] = { -1, -1, -1, -1 };
		char err[256];

		memset(err, 'x', sizeof(err));
		if (pctl_rqlite_parse_execute((const char *)data, size, n, affected, err,
					      sizeof(err)) == 0) {
			for (size_t i = 0; i < n; i++)
				if (affected[i] < 0)
					abort();
		} else if (memchr(err, '\0', sizeof(err)) == NULL) {
			abort();
		}
	}
	return 0;
}
