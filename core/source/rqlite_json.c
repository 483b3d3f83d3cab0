/*
 * rqlite_json.c — strict parser for rqlite's /db/query JSON (see
 * rqlite_json.h), turning each statement result into a pooldns_table.
 *
 * Owns: nothing beyond each call; the tables it returns belong to the
 * caller. Everything the network (or a cache file) sends is checked: wrong
 * shapes, wrong counts, cells of a kind SQLite cannot produce, integers
 * beyond int64 (jansson refuses them while parsing) and duplicate keys all
 * fail with a message naming the JSON path, e.g.
 * "results[1].values[3][2]: boolean not allowed". The "types" array is
 * ignored on purpose: rqlite leaves it empty for expressions and it adds
 * nothing the JSON value kinds do not already say. A statement error fails
 * the parse, except on statements the caller marks optional (the change
 * log's, which a schema 1 database does not have): their table is NULL and
 * the caller decides.
 *
 * Thread model: pure functions, no shared state; safe from any thread.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/log.h"
#include "core/source/rqlite_json.h"

const char *pooldns_rqlite_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown value";
}

/* Copies an rqlite error text; an empty one still yields a message. */
static void set_remote_err(char *err, size_t errsz, const char *where, const char *text)
{
	if (text[0] != '\0')
		pooldns_set_err(err, errsz, "%s", text);
	else
		pooldns_set_err(err, errsz, "%s: empty error message", where);
}

/* Text is borrowed from v (a table copies it). */
int pooldns_rqlite_json_cell(const json_t *v, struct pooldns_cell *c)
{
	memset(c, 0, sizeof *c);
	switch (json_typeof(v)) {
	case JSON_NULL:
		c->type = POOLDNS_CELL_NULL;
		return 0;
	case JSON_INTEGER:
		c->type = POOLDNS_CELL_INT;
		c->i = (int64_t)json_integer_value(v);
		return 0;
	case JSON_REAL:
		c->type = POOLDNS_CELL_REAL;
		c->r = json_real_value(v);
		return 0;
	case JSON_STRING:
		c->type = POOLDNS_CELL_TEXT;
		c->s = (char *)json_string_value(v);
		return 0;
	default:
		return -1;
	}
}

static int parse_one(const json_t *res, const char *where, size_t idx, struct pooldns_table **out,
		     char *err, size_t errsz)
{
	*out = NULL;
	if (!json_is_object(res)) {
		pooldns_set_err(err, errsz, "%s[%zu]: expected an object, got %s", where, idx,
				pooldns_rqlite_json_kind(res));
		return -1;
	}
	const json_t *e = json_object_get(res, "error");
	if (e != NULL) {
		if (json_is_string(e)) {
			char w[64];
			snprintf(w, sizeof w, "%s[%zu].error", where, idx);
			set_remote_err(err, errsz, w, json_string_value(e));
		} else {
			pooldns_set_err(err, errsz, "%s[%zu].error: expected a string, got %s",
					where, idx, pooldns_rqlite_json_kind(e));
		}
		return -1;
	}
	const json_t *cols = json_object_get(res, "columns");
	if (cols == NULL) {
		pooldns_set_err(err, errsz, "%s[%zu]: no \"columns\" (not a query result?)", where,
				idx);
		return -1;
	}
	if (!json_is_array(cols)) {
		pooldns_set_err(err, errsz, "%s[%zu].columns: expected an array, got %s", where,
				idx, pooldns_rqlite_json_kind(cols));
		return -1;
	}
	size_t ncols = json_array_size(cols);
	if (ncols == 0) {
		pooldns_set_err(err, errsz, "%s[%zu].columns: empty", where, idx);
		return -1;
	}
	const char **names = calloc(ncols, sizeof *names);
	if (names == NULL) {
		pooldns_set_err(err, errsz, "%s[%zu]: out of memory", where, idx);
		return -1;
	}
	for (size_t c = 0; c < ncols; c++) {
		const json_t *cn = json_array_get(cols, c);
		if (!json_is_string(cn)) {
			pooldns_set_err(err, errsz,
					"%s[%zu].columns[%zu]: expected a string, got %s", where,
					idx, c, pooldns_rqlite_json_kind(cn));
			free(names);
			return -1;
		}
		names[c] = json_string_value(cn);
	}
	struct pooldns_table *t = pooldns_table_new(ncols, names);
	free(names);
	if (t == NULL) {
		pooldns_set_err(err, errsz, "%s[%zu]: out of memory", where, idx);
		return -1;
	}

	const json_t *vals = json_object_get(res, "values");
	if (vals == NULL || json_is_null(vals)) {
		*out = t;
		return 0;
	}
	if (!json_is_array(vals)) {
		pooldns_set_err(err, errsz, "%s[%zu].values: expected an array, got %s", where, idx,
				pooldns_rqlite_json_kind(vals));
		pooldns_table_free(t);
		return -1;
	}
	struct pooldns_cell *row = calloc(ncols, sizeof *row);
	if (row == NULL) {
		pooldns_set_err(err, errsz, "%s[%zu]: out of memory", where, idx);
		pooldns_table_free(t);
		return -1;
	}
	size_t nrows = json_array_size(vals);
	for (size_t r = 0; r < nrows; r++) {
		const json_t *jr = json_array_get(vals, r);
		if (!json_is_array(jr)) {
			pooldns_set_err(err, errsz,
					"%s[%zu].values[%zu]: expected an array, got %s", where,
					idx, r, pooldns_rqlite_json_kind(jr));
			goto fail;
		}
		if (json_array_size(jr) != ncols) {
			pooldns_set_err(err, errsz,
					"%s[%zu].values[%zu]: %zu cells for %zu columns", where,
					idx, r, json_array_size(jr), ncols);
			goto fail;
		}
		for (size_t c = 0; c < ncols; c++) {
			const json_t *jc = json_array_get(jr, c);
			if (pooldns_rqlite_json_cell(jc, &row[c]) != 0) {
				pooldns_set_err(err, errsz,
						"%s[%zu].values[%zu][%zu]: %s not allowed", where,
						idx, r, c, pooldns_rqlite_json_kind(jc));
				goto fail;
			}
		}
		if (pooldns_table_add_row(t, row) != 0) {
			pooldns_set_err(err, errsz, "%s[%zu].values[%zu]: out of memory", where,
					idx, r);
			goto fail;
		}
	}
	free(row);
	*out = t;
	return 0;
fail:
	free(row);
	pooldns_table_free(t);
	return -1;
}

/* The error text of a statement result, or NULL when it is not a
 * {"error": "<string>"} object. */
static const char *stmt_error(const json_t *res)
{
	const json_t *e = json_is_object(res) ? json_object_get(res, "error") : NULL;
	return json_is_string(e) ? json_string_value(e) : NULL;
}

static int parse_results(const json_t *results, const char *where, struct pooldns_table **out,
			 size_t n, const bool *optional, char *opt_err, size_t opt_errsz, char *err,
			 size_t errsz)
{
	if (where == NULL)
		where = "results";
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (opt_err != NULL && opt_errsz > 0)
		opt_err[0] = '\0';
	if (results == NULL) {
		pooldns_set_err(err, errsz, "no \"%s\"", where);
		return -1;
	}
	if (!json_is_array(results)) {
		pooldns_set_err(err, errsz, "%s: expected an array, got %s", where,
				pooldns_rqlite_json_kind(results));
		return -1;
	}
	size_t have = json_array_size(results);
	if (have != n) {
		/* A statement error is more useful than the count mismatch. */
		for (size_t i = 0; i < have; i++) {
			const json_t *e = json_object_get(json_array_get(results, i), "error");
			if (json_is_string(e)) {
				set_remote_err(err, errsz, where, json_string_value(e));
				return -1;
			}
		}
		pooldns_set_err(err, errsz, "%s: %zu statement results, expected %zu", where, have,
				n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *res = json_array_get(results, i);
		const char *text = optional != NULL && optional[i] ? stmt_error(res) : NULL;
		if (text != NULL) {
			/* out[i] stays NULL; the caller decides */
			if (opt_err != NULL && opt_errsz > 0 && opt_err[0] == '\0') {
				char w[64];
				snprintf(w, sizeof w, "%s[%zu].error", where, i);
				set_remote_err(opt_err, opt_errsz, w, text);
			}
			continue;
		}
		if (parse_one(res, where, i, &out[i], err, errsz) != 0) {
			for (size_t k = 0; k < i; k++) {
				pooldns_table_free(out[k]);
				out[k] = NULL;
			}
			return -1;
		}
	}
	return 0;
}

int pooldns_rqlite_parse_results_json(const struct json_t *results, const char *where,
				      struct pooldns_table **out, size_t n, char *err, size_t errsz)
{
	return parse_results(results, where, out, n, NULL, NULL, 0, err, errsz);
}

int pooldns_rqlite_parse_results_opt(const char *body, size_t len, struct pooldns_table **out,
				     size_t n, const bool *optional, char *opt_err,
				     size_t opt_errsz, char *err, size_t errsz)
{
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (opt_err != NULL && opt_errsz > 0)
		opt_err[0] = '\0';
	json_error_t jerr;
	json_t *root = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
				  JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		pooldns_set_err(err, errsz, "invalid JSON at line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
		return -1;
	}
	int rc = -1;
	if (!json_is_object(root)) {
		pooldns_set_err(err, errsz, "expected a JSON object, got %s",
				pooldns_rqlite_json_kind(root));
		goto out;
	}
	const json_t *e = json_object_get(root, "error");
	if (e != NULL) {
		if (json_is_string(e))
			set_remote_err(err, errsz, "error", json_string_value(e));
		else
			pooldns_set_err(err, errsz, "error: expected a string, got %s",
					pooldns_rqlite_json_kind(e));
		goto out;
	}
	rc = parse_results(json_object_get(root, "results"), "results", out, n, optional, opt_err,
			   opt_errsz, err, errsz);
out:
	json_decref(root);
	return rc;
}

int pooldns_rqlite_parse_results(const char *body, size_t len, struct pooldns_table **out, size_t n,
				 char *err, size_t errsz)
{
	return pooldns_rqlite_parse_results_opt(body, len, out, n, NULL, NULL, 0, err, errsz);
}
