/*
 * backend.c — picks the backend the configuration names (see backend.h).
 * The transports are backend_rqlite.c and backend_sqlite.c; rqlite's
 * /db/execute answers are read by rqlite_execute.c.
 *
 * Owns: nothing. Thread model: none; reentrant.
 */
#include "config.h"

#include <stdio.h>

#include "poolctl/backend.h"

struct pctl_backend *pctl_backend_open(const struct pooldns_config *cfg, char *err, size_t errsz)
{
	if (cfg->source == POOLDNS_SOURCE_SQLITE) {
		if (cfg->sqlite_path == NULL) {
			snprintf(err, errsz, "source = sqlite needs sqlite-path");
			return NULL;
		}
		return pctl_backend_sqlite_open(cfg->sqlite_path, err, errsz);
	}
	return pctl_backend_rqlite_open(cfg, err, errsz);
}
