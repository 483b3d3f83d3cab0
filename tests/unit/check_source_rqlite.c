/*
 * check_source_rqlite.c — unit tests for core/source/source_rqlite.c against fake
 * rqlite nodes (fakehttp.c): the request it sends (method, path, level,
 * body, auth), version() and load() on real response shapes, HTTP 500,
 * 401, 503, a 301 redirect to a second node, failover past a refused
 * connection and back-to-last-good ordering, timeouts, bad JSON, dropped
 * connections, keep-alive reuse, option validation and level names; the
 * change feed: the requests of changes(), position() and load_page() (one
 * read transaction, values as parameters), what a schema 1 database
 * answers, statement errors and malformed results rejected.
 *
 * Thread model: each test runs in its own forked process (Check's default);
 * fake servers run in their own threads and are stopped by the test.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fakehttp.h"
#include "core/log.h"
#include "core/source/rqlite_backup.h"
#include "core/source/source.h"

static const char version_27[] =
	"{\"results\":[{\"columns\":[\"value\"],\"types\":[\"integer\"],\"values\":[[27]]}]}";

static const char load_body[] =
	"{\"results\":["
	"{\"columns\":[\"value\"],\"types\":[\"integer\"],\"values\":[[31]]},"
	"{\"columns\":[\"id\",\"name\",\"ttl\"],\"types\":[\"integer\",\"text\",\"integer\"],"
	"\"values\":[[1,\"google.com.\",30],[2,\"www.example.com.\",60]]},"
	"{\"columns\":[\"id\",\"dns_zone\",\"host\"],\"types\":[\"integer\",\"integer\",\"text\"],"
	"\"values\":[[1,1,\"142.250.180.14\"],[2,1,\"2a00:1450:4001:80b::200e\"]]}"
	"]}";

static void reply(struct fakehttp *f, int status, const char *headers, const char *body, long delay)
{
	struct fakehttp_reply r = {
		.status = status,
		.headers = headers,
		.body = body,
		.delay_ms = delay,
	};
	fakehttp_set_reply(f, &r);
}

static struct pooldns_source *make(const char *const *urls, size_t n, const char *user,
				   const char *pw, enum pooldns_rqlite_level level, long timeout_ms)
{
	struct pooldns_rqlite_opts o = {
		.nurls = n,
		.user = user,
		.password = pw,
		.level = level,
		.connect_timeout_ms = 500,
		.timeout_ms = timeout_ms,
	};
	for (size_t i = 0; i < n; i++)
		o.urls[i] = urls[i];
	char err[256] = "";
	struct pooldns_source *s = pooldns_source_rqlite_new(&o, err, sizeof err);
	ck_assert_msg(s != NULL, "rqlite_new: %s", err);
	return s;
}

/* A loopback URL on which nothing listens (bound, then closed). */
static void dead_url(char *buf, size_t sz)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(buf, sz, "http://127.0.0.1:%d", ntohs(sa.sin_port));
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The version query goes out parameterised: ["SELECT ... = ?", "data_version"]. */
static void expect_param_stmt(json_t *e)
{
	ck_assert(json_is_array(e));
	ck_assert_uint_eq(json_array_size(e), 2);
	ck_assert_str_eq(json_string_value(json_array_get(e, 0)), POOLDNS_SQL_VERSION);
	ck_assert_str_eq(json_string_value(json_array_get(e, 1)), POOLDNS_SQL_VERSION_PARAM);
	ck_assert_ptr_nonnull(strchr(POOLDNS_SQL_VERSION, '?'));
}

START_TEST(test_version_request)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL, version_27, 0);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_STRONG, 2000);
	ck_assert_str_eq(s->ops->name, "rqlite");
	int64_t v = 0;
	char err[256] = "";
	ck_assert_msg(s->ops->version(s, &v, err, sizeof err) == 0, "version: %s", err);
	ck_assert_int_eq(v, 27);

	char line[256], hdrs[2048], body[2048];
	fakehttp_last(f, line, sizeof line, hdrs, sizeof hdrs, body, sizeof body);
	ck_assert_str_eq(line, "POST /db/query?level=strong HTTP/1.1");
	ck_assert_msg(strstr(hdrs, "Content-Type: application/json") != NULL, "headers: %s", hdrs);
	ck_assert_msg(strstr(hdrs, "Authorization:") == NULL, "unexpected auth: %s", hdrs);
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	ck_assert_msg(j != NULL, "request body is not JSON: %s", body);
	ck_assert(json_is_array(j));
	ck_assert_uint_eq(json_array_size(j), 1);
	expect_param_stmt(json_array_get(j, 0));
	json_decref(j);

	/* keep-alive: a second poll reuses the connection */
	reply(f, 200, NULL, "{\"results\":[{\"columns\":[\"value\"],\"values\":[[28]]}]}", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 28);
	ck_assert_uint_eq(fakehttp_requests(f), 2);
	ck_assert_uint_eq(fakehttp_connections(f), 1);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_load)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL, load_body, 0);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, "user", "pass", POOLDNS_RQLITE_WEAK, 2000);
	struct pooldns_dataset ds = { 0 };
	char err[256] = "";
	ck_assert_msg(s->ops->load(s, &ds, err, sizeof err) == 0, "load: %s", err);
	ck_assert_int_eq(ds.version, 31);
	ck_assert_uint_eq(ds.pools->nrows, 2);
	ck_assert_str_eq(pooldns_table_cell(ds.pools, 0, 1)->s, "google.com.");
	ck_assert_uint_eq(ds.members->nrows, 2);
	ck_assert_str_eq(pooldns_table_cell(ds.members, 1, 2)->s, "2a00:1450:4001:80b::200e");
	pooldns_dataset_clear(&ds);

	char line[256], hdrs[2048], body[4096];
	fakehttp_last(f, line, sizeof line, hdrs, sizeof hdrs, body, sizeof body);
	ck_assert_str_eq(line, "POST /db/query?level=weak HTTP/1.1");
	/* base64("user:pass") */
	ck_assert_msg(strstr(hdrs, "Authorization: Basic dXNlcjpwYXNz") != NULL, "headers: %s",
		      hdrs);
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_array_size(j), 3);
	expect_param_stmt(json_array_get(j, 0));
	ck_assert_str_eq(json_string_value(json_array_get(j, 1)), POOLDNS_SQL_POOLS);
	ck_assert_str_eq(json_string_value(json_array_get(j, 2)), POOLDNS_SQL_MEMBERS);
	json_decref(j);

	/* an SQL error in one statement fails the load, leaving nothing */
	reply(f, 200, NULL,
	      "{\"results\":[{\"columns\":[\"value\"],\"values\":[[1]]},{\"columns\":[\"id\"]},"
	      "{\"error\":\"no such table: dns_zone_member\"}]}",
	      0);
	ds.pools = (void *)1;
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), -1);
	ck_assert_ptr_null(ds.pools);
	ck_assert_ptr_null(ds.members);
	ck_assert_msg(strstr(err, "no such table: dns_zone_member (schema not loaded?)") != NULL,
		      "err: %s", err);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_version_errors)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_NONE, 2000);
	int64_t v = -5;
	char err[512], want[512];

	reply(f, 200, NULL, "{\"results\":[{\"error\":\"no such table: pooldns_meta\"}]}", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	snprintf(want, sizeof want, "rqlite %s: no such table: pooldns_meta (schema not loaded?)",
		 fakehttp_url(f));
	ck_assert_str_eq(err, want);

	reply(f, 200, NULL, "{\"results\":[{\"columns\":[\"value\"],\"types\":[\"integer\"]}]}", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no data_version row") != NULL, "err: %s", err);

	reply(f, 200, NULL, "{\"results\":[{\"columns\":[\"value\"],\"values\":[[\"27\"]]}]}", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a single integer") != NULL, "err: %s", err);

	reply(f, 200, NULL, "{\"results\":[{\"columns\":[\"value\"],\"values\":[[1.5]]}]}", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a single integer") != NULL, "err: %s", err);

	reply(f, 200, NULL, "{\"results\":[{\"columns\":[\"value\"],\"values\":[[1,", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "invalid JSON") != NULL, "err: %s", err);

	reply(f, 500, NULL, "boom", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	snprintf(want, sizeof want, "rqlite %s: HTTP 500: boom", fakehttp_url(f));
	ck_assert_str_eq(err, want);

	reply(f, 401, NULL, "", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "HTTP 401 (authentication failed") != NULL, "err: %s", err);

	reply(f, 503, NULL, "leader not found\n", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "HTTP 503 (no leader?): leader not found") != NULL, "err: %s",
		      err);

	/* connection dropped without an answer */
	reply(f, 0, NULL, NULL, 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, fakehttp_url(f)) != NULL, "err: %s", err);

	ck_assert_int_eq(v, -5); /* never touched on failure */

	/* and it recovers */
	reply(f, 200, NULL, version_27, 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 27);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_redirect)
{
	struct fakehttp *a = fakehttp_start(), *b = fakehttp_start();
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	char loc[256];
	snprintf(loc, sizeof loc, "Location: %s/db/query?level=weak\r\n", fakehttp_url(b));
	reply(a, 301, loc, "<a href=\"x\">Moved Permanently</a>", 0);
	reply(b, 200, NULL, load_body, 0);
	const char *urls[] = { fakehttp_url(a) };
	struct pooldns_source *s = make(urls, 1, "u", "p", POOLDNS_RQLITE_WEAK, 2000);
	struct pooldns_dataset ds = { 0 };
	char err[256] = "";
	ck_assert_msg(s->ops->load(s, &ds, err, sizeof err) == 0, "load: %s", err);
	ck_assert_int_eq(ds.version, 31);
	pooldns_dataset_clear(&ds);
	ck_assert_uint_eq(fakehttp_requests(a), 1);
	ck_assert_uint_eq(fakehttp_requests(b), 1);
	char line[256], hdrs[2048], body[4096];
	fakehttp_last(b, line, sizeof line, hdrs, sizeof hdrs, body, sizeof body);
	/* still a POST with the statements after the redirect */
	ck_assert_str_eq(line, "POST /db/query?level=weak HTTP/1.1");
	ck_assert_msg(strstr(body, "dns_zone_member") != NULL, "body: %s", body);
	ck_assert_msg(strstr(hdrs, "Authorization: Basic dTpw") != NULL, "headers: %s", hdrs);

	/* a redirect loop ends with an error, not a hang */
	reply(b, 301, loc, "", 0);
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "redirect") != NULL || strstr(err, "Redirect") != NULL, "err: %s",
		      err);
	pooldns_source_destroy(s);
	fakehttp_stop(a);
	fakehttp_stop(b);
}
END_TEST

START_TEST(test_failover)
{
	char dead[64];
	dead_url(dead, sizeof dead);
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL, load_body, 0);
	const char *urls[] = { dead, fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 2, NULL, NULL, POOLDNS_RQLITE_WEAK, 2000);
	struct pooldns_dataset ds = { 0 };
	char err[256] = "";
	ck_assert_msg(s->ops->load(s, &ds, err, sizeof err) == 0, "load: %s", err);
	ck_assert_int_eq(ds.version, 31);
	pooldns_dataset_clear(&ds);
	char desc[256];
	snprintf(desc, sizeof desc, "rqlite %s,%s", dead, fakehttp_url(f));
	ck_assert_str_eq(s->ops->describe(s), desc);
	/* the next request goes straight to the node that worked */
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), 0);
	pooldns_dataset_clear(&ds);
	ck_assert_uint_eq(fakehttp_requests(f), 2);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_sticky_order)
{
	/* node A fails with 500, B answers; the next request starts at B */
	struct fakehttp *a = fakehttp_start(), *b = fakehttp_start();
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	reply(a, 500, NULL, "", 0);
	reply(b, 200, NULL, version_27, 0);
	const char *urls[] = { fakehttp_url(a), fakehttp_url(b) };
	struct pooldns_source *s = make(urls, 2, NULL, NULL, POOLDNS_RQLITE_WEAK, 2000);
	int64_t v = 0;
	char err[256] = "";
	ck_assert_msg(s->ops->version(s, &v, err, sizeof err) == 0, "version: %s", err);
	ck_assert_uint_eq(fakehttp_requests(a), 1);
	ck_assert_uint_eq(fakehttp_requests(b), 1);
	reply(a, 200, NULL, version_27, 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), 0);
	ck_assert_uint_eq(fakehttp_requests(a), 1);
	ck_assert_uint_eq(fakehttp_requests(b), 2);
	/* B fails now: wraps around to A */
	reply(b, 503, NULL, "", 0);
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), 0);
	ck_assert_uint_eq(fakehttp_requests(a), 2);
	ck_assert_uint_eq(fakehttp_requests(b), 3);
	pooldns_source_destroy(s);
	fakehttp_stop(a);
	fakehttp_stop(b);
}
END_TEST

START_TEST(test_all_fail)
{
	char dead[64];
	dead_url(dead, sizeof dead);
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 500, NULL, "internal", 0);
	const char *urls[] = { dead, fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 2, NULL, NULL, POOLDNS_RQLITE_WEAK, 2000);
	int64_t v = 0;
	char err[1024] = "";
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	char want[256];
	snprintf(want, sizeof want, "rqlite %s: ", dead);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "err: %s", err);
	snprintf(want, sizeof want, "; %s: HTTP 500: internal", fakehttp_url(f));
	ck_assert_msg(strstr(err, want) != NULL, "err: %s", err);

	/* a small buffer truncates but stays terminated */
	char small[24];
	memset(small, 'x', sizeof small);
	ck_assert_int_eq(s->ops->version(s, &v, small, sizeof small), -1);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_timeout)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL, version_27, 3000);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_WEAK, 300);
	int64_t v = 0;
	char err[256] = "";
	long t0 = now_ms();
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), -1);
	long took = now_ms() - t0;
	ck_assert_msg(took >= 250 && took < 2000, "took %ld ms", took);
	ck_assert_msg(strstr(err, "timed out") != NULL, "err: %s", err);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

/* ---- the change feed: position(), changes(), load_page() ---- */

#define RES_INT(v) "{\"columns\":[\"value\"],\"types\":[\"integer\"],\"values\":[[" #v "]]}"
#define RES_NOLOG  "{\"error\":\"no such table: pooldns_change\"}"

static const char changes_body[] = "{\"results\":[" RES_INT(40) "," RES_INT(
	2) ","
	   "{\"columns\":[\"seq\",\"zone_id\"],\"types\":[\"integer\",\"integer\"],"
	   "\"values\":[[6,3],[7,1]]},"
	   "{\"columns\":[\"id\",\"name\"],\"types\":[\"integer\",\"text\"],"
	   "\"values\":[[1,\"a.test.\"],[3,\"c.test.\"]]},"
	   "{\"columns\":[\"id\",\"dns_zone\",\"host\"],\"types\":[\"integer\",\"integer\","
	   "\"text\"],"
	   "\"values\":[[10,1,\"192.0.2.10\"],[30,3,\"192.0.2.30\"],[31,3,\"2001:db8::31\"]]},"
	   "{\"columns\":[\"min(seq)\",\"max(seq)\"],\"types\":[\"\",\"\"],\"values\":[[1,9]]}"
	   "]}";

/* Statement i of a request body is [sql, values...] with these values. */
static void expect_stmt(json_t *body, size_t i, const char *sql, const char *text, size_t nints,
			const json_int_t *ints)
{
	json_t *e = json_array_get(body, i);
	if (text == NULL && nints == 0) {
		ck_assert_msg(json_is_string(e), "statement %zu is not a plain string", i);
		ck_assert_str_eq(json_string_value(e), sql);
		return;
	}
	ck_assert_msg(json_is_array(e), "statement %zu is not parameterised", i);
	size_t k = 0;
	ck_assert_str_eq(json_string_value(json_array_get(e, k++)), sql);
	if (text != NULL)
		ck_assert_str_eq(json_string_value(json_array_get(e, k++)), text);
	for (size_t j = 0; j < nints; j++) {
		json_t *v = json_array_get(e, k++);
		ck_assert_msg(json_is_integer(v), "statement %zu value %zu is not an integer", i,
			      j);
		ck_assert_int_eq(json_integer_value(v), ints[j]);
	}
	ck_assert_uint_eq(json_array_size(e), k);
}

/* The last request: its line, and its body parsed (caller frees). */
static json_t *last_request(struct fakehttp *f, char *line, size_t linesz)
{
	static char body[16384];
	fakehttp_last(f, line, linesz, NULL, 0, body, sizeof body);
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	ck_assert_msg(j != NULL && json_is_array(j), "request body: %s", body);
	return j;
}

START_TEST(test_changes_request)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL, changes_body, 0);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_WEAK, 2000);
	struct pooldns_delta d;
	char err[512] = "", line[256];
	ck_assert_msg(s->ops->changes(s, 5, 2, &d, err, sizeof err) == 0, "changes: %s", err);
	ck_assert(!d.gap && d.more && d.seq == 7 && d.version == 40);
	ck_assert_uint_eq(d.nzones, 2);
	ck_assert(d.zones[0] == 1 && d.zones[1] == 3);
	ck_assert_uint_eq(d.pools->nrows, 2);
	ck_assert_uint_eq(d.members->nrows, 3);
	ck_assert_str_eq(pooldns_table_cell(d.members, 2, 2)->s, "2001:db8::31");
	pooldns_delta_clear(&d);

	/* one request, one read transaction, every value bound */
	json_t *j = last_request(f, line, sizeof line);
	ck_assert_str_eq(line, "POST /db/query?level=weak&transaction HTTP/1.1");
	ck_assert_uint_eq(json_array_size(j), 6);
	static const json_int_t range[] = { 5, 7 };
	expect_stmt(j, 0, POOLDNS_SQL_VERSION, "data_version", 0, NULL);
	expect_stmt(j, 1, POOLDNS_SQL_VERSION, "schema_version", 0, NULL);
	expect_stmt(j, 2, POOLDNS_SQL_CHANGES, NULL, 2, range);
	expect_stmt(j, 3, POOLDNS_SQL_CHANGED_POOLS, NULL, 2, range);
	expect_stmt(j, 4, POOLDNS_SQL_CHANGED_MEMBERS, NULL, 2, range);
	expect_stmt(j, 5, POOLDNS_SQL_CHANGE_BOUNDS, NULL, 0, NULL);
	json_decref(j);

	/* a large max saturates instead of overflowing */
	ck_assert_int_eq(s->ops->changes(s, 5, SIZE_MAX, &d, err, sizeof err), 0);
	pooldns_delta_clear(&d);
	j = last_request(f, line, sizeof line);
	static const json_int_t wide[] = { 5, INT64_MAX };
	expect_stmt(j, 2, POOLDNS_SQL_CHANGES, NULL, 2, wide);
	json_decref(j);

	/* the existing requests are unchanged: no transaction parameter */
	reply(f, 200, NULL, version_27, 0);
	int64_t v;
	ck_assert_int_eq(s->ops->version(s, &v, err, sizeof err), 0);
	fakehttp_last(f, line, sizeof line, NULL, 0, NULL, 0);
	ck_assert_str_eq(line, "POST /db/query?level=weak HTTP/1.1");
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_position_request)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(40) "," RES_INT(
		      2) ","
			 "{\"columns\":[\"min(seq)\",\"max(seq)\"],\"values\":[[3,77]]}]}",
	      0);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_NONE, 2000);
	struct pooldns_position pos;
	char err[512] = "", line[256];
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "%s", err);
	ck_assert(pos.version == 40 && pos.schema_version == 2 && pos.seq == 77);
	json_t *j = last_request(f, line, sizeof line);
	ck_assert_str_eq(line, "POST /db/query?level=none&transaction HTTP/1.1");
	ck_assert_uint_eq(json_array_size(j), 3);
	expect_stmt(j, 0, POOLDNS_SQL_VERSION, "data_version", 0, NULL);
	expect_stmt(j, 1, POOLDNS_SQL_VERSION, "schema_version", 0, NULL);
	expect_stmt(j, 2, POOLDNS_SQL_CHANGE_BOUNDS, NULL, 0, NULL);
	json_decref(j);

	/* an empty log: NULL bounds */
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(40) "," RES_INT(
		      2) ","
			 "{\"columns\":[\"min(seq)\",\"max(seq)\"],\"values\":[[null,null]]}]}",
	      0);
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), 0);
	ck_assert_int_eq(pos.seq, 0);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_load_page_request)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(
		      41) ","
			  "{\"columns\":[\"id\",\"name\"],\"values\":[[-3,\"a.test.\"],[8,\"b.test."
			  "\"]]},"
			  "{\"columns\":[\"id\",\"dns_zone\"],\"values\":[[1,-3],[2,8],[3,8]]}]}",
	      0);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_STRONG, 2000);
	struct pooldns_dataset ds;
	int64_t last = 0;
	char err[512] = "", line[256];
	ck_assert_msg(s->ops->load_page(s, INT64_MIN, 1000, &ds, &last, err, sizeof err) == 0, "%s",
		      err);
	ck_assert(ds.version == 41 && last == 8);
	ck_assert_uint_eq(ds.pools->nrows, 2);
	ck_assert_uint_eq(ds.members->nrows, 3);
	pooldns_dataset_clear(&ds);
	json_t *j = last_request(f, line, sizeof line);
	ck_assert_str_eq(line, "POST /db/query?level=strong&transaction HTTP/1.1");
	ck_assert_uint_eq(json_array_size(j), 3);
	static const json_int_t page[] = { INT64_MIN, 1000 };
	expect_stmt(j, 0, POOLDNS_SQL_VERSION, "data_version", 0, NULL);
	expect_stmt(j, 1, POOLDNS_SQL_PAGE_POOLS, NULL, 2, page);
	expect_stmt(j, 2, POOLDNS_SQL_PAGE_MEMBERS, NULL, 2, page);
	json_decref(j);

	/* an error in the members statement fails the page */
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(41) ",{\"columns\":[\"id\"],\"values\":[[1]]},"
					   "{\"error\":\"no such column: priority\"}]}",
	      0);
	last = 5;
	ck_assert_int_eq(s->ops->load_page(s, 0, 10, &ds, &last, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "no such column: priority") != NULL, "%s", err);
	ck_assert(ds.pools == NULL && ds.members == NULL && last == 5);
	/* a page larger than asked for is malformed */
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(41) ",{\"columns\":[\"id\"],\"values\":[[1],[2]]},"
					   "{\"columns\":[\"id\",\"dns_zone\"]}]}",
	      0);
	ck_assert_int_eq(s->ops->load_page(s, 0, 1, &ds, &last, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "2 rows for a page of 1") != NULL, "%s", err);
	ck_assert_int_eq(s->ops->load_page(s, 0, 0, &ds, &last, err, sizeof err), -1);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

START_TEST(test_feed_schema1)
{
	/* what rqlited answers on a schema 1 database: the log statements
	 * fail, the request does not */
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_WEAK, 2000);
	char err[512] = "";
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(12) "," RES_INT(1) "," RES_NOLOG "," RES_NOLOG "," RES_NOLOG
							  "," RES_NOLOG "]}",
	      0);
	struct pooldns_delta d;
	ck_assert_msg(s->ops->changes(s, 0, 100, &d, err, sizeof err) == 0, "%s", err);
	ck_assert(d.gap && d.version == 12 && d.zones == NULL && d.pools == NULL);
	pooldns_delta_clear(&d);
	/* no schema_version row at all: also schema 1 */
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(12) ",{\"columns\":[\"value\"]}," RES_NOLOG "]}", 0);
	struct pooldns_position pos;
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "%s", err);
	ck_assert(pos.schema_version == 1 && pos.seq == -1 && pos.version == 12);

	/* schema 2 without the table: an error naming the node */
	reply(f, 200, NULL,
	      "{\"results\":[" RES_INT(12) "," RES_INT(2) "," RES_NOLOG "," RES_NOLOG "," RES_NOLOG
							  "," RES_NOLOG "]}",
	      0);
	d.gap = true;
	ck_assert_int_eq(s->ops->changes(s, 0, 100, &d, err, sizeof err), -1);
	char want[256];
	snprintf(want, sizeof want,
		 "rqlite %s: no such table: pooldns_change (schema_version is 2)", fakehttp_url(f));
	ck_assert_str_eq(err, want);
	ck_assert(!d.gap && d.pools == NULL);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

/* changes() on a canned answer; it must fail with a message containing
 * want and leave nothing behind. */
static void changes_fails(struct pooldns_source *s, struct fakehttp *f, const char *body,
			  const char *want)
{
	reply(f, 200, NULL, body, 0);
	struct pooldns_delta d = { .gap = true, .seq = 3 };
	char err[512] = "";
	ck_assert_msg(s->ops->changes(s, 5, 100, &d, err, sizeof err) == -1, "accepted: %s", body);
	ck_assert_msg(strstr(err, want) != NULL, "err: %s (wanted %s)", err, want);
	ck_assert(!d.gap && d.seq == 0 && d.zones == NULL && d.pools == NULL && d.members == NULL);
}

#define CH_HEAD      "{\"results\":[" RES_INT(40) "," RES_INT(2) ","
#define CH_LOG(rows) "{\"columns\":[\"seq\",\"zone_id\"],\"values\":[" rows "]},"
#define CH_TAIL      "{\"columns\":[\"id\"]},{\"columns\":[\"dns_zone\"]},"
#define CH_BOUNDS(b) "{\"columns\":[\"min(seq)\",\"max(seq)\"],\"values\":[[" b "]]}]}"

START_TEST(test_feed_malformed)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	const char *urls[] = { fakehttp_url(f) };
	struct pooldns_source *s = make(urls, 1, NULL, NULL, POOLDNS_RQLITE_WEAK, 2000);
	/* the well-formed answer these are variations of */
	reply(f, 200, NULL, CH_HEAD CH_LOG("[6,1]") CH_TAIL CH_BOUNDS("1,6"), 0);
	struct pooldns_delta d;
	char err[512] = "";
	ck_assert_msg(s->ops->changes(s, 5, 100, &d, err, sizeof err) == 0, "%s", err);
	ck_assert(!d.gap && d.seq == 6 && d.nzones == 1);
	pooldns_delta_clear(&d);

	changes_fails(s, f, CH_HEAD CH_LOG("[\"6\",1]") CH_TAIL CH_BOUNDS("1,6"),
		      "pooldns_change row 1: seq is text, not an integer");
	changes_fails(s, f, CH_HEAD CH_LOG("[6,1.5]") CH_TAIL CH_BOUNDS("1,6"),
		      "pooldns_change row 1 (seq 6): zone_id is real, not an integer");
	changes_fails(s, f, CH_HEAD CH_LOG("[6,null]") CH_TAIL CH_BOUNDS("1,6"),
		      "zone_id is null, not an integer");
	changes_fails(s, f, CH_HEAD CH_LOG("[6,true]") CH_TAIL CH_BOUNDS("1,6"),
		      "results[2].values[0][1]: boolean not allowed");
	changes_fails(s, f, CH_HEAD CH_LOG("[6]") CH_TAIL CH_BOUNDS("1,6"),
		      "results[2].values[0]: 1 cells for 2 columns");
	changes_fails(s, f, CH_HEAD CH_LOG("[7,1],[6,1]") CH_TAIL CH_BOUNDS("1,7"),
		      "seq 6 out of order or outside (5, 105]");
	changes_fails(s, f, CH_HEAD CH_LOG("[106,1]") CH_TAIL CH_BOUNDS("1,106"),
		      "seq 106 out of order or outside (5, 105]");
	changes_fails(s, f, CH_HEAD CH_LOG("[6,1]") CH_TAIL CH_BOUNDS("\"1\",6"),
		      "min(seq) text and max(seq) integer are not an ordered pair");
	changes_fails(s, f, CH_HEAD CH_LOG("[6,1]") CH_TAIL CH_BOUNDS("9,6"),
		      "are not an ordered pair of integers");
	changes_fails(s, f,
		      CH_HEAD "{\"columns\":[\"seq\"],\"values\":[[6]]}," CH_TAIL CH_BOUNDS("1,6"),
		      "pooldns_change: 1 columns, expected 2 (seq, zone_id)");
	changes_fails(s, f,
		      CH_HEAD CH_LOG("[6,1]") "{\"columns\":[\"name\"]},{\"columns\":"
					      "[\"dns_zone\"]}," CH_BOUNDS("1,6"),
		      "pools: no id column");
	/* the statement results themselves */
	changes_fails(s, f, CH_HEAD CH_LOG("[6,1]") CH_TAIL "{\"error\":5}]}",
		      "results[5].error: expected a string, got number");
	changes_fails(s, f, CH_HEAD CH_LOG("[6,1]") CH_TAIL "[]]}",
		      "results[5]: expected an object, got array");
	changes_fails(
		s, f,
		CH_HEAD CH_LOG("[6,1]") "{\"columns\":[\"id\"]},{\"columns\":[\"dns_zone\"]}]}",
		"results: 5 statement results, expected 6");
	changes_fails(s, f,
		      "{\"results\":[{\"error\":\"no such table: pooldns_meta\"}," RES_INT(
			      2) "," RES_NOLOG "," RES_NOLOG "," RES_NOLOG "," RES_NOLOG "]}",
		      "no such table: pooldns_meta (schema not loaded?)");
	changes_fails(s, f,
		      "{\"results\":[" RES_INT(40) ",{\"error\":\"disk I/O error\"}," RES_NOLOG
						   "," RES_NOLOG "," RES_NOLOG "," RES_NOLOG "]}",
		      "disk I/O error");
	changes_fails(s, f, "{\"results\":[" RES_INT(40) "," RES_INT(2) ",{\"co", "invalid JSON");

	/* HTTP failures as for every request */
	reply(f, 503, NULL, "leader not found", 0);
	ck_assert_int_eq(s->ops->changes(s, 5, 100, &d, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "HTTP 503") != NULL, "%s", err);
	pooldns_source_destroy(s);
	fakehttp_stop(f);
}
END_TEST

static struct pooldns_source *try_new(const char *const *urls, size_t n, char *err, size_t errsz)
{
	struct pooldns_rqlite_opts o = { .nurls = n, .level = POOLDNS_RQLITE_WEAK };
	for (size_t i = 0; i < n && i < POOLDNS_RQLITE_MAX_URLS; i++)
		o.urls[i] = urls[i];
	return pooldns_source_rqlite_new(&o, err, errsz);
}

START_TEST(test_options)
{
	char err[256];
	const char *bad[] = {
		"ftp://127.0.0.1:4001",
		"127.0.0.1:4001",
		"",
		"http://",
		"https:///x",
		"http://a b:1",
		"http://h:1/?q=1",
		"file:///etc/passwd",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_ptr_null(try_new(&bad[i], 1, err, sizeof err));
		ck_assert_msg(strstr(err, "rqlite url") != NULL, "'%s': %s", bad[i], err);
	}
	ck_assert_ptr_null(try_new(NULL, 0, err, sizeof err));
	ck_assert_str_eq(err, "rqlite: no url given");
	ck_assert_ptr_null(pooldns_source_rqlite_new(NULL, err, sizeof err));

	struct pooldns_rqlite_opts o = { .nurls = 17 };
	ck_assert_ptr_null(pooldns_source_rqlite_new(&o, err, sizeof err));
	o = (struct pooldns_rqlite_opts){ .nurls = 1, .urls = { "http://h:1" }, .level = 9 };
	ck_assert_ptr_null(pooldns_source_rqlite_new(&o, err, sizeof err));
	ck_assert_msg(strstr(err, "consistency") != NULL, "%s", err);
	o = (struct pooldns_rqlite_opts){ .nurls = 1, .urls = { "http://h:1" }, .timeout_ms = -1 };
	ck_assert_ptr_null(pooldns_source_rqlite_new(&o, err, sizeof err));

	/* good ones; trailing slashes are dropped; describe lists the nodes */
	const char *good[] = { "http://10.0.0.1:4001/", "HTTPS://[::1]:4001" };
	struct pooldns_source *s = try_new(good, 2, err, sizeof err);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s->ops->describe(s), "rqlite http://10.0.0.1:4001,HTTPS://[::1]:4001");
	pooldns_source_destroy(s);
	pooldns_source_destroy(NULL);
}
END_TEST

START_TEST(test_levels)
{
	enum pooldns_rqlite_level l = POOLDNS_RQLITE_WEAK;
	ck_assert_int_eq(pooldns_rqlite_level_parse("none", &l), 0);
	ck_assert_int_eq(l, POOLDNS_RQLITE_NONE);
	ck_assert_int_eq(pooldns_rqlite_level_parse("strong", &l), 0);
	ck_assert_int_eq(l, POOLDNS_RQLITE_STRONG);
	ck_assert_int_eq(pooldns_rqlite_level_parse("weak", &l), 0);
	ck_assert_int_eq(l, POOLDNS_RQLITE_WEAK);
	ck_assert_int_eq(pooldns_rqlite_level_parse("Weak", &l), -1);
	ck_assert_int_eq(pooldns_rqlite_level_parse("", &l), -1);
	ck_assert_int_eq(pooldns_rqlite_level_parse(NULL, &l), -1);
	ck_assert_int_eq(l, POOLDNS_RQLITE_WEAK);
	ck_assert_str_eq(pooldns_rqlite_level_name(POOLDNS_RQLITE_NONE), "none");
	ck_assert_str_eq(pooldns_rqlite_level_name(POOLDNS_RQLITE_WEAK), "weak");
	ck_assert_str_eq(pooldns_rqlite_level_name(POOLDNS_RQLITE_STRONG), "strong");
	ck_assert_str_eq(pooldns_rqlite_level_name((enum pooldns_rqlite_level)7), "unknown");
}
END_TEST

/* Warnings logged, for the once-per-transition rule of backup failures. */
static unsigned warnings;
static char last_warning[512];

static void count_warnings(enum pooldns_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == POOLDNS_LOG_WARNING) {
		warnings++;
		snprintf(last_warning, sizeof last_warning, "%s", msg);
	}
}

static int dir_is_empty(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
	return system(cmd) == 0;
}

static struct pooldns_source *make_backup(const char *url, enum pooldns_rqlite_full_load mode,
					  enum pooldns_rqlite_level level, const char *dir)
{
	struct pooldns_rqlite_opts o = {
		.nurls = 1,
		.level = level,
		.connect_timeout_ms = 500,
		.timeout_ms = 2000,
		.full_load = mode,
		.backup_dir = dir,
	};
	o.urls[0] = url;
	char err[256] = "";
	struct pooldns_source *s = pooldns_source_rqlite_new(&o, err, sizeof err);
	ck_assert_msg(s != NULL, "rqlite_new: %s", err);
	return s;
}

/* Backup copies that fail: what each mode answers, what is logged, what
 * is left on disk (nothing). */
START_TEST(test_backup_failures)
{
	struct fakehttp *f = fakehttp_start();
	ck_assert_ptr_nonnull(f);
	char dir[] = "/tmp/pooldns-backup-unit-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char err[512], line[256];
	struct pooldns_source *copy = NULL;
	pooldns_log_set(count_warnings, NULL, POOLDNS_LOG_DEBUG);

	/* auto: a 403 falls back to queries, logged once for two failures */
	reply(f, 403, NULL, "{\"error\":\"unauthorized\"}", 0);
	struct pooldns_source *s =
		make_backup(fakehttp_url(f), POOLDNS_RQLITE_FULL_AUTO, POOLDNS_RQLITE_WEAK, dir);
	warnings = 0;
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), 1);
	ck_assert_ptr_null(copy);
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), 1);
	ck_assert_uint_eq(warnings, 1);
	ck_assert_ptr_nonnull(strstr(last_warning, "backup permission"));
	fakehttp_last(f, line, sizeof line, NULL, 0, NULL, 0);
	ck_assert_str_eq(line, "GET /db/backup HTTP/1.1");
	ck_assert(dir_is_empty(dir));
	pooldns_source_destroy(s);

	/* backup: the same failure fails the load */
	s = make_backup(fakehttp_url(f), POOLDNS_RQLITE_FULL_BACKUP, POOLDNS_RQLITE_NONE, dir);
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "HTTP 403"));
	fakehttp_last(f, line, sizeof line, NULL, 0, NULL, 0);
	ck_assert_str_eq(line, "GET /db/backup?noleader HTTP/1.1");

	/* a body that is no database, and one cut short */
	reply(f, 200, NULL, "<html>proxy error</html>", 0);
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not an SQLite database") != NULL, "%s", err);
	struct fakehttp_reply cut = {
		.status = 200,
		.headers = "Content-Length: 100000\r\n",
		.body = "SQLite format 3",
		.close = true,
	};
	fakehttp_set_reply(f, &cut);
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), -1);
	ck_assert(dir_is_empty(dir));
	pooldns_source_destroy(s);

	/* a directory that cannot take the file */
	s = make_backup(fakehttp_url(f), POOLDNS_RQLITE_FULL_BACKUP, POOLDNS_RQLITE_WEAK,
			"/nonexistent/pooldns");
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "creating a file in /nonexistent/pooldns") != NULL, "%s", err);
	pooldns_source_destroy(s);

	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
	ck_assert_int_eq(rmdir(dir), 0);
	fakehttp_stop(f);
}
END_TEST

/* The file check: whole pages, and the page count when the header vouches
 * for it. */
START_TEST(test_backup_check)
{
	char path[] = "/tmp/pooldns-backup-check-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	unsigned char page[4096] = { 0 };
	char err[256];
	memcpy(page, "SQLite format 3", 16);
	page[16] = 0x10; /* 4096-byte pages */
	page[31] = 2;    /* 2 pages */
	page[27] = 7;    /* change counter 7 ... */
	page[95] = 7;    /* ... == version-valid-for: the count is valid */
	ck_assert_int_eq(pwrite(fd, page, sizeof page, 0), (ssize_t)sizeof page);
	ck_assert_int_eq(pooldns_rqlite_backup_check(fd, 4096, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "header says 2 pages") != NULL, "%s", err);
	memset(page, 0, 16);
	ck_assert_int_eq(pwrite(fd, page, sizeof page, 4096), (ssize_t)sizeof page);
	ck_assert_int_eq(pooldns_rqlite_backup_check(fd, 8192, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_rqlite_backup_check(fd, 6000, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "whole number") != NULL, "%s", err);
	page[95] = 8; /* count not vouched for: whole pages are enough */
	memcpy(page, "SQLite format 3", 16);
	ck_assert_int_eq(pwrite(fd, page, sizeof page, 0), (ssize_t)sizeof page);
	ck_assert_int_eq(pooldns_rqlite_backup_check(fd, 8192, err, sizeof err), 0);
	page[16] = 0x03; /* 768: not a power of two */
	ck_assert_int_eq(pwrite(fd, page, sizeof page, 0), (ssize_t)sizeof page);
	ck_assert_int_eq(pooldns_rqlite_backup_check(fd, 8192, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "page size") != NULL, "%s", err);
	close(fd);
}
END_TEST

static Suite *source_rqlite_suite(void)
{
	Suite *s = suite_create("source_rqlite");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_version_request);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_version_errors);
	tcase_add_test(tc, test_redirect);
	tcase_add_test(tc, test_failover);
	tcase_add_test(tc, test_sticky_order);
	tcase_add_test(tc, test_all_fail);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_changes_request);
	tcase_add_test(tc, test_position_request);
	tcase_add_test(tc, test_load_page_request);
	tcase_add_test(tc, test_feed_schema1);
	tcase_add_test(tc, test_feed_malformed);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_backup_failures);
	tcase_add_test(tc, test_backup_check);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(source_rqlite_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
