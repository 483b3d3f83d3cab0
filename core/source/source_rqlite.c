/*
 * source_rqlite.c — the rqlite data source: POSTs the version/pool/member
 * SELECTs (and those of the change feed, delta.c) to /db/query on a list of
 * rqlite nodes over HTTP(S) and turns the JSON answer into tables
 * (rqlite_json.c). The change-feed requests (position, changes, load_page)
 * carry "&transaction", so the node runs their statements in one read
 * transaction: one snapshot, as the SQLite source reads. A full load
 * starts from a copy of the database (GET /db/backup, rqlite_backup.c)
 * unless rqlite-full-load says otherwise; in "auto" a failed backup (a
 * user without the backup permission, no disk space) falls back to paged
 * queries, logged once per transition.
 *
 * Owns: its copy of the options, one libcurl easy handle (reused so that
 * connections stay alive between polls), the response buffer, and the index
 * of the node that answered last. Requests start at that node and fail over
 * through the list in order; any failure (connect error, timeout, HTTP status
 * other than 200, bad JSON, SQL error) moves on to the next node, and when
 * every node failed the message names each node's error.
 *
 * Security: only http/https, TLS verification always on, responses capped
 * at POOLDNS_RQLITE_MAX_RESPONSE bytes. Redirects (a follower answering 301
 * with the leader's address) are followed a few times, POST kept as POST;
 * credentials go along with a redirect (rqlite nodes of one cluster share
 * their users), but an https source never follows a redirect to plain http.
 *
 * Thread model: a source object is used by one thread at a time (the
 * poller's), except rqlite_node(), which any thread may call: `current` is
 * an atomic index into the immutable URL list. libcurl's global init runs
 * once under pthread_once.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/log.h"
#include "core/source/delta.h"
#include "core/source/rqlite_backup.h"
#include "core/source/rqlite_json.h"
#include "core/source/source.h"

#define POOLDNS_RQLITE_MAX_RESPONSE       (256L * 1024 * 1024)
#define RQLITE_MAX_REDIRS                 3L
#define RQLITE_DEFAULT_CONNECT_TIMEOUT_MS 1000L
#define RQLITE_DEFAULT_TIMEOUT_MS         3000L
#define RQLITE_URL_MAX                    2048

struct rqlite_source {
	struct pooldns_source base;          /* must be first */
	char *urls[POOLDNS_RQLITE_MAX_URLS]; /* trailing '/' removed */
	size_t nurls;
	/* Node that answered last: written by the thread using the source,
	 * read by rqlite_node() on any thread. */
	_Atomic size_t current;
	char *user;     /* NULL: no auth */
	char *password;
	char *ca_file;
	enum pooldns_rqlite_level level;
	long connect_timeout_ms;
	long timeout_ms;
	enum pooldns_rqlite_full_load full_load;
	char *backup_dir;
	bool backup_failing; /* the last backup failed (logged once per transition) */
	CURL *curl;
	struct curl_slist *headers;
	char *describe;
	/* response body of the request in flight */
	char *buf;
	size_t len, cap;
	bool too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Appends to a NUL-terminated message, truncating at errsz. */
static void append_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append_err(char *err, size_t errsz, const char *fmt, ...)
{
	if (err == NULL || errsz == 0)
		return;
	size_t used = strnlen(err, errsz);
	if (used + 1 >= errsz)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + used, errsz - used, fmt, ap);
	va_end(ap);
}

int pooldns_rqlite_level_parse(const char *s, enum pooldns_rqlite_level *out)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "none") == 0)
		*out = POOLDNS_RQLITE_NONE;
	else if (strcmp(s, "weak") == 0)
		*out = POOLDNS_RQLITE_WEAK;
	else if (strcmp(s, "strong") == 0)
		*out = POOLDNS_RQLITE_STRONG;
	else
		return -1;
	return 0;
}

const char *pooldns_rqlite_level_name(enum pooldns_rqlite_level level)
{
	switch (level) {
	case POOLDNS_RQLITE_NONE:
		return "none";
	case POOLDNS_RQLITE_WEAK:
		return "weak";
	case POOLDNS_RQLITE_STRONG:
		return "strong";
	}
	return "unknown";
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct rqlite_source *s = ud;
	size_t n = size * nmemb;
	if (n > (size_t)POOLDNS_RQLITE_MAX_RESPONSE - s->len) {
		s->too_big = true;
		return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *nb = realloc(s->buf, cap);
		if (nb == NULL)
			return 0;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Checks one configured URL: http(s)://, a host, no spaces or controls. */
static int check_url(const char *u, char *err, size_t errsz)
{
	size_t skip;
	if (strncasecmp(u, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(u, "https://", 8) == 0)
		skip = 8;
	else {
		pooldns_set_err(err, errsz, "rqlite url '%s': must start with http:// or https://",
				u);
		return -1;
	}
	size_t len = strlen(u);
	if (len >= RQLITE_URL_MAX) {
		pooldns_set_err(err, errsz, "rqlite url '%.64s...': too long", u);
		return -1;
	}
	if (u[skip] == '\0' || u[skip] == '/') {
		pooldns_set_err(err, errsz, "rqlite url '%s': no host", u);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)u[i];
		if (ch <= 0x20 || ch == 0x7f) {
			pooldns_set_err(err, errsz,
					"rqlite url '%s': contains a space or control character",
					u);
			return -1;
		}
	}
	if (strpbrk(u + skip, "?#") != NULL) {
		pooldns_set_err(err, errsz, "rqlite url '%s': must not have a query or fragment",
				u);
		return -1;
	}
	return 0;
}

static bool is_https(const char *u)
{
	return strncasecmp(u, "https://", 8) == 0;
}

static const char *rqlite_node(struct pooldns_source *src)
{
	const struct rqlite_source *s = (const struct rqlite_source *)src;

	return s->urls[atomic_load_explicit(&s->current, memory_order_relaxed)];
}

static const char *rqlite_describe(struct pooldns_source *src)
{
	return ((struct rqlite_source *)src)->describe;
}

static void rqlite_destroy(struct pooldns_source *src)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	for (size_t i = 0; i < s->nurls; i++)
		free(s->urls[i]);
	free(s->user);
	if (s->password != NULL) {
		/* Do not leave the secret in freed heap memory. */
		volatile char *p = s->password;
		while (*p != '\0')
			*p++ = '\0';
		free(s->password);
	}
	free(s->ca_file);
	free(s->backup_dir);
	free(s->describe);
	free(s->buf);
	free(s);
}

/* Copies b into a short printable excerpt for error messages. */
static void excerpt(const char *b, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < outsz; i++) {
		unsigned char ch = (unsigned char)b[i];
		if (ch == '\r' || ch == '\n' || ch == '\t')
			ch = ' ';
		else if (ch < 0x20 || ch >= 0x7f)
			ch = '?';
		if (ch == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = (char)ch;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (outsz > 0)
		out[o] = '\0';
}

/* One /db/query request. */
struct request {
	const char *body;
	bool tx;              /* "&transaction": one read transaction for all statements */
	const bool *optional; /* per statement: may fail without failing the request; or NULL */
	char *opt_err;        /* the first such failure, "rqlite <node>: <error>" */
	size_t opt_errsz;
};

/*
 * One POST of the request to node i, parsing n results into out. 0, or -1
 * with this node's error (without the node prefix) in err.
 */
static int query_node(struct rqlite_source *s, size_t i, const struct request *rq,
		      struct pooldns_table **out, size_t n, char *err, size_t errsz)
{
	const char *body = rq->body;
	char url[RQLITE_URL_MAX + 64];
	snprintf(url, sizeof url, "%s/db/query?level=%s%s", s->urls[i],
		 pooldns_rqlite_level_name(s->level), rq->tx ? "&transaction" : "");
	char cerr[CURL_ERROR_SIZE];
	cerr[0] = '\0';
	s->len = 0;
	s->too_big = false;
	if (s->buf != NULL)
		s->buf[0] = '\0';

	CURL *c = s->curl;
	CURLcode rc = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(c, opt, val);                                        \
	} while (0)
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_ERRORBUFFER, cerr);
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_POSTFIELDS, body);
	SETOPT(CURLOPT_POSTFIELDSIZE, (long)strlen(body));
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, is_https(s->urls[i]) ? "https" : "http,https");
#else
	SETOPT(CURLOPT_REDIR_PROTOCOLS, is_https(s->urls[i])
						? (long)CURLPROTO_HTTPS
						: (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
#undef SETOPT
	if (rc != CURLE_OK) {
		pooldns_set_err(err, errsz, "setting up the request: %s", curl_easy_strerror(rc));
		return -1;
	}

	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		if (s->too_big)
			pooldns_set_err(err, errsz, "response larger than %ld bytes",
					POOLDNS_RQLITE_MAX_RESPONSE);
		else
			pooldns_set_err(err, errsz, "%s",
					cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		return -1;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		char ex[128];
		excerpt(s->buf != NULL ? s->buf : "", s->len, ex, sizeof ex);
		const char *hint = "";
		if (status == 401 || status == 403)
			hint = " (authentication failed: check rqlite user and password)";
		else if (status >= 300 && status < 400)
			hint = " (redirect not followed)";
		else if (status == 503)
			hint = " (no leader?)";
		pooldns_set_err(err, errsz, "HTTP %ld%s%s%s", status, hint, ex[0] ? ": " : "", ex);
		return -1;
	}
	char opt[512];
	if (pooldns_rqlite_parse_results_opt(s->buf != NULL ? s->buf : "", s->len, out, n,
					     rq->optional, opt, sizeof opt, err, errsz) != 0) {
		if (err != NULL && errsz > 0 && strstr(err, "no such table") != NULL)
			append_err(err, errsz, " (schema not loaded?)");
		return -1;
	}
	if (rq->opt_err != NULL && rq->opt_errsz > 0) {
		rq->opt_err[0] = '\0';
		if (opt[0] != '\0')
			pooldns_set_err(rq->opt_err, rq->opt_errsz, "rqlite %s: %s", s->urls[i],
					opt);
	}
	return 0;
}

/*
 * Runs the request on the first node that answers, starting at the last
 * good one. 0, or -1 naming every node's error.
 */
static int query(struct rqlite_source *s, const struct request *rq, struct pooldns_table **out,
		 size_t n, char *err, size_t errsz)
{
	char one[512];
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	for (size_t k = 0; k < s->nurls; k++) {
		size_t i = (s->current + k) % s->nurls;
		one[0] = '\0';
		if (query_node(s, i, rq, out, n, one, sizeof one) == 0) {
			if (i != s->current)
				pooldns_log(POOLDNS_LOG_DEBUG, "rqlite: now using node %s",
					    s->urls[i]);
			s->current = i;
			return 0;
		}
		pooldns_log(POOLDNS_LOG_DEBUG, "rqlite %s: %s", s->urls[i], one);
		if (k == 0)
			append_err(err, errsz, "rqlite %s: %s", s->urls[i], one);
		else
			append_err(err, errsz, "; %s: %s", s->urls[i], one);
	}
	return -1;
}

/* One statement of a request body: the SQL string alone or, when it has
 * values, ["SQL", param, int, ...] (positional: ?1, ?2, ...). NULL on OOM. */
static json_t *stmt_json(const struct pooldns_sql_stmt *st)
{
	if (st->param == NULL && st->nints == 0)
		return json_string(st->sql);
	json_t *e = json_array();
	if (e == NULL || json_array_append_new(e, json_string(st->sql)) != 0)
		goto oom;
	if (st->param != NULL && json_array_append_new(e, json_string(st->param)) != 0)
		goto oom;
	for (size_t k = 0; k < st->nints && k < POOLDNS_SQL_MAX_INTS; k++)
		if (json_array_append_new(e, json_integer((json_int_t)st->ints[k])) != 0)
			goto oom;
	return e;
oom:
	json_decref(e);
	return NULL;
}

/* rqlite's /db/query body: a JSON array with one entry per statement.
 * Caller frees. */
static char *make_body(const struct pooldns_sql_stmt *st, size_t n)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(a, stmt_json(&st[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	char *body = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return body;
}

#define RQLITE_MAX_STMTS 8

/*
 * Runs n statements in one request (tx: in one read transaction on the
 * node) into out. Optional statements that failed leave NULL and their
 * first error in opt_err. 0, or -1 with err.
 */
static int run(struct rqlite_source *s, const struct pooldns_sql_stmt *st, size_t n, bool tx,
	       struct pooldns_table **out, char *opt_err, size_t opt_errsz, char *err, size_t errsz)
{
	bool optional[RQLITE_MAX_STMTS];
	for (size_t i = 0; i < n && i < RQLITE_MAX_STMTS; i++)
		optional[i] = st[i].optional;
	if (n > RQLITE_MAX_STMTS) {
		pooldns_set_err(err, errsz, "%s: %zu statements in one request, at most %d",
				s->describe, n, RQLITE_MAX_STMTS);
		return -1;
	}
	char *body = make_body(st, n);
	if (body == NULL) {
		pooldns_set_err(err, errsz, "%s: out of memory", s->describe);
		return -1;
	}
	struct request rq = {
		.body = body,
		.tx = tx,
		.optional = optional,
		.opt_err = opt_err,
		.opt_errsz = opt_errsz,
	};
	int rc = query(s, &rq, out, n, err, errsz);
	free(body);
	return rc;
}

/* "rqlite <url>" of the node that answered last: how errors in its answer
 * are prefixed. Node URLs are shorter than RQLITE_URL_MAX (check_url). */
static void current_node(const struct rqlite_source *s, char *who, size_t whosz)
{
	snprintf(who, whosz, "rqlite %s", s->urls[s->current]);
}

static int rqlite_version(struct pooldns_source *src, int64_t *version, char *err, size_t errsz)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	struct pooldns_table *t = NULL;
	int rc = run(s, pooldns_sql_version, 1, false, &t, NULL, 0, err, errsz);
	if (rc != 0)
		return -1;
	char who[RQLITE_URL_MAX + sizeof "rqlite "];
	current_node(s, who, sizeof who);
	rc = pooldns_table_data_version(t, who, version, err, errsz);
	pooldns_table_free(t);
	return rc;
}

static int rqlite_load(struct pooldns_source *src, struct pooldns_dataset *out, char *err,
		       size_t errsz)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	out->version = 0;
	out->pools = NULL;
	out->members = NULL;
	struct pooldns_table *t[3] = { NULL, NULL, NULL };
	if (run(s, pooldns_sql_load, 3, false, t, NULL, 0, err, errsz) != 0)
		return -1;
	char who[RQLITE_URL_MAX + sizeof "rqlite "];
	current_node(s, who, sizeof who);
	return pooldns_dataset_from_results(out, t, who, err, errsz);
}

static int rqlite_position(struct pooldns_source *src, struct pooldns_position *pos, char *err,
			   size_t errsz)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	struct pooldns_table *t[POOLDNS_SQL_POSITION_N];
	char opt[512];
	if (run(s, pooldns_sql_position, POOLDNS_SQL_POSITION_N, true, t, opt, sizeof opt, err,
		errsz) != 0)
		return -1;
	char who[RQLITE_URL_MAX + sizeof "rqlite "];
	current_node(s, who, sizeof who);
	return pooldns_position_from_results(pos, t, who, opt, err, errsz);
}

static int rqlite_changes(struct pooldns_source *src, int64_t since, size_t max,
			  struct pooldns_delta *out, char *err, size_t errsz)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	memset(out, 0, sizeof *out);
	struct pooldns_sql_stmt st[POOLDNS_SQL_CHANGES_N];
	if (pooldns_sql_changes(st, since, max, s->describe, err, errsz) != 0)
		return -1;
	struct pooldns_table *t[POOLDNS_SQL_CHANGES_N];
	char opt[512];
	if (run(s, st, POOLDNS_SQL_CHANGES_N, true, t, opt, sizeof opt, err, errsz) != 0)
		return -1;
	char who[RQLITE_URL_MAX + sizeof "rqlite "];
	current_node(s, who, sizeof who);
	return pooldns_delta_from_results(out, t, since, max, who, opt, err, errsz);
}

static int rqlite_load_page(struct pooldns_source *src, int64_t after_id, size_t max_pools,
			    struct pooldns_dataset *out, int64_t *last_id, char *err, size_t errsz)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	memset(out, 0, sizeof *out);
	struct pooldns_sql_stmt st[POOLDNS_SQL_PAGE_N];
	if (pooldns_sql_page(st, after_id, max_pools, s->describe, err, errsz) != 0)
		return -1;
	struct pooldns_table *t[POOLDNS_SQL_PAGE_N];
	if (run(s, st, POOLDNS_SQL_PAGE_N, true, t, NULL, 0, err, errsz) != 0)
		return -1;
	char who[RQLITE_URL_MAX + sizeof "rqlite "];
	current_node(s, who, sizeof who);
	return pooldns_page_from_results(out, last_id, t, after_id, max_pools, who, err, errsz);
}

static int setup_curl(struct rqlite_source *s, CURL *c, char *err, size_t errsz);

/*
 * A backup copy from the first node that sends one, starting at the last
 * good node. Consistency level none asks the node itself ("noleader");
 * otherwise a follower passes the request to the leader, which then
 * answers from its own database, as a weak read does. One easy handle per
 * backup: the request handle keeps its limits for /db/query.
 */
static int backup_copy(struct rqlite_source *s, struct pooldns_source **copy, char *err,
		       size_t errsz)
{
	CURL *c = curl_easy_init();
	if (c == NULL) {
		pooldns_set_err(err, errsz, "curl_easy_init failed");
		return -1;
	}
	if (setup_curl(s, c, err, errsz) != 0) {
		curl_easy_cleanup(c);
		return -1;
	}
	const char *dir = s->backup_dir;
	if (dir == NULL || dir[0] == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = "/var/tmp";
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	int rc = -1;
	for (size_t k = 0; k < s->nurls && rc != 0; k++) {
		size_t i = (s->current + k) % s->nurls;
		char url[RQLITE_URL_MAX + 64], desc[RQLITE_URL_MAX + 64], one[512];
		snprintf(url, sizeof url, "%s/db/backup%s", s->urls[i],
			 s->level == POOLDNS_RQLITE_NONE ? "?noleader" : "");
		snprintf(desc, sizeof desc, "rqlite %s (backup copy)", s->urls[i]);
		one[0] = '\0';
		rc = pooldns_rqlite_backup_fetch(c, url, dir, desc, copy, one, sizeof one);
		if (rc == 0)
			s->current = i;
		else
			append_err(err, errsz, "%srqlite %s: %s", k == 0 ? "" : "; ", s->urls[i],
				   one);
	}
	curl_easy_cleanup(c);
	return rc;
}

static int rqlite_copy(struct pooldns_source *src, struct pooldns_source **copy, char *err,
		       size_t errsz)
{
	struct rqlite_source *s = (struct rqlite_source *)src;
	char why[1024];

	*copy = NULL;
	if (s->full_load == POOLDNS_RQLITE_FULL_QUERY)
		return 1;
	if (backup_copy(s, copy, why, sizeof why) == 0) {
		if (s->backup_failing)
			pooldns_log(POOLDNS_LOG_NOTICE,
				    "%s: full loads from a backup copy work again", s->describe);
		s->backup_failing = false;
		return 0;
	}
	if (s->full_load == POOLDNS_RQLITE_FULL_BACKUP) {
		pooldns_set_err(err, errsz, "backup copy: %s", why);
		return -1;
	}
	if (!s->backup_failing)
		pooldns_log(POOLDNS_LOG_WARNING,
			    "%s: no backup copy for the full load (%s); loading page by page "
			    "until a backup works again",
			    s->describe, why);
	s->backup_failing = true;
	return 1;
}

static const struct pooldns_source_ops rqlite_ops = {
	.name = "rqlite",
	.version = rqlite_version,
	.load = rqlite_load,
	.position = rqlite_position,
	.changes = rqlite_changes,
	.load_page = rqlite_load_page,
	.copy = rqlite_copy,
	.describe = rqlite_describe,
	.node = rqlite_node,
	.destroy = rqlite_destroy,
};

static char *dup_or_null(const char *s, bool *oom)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

/* Options that stay the same for every request made with c. */
static int setup_curl(struct rqlite_source *s, CURL *c, char *err, size_t errsz)
{
	CURLcode rc = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(c, opt, val);                                        \
	} while (0)
	SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, RQLITE_MAX_REDIRS);
	SETOPT(CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, s->timeout_ms);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)POOLDNS_RQLITE_MAX_RESPONSE);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, s);
	SETOPT(CURLOPT_HTTPHEADER, s->headers);
	SETOPT(CURLOPT_USERAGENT, "pooldns/" PACKAGE_VERSION);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	if (s->ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, s->ca_file);
	if (s->user != NULL) {
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(CURLOPT_USERNAME, s->user);
		SETOPT(CURLOPT_PASSWORD, s->password != NULL ? s->password : "");
		/* Credentials follow a redirect to the leader; https sources
		 * only redirect to https (see query_node). */
		SETOPT(CURLOPT_UNRESTRICTED_AUTH, 1L);
	}
#undef SETOPT
	if (rc != CURLE_OK) {
		pooldns_set_err(err, errsz, "rqlite: libcurl option: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

struct pooldns_source *pooldns_source_rqlite_new(const struct pooldns_rqlite_opts *opts, char *err,
						 size_t errsz)
{
	if (opts == NULL || opts->nurls == 0) {
		pooldns_set_err(err, errsz, "rqlite: no url given");
		return NULL;
	}
	if (opts->nurls > POOLDNS_RQLITE_MAX_URLS) {
		pooldns_set_err(err, errsz, "rqlite: %zu urls, at most %d", opts->nurls,
				POOLDNS_RQLITE_MAX_URLS);
		return NULL;
	}
	for (size_t i = 0; i < opts->nurls; i++) {
		if (opts->urls[i] == NULL) {
			pooldns_set_err(err, errsz, "rqlite: url %zu missing", i + 1);
			return NULL;
		}
		if (check_url(opts->urls[i], err, errsz) != 0)
			return NULL;
	}
	if (opts->level != POOLDNS_RQLITE_NONE && opts->level != POOLDNS_RQLITE_WEAK &&
	    opts->level != POOLDNS_RQLITE_STRONG) {
		pooldns_set_err(err, errsz, "rqlite: unknown consistency level %d",
				(int)opts->level);
		return NULL;
	}
	if (opts->full_load != POOLDNS_RQLITE_FULL_AUTO &&
	    opts->full_load != POOLDNS_RQLITE_FULL_BACKUP &&
	    opts->full_load != POOLDNS_RQLITE_FULL_QUERY) {
		pooldns_set_err(err, errsz, "rqlite: unknown full-load mode %d",
				(int)opts->full_load);
		return NULL;
	}
	if (opts->connect_timeout_ms < 0 || opts->timeout_ms < 0) {
		pooldns_set_err(err, errsz, "rqlite: timeouts must not be negative");
		return NULL;
	}
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		pooldns_set_err(err, errsz, "rqlite: libcurl init failed: %s",
				curl_easy_strerror(curl_init_rc));
		return NULL;
	}

	struct rqlite_source *s = calloc(1, sizeof *s);
	if (s == NULL) {
		pooldns_set_err(err, errsz, "rqlite: out of memory");
		return NULL;
	}
	s->base.ops = &rqlite_ops;
	s->level = opts->level;
	s->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms
							 : RQLITE_DEFAULT_CONNECT_TIMEOUT_MS;
	s->timeout_ms = opts->timeout_ms ? opts->timeout_ms : RQLITE_DEFAULT_TIMEOUT_MS;
	bool oom = false;
	size_t desc_len = strlen("rqlite ") + 1;
	for (size_t i = 0; i < opts->nurls; i++) {
		s->urls[i] = dup_or_null(opts->urls[i], &oom);
		if (s->urls[i] == NULL)
			break;
		s->nurls++;
		size_t l = strlen(s->urls[i]);
		while (l > 0 && s->urls[i][l - 1] == '/')
			s->urls[i][--l] = '\0';
		desc_len += l + 1;
	}
	if (opts->user != NULL && opts->user[0] != '\0') {
		s->user = dup_or_null(opts->user, &oom);
		s->password = dup_or_null(opts->password != NULL ? opts->password : "", &oom);
	}
	s->ca_file = dup_or_null(opts->ca_file, &oom);
	s->full_load = opts->full_load;
	s->backup_dir = dup_or_null(opts->backup_dir, &oom);
	s->describe = malloc(desc_len);
	if (s->describe == NULL)
		oom = true;
	if (!oom) {
		strcpy(s->describe, "rqlite ");
		for (size_t i = 0; i < s->nurls; i++) {
			if (i > 0)
				strcat(s->describe, ",");
			strcat(s->describe, s->urls[i]);
		}
		struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
		if (h != NULL) {
			s->headers = h;
			/* No "Expect: 100-continue" round trip on big bodies. */
			h = curl_slist_append(s->headers, "Expect:");
			if (h != NULL)
				s->headers = h;
		}
		if (h == NULL)
			oom = true;
	}
	if (oom) {
		pooldns_set_err(err, errsz, "rqlite: out of memory");
		rqlite_destroy(&s->base);
		return NULL;
	}
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		pooldns_set_err(err, errsz, "rqlite: curl_easy_init failed");
		rqlite_destroy(&s->base);
		return NULL;
	}
	if (setup_curl(s, s->curl, err, errsz) != 0) {
		rqlite_destroy(&s->base);
		return NULL;
	}
	return &s->base;
}
