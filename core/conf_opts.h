/*
 * conf_opts.h — turning a configuration (conf.h), once
 * pooldns_config_check() accepted it, into the options of what it
 * configures: the data source, the health checker and the operator
 * endpoint. Both front ends and poolctl build their parts this way, so a
 * key means the same everywhere.
 *
 * Ownership: the options borrow the config's strings (valid until the
 * config is freed); the rqlite password goes into a buffer the caller owns.
 * Thread-safety: no shared state; call from the thread that owns the
 * config.
 */
#ifndef POOLDNS_CONF_OPTS_H
#define POOLDNS_CONF_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/conf.h"
#include "core/health/health.h"
#include "core/ops/http.h"
#include "core/source/source.h"

/* Builds rqlite options borrowing cfg's strings; reads the password file
 * into pw (caller-owned buffer). 0 or -1 with a message. */
int pooldns_config_rqlite_opts(const struct pooldns_config *cfg, struct pooldns_rqlite_opts *opts,
			       char *pw, size_t pwsz, char *err, size_t errsz);

/* Health-checker options borrowing cfg's strings. */
void pooldns_config_health_opts(const struct pooldns_config *cfg, struct pooldns_health_opts *opts);

/* Operator endpoint options borrowing cfg's strings; false when
 * http-listen is unset (the endpoint is off). */
bool pooldns_config_http_opts(const struct pooldns_config *cfg, struct pooldns_http_opts *opts);

/* Creates the configured source. NULL with a message. */
struct pooldns_source *pooldns_config_make_source(const struct pooldns_config *cfg, char *err,
						  size_t errsz);

#endif
