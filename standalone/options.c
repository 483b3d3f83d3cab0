/*
 * options.c — command-line parsing and --help for the standalone server
 * (see options.h). Key flags are not interpreted here: a flag is a key if
 * the table of keys (core/conf_schema.c) has a row for it, and its value
 * goes to pooldns_config_set() exactly like a line of the file, unless the
 * row is the Unbound module's own (scope POOLDNS_CONFIG_MODULE: a file may
 * hold it, a flag may not). --help prints every other row: flag, help,
 * range and default.
 *
 * Owns the flag arrays of a struct pooldns_args. Thread model: main thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/conf_schema.h"
#include "options.h"

/* The left column: "--key=METAVAR", a CHOICE's words when it has no
 * metavar. */
static void flag_text(const struct pooldns_config_key *k, char *out, size_t outsz)
{
	char words[128];
	const char *arg = k->metavar;

	if (arg == NULL && k->type == POOLDNS_CONFIG_CHOICE) {
		pooldns_config_key_choices(k, "|", "|", words, sizeof(words));
		arg = words;
	}
	snprintf(out, outsz, "--%s=%s", k->name, arg != NULL ? arg : "VALUE");
}

void pooldns_usage(FILE *out, const char *prog)
{
	const struct pooldns_config_key *k;
	size_t col = 0; /* of the restart-only key list; 0: nothing written yet */

	fprintf(out,
		"Usage: %s [-c FILE] [--KEY=VALUE ...]\n"
		"pooldns " PACKAGE_VERSION " — authoritative DNS server for load-balanced pools\n"
		"\n"
		"  -c, --config FILE        read FILE first (default: no file; flags only)\n"
		"      --check-config       validate the configuration and exit (0 ok, 1 error)\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Every configuration key is also a flag, applied after the file:\n",
		prog);
	for (k = pooldns_config_schema; k->name != NULL; k++) {
		char left[192];

		if (k->scope == POOLDNS_CONFIG_MODULE)
			continue; /* not a flag: the Unbound module's own key */
		flag_text(k, left, sizeof(left));
		if (strlen(left) > 25)
			fprintf(out, "  %s\n  %-27s", left, "");
		else
			fprintf(out, "  %-27s", left);
		fprintf(out, "%s", k->help);
		if (k->type == POOLDNS_CONFIG_NUMBER)
			fprintf(out, " (%ld..%ld)", k->min, k->max);
		fprintf(out, " [%s]\n",
			k->dflt != NULL    ? k->dflt
			: k->unset != NULL ? k->unset
					   : "none");
	}
	fprintf(out,
		"\nSignals: SIGHUP reloads the file, SIGUSR1 logs statistics, "
		"SIGTERM/SIGINT stop.\nSIGHUP does not apply these keys (they need a restart):");
	for (k = pooldns_config_schema; k->name != NULL; k++) {
		size_t len = strlen(k->name);

		if (k->reload != POOLDNS_CONFIG_RESTART)
			continue;
		if (col > 0)
			col += (size_t)fprintf(out, ",");
		if (col == 0 || col + 1 + len > 79) {
			fprintf(out, "\n ");
			col = 1;
		}
		col += (size_t)fprintf(out, " %s", k->name);
	}
	fprintf(out, "\nSee pooldns(8) and pooldns.conf(5).\n");
}

void pooldns_args_free(struct pooldns_args *a)
{
	for (size_t i = 0; i < a->nflags; i++)
		free(a->where[i]);
	free(a->keys);
	free(a->values);
	free(a->where);
	memset(a, 0, sizeof(*a));
}

int pooldns_args_parse(int argc, char **argv, struct pooldns_args *a, char *err, size_t errsz)
{
	memset(a, 0, sizeof(*a));
	a->keys = calloc((size_t)argc + 1, sizeof(*a->keys));
	a->values = calloc((size_t)argc + 1, sizeof(*a->values));
	a->where = calloc((size_t)argc + 1, sizeof(*a->where));
	if (a->keys == NULL || a->values == NULL || a->where == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			a->help = true;
		} else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			a->version = true;
		} else if (strcmp(arg, "--check-config") == 0) {
			a->check_config = true;
		} else if (strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0) {
			if (i + 1 >= argc) {
				snprintf(err, errsz, "%s needs a file name", arg);
				goto fail;
			}
			a->config_file = argv[++i];
		} else if (strncmp(arg, "--config=", 9) == 0) {
			a->config_file = arg + 9;
		} else if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
			const char *value;
			char *where = malloc(len + 3);

			if (where == NULL) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			memcpy(where, "--", 2);
			memcpy(where + 2, name, len);
			where[len + 2] = '\0';
			const struct pooldns_config_key *key = pooldns_config_key_find(where + 2);
			if (key == NULL || key->scope == POOLDNS_CONFIG_MODULE) {
				snprintf(err, errsz, "%s option --%.*s (see --help)",
					 key == NULL ? "unknown"
						     : "the Unbound module's key, not an",
					 (int)len, name);
				free(where);
				goto fail;
			}
			if (eq != NULL) {
				value = eq + 1;
			} else {
				if (i + 1 >= argc) {
					snprintf(err, errsz, "--%s needs a value", name);
					free(where);
					goto fail;
				}
				value = argv[++i];
			}
			a->keys[a->nflags] = where + 2;
			a->values[a->nflags] = value;
			a->where[a->nflags] = where;
			a->nflags++;
		} else {
			snprintf(err, errsz, "unexpected argument \"%s\" (see --help)", arg);
			goto fail;
		}
	}
	return 0;
fail:
	pooldns_args_free(a);
	return -1;
}

int pooldns_args_build_config(const struct pooldns_args *a, struct pooldns_config *cfg, char *err,
			      size_t errsz)
{
	pooldns_config_init(cfg);
	if (a->config_file != NULL &&
	    pooldns_config_load_file(cfg, a->config_file, err, errsz) != 0)
		return -1;
	for (size_t i = 0; i < a->nflags; i++)
		if (pooldns_config_set(cfg, a->keys[i], a->values[i], a->where[i], err, errsz) != 0)
			return -1;
	return pooldns_config_check(cfg, err, errsz);
}
