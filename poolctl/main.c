/*
 * main.c — poolctl, the administration command line of pooldns: options,
 * configuration, --help, and the dispatch to the commands (cmd.h).
 *
 * The connection options are pooldns's own configuration keys (the rows
 * of core/conf_schema.c), given as --key=VALUE (or --key VALUE) or read
 * from the same configuration file (-c FILE) that pooldns and the Unbound
 * module read; flags apply after the file. Only the keys that say where
 * the data lives are flags here; the file may hold every other key (they
 * are read and ignored).
 *
 * Owns: the configuration and the backend for the run. Thread model:
 * single-threaded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/conf_schema.h"
#include "core/log.h"
#include "poolctl/cmd.h"

/* The configuration keys poolctl takes as flags. */
static const char *const CONN_KEYS[] = {
	"source",
	"rqlite-url",
	"rqlite-user",
	"rqlite-password-file",
	"rqlite-ca-file",
	"rqlite-consistency",
	"rqlite-connect-timeout-ms",
	"rqlite-timeout-ms",
	"sqlite-path",
	NULL,
};

static const char HELP[] =
	"usage: poolctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Administers pooldns pools and members in rqlite or a SQLite file.\n"
	"\n"
	"Commands:\n"
	"  pool list                          every pool, its policy, TTL and members\n"
	"  pool show NAME                     one pool with every column and its members\n"
	"  pool add NAME [COLUMN=VALUE...]    a new pool (columns not given: the defaults)\n"
	"  pool set NAME COLUMN=VALUE...      change columns of a pool\n"
	"  pool del NAME                      delete a pool and its members\n"
	"  member add POOL HOST [COLUMN=VALUE...]\n"
	"  member set POOL HOST COLUMN=VALUE...\n"
	"  member del POOL HOST\n"
	"  member enable POOL HOST            enabled=1\n"
	"  member disable POOL HOST           enabled=0\n"
	"  member drain POOL HOST [--wait --server ADDR[:PORT]... [--timeout S]]\n"
	"                                     enabled=0, then wait until the servers no\n"
	"                                     longer answer the member\n"
	"  export [FILE|-]                    the whole data set as JSON (default: stdout)\n"
	"  import [--dry-run] [--diff] FILE|- make the data set equal to FILE, in one\n"
	"                                     transaction\n"
	"\n"
	"Options:\n"
	"  -c, --config=FILE    read pooldns.conf(5) FILE (flags below apply after it)\n"
	"  --json               JSON output for list, show and the changes\n"
	"  --dry-run            import: show the changes, write nothing\n"
	"  --diff               import: show the changes and apply them\n"
	"  --wait               drain: wait for the servers (needs --server)\n"
	"  --server=ADDR[:PORT] drain --wait: a DNS server to ask (repeat; port 53)\n"
	"  --timeout=S          drain --wait: give up after S seconds (default 30)\n"
	"  -h, --help           this help (after a command: that command's);\n"
	"  -V, --version\n"
	"Connection (the keys of pooldns.conf(5), same meaning and defaults):\n"
	"%s"
	"\n"
	"Columns (COLUMN=VALUE; an empty VALUE is null where null is allowed):\n"
	"%s"
	"\n"
	"Exit status: 0 done, 1 invalid data (nothing written), 2 usage, 3 backend\n"
	"unreachable or write refused (nothing written), 4 no such pool or member,\n"
	"5 pool or member exists already, 6 drain --wait timed out, 7 the data changed\n"
	"after poolctl read it (nothing written: run again).\n";

static void help(FILE *f)
{
	char conn[4096], cols[4096];
	size_t o = 0;

	conn[0] = cols[0] = '\0';
	for (size_t i = 0; CONN_KEYS[i] != NULL; i++) {
		const struct pooldns_config_key *k = pooldns_config_key_find(CONN_KEYS[i]);
		char meta[128];

		if (k == NULL)
			continue;
		if (k->metavar != NULL)
			snprintf(meta, sizeof(meta), "%s", k->metavar);
		else
			pooldns_config_key_choices(k, "|", "|", meta, sizeof(meta));
		o += (size_t)snprintf(conn + o, sizeof(conn) - o, "  --%s=%s\n        %s\n",
				      k->name, meta, k->help);
		if (o >= sizeof(conn))
			break;
	}
	o = 0;
	for (size_t k = PCTL_P_NAME + 1; k < POOLDNS_POOL_NCOLS && o < sizeof(cols); k++)
		o += (size_t)snprintf(cols + o, sizeof(cols) - o, "  pool   %-18s %s\n",
				      pctl_pool_cols[k].name, pctl_pool_cols[k].help);
	for (size_t k = PCTL_M_HOST + 1; k < POOLDNS_MEMBER_NCOLS && o < sizeof(cols); k++)
		o += (size_t)snprintf(cols + o, sizeof(cols) - o, "  member %-18s %s\n",
				      pctl_member_cols[k].name, pctl_member_cols[k].help);
	fprintf(f, HELP, conn, cols);
}

/* `poolctl COMMAND --help`. */
static const struct {
	const char *command;
	const char *text;
} COMMAND_HELP[] = {
	{ "pool", "usage: poolctl [OPTIONS] pool list\n"
		  "       poolctl [OPTIONS] pool show NAME\n"
		  "       poolctl [OPTIONS] pool add NAME [COLUMN=VALUE...]\n"
		  "       poolctl [OPTIONS] pool set NAME COLUMN=VALUE...\n"
		  "       poolctl [OPTIONS] pool del NAME\n"
		  "NAME is stored lower-case with a final dot. add: columns not given take\n"
		  "their defaults; del removes the pool's members too. --json: JSON output.\n"
		  "Columns: poolctl --help. Exit: 0 done, 1 invalid value (nothing written),\n"
		  "3 backend, 4 no such pool, 5 pool exists, 7 changed meanwhile (run again).\n" },
	{ "member",
	  "usage: poolctl [OPTIONS] member add POOL HOST [COLUMN=VALUE...]\n"
	  "       poolctl [OPTIONS] member set POOL HOST COLUMN=VALUE...\n"
	  "       poolctl [OPTIONS] member del|enable|disable POOL HOST\n"
	  "       poolctl [OPTIONS] member drain POOL HOST [--wait --server ADDR[:PORT]...\n"
	  "                                               [--timeout S]]\n"
	  "HOST is an IPv4 or IPv6 address. disable and drain both set enabled=0; with\n"
	  "--wait, drain then queries every --server (A/AAAA and SOA of POOL) until none\n"
	  "answers HOST, at most --timeout seconds (30). Exit: 0 done, 1 invalid value,\n"
	  "3 backend, 4 no such pool or member, 5 member exists, 6 wait timed out,\n"
	  "7 changed meanwhile (run again).\n" },
	{ "export",
	  "usage: poolctl [OPTIONS] export [FILE|-]\n"
	  "The whole data set as JSON (format \"pooldns-pools\", version 1; poolctl(8)),\n"
	  "pools by name, members by address: the same data gives the same bytes.\n"
	  "FILE is written whole or not at all. Exit: 0 done, 2 FILE, 3 backend.\n" },
	{ "import",
	  "usage: poolctl [OPTIONS] import [--dry-run] [--diff] FILE|-\n"
	  "Makes the stored data set equal to FILE in one transaction: pools and members\n"
	  "not in FILE are deleted. FILE is checked whole first; errors name file:line\n"
	  "(JSON syntax) or the JSON path. --diff: print the changes and apply them;\n"
	  "--dry-run: print them, write nothing; --json: print them as JSON.\n"
	  "Exit: 0 done, 1 invalid file (nothing written), 2 FILE, 3 backend, 7 the\n"
	  "data changed meanwhile (nothing written: run again).\n" },
};

static bool is_conn_key(const char *key)
{
	for (size_t i = 0; CONN_KEYS[i] != NULL; i++)
		if (strcmp(CONN_KEYS[i], key) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct pctl_ctx c;
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int npos = 0, rc = PCTL_EXIT_USAGE;
	const char *conf = NULL;
	char err[1024];
	bool only_pos = false;

	memset(&c, 0, sizeof(c));
	c.timeout_s = 30;
	pooldns_config_init(&c.cfg);
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_WARNING);
	if (pos == NULL) {
		fprintf(stderr, "poolctl: out of memory\n");
		return PCTL_EXIT_BACKEND;
	}
	/* First pass: -c, so that flags apply on top of the file. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) &&
		    i + 1 < argc)
			conf = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			conf = argv[i] + 9;
	}
	if (conf != NULL && pooldns_config_load_file(&c.cfg, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "poolctl: %s\n", err);
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char key[64];
		const char *val = NULL, *eq;

		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			for (size_t k = 0;
			     npos > 0 && k < sizeof(COMMAND_HELP) / sizeof(COMMAND_HELP[0]); k++) {
				if (strcmp(pos[0], COMMAND_HELP[k].command) == 0) {
					fputs(COMMAND_HELP[k].text, stdout);
					rc = PCTL_EXIT_OK;
					goto out;
				}
			}
			help(stdout);
			rc = PCTL_EXIT_OK;
			goto out;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("poolctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			rc = PCTL_EXIT_OK;
			goto out;
		}
		if (strcmp(a, "-c") == 0) {
			i++;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "poolctl: unknown option %s (see --help)\n", a);
			goto out;
		}
		eq = strchr(a, '=');
		if ((size_t)((eq != NULL ? eq : a + strlen(a)) - (a + 2)) >= sizeof(key)) {
			fprintf(stderr, "poolctl: unknown option %.80s (see --help)\n", a);
			goto out;
		}
		snprintf(key, sizeof(key), "%.*s",
			 (int)((eq != NULL ? eq : a + strlen(a)) - (a + 2)), a + 2);
		if (strcmp(key, "json") == 0 || strcmp(key, "dry-run") == 0 ||
		    strcmp(key, "diff") == 0 || strcmp(key, "wait") == 0) {
			if (eq != NULL) {
				fprintf(stderr, "poolctl: --%s takes no value\n", key);
				goto out;
			}
			*(strcmp(key, "json") == 0      ? &c.json
			  : strcmp(key, "dry-run") == 0 ? &c.dry_run
			  : strcmp(key, "diff") == 0    ? &c.diff
							: &c.wait) = true;
			continue;
		}
		if (strcmp(key, "config") != 0 && strcmp(key, "server") != 0 &&
		    strcmp(key, "timeout") != 0 && !is_conn_key(key)) {
			fprintf(stderr, "poolctl: unknown option --%s (see --help)\n", key);
			goto out;
		}
		if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "poolctl: --%s needs a value\n", key);
			goto out;
		}
		if (strcmp(key, "config") == 0)
			continue;
		if (strcmp(key, "server") == 0) {
			if (c.nservers == PCTL_MAX_SERVERS) {
				fprintf(stderr, "poolctl: at most %d --server\n", PCTL_MAX_SERVERS);
				goto out;
			}
			if (pctl_dns_server_parse(val, &c.servers[c.nservers++], err,
						  sizeof(err)) != 0) {
				fprintf(stderr, "poolctl: %s\n", err);
				goto out;
			}
		} else if (strcmp(key, "timeout") == 0) {
			char *end;
			c.timeout_s = strtod(val, &end);
			if (val[0] == '\0' || *end != '\0' ||
			    !(c.timeout_s > 0 && c.timeout_s <= 86400)) {
				fprintf(stderr,
					"poolctl: --timeout %.40s: seconds, more than 0, at most "
					"86400\n",
					val);
				goto out;
			}
		} else {
			char where[80];
			snprintf(where, sizeof(where), "--%s", key);
			if (pooldns_config_set(&c.cfg, key, val, where, err, sizeof(err)) != 0) {
				fprintf(stderr, "poolctl: %s\n", err);
				goto out;
			}
		}
	}
	if (npos == 0) {
		help(stderr);
		goto out;
	}
	if (strcmp(pos[0], "pool") != 0 && strcmp(pos[0], "member") != 0 &&
	    strcmp(pos[0], "export") != 0 && strcmp(pos[0], "import") != 0) {
		fprintf(stderr, "poolctl: unknown command \"%.40s\" (see --help)\n", pos[0]);
		goto out;
	}
	if ((c.dry_run || c.diff) && strcmp(pos[0], "import") != 0) {
		fprintf(stderr, "poolctl: --dry-run and --diff go with import\n");
		goto out;
	}
	if (pooldns_config_check(&c.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "poolctl: %s\n", err);
		goto out;
	}
	if ((c.be = pctl_backend_open(&c.cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "poolctl: %s\n", err);
		rc = PCTL_EXIT_BACKEND;
		goto out;
	}
	if (strcmp(pos[0], "pool") == 0)
		rc = pctl_cmd_pool(&c, npos - 1, pos + 1);
	else if (strcmp(pos[0], "member") == 0)
		rc = pctl_cmd_member(&c, npos - 1, pos + 1);
	else if (strcmp(pos[0], "export") == 0)
		rc = pctl_cmd_export(&c, npos - 1, pos + 1);
	else
		rc = pctl_cmd_import(&c, npos - 1, pos + 1);
out:
	pctl_backend_close(c.be);
	pooldns_config_free(&c.cfg);
	free(pos);
	return rc;
}
