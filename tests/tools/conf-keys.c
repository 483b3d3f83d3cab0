/*
 * conf-keys.c — prints the table of configuration keys
 * (core/conf_schema.c), one key per line, tab-separated:
 *
 *   name  type  list|single  shared|server|module  live|restart
 *
 * tests/conf-keys-documented.sh reads it to check that every key is
 * documented (pooldns.conf(5), pooldns(8), README.md, --help) and marked
 * there as a list, server-only or module-only key exactly when the table
 * says so.
 *
 * Usage: conf-keys   Thread model: single-threaded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/conf_schema.h"

static const char *type_name(enum pooldns_config_type t)
{
	switch (t) {
	case POOLDNS_CONFIG_STRING:
		return "string";
	case POOLDNS_CONFIG_NUMBER:
		return "number";
	case POOLDNS_CONFIG_CHOICE:
		return "choice";
	case POOLDNS_CONFIG_ADDRESS:
		return "address";
	case POOLDNS_CONFIG_LISTEN:
		return "listen";
	case POOLDNS_CONFIG_URL:
		return "url";
	case POOLDNS_CONFIG_NAME:
		return "name";
	}
	return "?";
}

int main(void)
{
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++)
		printf("%s\t%s\t%s\t%s\t%s\n", k->name, type_name(k->type),
		       k->list ? "list" : "single",
		       k->scope == POOLDNS_CONFIG_SERVER   ? "server"
		       : k->scope == POOLDNS_CONFIG_MODULE ? "module"
							   : "shared",
		       k->reload == POOLDNS_CONFIG_RESTART ? "restart" : "live");
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
