/*
 * data.c — the data set poolctl works on (see data.h): building it, reading
 * it from result tables, checking it with the loader's rules, sorting and
 * finding, and the export/import file (JSON, format "pooldns-pools" 1).
 *
 * Owns: every pool, member and string of a data set. Thread model: none.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/dname.h"
#include "core/model/builder.h"
#include "core/model/snapshot.h"
#include "poolctl/columns.h"
#include "poolctl/data.h"

void pctl_errs_add(struct pctl_errs *e, const char *fmt, ...)
{
	va_list ap;

	if (e->n < PCTL_ERRS_KEEP) {
		va_start(ap, fmt);
		vsnprintf(e->msg[e->n], sizeof(e->msg[e->n]), fmt, ap);
		va_end(ap);
	}
	e->n++;
}

void pctl_errs_print(const struct pctl_errs *e, FILE *f)
{
	for (size_t i = 0; i < e->n && i < PCTL_ERRS_KEEP; i++)
		fprintf(f, "%s\n", e->msg[i]);
	if (e->n > PCTL_ERRS_KEEP)
		fprintf(f, "... and %zu more\n", e->n - PCTL_ERRS_KEEP);
}

static void member_free(struct pctl_member *m)
{
	for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++)
		pctl_cell_clear(&m->c[k]);
	free(m->db_host);
}

static void pool_free(struct pctl_pool *p)
{
	for (size_t k = 0; k < POOLDNS_POOL_NCOLS; k++)
		pctl_cell_clear(&p->c[k]);
	for (size_t i = 0; i < p->nm; i++)
		member_free(&p->m[i]);
	free(p->m);
	free(p->db_name);
}

void pctl_data_free(struct pctl_data *d)
{
	for (size_t i = 0; i < d->np; i++)
		pool_free(&d->p[i]);
	free(d->p);
	memset(d, 0, sizeof(*d));
}

/* Grows *v (n used, *cap allocated) by one element of size sz. */
static void *grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 8;
	void *nv = realloc(v, nc * sz);
	if (nv != NULL)
		*cap = nc;
	return nv;
}

static int set_text(struct pooldns_cell *c, const char *s)
{
	pctl_cell_clear(c);
	c->type = POOLDNS_CELL_TEXT;
	if ((c->s = strdup(s)) == NULL) {
		c->type = POOLDNS_CELL_NULL;
		return -1;
	}
	return 0;
}

struct pctl_pool *pctl_data_add_pool(struct pctl_data *d, const char *name)
{
	struct pctl_pool *v = grow(d->p, d->np, &d->capp, sizeof(*d->p));
	struct pctl_pool *p;

	if (v == NULL)
		return NULL;
	d->p = v;
	p = &d->p[d->np];
	memset(p, 0, sizeof(*p));
	p->src = -1;
	for (size_t k = 0; k < POOLDNS_POOL_NCOLS; k++)
		if (pctl_cell_default(&pctl_pool_cols[k], &p->c[k]) != 0)
			goto oom;
	if (set_text(&p->c[PCTL_P_NAME], name) != 0)
		goto oom;
	d->np++;
	return p;
oom:
	pool_free(p);
	return NULL;
}

struct pctl_member *pctl_pool_add_member(struct pctl_pool *p, const char *host)
{
	struct pctl_member *v = grow(p->m, p->nm, &p->capm, sizeof(*p->m));
	struct pctl_member *m;

	if (v == NULL)
		return NULL;
	p->m = v;
	m = &p->m[p->nm];
	memset(m, 0, sizeof(*m));
	m->src = -1;
	for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++)
		if (pctl_cell_default(&pctl_member_cols[k], &m->c[k]) != 0)
			goto oom;
	if (set_text(&m->c[PCTL_M_HOST], host) != 0)
		goto oom;
	p->nm++;
	return m;
oom:
	member_free(m);
	return NULL;
}

int pctl_data_copy(struct pctl_data *dst, const struct pctl_data *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->version = src->version;
	for (size_t i = 0; i < src->np; i++) {
		const struct pctl_pool *sp = &src->p[i];
		struct pctl_pool *p = pctl_data_add_pool(dst, "");

		if (p == NULL)
			goto oom;
		for (size_t k = 0; k < POOLDNS_POOL_NCOLS; k++) {
			pctl_cell_clear(&p->c[k]);
			if (pctl_cell_copy(&p->c[k], &sp->c[k]) != 0)
				goto oom;
		}
		for (size_t j = 0; j < sp->nm; j++) {
			struct pctl_member *m = pctl_pool_add_member(p, "");

			if (m == NULL)
				goto oom;
			for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++) {
				pctl_cell_clear(&m->c[k]);
				if (pctl_cell_copy(&m->c[k], &sp->m[j].c[k]) != 0)
					goto oom;
			}
			m->family = sp->m[j].family;
			memcpy(m->addr, sp->m[j].addr, 16);
		}
	}
	return 0;
oom:
	pctl_data_free(dst);
	return -1;
}

void pctl_pool_del_member(struct pctl_pool *p, size_t i)
{
	member_free(&p->m[i]);
	memmove(&p->m[i], &p->m[i + 1], (p->nm - i - 1) * sizeof(*p->m));
	p->nm--;
}

/* ---- order -------------------------------------------------------------- */

static const char *text_or_empty(const struct pooldns_cell *c)
{
	return c->type == POOLDNS_CELL_TEXT ? c->s : "";
}

static int cmp_pool(const void *a, const void *b)
{
	const struct pctl_pool *x = a, *y = b;

	return strcmp(text_or_empty(&x->c[PCTL_P_NAME]), text_or_empty(&y->c[PCTL_P_NAME]));
}

static int cmp_member(const void *a, const void *b)
{
	const struct pctl_member *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : y->family == AF_INET ? 1 : x->family - y->family;
	if (x->family != 0 && (c = memcmp(x->addr, y->addr, 16)) != 0)
		return c;
	return strcmp(text_or_empty(&x->c[PCTL_M_HOST]), text_or_empty(&y->c[PCTL_M_HOST]));
}

void pctl_data_sort(struct pctl_data *d)
{
	if (d->np > 1)
		qsort(d->p, d->np, sizeof(*d->p), cmp_pool);
	for (size_t i = 0; i < d->np; i++)
		if (d->p[i].nm > 1)
			qsort(d->p[i].m, d->p[i].nm, sizeof(*d->p[i].m), cmp_member);
}

long pctl_pool_find_member(const struct pctl_pool *p, const char *host)
{
	for (size_t i = 0; i < p->nm; i++)
		if (strcmp(text_or_empty(&p->m[i].c[PCTL_M_HOST]), host) == 0)
			return (long)i;
	return -1;
}

/* Canonical name in place; 0 or -1. */
static int canon_name(struct pctl_pool *p)
{
	char canon[POOLDNS_NAME_TEXT_MAX];

	if (p->c[PCTL_P_NAME].type != POOLDNS_CELL_TEXT ||
	    pctl_name_canonical(p->c[PCTL_P_NAME].s, canon, sizeof(canon)) != 0)
		return -1;
	return set_text(&p->c[PCTL_P_NAME], canon) == 0 ? 0 : -2;
}

/* Canonical host in place, family and address set; 0 or -1. */
static int canon_host(struct pctl_member *m)
{
	char canon[INET6_ADDRSTRLEN];

	m->family = 0;
	if (m->c[PCTL_M_HOST].type != POOLDNS_CELL_TEXT ||
	    pctl_host_canonical(m->c[PCTL_M_HOST].s, canon, sizeof(canon), &m->family, m->addr) !=
		    0) {
		m->family = 0;
		return -1;
	}
	return set_text(&m->c[PCTL_M_HOST], canon) == 0 ? 0 : -2;
}

/* ---- from the database ---------------------------------------------------- */

static int find_cols(const struct pooldns_table *t, const char *const *names, size_t n, int *idx,
		     char *err, size_t errsz)
{
	for (size_t k = 0; k < n; k++) {
		if ((idx[k] = pooldns_table_col(t, names[k])) < 0) {
			snprintf(err, errsz, "result has no column %s", names[k]);
			return -1;
		}
	}
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct pctl_pool *x = a, *y = b;
	int64_t i = x->c[PCTL_P_ID].i, j = y->c[PCTL_P_ID].i;

	return i < j ? -1 : i > j;
}

int pctl_data_from_tables(struct pctl_data *d, const struct pooldns_table *pools,
			  const struct pooldns_table *members, char *err, size_t errsz)
{
	int pc[POOLDNS_POOL_NCOLS], mc[POOLDNS_MEMBER_NCOLS];

	if (find_cols(pools, pooldns_pool_columns, POOLDNS_POOL_NCOLS, pc, err, errsz) != 0 ||
	    find_cols(members, pooldns_member_columns, POOLDNS_MEMBER_NCOLS, mc, err, errsz) != 0)
		return -1;
	for (size_t r = 0; r < pools->nrows; r++) {
		const struct pooldns_cell *id = pooldns_table_cell(pools, r, (size_t)pc[PCTL_P_ID]);
		const struct pooldns_cell *nm =
			pooldns_table_cell(pools, r, (size_t)pc[PCTL_P_NAME]);
		struct pctl_pool *p;

		if (id->type != POOLDNS_CELL_INT || nm->type != POOLDNS_CELL_TEXT) {
			fprintf(stderr,
				"poolctl: warning: pool row %zu has no integer id or no name "
				"(left out)\n",
				r + 1);
			continue;
		}
		if ((p = pctl_data_add_pool(d, nm->s)) == NULL)
			goto oom;
		for (size_t k = 0; k < POOLDNS_POOL_NCOLS; k++) {
			pctl_cell_clear(&p->c[k]);
			if (pctl_cell_copy(&p->c[k], pooldns_table_cell(pools, r, (size_t)pc[k])) !=
			    0)
				goto oom;
		}
		if ((p->db_name = strdup(nm->s)) == NULL || canon_name(p) == -2)
			goto oom;
	}
	/* Members find their pool by id. */
	if (d->np > 1)
		qsort(d->p, d->np, sizeof(*d->p), cmp_id);
	for (size_t r = 0; r < members->nrows; r++) {
		const struct pooldns_cell *z =
			pooldns_table_cell(members, r, (size_t)mc[PCTL_M_ZONE]);
		const struct pooldns_cell *h =
			pooldns_table_cell(members, r, (size_t)mc[PCTL_M_HOST]);
		struct pctl_pool *p = NULL;
		struct pctl_member *m;
		size_t lo = 0, hi = d->np;

		while (z->type == POOLDNS_CELL_INT && lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (d->p[mid].c[PCTL_P_ID].i == z->i) {
				p = &d->p[mid];
				break;
			}
			if (d->p[mid].c[PCTL_P_ID].i < z->i)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (p == NULL || h->type != POOLDNS_CELL_TEXT) {
			fprintf(stderr, "poolctl: warning: member row %zu: %s (left out)\n", r + 1,
				p == NULL ? "no such pool" : "host is not text");
			continue;
		}
		if ((m = pctl_pool_add_member(p, h->s)) == NULL)
			goto oom;
		for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++) {
			pctl_cell_clear(&m->c[k]);
			if (pctl_cell_copy(&m->c[k],
					   pooldns_table_cell(members, r, (size_t)mc[k])) != 0)
				goto oom;
		}
		if ((m->db_host = strdup(h->s)) == NULL || canon_host(m) == -2)
			goto oom;
	}
	pctl_data_sort(d);
	return 0;
oom:
	snprintf(err, errsz, "out of memory");
	return -1;
}

/* ---- checks ---------------------------------------------------------------- */

/* "where: pools[3] (\"name\")" or "where: pool name" into out. */
static void pool_label(const char *where, const struct pctl_pool *p, char *out, size_t outsz)
{
	char nm[300];

	pctl_cell_format(&pctl_pool_cols[PCTL_P_NAME], &p->c[PCTL_P_NAME], nm, sizeof(nm));
	if (p->src >= 0)
		snprintf(out, outsz, "%s%spools[%ld] (%s)", where, where[0] ? ": " : "", p->src,
			 nm);
	else
		snprintf(out, outsz, "%s%spool %s", where, where[0] ? ": " : "", nm);
}

static void member_label(const struct pctl_member *m, char *out, size_t outsz)
{
	char h[120];

	pctl_cell_format(&pctl_member_cols[PCTL_M_HOST], &m->c[PCTL_M_HOST], h, sizeof(h));
	if (m->src >= 0)
		snprintf(out, outsz, ".members[%ld] (%s)", m->src, h);
	else
		snprintf(out, outsz, " member %s", h);
}

int pctl_data_check(struct pctl_data *d, const char *where, struct pctl_errs *e)
{
	struct pooldns_table *pt = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	struct pooldns_table *mt = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	size_t before = e->n;
	char why[400], pl[400], ml[160];

	if (pt == NULL || mt == NULL) {
		pctl_errs_add(e, "%s: out of memory", where);
		goto out;
	}
	for (size_t i = 0; i < d->np; i++) {
		struct pctl_pool *p = &d->p[i];
		struct pooldns_cell row[POOLDNS_POOL_NCOLS];
		int rc = canon_name(p);

		pool_label(where, p, pl, sizeof(pl));
		if (rc == -2) {
			pctl_errs_add(e, "%s: out of memory", pl);
			goto out;
		}
		if (rc != 0) {
			pctl_errs_add(e, "%s: name is not a domain name", pl);
			continue;
		}
		memcpy(row, p->c, sizeof(row));
		row[PCTL_P_ID].type = POOLDNS_CELL_INT; /* ids are not the row check's business */
		pooldns_table_clear_rows(pt);
		if (pooldns_table_add_row(pt, row) != 0) {
			pctl_errs_add(e, "%s: out of memory", pl);
			goto out;
		}
		if (pooldns_build_check_pool_row(pt, 0, why, sizeof(why)) != 0)
			pctl_errs_add(e, "%s: %s", pl, why);
		for (size_t j = 0; j < p->nm; j++) {
			struct pctl_member *m = &p->m[j];
			struct pooldns_cell mrow[POOLDNS_MEMBER_NCOLS];

			member_label(m, ml, sizeof(ml));
			rc = canon_host(m);
			if (rc == -2) {
				pctl_errs_add(e, "%s: out of memory", pl);
				goto out;
			}
			memcpy(mrow, m->c, sizeof(mrow));
			mrow[PCTL_M_ID].type = POOLDNS_CELL_INT;
			mrow[PCTL_M_ZONE].type = POOLDNS_CELL_INT;
			pooldns_table_clear_rows(mt);
			if (pooldns_table_add_row(mt, mrow) != 0) {
				pctl_errs_add(e, "%s: out of memory", pl);
				goto out;
			}
			if (pooldns_build_check_member_row(mt, 0, why, sizeof(why)) != 0)
				pctl_errs_add(e, "%s%s: %s", pl, ml, why);
		}
	}
	pctl_data_sort(d);
	for (size_t i = 0; i < d->np; i++) {
		struct pctl_pool *p = &d->p[i];
		size_t nfam[2] = { 0, 0 };

		pool_label(where, p, pl, sizeof(pl));
		if (i > 0 && cmp_pool(&d->p[i - 1], p) == 0) {
			char other[400];
			pool_label("", &d->p[i - 1], other, sizeof(other));
			pctl_errs_add(e, "%s: duplicate pool name (%s has it)", pl, other);
		}
		for (size_t j = 0; j < p->nm; j++) {
			struct pctl_member *m = &p->m[j];

			if (m->family == 0)
				continue;
			member_label(m, ml, sizeof(ml));
			if (j > 0 && cmp_member(&p->m[j - 1], m) == 0)
				pctl_errs_add(e, "%s%s: duplicate host in the pool", pl, ml);
			if (++nfam[m->family == AF_INET ? 0 : 1] ==
			    POOLDNS_MAX_MEMBERS_PER_FAMILY + 1)
				pctl_errs_add(e, "%s: more than %d %s members", pl,
					      POOLDNS_MAX_MEMBERS_PER_FAMILY,
					      m->family == AF_INET ? "IPv4" : "IPv6");
		}
	}
out:
	pooldns_table_free(pt);
	pooldns_table_free(mt);
	return e->n == before ? 0 : -1;
}

/* ---- the file ------------------------------------------------------------- */

json_t *pctl_pool_to_json(const struct pctl_pool *p)
{
	json_t *o = json_object(), *ms = json_array();

	if (o == NULL || ms == NULL)
		goto oom;
	for (size_t k = 0; k < POOLDNS_POOL_NCOLS; k++)
		if (pctl_pool_cols[k].user &&
		    json_object_set_new(o, pctl_pool_cols[k].name,
					pctl_cell_to_json(&pctl_pool_cols[k], &p->c[k])) != 0)
			goto oom;
	for (size_t j = 0; j < p->nm; j++) {
		json_t *m = json_object();
		if (m == NULL || json_array_append_new(ms, m) != 0)
			goto oom;
		for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++)
			if (pctl_member_cols[k].user &&
			    json_object_set_new(
				    m, pctl_member_cols[k].name,
				    pctl_cell_to_json(&pctl_member_cols[k], &p->m[j].c[k])) != 0)
				goto oom;
	}
	if (json_object_set_new(o, "members", ms) != 0) {
		ms = NULL;
		goto oom;
	}
	return o;
oom:
	json_decref(o);
	json_decref(ms);
	return NULL;
}

json_t *pctl_data_to_json(const struct pctl_data *d)
{
	json_t *o = json_object(), *ps = json_array();

	if (o == NULL || ps == NULL || json_object_set_new(o, "format", json_string(PCTL_FORMAT)) ||
	    json_object_set_new(o, "version", json_integer(PCTL_FORMAT_VERSION)))
		goto oom;
	for (size_t i = 0; i < d->np; i++)
		if (json_array_append_new(ps, pctl_pool_to_json(&d->p[i])) != 0)
			goto oom;
	if (json_object_set_new(o, "pools", ps) != 0) {
		ps = NULL;
		goto oom;
	}
	return o;
oom:
	json_decref(o);
	json_decref(ps);
	return NULL;
}

char *pctl_json_text(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	size_t n;
	char *t;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((t = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* Sets the columns of cells from the keys of obj; required: the key that
 * must be there. path: the object's JSON path. Unknown keys (but "skip")
 * are errors. 0 or -1 (messages in e). */
static int parse_object(const json_t *obj, const struct pctl_col *cols, size_t ncols,
			struct pooldns_cell *cells, const char *required, const char *skip,
			const char *name, const char *path, struct pctl_errs *e)
{
	const char *key;
	json_t *v;
	char why[200];
	int rc = 0;

	if (!json_is_object(obj)) {
		pctl_errs_add(e, "%s: %s: must be an object", name, path);
		return -1;
	}
	if (json_object_get(obj, required) == NULL) {
		pctl_errs_add(e, "%s: %s: \"%s\" is missing", name, path, required);
		rc = -1;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		int k;

		if (skip != NULL && strcmp(key, skip) == 0)
			continue;
		if ((k = pctl_col_find(cols, ncols, key)) < 0) {
			char q[80];
			struct pooldns_cell kc = { .type = POOLDNS_CELL_TEXT, .s = (char *)key };
			pctl_cell_format(&cols[0], &kc, q, sizeof(q));
			pctl_errs_add(e, "%s: %s: unknown key %s", name, path, q);
			rc = -1;
			continue;
		}
		pctl_cell_clear(&cells[k]);
		if (pctl_cell_from_json(&cols[k], v, &cells[k], why, sizeof(why)) != 0) {
			pctl_errs_add(e, "%s: %s.%s: %s", name, path, key, why);
			rc = -1;
		}
	}
	return rc;
}

static int parse_pools(struct pctl_data *d, const json_t *pools, const char *name,
		       struct pctl_errs *e)
{
	size_t i, j;
	json_t *pj, *mj;
	char path[64], mpath[96];

	json_array_foreach(pools, i, pj)
	{
		struct pctl_pool *p = pctl_data_add_pool(d, "");
		const json_t *ms;

		if (p == NULL) {
			pctl_errs_add(e, "%s: out of memory", name);
			return -1;
		}
		p->src = (long)i;
		snprintf(path, sizeof(path), "pools[%zu]", i);
		if (parse_object(pj, pctl_pool_cols, POOLDNS_POOL_NCOLS, p->c, "name", "members",
				 name, path, e) != 0 &&
		    !json_is_object(pj))
			continue;
		ms = json_object_get(pj, "members");
		if (ms == NULL)
			continue;
		if (!json_is_array(ms)) {
			pctl_errs_add(e, "%s: %s.members: must be an array", name, path);
			continue;
		}
		json_array_foreach(ms, j, mj)
		{
			struct pctl_member *m = pctl_pool_add_member(p, "");

			if (m == NULL) {
				pctl_errs_add(e, "%s: out of memory", name);
				return -1;
			}
			m->src = (long)j;
			snprintf(mpath, sizeof(mpath), "%s.members[%zu]", path, j);
			parse_object(mj, pctl_member_cols, POOLDNS_MEMBER_NCOLS, m->c, "host", NULL,
				     name, mpath, e);
		}
	}
	return 0;
}

int pctl_data_parse(struct pctl_data *d, const char *buf, size_t len, const char *name,
		    struct pctl_errs *e)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *fmt, *ver, *pools;
	const char *key;
	json_t *v;
	size_t before = e->n;

	if (root == NULL) {
		pctl_errs_add(e, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		pctl_errs_add(e, "%s: the file must hold one JSON object", name);
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "format") != 0 && strcmp(key, "version") != 0 &&
		    strcmp(key, "pools") != 0) {
			char q[80];
			struct pooldns_cell kc = { .type = POOLDNS_CELL_TEXT, .s = (char *)key };
			pctl_cell_format(&pctl_pool_cols[1], &kc, q, sizeof(q));
			pctl_errs_add(e, "%s: unknown key %s at the top", name, q);
		}
	}
	fmt = json_object_get(root, "format");
	ver = json_object_get(root, "version");
	pools = json_object_get(root, "pools");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), PCTL_FORMAT) != 0)
		pctl_errs_add(e, "%s: format: must be \"%s\"", name, PCTL_FORMAT);
	if (!json_is_integer(ver) || json_integer_value(ver) != PCTL_FORMAT_VERSION)
		pctl_errs_add(e, "%s: version: must be %d (the only version this poolctl reads)",
			      name, PCTL_FORMAT_VERSION);
	if (!json_is_array(pools))
		pctl_errs_add(e, "%s: pools: must be an array", name);
	else if (parse_pools(d, pools, name, e) != 0)
		goto out;
	if (e->n == before)
		pctl_data_check(d, name, e);
out:
	json_decref(root);
	return e->n == before ? 0 : -1;
}
