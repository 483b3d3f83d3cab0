/*
 * conf.h — the one configuration format shared by the standalone server
 * and the Unbound module.
 *
 * File syntax: one "key = value" per line; '#' starts a comment; blank lines
 * are ignored; keys marked (list) may repeat and accumulate; any other key
 * given twice keeps the last value. Values may be double-quoted. Every key
 * but the module's own (scope POOLDNS_CONFIG_MODULE, which the standalone
 * server reads from a file and ignores) is also a long flag of the
 * standalone server (--key=value), applied after the file, through the same pooldns_config_set(), so file and flags can
 * never disagree on meaning. Unknown keys and bad values are errors that
 * name the file, line and key.
 *
 * The keys themselves (name, type, range, default, scope, what SIGHUP does,
 * help) are rows of one table, pooldns_config_schema[] in conf_schema.c;
 * the parser, the defaults, --help, the SIGHUP restart rule and the tests
 * all read it. The file is split by job:
 *   conf_schema.c  the table of keys (data only)
 *   conf_value.c   what a value means: init (defaults), set, free, compare
 *   conf.c         the file format and the cross-key checks
 *   conf_opts.c    a checked config turned into the options of the source,
 *                  the health checker and the operator endpoint (conf_opts.h)
 *
 * Ownership: a config owns every string in it. Thread-safety: built by one
 * thread, then read-only; a reload builds a new config.
 */
#ifndef POOLDNS_CONF_H
#define POOLDNS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dns/answer.h"
#include "core/log.h"
#include "core/source/source.h"

#define POOLDNS_MAX_LISTEN  16
#define POOLDNS_MAX_ACL     256  /* acl rules */
#define POOLDNS_MAX_EXEMPT  64   /* rrl-exempt prefixes */
#define POOLDNS_MAX_THREADS 1024 /* most worker threads (threads, or CPUs when 0) */

enum pooldns_source_kind { POOLDNS_SOURCE_RQLITE = 0, POOLDNS_SOURCE_SQLITE };
enum pooldns_log_dest { POOLDNS_LOG_STDERR = 0, POOLDNS_LOG_SYSLOG };

/* Each member a key sets is named by that key's row in conf_schema.c
 * (offsetof, type-checked at compile time); the *_set flags and counts are
 * the rows' list bookkeeping. */
struct pooldns_config {
	enum pooldns_source_kind source;
	/* rqlite; urls/user/ca_file point into owned strings below */
	char *rqlite_urls[POOLDNS_RQLITE_MAX_URLS];
	size_t n_rqlite_urls;
	bool rqlite_urls_set; /* first rqlite-url replaces the default list */
	char *rqlite_user;
	char *rqlite_password_file;
	char *rqlite_ca_file;
	enum pooldns_rqlite_level rqlite_level;
	long rqlite_connect_timeout_ms;
	long rqlite_timeout_ms;
	enum pooldns_rqlite_full_load rqlite_full_load;
	char *rqlite_backup_dir;
	/* sqlite */
	char *sqlite_path;
	/* poller */
	long poll_interval_ms;
	char *cache_file;
	/* health checks */
	char *check_user_agent;
	char *check_source_address;
	char *check_ca_file;
	int check_max_concurrent;
	/* standalone server */
	char *listen[POOLDNS_MAX_LISTEN];
	size_t nlisten;
	bool listen_set; /* first listen replaces the default */
	int threads;
	long tcp_idle_timeout_ms;
	int tcp_max_connections;
	long udp_rcvbuf; /* bytes asked for each UDP socket; 0: system default */
	/* access list, DNS cookies, response rate limiting (server only) */
	char *acl[POOLDNS_MAX_ACL];
	size_t nacl;
	bool acl_set;
	int acl_refuse; /* 1: REFUSED to denied clients, 0: drop */
	int cookies;    /* 1: answer DNS cookies */
	char *cookie_secret_file;
	long rrl_rate; /* 0: off */
	long rrl_slip;
	long rrl_ipv4_prefix;
	long rrl_ipv6_prefix;
	char *rrl_exempt[POOLDNS_MAX_EXEMPT];
	size_t nrrl_exempt;
	bool rrl_exempt_set;
	long rrl_table_size;
	char *user; /* privilege drop (standalone/privdrop.h) */
	char *group;
	char *chroot_dir;
	/* operator endpoint (core/ops/http.h) */
	char *http_listen; /* NULL: off */
	int http_allow_remote;
	int http_max_connections;
	int http_timeout;
	int http_metrics_pools;
	int http_status_page_size;
	/* answers */
	struct pooldns_answer_cfg answer;
	bool ns_set; /* first ns-name replaces the default */
	/* logging */
	enum pooldns_log_dest log_dest;
	enum pooldns_log_level log_level;
	/* the Unbound module: seconds Unbound may answer a pool name from its
	 * cache (0: every query reaches the module) */
	long module_cache_ttl;
};

/* Fills every key's default from the table. Never fails (an allocation
 * failure leaves a list empty, which pooldns_config_check() reports). */
void pooldns_config_init(struct pooldns_config *cfg);
void pooldns_config_free(struct pooldns_config *cfg);

/* Sets one key as its table row says. where (e.g. "pooldns.conf:12" or
 * "--listen") prefixes any error message. 0 or -1 with a message in err. */
int pooldns_config_set(struct pooldns_config *cfg, const char *key, const char *value,
		       const char *where, char *err, size_t errsz);

/* The largest configuration file read, in bytes; a longer one is refused. */
#define POOLDNS_CONFIG_MAX_FILE (1024 * 1024)

/* Reads a file into cfg (on top of what is there). 0 or -1 with a message. */
int pooldns_config_load_file(struct pooldns_config *cfg, const char *path, char *err, size_t errsz);
/* Same on a buffer; name is used in messages (tests, fuzzing). */
int pooldns_config_load_buffer(struct pooldns_config *cfg, const char *buf, size_t len,
			       const char *name, char *err, size_t errsz);

/* Every number key of cfg within its row's range (conf_value.c). 0, or -1
 * with the first key out of range in err. */
int pooldns_config_check_ranges(const struct pooldns_config *cfg, char *err, size_t errsz);

/* Cross-key checks after everything is set (sqlite source needs
 * sqlite-path, ...), and every number within its row's range. 0 or -1 with
 * a message. */
int pooldns_config_check(const struct pooldns_config *cfg, char *err, size_t errsz);

#endif
