/*
 * options.c — command-line parsing and --help for the standalone server
 * (see options.h). Key flags are not interpreted here: each one goes to
 * pooldns_config_set() exactly like a line of the file.
 *
 * Owns the flag arrays of a struct pooldns_args. Thread model: main thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "options.h"

struct key_help {
	const char *key;
	const char *arg;
	const char *dflt;
	const char *desc;
};

/* One line per configuration key; every entry of pooldns_config_keys must
 * appear here (pooldns_usage marks a missing one loudly). */
static const struct key_help key_help[] = {
	{ "source", "rqlite|sqlite", "rqlite", "where pool data comes from" },
	{ "rqlite-url", "URL", "http://127.0.0.1:4001",
	  "rqlite node, http[s]://host:port (repeat for a cluster; tried in order)" },
	{ "rqlite-user", "USER", "none", "rqlite basic-auth user" },
	{ "rqlite-password-file", "FILE", "none",
	  "file holding the rqlite password (one trailing newline stripped)" },
	{ "rqlite-ca-file", "FILE", "system store", "CA bundle to verify https rqlite nodes" },
	{ "rqlite-consistency", "none|weak|strong", "weak", "rqlite read consistency level" },
	{ "rqlite-connect-timeout-ms", "MS", "1000", "connect timeout per rqlite node (1..60000)" },
	{ "rqlite-timeout-ms", "MS", "3000", "whole-request timeout per rqlite node (1..600000)" },
	{ "sqlite-path", "FILE", "none", "SQLite database file (source = sqlite)" },
	{ "poll-interval-ms", "MS", "500", "how often the data version is polled (10..3600000)" },
	{ "cache-file", "FILE", "none", "last-good snapshot cache, used when the source is down" },
	{ "check-user-agent", "TEXT", "pooldns/<version>", "User-Agent of http(s) health checks" },
	{ "check-source-address", "ADDR", "any", "local address health checks are sent from" },
	{ "check-ca-file", "FILE", "system store", "CA bundle to verify https health checks" },
	{ "check-max-concurrent", "N", "256", "health probes in flight at once (1..65536)" },
	{ "listen", "ADDR[:PORT]", "127.0.0.1:53",
	  "UDP+TCP listen address, [v6]:port for IPv6 (repeat for more)" },
	{ "threads", "N", "0", "worker threads; 0 = one per CPU (0..1024)" },
	{ "tcp-idle-timeout-ms", "MS", "10000", "close idle TCP connections after (100..3600000)" },
	{ "tcp-max-connections", "N", "256", "TCP connections per worker thread (1..65536)" },
	{ "edns-payload", "BYTES", "1232", "our EDNS UDP payload size (512..4096)" },
	{ "zone", "NAME", "none", "zone apex served besides pool names (repeat for more)" },
	{ "ns-name", "NAME", "localhost.", "NS target and SOA MNAME (repeat for more NS)" },
	{ "soa-rname", "NAME", "hostmaster.<apex>", "SOA RNAME (mailbox as a domain name)" },
	{ "soa-ttl", "SECONDS", "3600", "TTL of the synthesized SOA and NS records" },
	{ "soa-refresh", "SECONDS", "3600", "SOA REFRESH" },
	{ "soa-retry", "SECONDS", "600", "SOA RETRY" },
	{ "soa-expire", "SECONDS", "86400", "SOA EXPIRE" },
	{ "negative-ttl", "SECONDS", "60", "SOA MINIMUM: how long negative answers are cached" },
	{ "log", "stderr|syslog", "stderr", "where log messages go" },
	{ "log-level", "LEVEL", "info", "err, warning, notice, info or debug" },
};

static const struct key_help *find_help(const char *key)
{
	for (size_t i = 0; i < sizeof(key_help) / sizeof(key_help[0]); i++)
		if (strcmp(key_help[i].key, key) == 0)
			return &key_help[i];
	return NULL;
}

static bool is_key(const char *name, size_t len)
{
	for (size_t i = 0; pooldns_config_keys[i] != NULL; i++)
		if (strlen(pooldns_config_keys[i]) == len &&
		    strncmp(pooldns_config_keys[i], name, len) == 0)
			return true;
	return false;
}

void pooldns_usage(FILE *out, const char *prog)
{
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
	for (size_t i = 0; pooldns_config_keys[i] != NULL; i++) {
		const char *key = pooldns_config_keys[i];
		const struct key_help *h = find_help(key);
		char left[64];

		snprintf(left, sizeof(left), "--%s=%s", key, h != NULL ? h->arg : "VALUE");
		if (strlen(left) > 25)
			fprintf(out, "  %s\n  %-27s", left, "");
		else
			fprintf(out, "  %-27s", left);
		fprintf(out, "%s [%s]\n", h != NULL ? h->desc : "(undocumented key)",
			h != NULL ? h->dflt : "?");
	}
	fprintf(out, "\nSignals: SIGHUP reloads the file, SIGUSR1 logs statistics, "
		     "SIGTERM/SIGINT stop.\nSee pooldns(8) and pooldns.conf(5).\n");
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
			char *where;

			if (!is_key(name, len)) {
				snprintf(err, errsz, "unknown option --%.*s (see --help)", (int)len,
					 name);
				goto fail;
			}
			if (eq != NULL) {
				value = eq + 1;
			} else {
				if (i + 1 >= argc) {
					snprintf(err, errsz, "--%s needs a value", name);
					goto fail;
				}
				value = argv[++i];
			}
			where = malloc(len + 3);
			if (where == NULL) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			memcpy(where, "--", 2);
			memcpy(where + 2, name, len);
			where[len + 2] = '\0';
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
