/*
 * check_source_rqlite_live.c — tests core/source/source_rqlite.c against a REAL
 * rqlited: starts `rqlited -fk` on free loopback ports in a temporary
 * directory, loads the project's schema.json and populate_data.json through
 * /db/execute, then checks version() and load() at every consistency level
 * (google.com. must have its 4 members), that a write moves the version,
 * and that a dead first node is skipped. The change feed: every kind of
 * write through changes() (feedsteps.c, as on SQLite), load_page() paging
 * over 2505 pools, the log pruned to POOLDNS_CHANGE_LOG_KEEP rows by
 * rqlite's own triggers, and a schema 1 database (tests/data/schema-v1.json)
 * read as it is, then upgraded by posting schema.json (twice). Each test
 * case has its own rqlited; it is stopped and its directory removed
 * afterwards.
 *
 * Needs POOLDNS_RQLITED (the rqlited binary) and POOLDNS_SRCDIR (the source
 * tree; automake's srcdir is used when unset). An unset POOLDNS_RQLITED is a
 * FAILURE, not a skip, so that a build that cannot run this test says so.
 *
 * Thread model: rqlited is started and stopped by an unchecked fixture in
 * the runner process (it also dies with that process: PR_SET_PDEATHSIG);
 * the tests run forked and only talk to it over HTTP.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "feedsteps.h"
#include "core/source/source.h"

static char setup_error[1024]; /* non-empty: the fixture failed, say why */
static char workdir[256];
static char base_url[64];
static pid_t rqlited_pid = -1;
/* What the fixture loads after starting rqlited. */
static const char *fixture_schema = "schema.json";

static void fixture_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fixture_fail(const char *fmt, ...)
{
	if (setup_error[0] != '\0')
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(setup_error, sizeof setup_error, fmt, ap);
	va_end(ap);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Two distinct free loopback ports (bound together, then released). */
static int free_ports(int *a, int *b)
{
	int fds[2] = { -1, -1 }, ports[2] = { 0, 0 };
	int rc = 0;
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t sl = sizeof sa;
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0 ||
		    getsockname(fds[i], (struct sockaddr *)&sa, &sl) != 0) {
			rc = -1;
			break;
		}
		ports[i] = ntohs(sa.sin_port);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	*a = ports[0];
	*b = ports[1];
	return rc;
}

struct buf {
	char *p;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;
	char *np = realloc(b->p, b->len + n + 1);
	if (np == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* GET (body NULL) or POST; returns the HTTP status or -1. *out: caller frees. */
static long http(const char *url, const char *body, size_t len, char **out)
{
	CURL *c = curl_easy_init();
	if (c == NULL)
		return -1;
	struct buf b = { NULL, 0 };
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	long status = -1;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out != NULL)
		*out = b.p;
	else
		free(b.p);
	return status;
}

/* POSTs a JSON array of statements to /db/execute; 0 or -1 (fixture_fail). */
static int execute(const char *what, const char *body, size_t len)
{
	char url[128];
	snprintf(url, sizeof url, "%s/db/execute", base_url);
	char *resp = NULL;
	long st = http(url, body, len, &resp);
	if (st != 200) {
		fixture_fail("%s: /db/execute answered HTTP %ld: %s", what, st, resp ? resp : "");
		free(resp);
		return -1;
	}
	json_error_t jerr;
	json_t *j = json_loads(resp != NULL ? resp : "", 0, &jerr);
	json_t *res = json_object_get(j, "results");
	int rc = json_is_array(res) ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < json_array_size(res); i++) {
		json_t *e = json_object_get(json_array_get(res, i), "error");
		if (e != NULL) {
			fixture_fail("%s: statement %zu: %s", what, i, json_string_value(e));
			rc = -1;
		}
	}
	if (rc != 0)
		fixture_fail("%s: unexpected answer: %s", what, resp ? resp : "");
	json_decref(j);
	free(resp);
	return rc;
}

static int execute_file(const char *name)
{
	const char *src = getenv("POOLDNS_SRCDIR");
	if (src == NULL || src[0] == '\0')
		src = getenv("srcdir");
	if (src == NULL || src[0] == '\0') {
		fixture_fail(
			"POOLDNS_SRCDIR is not set: it must name the source tree (schema.json)");
		return -1;
	}
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", src, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fixture_fail("%s: %s", path, strerror(errno));
		return -1;
	}
	struct buf b = { NULL, 0 };
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (on_data(chunk, 1, n, &b) != n)
			break;
	fclose(f);
	int rc = b.p != NULL ? execute(name, b.p, b.len) : -1;
	if (b.p == NULL)
		fixture_fail("%s: empty or unreadable", path);
	free(b.p);
	return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void stop_rqlited(void)
{
	if (rqlited_pid > 0) {
		kill(rqlited_pid, SIGTERM);
		long t0 = now_ms();
		int status;
		pid_t r = 0;
		while ((r = waitpid(rqlited_pid, &status, WNOHANG)) == 0 && now_ms() - t0 < 10000)
			usleep(50 * 1000);
		if (r == 0) {
			kill(rqlited_pid, SIGKILL);
			waitpid(rqlited_pid, &status, 0);
		}
		rqlited_pid = -1;
	}
	if (workdir[0] != '\0') {
		nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		workdir[0] = '\0';
	}
}

static void start_rqlited(void)
{
	const char *bin = getenv("POOLDNS_RQLITED");
	if (bin == NULL || bin[0] == '\0') {
		fixture_fail("POOLDNS_RQLITED is not set: it must name the rqlited binary "
			     "(e.g. .deps/rqlite/bin/rqlited); this test does not skip");
		return;
	}
	if (access(bin, X_OK) != 0) {
		fixture_fail("POOLDNS_RQLITED=%s: %s", bin, strerror(errno));
		return;
	}
	const char *base = getenv("TMPDIR");
	snprintf(workdir, sizeof workdir, "%s/pooldns-rqlited-XXXXXX",
		 base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(workdir) == NULL) {
		fixture_fail("mkdtemp %s: %s", workdir, strerror(errno));
		workdir[0] = '\0';
		return;
	}
	int hp, rp;
	if (free_ports(&hp, &rp) != 0) {
		fixture_fail("no free loopback ports: %s", strerror(errno));
		return;
	}
	char haddr[32], raddr[32], data[320], logf[320];
	snprintf(haddr, sizeof haddr, "127.0.0.1:%d", hp);
	snprintf(raddr, sizeof raddr, "127.0.0.1:%d", rp);
	snprintf(data, sizeof data, "%s/data", workdir);
	snprintf(logf, sizeof logf, "%s/rqlited.log", workdir);
	snprintf(base_url, sizeof base_url, "http://%s", haddr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		fixture_fail("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, "rqlited", "-fk", "-http-addr", haddr, "-raft-addr", raddr, data,
		      (char *)NULL);
		_exit(127);
	}
	rqlited_pid = pid;

	char url[128];
	snprintf(url, sizeof url, "%s/readyz", base_url);
	long t0 = now_ms();
	for (;;) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			rqlited_pid = -1;
			fixture_fail("rqlited exited early (status %d); see its log in %s", status,
				     logf);
			return;
		}
		if (http(url, NULL, 0, NULL) == 200)
			break;
		if (now_ms() - t0 > 30000) {
			fixture_fail("rqlited at %s not ready after 30 s", base_url);
			return;
		}
		usleep(100 * 1000);
	}
	if (execute_file(fixture_schema) != 0 || execute_file("populate_data.json") != 0)
		return;
}

static void setup(void)
{
	setup_error[0] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fixture_schema = "schema.json";
	start_rqlited();
}

/* The same with the schema before the change log (schema_version 1). */
static void setup_v1(void)
{
	setup_error[0] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fixture_schema = "tests/data/schema-v1.json";
	start_rqlited();
}

static void teardown(void)
{
	stop_rqlited();
	curl_global_cleanup();
}

static struct pooldns_source *make(enum pooldns_rqlite_level level, const char *first_url)
{
	struct pooldns_rqlite_opts o = {
		.level = level,
		.connect_timeout_ms = 1000,
		.timeout_ms = 5000,
	};
	if (first_url != NULL)
		o.urls[o.nurls++] = first_url;
	o.urls[o.nurls++] = base_url;
	char err[512] = "";
	struct pooldns_source *s = pooldns_source_rqlite_new(&o, err, sizeof err);
	ck_assert_msg(s != NULL, "rqlite_new: %s", err);
	return s;
}

static void check_google(const struct pooldns_dataset *ds)
{
	int nc = pooldns_table_col(ds->pools, "name");
	int ic = pooldns_table_col(ds->pools, "id");
	int zc = pooldns_table_col(ds->members, "dns_zone");
	int hc = pooldns_table_col(ds->members, "host");
	ck_assert(nc >= 0 && ic >= 0 && zc >= 0 && hc >= 0);
	int64_t id = -1;
	for (size_t r = 0; r < ds->pools->nrows; r++) {
		const struct pooldns_cell *c = pooldns_table_cell(ds->pools, r, (size_t)nc);
		if (c->type == POOLDNS_CELL_TEXT && strcmp(c->s, "google.com.") == 0)
			id = pooldns_table_cell(ds->pools, r, (size_t)ic)->i;
	}
	ck_assert_msg(id >= 0, "google.com. not loaded");
	size_t n = 0;
	bool v6 = false;
	for (size_t r = 0; r < ds->members->nrows; r++) {
		if (pooldns_table_cell(ds->members, r, (size_t)zc)->i != id)
			continue;
		n++;
		if (strcmp(pooldns_table_cell(ds->members, r, (size_t)hc)->s,
			   "2a00:1450:4001:80b::200e") == 0)
			v6 = true;
	}
	ck_assert_uint_eq(n, 4);
	ck_assert(v6);
}

START_TEST(test_live_load)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	static const enum pooldns_rqlite_level levels[] = {
		POOLDNS_RQLITE_NONE,
		POOLDNS_RQLITE_WEAK,
		POOLDNS_RQLITE_STRONG,
	};
	for (size_t i = 0; i < 3; i++) {
		struct pooldns_source *s = make(levels[i], NULL);
		int64_t v = 0;
		char err[512] = "";
		ck_assert_msg(s->ops->version(s, &v, err, sizeof err) == 0, "version (%s): %s",
			      pooldns_rqlite_level_name(levels[i]), err);
		ck_assert_int_gt(v, 1); /* the triggers bumped it during populate */
		struct pooldns_dataset ds = { 0 };
		ck_assert_msg(s->ops->load(s, &ds, err, sizeof err) == 0, "load (%s): %s",
			      pooldns_rqlite_level_name(levels[i]), err);
		ck_assert_int_eq(ds.version, v);
		ck_assert_uint_eq(ds.pools->ncols, 16);
		ck_assert_uint_eq(ds.members->ncols, 6);
		check_google(&ds);
		pooldns_dataset_clear(&ds);
		/* the change feed's requests (one read transaction) too */
		struct pooldns_position pos;
		ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "position (%s): %s",
			      pooldns_rqlite_level_name(levels[i]), err);
		ck_assert(pos.version == v && pos.schema_version == 2 && pos.seq == 26);
		struct pooldns_delta d;
		ck_assert_msg(s->ops->changes(s, 0, 100, &d, err, sizeof err) == 0,
			      "changes (%s): %s", pooldns_rqlite_level_name(levels[i]), err);
		ck_assert(!d.gap && !d.more && d.seq == 26 && d.nzones == 5);
		ck_assert_uint_eq(d.members->nrows, 21);
		pooldns_delta_clear(&d);
		pooldns_source_destroy(s);
	}
}
END_TEST

START_TEST(test_live_version_moves_and_failover)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	int dp, unused;
	ck_assert_int_eq(free_ports(&dp, &unused), 0);
	char dead[64];
	snprintf(dead, sizeof dead, "http://127.0.0.1:%d", dp);
	struct pooldns_source *s = make(POOLDNS_RQLITE_STRONG, dead);
	int64_t v1 = 0, v2 = 0;
	char err[512] = "";
	ck_assert_msg(s->ops->version(s, &v1, err, sizeof err) == 0, "version: %s", err);
	const char *ins =
		"[\"INSERT INTO dns_zone_member (dns_zone, host) VALUES (2, '192.0.2.77')\"]";
	ck_assert_msg(execute("insert", ins, strlen(ins)) == 0, "%s", setup_error);
	ck_assert_int_eq(s->ops->version(s, &v2, err, sizeof err), 0);
	ck_assert_int_eq(v2, v1 + 1);

	/* a missing table is reported as such, naming the node */
	const char *drop = "[\"DROP TABLE pooldns_meta\"]";
	ck_assert_msg(execute("drop", drop, strlen(drop)) == 0, "%s", setup_error);
	ck_assert_int_eq(s->ops->version(s, &v2, err, sizeof err), -1);
	char want[256];
	snprintf(want, sizeof want, "%s: no such table: pooldns_meta (schema not loaded?)",
		 base_url);
	ck_assert_msg(strstr(err, want) != NULL, "err: %s", err);
	pooldns_source_destroy(s);
}
END_TEST

/* One statement through /db/execute; fails the test on any error. */
static void exec_live(void *ctx, const char *sql)
{
	(void)ctx;
	json_t *a = json_pack("[s]", sql);
	ck_assert_ptr_nonnull(a);
	char *body = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	ck_assert_ptr_nonnull(body);
	setup_error[0] = '\0';
	int rc = execute("statement", body, strlen(body));
	free(body);
	ck_assert_msg(rc == 0, "%s: %s", sql, setup_error);
}

START_TEST(test_live_feed_steps)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	struct pooldns_source *s = make(POOLDNS_RQLITE_WEAK, NULL);
	struct pooldns_position pos;
	char err[512] = "";
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "position: %s", err);
	ck_assert_int_eq(pos.seq, 26); /* populate: 5 pools, 21 members */
	feed_run_steps(s, exec_live, NULL);
	pooldns_source_destroy(s);
}
END_TEST

#define LIVE_POOLS 2500

START_TEST(test_live_load_page)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO dns_zone (id, name) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
		 "SELECT i + 1 FROM n WHERE i < %d) SELECT 10000 + i, 'p' || i || '.test.' FROM n",
		 LIVE_POOLS);
	exec_live(NULL, sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO dns_zone_member (dns_zone, host, priority) WITH RECURSIVE "
		 "n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d), "
		 "k(m) AS (VALUES (0), (1), (2)) "
		 "SELECT 10000 + i, '192.0.2.' || m, 3 - m FROM n, k WHERE m < i %% 4",
		 LIVE_POOLS);
	exec_live(NULL, sql);

	struct pooldns_source *s = make(POOLDNS_RQLITE_WEAK, NULL);
	char err[512] = "";
	struct pooldns_dataset all;
	ck_assert_msg(s->ops->load(s, &all, err, sizeof err) == 0, "load: %s", err);
	ck_assert_uint_eq(all.pools->nrows, LIVE_POOLS + 5);

	/* the pages together are the full load, each pool and member once */
	int64_t after = INT64_MIN, last = 0;
	size_t pages = 0, pool_row = 0, member_row = 0;
	for (;;) {
		struct pooldns_dataset ds;
		ck_assert_msg(s->ops->load_page(s, after, 1000, &ds, &last, err, sizeof err) == 0,
			      "load_page: %s", err);
		ck_assert_int_eq(ds.version, all.version);
		pages++;
		for (size_t r = 0; r < ds.pools->nrows; r++, pool_row++)
			ck_assert_int_eq(pooldns_table_cell(ds.pools, r, 0)->i,
					 pooldns_table_cell(all.pools, pool_row, 0)->i);
		for (size_t r = 0; r < ds.members->nrows; r++, member_row++)
			ck_assert_int_eq(pooldns_table_cell(ds.members, r, 0)->i,
					 pooldns_table_cell(all.members, member_row, 0)->i);
		size_t n = ds.pools->nrows;
		pooldns_dataset_clear(&ds);
		if (n == 0) {
			ck_assert_int_eq(last, after);
			break;
		}
		after = last;
		ck_assert_uint_lt(pages, 10);
	}
	ck_assert_uint_eq(pages, 4); /* 1000, 1000, 505, then an empty one */
	ck_assert_uint_eq(pool_row, all.pools->nrows);
	ck_assert_uint_eq(member_row, all.members->nrows);
	pooldns_dataset_clear(&all);
	pooldns_source_destroy(s);
}
END_TEST

/* Entries in dir other than . and .. */
static int dir_entries(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	FILE *f = popen(cmd, "r");
	int n = -1;
	if (f != NULL) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		pclose(f);
	}
	return n;
}

/* A full load read from a /db/backup copy: the same position and the same
 * pages as the live tables, and no file left in the backup directory. */
START_TEST(test_live_backup_copy)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	exec_live(NULL, "INSERT INTO dns_zone_member (dns_zone, host) VALUES (4, '192.0.2.77')");
	char dir[] = "/tmp/pooldns-backup-test-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	struct pooldns_rqlite_opts o = {
		.level = POOLDNS_RQLITE_WEAK,
		.connect_timeout_ms = 1000,
		.timeout_ms = 5000,
		.full_load = POOLDNS_RQLITE_FULL_BACKUP,
		.backup_dir = dir,
	};
	o.urls[o.nurls++] = base_url;
	char err[512] = "";
	struct pooldns_source *s = pooldns_source_rqlite_new(&o, err, sizeof err);
	ck_assert_msg(s != NULL, "rqlite_new: %s", err);
	ck_assert_ptr_nonnull(s->ops->copy);

	struct pooldns_source *copy = NULL;
	ck_assert_msg(s->ops->copy(s, &copy, err, sizeof err) == 0, "copy: %s", err);
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_eq(dir_entries(dir), 0); /* unlinked once open */
	ck_assert_ptr_nonnull(strstr(copy->ops->describe(copy), "backup copy"));

	struct pooldns_position live, cp;
	ck_assert_int_eq(s->ops->position(s, &live, err, sizeof err), 0);
	ck_assert_msg(copy->ops->position(copy, &cp, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(cp.version, live.version);
	ck_assert_int_eq(cp.seq, live.seq);
	ck_assert_int_eq(cp.schema_version, live.schema_version);
	ck_assert_int_gt(cp.seq, 0);

	/* A write after the copy: the copy does not move, the live feed
	 * has it after the copy's position. */
	exec_live(NULL, "INSERT INTO dns_zone_member (dns_zone, host) VALUES (4, '192.0.2.78')");
	struct pooldns_dataset a, b;
	int64_t la = 0, lb = 0;
	ck_assert_msg(copy->ops->load_page(copy, INT64_MIN, 1000, &a, &la, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_int_eq(a.version, cp.version);
	check_google(&a);
	struct pooldns_delta d;
	ck_assert_int_eq(s->ops->changes(s, cp.seq, 100, &d, err, sizeof err), 0);
	ck_assert(!d.gap && d.seq == cp.seq + 1);
	static const int64_t four[] = { 4 };
	feed_expect_zones(&d, four, 1, "after the copy");
	pooldns_delta_clear(&d);
	ck_assert_int_eq(s->ops->load_page(s, INT64_MIN, 1000, &b, &lb, err, sizeof err), 0);
	ck_assert_uint_eq(a.pools->nrows, b.pools->nrows);
	ck_assert_uint_eq(a.members->nrows + 1, b.members->nrows);
	ck_assert_int_eq(la, lb);
	pooldns_dataset_clear(&a);
	pooldns_dataset_clear(&b);
	pooldns_source_destroy(copy);

	/* query mode never copies */
	pooldns_source_destroy(s);
	o.full_load = POOLDNS_RQLITE_FULL_QUERY;
	s = pooldns_source_rqlite_new(&o, err, sizeof err);
	ck_assert_ptr_nonnull(s);
	copy = NULL;
	ck_assert_int_eq(s->ops->copy(s, &copy, err, sizeof err), 1);
	ck_assert_ptr_null(copy);
	pooldns_source_destroy(s);
	ck_assert_int_eq(dir_entries(dir), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_live_prune)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO dns_zone_member (dns_zone, host) WITH RECURSIVE n(i) AS "
		 "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT 2, 'h' || i FROM n",
		 POOLDNS_CHANGE_LOG_KEEP + 10);
	exec_live(NULL, sql);
	struct pooldns_source *s = make(POOLDNS_RQLITE_WEAK, NULL);
	char err[512] = "";
	struct pooldns_position pos;
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pos.seq, 26 + POOLDNS_CHANGE_LOG_KEEP + 10);
	/* exactly the newest KEEP rows are left: the oldest is seq - KEEP + 1 */
	struct pooldns_delta d;
	ck_assert_int_eq(
		s->ops->changes(s, pos.seq - POOLDNS_CHANGE_LOG_KEEP, 10, &d, err, sizeof err), 0);
	ck_assert(!d.gap && d.more);
	pooldns_delta_clear(&d);
	ck_assert_int_eq(
		s->ops->changes(s, pos.seq - POOLDNS_CHANGE_LOG_KEEP - 1, 10, &d, err, sizeof err),
		0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	ck_assert_int_eq(s->ops->changes(s, 0, 10, &d, err, sizeof err), 0);
	ck_assert(d.gap);
	pooldns_delta_clear(&d);
	pooldns_source_destroy(s);
}
END_TEST

START_TEST(test_live_upgrade)
{
	ck_assert_msg(setup_error[0] == '\0', "%s", setup_error);
	struct pooldns_source *s = make(POOLDNS_RQLITE_WEAK, NULL);
	char err[512] = "";

	/* schema 1 as it is: no change feed, full loads work */
	struct pooldns_position pos;
	ck_assert_msg(s->ops->position(s, &pos, err, sizeof err) == 0, "%s", err);
	ck_assert(pos.schema_version == 1 && pos.seq == -1);
	int64_t version = pos.version;
	struct pooldns_delta d;
	ck_assert_msg(s->ops->changes(s, 0, 100, &d, err, sizeof err) == 0, "%s", err);
	ck_assert(d.gap && d.version == version);
	pooldns_delta_clear(&d);
	struct pooldns_dataset ds;
	int64_t last = 0;
	ck_assert_msg(s->ops->load_page(s, INT64_MIN, 100, &ds, &last, err, sizeof err) == 0, "%s",
		      err);
	ck_assert_uint_eq(ds.pools->nrows, 5);
	check_google(&ds);
	pooldns_dataset_clear(&ds);

	/* the upgrade: schema.json posted again, twice */
	ck_assert_msg(execute_file("schema.json") == 0, "%s", setup_error);
	ck_assert_msg(execute_file("schema.json") == 0, "%s", setup_error);
	ck_assert_int_eq(s->ops->position(s, &pos, err, sizeof err), 0);
	ck_assert(pos.schema_version == 2 && pos.seq == 0 && pos.version == version);
	ck_assert_int_eq(s->ops->load(s, &ds, err, sizeof err), 0);
	ck_assert_uint_eq(ds.pools->nrows, 5);
	ck_assert_uint_eq(ds.members->nrows, 21);
	check_google(&ds);
	pooldns_dataset_clear(&ds);

	/* one write: one bump (the old triggers are gone), one log row */
	exec_live(NULL, "INSERT INTO dns_zone_member (dns_zone, host) VALUES (4, '192.0.2.34')");
	ck_assert_int_eq(s->ops->changes(s, 0, 100, &d, err, sizeof err), 0);
	ck_assert(!d.gap && !d.more && d.seq == 1 && d.version == version + 1);
	static const int64_t four[] = { 4 };
	feed_expect_zones(&d, four, 1, "after the upgrade");
	ck_assert_uint_eq(d.members->nrows, 5);
	pooldns_delta_clear(&d);
	pooldns_source_destroy(s);
}
END_TEST

/* A test case of one test with its own rqlited, loaded by setup_fn. */
static void add_case(Suite *s, const char *name, void (*setup_fn)(void), const TTest *test)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, setup_fn, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

static Suite *live_suite(void)
{
	Suite *s = suite_create("source_rqlite_live");
	/* Two cases, each with its own rqlited, so the DROP in the second
	 * cannot affect the first whatever the order. */
	TCase *tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_live_load);
	suite_add_tcase(s, tc);
	tc = tcase_create("changes");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_live_version_moves_and_failover);
	suite_add_tcase(s, tc);
	/* The change feed: each case has its own rqlited, populated. */
	add_case(s, "feed", setup, test_live_feed_steps);
	add_case(s, "pages", setup, test_live_load_page);
	add_case(s, "backup", setup, test_live_backup_copy);
	add_case(s, "prune", setup, test_live_prune);
	add_case(s, "upgrade", setup_v1, test_live_upgrade);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(live_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
