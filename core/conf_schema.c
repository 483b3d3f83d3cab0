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

#include "core/dns/acl.h"
#include "core/dns/prefix.h"
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

static const struct pooldns_config_choice full_load_choices[] = {
	{ "auto", POOLDNS_RQLITE_FULL_AUTO },
	{ "backup", POOLDNS_RQLITE_FULL_BACKUP },
	{ "query", POOLDNS_RQLITE_FULL_QUERY },
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

static const struct pooldns_config_choice yes_no_choices[] = {
	{ "yes", 1 },
	{ "no", 0 },
	{ NULL, 0 },
};

static const struct pooldns_config_choice acl_action_choices[] = {
	{ "refuse", 1 },
	{ "drop", 0 },
	{ NULL, 0 },
};

/* "allow|deny PREFIX [on LISTEN]"; the listen address is matched against
 * the listen keys when the server applies the list. */
static const char *check_acl_rule(const char *value)
{
	struct pooldns_acl_rule r;
	char listen[64];
	return pooldns_acl_rule_parse(value, &r, listen, sizeof listen);
}

static const char *check_prefix(const char *value)
{
	struct pooldns_prefix p;
	return pooldns_prefix_parse(value, &p);
}

/* A mailbox written as an address would be a (wrong) name with one label
 * "user@example". */
static const char *check_mailbox(const char *value)
{
	return strchr(value, '@') != NULL
		       ? "write the mailbox as a domain name (hostmaster.example.com.)"
		       : NULL;
}

/* A user or group: a name or a decimal id (':' separates the fields of
 * the user and group databases). */
static const char *check_account(const char *value)
{
	return strchr(value, ':') != NULL ? "a user or group name cannot contain ':'" : NULL;
}

static const char *check_chroot(const char *value)
{
	if (value[0] != '/')
		return "the chroot directory must be an absolute path";
	return strspn(value, "/") == strlen(value) ? "chroot to / changes nothing" : NULL;
}

static const struct pooldns_config_choice allow_remote_choices[] = {
	{ "no", 0 },
	{ "yes", 1 },
	{ NULL, 0 },
};

/* The endpoint needs an explicit port (the DNS default, 53, makes no sense
 * for it). The address itself is checked by the LISTEN type. */
static const char *check_http_listen(const char *value)
{
	if (value[0] == '[') {
		const char *end = strchr(value, ']');
		return end != NULL && end[1] != ':' ? "a port is required: [addr]:port" : NULL;
	}
	const char *colon = strchr(value, ':');
	if (colon == NULL)
		return "a port is required: addr:port";
	if (strchr(colon + 1, ':') != NULL)
		return "write an IPv6 address as [addr]:port";
	return NULL;
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
		.name = "rqlite-full-load",
		CHOICE(rqlite_full_load, full_load_choices),
		.dflt = "auto",
		.help = "full loads from a /db/backup copy (backup), paged queries (query), or "
			"a copy with queries as fallback (auto)",
	},
	{
		.name = "rqlite-backup-dir",
		TEXT(POOLDNS_CONFIG_STRING, rqlite_backup_dir),
		.metavar = "DIR",
		.unset = "$TMPDIR, else /var/tmp",
		.help = "where a backup copy is written during a full load (removed at once)",
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
	{
		.name = "udp-rcvbuf",
		NUMBER(udp_rcvbuf, 0, 268435456),
		SERVER_ONLY,
		RESTART,
		.dflt = "4194304",
		.metavar = "BYTES",
		.help = "receive buffer of each UDP socket; 0 = the system's",
	},
	{
		.name = "user",
		TEXT(POOLDNS_CONFIG_STRING, user),
		.check = check_account,
		SERVER_ONLY,
		RESTART,
		.metavar = "USER",
		.unset = "no change",
		.help = "drop to this user (name or id) once the sockets are bound",
	},
	{
		.name = "group",
		TEXT(POOLDNS_CONFIG_STRING, group),
		.check = check_account,
		SERVER_ONLY,
		RESTART,
		.metavar = "GROUP",
		.unset = "the user's group",
		.help = "drop to this group (name or id; needs user)",
	},
	{
		.name = "chroot",
		TEXT(POOLDNS_CONFIG_STRING, chroot_dir),
		.check = check_chroot,
		SERVER_ONLY,
		RESTART,
		.metavar = "DIR",
		.unset = "none",
		.help = "chroot here before dropping to user (files must lie inside)",
	},

	/* Access list, DNS cookies, response rate limiting */
	{
		.name = "acl",
		TEXT_LIST(POOLDNS_CONFIG_STRING, acl, nacl, acl_set),
		.check = check_acl_rule,
		SERVER_ONLY,
		.metavar = "RULE",
		.help = "allow|deny PREFIX [on LISTEN-ADDRESS]; first match wins, "
			"no match allows (repeat in order)",
	},
	{
		.name = "acl-deny-action",
		CHOICE(acl_refuse, acl_action_choices),
		SERVER_ONLY,
		.dflt = "refuse",
		.help = "what a denied client gets: refuse (REFUSED) or drop (nothing)",
	},
	{
		.name = "cookies",
		CHOICE(cookies, yes_no_choices),
		SERVER_ONLY,
		.dflt = "yes",
		.help = "answer DNS cookies (RFC 7873, RFC 9018 server cookies)",
	},
	{
		.name = "cookie-secret-file",
		TEXT(POOLDNS_CONFIG_STRING, cookie_secret_file),
		SERVER_ONLY,
		.metavar = "FILE",
		.unset = "a random secret per start",
		.help = "server cookie secret: 32 hex digits, optionally a second line with "
			"the previous secret (share it between servers of one address)",
	},
	{
		.name = "rrl-responses-per-second",
		NUMBER(rrl_rate, 0, 1000000),
		SERVER_ONLY,
		.dflt = "0",
		.metavar = "N",
		.help = "UDP responses per second per client network and response "
			"(0: no rate limiting)",
	},
	{
		.name = "rrl-slip",
		NUMBER(rrl_slip, 0, 100),
		SERVER_ONLY,
		.dflt = "2",
		.metavar = "N",
		.help = "send every Nth limited response truncated, drop the rest (0: drop all)",
	},
	{
		.name = "rrl-ipv4-prefix",
		NUMBER(rrl_ipv4_prefix, 8, 32),
		SERVER_ONLY,
		.dflt = "24",
		.metavar = "BITS",
		.help = "IPv4 client network size for rate limiting",
	},
	{
		.name = "rrl-ipv6-prefix",
		NUMBER(rrl_ipv6_prefix, 16, 128),
		SERVER_ONLY,
		.dflt = "56",
		.metavar = "BITS",
		.help = "IPv6 client network size for rate limiting",
	},
	{
		.name = "rrl-exempt",
		TEXT_LIST(POOLDNS_CONFIG_STRING, rrl_exempt, nrrl_exempt, rrl_exempt_set),
		.check = check_prefix,
		SERVER_ONLY,
		.metavar = "PREFIX",
		.help = "clients never rate limited (repeat for more)",
	},
	{
		.name = "rrl-table-size",
		NUMBER(rrl_table_size, 1024, 16777216),
		SERVER_ONLY,
		RESTART,
		.dflt = "65536",
		.metavar = "N",
		.help = "rate-limit buckets (8 bytes each)",
	},

	/* Operator endpoint (metrics and status): made once. */
	{
		.name = "http-listen",
		TEXT(POOLDNS_CONFIG_LISTEN, http_listen),
		.check = check_http_listen,
		RESTART,
		.metavar = "ADDR:PORT",
		.unset = "off",
		.help = "serve /metrics, /healthz, /readyz and /status here (e.g. 127.0.0.1:9153)",
	},
	{
		.name = "http-allow-remote",
		CHOICE(http_allow_remote, allow_remote_choices),
		RESTART,
		.dflt = "no",
		.help = "allow http-listen on a non-loopback address (no authentication)",
	},
	{
		.name = "http-max-connections",
		NUMBER(http_max_connections, 1, 1024),
		RESTART,
		.dflt = "16",
		.metavar = "N",
		.help = "HTTP connections served at once",
	},
	{
		.name = "http-timeout",
		NUMBER(http_timeout, 1, 3600),
		RESTART,
		.dflt = "10",
		.metavar = "SECONDS",
		.help = "close an idle HTTP connection after",
	},
	{
		.name = "http-metrics-pools",
		NUMBER(http_metrics_pools, 0, 100000),
		RESTART,
		.dflt = "100",
		.metavar = "N",
		.help = "per-pool metric series for the busiest N pools only",
	},
	{
		.name = "http-status-page-size",
		NUMBER(http_status_page_size, 1, 10000),
		RESTART,
		.dflt = "500",
		.metavar = "N",
		.help = "pools per status page",
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
