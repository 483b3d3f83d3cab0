/*
 * hstore.c — the harness's data store access (see hstore.h): rqlite over
 * HTTP with libcurl (every request bounded by a timeout, every result of
 * /db/execute checked for "error"), or a SQLite file opened per operation
 * with foreign keys on and a busy timeout.
 *
 * Owns: its curl easy handle and copies of the URL/path. Thread model:
 * single-threaded.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "hstore.h"

#define BODY_MAX    (4u * 1024u * 1024u)
#define VERSION_SQL "SELECT value FROM pooldns_meta WHERE key = 'data_version'"

struct pooldns_hstore {
	bool rqlite;
	char *where; /* URL without trailing '/', or the file path */
	char describe[512];
	uint32_t timeout_ms;
	CURL *curl;
};

struct body {
	char *data;
	size_t len;
	bool overflow;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;
	if (b->len + n + 1 > BODY_MAX) {
		b->overflow = true;
		return 0;
	}
	char *nd = realloc(b->data, b->len + n + 1);
	if (nd == NULL)
		return 0;
	b->data = nd;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

struct pooldns_hstore *pooldns_hstore_rqlite(const char *url, uint32_t timeout_ms, char *err,
					     size_t errsz)
{
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(err, errsz, "rqlite URL '%s' must start with http:// or https://", url);
		return NULL;
	}
	struct pooldns_hstore *st = calloc(1, sizeof *st);
	if (st == NULL || (st->where = strdup(url)) == NULL) {
		free(st);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	size_t l = strlen(st->where);
	while (l > 0 && st->where[l - 1] == '/')
		st->where[--l] = '\0';
	st->rqlite = true;
	st->timeout_ms = timeout_ms;
	snprintf(st->describe, sizeof st->describe, "rqlite %s", st->where);
	st->curl = curl_easy_init();
	if (st->curl == NULL) {
		pooldns_hstore_close(st);
		snprintf(err, errsz, "curl_easy_init failed");
		return NULL;
	}
	return st;
}

struct pooldns_hstore *pooldns_hstore_sqlite(const char *path, uint32_t timeout_ms, char *err,
					     size_t errsz)
{
	struct pooldns_hstore *st = calloc(1, sizeof *st);
	if (st == NULL || (st->where = strdup(path)) == NULL) {
		free(st);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	st->timeout_ms = timeout_ms;
	snprintf(st->describe, sizeof st->describe, "sqlite %s", path);
	return st;
}

const char *pooldns_hstore_describe(const struct pooldns_hstore *st)
{
	return st->describe;
}

void pooldns_hstore_close(struct pooldns_hstore *st)
{
	if (st == NULL)
		return;
	if (st->curl != NULL)
		curl_easy_cleanup(st->curl);
	free(st->where);
	free(st);
}

/* POSTs a JSON array with one statement to PATH; parses the reply into
 * *out (caller decrefs). 0 or -1 with err. */
static int rqlite_post(struct pooldns_hstore *st, const char *path, const char *sql, json_t **out,
		       char *err, size_t errsz)
{
	*out = NULL;
	json_t *arr = json_array();
	if (arr == NULL || json_array_append_new(arr, json_string(sql)) != 0) {
		json_decref(arr);
		snprintf(err, errsz, "statement is not valid UTF-8 or out of memory");
		return -1;
	}
	char *payload = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (payload == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	char url[1200];
	snprintf(url, sizeof url, "%s%s", st->where, path);
	struct body b = { 0 };
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *c = st->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)st->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)st->timeout_ms);
	/* A follower redirects writes to the leader: follow, still POSTing. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	free(payload);
	int rc = -1;
	if (cc != CURLE_OK) {
		snprintf(err, errsz, "POST %s: %s", path,
			 b.overflow ? "response too large" : curl_easy_strerror(cc));
	} else if (status != 200) {
		snprintf(err, errsz, "POST %s: HTTP %ld: %.200s", path, status,
			 b.data != NULL ? b.data : "");
	} else {
		json_error_t je;
		json_t *root = json_loadb(b.data != NULL ? b.data : "", b.len, 0, &je);
		if (root == NULL || !json_is_object(root)) {
			snprintf(err, errsz, "POST %s: bad JSON reply: %s", path,
				 root == NULL ? je.text : "not an object");
			json_decref(root);
		} else {
			json_t *e = json_object_get(root, "error");
			if (json_is_string(e)) {
				snprintf(err, errsz, "POST %s: %s", path, json_string_value(e));
				json_decref(root);
			} else {
				*out = root;
				rc = 0;
			}
		}
	}
	free(b.data);
	return rc;
}

/* The single result object of a one-statement request, or NULL with err. */
static json_t *only_result(json_t *root, char *err, size_t errsz)
{
	json_t *res = json_object_get(root, "results");
	if (!json_is_array(res) || json_array_size(res) != 1 ||
	    !json_is_object(json_array_get(res, 0))) {
		snprintf(err, errsz, "rqlite reply has no single result object");
		return NULL;
	}
	json_t *r = json_array_get(res, 0);
	json_t *e = json_object_get(r, "error");
	if (e != NULL) {
		snprintf(err, errsz, "%s",
			 json_is_string(e) ? json_string_value(e) : "error (not a string)");
		return NULL;
	}
	return r;
}

static int sqlite_open(struct pooldns_hstore *st, sqlite3 **db, char *err, size_t errsz)
{
	*db = NULL;
	int rc = sqlite3_open_v2(st->where, db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s", *db != NULL ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, (int)st->timeout_ms);
	char *msg = NULL;
	if (sqlite3_exec(*db, "PRAGMA foreign_keys = ON", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errsz, "%s", msg != NULL ? msg : "PRAGMA foreign_keys failed");
		sqlite3_free(msg);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

int pooldns_hstore_execute(struct pooldns_hstore *st, const char *sql, char *err, size_t errsz)
{
	if (st->rqlite) {
		json_t *root;
		if (rqlite_post(st, "/db/execute", sql, &root, err, errsz) != 0)
			return -1;
		int rc = only_result(root, err, errsz) != NULL ? 0 : -1;
		json_decref(root);
		return rc;
	}
	sqlite3 *db;
	if (sqlite_open(st, &db, err, errsz) != 0)
		return -1;
	char *msg = NULL;
	int rc = 0;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errsz, "%s", msg != NULL ? msg : sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc;
}

int pooldns_hstore_data_version(struct pooldns_hstore *st, int64_t *version, char *err,
				size_t errsz)
{
	if (st->rqlite) {
		json_t *root;
		if (rqlite_post(st, "/db/query", VERSION_SQL, &root, err, errsz) != 0)
			return -1;
		int rc = -1;
		json_t *r = only_result(root, err, errsz);
		if (r != NULL) {
			json_t *vals = json_object_get(r, "values");
			json_t *row = json_is_array(vals) ? json_array_get(vals, 0) : NULL;
			json_t *v = json_is_array(row) ? json_array_get(row, 0) : NULL;
			if (json_is_integer(v)) {
				*version = (int64_t)json_integer_value(v);
				rc = 0;
			} else {
				snprintf(err, errsz, "no integer data_version row in pooldns_meta");
			}
		}
		json_decref(root);
		return rc;
	}
	sqlite3 *db;
	if (sqlite_open(st, &db, err, errsz) != 0)
		return -1;
	sqlite3_stmt *stmt = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, VERSION_SQL, -1, &stmt, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s", sqlite3_errmsg(db));
	} else {
		int s = sqlite3_step(stmt);
		if (s == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_INTEGER) {
			*version = sqlite3_column_int64(stmt, 0);
			rc = 0;
		} else if (s == SQLITE_ROW || s == SQLITE_DONE) {
			snprintf(err, errsz, "no integer data_version row in pooldns_meta");
		} else {
			snprintf(err, errsz, "%s", sqlite3_errmsg(db));
		}
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return rc;
}
