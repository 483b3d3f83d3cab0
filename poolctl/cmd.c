/*
 * cmd.c — the steps every poolctl command is made of (see cmd.h): reading
 * the stored data, checking and applying a wanted data set in one
 * transaction, and the command-line values shared by the commands.
 *
 * Owns: nothing beyond each call. Thread model: single-threaded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "poolctl/cmd.h"
#include "poolctl/diff.h"
#include "poolctl/sql.h"

int pctl_read(struct pctl_ctx *c, const char *name, struct pctl_data *d)
{
	struct pctl_stmt st[3];
	struct pooldns_table *t[3] = { NULL, NULL, NULL };
	char err[2048];
	int rc = PCTL_EXIT_BACKEND;

	memset(d, 0, sizeof(*d));
	if (name != NULL)
		pctl_sql_read_pool(st, name);
	else
		pctl_sql_read_all(st);
	if (c->be->ops->query(c->be, st, 3, t, err, sizeof(err)) != 0) {
		fprintf(stderr, "poolctl: %s\n", err);
		return PCTL_EXIT_BACKEND;
	}
	if (pooldns_table_data_version(t[0], "data_version", &d->version, err, sizeof(err)) != 0 ||
	    pctl_data_from_tables(d, t[1], t[2], err, sizeof(err)) != 0) {
		fprintf(stderr, "poolctl: %s\n", err);
		pctl_data_free(d);
		goto out;
	}
	rc = PCTL_EXIT_OK;
out:
	for (int i = 0; i < 3; i++)
		pooldns_table_free(t[i]);
	return rc;
}

int pctl_read_version(struct pctl_ctx *c, int64_t *version)
{
	struct pctl_stmt st;
	struct pooldns_table *t = NULL;
	char err[2048];
	int rc = PCTL_EXIT_BACKEND;

	pctl_sql_read_version(&st);
	if (c->be->ops->query(c->be, &st, 1, &t, err, sizeof(err)) != 0 ||
	    pooldns_table_data_version(t, "data_version", version, err, sizeof(err)) != 0)
		fprintf(stderr, "poolctl: %s\n", err);
	else
		rc = PCTL_EXIT_OK;
	pooldns_table_free(t);
	return rc;
}

int pctl_apply(struct pctl_ctx *c, const struct pctl_data *cur, struct pctl_data *want,
	       const char *where, bool dry_run, bool quiet)
{
	struct pctl_errs e = { 0 };
	struct pctl_diff d;
	struct pctl_batch b = { 0 };
	char err[4096];
	int rc = PCTL_EXIT_OK;

	if (pctl_data_check(want, where, &e) != 0) {
		pctl_errs_print(&e, stderr);
		fprintf(stderr, "poolctl: nothing written\n");
		return PCTL_EXIT_INVALID;
	}
	if (pctl_diff_make(cur, want, &d) != 0 || pctl_sql_guard(&b, &cur->version) != 0 ||
	    pctl_diff_statements(&d, &b) != 0) {
		fprintf(stderr, "poolctl: out of memory\n");
		pctl_diff_free(&d);
		pctl_batch_free(&b);
		return PCTL_EXIT_BACKEND;
	}
	/* b.v[0] is the guard: nothing else, nothing to write */
	if (!dry_run && b.n > 1 &&
	    c->be->ops->execute(c->be, b.v, b.n, NULL, err, sizeof(err)) != 0) {
		if (strstr(err, PCTL_GUARD_FAILED) != NULL) {
			fprintf(stderr,
				"poolctl: the data changed after poolctl read it (data_version "
				"%lld): nothing written; run the command again\n",
				(long long)cur->version);
			rc = PCTL_EXIT_CHANGED;
		} else {
			fprintf(stderr, "poolctl: %s\npoolctl: nothing written\n", err);
			rc = PCTL_EXIT_BACKEND;
		}
		goto out;
	}
	if (!quiet) {
		if (c->json) {
			json_t *j = pctl_diff_json(&d);
			char *s = j != NULL ? pctl_json_text(j) : NULL;
			if (s == NULL) {
				fprintf(stderr, "poolctl: out of memory\n");
				rc = PCTL_EXIT_BACKEND;
			} else {
				fputs(s, stdout);
			}
			free(s);
			json_decref(j);
		} else {
			pctl_diff_print(&d, stdout);
			if (d.n == 0)
				printf("no change\n");
		}
	}
out:
	pctl_diff_free(&d);
	pctl_batch_free(&b);
	return rc;
}

int pctl_arg_name(const char *arg, char *out, size_t outsz)
{
	if (pctl_name_canonical(arg, out, outsz) != 0) {
		fprintf(stderr, "poolctl: \"%.300s\" is not a domain name\n", arg);
		return PCTL_EXIT_INVALID;
	}
	return PCTL_EXIT_OK;
}

int pctl_arg_host(const char *arg, char *out, size_t outsz)
{
	int family;
	uint8_t addr[16];

	if (pctl_host_canonical(arg, out, outsz, &family, addr) != 0) {
		fprintf(stderr, "poolctl: \"%.64s\" is not an IPv4 or IPv6 address\n", arg);
		return PCTL_EXIT_INVALID;
	}
	return PCTL_EXIT_OK;
}

int pctl_arg_columns(const struct pctl_col *cols, size_t ncols, struct pooldns_cell *cells,
		     int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char key[64], err[256];
		struct pooldns_cell v;
		int k;

		if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof(key)) {
			fprintf(stderr, "poolctl: \"%.64s\": expected COLUMN=VALUE\n", argv[i]);
			return PCTL_EXIT_USAGE;
		}
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		k = pctl_col_find(cols, ncols, key);
		if (k < 0 || k == PCTL_P_NAME || (cols == pctl_member_cols && k == PCTL_M_HOST)) {
			fprintf(stderr, "poolctl: \"%s\" is not a column that can be set here\n",
				key);
			return PCTL_EXIT_USAGE;
		}
		if (pctl_cell_from_text(&cols[k], eq + 1, &v, err, sizeof(err)) != 0) {
			fprintf(stderr, "poolctl: %s\n", err);
			return PCTL_EXIT_INVALID;
		}
		pctl_cell_clear(&cells[k]);
		cells[k] = v;
	}
	return PCTL_EXIT_OK;
}
