/*
 * fuzz_poolctl_import.c — fuzz target for poolctl's import file parser and
 * checks (poolctl/data.c over columns.c and the loader's row checks), and
 * for what poolctl does with the data next: reading it back from the
 * database's tables, copying it, changing it with COLUMN=VALUE words as
 * `poolctl pool|member` do, and checking the result.
 *
 * Input: an import file, optionally followed by a line "--" and edit
 * lines, one command a line, words separated by spaces:
 *
 *   pool NAME [COLUMN=VALUE...]         as `poolctl pool add|set`
 *   member POOL HOST [COLUMN=VALUE...]  as `poolctl member add|set`
 *   del POOL HOST                       as `poolctl member del`
 *   oom N                               the N-th allocation of this run
 *                                       (poolctl's, the core's, jansson's
 *                                       for JSON values) fails
 *
 * (the first 64 edits; other lines are skipped).
 *
 * Every input must be accepted or refused with messages, never crash,
 * leak or read out of bounds, and pctl_errs_print must print the kept
 * messages and the count of the others. An accepted file must export to
 * text that parses again into the same text, with no difference from
 * itself. Written into tables as the database holds them (other row ids,
 * names and hosts spelt otherwise, rows the reader leaves out) and read
 * back with pctl_data_from_tables, it must differ from the file only in
 * those spellings, and the differences print one line each; its copy must
 * not differ at all. Each COLUMN=VALUE must give the cell its text says
 * (text: what jansson takes as a string), or be refused with a message
 * naming the column; the data changed by the edit lines must be refused
 * with messages, or print its differences one line each and export to
 * text that parses again into the same text.
 *
 * With "oom N", a step during which the allocation failed must report a
 * failure (the run then ends there). The allocations of poolctl and the
 * core are counted through the linker's --wrap (fuzz/Makefile.inc),
 * jansson's through json_set_alloc_funcs. jansson's reader and text
 * writer are left out: they do not always report a failed allocation.
 *
 * Thread model: single-threaded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poolctl/columns.h"
#include "poolctl/data.h"
#include "poolctl/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- allocation failure ---------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t sz);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static unsigned long alloc_count; /* allocations since the run was armed */
static unsigned long alloc_fail;  /* the one that fails; 0: none */
static int alloc_failed;          /* it has failed */
static int json_spared;           /* jansson's allocations neither counted nor failed */

/* 0 when this allocation is the one that fails. */
static int alloc_ok(void)
{
	if (alloc_fail == 0 || ++alloc_count != alloc_fail)
		return 1;
	alloc_failed = 1;
	return 0;
}

void *__wrap_malloc(size_t n)
{
	return alloc_ok() ? __real_malloc(n) : NULL;
}

void *__wrap_calloc(size_t n, size_t sz)
{
	return alloc_ok() ? __real_calloc(n, sz) : NULL;
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_ok() ? __real_realloc(p, n) : NULL;
}

char *__wrap_strdup(const char *s)
{
	return alloc_ok() ? __real_strdup(s) : NULL;
}

/* jansson's reader and its text writer do not always report a failed
 * allocation (the lexer drops the bytes it could not save; json_dumps can
 * return other text), so only its values are failed. */
static void *json_alloc(size_t n)
{
	return json_spared || alloc_ok() ? __real_malloc(n) : NULL;
}

/* pctl_data_parse, with jansson's allocations left alone. */
static int parse(struct pctl_data *d, const char *buf, size_t len, const char *name,
		 struct pctl_errs *e)
{
	int rc;

	json_spared = 1;
	rc = pctl_data_parse(d, buf, len, name, e);
	json_spared = 0;
	return rc;
}

/* ---- checks ----------------------------------------------------------------- */

/* The messages of a refusal, and what pctl_errs_print makes of them. */
static void check_refusal(const struct pctl_errs *e)
{
	char *out = NULL, *want;
	size_t outlen = 0, kept = e->n < PCTL_ERRS_KEEP ? e->n : PCTL_ERRS_KEEP, o = 0;
	FILE *f;

	if (e->n == 0)
		abort(); /* refused without a word */
	want = __real_malloc(kept * (PCTL_ERR_MAX + 1) + 64);
	if (want == NULL)
		abort();
	for (size_t i = 0; i < kept; i++) {
		size_t l;
		if (memchr(e->msg[i], '\0', sizeof(e->msg[i])) == NULL)
			abort();
		l = strlen(e->msg[i]);
		memcpy(want + o, e->msg[i], l);
		o += l;
		want[o++] = '\n';
	}
	if (e->n > PCTL_ERRS_KEEP)
		o += (size_t)sprintf(want + o, "... and %zu more\n", e->n - PCTL_ERRS_KEEP);
	if ((f = open_memstream(&out, &outlen)) == NULL)
		abort();
	pctl_errs_print(e, f);
	if (fclose(f) != 0 || outlen != o || memcmp(out, want, o) != 0)
		abort();
	free(out);
	free(want);
}

/* The changes df as poolctl prints them: one line each, whatever the
 * names, hosts and values hold. */
static void check_diff_print(const struct pctl_diff *df)
{
	char *out = NULL;
	size_t outlen = 0, lines = 0;
	FILE *f = open_memstream(&out, &outlen);

	if (f == NULL)
		abort();
	pctl_diff_print(df, f);
	if (fclose(f) != 0)
		abort();
	for (size_t i = 0; i < outlen; i++)
		lines += out[i] == '\n';
	if (lines != df->n || (outlen > 0 && out[outlen - 1] != '\n'))
		abort();
	free(out);
}

/* The export text of d; NULL only when an allocation failed. */
static char *export_text(const struct pctl_data *d)
{
	json_t *j = pctl_data_to_json(d);
	char *s = NULL;

	if (j != NULL) {
		json_spared = 1;
		s = pctl_json_text(j);
		json_spared = 0;
	}
	json_decref(j);
	if (s == NULL && !alloc_failed)
		abort();
	return s;
}

/* Parses the export text t of accepted data: it must be accepted and export
 * to the same text. 0, or -1 when an allocation failed. */
static int check_export(const char *t, const struct pctl_data *d)
{
	struct pctl_data again;
	struct pctl_errs e;
	struct pctl_diff df;
	char *t2 = NULL;
	int rc = -1;

	memset(&again, 0, sizeof(again));
	memset(&e, 0, sizeof(e));
	if (parse(&again, t, strlen(t), "export", &e) != 0) {
		if (!alloc_failed)
			abort(); /* an export of accepted data must be accepted */
		goto out;
	}
	if ((t2 = export_text(&again)) == NULL)
		goto out;
	if (strcmp(t, t2) != 0)
		abort();
	if (pctl_diff_make(d, &again, &df) != 0) {
		if (!alloc_failed)
			abort();
		goto out;
	}
	if (df.n != 0)
		abort();
	pctl_diff_free(&df);
	rc = 0;
out:
	free(t2);
	pctl_data_free(&again);
	return rc;
}

/* ---- the database's tables ---------------------------------------------------- */

/* Whether s starts with a \DDD escape; its value in *v. */
static int ddd(const char *s, int *v)
{
	if (s[0] != '\\' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9' || s[3] < '0' ||
	    s[3] > '9')
		return 0;
	*v = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	return 1;
}

/* A copy of s (a canonical name or host) spelt as another program may
 * have stored it: ASCII letters in upper case, and escapes other than of a
 * dot, a backslash or NUL written as the bytes they stand for. *changed
 * is set when that differs from s. NULL on OOM. */
static char *respell(const char *s, int *changed)
{
	char *u = strdup(s), *o = u;
	int v;

	if (u == NULL)
		return NULL;
	for (const char *p = s; *p != '\0'; p++) {
		if (ddd(p, &v) && v != 0 && v != '.' && v != '\\') {
			*o++ = (char)v;
			p += 3;
		} else if (p[0] == '\\' && p[1] != '\0' && !ddd(p, &v) && p[1] != '.' &&
			   p[1] != '\\') {
			*o++ = *++p;
		} else {
			*o++ = *p;
			if (*p == '\\' && p[1] != '\0')
				*o++ = *++p;
		}
		if (o[-1] >= 'a' && o[-1] <= 'z')
			o[-1] = (char)(o[-1] - 'a' + 'A');
	}
	*o = '\0';
	*changed |= strcmp(u, s) != 0;
	return u;
}

/* Adds a copy of row with cell k respelt. -1 on OOM. */
static int add_respelt(struct pooldns_table *t, struct pooldns_cell *row, size_t k, size_t *respelt)
{
	struct pooldns_cell keep = row[k];
	int changed = 0, rc;

	if ((row[k].s = respell(keep.s, &changed)) == NULL) {
		row[k] = keep;
		return -1;
	}
	rc = pooldns_table_add_row(t, row);
	free(row[k].s);
	row[k] = keep;
	*respelt += (size_t)changed;
	return rc;
}

/*
 * The tables the database would hold for d (accepted: names and hosts
 * are text), pool ids from high to low, names and hosts respelt
 * (*respelt: how many differ from d's), and rows pctl_data_from_tables
 * leaves out: a pool without an id, members of no pool and one whose host
 * is not text. 0 or -1 (OOM).
 */
static int make_tables(const struct pctl_data *d, struct pooldns_table **pt,
		       struct pooldns_table **mt, size_t *respelt)
{
	struct pooldns_cell row[POOLDNS_POOL_NCOLS], mrow[POOLDNS_MEMBER_NCOLS];
	int64_t mid = 1;

	*pt = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	*mt = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	if (*pt == NULL || *mt == NULL)
		return -1;
	for (size_t i = 0; i < d->np; i++) {
		const struct pctl_pool *p = &d->p[i];
		int64_t id = (int64_t)(d->np - i) * 2 + 1;

		memcpy(row, p->c, sizeof(row));
		row[PCTL_P_ID].type = POOLDNS_CELL_INT;
		row[PCTL_P_ID].i = id;
		if (add_respelt(*pt, row, PCTL_P_NAME, respelt) != 0)
			return -1;
		for (size_t j = 0; j < p->nm; j++) {
			memcpy(mrow, p->m[j].c, sizeof(mrow));
			mrow[PCTL_M_ID] =
				(struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = mid++ };
			mrow[PCTL_M_ZONE] =
				(struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = id };
			if (add_respelt(*mt, mrow, PCTL_M_HOST, respelt) != 0)
				return -1;
		}
	}
	if (d->np == 0)
		return 0;
	/* Left out by the reader: */
	memcpy(row, d->p[0].c, sizeof(row));
	row[PCTL_P_ID].type = POOLDNS_CELL_NULL;
	for (size_t k = 0; k < POOLDNS_MEMBER_NCOLS; k++)
		mrow[k] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = 1 };
	mrow[PCTL_M_HOST] = (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = "192.0.2.1" };
	if (pooldns_table_add_row(*pt, row) != 0)
		return -1;
	mrow[PCTL_M_ZONE].i = 2; /* pool ids are odd */
	if (pooldns_table_add_row(*mt, mrow) != 0)
		return -1;
	mrow[PCTL_M_ZONE].i = (int64_t)d->np * 2 + 2;
	if (pooldns_table_add_row(*mt, mrow) != 0)
		return -1;
	mrow[PCTL_M_ZONE].type = POOLDNS_CELL_NULL;
	if (pooldns_table_add_row(*mt, mrow) != 0)
		return -1;
	mrow[PCTL_M_ZONE] = (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = 3 };
	mrow[PCTL_M_HOST].type = POOLDNS_CELL_NULL;
	return pooldns_table_add_row(*mt, mrow);
}

/*
 * d (accepted) as read back from the database's tables into *cur: every
 * difference must be a stored spelling. The tables swapped must be
 * refused for a missing column. 0, or -1 when an allocation failed.
 */
static int check_tables(const struct pctl_data *d, struct pctl_data *cur)
{
	struct pooldns_table *pt = NULL, *mt = NULL;
	struct pctl_data x;
	struct pctl_diff df;
	size_t respelt = 0;
	char err[256];
	int rc = -1;

	memset(cur, 0, sizeof(*cur));
	memset(&x, 0, sizeof(x));
	if (make_tables(d, &pt, &mt, &respelt) != 0) {
		if (!alloc_failed)
			abort();
		goto out;
	}
	err[0] = '\0';
	if (pctl_data_from_tables(cur, pt, mt, err, sizeof(err)) != 0) {
		if (!alloc_failed || strcmp(err, "out of memory") != 0)
			abort();
		goto out;
	}
	if (alloc_failed)
		abort(); /* out of memory, and not a word */
	if (pctl_data_from_tables(&x, mt, pt, err, sizeof(err)) == 0 ||
	    strncmp(err, "result has no column ", 21) != 0 || x.np != 0)
		abort();
	if (pctl_diff_make(cur, d, &df) != 0) {
		if (!alloc_failed)
			abort();
		goto out;
	}
	if (df.n != respelt)
		abort();
	for (size_t i = 0; i < df.n; i++)
		if (df.v[i].op != PCTL_CHANGE)
			abort();
	check_diff_print(&df);
	pctl_diff_free(&df);
	rc = 0;
out:
	pctl_data_free(&x);
	pooldns_table_free(pt);
	pooldns_table_free(mt);
	return rc;
}

/* The copy of cur (read from the tables of d) into *want: what was read,
 * stored spellings aside, so no difference from d. 0, or -1 when an
 * allocation failed. */
static int check_copy(const struct pctl_data *d, const struct pctl_data *cur,
		      struct pctl_data *want)
{
	struct pctl_diff df;

	if (pctl_data_copy(want, cur) != 0) {
		if (!alloc_failed || want->np != 0)
			abort();
		return -1;
	}
	if (alloc_failed)
		abort(); /* out of memory, and not a word */
	if (pctl_diff_make(d, want, &df) != 0) {
		if (!alloc_failed)
			abort();
		return -1;
	}
	if (df.n != 0)
		abort();
	pctl_diff_free(&df);
	return 0;
}

/* ---- edit lines --------------------------------------------------------------- */

/* Whether s is an optional '-' and decimal digits. */
static int decimal(const char *s)
{
	size_t n = s[0] == '-' ? 1 : 0;

	return s[n] != '\0' && strspn(s + n, "0123456789") == strlen(s + n);
}

/* Whether jansson takes text as a string (UTF-8 by its rules). */
static int json_text_ok(const char *text)
{
	json_t *j;

	json_spared = 1;
	j = json_string(text);
	json_spared = 0;
	json_decref(j);
	return j != NULL;
}

/*
 * Sets column k of cells from text as pctl_arg_columns does, checking what
 * pctl_cell_from_text makes of it. 0; 1 when refused; -1 when an
 * allocation failed.
 */
static int set_cell(const struct pctl_col *c, struct pooldns_cell *cell, const char *text)
{
	struct pooldns_cell v;
	char err[256];
	int yes = strcmp(text, "1") == 0 || strcasecmp(text, "true") == 0 ||
		  strcasecmp(text, "yes") == 0;
	int no = strcmp(text, "0") == 0 || strcasecmp(text, "false") == 0 ||
		 strcasecmp(text, "no") == 0;

	memset(err, 'x', sizeof(err));
	if (pctl_cell_from_text(c, text, &v, err, sizeof(err)) != 0) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		if (alloc_failed)
			return -1;
		if (strncmp(err, c->name, strlen(c->name)) != 0 ||
		    (c->kind == PCTL_TEXT && json_text_ok(text)) ||
		    (c->kind == PCTL_BOOL && (yes || no)) ||
		    (c->kind == PCTL_INT && decimal(text) && strlen(text) < 19))
			abort(); /* refused a good value, or without naming the column */
		return 1;
	}
	if (text[0] == '\0' && c->nullable) {
		if (v.type != POOLDNS_CELL_NULL)
			abort();
	} else if (c->kind == PCTL_TEXT) {
		if (v.type != POOLDNS_CELL_TEXT || strcmp(v.s, text) != 0 || !json_text_ok(text))
			abort(); /* all text ends up in JSON (export, rqlite) */
	} else if (c->kind == PCTL_BOOL) {
		if (v.type != POOLDNS_CELL_INT || !(v.i == 1 ? yes : v.i == 0 && no))
			abort();
	} else if (v.type != POOLDNS_CELL_INT || !decimal(text) ||
		   (v.i < 0) != (text[0] == '-' && strspn(text + 1, "0") != strlen(text + 1))) {
		abort();
	}
	pctl_cell_clear(cell);
	*cell = v;
	return 0;
}

/* COLUMN=VALUE words into cells (not the name or host). 0, or -1 when an
 * allocation failed. */
static int set_cells(const struct pctl_col *cols, size_t ncols, struct pooldns_cell *cells,
		     char **w, size_t nw)
{
	for (size_t i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		int k;

		if (eq == NULL)
			continue;
		*eq = '\0';
		k = pctl_col_find(cols, ncols, w[i]);
		*eq = '=';
		if (k < 0 || (cols == pctl_pool_cols && k == PCTL_P_NAME) ||
		    (cols == pctl_member_cols && k == PCTL_M_HOST))
			continue;
		if (set_cell(&cols[k], &cells[k], eq + 1) < 0)
			return -1;
	}
	return 0;
}

/* The pool called name (canonical), or NULL. */
static struct pctl_pool *find_pool(struct pctl_data *d, const char *name)
{
	for (size_t i = 0; i < d->np; i++)
		if (d->p[i].c[PCTL_P_NAME].type == POOLDNS_CELL_TEXT &&
		    strcmp(d->p[i].c[PCTL_P_NAME].s, name) == 0)
			return &d->p[i];
	return NULL;
}

/* One edit line (words w) on want. 0, or -1 when an allocation failed. */
static int edit(struct pctl_data *want, char **w, size_t nw)
{
	char name[POOLDNS_NAME_TEXT_MAX], host[INET6_ADDRSTRLEN];
	struct pctl_pool *p;
	struct pctl_member *m;
	uint8_t addr[16];
	int family;
	long idx;

	if (nw < 2 || pctl_name_canonical(w[1], name, sizeof(name)) != 0)
		return 0;
	p = find_pool(want, name);
	if (strcmp(w[0], "pool") == 0) {
		if (p == NULL && (p = pctl_data_add_pool(want, name)) == NULL) {
			if (!alloc_failed)
				abort();
			return -1;
		}
		return set_cells(pctl_pool_cols, POOLDNS_POOL_NCOLS, p->c, w + 2, nw - 2);
	}
	if (nw < 3 || (strcmp(w[0], "member") != 0 && strcmp(w[0], "del") != 0) || p == NULL ||
	    pctl_host_canonical(w[2], host, sizeof(host), &family, addr) != 0)
		return 0;
	idx = pctl_pool_find_member(p, host);
	if (w[0][0] == 'd') {
		if (idx >= 0) {
			pctl_pool_del_member(p, (size_t)idx);
			if (pctl_pool_find_member(p, host) >= 0)
				abort(); /* no host is there twice */
		}
		return 0;
	}
	if (idx >= 0)
		m = &p->m[idx];
	else if ((m = pctl_pool_add_member(p, host)) == NULL) {
		if (!alloc_failed)
			abort();
		return -1;
	}
	return set_cells(pctl_member_cols, POOLDNS_MEMBER_NCOLS, m->c, w + 3, nw - 3);
}

/* The edit lines on want (a copy of cur), then the checks; 0, or -1 when
 * an allocation failed. */
static int edit_and_check(const struct pctl_data *cur, struct pctl_data *want, char *lines)
{
	struct pctl_diff df;
	struct pctl_errs e;
	size_t nedits = 0;
	char *t;
	int rc;

	for (char *line = lines, *next; line != NULL && nedits < 64; line = next) {
		char *w[16];
		size_t nw = 0;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (char *s = strtok(line, " \t"); s != NULL && nw < 16; s = strtok(NULL, " \t"))
			w[nw++] = s;
		if (nw == 0 || strcmp(w[0], "oom") == 0)
			continue;
		nedits++;
		if (edit(want, w, nw) != 0)
			return -1;
	}
	if (nedits == 0)
		return 0;
	memset(&e, 0, sizeof(e));
	if (pctl_data_check(want, "", &e) != 0) {
		check_refusal(&e);
		return alloc_failed ? -1 : 0;
	}
	if (alloc_failed)
		abort(); /* out of memory, and not a word */
	if (pctl_diff_make(cur, want, &df) != 0) {
		if (!alloc_failed)
			abort();
		return -1;
	}
	check_diff_print(&df);
	pctl_diff_free(&df);
	if ((t = export_text(want)) == NULL)
		return -1;
	rc = check_export(t, want);
	free(t);
	return rc;
}

/* ---- the run ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const char *sep = size >= 4 ? memmem(data, size, "\n--\n", 4) : NULL;
	size_t flen = sep != NULL ? (size_t)(sep - (const char *)data) : size;
	struct pctl_data d, cur, want;
	struct pctl_errs e;
	char *lines = NULL, *t1 = NULL;

	if (!inited) {
		json_set_alloc_funcs(json_alloc, free);
		inited = 1;
	}
	memset(&d, 0, sizeof(d));
	memset(&cur, 0, sizeof(cur));
	memset(&want, 0, sizeof(want));
	memset(&e, 0, sizeof(e));
	if (sep != NULL) {
		size_t n = size - flen - 4;
		if ((lines = __real_malloc(n + 1)) == NULL)
			abort();
		memcpy(lines, sep + 4, n);
		lines[n] = '\0'; /* and they end at a NUL byte */
		for (const char *l = lines; l != NULL; l = strchr(l, '\n')) {
			l += l[0] == '\n';
			if (strncmp(l, "oom ", 4) == 0)
				alloc_fail = strtoul(l + 4, NULL, 10);
		}
	}
	alloc_count = 0;
	alloc_failed = 0;

	if (parse(&d, (const char *)data, flen, "fuzz.json", &e) != 0) {
		check_refusal(&e);
		goto out;
	}
	if (alloc_failed)
		abort(); /* out of memory, and not a word */
	if ((t1 = export_text(&d)) == NULL || check_export(t1, &d) != 0 ||
	    check_tables(&d, &cur) != 0)
		goto out;
	if (check_copy(&d, &cur, &want) == 0 && lines != NULL)
		edit_and_check(&cur, &want, lines);
out:
	alloc_fail = 0;
	free(t1);
	free(lines);
	pctl_data_free(&d);
	pctl_data_free(&cur);
	pctl_data_free(&want);
	return 0;
}
