/*
 * rqlite_execute.c — reads rqlite's /db/execute answers: the rows each
 * statement changed, or the first statement error (see backend.h,
 * pctl_rqlite_parse_execute). Apart from the transport (backend_rqlite.c)
 * so that it is fuzzed on its own (fuzz/fuzz_poolctl_exec.c).
 *
 * Owns: nothing. Thread model: none; reentrant.
 */
#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "poolctl/backend.h"

int pctl_rqlite_parse_execute(const char *body, size_t len, size_t n, int64_t *affected, char *err,
			      size_t errsz)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	const json_t *res, *e;
	int rc = -1;

	if (root == NULL) {
		snprintf(err, errsz, "answer is not JSON (%s)", je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errsz, "answer is not a JSON object");
		goto out;
	}
	if ((e = json_object_get(root, "error")) != NULL) {
		snprintf(err, errsz, "%s", json_is_string(e) ? json_string_value(e) : "error");
		goto out;
	}
	res = json_object_get(root, "results");
	if (!json_is_array(res)) {
		snprintf(err, errsz, "answer has no \"results\" array");
		goto out;
	}
	/* A failed statement ends the results of a transaction early. */
	for (size_t i = 0; i < json_array_size(res); i++) {
		const json_t *r = json_array_get(res, i), *ra;

		if (!json_is_object(r)) {
			snprintf(err, errsz, "result %zu is not an object", i + 1);
			goto out;
		}
		if ((e = json_object_get(r, "error")) != NULL) {
			snprintf(err, errsz, "statement %zu: %s", i + 1,
				 json_is_string(e) ? json_string_value(e) : "error");
			goto out;
		}
		ra = json_object_get(r, "rows_affected");
		if (ra != NULL && (!json_is_integer(ra) || json_integer_value(ra) < 0)) {
			snprintf(err, errsz, "result %zu: rows_affected is not a count", i + 1);
			goto out;
		}
		if (affected != NULL && i < n)
			affected[i] = ra != NULL ? (int64_t)json_integer_value(ra) : 0;
	}
	if (json_array_size(res) != n) {
		snprintf(err, errsz, "%zu results for %zu statements", json_array_size(res), n);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
