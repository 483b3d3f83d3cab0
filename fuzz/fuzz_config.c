/*
 * fuzz_config.c — fuzz target for the configuration parser: feeds the
 * input to pooldns_config_load_buffer() and, when it parses, runs the
 * cross-key checks. Must never crash, leak or read out of bounds, and
 * every failure must leave a NUL-terminated message.
 *
 * Thread model: single-threaded.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_config cfg;
	char err[256];

	memset(err, 'x', sizeof(err));
	pooldns_config_init(&cfg);
	if (pooldns_config_load_buffer(&cfg, (const char *)data, size, "fuzz.conf", err,
				       sizeof(err)) == 0) {
		if (pooldns_config_check(&cfg, err, sizeof(err)) != 0 &&
		    memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		/* Invariants the answer path relies on. */
		if (cfg.answer.zone.nns < 1 || cfg.answer.zone.nns > POOLDNS_MAX_NS ||
		    cfg.answer.zone.nzones > POOLDNS_MAX_ZONES ||
		    cfg.nlisten > POOLDNS_MAX_LISTEN ||
		    cfg.n_rqlite_urls > POOLDNS_RQLITE_MAX_URLS || cfg.answer.edns_payload < 512 ||
		    cfg.answer.edns_payload > 4096)
			abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		abort();
	}
	pooldns_config_free(&cfg);
	return 0;
}
