/*
 * diff.c — the changes between the stored data set and a wanted one, how
 * they are shown and the statements that apply them (see diff.h).
 *
 * Owns: the change array (the changes borrow both data sets). Thread
 * model: none.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "poolctl/columns.h"
#include "poolctl/diff.h"
#include "poolctl/sql.h"

static int push(struct pctl_diff *d, const struct pctl_change *c)
{
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 32;
		struct pctl_change *v = realloc(d->v, nc * sizeof(*v));
		if (v == NULL)
			return -1;
		d->v = v;
		d->cap = nc;
	}
	d->v[d->n++] = *c;
	return 0;
}

void pctl_diff_free(struct pctl_diff *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static const char *name_of(const struct pctl_pool *p)
{
	return p->c[PCTL_P_NAME].type == POOLDNS_CELL_TEXT ? p->c[PCTL_P_NAME].s : "";
}

static const char *host_of(const struct pctl_member *m)
{
	return m->c[PCTL_M_HOST].type == POOLDNS_CELL_TEXT ? m->c[PCTL_M_HOST].s : "";
}

static bool pool_differs(const struct pctl_pool *a, const struct pctl_pool *b)
{
	if (a->db_name != NULL && strcmp(a->db_name, name_of(b)) != 0)
		return true;
	for (size_t k = PCTL_P_NAME; k < POOLDNS_POOL_NCOLS; k++)
		if (!pctl_cell_equal(&a->c[k], &b->c[k]))
			return true;
	return false;
}

static bool member_differs(const struct pctl_member *a, const struct pctl_member *b)
{
	if (a->db_host != NULL && strcmp(a->db_host, host_of(b)) != 0)
		return true;
	for (size_t k = PCTL_M_HOST; k < POOLDNS_MEMBER_NCOLS; k++)
		if (!pctl_cell_equal(&a->c[k], &b->c[k]))
			return true;
	return false;
}

/* The order of data.c's sort: family (IPv4 first), address, text. */
static int member_order(const struct pctl_member *x, const struct pctl_member *y)
{
	int c;

	if (x->family != y->family)
		return x->family == AF_INET ? -1 : y->family == AF_INET ? 1 : x->family - y->family;
	if (x->family != 0 && (c = memcmp(x->addr, y->addr, 16)) != 0)
		return c;
	return strcmp(host_of(x), host_of(y));
}

static int members_all(struct pctl_diff *d, enum pctl_op op, const struct pctl_pool *p)
{
	for (size_t j = 0; j < p->nm; j++) {
		struct pctl_change c = { .op = op, .member = true, .with_pool = true };
		if (op == PCTL_ADD) {
			c.new_pool = p;
			c.new_m = &p->m[j];
		} else {
			c.old_pool = p;
			c.old_m = &p->m[j];
		}
		if (push(d, &c) != 0)
			return -1;
	}
	return 0;
}

static int members_diff(struct pctl_diff *d, const struct pctl_pool *a, const struct pctl_pool *b)
{
	/* both member lists are sorted by (family, address, text) */
	size_t i = 0, j = 0;

	while (i < a->nm || j < b->nm) {
		struct pctl_change c = { .member = true, .old_pool = a, .new_pool = b };
		int cmp;

		if (i == a->nm)
			cmp = 1;
		else if (j == b->nm)
			cmp = -1;
		else
			cmp = member_order(&a->m[i], &b->m[j]);
		if (cmp < 0) {
			c.op = PCTL_DEL;
			c.old_m = &a->m[i++];
		} else if (cmp > 0) {
			c.op = PCTL_ADD;
			c.new_m = &b->m[j++];
		} else {
			c.op = PCTL_CHANGE;
			c.old_m = &a->m[i++];
			c.new_m = &b->m[j++];
			if (!member_differs(c.old_m, c.new_m))
				continue;
		}
		if (push(d, &c) != 0)
			return -1;
	}
	return 0;
}

int pctl_diff_make(const struct pctl_data *cur, const struct pctl_data *want, struct pctl_diff *out)
{
	size_t i = 0, j = 0;

	memset(out, 0, sizeof(*out));
	while (i < cur->np || j < want->np) {
		const struct pctl_pool *a = i < cur->np ? &cur->p[i] : NULL;
		const struct pctl_pool *b = j < want->np ? &want->p[j] : NULL;
		int cmp = a == NULL ? 1 : b == NULL ? -1 : strcmp(name_of(a), name_of(b));
		struct pctl_change c = { .op = PCTL_CHANGE };

		if (cmp < 0) {
			c.op = PCTL_DEL;
			c.old_pool = a;
			i++;
			if (push(out, &c) != 0 || members_all(out, PCTL_DEL, a) != 0)
				goto oom;
		} else if (cmp > 0) {
			c.op = PCTL_ADD;
			c.new_pool = b;
			j++;
			if (push(out, &c) != 0 || members_all(out, PCTL_ADD, b) != 0)
				goto oom;
		} else {
			c.old_pool = a;
			c.new_pool = b;
			i++;
			j++;
			if ((pool_differs(a, b) && push(out, &c) != 0) ||
			    members_diff(out, a, b) != 0)
				goto oom;
		}
	}
	return 0;
oom:
	pctl_diff_free(out);
	return -1;
}

static const char *op_sign(enum pctl_op op)
{
	return op == PCTL_ADD ? "+" : op == PCTL_DEL ? "-" : "~";
}

static const char *op_word(enum pctl_op op)
{
	return op == PCTL_ADD ? "add" : op == PCTL_DEL ? "remove" : "change";
}

/* Calls fn for every column that differs between two rows. */
static void fields(const struct pctl_col *cols, size_t first, size_t n,
		   const struct pooldns_cell *a, const struct pooldns_cell *b,
		   void (*fn)(void *ctx, const struct pctl_col *c, const struct pooldns_cell *x,
			      const struct pooldns_cell *y),
		   void *ctx)
{
	for (size_t k = first; k < n; k++)
		if (!pctl_cell_equal(&a[k], &b[k]))
			fn(ctx, &cols[k], &a[k], &b[k]);
}

struct text_ctx {
	FILE *f;
	bool first;
};

static void field_text(void *ctx, const struct pctl_col *c, const struct pooldns_cell *x,
		       const struct pooldns_cell *y)
{
	struct text_ctx *t = ctx;
	char a[200], b[200];

	pctl_cell_format(c, x, a, sizeof(a));
	pctl_cell_format(c, y, b, sizeof(b));
	fprintf(t->f, "%s %s %s -> %s", t->first ? ":" : ",", c->name, a, b);
	t->first = false;
}

/* ": stored as TEXT", the name or host as the database holds it; quoted
 * and escaped as every value is, so that no stored text can make lines. */
static void stored_text(struct text_ctx *t, const char *s)
{
	struct pooldns_cell c = { .type = POOLDNS_CELL_TEXT, .s = (char *)s };
	char q[300];

	pctl_cell_format(&pctl_pool_cols[PCTL_P_NAME], &c, q, sizeof(q));
	fprintf(t->f, ": stored as %s", q);
	t->first = false;
}

void pctl_diff_print(const struct pctl_diff *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct pctl_change *c = &d->v[i];
		const struct pctl_pool *p = c->new_pool != NULL ? c->new_pool : c->old_pool;
		char nm[300], h[120];
		struct text_ctx t = { .f = f, .first = true };

		pctl_cell_format(&pctl_pool_cols[PCTL_P_NAME], &p->c[PCTL_P_NAME], nm, sizeof(nm));
		if (!c->member) {
			fprintf(f, "%s pool %s", op_sign(c->op), nm);
			if (c->op == PCTL_CHANGE) {
				if (c->old_pool->db_name != NULL &&
				    strcmp(c->old_pool->db_name, name_of(c->new_pool)) != 0)
					stored_text(&t, c->old_pool->db_name);
				fields(pctl_pool_cols, PCTL_P_NAME + 1, POOLDNS_POOL_NCOLS,
				       c->old_pool->c, c->new_pool->c, field_text, &t);
			}
		} else {
			const struct pctl_member *m = c->new_m != NULL ? c->new_m : c->old_m;
			pctl_cell_format(&pctl_member_cols[PCTL_M_HOST], &m->c[PCTL_M_HOST], h,
					 sizeof(h));
			fprintf(f, "%s member %s %s", op_sign(c->op), nm, h);
			if (c->op == PCTL_CHANGE) {
				if (c->old_m->db_host != NULL &&
				    strcmp(c->old_m->db_host, host_of(c->new_m)) != 0)
					stored_text(&t, c->old_m->db_host);
				fields(pctl_member_cols, PCTL_M_HOST + 1, POOLDNS_MEMBER_NCOLS,
				       c->old_m->c, c->new_m->c, field_text, &t);
			}
		}
		fputc('\n', f);
	}
}

struct json_ctx {
	json_t *o;
	int err;
};

static void field_json(void *ctx, const struct pctl_col *c, const struct pooldns_cell *x,
		       const struct pooldns_cell *y)
{
	struct json_ctx *j = ctx;
	json_t *v = json_object();

	if (v == NULL || json_object_set_new(j->o, c->name, v) != 0 ||
	    json_object_set_new(v, "old", pctl_cell_to_json(c, x)) != 0 ||
	    json_object_set_new(v, "new", pctl_cell_to_json(c, y)) != 0)
		j->err = -1;
}

json_t *pctl_diff_json(const struct pctl_diff *d)
{
	json_t *root = json_object(), *a = json_array();

	if (root == NULL || a == NULL || json_object_set_new(root, "changes", a) != 0) {
		json_decref(root);
		return NULL;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct pctl_change *c = &d->v[i];
		const struct pctl_pool *p = c->new_pool != NULL ? c->new_pool : c->old_pool;
		json_t *o = json_object();
		struct json_ctx jc = { 0 };

		if (o == NULL || json_array_append_new(a, o) != 0 ||
		    json_object_set_new(o, "op", json_string(op_word(c->op))) != 0 ||
		    json_object_set_new(o, "pool", json_string(name_of(p))) != 0)
			goto oom;
		if (c->member) {
			const struct pctl_member *m = c->new_m != NULL ? c->new_m : c->old_m;
			if (json_object_set_new(o, "host", json_string(host_of(m))) != 0)
				goto oom;
		}
		if (c->op != PCTL_CHANGE)
			continue;
		if ((jc.o = json_object()) == NULL || json_object_set_new(o, "fields", jc.o) != 0)
			goto oom;
		if (c->member)
			fields(pctl_member_cols, PCTL_M_HOST, POOLDNS_MEMBER_NCOLS, c->old_m->c,
			       c->new_m->c, field_json, &jc);
		else
			fields(pctl_pool_cols, PCTL_P_NAME, POOLDNS_POOL_NCOLS, c->old_pool->c,
			       c->new_pool->c, field_json, &jc);
		if (jc.err != 0)
			goto oom;
	}
	return root;
oom:
	json_decref(root);
	return NULL;
}

/* The name a pool is stored under now (WHERE of statements that run before
 * the pool's own update). */
static const char *stored_name(const struct pctl_pool *p)
{
	return p->db_name != NULL ? p->db_name : name_of(p);
}

int pctl_diff_statements(const struct pctl_diff *d, struct pctl_batch *b)
{
	/* pass 0: member removals; 1: pool removals; 2: pool changes; 3: pool
	 * additions; 4: member changes; 5: member additions */
	for (int pass = 0; pass < 6; pass++) {
		for (size_t i = 0; i < d->n; i++) {
			const struct pctl_change *c = &d->v[i];
			int rc = 0;

			if (c->member && c->with_pool)
				continue; /* comes and goes with its pool */
			if (pass == 0 && c->member && c->op == PCTL_DEL)
				rc = pctl_sql_member_delete(b, stored_name(c->old_pool),
							    c->old_m->db_host != NULL
								    ? c->old_m->db_host
								    : host_of(c->old_m));
			else if (pass == 1 && !c->member && c->op == PCTL_DEL)
				rc = pctl_sql_pool_delete(b, stored_name(c->old_pool));
			else if (pass == 2 && !c->member && c->op == PCTL_CHANGE)
				rc = pctl_sql_pool_update(b, stored_name(c->old_pool), c->new_pool);
			else if (pass == 4 && c->member && c->op == PCTL_CHANGE)
				rc = pctl_sql_member_update(b, name_of(c->new_pool),
							    c->old_m->db_host != NULL
								    ? c->old_m->db_host
								    : host_of(c->old_m),
							    c->new_m);
			else if (pass == 5 && c->member && c->op == PCTL_ADD)
				rc = pctl_sql_member_insert(b, name_of(c->new_pool), c->new_m);
			else if (pass == 3 && !c->member && c->op == PCTL_ADD) {
				rc = pctl_sql_pool_insert(b, c->new_pool);
				for (size_t j = 0; rc == 0 && j < c->new_pool->nm; j++)
					rc = pctl_sql_member_insert(b, name_of(c->new_pool),
								    &c->new_pool->m[j]);
			}
			if (rc != 0)
				return -1;
		}
	}
	return 0;
}
