/*
 * builder.c — turns a dataset (pool and member tables from a source or the
 * cache file) into an immutable snapshot, validating every row (see
 * builder.h; ranges and defaults follow schema.json).
 *
 * A bad row is logged once at warning level with its whole path
 * ("pool id 7 "www.example.com.": unknown policy "rr" (skipped)"), counted
 * and skipped; the rest loads. Only a dataset that is unusable as a whole
 * (missing table or column, out of memory) yields NULL.
 *
 * Owns: the new snapshot until it is returned (everything in one arena), and
 * temporary row indexes (heap, freed before returning).
 *
 * Thread model: reentrant, no shared state. `prev` is only read — its pools'
 * rotation counters are copied with relaxed atomic loads, so prev may be
 * the published snapshot that readers are using.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/model/arena.h"
#include "core/model/builder.h"
#include "core/model/model.h"
#include "core/source/source.h"
#include "core/dns/dname.h"
#include "core/log.h"
#include "core/model/policy.h"

/* Columns read by name, in the order of POOLDNS_SQL_POOLS (source.h). */
enum {
	PC_ID,
	PC_NAME,
	PC_TTL,
	PC_POLICY,
	PC_MAX_ANSWERS,
	PC_FALLBACK,
	PC_CHECK_TYPE,
	PC_CHECK_PORT,
	PC_CHECK_PATH,
	PC_CHECK_HOST,
	PC_CHECK_EXPECT,
	PC_CHECK_BODY,
	PC_CHECK_INTERVAL,
	PC_CHECK_TIMEOUT,
	PC_CHECK_RISE,
	PC_CHECK_FALL,
	PC_COUNT
};
_Static_assert(PC_COUNT == POOLDNS_POOL_NCOLS, "pool columns");

/* Columns of POOLDNS_SQL_MEMBERS. */
enum { MC_ID, MC_ZONE, MC_HOST, MC_WEIGHT, MC_PRIORITY, MC_ENABLED, MC_COUNT };
_Static_assert(MC_COUNT == POOLDNS_MEMBER_NCOLS, "member columns");

/* Longest reason text and longest quoted user string in a log line. */
#define REASON_MAX 320
#define QUOTE_MAX  100

/* A pool row, ordered by id; status of the first row of each id decides
 * what its members see. */
struct prow {
	int64_t id;
	size_t row;
	int accepted; /* 1: loaded as pools[pool] */
	size_t pool;
};

/* A member row that passed the per-row checks. */
struct mrow {
	int64_t id;
	int64_t zone;
	size_t pool; /* index into the new snapshot's pools */
	size_t row;
	int family;
	uint8_t addr[16];
	uint32_t weight;
	uint32_t priority;
	bool enabled;
	bool dead; /* skipped after the per-row checks */
};

/* The pools of one dataset while they are validated (in the arena), with
 * a name table to find duplicates within the dataset. */
struct scratch {
	struct pooldns_pool *pools; /* accepted pools, ascending id */
	size_t npools;
	uint32_t *buckets; /* pool index + 1, 0 = empty */
	size_t nbuckets;
};

struct build {
	const struct pooldns_dataset *ds;
	struct pooldns_arena *arena;
	struct scratch *snap;
	struct pooldns_build_stats st;
	int pc[PC_COUNT];
	int mc[MC_COUNT];
	struct prow *prows;
	size_t nprows;
	struct mrow *mrows;
	size_t nmrows;
	char reason[REASON_MAX];
};

static void reason_set(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason_set(struct build *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->reason, sizeof(b->reason), fmt, ap);
	va_end(ap);
}

/* Copies s for a log line inside double quotes: control bytes, quotes,
 * backslashes and non-ASCII are escaped (so data cannot forge log lines),
 * long strings are cut with "...". */
static const char *quote(char *buf, size_t cap, const char *s)
{
	size_t o = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c < 0x20 || c >= 0x7f) ? 4 : (c == '"' || c == '\\') ? 2 : 1;

		if (o + need + 4 > cap || o >= QUOTE_MAX) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (need == 4) {
			snprintf(buf + o, cap - o, "\\x%02x", c);
		} else if (need == 2) {
			buf[o] = '\\';
			buf[o + 1] = (char)c;
		} else {
			buf[o] = (char)c;
		}
		o += need;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- cell readers: 0 ok, -1 with b->reason set ----------------------------- */

static const struct pooldns_cell *pcell(const struct build *b, size_t row, int col)
{
	return pooldns_table_cell(b->ds->pools, row, (size_t)b->pc[col]);
}

static const struct pooldns_cell *mcell(const struct build *b, size_t row, int col)
{
	return pooldns_table_cell(b->ds->members, row, (size_t)b->mc[col]);
}

static int get_int(struct build *b, const struct pooldns_cell *c, const char *col, int64_t lo,
		   int64_t hi, int64_t *out)
{
	char q[QUOTE_MAX + 8];

	if (c->type == POOLDNS_CELL_NULL) {
		reason_set(b, "%s is NULL", col);
		return -1;
	}
	/* Integers arrive as INT (SQLite, jansson) or as an integral REAL. */
	if (!pooldns_cell_int(c, out)) {
		if (c->type == POOLDNS_CELL_TEXT)
			reason_set(b, "%s \"%s\" is not an integer", col,
				   quote(q, sizeof(q), c->s));
		else
			reason_set(b, "%s %g is not an integer", col, c->r);
		return -1;
	}
	if (*out < lo || *out > hi) {
		reason_set(b, "%s %lld is out of range %lld..%lld", col, (long long)*out,
			   (long long)lo, (long long)hi);
		return -1;
	}
	return 0;
}

/* A TEXT cell; allow_null: NULL gives *out = NULL. */
static int get_text(struct build *b, const struct pooldns_cell *c, const char *col, bool allow_null,
		    const char **out)
{
	if (c->type == POOLDNS_CELL_TEXT) {
		*out = c->s;
		return 0;
	}
	if (c->type == POOLDNS_CELL_NULL && allow_null) {
		*out = NULL;
		return 0;
	}
	reason_set(b, "%s is %s, not text", col,
		   c->type == POOLDNS_CELL_NULL ? "NULL" : "a number");
	return -1;
}

/* Printable ASCII without spaces: what may go into a request line or a
 * Host header unescaped. */
static bool is_token(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* ---- pools ----------------------------------------------------------------- */

static int cmp_prow(const void *a, const void *b)
{
	const struct prow *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Parses every column but the name of pool row `row` into p. */
static int parse_pool_settings(struct build *b, size_t row, struct pooldns_pool *p)
{
	struct pooldns_check *ck = &p->check;
	char q[QUOTE_MAX + 8];
	const char *s;
	int64_t v;

	enum pooldns_policy policy;
	enum pooldns_fallback fallback;

	if (get_int(b, pcell(b, row, PC_TTL), "ttl", 0, POOLDNS_MAX_TTL, &v) != 0)
		return -1;
	p->ttl = (uint32_t)v;
	if (get_text(b, pcell(b, row, PC_POLICY), "policy", false, &s) != 0)
		return -1;
	if (pooldns_policy_parse(s, &policy) != 0) {
		reason_set(b, "unknown policy \"%s\"", quote(q, sizeof(q), s));
		return -1;
	}
	p->policy = (uint8_t)policy;
	if (get_int(b, pcell(b, row, PC_MAX_ANSWERS), "max_answers", 1, POOLDNS_MAX_ANSWERS, &v) !=
	    0)
		return -1;
	p->max_answers = (uint8_t)v;
	if (get_text(b, pcell(b, row, PC_FALLBACK), "fallback", false, &s) != 0)
		return -1;
	if (pooldns_fallback_parse(s, &fallback) != 0) {
		reason_set(b, "unknown fallback \"%s\"", quote(q, sizeof(q), s));
		return -1;
	}
	p->fallback = (uint8_t)fallback;
	if (get_text(b, pcell(b, row, PC_CHECK_TYPE), "check_type", false, &s) != 0)
		return -1;
	if (pooldns_check_type_parse(s, &ck->type) != 0) {
		reason_set(b, "unknown check_type \"%s\"", quote(q, sizeof(q), s));
		return -1;
	}
	if (pcell(b, row, PC_CHECK_PORT)->type == POOLDNS_CELL_NULL) {
		ck->port = 0;
	} else {
		if (get_int(b, pcell(b, row, PC_CHECK_PORT), "check_port", 1, 65535, &v) != 0)
			return -1;
		ck->port = (uint16_t)v;
	}
	if (ck->type == POOLDNS_CHECK_TCP && ck->port == 0) {
		reason_set(b, "check_type tcp needs a check_port");
		return -1;
	}
	if (get_text(b, pcell(b, row, PC_CHECK_PATH), "check_path", false, &s) != 0)
		return -1;
	if (s[0] != '/' || !is_token(s)) {
		reason_set(b,
			   "check_path \"%s\" must start with '/' and hold no spaces or control "
			   "characters",
			   quote(q, sizeof(q), s));
		return -1;
	}
	if ((ck->path = pooldns_arena_strdup(b->arena, s)) == NULL)
		return -2;
	if (get_text(b, pcell(b, row, PC_CHECK_HOST), "check_host", true, &s) != 0)
		return -1;
	if (s != NULL && (!is_token(s) || strlen(s) > POOLDNS_NAME_MAX)) {
		reason_set(b, "check_host \"%s\" is not a valid host", quote(q, sizeof(q), s));
		return -1;
	}
	ck->host = NULL;
	if (s != NULL && s[0] != '\0' && (ck->host = pooldns_arena_strdup(b->arena, s)) == NULL)
		return -2;
	if (get_int(b, pcell(b, row, PC_CHECK_EXPECT), "check_expect", 100, 599, &v) != 0)
		return -1;
	ck->expect_status = (uint16_t)v;
	if (get_text(b, pcell(b, row, PC_CHECK_BODY), "check_body", true, &s) != 0)
		return -1;
	ck->body = NULL;
	if (s != NULL && s[0] != '\0' && (ck->body = pooldns_arena_strdup(b->arena, s)) == NULL)
		return -2;
	if (get_int(b, pcell(b, row, PC_CHECK_INTERVAL), "check_interval_ms", 100, 3600000, &v) !=
	    0)
		return -1;
	ck->interval_ms = (uint32_t)v;
	if (get_int(b, pcell(b, row, PC_CHECK_TIMEOUT), "check_timeout_ms", 50, 60000, &v) != 0)
		return -1;
	ck->timeout_ms = (uint32_t)v;
	if (get_int(b, pcell(b, row, PC_CHECK_RISE), "check_rise", 1, 100, &v) != 0)
		return -1;
	ck->rise = (uint8_t)v;
	if (get_int(b, pcell(b, row, PC_CHECK_FALL), "check_fall", 1, 100, &v) != 0)
		return -1;
	ck->fall = (uint8_t)v;
	return 0;
}

/* True when text ends with an unescaped '.' (an odd run of backslashes
 * before it makes it part of the last label). */
static bool ends_with_dot(const char *text, size_t len)
{
	size_t bs = 0;

	if (len == 0 || text[len - 1] != '.')
		return false;
	while (bs + 1 < len && text[len - 2 - bs] == '\\')
		bs++;
	return bs % 2 == 0;
}

/* The name rule: 2..254 characters, a final unescaped '.', a valid name
 * other than the root. Its wire form (not yet lower-cased) into wire;
 * returns its length, or -1 with b->reason set. */
static int check_name(struct build *b, const char *name, uint8_t wire[POOLDNS_NAME_MAX])
{
	size_t len = strlen(name);
	int wl = pooldns_dname_from_text(name, wire, POOLDNS_NAME_MAX);

	if (len < 2 || len > 254 || !ends_with_dot(name, len) || wl <= 1) {
		reason_set(b, "name is not a fully qualified domain name ending in '.'");
		return -1;
	}
	return wl;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Inserts pool index i into the name table; returns the index of an earlier
 * pool with the same name, or (size_t)-1 when the name was new. */
static size_t name_insert(struct scratch *s, size_t i)
{
	const struct pooldns_pool *p = &s->pools[i];
	size_t mask = s->nbuckets - 1;
	size_t h = pooldns_dname_hash(p->name, p->name_len) & mask;

	while (s->buckets[h] != 0) {
		const struct pooldns_pool *o = &s->pools[s->buckets[h] - 1];
		if (pooldns_dname_equal(o->name, o->name_len, p->name, p->name_len))
			return s->buckets[h] - 1;
		h = (h + 1) & mask;
	}
	s->buckets[h] = (uint32_t)(i + 1);
	return (size_t)-1;
}

static void pool_skip(struct build *b, int64_t id, const char *name)
{
	char q[QUOTE_MAX + 8];

	b->st.bad_pools++;
	pooldns_log(POOLDNS_LOG_WARNING, "pool id %lld \"%s\": %s (skipped)", (long long)id,
		    name != NULL ? quote(q, sizeof(q), name) : "?", b->reason);
}

/* Loads every good pool row, in id order. -1 on out of memory. */
static int build_pools(struct build *b)
{
	const struct pooldns_table *t = b->ds->pools;
	struct scratch *s = b->snap;
	size_t nrows = t->nrows;

	b->prows = calloc(nrows ? nrows : 1, sizeof(*b->prows));
	if (b->prows == NULL)
		return -1;
	for (size_t r = 0; r < nrows; r++) {
		int64_t id;

		if (get_int(b, pcell(b, r, PC_ID), "id", INT64_MIN, INT64_MAX, &id) != 0) {
			b->st.bad_pools++;
			pooldns_log(POOLDNS_LOG_WARNING, "pool row %zu: %s (skipped)", r + 1,
				    b->reason);
			continue;
		}
		b->prows[b->nprows].id = id;
		b->prows[b->nprows].row = r;
		b->nprows++;
	}
	qsort(b->prows, b->nprows, sizeof(*b->prows), cmp_prow);

	s->pools = pooldns_arena_alloc(b->arena, (b->nprows ? b->nprows : 1) * sizeof(*s->pools));
	s->nbuckets = pow2_at_least(2 * b->nprows + 2);
	s->buckets = pooldns_arena_alloc(b->arena, s->nbuckets * sizeof(*s->buckets));
	if (s->pools == NULL || s->buckets == NULL)
		return -1;

	for (size_t k = 0; k < b->nprows; k++) {
		struct prow *pr = &b->prows[k];
		struct pooldns_pool *p = &s->pools[s->npools];
		char text[POOLDNS_NAME_TEXT_MAX];
		uint8_t wire[POOLDNS_NAME_MAX];
		uint8_t *wname;
		const char *name = NULL;
		size_t dup;
		int wl, rc;

		if (k > 0 && b->prows[k - 1].id == pr->id) {
			const struct pooldns_cell *nc = pcell(b, pr->row, PC_NAME);
			reason_set(b, "duplicate id");
			pool_skip(b, pr->id, nc->type == POOLDNS_CELL_TEXT ? nc->s : NULL);
			continue;
		}
		memset(p, 0, sizeof(*p));
		p->id = pr->id;
		if (get_text(b, pcell(b, pr->row, PC_NAME), "name", false, &name) != 0) {
			pool_skip(b, pr->id, NULL);
			continue;
		}
		if ((wl = check_name(b, name, wire)) < 0) {
			pool_skip(b, pr->id, name);
			continue;
		}
		p->name_len = (uint8_t)wl;
		if ((wname = pooldns_arena_alloc(b->arena, (size_t)wl)) == NULL)
			return -1;
		pooldns_dname_lower(wname, wire, p->name_len);
		p->name = wname;
		rc = parse_pool_settings(b, pr->row, p);
		if (rc == -2)
			return -1;
		if (rc != 0) {
			pool_skip(b, pr->id, name);
			continue;
		}
		dup = name_insert(s, s->npools);
		if (dup != (size_t)-1) {
			reason_set(b, "duplicate name (pool id %lld has it)",
				   (long long)s->pools[dup].id);
			pool_skip(b, pr->id, name);
			continue;
		}
		/* A name dname_from_text() accepted always converts back:
		 * text holds the longest presentation form. */
		int tl = pooldns_dname_to_text(p->name, p->name_len, text, sizeof(text));
		assert(tl > 0);
		(void)tl;
		if ((p->name_text = pooldns_arena_strdup(b->arena, text)) == NULL)
			return -1;
		pr->accepted = 1;
		pr->pool = s->npools;
		s->npools++;
		b->st.pools++;
	}
	return 0;
}

/* ---- members --------------------------------------------------------------- */

static void member_skip(struct build *b, int64_t id, int64_t zone)
{
	b->st.bad_members++;
	pooldns_log(POOLDNS_LOG_WARNING, "member id %lld of pool id %lld: %s (skipped)",
		    (long long)id, (long long)zone, b->reason);
}

static const struct prow *find_prow(const struct build *b, int64_t id)
{
	size_t lo = 0, hi = b->nprows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->prows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nprows && b->prows[lo].id == id ? &b->prows[lo] : NULL;
}

/* Per-row checks of member row r into m. 0 ok, -1 bad (reason set). */
static int parse_member(struct build *b, size_t r, struct mrow *m)
{
	char q[QUOTE_MAX + 8];
	const char *host;
	size_t hl;
	int64_t v;

	if (get_text(b, mcell(b, r, MC_HOST), "host", false, &host) != 0)
		return -1;
	hl = strlen(host);
	if (hl >= 2 && hl <= 45 && inet_pton(AF_INET, host, m->addr) == 1) {
		m->family = AF_INET;
	} else if (hl >= 2 && hl <= 45 && inet_pton(AF_INET6, host, m->addr) == 1) {
		m->family = AF_INET6;
	} else {
		reason_set(b, "host \"%s\" is not an IPv4 or IPv6 address",
			   quote(q, sizeof(q), host));
		return -1;
	}
	if (get_int(b, mcell(b, r, MC_WEIGHT), "weight", 1, POOLDNS_MAX_WEIGHT, &v) != 0)
		return -1;
	m->weight = (uint32_t)v;
	if (get_int(b, mcell(b, r, MC_PRIORITY), "priority", 0, 65535, &v) != 0)
		return -1;
	m->priority = (uint32_t)v;
	if (get_int(b, mcell(b, r, MC_ENABLED), "enabled", 0, 1, &v) != 0)
		return -1;
	m->enabled = v == 1;
	return 0;
}

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Order for duplicate detection: same pool, family and address together,
 * the preferred one (priority, id) first. */
static int cmp_mrow_addr(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;
	int c;

	if (x->pool != y->pool)
		return x->pool < y->pool ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((c = memcmp(x->addr, y->addr, (size_t)addr_len(x->family))) != 0)
		return c;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Final order: pool, family, then (priority, id) as snapshot.h promises. */
static int cmp_mrow_final(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;

	if (x->pool != y->pool)
		return x->pool < y->pool ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static int build_members(struct build *b)
{
	const struct pooldns_table *t = b->ds->members;
	struct scratch *s = b->snap;
	char hq[QUOTE_MAX + 8];

	b->mrows = calloc(t->nrows ? t->nrows : 1, sizeof(*b->mrows));
	if (b->mrows == NULL)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		struct mrow *m = &b->mrows[b->nmrows];
		const struct prow *pr;

		memset(m, 0, sizeof(*m));
		m->row = r;
		if (get_int(b, mcell(b, r, MC_ID), "id", INT64_MIN, INT64_MAX, &m->id) != 0) {
			b->st.bad_members++;
			pooldns_log(POOLDNS_LOG_WARNING, "member row %zu: %s (skipped)", r + 1,
				    b->reason);
			continue;
		}
		if (get_int(b, mcell(b, r, MC_ZONE), "dns_zone", INT64_MIN, INT64_MAX, &m->zone) !=
		    0) {
			b->st.bad_members++;
			pooldns_log(POOLDNS_LOG_WARNING, "member id %lld: %s (skipped)",
				    (long long)m->id, b->reason);
			continue;
		}
		pr = find_prow(b, m->zone);
		if (pr == NULL || !pr->accepted) {
			reason_set(b, pr == NULL ? "no such pool" : "its pool was skipped");
			member_skip(b, m->id, m->zone);
			continue;
		}
		m->pool = pr->pool;
		if (parse_member(b, r, m) != 0) {
			member_skip(b, m->id, m->zone);
			continue;
		}
		b->nmrows++;
	}

	/* Duplicate addresses in a pool: keep the preferred one. */
	qsort(b->mrows, b->nmrows, sizeof(*b->mrows), cmp_mrow_addr);
	for (size_t i = 1; i < b->nmrows; i++) {
		struct mrow *m = &b->mrows[i];
		size_t k = i - 1;

		/* compare with the kept row of this address run */
		while (k > 0 && b->mrows[k].dead)
			k--;
		const struct mrow *o = &b->mrows[k];
		if (o->pool == m->pool && o->family == m->family &&
		    memcmp(o->addr, m->addr, (size_t)addr_len(m->family)) == 0) {
			char txt[INET6_ADDRSTRLEN];
			inet_ntop(m->family, m->addr, txt, sizeof(txt));
			reason_set(b, "duplicate host \"%s\" (member id %lld has it)",
				   quote(hq, sizeof(hq), txt), (long long)o->id);
			member_skip(b, m->id, m->zone);
			m->dead = true;
		}
	}

	/* Per family limit, in (priority, id) order, then count. */
	qsort(b->mrows, b->nmrows, sizeof(*b->mrows), cmp_mrow_final);
	for (size_t i = 0, run = 0; i < b->nmrows; i++) {
		struct mrow *m = &b->mrows[i];
		struct pooldns_pool *p = &s->pools[m->pool];

		if (i == 0 || m->pool != b->mrows[i - 1].pool ||
		    m->family != b->mrows[i - 1].family)
			run = 0;
		if (m->dead)
			continue;
		if (run >= POOLDNS_MAX_MEMBERS_PER_FAMILY) {
			reason_set(b, "more than %d %s members", POOLDNS_MAX_MEMBERS_PER_FAMILY,
				   m->family == AF_INET ? "IPv4" : "IPv6");
			member_skip(b, m->id, m->zone);
			m->dead = true;
			continue;
		}
		run++;
		if (m->family == AF_INET)
			p->n_v4++;
		else
			p->n_v6++;
	}

	for (size_t i = 0; i < s->npools; i++) {
		struct pooldns_pool *p = &s->pools[i];

		if (p->n_v4 > 0 &&
		    (p->v4 = pooldns_arena_alloc(b->arena, p->n_v4 * sizeof(*p->v4))) == NULL)
			return -1;
		if (p->n_v6 > 0 &&
		    (p->v6 = pooldns_arena_alloc(b->arena, p->n_v6 * sizeof(*p->v6))) == NULL)
			return -1;
		p->n_v4 = 0;
		p->n_v6 = 0;
	}
	for (size_t i = 0; i < b->nmrows; i++) {
		const struct mrow *m = &b->mrows[i];
		struct pooldns_pool *p = &s->pools[m->pool];
		struct pooldns_member *d;

		if (m->dead)
			continue;
		d = m->family == AF_INET ? &p->v4[p->n_v4++] : &p->v6[p->n_v6++];
		d->id = m->id;
		d->family = (uint8_t)m->family;
		memcpy(d->addr, m->addr, sizeof(d->addr));
		d->weight = m->weight;
		d->priority = (uint16_t)m->priority;
		d->enabled = m->enabled;
		d->health = NULL;
		b->st.members++;
	}
	return 0;
}

/* ---- entry point ----------------------------------------------------------- */

static int find_columns(const struct pooldns_table *t, const char *what, const char *const *names,
			int *idx, size_t n, char *err, size_t errsz)
{
	if (t == NULL) {
		snprintf(err, errsz, "%s: no table", what);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		idx[i] = pooldns_table_col(t, names[i]);
		if (idx[i] < 0) {
			snprintf(err, errsz, "%s: missing column '%s'", what, names[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- records ---------------------------------------------------------------- */

static size_t str_size(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Copies s into the record's tail at *at. */
static const char *put_str(char **at, const char *s)
{
	char *d = *at;
	size_t n = str_size(s);

	if (s == NULL)
		return NULL;
	memcpy(d, s, n);
	*at += n;
	return d;
}

/* One heap block: the header, the member arrays (8-byte aligned right
 * after it), then the wire name, the text name and the check strings. */
static struct pooldns_pool *pack_pool(const struct pooldns_pool *p)
{
	size_t hdr = (sizeof(*p) + 7) & ~(size_t)7;
	size_t nm = (size_t)p->n_v4 + p->n_v6;
	size_t size = hdr + nm * sizeof(struct pooldns_member) + p->name_len +
		      str_size(p->name_text) + str_size(p->check.path) + str_size(p->check.host) +
		      str_size(p->check.body);
	struct pooldns_pool *r = malloc(size);
	struct pooldns_member *mem;
	char *at;

	if (r == NULL)
		return NULL;
	memcpy(r, p, sizeof(*r));
	atomic_init(&r->rr, 0);
	atomic_init(&r->queries, 0);
	r->seen = 0;
	mem = (struct pooldns_member *)((char *)r + hdr);
	r->v4 = p->n_v4 ? mem : NULL;
	if (p->n_v4)
		memcpy(mem, p->v4, p->n_v4 * sizeof(*mem));
	r->v6 = p->n_v6 ? mem + p->n_v4 : NULL;
	if (p->n_v6)
		memcpy(mem + p->n_v4, p->v6, p->n_v6 * sizeof(*mem));
	at = (char *)(mem + nm);
	memcpy(at, p->name, p->name_len);
	r->name = (const uint8_t *)at;
	at += p->name_len;
	r->name_text = put_str(&at, p->name_text);
	r->check.path = put_str(&at, p->check.path);
	r->check.host = put_str(&at, p->check.host);
	r->check.body = put_str(&at, p->check.body);
	return r;
}

int pooldns_build_records(const struct pooldns_dataset *ds, pooldns_record_fn fn, void *ctx,
			  struct pooldns_build_stats *stats, char *err, size_t errsz)
{
	struct build b;
	struct scratch sc;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&sc, 0, sizeof(sc));
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (ds == NULL) {
		snprintf(err, errsz, "no dataset");
		return -1;
	}
	b.ds = ds;
	if (find_columns(ds->pools, "pools", pooldns_pool_columns, b.pc, PC_COUNT, err, errsz) !=
		    0 ||
	    find_columns(ds->members, "members", pooldns_member_columns, b.mc, MC_COUNT, err,
			 errsz) != 0)
		return -1;
	b.arena = pooldns_arena_new();
	if (b.arena == NULL)
		goto oom;
	b.snap = &sc;
	if (build_pools(&b) != 0 || build_members(&b) != 0)
		goto oom;
	for (size_t i = 0; i < sc.npools; i++) {
		struct pooldns_pool *r = pack_pool(&sc.pools[i]);
		if (r == NULL)
			goto oom;
		if (fn(ctx, r) != 0) {
			snprintf(err, errsz, "out of memory applying the data");
			goto out;
		}
	}
	if (stats != NULL)
		*stats = b.st;
	rc = 0;
	goto out;
oom:
	snprintf(err, errsz, "out of memory building the snapshot");
out:
	pooldns_arena_free(b.arena);
	free(b.prows);
	free(b.mrows);
	return rc;
}

/* ---- one row, for writers ----------------------------------------------------- */

int pooldns_build_check_pool_row(const struct pooldns_table *pools, size_t row, char *why,
				 size_t whysz)
{
	struct pooldns_dataset ds = { .pools = (struct pooldns_table *)pools };
	struct pooldns_pool p;
	uint8_t wire[POOLDNS_NAME_MAX];
	const char *name;
	struct build b;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	b.ds = &ds;
	if (find_columns(pools, "pools", pooldns_pool_columns, b.pc, PC_COUNT, why, whysz) != 0)
		return -1;
	assert(row < pools->nrows);
	if ((b.arena = pooldns_arena_new()) == NULL) {
		pooldns_set_err(why, whysz, "out of memory");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	if (get_text(&b, pcell(&b, row, PC_NAME), "name", false, &name) == 0 &&
	    check_name(&b, name, wire) >= 0) {
		rc = parse_pool_settings(&b, row, &p);
		if (rc == -2)
			snprintf(b.reason, sizeof(b.reason), "out of memory");
		rc = rc == 0 ? 0 : -1;
	}
	if (rc != 0)
		pooldns_set_err(why, whysz, "%s", b.reason);
	pooldns_arena_free(b.arena);
	return rc;
}

int pooldns_build_check_member_row(const struct pooldns_table *members, size_t row, char *why,
				   size_t whysz)
{
	struct pooldns_dataset ds = { .members = (struct pooldns_table *)members };
	struct build b;
	struct mrow m;

	memset(&b, 0, sizeof(b));
	b.ds = &ds;
	if (find_columns(members, "members", pooldns_member_columns, b.mc, MC_COUNT, why, whysz) !=
	    0)
		return -1;
	assert(row < members->nrows);
	memset(&m, 0, sizeof(m));
	if (parse_member(&b, row, &m) != 0) {
		pooldns_set_err(why, whysz, "%s", b.reason);
		return -1;
	}
	return 0;
}

static int put_record(void *ctx, struct pooldns_pool *rec)
{
	return pooldns_model_put(ctx, rec);
}

struct pooldns_snapshot *pooldns_snapshot_build(const struct pooldns_dataset *ds,
						const struct pooldns_snapshot *prev,
						struct pooldns_build_stats *stats, char *err,
						size_t errsz)
{
	struct pooldns_model *m = pooldns_model_new(NULL, NULL);
	struct pooldns_snapshot *snap = NULL;
	struct pooldns_pool *p;

	if (m == NULL || pooldns_model_begin(m, true) != 0) {
		snprintf(err, errsz, "out of memory building the snapshot");
		pooldns_model_free(m);
		return NULL;
	}
	if (pooldns_build_records(ds, put_record, m, stats, err, errsz) != 0) {
		pooldns_model_free(m);
		return NULL;
	}
	snap = pooldns_model_commit(m, ds->version, -1, NULL);
	pooldns_model_free(m);
	if (snap == NULL) {
		snprintf(err, errsz, "out of memory building the snapshot");
		return NULL;
	}
	/* Rotation goes on where prev left it. */
	for (size_t it = 0; prev != NULL && (p = pooldns_snapshot_next(snap, &it)) != NULL;) {
		const struct pooldns_pool *old =
			pooldns_snapshot_lookup(prev, p->name, p->name_len);
		if (old != NULL)
			atomic_store_explicit(&p->rr,
					      atomic_load_explicit(&old->rr, memory_order_relaxed),
					      memory_order_relaxed);
	}
	return snap;
}
