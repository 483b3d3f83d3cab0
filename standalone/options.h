/*
 * options.h — the standalone server's command line: -c/--config, --help,
 * --version, --check-config, and every configuration key as a long flag
 * (--key=value or --key value), kept in order so they can be applied over
 * the file at start-up and again on every SIGHUP reload.
 *
 * Thread-safety: main thread only.
 */
#ifndef POOLDNS_OPTIONS_H
#define POOLDNS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/conf.h"

struct pooldns_args {
	const char *config_file; /* NULL: no file */
	bool help;
	bool version;
	bool check_config;
	/* Key flags in command-line order; keys and values borrow argv. */
	size_t nflags;
	const char **keys;
	const char **values;
	char **where; /* "--key", owned */
};

/* Parses argv. 0, or -1 with a message (unknown option, missing value). */
int pooldns_args_parse(int argc, char **argv, struct pooldns_args *a, char *err, size_t errsz);
void pooldns_args_free(struct pooldns_args *a);

/* Builds a complete configuration: defaults, then the file (if any), then
 * the flags, then the cross-key checks. 0 or -1 with a message; cfg is
 * initialised either way and must be freed by the caller. */
int pooldns_args_build_config(const struct pooldns_args *a, struct pooldns_config *cfg, char *err,
			      size_t errsz);

/* Prints --help text: every option with a one-line description and its
 * default. */
void pooldns_usage(FILE *out, const char *prog);

#endif
