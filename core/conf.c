/*
 * conf.c — the pooldns configuration format (conf.h): defaults, the
 * "key = value" file parser, per-key validation, cross-key checks and the
 * bridge from a config to a source (rqlite options, password file).
 *
 * One function, pooldns_config_set(), gives every key its meaning; the file
 * parser and the standalone server's --key=value flags both go through it,
 * so they cannot disagree. Errors name where ("pooldns.conf:12" or
 * "--listen"), the key and the offending value.
 *
 * Owns: every string stored in a struct pooldns_config (heap copies, freed
 * by pooldns_config_free).
 *
 * Thread model: no shared state. A config is built by one thread and is
 * read-only afterwards; a reload builds a new one.
 */
#include "config.h"

#include "core/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dns/dname.h"
#include "core/dns/resolve.h"

#define DEFAULT_RQLITE_URL "http://127.0.0.1:4001"
#define DEFAULT_LISTEN     "127.0.0.1:53"
#define DEFAULT_NS         "localhost."

/* Longest line the file parser accepts, and the largest file it reads. */
#define MAX_LINE 4096
#define MAX_FILE (1024 * 1024)
/* Largest TTL-like value (RFC 2181 section 8). */
#define MAX_TTL 2147483647L

const char *const pooldns_config_keys[] = {
	"source",
	"rqlite-url",
	"rqlite-user",
	"rqlite-password-file",
	"rqlite-ca-file",
	"rqlite-consistency",
	"rqlite-connect-timeout-ms",
	"rqlite-timeout-ms",
	"sqlite-path",
	"poll-interval-ms",
	"cache-file",
	"check-user-agent",
	"check-source-address",
	"check-ca-file",
	"check-max-concurrent",
	"listen",
	"threads",
	"tcp-idle-timeout-ms",
	"tcp-max-connections",
	"edns-payload",
	"zone",
	"ns-name",
	"soa-rname",
	"soa-ttl",
	"soa-refresh",
	"soa-retry",
	"soa-expire",
	"negative-ttl",
	"log",
	"log-level",
	NULL,
};

void pooldns_config_init(struct pooldns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->source = POOLDNS_SOURCE_RQLITE;
	/* An allocation failure leaves the list empty; pooldns_config_check()
	 * then reports it. */
	cfg->rqlite_urls[0] = strdup(DEFAULT_RQLITE_URL);
	cfg->n_rqlite_urls = cfg->rqlite_urls[0] != NULL;
	cfg->rqlite_level = POOLDNS_RQLITE_WEAK;
	cfg->rqlite_connect_timeout_ms = 1000;
	cfg->rqlite_timeout_ms = 3000;
	cfg->poll_interval_ms = 500;
	cfg->listen[0] = strdup(DEFAULT_LISTEN);
	cfg->nlisten = cfg->listen[0] != NULL;
	cfg->threads = 0;
	cfg->tcp_idle_timeout_ms = 10000;
	cfg->tcp_max_connections = 256;
	cfg->check_max_concurrent = 256;
	pooldns_zone_cfg_defaults(&cfg->answer.zone);
	cfg->answer.edns_payload = 1232;
	if (cfg->answer.zone.nns == 0) {
		/* Defaults from resolve.c are authoritative; this only guards
		 * the nns >= 1 invariant. */
		int n = pooldns_dname_from_text(DEFAULT_NS, cfg->answer.zone.ns[0],
						POOLDNS_NAME_MAX);
		if (n > 0) {
			cfg->answer.zone.ns_len[0] = (uint8_t)n;
			cfg->answer.zone.nns = 1;
		}
	}
	cfg->log_dest = POOLDNS_LOG_STDERR;
	cfg->log_level = POOLDNS_LOG_INFO;
}

static void free_list(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(list[i]);
		list[i] = NULL;
	}
	*n = 0;
}

void pooldns_config_free(struct pooldns_config *cfg)
{
	if (cfg == NULL)
		return;
	free_list(cfg->rqlite_urls, &cfg->n_rqlite_urls);
	free(cfg->rqlite_user);
	free(cfg->rqlite_password_file);
	free(cfg->rqlite_ca_file);
	free(cfg->sqlite_path);
	free(cfg->cache_file);
	free(cfg->check_user_agent);
	free(cfg->check_source_address);
	free(cfg->check_ca_file);
	free_list(cfg->listen, &cfg->nlisten);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- error messages ---------------------------------------------------- */

/* Copies value for an error message: non-printable bytes become '?', long
 * values are cut with "...". */
static void printable(const char *value, char *out, size_t outsz)
{
	size_t i = 0, j = 0;
	for (; value[i] != '\0' && j + 4 < outsz; i++)
		out[j++] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
	if (value[i] != '\0' && j + 4 >= outsz && outsz >= 4) {
		j = outsz - 4;
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

__attribute__((format(printf, 6, 7))) static int value_error(char *err, size_t errsz,
							     const char *where, const char *key,
							     const char *value, const char *fmt,
							     ...)
{
	char v[128], why[256];
	va_list ap;

	printable(value, v, sizeof(v));
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errsz, "%s: %s: \"%s\": %s", where, key, v, why);
	return -1;
}

/* ---- value parsers ----------------------------------------------------- */

/* Decimal only: optional leading digits, no sign, no spaces, no 0x. */
static int parse_number(const char *s, long min, long max, long *out, const char **why)
{
	long v = 0;

	if (*s == '\0') {
		*why = "a number is required";
		return -1;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*why = "not a decimal number";
			return -1;
		}
		if (v > (LONG_MAX - (*p - '0')) / 10) {
			*why = "out of range";
			return -1;
		}
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max) {
		*why = "out of range";
		return -1;
	}
	*out = v;
	return 0;
}

static int set_number(const char *where, const char *key, const char *value, long min, long max,
		      long *out, char *err, size_t errsz)
{
	const char *why = NULL;

	if (parse_number(value, min, max, out, &why) != 0)
		return value_error(err, errsz, where, key, value, "%s (%ld..%ld)", why, min, max);
	return 0;
}

/* Port text: 1..65535, decimal. */
static int parse_port(const char *s, const char **why)
{
	long v;

	if (parse_number(s, 1, 65535, &v, why) != 0) {
		if (*s != '\0' && strspn(s, "0123456789") == strlen(s))
			*why = "port out of range";
		else
			*why = "bad port";
		return -1;
	}
	return 0;
}

/* listen: "a.b.c.d:port", "[v6]:port", "a.b.c.d" or "[v6]"/"v6" (port 53). */
static int check_listen(const char *s, const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	size_t hl;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL) {
			*why = "missing ']'";
			return -1;
		}
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= sizeof(host)) {
			*why = "bad IPv6 address";
			return -1;
		}
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			*why = "expected ':port' after ']'";
			return -1;
		}
		if (inet_pton(AF_INET6, host, buf) != 1) {
			*why = "bad IPv6 address";
			return -1;
		}
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Bare IPv6 literal, port 53. */
			if (inet_pton(AF_INET6, s, buf) != 1) {
				*why = "bad address (write IPv6 with a port as [addr]:port)";
				return -1;
			}
			return 0;
		}
		hl = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (hl == 0 || hl >= sizeof(host)) {
			*why = "bad IPv4 address";
			return -1;
		}
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (colon != NULL)
			port = colon + 1;
		if (inet_pton(AF_INET, host, buf) != 1) {
			*why = "bad IPv4 address";
			return -1;
		}
	}
	if (port != NULL && parse_port(port, why) != 0)
		return -1;
	return 0;
}

/* rqlite-url: http[s]://host[:port][/], host a name, IPv4 or [IPv6]. */
static int check_url(const char *s, const char **why)
{
	const char *p;
	size_t hl;

	if (strncmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		p = s + 8;
	else {
		*why = "must start with http:// or https://";
		return -1;
	}
	for (const char *q = s; *q != '\0'; q++) {
		if (*q <= 0x20 || *q >= 0x7f) {
			*why = "space or control character in URL";
			return -1;
		}
	}
	if (*p == '[') {
		char host[INET6_ADDRSTRLEN + 1];
		unsigned char buf[sizeof(struct in6_addr)];
		const char *end = strchr(p, ']');
		if (end == NULL || (size_t)(end - p - 1) >= sizeof(host) || end == p + 1) {
			*why = "bad IPv6 host";
			return -1;
		}
		hl = (size_t)(end - p - 1);
		memcpy(host, p + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, buf) != 1) {
			*why = "bad IPv6 host";
			return -1;
		}
		p = end + 1;
	} else {
		hl = strcspn(p, ":/");
		if (hl == 0) {
			*why = "missing host";
			return -1;
		}
		for (size_t i = 0; i < hl; i++) {
			char c = p[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
				*why = "bad character in host";
				return -1;
			}
		}
		p += hl;
	}
	if (*p == ':') {
		char port[8];
		size_t pl = strcspn(p + 1, "/");
		if (pl == 0 || pl >= sizeof(port)) {
			*why = pl == 0 ? "bad port" : "port out of range";
			return -1;
		}
		memcpy(port, p + 1, pl);
		port[pl] = '\0';
		if (parse_port(port, why) != 0)
			return -1;
		p += 1 + pl;
	}
	if (*p != '\0' && strcmp(p, "/") != 0) {
		*why = "a path is not allowed (give the node's base URL)";
		return -1;
	}
	return 0;
}

/* Replaces *slot with a copy of value; "" clears it. */
static int set_string(char **slot, const char *value, char *err, size_t errsz, const char *where,
		      const char *key)
{
	char *copy = NULL;

	if (value[0] != '\0') {
		copy = strdup(value);
		if (copy == NULL) {
			snprintf(err, errsz, "%s: %s: out of memory", where, key);
			return -1;
		}
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* Appends value to a string list that starts with a default: the first
 * explicit value (*set false) replaces the default. */
static int list_add(char **list, size_t *n, size_t max, bool *set, const char *value, char *err,
		    size_t errsz, const char *where, const char *key)
{
	size_t count = *set ? *n : 0;

	for (size_t i = 0; i < count; i++)
		if (strcmp(list[i], value) == 0)
			return value_error(err, errsz, where, key, value, "given twice");
	if (count >= max)
		return value_error(err, errsz, where, key, value, "too many (at most %zu)", max);
	char *copy = strdup(value);
	if (copy == NULL) {
		snprintf(err, errsz, "%s: %s: out of memory", where, key);
		return -1;
	}
	if (!*set) {
		free_list(list, n);
		*set = true;
	}
	list[(*n)++] = copy;
	return 0;
}

static int parse_name(const char *where, const char *key, const char *value, uint8_t *wire,
		      uint8_t *len, char *err, size_t errsz)
{
	int n = pooldns_dname_from_text(value, wire, POOLDNS_NAME_MAX);

	if (value[0] == '\0' || n <= 0)
		return value_error(err, errsz, where, key, value, "not a valid domain name");
	*len = (uint8_t)n;
	return 0;
}

/* ---- pooldns_config_set ------------------------------------------------ */

int pooldns_config_set(struct pooldns_config *cfg, const char *key, const char *value,
		       const char *where, char *err, size_t errsz)
{
	struct pooldns_zone_cfg *zc = &cfg->answer.zone;
	const char *why = NULL;
	long v;

	if (where == NULL)
		where = "config";

	if (strcmp(key, "source") == 0) {
		if (strcmp(value, "rqlite") == 0)
			cfg->source = POOLDNS_SOURCE_RQLITE;
		else if (strcmp(value, "sqlite") == 0)
			cfg->source = POOLDNS_SOURCE_SQLITE;
		else
			return value_error(err, errsz, where, key, value,
					   "expected rqlite or sqlite");
		return 0;
	}
	if (strcmp(key, "rqlite-url") == 0) {
		if (check_url(value, &why) != 0)
			return value_error(err, errsz, where, key, value, "%s", why);
		return list_add(cfg->rqlite_urls, &cfg->n_rqlite_urls, POOLDNS_RQLITE_MAX_URLS,
				&cfg->rqlite_urls_set, value, err, errsz, where, key);
	}
	if (strcmp(key, "rqlite-user") == 0) {
		if (strchr(value, ':') != NULL)
			return value_error(err, errsz, where, key, value,
					   "a user name cannot contain ':'");
		return set_string(&cfg->rqlite_user, value, err, errsz, where, key);
	}
	if (strcmp(key, "rqlite-password-file") == 0)
		return set_string(&cfg->rqlite_password_file, value, err, errsz, where, key);
	if (strcmp(key, "rqlite-ca-file") == 0)
		return set_string(&cfg->rqlite_ca_file, value, err, errsz, where, key);
	if (strcmp(key, "rqlite-consistency") == 0) {
		if (pooldns_rqlite_level_parse(value, &cfg->rqlite_level) != 0)
			return value_error(err, errsz, where, key, value,
					   "expected none, weak or strong");
		return 0;
	}
	if (strcmp(key, "rqlite-connect-timeout-ms") == 0)
		return set_number(where, key, value, 1, 60000, &cfg->rqlite_connect_timeout_ms, err,
				  errsz);
	if (strcmp(key, "rqlite-timeout-ms") == 0)
		return set_number(where, key, value, 1, 600000, &cfg->rqlite_timeout_ms, err,
				  errsz);
	if (strcmp(key, "sqlite-path") == 0)
		return set_string(&cfg->sqlite_path, value, err, errsz, where, key);
	if (strcmp(key, "poll-interval-ms") == 0)
		return set_number(where, key, value, 10, 3600000, &cfg->poll_interval_ms, err,
				  errsz);
	if (strcmp(key, "cache-file") == 0)
		return set_string(&cfg->cache_file, value, err, errsz, where, key);
	if (strcmp(key, "check-user-agent") == 0) {
		for (const char *c = value; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				return value_error(err, errsz, where, key, value,
						   "only printable ASCII is allowed");
		return set_string(&cfg->check_user_agent, value, err, errsz, where, key);
	}
	if (strcmp(key, "check-source-address") == 0) {
		unsigned char buf[16];
		if (value[0] != '\0' && inet_pton(AF_INET, value, buf) != 1 &&
		    inet_pton(AF_INET6, value, buf) != 1)
			return value_error(err, errsz, where, key, value,
					   "not an IPv4 or IPv6 address");
		return set_string(&cfg->check_source_address, value, err, errsz, where, key);
	}
	if (strcmp(key, "check-ca-file") == 0)
		return set_string(&cfg->check_ca_file, value, err, errsz, where, key);
	if (strcmp(key, "check-max-concurrent") == 0) {
		if (set_number(where, key, value, 1, 65536, &v, err, errsz) != 0)
			return -1;
		cfg->check_max_concurrent = (int)v;
		return 0;
	}
	if (strcmp(key, "listen") == 0) {
		if (check_listen(value, &why) != 0)
			return value_error(err, errsz, where, key, value, "%s", why);
		return list_add(cfg->listen, &cfg->nlisten, POOLDNS_MAX_LISTEN, &cfg->listen_set,
				value, err, errsz, where, key);
	}
	if (strcmp(key, "threads") == 0) {
		if (set_number(where, key, value, 0, 1024, &v, err, errsz) != 0)
			return -1;
		cfg->threads = (int)v;
		return 0;
	}
	if (strcmp(key, "tcp-idle-timeout-ms") == 0)
		return set_number(where, key, value, 100, 3600000, &cfg->tcp_idle_timeout_ms, err,
				  errsz);
	if (strcmp(key, "tcp-max-connections") == 0) {
		if (set_number(where, key, value, 1, 65536, &v, err, errsz) != 0)
			return -1;
		cfg->tcp_max_connections = (int)v;
		return 0;
	}
	if (strcmp(key, "edns-payload") == 0) {
		if (set_number(where, key, value, 512, 4096, &v, err, errsz) != 0)
			return -1;
		cfg->answer.edns_payload = (uint16_t)v;
		return 0;
	}
	if (strcmp(key, "zone") == 0) {
		uint8_t wire[POOLDNS_NAME_MAX], len = 0;
		if (parse_name(where, key, value, wire, &len, err, errsz) != 0)
			return -1;
		for (size_t i = 0; i < zc->nzones; i++)
			if (pooldns_dname_equal(zc->zones[i], zc->zone_len[i], wire, len))
				return value_error(err, errsz, where, key, value, "given twice");
		if (zc->nzones >= POOLDNS_MAX_ZONES)
			return value_error(err, errsz, where, key, value, "too many (at most %d)",
					   POOLDNS_MAX_ZONES);
		memcpy(zc->zones[zc->nzones], wire, len);
		zc->zone_len[zc->nzones++] = len;
		return 0;
	}
	if (strcmp(key, "ns-name") == 0) {
		uint8_t wire[POOLDNS_NAME_MAX], len = 0;
		/* The first ns-name replaces the default, like listen. */
		bool dflt = !cfg->ns_set;
		size_t count = dflt ? 0 : zc->nns;
		if (parse_name(where, key, value, wire, &len, err, errsz) != 0)
			return -1;
		for (size_t i = 0; i < count; i++)
			if (pooldns_dname_equal(zc->ns[i], zc->ns_len[i], wire, len))
				return value_error(err, errsz, where, key, value, "given twice");
		if (count >= POOLDNS_MAX_NS)
			return value_error(err, errsz, where, key, value, "too many (at most %d)",
					   POOLDNS_MAX_NS);
		cfg->ns_set = true;
		memcpy(zc->ns[count], wire, len);
		zc->ns_len[count] = len;
		zc->nns = count + 1;
		return 0;
	}
	if (strcmp(key, "soa-rname") == 0) {
		if (value[0] == '\0') {
			zc->rname_len = 0;
			return 0;
		}
		if (strchr(value, '@') != NULL)
			return value_error(
				err, errsz, where, key, value,
				"write the mailbox as a domain name (hostmaster.example.com.)");
		return parse_name(where, key, value, zc->rname, &zc->rname_len, err, errsz);
	}
	{
		uint32_t *slot = NULL;
		if (strcmp(key, "soa-ttl") == 0)
			slot = &zc->soa_ttl;
		else if (strcmp(key, "soa-refresh") == 0)
			slot = &zc->refresh;
		else if (strcmp(key, "soa-retry") == 0)
			slot = &zc->retry;
		else if (strcmp(key, "soa-expire") == 0)
			slot = &zc->expire;
		else if (strcmp(key, "negative-ttl") == 0)
			slot = &zc->negative_ttl;
		if (slot != NULL) {
			if (set_number(where, key, value, 0, MAX_TTL, &v, err, errsz) != 0)
				return -1;
			*slot = (uint32_t)v;
			return 0;
		}
	}
	if (strcmp(key, "log") == 0) {
		if (strcmp(value, "stderr") == 0)
			cfg->log_dest = POOLDNS_LOG_STDERR;
		else if (strcmp(value, "syslog") == 0)
			cfg->log_dest = POOLDNS_LOG_SYSLOG;
		else
			return value_error(err, errsz, where, key, value,
					   "expected stderr or syslog");
		return 0;
	}
	if (strcmp(key, "log-level") == 0) {
		if (pooldns_log_level_parse(value, &cfg->log_level) != 0)
			return value_error(err, errsz, where, key, value,
					   "expected err, warning, notice, info or debug");
		return 0;
	}
	{
		char k[128];
		printable(key, k, sizeof(k));
		snprintf(err, errsz, "%s: unknown key \"%s\"", where, k);
	}
	return -1;
}

/* ---- the file parser --------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one line (NUL-terminated, modified in place). Returns 0 with
 * *key NULL for a blank/comment line, 0 with key/value set, or -1 with a
 * reason in *why. */
static int parse_line(char *line, char **key, char **value, const char **why)
{
	char *p = line, *k, *v, *out;

	*key = NULL;
	while (is_space(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	k = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '-' || *p == '_' || *p == '.')
		p++;
	if (p == k) {
		*why = "expected a key";
		return -1;
	}
	char *kend = p;
	while (is_space(*p))
		p++;
	if (*p != '=') {
		*why = "expected \"key = value\"";
		return -1;
	}
	*kend = '\0';
	p++;
	while (is_space(*p))
		p++;
	if (*p == '"') {
		v = out = ++p;
		for (;;) {
			if (*p == '\0') {
				*why = "unterminated quoted value";
				return -1;
			}
			if (*p == '"')
				break;
			if (*p == '\\') {
				if (p[1] != '"' && p[1] != '\\') {
					*why = "only \\\" and \\\\ escapes are allowed in quotes";
					return -1;
				}
				p++;
			}
			*out++ = *p++;
		}
		p++;
		*out = '\0';
		while (is_space(*p))
			p++;
		if (*p != '\0' && *p != '#') {
			*why = "text after the closing quote";
			return -1;
		}
	} else {
		/* Unquoted: '#' starts a comment; trailing blanks are dropped. */
		v = p;
		p += strcspn(p, "#");
		*p = '\0';
		while (p > v && is_space(p[-1]))
			*--p = '\0';
		if (strchr(v, '"') != NULL) {
			*why = "stray '\"' (quote the whole value)";
			return -1;
		}
	}
	*key = k;
	*value = v;
	return 0;
}

int pooldns_config_load_buffer(struct pooldns_config *cfg, const char *buf, size_t len,
			       const char *name, char *err, size_t errsz)
{
	char line[MAX_LINE + 1], where[256];
	unsigned long lineno = 0;
	size_t pos = 0;

	if (name == NULL)
		name = "config";
	/* A UTF-8 byte order mark is tolerated at the very start. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		char *key, *value;
		const char *why = NULL;

		lineno++;
		snprintf(where, sizeof(where), "%s:%lu", name, lineno);
		if (ll > MAX_LINE) {
			snprintf(err, errsz, "%s: line too long (more than %d bytes)", where,
				 MAX_LINE);
			return -1;
		}
		if (memchr(buf + pos, '\0', ll) != NULL) {
			snprintf(err, errsz, "%s: NUL byte in line", where);
			return -1;
		}
		memcpy(line, buf + pos, ll);
		line[ll] = '\0';
		pos += ll + (nl != NULL);
		if (parse_line(line, &key, &value, &why) != 0) {
			snprintf(err, errsz, "%s: %s", where, why);
			return -1;
		}
		if (key == NULL)
			continue;
		if (pooldns_config_set(cfg, key, value, where, err, errsz) != 0)
			return -1;
	}
	return 0;
}

int pooldns_config_load_file(struct pooldns_config *cfg, const char *path, char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "%s: is a directory", path);
		goto out;
	}
	buf = malloc(MAX_FILE + 1);
	if (buf == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, MAX_FILE + 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_FILE) {
			snprintf(err, errsz, "%s: file too large (more than %d bytes)", path,
				 MAX_FILE);
			goto out;
		}
	}
	rc = pooldns_config_load_buffer(cfg, buf, len, path, err, errsz);
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- cross-key checks -------------------------------------------------- */

int pooldns_config_check(const struct pooldns_config *cfg, char *err, size_t errsz)
{
	if (cfg->source == POOLDNS_SOURCE_SQLITE) {
		if (cfg->sqlite_path == NULL) {
			snprintf(err, errsz, "source = sqlite needs sqlite-path");
			return -1;
		}
	} else {
		if (cfg->n_rqlite_urls == 0) {
			snprintf(err, errsz, "source = rqlite needs at least one rqlite-url");
			return -1;
		}
		if (cfg->rqlite_user != NULL && cfg->rqlite_password_file == NULL) {
			snprintf(err, errsz, "rqlite-user needs rqlite-password-file");
			return -1;
		}
		if (cfg->rqlite_password_file != NULL && cfg->rqlite_user == NULL) {
			snprintf(err, errsz, "rqlite-password-file needs rqlite-user");
			return -1;
		}
		if (cfg->rqlite_timeout_ms < cfg->rqlite_connect_timeout_ms) {
			snprintf(err, errsz,
				 "rqlite-timeout-ms (%ld) is shorter than "
				 "rqlite-connect-timeout-ms (%ld)",
				 cfg->rqlite_timeout_ms, cfg->rqlite_connect_timeout_ms);
			return -1;
		}
	}
	if (cfg->nlisten == 0) {
		snprintf(err, errsz, "no listen address");
		return -1;
	}
	if (cfg->answer.zone.nns == 0) {
		snprintf(err, errsz, "no ns-name");
		return -1;
	}
	if (cfg->answer.edns_payload < 512 || cfg->answer.edns_payload > 4096) {
		snprintf(err, errsz, "edns-payload %u out of range (512..4096)",
			 (unsigned)cfg->answer.edns_payload);
		return -1;
	}
	return 0;
}

/* ---- sources ----------------------------------------------------------- */

/* Reads the password file into pw: one trailing newline (LF or CRLF) is
 * stripped; an empty password, a NUL byte or a password that does not fit
 * are errors. A file other users can read is only warned about. */
static int read_password(const char *path, char *pw, size_t pwsz, char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t len = 0;
	int rc = -1;

	if (pwsz < 2) {
		snprintf(err, errsz, "rqlite-password-file %s: no room for the password", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errsz, "rqlite-password-file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "rqlite-password-file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "rqlite-password-file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & S_IROTH)
		pooldns_log(POOLDNS_LOG_WARNING,
			    "rqlite-password-file %s is readable by every user (chmod o-r)", path);
	for (;;) {
		ssize_t n = read(fd, pw + len, pwsz - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "rqlite-password-file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == pwsz - 1) {
			char extra;
			ssize_t m;
			do
				m = read(fd, &extra, 1);
			while (m < 0 && errno == EINTR);
			if (m != 0) {
				snprintf(err, errsz,
					 "rqlite-password-file %s: password too long (at most %zu "
					 "bytes)",
					 path, pwsz - 2);
				goto out;
			}
			break;
		}
	}
	if (len > 0 && pw[len - 1] == '\n') {
		len--;
		if (len > 0 && pw[len - 1] == '\r')
			len--;
	}
	pw[len] = '\0';
	if (len == 0) {
		snprintf(err, errsz, "rqlite-password-file %s: empty password", path);
		goto out;
	}
	if (memchr(pw, '\0', len) != NULL) {
		snprintf(err, errsz, "rqlite-password-file %s: NUL byte in password", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		explicit_bzero(pw, pwsz);
	close(fd);
	return rc;
}

int pooldns_config_rqlite_opts(const struct pooldns_config *cfg, struct pooldns_rqlite_opts *opts,
			       char *pw, size_t pwsz, char *err, size_t errsz)
{
	memset(opts, 0, sizeof(*opts));
	if (pw != NULL && pwsz > 0)
		pw[0] = '\0';
	for (size_t i = 0; i < cfg->n_rqlite_urls && i < POOLDNS_RQLITE_MAX_URLS; i++)
		opts->urls[opts->nurls++] = cfg->rqlite_urls[i];
	if (opts->nurls == 0) {
		snprintf(err, errsz, "no rqlite-url");
		return -1;
	}
	opts->user = cfg->rqlite_user;
	opts->ca_file = cfg->rqlite_ca_file;
	opts->level = cfg->rqlite_level;
	opts->connect_timeout_ms = cfg->rqlite_connect_timeout_ms;
	opts->timeout_ms = cfg->rqlite_timeout_ms;
	if (cfg->rqlite_password_file != NULL) {
		if (pw == NULL) {
			snprintf(err, errsz, "rqlite-password-file %s: no buffer for the password",
				 cfg->rqlite_password_file);
			return -1;
		}
		if (read_password(cfg->rqlite_password_file, pw, pwsz, err, errsz) != 0)
			return -1;
		opts->password = pw;
	}
	return 0;
}

struct pooldns_source *pooldns_config_make_source(const struct pooldns_config *cfg, char *err,
						  size_t errsz)
{
	struct pooldns_source *src;

	if (cfg->source == POOLDNS_SOURCE_SQLITE) {
		if (cfg->sqlite_path == NULL) {
			snprintf(err, errsz, "source = sqlite needs sqlite-path");
			return NULL;
		}
		return pooldns_source_sqlite_new(cfg->sqlite_path, err, errsz);
	}

	struct pooldns_rqlite_opts opts;
	char pw[4096];

	if (pooldns_config_rqlite_opts(cfg, &opts, pw, sizeof(pw), err, errsz) != 0)
		return NULL;
	src = pooldns_source_rqlite_new(&opts, err, errsz);
	explicit_bzero(pw, sizeof(pw));
	return src;
}

void pooldns_config_health_opts(const struct pooldns_config *cfg, struct pooldns_health_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->user_agent = cfg->check_user_agent;
	opts->source_address = cfg->check_source_address;
	opts->ca_file = cfg->check_ca_file;
	opts->max_concurrent = (unsigned)cfg->check_max_concurrent;
}
