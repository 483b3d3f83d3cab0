/*
 * conf_schema.c — the table of configuration keys (see conf_schema.h): one
 * row per key with its type, range or choices, default, storage in struct
 * pooldns_config, scope, SIGHUP rule and help text. Data only; what a
 * value of each type means is in conf_value.c.
 *
 * The row macros name struct members, not offsets: each one checks the
 * member's C type with _Generic, so a row that points at a member of the
 * wrong kind does not compile.
 *
 * Owns: the table (static, read-only). Thread model: no mutable state.
 */
#include "config.h"

#include "core/conf_schema.h"

#include <stdint.h>
#include <string.h>

#include "core/dns/resolve.h"
#include "core/log.h"
#include "core/poller.h"
#include "core/source/source.h"

/* Largest TTL-like value (RFC 2181 section 8). */
#define MAX_TTL 2147483647L
/* module-cache-ttl: a short lifetime, in seconds. */
#define MODULE_CACHE_TTL_MAX 300L

/* ---- row macros -------------------------------------------------------- */

/* clang-format 14 cannot lay out _Generic; these lines are kept by hand. */
/* clang-format off */
#define MEMBER(m) (((struct pooldns_config *)0)->m)
#define OFFSET(m) offsetof(struct pooldns_config, m)
#define COUNT(m)  (sizeof(MEMBER(m)) / sizeof(MEMBER(m)[0]))

/* An integer or enum member. */
#define INTEGER(m)                                                             \
	.offset = OFFSET(m), .size = sizeof(MEMBER(m)),                        \
	.ctype = _Generic(MEMBER(m),                                           \
			  int: POOLDNS_CONFIG_INT,                             \
			  unsigned int: POOLDNS_CONFIG_UINT,                   \
			  unsigned short: POOLDNS_CONFIG_USHORT,               \
			  long: POOLDNS_CONFIG_LONG)

#define NUMBER(m, lo, hi) .type = POOLDNS_CONFIG_NUMBER, INTEGER(m), .min = (lo), .max = (hi)
#define CHOICE(m, list)   .type = POOLDNS_CONFIG_CHOICE, INTEGER(m), .choices = (list)

/* A char * member (t: STRING, ADDRESS, LISTEN or URL). */
#define TEXT(t, m)                                                             \
	.type = (t), .offset = OFFSET(m),                                      \
	.size = _Generic(MEMBER(m), char *: sizeof(char *))

/* A char *[] member with its size_t count and bool "a value replaced the
 * default" flag. */
#define TEXT_LIST(t, m, n, set)                                                \
	.type = (t), .list = true, .offset = OFFSET(m),                        \
	.size = _Generic(MEMBER(m), char **: sizeof(MEMBER(m))),               \
	.count_offset = _Generic(MEMBER(n), size_t: OFFSET(n)),                \
	.max_count = COUNT(m),                                                 \
	.set_offset = _Generic(MEMBER(set), bool: OFFSET(set))

/* A wire name member with its uint8_t length. */
#define NAME(m, len)                                                           \
	.type = POOLDNS_CONFIG_NAME, .offset = OFFSET(m),                      \
	.size = _Generic(MEMBER(m), uint8_t *: sizeof(MEMBER(m))),             \
	.len_offset = _Generic(MEMBER(len), uint8_t: OFFSET(len))

/* An array of wire names with their uint8_t lengths and size_t count. A
 * list with a default adds SET_FLAG(). */
#define NAME_LIST(m, len, n)                                                   \
	.type = POOLDNS_CONFIG_NAME, .list = true, .offset = OFFSET(m),        \
	.size = _Generic(MEMBER(m),                                            \
			 uint8_t (*)[POOLDNS_NAME_MAX]: sizeof(MEMBER(m))),    \
	.len_offset = _Generic(MEMBER(len), uint8_t *: OFFSET(len)),           \
	.count_offset = _Generic(MEMBER(n), size_t: OFFSET(n)),                \
	.max_count = COUNT(m)
#define SET_FLAG(set) .set_offset = _Generic(MEMBER(set), bool: OFFSET(set))

#define SERVER_ONLY .scope = POOLDNS_CONFIG_SERVER
#define MODULE_ONLY .scope = POOLDNS_CONFIG_MODULE
#define RESTART     .reload = POOLDNS_CONFIG_RESTART
/* clang-format on */

/* ---- choices and extra rules ------------------------------------------- */

static const struct pooldns_config_choice source_choices[] = {
	{ "rqlite", POOLDNS_SOURCE_RQLITE },
	{ "sqlite", POOLDNS_SOURCE_SQLITE },
	{ NULL, 0 },
};

static const struct pooldns_config_choice consistency_choices[] = {
	{ "none", POOLDNS_RQLITE_NONE },
	{ "weak", POOLDNS_RQLITE_WEAK },
	{ "strong", POOLDNS_RQLITE_STRONG },
	{ NULL, 0 },
};

static const struct pooldns_config_choice log_choices[] = {
	{ "stderr", POOLDNS_LOG_STDERR },
	{ "syslog", POOLDNS_LOG_SYSLOG },
	{ NULL, 0 },
};

static const struct pooldns_config_choice log_level_choices[] = {
	{ "err", POOLDNS_LOG_ERR },       { "warning", POOLDNS_LOG_WARNING },
	{ "notice", POOLDNS_LOG_NOTICE }, { "info", POOLDNS_LOG_INFO },
	{ "debug", POOLDNS_LOG_DEBUG },   { NULL, 0 },
};

/* rqlite sends "user:password" in basic authentication. */
static const char *check_user(const char *value)
{
	return strchr(value, ':') != NULL ? "a user name cannot contain ':'" : NULL;
}

/* The value goes into an HTTP header line as is. */
static const char *check_header_text(const char *value)
{
	for (const char *c = value; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			return "only printable ASCII is allowed";
	return NULL;
}

/* A mailbox written as an address would be a (wrong) name with one label
 * "user@example". */
static const char *check_mailbox(const char *value)
{
	return strchr(value, '@') != NULL
		       ? "write the mailbox as a domain name (hostmaster.example.com.)"
		       : NULL;
}

/* ---- the table --------------------------------------------------------- */

const struct pooldns_config_key pooldns_config_schema[] = {
	/* Data source */
	{
		.name = "source",
		CHOICE(source, source_choices),
		.dflt = "rqlite",
		.help = "where pool data comes from",
	},
	{
		.name = "rqlite-url",
		TEXT_LIST(POOLDNS_CONFIG_URL, rqlite_urls, n_rqlite_urls, rqlite_urls_set),
		.dflt = "http://127.0.0.1:4001",
		.metavar = "URL",
		.help = "rqlite node, http[s]://host:port (repeat for a cluster; tried in order)",
	},
	{
		.name = "rqlite-user",
		TEXT(POOLDNS_CONFIG_STRING, rqlite_user),
		.check = check_user,
		.metavar = "USER",
		.help = "rqlite basic-auth user",
	},
	{
		.name = "rqlite-password-file",
		TEXT(POOLDNS_CONFIG_STRING, rqlite_password_file),
		.metavar = "FILE",
		.help = "file holding the rqlite password (one trailing newline stripped)",
	},
	{
		.name = "rqlite-ca-file",
		TEXT(POOLDNS_CONFIG_STRING, rqlite_ca_file),
		.metavar = "FILE",
		.unset = "system store",
		.help = "CA bundle to verify https rqlite nodes",
	},
	{
		.name = "rqlite-consistency",
		CHOICE(rqlite_level, consistency_choices),
		.dflt = "weak",
		.help = "rqlite read consistency level",
	},
	{
		.name = "rqlite-connect-timeout-ms",
		NUMBER(rqlite_connect_timeout_ms, 1, 60000),
		.dflt = "1000",
		.metavar = "MS",
		.help = "connect timeout per rqlite node",
	},
	{
		.name = "rqlite-timeout-ms",
		NUMBER(rqlite_timeout_ms, 1, 600000),
		.dflt = "3000",
		.metavar = "MS",
		.help = "whole-request timeout per rqlite node",
	},
	{
		.name = "sqlite-path",
		TEXT(POOLDNS_CONFIG_STRING, sqlite_path),
		.metavar = "FILE",
		.help = "SQLite database file (source = sqlite)",
	},
	{
		.name = "poll-interval-ms",
		NUMBER(poll_interval_ms, POOLDNS_POLL_INTERVAL_MIN_MS,
		       POOLDNS_POLL_INTERVAL_MAX_MS),
		.dflt = "500",
		.metavar = "MS",
		.help = "how often the data version is polled",
	},
	{
		.name = "cache-file",
		TEXT(POOLDNS_CONFIG_STRING, cache_file),
		.metavar = "FILE",
		.help = "last-good snapshot cache, used when the source is down",
	},

	/* Health checks: the checker copies these at start-up. */
	{
		.name = "check-user-agent",
		TEXT(POOLDNS_CONFIG_STRING, check_user_agent),
		.check = check_header_text,
		RESTART,
		.metavar = "TEXT",
		.unset = "pooldns/<version>",
		.help = "User-Agent of http(s) health checks",
	},
	{
		.name = "check-source-address",
		TEXT(POOLDNS_CONFIG_ADDRESS, check_source_address),
		RESTART,
		.metavar = "ADDR",
		.unset = "any",
		.help = "local address health checks are sent from",
	},
	{
		.name = "check-ca-file",
		TEXT(POOLDNS_CONFIG_STRING, check_ca_file),
		RESTART,
		.metavar = "FILE",
		.unset = "system store",
		.help = "CA bundle to verify https health checks",
	},
	{
		.name = "check-max-concurrent",
		NUMBER(check_max_concurrent, 1, 65536),
		RESTART,
		.dflt = "256",
		.metavar = "N",
		.help = "health probes in flight at once",
	},

	/* Standalone server: sockets and threads are made once. */
	{
		.name = "listen",
		TEXT_LIST(POOLDNS_CONFIG_LISTEN, listen, nlisten, listen_set),
		SERVER_ONLY,
		RESTART,
		.dflt = "127.0.0.1:53",
		.metavar = "ADDR[:PORT]",
		.help = "UDP+TCP listen address, [v6]:port for IPv6 (repeat for more)",
	},
	{
		.name = "threads",
		NUMBER(threads, 0, POOLDNS_MAX_THREADS),
		SERVER_ONLY,
		RESTART,
		.dflt = "0",
		.metavar = "N",
		.help = "worker threads; 0 = one per CPU",
	},
	{
		.name = "tcp-idle-timeout-ms",
		NUMBER(tcp_idle_timeout_ms, 100, 3600000),
		SERVER_ONLY,
		RESTART,
		.dflt = "10000",
		.metavar = "MS",
		.help = "close idle TCP connections after",
	},
	{
		.name = "tcp-max-connections",
		NUMBER(tcp_max_connections, 1, 65536),
		SERVER_ONLY,
		RESTART,
		.dflt = "256",
		.metavar = "N",
		.help = "TCP connections per worker thread",
	},

	/* Answers */
	{
		.name = "edns-payload",
		NUMBER(answer.edns_payload, 512, 4096),
		SERVER_ONLY, /* the module leaves EDNS to Unbound */
		.dflt = "1232",
		.metavar = "BYTES",
		.help = "our EDNS UDP payload size",
	},
	{
		.name = "zone",
		NAME_LIST(answer.zone.zones, answer.zone.zone_len, answer.zone.nzones),
		.metavar = "NAME",
		.help = "zone apex served besides pool names (repeat for more)",
	},
	{
		.name = "ns-name",
		NAME_LIST(answer.zone.ns, answer.zone.ns_len, answer.zone.nns),
		SET_FLAG(ns_set),
		.dflt = "localhost.",
		.metavar = "NAME",
		.help = "NS target and SOA MNAME (repeat for more NS)",
	},
	{
		.name = "soa-rname",
		NAME(answer.zone.rname, answer.zone.rname_len),
		.check = check_mailbox,
		.metavar = "NAME",
		.unset = "hostmaster.<apex>",
		.help = "SOA RNAME (mailbox as a domain name)",
	},
	{
		.name = "soa-ttl",
		NUMBER(answer.zone.soa_ttl, 0, MAX_TTL),
		.dflt = "3600",
		.metavar = "SECONDS",
		.help = "TTL of the synthesized SOA and NS records",
	},
	{
		.name = "soa-refresh",
		NUMBER(answer.zone.refresh, 0, MAX_TTL),
		.dflt = "3600",
		.metavar = "SECONDS",
		.help = "SOA REFRESH",
	},
	{
		.name = "soa-retry",
		NUMBER(answer.zone.retry, 0, MAX_TTL),
		.dflt = "600",
		.metavar = "SECONDS",
		.help = "SOA RETRY",
	},
	{
		.name = "soa-expire",
		NUMBER(answer.zone.expire, 0, MAX_TTL),
		.dflt = "86400",
		.metavar = "SECONDS",
		.help = "SOA EXPIRE",
	},
	{
		.name = "negative-ttl",
		NUMBER(answer.zone.negative_ttl, 0, MAX_TTL),
		.dflt = "60",
		.metavar = "SECONDS",
		.help = "SOA MINIMUM: how long negative answers are cached",
	},

	/* Logging */
	{
		.name = "log",
		CHOICE(log_dest, log_choices),
		SERVER_ONLY,
		.dflt = "stderr",
		.help = "where log messages go",
	},
	{
		.name = "log-level",
		CHOICE(log_level, log_level_choices),
		.dflt = "info",
		.help = "the most verbose level logged",
	},

	/* The Unbound module only. */
	{
		.name = "module-cache-ttl",
		NUMBER(module_cache_ttl, 0, MODULE_CACHE_TTL_MAX),
		.dflt = "0",
		.metavar = "SECONDS",
		.help = "let Unbound cache the module's answers this long (0: never)",
		MODULE_ONLY,
	},

	{ .name = NULL },
};

const struct pooldns_config_key *pooldns_config_key_find(const char *name)
{
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}
