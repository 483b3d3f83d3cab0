/*
 * run.c — the case runner (see run.h). Walks the step list in order:
 * `sql` through the store, `sync` polls the server's SOA serial until it
 * reaches the store's data version, `query`/`raw` send (repeat times) and
 * hand all responses to the `expect` lines that follow, `wait-until`
 * repeats its body until it holds or its deadline passes (and, with
 * within-ms / after-ms, checks when it held), `backend` lines start,
 * change and check the case's fake backends (backend.c). Every `cleanup
 * sql` line of the case runs at the end, however far the case got; then
 * every backend of the case is stopped.
 *
 * Owns: the responses of the step being checked (freed before the next
 * step), the case's backend set. Thread model: single-threaded (the
 * backend set runs its own service thread).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backend.h"
#include "core/clock.h"
#include "eval.h"
#include "run.h"

#define SYNC_TRY_MS   1000u
#define SYNC_PAUSE_MS 50u

struct rctx {
	const struct pooldns_run_opts *o;
	const struct pooldns_case *c;
	bool have_version;
	int64_t version;
	struct pooldns_backends *be; /* created by the first backend line */
	char *msg;
	size_t msgsz;
	char *detail;
	size_t detailsz;
};

static int fail(struct rctx *r, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct rctx *r, unsigned line, const char *fmt, ...)
{
	char m[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	snprintf(r->msg, r->msgsz, "line %u: %s", line, m);
	return -1;
}

static void trace(const struct rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void trace(const struct rctx *r, const char *fmt, ...)
{
	if (!r->o->verbose || r->o->log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(r->o->log, "  %s: ", r->c->name);
	vfprintf(r->o->log, fmt, ap);
	fputc('\n', r->o->log);
	va_end(ap);
}

static bool active(const struct rctx *r, const struct pooldns_step *s)
{
	return s->targets == 0 || (s->targets & r->o->target) != 0;
}

static bool serial_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static void describe_resp(const struct pooldns_probe_resp *p, char *buf, size_t bufsz)
{
	if (p->status != POOLDNS_PROBE_OK) {
		snprintf(buf, bufsz, "%s", p->detail);
		return;
	}
	char rc[16], ans[700];
	pooldns_eval_section_text(p, POOLDNS_SEC_ANSWER, ans, sizeof ans);
	snprintf(buf, bufsz, "%s%s%s, answer: %s (%.2f ms)",
		 pooldns_case_rcode_name(p->rcode, rc, sizeof rc),
		 (p->flags & POOLDNS_CASE_FLAG_AA) ? " aa" : "",
		 (p->flags & POOLDNS_CASE_FLAG_TC) ? " tc" : "",
		 p->pkt != NULL ? ans : "(undecodable)", p->elapsed_us / 1000.0);
}

/* sql: one statement in the store. */
static int run_sql(struct rctx *r, const struct pooldns_step *s, const char *what)
{
	if (r->o->store == NULL)
		return fail(r, s->line, "%s: needs a data store (--rqlite URL or --sqlite FILE)",
			    what);
	char err[1024];
	if (pooldns_hstore_execute(r->o->store, s->text, err, sizeof err) != 0)
		return fail(r, s->line, "%s failed in %s: %s [statement: %.200s]", what,
			    pooldns_hstore_describe(r->o->store), err, s->text);
	trace(r, "line %u: %s ok: %.120s", s->line, what, s->text);
	return 0;
}

/* sync NAME: wait until the SOA serial at NAME reaches the data version. */
static int run_sync(struct rctx *r, const struct pooldns_step *s)
{
	if (r->o->store == NULL)
		return fail(r, s->line, "sync: needs a data store (--rqlite URL or --sqlite FILE)");
	char err[1024];
	int64_t v;
	if (pooldns_hstore_data_version(r->o->store, &v, err, sizeof err) != 0)
		return fail(r, s->line, "sync: reading the data version from %s: %s",
			    pooldns_hstore_describe(r->o->store), err);
	uint32_t timeout = s->timeout_ms ? s->timeout_ms : r->o->sync_timeout_ms;
	uint64_t start = pooldns_now_ms(), deadline = start + timeout;
	struct pooldns_query_spec q;
	memset(&q, 0, sizeof q);
	q.qname = s->name;
	q.qtype = LDNS_RR_TYPE_SOA;
	q.qclass = LDNS_RR_CLASS_IN;
	q.repeat = 1;
	char last[600] = "nothing asked yet";
	char *name = ldns_rdf2str(s->name);
	unsigned tries = 0;
	int rc = -1;
	for (;;) {
		uint64_t now = pooldns_now_ms();
		uint32_t left = now >= deadline ? 0 : (uint32_t)(deadline - now);
		if (left == 0 && tries > 0)
			break;
		tries++;
		uint8_t *wire = NULL;
		size_t len = 0;
		if (pooldns_probe_build(&q, &wire, &len, err, sizeof err) != 0) {
			free(name);
			return fail(r, s->line, "sync: %s", err);
		}
		struct pooldns_probe_resp resp;
		uint32_t t = left < SYNC_TRY_MS ? (left ? left : 1) : SYNC_TRY_MS;
		pooldns_probe_exchange(&r->o->server, false, wire, len, t, &resp);
		free(wire);
		bool done = false;
		if (resp.status != POOLDNS_PROBE_OK) {
			snprintf(last, sizeof last, "%s", resp.detail);
		} else if (resp.pkt == NULL) {
			snprintf(last, sizeof last, "undecodable response: %s", resp.decode_err);
		} else if (resp.rcode != 0) {
			char rn[16];
			snprintf(last, sizeof last, "rcode %s",
				 pooldns_case_rcode_name(resp.rcode, rn, sizeof rn));
		} else {
			const ldns_rr_list *ans = ldns_pkt_answer(resp.pkt);
			const ldns_rr *soa = NULL;
			for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
				const ldns_rr *x = ldns_rr_list_rr(ans, i);
				if (ldns_rr_get_type(x) == LDNS_RR_TYPE_SOA &&
				    ldns_dname_compare(ldns_rr_owner(x), s->name) == 0)
					soa = x;
			}
			const ldns_rdf *sr = soa != NULL ? ldns_rr_rdf(soa, 2) : NULL;
			if (sr == NULL || ldns_rdf_size(sr) != 4) {
				snprintf(last, sizeof last, "no SOA for %s in the answer",
					 name ? name : "?");
			} else {
				uint32_t serial = ldns_rdf2native_int32(sr);
				snprintf(last, sizeof last, "SOA serial %u", serial);
				done = serial_ge(serial, (uint32_t)v);
			}
		}
		pooldns_probe_resp_free(&resp);
		if (done) {
			rc = 0;
			break;
		}
		now = pooldns_now_ms();
		if (now >= deadline)
			break;
		uint32_t pause =
			deadline - now < SYNC_PAUSE_MS ? (uint32_t)(deadline - now) : SYNC_PAUSE_MS;
		pooldns_probe_sleep_ms(pause);
	}
	uint64_t took = pooldns_now_ms() - start;
	if (rc == 0) {
		r->have_version = true;
		r->version = v;
		trace(r, "line %u: sync %s: server at data version %lld after %llu ms", s->line,
		      name ? name : "?", (long long)v, (unsigned long long)took);
	} else {
		fail(r, s->line,
		     "sync %s: server did not reach data version %lld within %u ms (last: %s)",
		     name ? name : "?", (long long)v, timeout, last);
	}
	free(name);
	return rc;
}

/* query/raw at index qi plus the expect steps that follow it. */
static int run_query(struct rctx *r, size_t qi, size_t *next)
{
	const struct pooldns_case *c = r->c;
	const struct pooldns_step *qs = &c->steps[qi];
	size_t end = qi + 1;
	while (end < c->nsteps && c->steps[end].kind == POOLDNS_STEP_EXPECT)
		end++;
	*next = end;
	enum pooldns_response_mode mode = POOLDNS_RESP_REQUIRED;
	unsigned mode_line = qs->line;
	for (size_t i = qi + 1; i < end; i++)
		if (active(r, &c->steps[i]) && c->steps[i].e.kind == POOLDNS_EXP_RESPONSE) {
			mode = c->steps[i].e.response;
			mode_line = c->steps[i].line;
		}
	uint32_t timeout = qs->q.timeout_ms ? qs->q.timeout_ms : r->o->timeout_ms;
	size_t n = qs->q.repeat ? qs->q.repeat : 1;
	struct pooldns_probe_resp *resp = calloc(n, sizeof *resp);
	if (resp == NULL)
		return fail(r, qs->line, "out of memory");
	uint8_t *first_wire = NULL;
	size_t first_len = 0;
	int fd = -1;
	int rc = 0;
	size_t sent = 0;
	char err[512];
	for (size_t i = 0; i < n; i++) {
		uint8_t *wire = NULL;
		size_t len = 0;
		if (pooldns_probe_build(&qs->q, &wire, &len, err, sizeof err) != 0) {
			rc = fail(r, qs->line, "%s", err);
			break;
		}
		if (qs->q.tcp)
			pooldns_probe_exchange(&r->o->server, true, wire, len, timeout, &resp[i]);
		else
			pooldns_probe_exchange_udp(&r->o->server, &fd, wire, len, timeout,
						   &resp[i]);
		sent++;
		if (first_wire == NULL) {
			first_wire = wire;
			first_len = len;
		} else {
			free(wire);
		}
		if (r->o->verbose && (i < 3 || i + 1 == n)) {
			char d[900];
			describe_resp(&resp[i], d, sizeof d);
			trace(r, "line %u: %s %zu/%zu: %s", qs->line,
			      qs->kind == POOLDNS_STEP_RAW ? "raw" : "query", i + 1, n, d);
		}
		if (resp[i].status == POOLDNS_PROBE_ERROR) {
			rc = fail(r, qs->line, "cannot query the server: %s", resp[i].detail);
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; rc == 0 && i < sent; i++) {
		if (mode == POOLDNS_RESP_REQUIRED && resp[i].status != POOLDNS_PROBE_OK) {
			if (n > 1)
				rc = fail(r, qs->line, "response %zu of %zu: %s", i + 1, n,
					  resp[i].detail);
			else
				rc = fail(r, qs->line, "%s", resp[i].detail);
		} else if (mode == POOLDNS_RESP_NONE && resp[i].status == POOLDNS_PROBE_OK) {
			rc = fail(r, mode_line, "expected no response, got one");
			snprintf(r->detail, r->detailsz,
				 "  | response %zu of %zu to line %u (%s, %.2f ms):\n", i + 1, n,
				 qs->line, qs->q.tcp ? "tcp" : "udp", resp[i].elapsed_us / 1000.0);
			pooldns_probe_resp_dump(&resp[i], "  | ", r->detail, r->detailsz);
		}
	}
	struct pooldns_eval_ctx cx = {
		.sent = first_wire,
		.sent_len = first_len,
		.have_version = r->have_version,
		.version = r->version,
	};
	for (size_t i = qi + 1; rc == 0 && i < end; i++) {
		const struct pooldns_step *es = &c->steps[i];
		if (!active(r, es))
			continue;
		char m[2048];
		size_t bad;
		if (pooldns_eval_expect(&es->e, resp, sent, &cx, m, sizeof m, &bad) != 0) {
			rc = fail(r, es->line, "%s", m);
			if (bad != POOLDNS_EVAL_NO_INDEX) {
				char h[160];
				snprintf(h, sizeof h,
					 "response %zu of %zu to line %u (%s, %.2f ms):", bad + 1,
					 n, qs->line, qs->q.tcp ? "tcp" : "udp",
					 resp[bad].elapsed_us / 1000.0);
				snprintf(r->detail + strlen(r->detail),
					 r->detailsz - strlen(r->detail), "  | %s\n", h);
				pooldns_probe_resp_dump(&resp[bad], "  | ", r->detail, r->detailsz);
			}
		}
	}
	free(first_wire);
	for (size_t i = 0; i < n; i++)
		pooldns_probe_resp_free(&resp[i]);
	free(resp);
	return rc;
}

static int run_backend(struct rctx *r, const struct pooldns_step *s)
{
	const struct pooldns_backend_spec *b = &s->b;
	char err[512];
	if (b->op != POOLDNS_BACKEND_EXPECT_COUNT && b->op != POOLDNS_BACKEND_EXPECT_LAST) {
		if (r->be == NULL &&
		    (r->be = pooldns_backends_new(r->o->tls_cert, r->o->tls_key)) == NULL)
			return fail(r, s->line, "backend %s: out of memory", b->name);
		if (pooldns_backends_apply(r->be, b, err, sizeof err) != 0)
			return fail(r, s->line, "%s", err);
		static const char *const what[] = {
			"", "started", "changed", "down", "up", "reset"
		};
		trace(r, "line %u: backend %s %s", s->line, b->name,
		      b->op <= POOLDNS_BACKEND_RESET ? what[b->op] : "");
		return 0;
	}
	if (r->be == NULL)
		return fail(r, s->line, "backend %s: not running (its declaration was skipped)",
			    b->name);
	if (b->op == POOLDNS_BACKEND_EXPECT_COUNT) {
		uint64_t since = 0;
		if (b->over_ms != 0) {
			since = pooldns_now_ms();
			pooldns_probe_sleep_ms(b->over_ms);
		}
		long n = pooldns_backends_count(r->be, b->name, since, b->path, b->host);
		if (n < 0)
			return fail(r, s->line,
				    "backend %s: not running (its declaration was skipped)",
				    b->name);
		char filt[600] = "", win[64] = "since it started or was reset";
		if (b->path != NULL || b->host != NULL)
			snprintf(filt, sizeof filt, " with%s%.250s%s%.250s",
				 b->path ? " path " : "", b->path ? b->path : "",
				 b->host ? " host " : "", b->host ? b->host : "");
		if (b->over_ms != 0)
			snprintf(win, sizeof win, "in %u ms", b->over_ms);
		trace(r, "line %u: backend %s: %ld requests%s %s", s->line, b->name, n, filt, win);
		if ((uint64_t)n < b->range.min || (uint64_t)n > b->range.max) {
			char rg[48];
			if (b->range.max == UINT32_MAX)
				snprintf(rg, sizeof rg, "%u or more", b->range.min);
			else if (b->range.min == b->range.max)
				snprintf(rg, sizeof rg, "%u", b->range.min);
			else
				snprintf(rg, sizeof rg, "%u..%u", b->range.min, b->range.max);
			return fail(r, s->line, "backend %s: expected %s %s%s %s, got %ld", b->name,
				    rg, b->kind == POOLDNS_BACKEND_TCP ? "connections" : "requests",
				    filt, win, n);
		}
		return 0;
	}
	char path[256], host[256], ua[256];
	int have = pooldns_backends_last(r->be, b->name, path, sizeof path, host, sizeof host, ua,
					 sizeof ua);
	if (have < 0)
		return fail(r, s->line, "backend %s: not running (its declaration was skipped)",
			    b->name);
	if (have == 0)
		return fail(r, s->line, "backend %s: no request received yet", b->name);
	if (b->path != NULL && strcmp(b->path, path) != 0)
		return fail(r, s->line, "backend %s: last request for path '%s', expected '%s'",
			    b->name, path, b->path);
	if (b->host != NULL && strcasecmp(b->host, host) != 0) {
		size_t n = strlen(b->host);
		if (!(strncasecmp(b->host, host, n) == 0 && host[n] == ':'))
			return fail(r, s->line,
				    "backend %s: last request with Host '%s', expected '%s'",
				    b->name, host, b->host);
	}
	if (b->user_agent != NULL && strstr(ua, b->user_agent) == NULL)
		return fail(r, s->line,
			    "backend %s: last request with User-Agent '%s', expected it to contain "
			    "'%s'",
			    b->name, ua, b->user_agent);
	trace(r, "line %u: backend %s: last request %s, Host %s, User-Agent %s", s->line, b->name,
	      path, host, ua);
	return 0;
}

static int run_steps(struct rctx *r, size_t from, size_t to);

static int run_wait(struct rctx *r, size_t wi)
{
	const struct pooldns_step *ws = &r->c->steps[wi];
	uint64_t start = pooldns_now_ms(), deadline = start + ws->timeout_ms;
	unsigned rounds = 0;
	for (;;) {
		rounds++;
		r->msg[0] = '\0';
		r->detail[0] = '\0';
		if (run_steps(r, wi + 1, ws->body_end) == 0) {
			unsigned long long took = (unsigned long long)(pooldns_now_ms() - start);
			trace(r, "line %u: wait-until held after %u round%s (%llu ms)", ws->line,
			      rounds, rounds == 1 ? "" : "s", took);
			r->detail[0] = '\0';
			if (ws->after_ms != 0 && took < ws->after_ms)
				return fail(r, ws->line,
					    "wait-until held after %llu ms (round %u), earlier "
					    "than after-ms %u",
					    took, rounds, ws->after_ms);
			if (ws->within_ms != 0 && took > ws->within_ms)
				return fail(r, ws->line,
					    "wait-until held only after %llu ms (round %u), later "
					    "than within-ms %u",
					    took, rounds, ws->within_ms);
			return 0;
		}
		uint64_t now = pooldns_now_ms();
		if (now >= deadline)
			break;
		uint32_t pause = deadline - now < ws->interval_ms ? (uint32_t)(deadline - now)
								  : ws->interval_ms;
		pooldns_probe_sleep_ms(pause);
	}
	char last[2048];
	snprintf(last, sizeof last, "%s", r->msg);
	return fail(r, ws->line,
		    "wait-until did not hold within %u ms (%u rounds); last failure: %s",
		    ws->timeout_ms, rounds, last);
}

static int run_steps(struct rctx *r, size_t from, size_t to)
{
	const struct pooldns_case *c = r->c;
	size_t i = from;
	while (i < to) {
		const struct pooldns_step *s = &c->steps[i];
		if (!active(r, s)) {
			if (s->kind == POOLDNS_STEP_WAIT) {
				i = s->body_end;
			} else if (s->kind == POOLDNS_STEP_QUERY || s->kind == POOLDNS_STEP_RAW) {
				i++;
				while (i < to && c->steps[i].kind == POOLDNS_STEP_EXPECT)
					i++;
			} else {
				i++;
			}
			continue;
		}
		int rc = 0;
		size_t next = i + 1;
		switch (s->kind) {
		case POOLDNS_STEP_SQL:
			rc = run_sql(r, s, "sql");
			break;
		case POOLDNS_STEP_CLEANUP:
			break; /* at the end of the case */
		case POOLDNS_STEP_SYNC:
			rc = run_sync(r, s);
			break;
		case POOLDNS_STEP_SLEEP:
			trace(r, "line %u: sleep %u ms", s->line, s->interval_ms);
			pooldns_probe_sleep_ms(s->interval_ms);
			break;
		case POOLDNS_STEP_QUERY:
		case POOLDNS_STEP_RAW:
			rc = run_query(r, i, &next);
			break;
		case POOLDNS_STEP_WAIT:
			rc = run_wait(r, i);
			next = s->body_end;
			break;
		case POOLDNS_STEP_EXPECT:
			break; /* consumed by run_query */
		case POOLDNS_STEP_BACKEND:
			rc = run_backend(r, s);
			break;
		}
		if (rc != 0)
			return -1;
		i = next;
	}
	return 0;
}

int pooldns_run_case(const struct pooldns_run_opts *o, const struct pooldns_case *c, char *msg,
		     size_t msgsz, char *detail, size_t detailsz)
{
	struct rctx r = {
		.o = o,
		.c = c,
		.msg = msg,
		.msgsz = msgsz,
		.detail = detail,
		.detailsz = detailsz,
	};
	msg[0] = '\0';
	detail[0] = '\0';
	int rc = run_steps(&r, 0, c->nsteps);
	char first[2048];
	snprintf(first, sizeof first, "%s", msg);
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct pooldns_step *s = &c->steps[i];
		if (s->kind != POOLDNS_STEP_CLEANUP || !active(&r, s))
			continue;
		if (run_sql(&r, s, "cleanup sql") == 0)
			continue;
		if (rc == 0) {
			rc = -1;
			snprintf(first, sizeof first, "%s", msg);
		} else {
			trace(&r, "%s (after the failure)", msg);
		}
	}
	pooldns_backends_free(r.be); /* every backend stops, pass or fail */
	r.be = NULL;
	if (rc != 0)
		snprintf(msg, msgsz, "%s", first);
	return rc;
}
