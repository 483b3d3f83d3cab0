/*
 * main.c — pooldns-harness: runs dig-style `.case` files (harness/README.md)
 * against any DNS server and prints one PASS/FAIL line per case, then
 * "N passed, N failed". Exit 0 only when at least one case ran and all
 * passed; 1 when a case failed; 2 on a usage error. A case that cannot run
 * (parse error, server or store unreachable) fails; nothing is skipped.
 *
 * Owns: the command line options, the store handle, curl's global state.
 * Thread model: single-threaded, but for the service thread of a case's
 * fake backends (backend.c).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "case.h"
#include "hstore.h"
#include "probe.h"
#include "run.h"

#define DETAIL_MAX 16384

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pooldns-harness [options] FILE.case...\n"
		"  --server ADDR        DNS server address (default 127.0.0.1)\n"
		"  --port N             DNS server port (default 53)\n"
		"  --target NAME        standalone | unbound: which @NAME lines run (default "
		"standalone)\n"
		"  --rqlite URL         data store: rqlite HTTP API, e.g. http://127.0.0.1:4001\n"
		"  --sqlite FILE        data store: SQLite database file\n"
		"  --timeout-ms N       per-query timeout (default 2000)\n"
		"  --sync-timeout-ms N  default bound of a sync step (default 5000)\n"
		"  --tls-cert FILE      PEM certificate (chain) of https backends\n"
		"  --tls-key FILE       its PEM private key\n"
		"  --verbose            trace every step on stderr\n"
		"  --help, --version\n");
}

static int parse_ms(const char *s, uint32_t *out)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || s[0] == '-' || v < 1 || v > POOLDNS_CASE_MAX_WAIT_MS)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "NAME:LINE: msg" from the parser becomes "line LINE: parse error: msg". */
static void print_parse_failure(const char *name, const char *err)
{
	size_t nl = strlen(name);
	const char *p = err;
	if (strncmp(err, name, nl) == 0 && err[nl] == ':') {
		p = err + nl + 1;
		const char *d = p;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d > p && d[0] == ':' && d[1] == ' ') {
			printf("FAIL %s: line %.*s: parse error: %s\n", name, (int)(d - p), p,
			       d + 2);
			return;
		}
		printf("FAIL %s: %s\n", name, p[0] == ' ' ? p + 1 : p);
		return;
	}
	printf("FAIL %s: %s\n", name, err);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "rqlite", required_argument, NULL, 'r' },
		{ "sqlite", required_argument, NULL, 'q' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "sync-timeout-ms", required_argument, NULL, 'S' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = "127.0.0.1", *port = "53", *rqlite = NULL, *sqlite = NULL;
	struct pooldns_run_opts o;
	memset(&o, 0, sizeof o);
	o.target = POOLDNS_CASE_TARGET_STANDALONE;
	o.timeout_ms = 2000;
	o.sync_timeout_ms = 5000;
	o.log = stderr;
	int ch;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 't':
			o.target = pooldns_case_target_parse(optarg);
			if (o.target == 0) {
				fprintf(stderr,
					"pooldns-harness: --target: standalone or unbound, not "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			rqlite = optarg;
			break;
		case 'q':
			sqlite = optarg;
			break;
		case 'T':
			if (parse_ms(optarg, &o.timeout_ms) != 0) {
				fprintf(stderr, "pooldns-harness: --timeout-ms: 1..%d\n",
					POOLDNS_CASE_MAX_WAIT_MS);
				return 2;
			}
			break;
		case 'S':
			if (parse_ms(optarg, &o.sync_timeout_ms) != 0) {
				fprintf(stderr, "pooldns-harness: --sync-timeout-ms: 1..%d\n",
					POOLDNS_CASE_MAX_WAIT_MS);
				return 2;
			}
			break;
		case 'c':
			o.tls_cert = optarg;
			break;
		case 'k':
			o.tls_key = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pooldns-harness %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pooldns-harness: no case files given\n");
		usage(stderr);
		return 2;
	}
	if ((o.tls_cert == NULL) != (o.tls_key == NULL)) {
		fprintf(stderr, "pooldns-harness: give --tls-cert and --tls-key together\n");
		return 2;
	}
	if (rqlite != NULL && sqlite != NULL) {
		fprintf(stderr, "pooldns-harness: give --rqlite or --sqlite, not both\n");
		return 2;
	}
	char err[1024];
	if (pooldns_probe_server_init(&o.server, server, port, err, sizeof err) != 0) {
		fprintf(stderr, "pooldns-harness: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "pooldns-harness: curl_global_init failed\n");
		return 2;
	}
	if (rqlite != NULL)
		o.store = pooldns_hstore_rqlite(rqlite, 5000, err, sizeof err);
	else if (sqlite != NULL)
		o.store = pooldns_hstore_sqlite(sqlite, 5000, err, sizeof err);
	if ((rqlite != NULL || sqlite != NULL) && o.store == NULL) {
		fprintf(stderr, "pooldns-harness: %s\n", err);
		curl_global_cleanup();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *detail = malloc(DETAIL_MAX);
	if (detail == NULL) {
		fprintf(stderr, "pooldns-harness: out of memory\n");
		pooldns_hstore_close(o.store);
		curl_global_cleanup();
		return 2;
	}
	unsigned passed = 0, failed = 0;
	for (int i = optind; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		base = base != NULL ? base + 1 : argv[i];
		struct pooldns_case c;
		if (pooldns_case_load(argv[i], &c, err, sizeof err) != 0) {
			print_parse_failure(base, err);
			failed++;
			continue;
		}
		if (o.verbose)
			fprintf(stderr, "%s: %zu steps\n", c.name, c.nsteps);
		char msg[2560];
		if (pooldns_run_case(&o, &c, msg, sizeof msg, detail, DETAIL_MAX) == 0) {
			printf("PASS %s\n", c.name);
			passed++;
		} else {
			printf("FAIL %s: %s\n", c.name, msg);
			if (detail[0] != '\0')
				fputs(detail, stdout);
			failed++;
		}
		pooldns_case_free(&c);
	}
	printf("%u passed, %u failed\n", passed, failed);
	free(detail);
	pooldns_hstore_close(o.store);
	curl_global_cleanup();
	return failed == 0 && passed > 0 ? 0 : 1;
}
