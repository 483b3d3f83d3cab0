/*
 * cmd_pool.c — `poolctl pool list|show|add|set|del`.
 *
 * Owns: nothing beyond each call. Thread model: single-threaded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "poolctl/cmd.h"

static int print_json(json_t *j)
{
	char *s = j != NULL ? pctl_json_text(j) : NULL;

	json_decref(j);
	if (s == NULL) {
		fprintf(stderr, "poolctl: out of memory\n");
		return PCTL_EXIT_BACKEND;
	}
	fputs(s, stdout);
	free(s);
	return PCTL_EXIT_OK;
}

/* A stored name or host (a cell of column col) as the tables print it: as
 * it is when it is plain printable ASCII, as a quoted and escaped value
 * otherwise, so that text written to the database by other tools cannot
 * make lines or move columns. */
static const char *shown(const struct pctl_col *col, const char *s, char *buf, size_t n)
{
	struct pooldns_cell c = { .type = POOLDNS_CELL_TEXT, .s = (char *)s };

	if (s == NULL)
		return "null";
	for (const unsigned char *q = (const unsigned char *)s; *q != '\0'; q++) {
		if (*q <= ' ' || *q >= 0x7f || *q == '"') {
			pctl_cell_format(col, &c, buf, n);
			return buf;
		}
	}
	return s;
}

static size_t enabled_count(const struct pctl_pool *p)
{
	size_t n = 0;

	for (size_t j = 0; j < p->nm; j++)
		n += p->m[j].c[PCTL_M_ENABLED].type == POOLDNS_CELL_INT &&
		     p->m[j].c[PCTL_M_ENABLED].i == 1;
	return n;
}

static int pool_list(struct pctl_ctx *c)
{
	struct pctl_data d;
	int rc = pctl_read(c, NULL, &d);

	if (rc != PCTL_EXIT_OK)
		return rc;
	if (c->json) {
		json_t *a = json_array();
		for (size_t i = 0; a != NULL && i < d.np; i++) {
			const struct pctl_pool *p = &d.p[i];
			json_t *o = json_object();
			if (o == NULL || json_array_append_new(a, o) != 0 ||
			    json_object_set_new(o, "name", json_string(p->c[PCTL_P_NAME].s)) ||
			    json_object_set_new(o, "policy",
						pctl_cell_to_json(&pctl_pool_cols[3], &p->c[3])) ||
			    json_object_set_new(o, "ttl",
						pctl_cell_to_json(&pctl_pool_cols[2], &p->c[2])) ||
			    json_object_set_new(o, "members", json_integer((json_int_t)p->nm)) ||
			    json_object_set_new(o, "enabled",
						json_integer((json_int_t)enabled_count(p)))) {
				json_decref(a);
				a = NULL;
			}
		}
		rc = print_json(a);
	} else {
		printf("%-40s %-12s %6s %8s\n", "NAME", "POLICY", "TTL", "MEMBERS");
		for (size_t i = 0; i < d.np; i++) {
			const struct pctl_pool *p = &d.p[i];
			char pol[64], ttl[32], nm[300];
			pctl_cell_format(&pctl_pool_cols[3], &p->c[3], pol, sizeof(pol));
			pctl_cell_format(&pctl_pool_cols[2], &p->c[2], ttl, sizeof(ttl));
			if (pol[0] == '"') { /* plain words in the table */
				memmove(pol, pol + 1, strlen(pol));
				pol[strlen(pol) - 1] = '\0';
			}
			printf("%-40s %-12s %6s %4zu/%-3zu\n",
			       shown(&pctl_pool_cols[PCTL_P_NAME], p->c[PCTL_P_NAME].s, nm,
				     sizeof(nm)),
			       pol, ttl, enabled_count(p), p->nm);
		}
	}
	pctl_data_free(&d);
	return rc;
}

static int pool_show(struct pctl_ctx *c, const char *name)
{
	struct pctl_data d;
	int rc = pctl_read(c, name, &d);

	if (rc != PCTL_EXIT_OK)
		return rc;
	if (d.np == 0) {
		fprintf(stderr, "poolctl: no pool %s\n", name);
		pctl_data_free(&d);
		return PCTL_EXIT_NOT_FOUND;
	}
	if (c->json) {
		rc = print_json(pctl_pool_to_json(&d.p[0]));
	} else {
		const struct pctl_pool *p = &d.p[0];
		char v[512];

		for (size_t k = PCTL_P_NAME; k < POOLDNS_POOL_NCOLS; k++) {
			pctl_cell_format(&pctl_pool_cols[k], &p->c[k], v, sizeof(v));
			printf("%-18s %s\n", pctl_pool_cols[k].name, v);
		}
		printf("members            %zu (%zu enabled)\n", p->nm, enabled_count(p));
		for (size_t j = 0; j < p->nm; j++) {
			char w[32], pr[32], en[16], h[300];
			pctl_cell_format(&pctl_member_cols[3], &p->m[j].c[3], w, sizeof(w));
			pctl_cell_format(&pctl_member_cols[4], &p->m[j].c[4], pr, sizeof(pr));
			pctl_cell_format(&pctl_member_cols[5], &p->m[j].c[5], en, sizeof(en));
			printf("  %-39s weight=%s priority=%s enabled=%s\n",
			       shown(&pctl_member_cols[PCTL_M_HOST], p->m[j].c[PCTL_M_HOST].s, h,
				     sizeof(h)),
			       w, pr, en);
		}
	}
	pctl_data_free(&d);
	return rc;
}

/* add, set, del: read the pool, change a copy, apply. */
static int pool_write(struct pctl_ctx *c, const char *verb, const char *name, int argc, char **argv)
{
	struct pctl_data cur, want;
	struct pctl_pool *p;
	int rc = pctl_read(c, name, &cur);

	if (rc != PCTL_EXIT_OK)
		return rc;
	if (strcmp(verb, "add") == 0 && cur.np > 0) {
		fprintf(stderr, "poolctl: pool %s exists already\n", name);
		pctl_data_free(&cur);
		return PCTL_EXIT_EXISTS;
	}
	if (strcmp(verb, "add") != 0 && cur.np == 0) {
		fprintf(stderr, "poolctl: no pool %s\n", name);
		pctl_data_free(&cur);
		return PCTL_EXIT_NOT_FOUND;
	}
	if (pctl_data_copy(&want, &cur) != 0) {
		fprintf(stderr, "poolctl: out of memory\n");
		pctl_data_free(&cur);
		return PCTL_EXIT_BACKEND;
	}
	if (strcmp(verb, "del") == 0) {
		pctl_data_free(&want);
	} else {
		p = strcmp(verb, "add") == 0 ? pctl_data_add_pool(&want, name) : &want.p[0];
		if (p == NULL) {
			fprintf(stderr, "poolctl: out of memory\n");
			rc = PCTL_EXIT_BACKEND;
			goto out;
		}
		rc = pctl_arg_columns(pctl_pool_cols, POOLDNS_POOL_NCOLS, p->c, argc, argv);
		if (rc != PCTL_EXIT_OK)
			goto out;
	}
	rc = pctl_apply(c, &cur, &want, "", false, false);
out:
	pctl_data_free(&cur);
	pctl_data_free(&want);
	return rc;
}

int pctl_cmd_pool(struct pctl_ctx *c, int argc, char **argv)
{
	char name[POOLDNS_NAME_TEXT_MAX];
	const char *verb = argc > 0 ? argv[0] : "";
	int rc;

	if (strcmp(verb, "list") == 0 && argc == 1)
		return pool_list(c);
	if (argc < 2 || (strcmp(verb, "show") != 0 && strcmp(verb, "add") != 0 &&
			 strcmp(verb, "set") != 0 && strcmp(verb, "del") != 0)) {
		fprintf(stderr, "usage: poolctl pool list | show NAME | add NAME [COLUMN=VALUE...] "
				"| set NAME COLUMN=VALUE... | del NAME\n");
		return PCTL_EXIT_USAGE;
	}
	if ((rc = pctl_arg_name(argv[1], name, sizeof(name))) != PCTL_EXIT_OK)
		return rc;
	if ((strcmp(verb, "show") == 0 || strcmp(verb, "del") == 0) && argc != 2) {
		fprintf(stderr, "poolctl: pool %s takes only the name\n", verb);
		return PCTL_EXIT_USAGE;
	}
	if (strcmp(verb, "set") == 0 && argc < 3) {
		fprintf(stderr, "poolctl: pool set needs COLUMN=VALUE\n");
		return PCTL_EXIT_USAGE;
	}
	if (strcmp(verb, "show") == 0)
		return pool_show(c, name);
	return pool_write(c, verb, name, argc - 2, argv + 2);
}
