/*
 * fakerqlite.c — a fake rqlite node for the fault tests
 * (tests/integration/rqlite-faults.sh, cache-faults.sh): it answers the
 * /db/query requests pooldns sends (version poll, change-feed position and
 * delta, pages of a full load, whole load) from a small data set described
 * in a control file, and can be switched at run time into fault modes.
 *
 *   fakerqlite -p PORT -c CONTROL_FILE
 *
 * The control file is read again before every request (write a new one
 * and rename it into place to change it atomically):
 *
 *   mode ok|http500|garbage|truncate|stall|reset|schema
 *   pool ID NAME          a pool (policy all, ttl 30, no health check)
 *   member POOL_ID HOST   one of its members
 *
 * Whenever the pools or members differ from the previous reading, the data
 * version goes up by one and every pool that changed gets a row in the
 * change log (seq 1, 2, ...; never pruned), as the schema's triggers do.
 *
 * Fault modes (every /db/query request; /status always answers):
 *   http500   HTTP 500 with an rqlite-like error body
 *   garbage   HTTP 200 with a body of random bytes
 *   truncate  HTTP 200, Content-Length 1000 bytes more than the body, half
 *             the body sent, then the connection closed
 *   stall     the request read, nothing answered: the connection is held
 *             for 30 s or until the mode changes, then closed
 *   reset     HTTP 200 and half the body, then a TCP reset (SO_LINGER 0)
 *   schema    answers as in ok, but schema_version is the text 'two'
 *
 * Every /db/query request is logged on stderr as
 * "fakerqlite: request N mode MODE" (the tests count them). Statements it
 * does not know get an rqlite statement error. The SQL is matched against
 * the text pooldns sends and the columns named as pooldns names them
 * (core/source/source.h), so the fake follows both.
 *
 * Owns everything it allocates. Thread model: one accepting thread and one
 * detached thread per connection; the data set, change log and mode live
 * in `struct state`, guarded by `state.lock`.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/source/source.h"

#define MAX_POOLS    64
#define MAX_MEMBERS  64 /* per pool */
#define MAX_CHANGES  100000
#define REQ_MAX      (1024 * 1024)
#define STALL_MS     30000
#define TRUNC_EXTRA  1000
#define HOST_MAX     64
#define NAME_MAX_LEN 256

enum mode { M_OK, M_HTTP500, M_GARBAGE, M_TRUNCATE, M_STALL, M_RESET, M_SCHEMA };
static const char *const mode_names[] = { "ok",    "http500", "garbage", "truncate",
					  "stall", "reset",   "schema" };

struct pool {
	int64_t id;
	char name[NAME_MAX_LEN];
	size_t nmembers;
	char members[MAX_MEMBERS][HOST_MAX];
};

struct data {
	size_t npools;
	struct pool pools[MAX_POOLS]; /* ascending id */
};

/* Shared by every connection thread, under lock. */
static struct state {
	pthread_mutex_t lock;
	const char *ctl_path;
	enum mode mode;
	bool loaded;
	struct data data;
	int64_t version;
	int64_t nchanges;     /* seq of the last change; the log is 1..nchanges */
	int64_t *change_zone; /* change_zone[seq - 1] */
	unsigned long requests;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fakerqlite: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static int cmp_pool(const void *a, const void *b)
{
	const struct pool *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* Reads the control file into *d and *mode. 0, or -1 (the last reading
 * stays in force: a file being replaced is never half-read thanks to the
 * rename, but a missing one is tolerated). */
static int read_ctl(struct data *d, enum mode *mode)
{
	FILE *f = fopen(st.ctl_path, "r");
	char line[512];

	if (f == NULL)
		return -1;
	memset(d, 0, sizeof *d);
	*mode = M_OK;
	while (fgets(line, sizeof line, f) != NULL) {
		char a[NAME_MAX_LEN], b[NAME_MAX_LEN];
		long long id;
		if (sscanf(line, "mode %63s", a) == 1) {
			size_t i;
			for (i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
				if (strcmp(a, mode_names[i]) == 0)
					break;
			if (i == sizeof mode_names / sizeof mode_names[0])
				die("unknown mode '%s'", a);
			*mode = (enum mode)i;
		} else if (sscanf(line, "pool %lld %255s", &id, a) == 2) {
			if (d->npools == MAX_POOLS)
				die("more than %d pools", MAX_POOLS);
			struct pool *p = &d->pools[d->npools++];
			p->id = id;
			snprintf(p->name, sizeof p->name, "%s", a);
		} else if (sscanf(line, "member %lld %255s", &id, b) == 2) {
			size_t i;
			for (i = 0; i < d->npools; i++)
				if (d->pools[i].id == id)
					break;
			if (i == d->npools)
				die("member %s of undeclared pool %lld", b, id);
			struct pool *p = &d->pools[i];
			if (p->nmembers == MAX_MEMBERS || strlen(b) >= HOST_MAX)
				die("pool %lld: too many members or host too long", id);
			snprintf(p->members[p->nmembers++], HOST_MAX, "%s", b);
		}
	}
	fclose(f);
	qsort(d->pools, d->npools, sizeof d->pools[0], cmp_pool);
	return 0;
}

static const struct pool *find_pool(const struct data *d, int64_t id)
{
	for (size_t i = 0; i < d->npools; i++)
		if (d->pools[i].id == id)
			return &d->pools[i];
	return NULL;
}

static bool pool_same(const struct pool *a, const struct pool *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(a->name, b->name) != 0 || a->nmembers != b->nmembers)
		return false;
	for (size_t i = 0; i < a->nmembers; i++)
		if (strcmp(a->members[i], b->members[i]) != 0)
			return false;
	return true;
}

static void log_change(int64_t zone)
{
	if (st.nchanges == MAX_CHANGES)
		die("change log full");
	st.change_zone[st.nchanges++] = zone;
}

/* Under lock: takes in the control file, logging what changed. */
static void refresh(void)
{
	static struct data d;
	enum mode mode;

	if (read_ctl(&d, &mode) != 0)
		return;
	st.mode = mode;
	if (!st.loaded) {
		st.data = d;
		st.version = 1;
		st.loaded = true;
		return;
	}
	bool changed = false;
	for (size_t i = 0; i < st.data.npools; i++) {
		const struct pool *o = &st.data.pools[i];
		if (!pool_same(o, find_pool(&d, o->id))) {
			log_change(o->id);
			changed = true;
		}
	}
	for (size_t i = 0; i < d.npools; i++)
		if (find_pool(&st.data, d.pools[i].id) == NULL) {
			log_change(d.pools[i].id);
			changed = true;
		}
	if (changed) {
		st.version++;
		st.data = d;
	}
}

/* ---- results ---- */

static json_t *result(const char *const *cols, size_t ncols)
{
	json_t *r = json_object(), *c = json_array(), *t = json_array();
	for (size_t i = 0; i < ncols; i++) {
		json_array_append_new(c, json_string(cols[i]));
		json_array_append_new(t, json_string(""));
	}
	json_object_set_new(r, "columns", c);
	json_object_set_new(r, "types", t);
	json_object_set_new(r, "values", json_array());
	return r;
}

static void add_row(json_t *r, json_t *row)
{
	json_array_append_new(json_object_get(r, "values"), row);
}

static void pool_row(json_t *r, const struct pool *p)
{
	add_row(r, json_pack("[I s i s i s s n s n i n i i i i]", (json_int_t)p->id, p->name, 30,
			     "all", 8, "all", "none", "/", 200, 5000, 2000, 2, 3));
}

static void member_rows(json_t *r, const struct pool *p)
{
	for (size_t i = 0; i < p->nmembers; i++)
		add_row(r, json_pack("[I I s i i i]", (json_int_t)(p->id * 1000 + (int64_t)i + 1),
				     (json_int_t)p->id, p->members[i], 1, 0, 1));
}

/* Pools with lo < id, at most limit of them (whole load: every pool). */
static void page(json_t *pools, json_t *members, int64_t after, int64_t limit)
{
	int64_t n = 0;
	for (size_t i = 0; i < st.data.npools && n < limit; i++) {
		const struct pool *p = &st.data.pools[i];
		if (p->id <= after)
			continue;
		n++;
		if (pools != NULL)
			pool_row(pools, p);
		if (members != NULL)
			member_rows(members, p);
	}
}

static bool zone_changed_in(int64_t zone, int64_t lo, int64_t hi)
{
	for (int64_t s = lo + 1; s <= hi && s <= st.nchanges; s++)
		if (s >= 1 && st.change_zone[s - 1] == zone)
			return true;
	return false;
}

static void changed(json_t *pools, json_t *members, int64_t lo, int64_t hi)
{
	for (size_t i = 0; i < st.data.npools; i++) {
		const struct pool *p = &st.data.pools[i];
		if (!zone_changed_in(p->id, lo, hi))
			continue;
		if (pools != NULL)
			pool_row(pools, p);
		if (members != NULL)
			member_rows(members, p);
	}
}

static json_t *stmt_error(const char *what, const char *sql)
{
	char buf[512];
	snprintf(buf, sizeof buf, "fakerqlite: %s%.400s", what, sql);
	return json_pack("{s s}", "error", buf);
}

/* Under lock: the result of one statement ("SQL" or ["SQL", params...]). */
static json_t *run_stmt(const json_t *s)
{
	const char *const *pool_cols = pooldns_pool_columns;
	const char *const *member_cols = pooldns_member_columns;
	const char *sql =
		json_is_string(s) ? json_string_value(s) : json_string_value(json_array_get(s, 0));
	const json_t *p1 = json_is_array(s) ? json_array_get(s, 1) : NULL;
	const json_t *p2 = json_is_array(s) ? json_array_get(s, 2) : NULL;
	int64_t i1 = json_is_integer(p1) ? json_integer_value(p1) : 0;
	int64_t i2 = json_is_integer(p2) ? json_integer_value(p2) : 0;
	json_t *r;

	if (sql == NULL)
		return stmt_error("not a statement", "");
	if (strcmp(sql, POOLDNS_SQL_VERSION) == 0) {
		const char *key = json_string_value(p1);
		r = result((const char *const[]){ "value" }, 1);
		if (key != NULL && strcmp(key, POOLDNS_SQL_VERSION_PARAM) == 0)
			add_row(r, json_pack("[I]", (json_int_t)st.version));
		else if (key != NULL && strcmp(key, POOLDNS_SQL_SCHEMA_VERSION_PARAM) == 0)
			add_row(r, st.mode == M_SCHEMA ? json_pack("[s]", "two")
						       : json_pack("[i]", POOLDNS_SCHEMA_VERSION));
		return r;
	}
	if (strcmp(sql, POOLDNS_SQL_CHANGE_BOUNDS) == 0) {
		r = result((const char *const[]){ "min(seq)", "max(seq)" }, 2);
		add_row(r, st.nchanges == 0 ? json_pack("[n n]")
					    : json_pack("[i I]", 1, (json_int_t)st.nchanges));
		return r;
	}
	if (strcmp(sql, POOLDNS_SQL_CHANGES) == 0) {
		r = result((const char *const[]){ "seq", "zone_id" }, 2);
		for (int64_t q = i1 + 1; q <= i2 && q <= st.nchanges; q++)
			if (q >= 1)
				add_row(r, json_pack("[I I]", (json_int_t)q,
						     (json_int_t)st.change_zone[q - 1]));
		return r;
	}
	if (strcmp(sql, POOLDNS_SQL_CHANGED_POOLS) == 0) {
		r = result(pool_cols, POOLDNS_POOL_NCOLS);
		changed(r, NULL, i1, i2);
		return r;
	}
	if (strcmp(sql, POOLDNS_SQL_CHANGED_MEMBERS) == 0) {
		r = result(member_cols, POOLDNS_MEMBER_NCOLS);
		changed(NULL, r, i1, i2);
		return r;
	}
	if (strcmp(sql, POOLDNS_SQL_PAGE_POOLS) == 0 || strcmp(sql, POOLDNS_SQL_POOLS) == 0) {
		bool whole = strcmp(sql, POOLDNS_SQL_POOLS) == 0;
		r = result(pool_cols, POOLDNS_POOL_NCOLS);
		page(r, NULL, whole ? INT64_MIN : i1, whole ? INT64_MAX : i2);
		return r;
	}
	if (strcmp(sql, POOLDNS_SQL_PAGE_MEMBERS) == 0 || strcmp(sql, POOLDNS_SQL_MEMBERS) == 0) {
		bool whole = strcmp(sql, POOLDNS_SQL_MEMBERS) == 0;
		r = result(member_cols, POOLDNS_MEMBER_NCOLS);
		page(NULL, r, whole ? INT64_MIN : i1, whole ? INT64_MAX : i2);
		return r;
	}
	return stmt_error("unknown statement: ", sql);
}

/* ---- HTTP ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_response(int fd, int status, const char *body, size_t len, size_t claimed)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 status, status == 200 ? "OK" : "Internal Server Error", claimed);
	if (write_all(fd, head, (size_t)n) != 0)
		return -1;
	return write_all(fd, body, len);
}

/* Reads one request: 1 with the body in *body (caller frees), 0 on a
 * clean close, -1 on an error. *path gets the request target. */
static int read_request(int fd, char *buf, size_t *have, char *path, size_t pathsz, char **body,
			size_t *bodylen)
{
	char *end;
	for (;;) {
		buf[*have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL)
			break;
		if (*have >= REQ_MAX - 1)
			return -1;
		ssize_t n = recv(fd, buf + *have, REQ_MAX - 1 - *have, 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		*have += (size_t)n;
	}
	size_t hlen = (size_t)(end - buf) + 4;
	size_t clen = 0;
	for (char *l = strstr(buf, "\r\n"); l != NULL && l < end; l = strstr(l + 2, "\r\n"))
		if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
			clen = strtoul(l + 17, NULL, 10);
	if (sscanf(buf, "%*s %1023s", path) != 1 || pathsz < 1024 || clen > REQ_MAX - hlen)
		return -1;
	while (*have < hlen + clen) {
		ssize_t n = recv(fd, buf + *have, REQ_MAX - 1 - *have, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		*have += (size_t)n;
	}
	*body = strndup(buf + hlen, clen);
	*bodylen = clen;
	/* keep what follows (a pipelined request) */
	memmove(buf, buf + hlen + clen, *have - hlen - clen);
	*have -= hlen + clen;
	return *body != NULL ? 1 : -1;
}

static void ms_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Answers one /db/query. Returns true when the connection stays open. */
static bool db_query(int fd, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(body, len, 0, &jerr);
	json_t *results = json_array();
	enum mode mode;
	unsigned long nreq;

	pthread_mutex_lock(&st.lock);
	refresh();
	mode = st.mode;
	nreq = ++st.requests;
	if (json_is_array(req))
		for (size_t i = 0; i < json_array_size(req); i++)
			json_array_append_new(results, run_stmt(json_array_get(req, i)));
	pthread_mutex_unlock(&st.lock);
	json_decref(req);
	fprintf(stderr, "fakerqlite: request %lu mode %s\n", nreq, mode_names[mode]);

	json_t *root = json_pack("{s o}", "results", results);
	char *out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	size_t olen = strlen(out);
	bool keep = false;

	switch (mode) {
	case M_OK:
	case M_SCHEMA:
		keep = send_response(fd, 200, out, olen, olen) == 0;
		break;
	case M_HTTP500: {
		static const char e[] = "{\"error\":\"fakerqlite: internal error\"}";
		send_response(fd, 500, e, sizeof e - 1, sizeof e - 1);
		break;
	}
	case M_GARBAGE: {
		char g[600];
		for (size_t i = 0; i < sizeof g; i++)
			g[i] = (char)(rand() & 0xff);
		send_response(fd, 200, g, sizeof g, sizeof g);
		break;
	}
	case M_TRUNCATE:
		send_response(fd, 200, out, olen / 2, olen + TRUNC_EXTRA);
		break;
	case M_RESET: {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		send_response(fd, 200, out, olen / 2, olen);
		ms_sleep(20); /* the half body reaches the client first */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		break;
	}
	case M_STALL:
		for (long waited = 0; waited < STALL_MS; waited += 50) {
			ms_sleep(50);
			pthread_mutex_lock(&st.lock);
			refresh();
			bool still = st.mode == M_STALL;
			pthread_mutex_unlock(&st.lock);
			if (!still)
				break;
		}
		break;
	}
	free(out);
	return keep;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(REQ_MAX);
	size_t have = 0;

	while (buf != NULL) {
		char path[1024], *body = NULL;
		size_t blen = 0;
		if (read_request(fd, buf, &have, path, sizeof path, &body, &blen) != 1)
			break;
		bool keep;
		if (strncmp(path, "/db/query", 9) == 0) {
			keep = db_query(fd, body, blen);
		} else if (strcmp(path, "/status") == 0 || strcmp(path, "/readyz") == 0) {
			char s[256];
			pthread_mutex_lock(&st.lock);
			refresh();
			int n = snprintf(s, sizeof s,
					 "{\"fakerqlite\":{\"data_version\":%lld,\"mode\":\"%s\"}}",
					 (long long)st.version, mode_names[st.mode]);
			pthread_mutex_unlock(&st.lock);
			keep = send_response(fd, 200, s, (size_t)n, (size_t)n) == 0;
		} else {
			static const char nf[] = "{\"error\":\"not found\"}";
			keep = send_response(fd, 404, nf, sizeof nf - 1, sizeof nf - 1) == 0;
		}
		free(body);
		if (!keep)
			break;
	}
	free(buf);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int opt, port = 0;

	while ((opt = getopt(argc, argv, "p:c:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'c')
			st.ctl_path = optarg;
		else
			die("usage: fakerqlite -p PORT -c CONTROL_FILE");
	}
	if (port <= 0 || port > 65535 || st.ctl_path == NULL)
		die("usage: fakerqlite -p PORT -c CONTROL_FILE");
	st.change_zone = malloc(MAX_CHANGES * sizeof *st.change_zone);
	if (st.change_zone == NULL)
		die("out of memory");
	srand((unsigned)time(NULL));
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_lock(&st.lock);
	refresh();
	if (!st.loaded)
		die("cannot read %s", st.ctl_path);
	pthread_mutex_unlock(&st.lock);

	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 64) != 0)
		die("127.0.0.1:%d: %s", port, strerror(errno));
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &a, conn_main, (void *)(intptr_t)fd) != 0)
			close(fd);
		pthread_attr_destroy(&a);
	}
}
