/*
 * check_config.c — unit tests for core/conf.c, core/conf_value.c and
 * core/conf_opts.c: defaults, every key, lists, quoting, error messages
 * with file and line, bad values, the password file, cross-key checks and
 * source creation.
 * The table of keys itself is tested in check_conf_schema.c.
 *
 * Thread model: single-threaded test cases (Check forks one process per
 * test). Temporary files go to a private mkdtemp() directory.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/conf_opts.h"
#include "core/conf_schema.h"
#include "core/dns/dname.h"

static char err[1024];

/* A valid value for every key; the keys must be the table's (conf_schema.c). */
static const struct {
	const char *key, *value;
} samples[] = {
	{ "source", "sqlite" },
	{ "rqlite-url", "https://[::1]:4001/" },
	{ "rqlite-user", "bob" },
	{ "rqlite-password-file", "/run/secret" },
	{ "rqlite-ca-file", "/etc/ca.pem" },
	{ "rqlite-consistency", "strong" },
	{ "rqlite-connect-timeout-ms", "250" },
	{ "rqlite-timeout-ms", "9000" },
	{ "rqlite-full-load", "query" },
	{ "acl", "deny 192.0.2.0/24 on 127.0.0.1:53" },
	{ "acl-deny-action", "drop" },
	{ "cookies", "no" },
	{ "cookie-secret-file", "/etc/pooldns/cookie.secret" },
	{ "rrl-responses-per-second", "20" },
	{ "rrl-slip", "3" },
	{ "rrl-ipv4-prefix", "28" },
	{ "rrl-ipv6-prefix", "64" },
	{ "rrl-exempt", "10.0.0.0/8" },
	{ "rrl-table-size", "4096" },
	{ "rqlite-backup-dir", "/srv/pooldns/tmp" },
	{ "sqlite-path", "/var/lib/pooldns/pools.db" },
	{ "poll-interval-ms", "1000" },
	{ "cache-file", "/var/cache/pooldns.cache" },
	{ "check-user-agent", "lb-check/1.0 (ops@example.com)" },
	{ "check-source-address", "::1" },
	{ "check-ca-file", "/etc/ssl/internal-ca.pem" },
	{ "check-max-concurrent", "32" },
	{ "listen", "[::1]:5353" },
	{ "threads", "4" },
	{ "tcp-idle-timeout-ms", "5000" },
	{ "tcp-max-connections", "100" },
	{ "udp-rcvbuf", "1048576" },
	{ "user", "pooldns" },
	{ "group", "65534" },
	{ "chroot", "/var/lib/pooldns" },
	{ "http-listen", "[::1]:9153" },
	{ "http-allow-remote", "yes" },
	{ "http-max-connections", "4" },
	{ "http-timeout", "30" },
	{ "http-metrics-pools", "0" },
	{ "http-status-page-size", "50" },
	{ "edns-payload", "4096" },
	{ "zone", "Example.COM" },
	{ "ns-name", "ns1.example.com." },
	{ "soa-rname", "dns.example.com." },
	{ "soa-ttl", "300" },
	{ "soa-refresh", "1200" },
	{ "soa-retry", "120" },
	{ "soa-expire", "604800" },
	{ "negative-ttl", "30" },
	{ "log", "syslog" },
	{ "log-level", "debug" },
	{ "module-cache-ttl", "5" },
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static int load(struct pooldns_config *cfg, const char *text)
{
	return pooldns_config_load_buffer(cfg, text, strlen(text), "t.conf", err, sizeof(err));
}

static bool wire_is(const uint8_t *wire, size_t len, const char *text)
{
	uint8_t w[POOLDNS_NAME_MAX];
	int n = pooldns_dname_from_text(text, w, sizeof(w));
	return n > 0 && (size_t)n == len && memcmp(w, wire, len) == 0;
}

START_TEST(test_defaults)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	ck_assert_int_eq(c.source, POOLDNS_SOURCE_RQLITE);
	ck_assert_uint_eq(c.n_rqlite_urls, 1);
	ck_assert_str_eq(c.rqlite_urls[0], "http://127.0.0.1:4001");
	ck_assert(!c.rqlite_urls_set);
	ck_assert_ptr_null(c.rqlite_user);
	ck_assert_ptr_null(c.rqlite_password_file);
	ck_assert_ptr_null(c.rqlite_ca_file);
	ck_assert_int_eq(c.rqlite_level, POOLDNS_RQLITE_WEAK);
	ck_assert_int_eq(c.rqlite_connect_timeout_ms, 1000);
	ck_assert_int_eq(c.rqlite_timeout_ms, 3000);
	ck_assert_int_eq(c.rqlite_full_load, POOLDNS_RQLITE_FULL_AUTO);
	ck_assert_uint_eq(c.nacl, 0);
	ck_assert_int_eq(c.acl_refuse, 1);
	ck_assert_int_eq(c.cookies, 1);
	ck_assert_ptr_null(c.cookie_secret_file);
	ck_assert_int_eq(c.rrl_rate, 0);
	ck_assert_int_eq(c.rrl_slip, 2);
	ck_assert_int_eq(c.rrl_ipv4_prefix, 24);
	ck_assert_int_eq(c.rrl_ipv6_prefix, 56);
	ck_assert_uint_eq(c.nrrl_exempt, 0);
	ck_assert_int_eq(c.rrl_table_size, 65536);
	ck_assert_ptr_null(c.rqlite_backup_dir);
	ck_assert_ptr_null(c.sqlite_path);
	ck_assert_int_eq(c.poll_interval_ms, 500);
	ck_assert_ptr_null(c.cache_file);
	ck_assert_ptr_null(c.check_user_agent);
	ck_assert_ptr_null(c.check_source_address);
	ck_assert_ptr_null(c.check_ca_file);
	ck_assert_int_eq(c.check_max_concurrent, 256);
	ck_assert_uint_eq(c.nlisten, 1);
	ck_assert_str_eq(c.listen[0], "127.0.0.1:53");
	ck_assert_int_eq(c.threads, 0);
	ck_assert_int_eq(c.tcp_idle_timeout_ms, 10000);
	ck_assert_int_eq(c.tcp_max_connections, 256);
	ck_assert_int_eq(c.udp_rcvbuf, 4194304);
	ck_assert_ptr_null(c.http_listen);
	ck_assert_int_eq(c.http_allow_remote, 0);
	ck_assert_int_eq(c.http_max_connections, 16);
	ck_assert_int_eq(c.http_timeout, 10);
	ck_assert_int_eq(c.http_metrics_pools, 100);
	ck_assert_int_eq(c.http_status_page_size, 500);
	ck_assert_uint_eq(c.answer.edns_payload, 1232);
	ck_assert_uint_eq(c.answer.zone.nzones, 0);
	ck_assert_uint_eq(c.answer.zone.nns, 1);
	ck_assert(wire_is(c.answer.zone.ns[0], c.answer.zone.ns_len[0], "localhost."));
	ck_assert_uint_eq(c.answer.zone.rname_len, 0);
	ck_assert_uint_eq(c.answer.zone.soa_ttl, 3600);
	ck_assert_uint_eq(c.answer.zone.refresh, 3600);
	ck_assert_uint_eq(c.answer.zone.retry, 600);
	ck_assert_uint_eq(c.answer.zone.expire, 86400);
	ck_assert_uint_eq(c.answer.zone.negative_ttl, 60);
	ck_assert_int_eq(c.log_dest, POOLDNS_LOG_STDERR);
	ck_assert_int_eq(c.log_level, POOLDNS_LOG_INFO);
	ck_assert_int_eq(c.module_cache_ttl, 0);
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), 0);
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_key_list_matches)
{
	size_t n = 0;

	for (; pooldns_config_schema[n].name != NULL; n++) {
		bool found = false;
		for (size_t i = 0; i < NSAMPLES; i++)
			found |= strcmp(samples[i].key, pooldns_config_schema[n].name) == 0;
		ck_assert_msg(found, "key %s has no test sample", pooldns_config_schema[n].name);
	}
	ck_assert_uint_eq(n, NSAMPLES);
}
END_TEST

START_TEST(test_every_key)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	for (size_t i = 0; i < NSAMPLES; i++)
		ck_assert_msg(pooldns_config_set(&c, samples[i].key, samples[i].value, "--x", err,
						 sizeof(err)) == 0,
			      "%s = %s: %s", samples[i].key, samples[i].value, err);
	ck_assert_int_eq(c.source, POOLDNS_SOURCE_SQLITE);
	ck_assert_uint_eq(c.n_rqlite_urls, 1);
	ck_assert_str_eq(c.rqlite_urls[0], "https://[::1]:4001/");
	ck_assert_str_eq(c.rqlite_user, "bob");
	ck_assert_str_eq(c.rqlite_password_file, "/run/secret");
	ck_assert_str_eq(c.rqlite_ca_file, "/etc/ca.pem");
	ck_assert_int_eq(c.rqlite_level, POOLDNS_RQLITE_STRONG);
	ck_assert_int_eq(c.rqlite_connect_timeout_ms, 250);
	ck_assert_int_eq(c.rqlite_timeout_ms, 9000);
	ck_assert_int_eq(c.rqlite_full_load, POOLDNS_RQLITE_FULL_QUERY);
	ck_assert_uint_eq(c.nacl, 1);
	ck_assert_str_eq(c.acl[0], "deny 192.0.2.0/24 on 127.0.0.1:53");
	ck_assert_int_eq(c.acl_refuse, 0);
	ck_assert_int_eq(c.cookies, 0);
	ck_assert_str_eq(c.cookie_secret_file, "/etc/pooldns/cookie.secret");
	ck_assert_int_eq(c.rrl_rate, 20);
	ck_assert_int_eq(c.rrl_slip, 3);
	ck_assert_int_eq(c.rrl_ipv4_prefix, 28);
	ck_assert_int_eq(c.rrl_ipv6_prefix, 64);
	ck_assert_uint_eq(c.nrrl_exempt, 1);
	ck_assert_str_eq(c.rrl_exempt[0], "10.0.0.0/8");
	ck_assert_int_eq(c.rrl_table_size, 4096);
	ck_assert_str_eq(c.rqlite_backup_dir, "/srv/pooldns/tmp");
	ck_assert_str_eq(c.sqlite_path, "/var/lib/pooldns/pools.db");
	ck_assert_int_eq(c.poll_interval_ms, 1000);
	ck_assert_str_eq(c.cache_file, "/var/cache/pooldns.cache");
	ck_assert_str_eq(c.check_user_agent, "lb-check/1.0 (ops@example.com)");
	ck_assert_str_eq(c.check_source_address, "::1");
	ck_assert_str_eq(c.check_ca_file, "/etc/ssl/internal-ca.pem");
	ck_assert_int_eq(c.check_max_concurrent, 32);
	struct pooldns_health_opts ho;
	pooldns_config_health_opts(&c, &ho);
	ck_assert_str_eq(ho.user_agent, "lb-check/1.0 (ops@example.com)");
	ck_assert_str_eq(ho.source_address, "::1");
	ck_assert_str_eq(ho.ca_file, "/etc/ssl/internal-ca.pem");
	ck_assert_uint_eq(ho.max_concurrent, 32);
	ck_assert_uint_eq(c.nlisten, 1);
	ck_assert_str_eq(c.listen[0], "[::1]:5353");
	ck_assert_int_eq(c.threads, 4);
	ck_assert_int_eq(c.tcp_idle_timeout_ms, 5000);
	ck_assert_int_eq(c.tcp_max_connections, 100);
	ck_assert_int_eq(c.udp_rcvbuf, 1048576);
	ck_assert_uint_eq(c.answer.edns_payload, 4096);
	ck_assert_uint_eq(c.answer.zone.nzones, 1);
	ck_assert(wire_is(c.answer.zone.zones[0], c.answer.zone.zone_len[0], "example.com."));
	ck_assert_uint_eq(c.answer.zone.nns, 1);
	ck_assert(wire_is(c.answer.zone.ns[0], c.answer.zone.ns_len[0], "ns1.example.com."));
	ck_assert(wire_is(c.answer.zone.rname, c.answer.zone.rname_len, "dns.example.com."));
	ck_assert_uint_eq(c.answer.zone.soa_ttl, 300);
	ck_assert_uint_eq(c.answer.zone.refresh, 1200);
	ck_assert_uint_eq(c.answer.zone.retry, 120);
	ck_assert_uint_eq(c.answer.zone.expire, 604800);
	ck_assert_uint_eq(c.answer.zone.negative_ttl, 30);
	ck_assert_int_eq(c.log_dest, POOLDNS_LOG_SYSLOG);
	ck_assert_int_eq(c.log_level, POOLDNS_LOG_DEBUG);
	ck_assert_int_eq(c.module_cache_ttl, 5);
	/* Strings can be cleared with an empty value. */
	ck_assert_int_eq(pooldns_config_set(&c, "cache-file", "", "x", err, sizeof(err)), 0);
	ck_assert_ptr_null(c.cache_file);
	ck_assert_int_eq(pooldns_config_set(&c, "soa-rname", "", "x", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.answer.zone.rname_len, 0);
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_file_syntax)
{
	struct pooldns_config c;
	const char *text =
		"\xef\xbb\xbf# a comment\n"
		"\n"
		"   source=sqlite   # trailing comment\r\n"
		"sqlite-path = \"/tmp/a b#c \\\"q\\\" \\\\x\"  # quoted, '#' kept inside\n"
		"\tlog-level\t=\twarning\t\n"
		"cache-file = \"\"\n"
		"poll-interval-ms = 20\n"
		"poll-interval-ms = 30"; /* last wins; no final newline */

	pooldns_config_init(&c);
	ck_assert_msg(load(&c, text) == 0, "%s", err);
	ck_assert_int_eq(c.source, POOLDNS_SOURCE_SQLITE);
	ck_assert_str_eq(c.sqlite_path, "/tmp/a b#c \"q\" \\x");
	ck_assert_int_eq(c.log_level, POOLDNS_LOG_WARNING);
	ck_assert_ptr_null(c.cache_file);
	ck_assert_int_eq(c.poll_interval_ms, 30);
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_lists)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	ck_assert_msg(load(&c, "rqlite-url = http://10.0.0.1:4001\n"
			       "rqlite-url = http://node2.example:4001\n"
			       "listen = 0.0.0.0:5300\nlisten = [::]:5300\nlisten = 10.1.2.3\n"
			       "zone = a.example.\nzone = B.example\n"
			       "ns-name = localhost.\nns-name = ns2.example.\n") == 0,
		      "%s", err);
	ck_assert_uint_eq(c.n_rqlite_urls, 2); /* the default was replaced */
	ck_assert_str_eq(c.rqlite_urls[0], "http://10.0.0.1:4001");
	ck_assert_str_eq(c.rqlite_urls[1], "http://node2.example:4001");
	ck_assert_uint_eq(c.nlisten, 3);
	ck_assert_str_eq(c.listen[0], "0.0.0.0:5300");
	ck_assert_str_eq(c.listen[2], "10.1.2.3");
	ck_assert_uint_eq(c.answer.zone.nzones, 2);
	ck_assert(wire_is(c.answer.zone.zones[1], c.answer.zone.zone_len[1], "b.example."));
	/* An explicit localhost. followed by another NS keeps both. */
	ck_assert_uint_eq(c.answer.zone.nns, 2);
	ck_assert(wire_is(c.answer.zone.ns[0], c.answer.zone.ns_len[0], "localhost."));
	ck_assert(wire_is(c.answer.zone.ns[1], c.answer.zone.ns_len[1], "ns2.example."));
	/* Duplicates are refused. */
	ck_assert_int_eq(load(&c, "zone = A.EXAMPLE.\n"), -1);
	ck_assert_str_eq(err, "t.conf:1: zone: \"A.EXAMPLE.\": given twice");
	ck_assert_int_eq(load(&c, "listen = 10.1.2.3\n"), -1);
	ck_assert_int_eq(load(&c, "ns-name = ns2.example\n"), -1);
	pooldns_config_free(&c);

	/* Limits. */
	pooldns_config_init(&c);
	for (int i = 0; i < POOLDNS_MAX_NS; i++) {
		char v[32];
		snprintf(v, sizeof(v), "ns%d.example.", i);
		ck_assert_int_eq(pooldns_config_set(&c, "ns-name", v, "x", err, sizeof(err)), 0);
	}
	ck_assert_uint_eq(c.answer.zone.nns, POOLDNS_MAX_NS);
	ck_assert_int_eq(pooldns_config_set(&c, "ns-name", "one.more.", "x", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too many"));
	for (int i = 0; i < POOLDNS_MAX_LISTEN; i++) {
		char v[32];
		snprintf(v, sizeof(v), "127.0.0.%d:53", i + 1);
		ck_assert_int_eq(pooldns_config_set(&c, "listen", v, "x", err, sizeof(err)), 0);
	}
	ck_assert_int_eq(pooldns_config_set(&c, "listen", "127.0.1.1", "x", err, sizeof(err)), -1);
	for (int i = 0; i < POOLDNS_RQLITE_MAX_URLS; i++) {
		char v[64];
		snprintf(v, sizeof(v), "http://10.0.0.%d:4001", i + 1);
		ck_assert_int_eq(pooldns_config_set(&c, "rqlite-url", v, "x", err, sizeof(err)), 0);
	}
	ck_assert_int_eq(pooldns_config_set(&c, "rqlite-url", "http://h:1", "x", err, sizeof(err)),
			 -1);
	for (int i = 0; i < POOLDNS_MAX_ZONES; i++) {
		char v[32];
		snprintf(v, sizeof(v), "z%d.example.", i);
		ck_assert_int_eq(pooldns_config_set(&c, "zone", v, "x", err, sizeof(err)), 0);
	}
	ck_assert_int_eq(pooldns_config_set(&c, "zone", "last.example.", "x", err, sizeof(err)),
			 -1);
	pooldns_config_free(&c);
}
END_TEST

/* Each entry: a config text and the exact error. */
static const struct {
	const char *text, *msg;
} errors[] = {
	{ "\n\nlisten = 1.2.3.4:99999\n",
	  "t.conf:3: listen: \"1.2.3.4:99999\": port out of range" },
	{ "listen = 1.2.3.4:0\n", "t.conf:1: listen: \"1.2.3.4:0\": port out of range" },
	{ "listen = 1.2.3.4:5x\n", "t.conf:1: listen: \"1.2.3.4:5x\": bad port" },
	{ "listen = 1.2.3:53\n", "t.conf:1: listen: \"1.2.3:53\": bad IPv4 address" },
	{ "listen = [::1:53\n", "t.conf:1: listen: \"[::1:53\": missing ']'" },
	{ "listen = [::g]:53\n", "t.conf:1: listen: \"[::g]:53\": bad IPv6 address" },
	{ "listen = localhost:53\n", "t.conf:1: listen: \"localhost:53\": bad IPv4 address" },
	{ "edns-payload = 511\n", "t.conf:1: edns-payload: \"511\": out of range (512..4096)" },
	{ "edns-payload = 4097\n", "t.conf:1: edns-payload: \"4097\": out of range (512..4096)" },
	{ "module-cache-ttl = 301\n",
	  "t.conf:1: module-cache-ttl: \"301\": out of range (0..300)" },
	{ "threads = -1\n", "t.conf:1: threads: \"-1\": not a decimal number (0..1024)" },
	{ "threads = 0x10\n", "t.conf:1: threads: \"0x10\": not a decimal number (0..1024)" },
	{ "threads = +3\n", "t.conf:1: threads: \"+3\": not a decimal number (0..1024)" },
	{ "threads = 1 2\n", "t.conf:1: threads: \"1 2\": not a decimal number (0..1024)" },
	{ "threads =\n", "t.conf:1: threads: \"\": a number is required (0..1024)" },
	{ "soa-ttl = 99999999999999999999999\n",
	  "t.conf:1: soa-ttl: \"99999999999999999999999\": out of range (0..2147483647)" },
	{ "soa-expire = 2147483648\n",
	  "t.conf:1: soa-expire: \"2147483648\": out of range (0..2147483647)" },
	{ "poll-interval-ms = 5\n",
	  "t.conf:1: poll-interval-ms: \"5\": out of range (10..3600000)" },
	{ "source = mysql\n", "t.conf:1: source: \"mysql\": expected rqlite or sqlite" },
	{ "log = file\n", "t.conf:1: log: \"file\": expected stderr or syslog" },
	{ "log-level = loud\n",
	  "t.conf:1: log-level: \"loud\": expected err, warning, notice, info or debug" },
	{ "rqlite-consistency = linear\n",
	  "t.conf:1: rqlite-consistency: \"linear\": expected none, weak or strong" },
	{ "rqlite-url = ftp://x\n",
	  "t.conf:1: rqlite-url: \"ftp://x\": must start with http:// or https://" },
	{ "rqlite-url = http://x:70000\n",
	  "t.conf:1: rqlite-url: \"http://x:70000\": port out of range" },
	{ "rqlite-url = http://x:4001/db/query\n",
	  "t.conf:1: rqlite-url: \"http://x:4001/db/query\": a path is not allowed (give the "
	  "node's base URL)" },
	{ "rqlite-url = http://\n", "t.conf:1: rqlite-url: \"http://\": missing host" },
	{ "rqlite-user = a:b\n", "t.conf:1: rqlite-user: \"a:b\": a user name cannot contain ':'" },
	{ "user = a:b\n", "t.conf:1: user: \"a:b\": a user or group name cannot contain ':'" },
	{ "group = a:b\n", "t.conf:1: group: \"a:b\": a user or group name cannot contain ':'" },
	{ "chroot = var/lib\n",
	  "t.conf:1: chroot: \"var/lib\": the chroot directory must be an absolute path" },
	{ "chroot = //\n", "t.conf:1: chroot: \"//\": chroot to / changes nothing" },
	{ "zone = a..b\n", "t.conf:1: zone: \"a..b\": not a valid domain name" },
	{ "zone =\n", "t.conf:1: zone: \"\": not a valid domain name" },
	{ "soa-rname = me@example.com\n", "t.conf:1: soa-rname: \"me@example.com\": write the "
					  "mailbox as a domain name (hostmaster.example.com.)" },
	{ "check-source-address = eth0\n",
	  "t.conf:1: check-source-address: \"eth0\": not an IPv4 or IPv6 address" },
	{ "check-user-agent = \"a\tb\"\n",
	  "t.conf:1: check-user-agent: \"a?b\": only printable ASCII is allowed" },
	{ "check-max-concurrent = 0\n",
	  "t.conf:1: check-max-concurrent: \"0\": out of range (1..65536)" },
	{ "acl = permit 10.0.0.0/8\n",
	  "t.conf:1: acl: \"permit 10.0.0.0/8\": a rule starts with allow or deny" },
	{ "acl = deny 10.0.0.0/33\n",
	  "t.conf:1: acl: \"deny 10.0.0.0/33\": an IPv4 prefix length is at most 32" },
	{ "acl = deny 10.0.0.0/8 at 127.0.0.1\n",
	  "t.conf:1: acl: \"deny 10.0.0.0/8 at 127.0.0.1\": after the prefix only \"on "
	  "LISTEN-ADDRESS\" may follow" },
	{ "rrl-exempt = 10.0.0.0/x\n",
	  "t.conf:1: rrl-exempt: \"10.0.0.0/x\": the prefix length must be a number" },
	{ "cookies = maybe\n", "t.conf:1: cookies: \"maybe\": expected yes or no" },
	{ "rrl-slip = 101\n", "t.conf:1: rrl-slip: \"101\": out of range (0..100)" },
	{ "# ok\nbogus = 1\n", "t.conf:2: unknown key \"bogus\"" },
	{ "listen 127.0.0.1\n", "t.conf:1: expected \"key = value\"" },
	{ "= 3\n", "t.conf:1: expected a key" },
	{ "cache-file = \"abc\n", "t.conf:1: unterminated quoted value" },
	{ "cache-file = \"abc\" x\n", "t.conf:1: text after the closing quote" },
	{ "cache-file = \"a\\nb\"\n",
	  "t.conf:1: only \\\" and \\\\ escapes are allowed in quotes" },
	{ "cache-file = ab\"c\n", "t.conf:1: stray '\"' (quote the whole value)" },
};

START_TEST(test_errors)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	ck_assert_int_eq(load(&c, errors[_i].text), -1);
	ck_assert_str_eq(err, errors[_i].msg);
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_error_misc)
{
	struct pooldns_config c;
	char big[5000];

	pooldns_config_init(&c);
	/* Flags name themselves. */
	ck_assert_int_eq(
		pooldns_config_set(&c, "listen", "1.2.3.4:99999", "--listen", err, sizeof(err)),
		-1);
	ck_assert_str_eq(err, "--listen: listen: \"1.2.3.4:99999\": port out of range");
	/* A NUL byte, a long line, non-printable bytes in messages. */
	ck_assert_int_eq(
		pooldns_config_load_buffer(&c, "threads = 1\0\n", 13, "n.conf", err, sizeof(err)),
		-1);
	ck_assert_str_eq(err, "n.conf:1: NUL byte in line");
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(
		pooldns_config_load_buffer(&c, big, sizeof(big), "b.conf", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "b.conf:1: line too long (more than 4096 bytes)");
	ck_assert_int_eq(load(&c, "source = \"\x01x\"\n"), -1);
	ck_assert_str_eq(err, "t.conf:1: source: \"?x\": expected rqlite or sqlite");
	/* A tiny error buffer is never overrun. */
	char tiny[8];
	ck_assert_int_eq(pooldns_config_set(&c, "threads", "x", "w", tiny, sizeof(tiny)), -1);
	ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_valid_listen_forms)
{
	static const char *const ok[] = { "127.0.0.1",  "127.0.0.1:1", "127.0.0.1:65535",
					  "::1",        "[::1]",       "[2001:db8::1]:53",
					  "0.0.0.0:53", "[::]:5353" };
	struct pooldns_config c;

	pooldns_config_init(&c);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(pooldns_config_set(&c, "listen", ok[i], "x", err, sizeof(err)) == 0,
			      "%s: %s", ok[i], err);
	ck_assert_uint_eq(c.nlisten, sizeof(ok) / sizeof(ok[0]));
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_check)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	ck_assert_int_eq(load(&c, "source = sqlite\n"), 0);
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "source = sqlite needs sqlite-path");
	ck_assert_int_eq(load(&c, "sqlite-path = /x.db\n"), 0);
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), 0);
	pooldns_config_free(&c);

	pooldns_config_init(&c);
	ck_assert_int_eq(load(&c, "rqlite-user = u\n"), 0);
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "rqlite-user needs rqlite-password-file");
	pooldns_config_free(&c);

	pooldns_config_init(&c);
	ck_assert_int_eq(load(&c, "rqlite-password-file = /p\n"), 0);
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "rqlite-password-file needs rqlite-user");
	pooldns_config_free(&c);

	pooldns_config_init(&c);
	ck_assert_int_eq(load(&c, "rqlite-connect-timeout-ms = 5000\nrqlite-timeout-ms = 4000\n"),
			 0);
	ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(
		err, "rqlite-timeout-ms (4000) is shorter than rqlite-connect-timeout-ms (5000)");
	pooldns_config_free(&c);
}
END_TEST

/* The operator endpoint: an explicit port, loopback unless allowed. */
START_TEST(test_http_listen)
{
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "127.0.0.1", "a port is required: addr:port" },
		{ "[::1]", "a port is required: [addr]:port" },
		{ "::1", "write an IPv6 address as [addr]:port" },
		{ "127.0.0.1:0", "port out of range" },
		{ "127.0.0.1:http", "bad port" },
		{ "localhost:9153", "bad IPv4 address" },
	};
	static const char *const loopback[] = { "127.0.0.1:9153", "127.1.2.3:1", "[::1]:9153",
						"[::ffff:127.0.0.1]:9153" };
	static const char *const remote[] = { "0.0.0.0:9153", "192.0.2.1:9153", "[::]:9153",
					      "[2001:db8::1]:9153" };
	struct pooldns_config c;
	char line[128], want[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pooldns_config_init(&c);
		snprintf(line, sizeof line, "http-listen = %s\n", bad[i].value);
		ck_assert_int_eq(load(&c, line), -1);
		snprintf(want, sizeof want, "t.conf:1: http-listen: \"%s\": %s", bad[i].value,
			 bad[i].why);
		ck_assert_str_eq(err, want);
		pooldns_config_free(&c);
	}
	for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
		struct pooldns_http_opts o;
		pooldns_config_init(&c);
		snprintf(line, sizeof line, "http-listen = %s\n", loopback[i]);
		ck_assert_int_eq(load(&c, line), 0);
		ck_assert_msg(pooldns_config_check(&c, err, sizeof(err)) == 0, "%s", err);
		ck_assert(pooldns_config_http_opts(&c, &o));
		ck_assert_str_eq(o.listen, loopback[i]);
		ck_assert_uint_eq(o.page_size, 500);
		pooldns_config_free(&c);
	}
	for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++) {
		pooldns_config_init(&c);
		snprintf(line, sizeof line, "http-listen = %s\n", remote[i]);
		ck_assert_int_eq(load(&c, line), 0);
		ck_assert_int_eq(pooldns_config_check(&c, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, "is not a loopback address") != NULL, "%s", err);
		ck_assert_int_eq(load(&c, "http-allow-remote = yes\n"), 0);
		ck_assert_msg(pooldns_config_check(&c, err, sizeof(err)) == 0, "%s", err);
		pooldns_config_free(&c);
	}
	struct pooldns_http_opts o;
	pooldns_config_init(&c);
	ck_assert(!pooldns_config_http_opts(&c, &o));
	pooldns_config_free(&c);
}
END_TEST

/* ---- files ---- */

static char tmpdir[64];

static void setup_tmp(void)
{
	strcpy(tmpdir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *data, size_t len, mode_t mode, char *path,
		       size_t pathsz)
{
	snprintf(path, pathsz, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static int warnings;
static char last_warning[512];

static void capture(enum pooldns_log_level level, const char *msg, void *ctx)
{
	if (level == POOLDNS_LOG_WARNING) {
		warnings++;
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
	}
}

static int read_pw(const char *path, char *pw, size_t pwsz)
{
	struct pooldns_config c;
	struct pooldns_rqlite_opts o;
	int rc;

	pooldns_config_init(&c);
	ck_assert_int_eq(pooldns_config_set(&c, "rqlite-user", "admin", "x", err, sizeof(err)), 0);
	ck_assert_int_eq(
		pooldns_config_set(&c, "rqlite-password-file", path, "x", err, sizeof(err)), 0);
	rc = pooldns_config_rqlite_opts(&c, &o, pw, pwsz, err, sizeof(err));
	if (rc == 0) {
		ck_assert_ptr_eq(o.password, pw);
		ck_assert_str_eq(o.user, "admin");
		ck_assert_uint_eq(o.nurls, 1);
		ck_assert_str_eq(o.urls[0], "http://127.0.0.1:4001");
		ck_assert_int_eq(o.level, POOLDNS_RQLITE_WEAK);
		ck_assert_int_eq(o.connect_timeout_ms, 1000);
		ck_assert_int_eq(o.timeout_ms, 3000);
		ck_assert_ptr_null(o.ca_file);
	}
	pooldns_config_free(&c);
	return rc;
}

START_TEST(test_password_file)
{
	char path[256], pw[64];

	pooldns_log_set(capture, NULL, POOLDNS_LOG_DEBUG);
	write_file("a", "s3cret\n", 7, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), 0);
	ck_assert_str_eq(pw, "s3cret");
	ck_assert_int_eq(warnings, 0);

	write_file("b", "crlf\r\n", 6, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), 0);
	ck_assert_str_eq(pw, "crlf");

	write_file("c", "two\n\n", 5, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), 0);
	ck_assert_str_eq(pw, "two\n"); /* only one newline is stripped */

	write_file("d", "nonl", 4, 0400, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), 0);
	ck_assert_str_eq(pw, "nonl");

	/* Group or others may access it: refused, whatever the bits. */
	static const unsigned loose[] = { 0644, 0604, 0640, 0610, 0601, 0620 };
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		char want[32];
		write_file("d2", "s3cret\n", 7, loose[i], path, sizeof(path));
		ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);
		snprintf(want, sizeof(want), "mode %04o", loose[i]);
		ck_assert_msg(strstr(err, want) != NULL, "%s", err);
		ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
		ck_assert_str_eq(pw, "");
	}
	ck_assert_int_eq(warnings, 0);

	/* Owned by someone else than root and the reader. Only root can give
	 * a file away; as another user, the reader owns every file it makes. */
	write_file("d3", "s3cret\n", 7, 0600, path, sizeof(path));
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);
		ck_assert_msg(strstr(err, "owned by uid 65534, neither root nor") != NULL, "%s", err);
	} else {
		ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), 0);
	}

	write_file("e", "\n", 1, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty password"));

	write_file("f", "a\0b", 3, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL byte"));

	/* 62 bytes + newline fit a 64-byte buffer; 63 + newline do not. */
	char longpw[80];
	memset(longpw, 'x', sizeof(longpw));
	longpw[62] = '\n';
	write_file("g", longpw, 63, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), 0);
	ck_assert_uint_eq(strlen(pw), 62);
	longpw[63] = '\n';
	write_file("h", longpw, 64, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	write_file("i", longpw, 80, 0600, path, sizeof(path));
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	ck_assert_int_eq(read_pw(path, pw, sizeof(pw)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_ptr_nonnull(strstr(err, "rqlite-password-file"));

	ck_assert_int_eq(read_pw(tmpdir, pw, sizeof(pw)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
}
END_TEST

START_TEST(test_rqlite_opts_no_password)
{
	struct pooldns_config c;
	struct pooldns_rqlite_opts o;
	char pw[16] = "junk";

	pooldns_config_init(&c);
	ck_assert_int_eq(load(&c, "rqlite-url = http://a:1\nrqlite-url = https://b:2\n"
				  "rqlite-ca-file = /ca\nrqlite-consistency = none\n"
				  "rqlite-full-load = backup\nrqlite-backup-dir = /srv/tmp\n"),
			 0);
	ck_assert_int_eq(pooldns_config_rqlite_opts(&c, &o, pw, sizeof(pw), err, sizeof(err)), 0);
	ck_assert_int_eq(o.full_load, POOLDNS_RQLITE_FULL_BACKUP);
	ck_assert_str_eq(o.backup_dir, "/srv/tmp");
	ck_assert_uint_eq(o.nurls, 2);
	ck_assert_str_eq(o.urls[1], "https://b:2");
	ck_assert_ptr_null(o.user);
	ck_assert_ptr_null(o.password);
	ck_assert_str_eq(o.ca_file, "/ca");
	ck_assert_int_eq(o.level, POOLDNS_RQLITE_NONE);
	ck_assert_str_eq(pw, "");
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_load_file)
{
	struct pooldns_config c;
	char path[256];
	const char *text = "source = sqlite\nsqlite-path = /db\nthreads = 3\nthreads = x\n";

	write_file("p.conf", text, strlen(text), 0644, path, sizeof(path));
	pooldns_config_init(&c);
	ck_assert_int_eq(pooldns_config_load_file(&c, path, err, sizeof(err)), -1);
	char want[512];
	snprintf(want, sizeof(want), "%s:4: threads: \"x\": not a decimal number (0..1024)", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(c.threads, 3);
	pooldns_config_free(&c);

	pooldns_config_init(&c);
	snprintf(path, sizeof(path), "%s/none.conf", tmpdir);
	ck_assert_int_eq(pooldns_config_load_file(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(pooldns_config_load_file(&c, tmpdir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "is a directory"));
	pooldns_config_free(&c);
}
END_TEST

/* The read buffer grows past its first 4 KiB; 1 MiB is the most read. */
START_TEST(test_load_file_sizes)
{
	struct pooldns_config c;
	char path[256];
	size_t max = 1024 * 1024;
	char *big = malloc(max + 2);

	ck_assert_ptr_nonnull(big);
	/* Comment lines of 64 bytes, the last line a key. */
	for (size_t i = 0; i < max; i += 64) {
		memset(big + i, ' ', 64);
		big[i] = '#';
		big[i + 63] = '\n';
	}
	const char *last = "threads = 7\n";
	memcpy(big + max - strlen(last), last, strlen(last));
	big[max - strlen(last) - 1] = '\n';
	write_file("max.conf", big, max, 0644, path, sizeof(path));
	pooldns_config_init(&c);
	ck_assert_msg(pooldns_config_load_file(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.threads, 7);
	pooldns_config_free(&c);

	big[max] = '\n';
	write_file("big.conf", big, max + 1, 0644, path, sizeof(path));
	pooldns_config_init(&c);
	ck_assert_int_eq(pooldns_config_load_file(&c, path, err, sizeof(err)), -1);
	char want[512];
	snprintf(want, sizeof(want), "%s: file too large (more than 1048576 bytes)", path);
	ck_assert_str_eq(err, want);
	pooldns_config_free(&c);
	free(big);
}
END_TEST

START_TEST(test_make_source)
{
	struct pooldns_config c;
	struct pooldns_source *src;
	char path[256];

	pooldns_config_init(&c);
	src = pooldns_config_make_source(&c, err, sizeof(err));
	ck_assert_msg(src != NULL, "%s", err);
	ck_assert_str_eq(src->ops->name, "rqlite");
	pooldns_source_destroy(src);

	snprintf(path, sizeof(path), "%s/missing.db", tmpdir);
	ck_assert_int_eq(pooldns_config_set(&c, "source", "sqlite", "x", err, sizeof(err)), 0);
	err[0] = '\0';
	ck_assert_ptr_null(pooldns_config_make_source(&c, err, sizeof(err)));
	ck_assert_str_eq(err, "source = sqlite needs sqlite-path");
	ck_assert_int_eq(pooldns_config_set(&c, "sqlite-path", path, "x", err, sizeof(err)), 0);
	err[0] = '\0';
	ck_assert_ptr_null(pooldns_config_make_source(&c, err, sizeof(err)));
	ck_assert_str_ne(err, "");

	/* rqlite with an unreadable password file fails before any network. */
	ck_assert_int_eq(load(&c, "source = rqlite\nrqlite-user = u\nrqlite-password-file = "
				  "/nonexistent/pw\n"),
			 0);
	ck_assert_ptr_null(pooldns_config_make_source(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/pw"));
	pooldns_config_free(&c);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");
	TCase *tf = tcase_create("files");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_key_list_matches);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_file_syntax);
	tcase_add_test(tc, test_lists);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(errors) / sizeof(errors[0])));
	tcase_add_test(tc, test_error_misc);
	tcase_add_test(tc, test_valid_listen_forms);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_http_listen);
	tcase_add_test(tc, test_rqlite_opts_no_password);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tf, setup_tmp, teardown_tmp);
	tcase_add_test(tf, test_password_file);
	tcase_add_test(tf, test_load_file);
	tcase_add_test(tf, test_load_file_sizes);
	tcase_add_test(tf, test_make_source);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
