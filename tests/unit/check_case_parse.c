/*
 * check_case_parse.c — unit tests of the harness's case-file parser
 * (harness/case_parse.c): every directive and option, block structure,
 * comments and continuations, and that bad input is rejected with the
 * right file:line message instead of crashing. A second test case checks
 * the expectation evaluator (harness/eval.c) on responses built with
 * ldns, so that a broken check cannot make every case pass. A third one
 * runs the fake backends of harness/backend.c on loopback and talks to
 * them with plain sockets.
 *
 * Thread model: Check's default (forked tests); loopback sockets only
 * (127.0.0.1 and kernel-free fixed ports 29990..29999), no store.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "backend.h"
#include "case.h"
#include "core/clock.h"
#include "eval.h"
#include "probe.h"

static struct pooldns_case pc;
static char perrbuf[1024];

static int parse(const char *text)
{
	pooldns_case_free(&pc);
	perrbuf[0] = '\0';
	return pooldns_case_parse(text, strlen(text), "t.case", &pc, perrbuf, sizeof perrbuf);
}

/* Parsing must fail with a message starting "t.case:LINE: " and containing want. */
static void bad(const char *text, unsigned line, const char *want)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "t.case:%u: ", line);
	ck_assert_msg(parse(text) == -1, "accepted: %s", text);
	ck_assert_msg(strncmp(perrbuf, prefix, strlen(prefix)) == 0, "message '%s' lacks '%s'",
		      perrbuf, prefix);
	ck_assert_msg(strstr(perrbuf, want) != NULL, "message '%s' lacks '%s'", perrbuf, want);
	ck_assert_uint_eq(pc.nsteps, 0);
	ck_assert_ptr_null(pc.steps);
}

static void teardown(void)
{
	pooldns_case_free(&pc);
}

START_TEST(test_minimal_defaults)
{
	ck_assert_int_eq(parse("query google.com.\n"), 0);
	ck_assert_str_eq(pc.name, "t.case");
	ck_assert_uint_eq(pc.nsteps, 1);
	const struct pooldns_step *s = &pc.steps[0];
	ck_assert_int_eq(s->kind, POOLDNS_STEP_QUERY);
	ck_assert_uint_eq(s->line, 1);
	ck_assert_uint_eq(s->targets, 0);
	ck_assert_int_eq(s->q.qtype, LDNS_RR_TYPE_A);
	ck_assert_int_eq(s->q.qclass, LDNS_RR_CLASS_IN);
	ck_assert(!s->q.tcp);
	ck_assert(!s->q.edns);
	ck_assert(!s->q.rd && !s->q.cd && !s->q.do_bit);
	ck_assert_uint_eq(s->q.repeat, 1);
	ck_assert_uint_eq(s->q.timeout_ms, 0);
	char *n = ldns_rdf2str(s->q.qname);
	ck_assert_str_eq(n, "google.com.");
	free(n);
}
END_TEST

START_TEST(test_query_options)
{
	ck_assert_int_eq(parse("query GoOgLe.CoM AAAA CH tcp payload 4096 edns-version 1 do rd cd "
			       "repeat 20 timeout-ms 700 ecs 198.51.100.77/24\n"),
			 0);
	const struct pooldns_query_spec *q = &pc.steps[0].q;
	ck_assert_int_eq(q->qtype, LDNS_RR_TYPE_AAAA);
	ck_assert_int_eq(q->qclass, LDNS_RR_CLASS_CH);
	ck_assert(q->tcp && q->edns && q->do_bit && q->rd && q->cd);
	ck_assert_uint_eq(q->payload, 4096);
	ck_assert_uint_eq(q->edns_version, 1);
	ck_assert_uint_eq(q->repeat, 20);
	ck_assert_uint_eq(q->timeout_ms, 700);
	ck_assert(q->ecs);
	ck_assert_int_eq(q->ecs_family, 1);
	ck_assert_uint_eq(q->ecs_prefix, 24);
	ck_assert_uint_eq(q->ecs_addr[2], 100);
	/* The name keeps its case and becomes absolute. */
	char *n = ldns_rdf2str(q->qname);
	ck_assert_str_eq(n, "GoOgLe.CoM.");
	free(n);

	ck_assert_int_eq(parse("query x. ANY\n"), 0);
	ck_assert_int_eq(pc.steps[0].q.qtype, LDNS_RR_TYPE_ANY);
	ck_assert_int_eq(parse("query x. MX ANY edns\n"), 0);
	ck_assert_int_eq(pc.steps[0].q.qtype, LDNS_RR_TYPE_MX);
	ck_assert_int_eq(pc.steps[0].q.qclass, LDNS_RR_CLASS_ANY);
	ck_assert(pc.steps[0].q.edns);
	ck_assert_uint_eq(pc.steps[0].q.payload, 1232);
	ck_assert_int_eq(parse("query x. ecs 2001:db8::/48\n"), 0);
	ck_assert_int_eq(pc.steps[0].q.ecs_family, 2);
	ck_assert_uint_eq(pc.steps[0].q.ecs_prefix, 48);

	bad("query\n", 1, "missing name");
	bad("\n\nquery x. A bogus\n", 3, "unknown type, class or option 'bogus'");
	bad("query x. A A\n", 1, "'A'");
	bad("query x. repeat 0\n", 1, "repeat");
	bad("query x. repeat\n", 1, "missing value");
	bad("query x. payload 70000\n", 1, "payload");
	bad("query x. edns-version -1\n", 1, "edns-version");
	bad("query x. ecs 10.0.0.0/33\n", 1, "0..32");
	bad("query x. ecs 10.0.0.0\n", 1, "ADDRESS/PREFIX");
	bad("query x. ecs nothing/8\n", 1, "not an IP address");
	bad("query x. do noedns\n", 1, "noedns conflicts");
	bad("query a..b A\n", 1, "not a domain name");
}
END_TEST

START_TEST(test_raw)
{
	ck_assert_int_eq(parse("raw tcp timeout-ms 300 repeat 2 1234 00 0001 aBcD\n"), 0);
	const struct pooldns_query_spec *q = &pc.steps[0].q;
	ck_assert_int_eq(pc.steps[0].kind, POOLDNS_STEP_RAW);
	ck_assert(q->tcp);
	ck_assert_uint_eq(q->timeout_ms, 300);
	ck_assert_uint_eq(q->repeat, 2);
	ck_assert_uint_eq(q->raw_len, 7);
	static const uint8_t want[] = { 0x12, 0x34, 0x00, 0x00, 0x01, 0xab, 0xcd };
	ck_assert(memcmp(q->raw, want, sizeof want) == 0);
	bad("raw 123\n", 1, "odd number");
	bad("raw 12 zz\n", 1, "neither an option nor hex");
	bad("raw udp\n", 1, "no packet bytes");
	bad("raw\n", 1, "no packet bytes");
}
END_TEST

START_TEST(test_expect_basic)
{
	ck_assert_int_eq(parse("query x.\n"
			       "expect rcode nxdomain\n"
			       "expect rcode BADVERS\n"
			       "expect rcode 4095\n"
			       "expect flags qr aa !tc !ra\n"
			       "expect count answer 1..3\n"
			       "expect count authority 2..\n"
			       "expect ttl answer 30\n"
			       "expect answer empty\n"
			       "expect types additional A AAAA\n"
			       "expect question\n"
			       "expect response optional\n"
			       "expect same\n"),
			 0);
	ck_assert_uint_eq(pc.nsteps, 13);
	const struct pooldns_step *s = pc.steps;
	ck_assert_uint_eq(s[1].e.rcode, 3);
	ck_assert_uint_eq(s[2].e.rcode, 16);
	ck_assert_uint_eq(s[3].e.rcode, 4095);
	ck_assert_uint_eq(s[4].e.flags_set, POOLDNS_CASE_FLAG_QR | POOLDNS_CASE_FLAG_AA);
	ck_assert_uint_eq(s[4].e.flags_clear, POOLDNS_CASE_FLAG_TC | POOLDNS_CASE_FLAG_RA);
	ck_assert_int_eq(s[5].e.kind, POOLDNS_EXP_COUNT);
	ck_assert_uint_eq(s[5].e.range.min, 1);
	ck_assert_uint_eq(s[5].e.range.max, 3);
	ck_assert_uint_eq(s[6].e.range.max, UINT32_MAX);
	ck_assert_int_eq(s[6].e.section, POOLDNS_SEC_AUTHORITY);
	ck_assert_int_eq(s[7].e.kind, POOLDNS_EXP_TTL);
	ck_assert_int_eq(s[8].e.kind, POOLDNS_EXP_COUNT);
	ck_assert_uint_eq(s[8].e.range.max, 0);
	ck_assert_uint_eq(s[9].e.ntypes, 2);
	ck_assert_int_eq(s[9].e.section, POOLDNS_SEC_ADDITIONAL);
	ck_assert_int_eq(s[11].e.response, POOLDNS_RESP_OPTIONAL);
	ck_assert_uint_eq(s[12].line, 13);

	bad("query x.\nexpect rcode BOGUS\n", 2, "rcode");
	bad("query x.\nexpect rcode 4096\n", 2, "rcode");
	bad("query x.\nexpect flags zz\n", 2, "unknown flag 'zz'");
	bad("query x.\nexpect flags aa !aa\n", 2, "given twice");
	bad("query x.\nexpect count answer 3..1\n", 2, "expect count");
	bad("query x.\nexpect count nowhere 3\n", 2, "expect count");
	bad("query x.\nexpect ttl answer\n", 2, "expect ttl");
	bad("query x.\nexpect answer full\n", 2, "not 'full'");
	bad("query x.\nexpect answer empty now\n", 2, "takes nothing more");
	bad("query x.\nexpect types answer NOPE\n", 2, "unknown type");
	bad("query x.\nexpect response maybe\n", 2, "required, none or optional");
	bad("query x.\nexpect weather sunny\n", 2, "unknown check 'weather'");
	bad("query x.\nexpect\n", 2, "missing what to check");
}
END_TEST

START_TEST(test_expect_records)
{
	ck_assert_int_eq(parse("query x.\n"
			       "expect answer exactly\n"
			       "\tgoogle.com. 30 IN A 142.250.180.14\n"
			       "  # a comment inside the block\n"
			       "\tgoogle.com AAAA 2001:db8::1\n"
			       "end\n"
			       "expect answer contains a.example. IN A 192.0.2.1\n"
			       "expect authority excludes a.example. 60 NS ns.example.\n"
			       "expect seen a.example. A 192.0.2.2\n"
			       "expect count-of 3..5 a.example. A 192.0.2.3\n"
			       "expect first-of 0 a.example. A 192.0.2.4\n"),
			 0);
	const struct pooldns_expect *e = &pc.steps[1].e;
	ck_assert_int_eq(e->kind, POOLDNS_EXP_SET);
	ck_assert_int_eq(e->set_mode, POOLDNS_SET_EXACTLY);
	ck_assert_uint_eq(e->nrrs, 2);
	ck_assert(e->rrs[0].ttl_given);
	ck_assert_uint_eq(ldns_rr_ttl(e->rrs[0].rr), 30);
	ck_assert(!e->rrs[1].ttl_given);
	ck_assert_int_eq(ldns_rr_get_type(e->rrs[1].rr), LDNS_RR_TYPE_AAAA);
	char *o = ldns_rdf2str(ldns_rr_owner(e->rrs[1].rr));
	ck_assert_str_eq(o, "google.com.");
	free(o);
	ck_assert_int_eq(pc.steps[2].e.set_mode, POOLDNS_SET_CONTAINS);
	ck_assert_uint_eq(pc.steps[2].e.nrrs, 1);
	ck_assert_int_eq(pc.steps[3].e.set_mode, POOLDNS_SET_EXCLUDES);
	ck_assert_int_eq(pc.steps[3].e.section, POOLDNS_SEC_AUTHORITY);
	ck_assert_int_eq(pc.steps[4].e.kind, POOLDNS_EXP_SEEN);
	ck_assert_int_eq(pc.steps[5].e.kind, POOLDNS_EXP_COUNT_OF);
	ck_assert_uint_eq(pc.steps[5].e.range.min, 3);
	ck_assert_int_eq(pc.steps[6].e.kind, POOLDNS_EXP_FIRST_OF);
	ck_assert_uint_eq(pc.steps[6].e.range.max, 0);
	ck_assert_uint_eq(pc.steps[6].line, 11);

	bad("query x.\nexpect answer exactly\nend\n", 3, "empty record block (opened on line 2)");
	bad("query x.\nexpect answer exactly\nx. A 1.2.3.4\n", 2, "not closed");
	bad("query x.\nexpect answer within\nx. A 1.2.3.999\nend\n", 3, "record 'x. A 1.2.3.999'");
	bad("query x.\nexpect answer within\nx. A\nend\n", 3, "x. A");
	bad("query x.\nexpect answer within x. OPT 1\n", 2, "record");
	bad("query x.\nexpect seen\n$ORIGIN x.\nend\n", 3, "owner must be a domain name");
	bad("query x.\nexpect count-of 3 \n", 2, "expect count-of");
	bad("query x.\nexpect first-of x. A 1.2.3.4\n", 2, "expect first-of");
}
END_TEST

START_TEST(test_expect_soa_edns)
{
	ck_assert_int_eq(
		parse("query x.\n"
		      "expect soa authority owner Example.COM serial-min version ttl 60..3600\n"
		      "expect soa answer serial 7\n"
		      "expect edns present version 0 payload 1232 do ecs-scope 24\n"
		      "expect edns present !do payload 512..\n"
		      "expect edns absent\n"),
		0);
	const struct pooldns_expect *e = &pc.steps[1].e;
	ck_assert_int_eq(e->kind, POOLDNS_EXP_SOA);
	ck_assert_ptr_nonnull(e->soa_owner);
	ck_assert(e->soa_serial_min.set && e->soa_serial_min.use_version);
	ck_assert(!e->soa_serial.set);
	ck_assert(e->soa_ttl_set);
	ck_assert_uint_eq(e->soa_ttl.max, 3600);
	ck_assert(pc.steps[2].e.soa_serial.set && !pc.steps[2].e.soa_serial.use_version);
	ck_assert_uint_eq(pc.steps[2].e.soa_serial.value, 7);
	e = &pc.steps[3].e;
	ck_assert(e->edns_present && e->edns_version_set && e->edns_payload_set &&
		  e->ecs_scope_set);
	ck_assert_int_eq(e->edns_do, POOLDNS_TRI_YES);
	ck_assert_uint_eq(e->ecs_scope, 24);
	ck_assert_int_eq(pc.steps[4].e.edns_do, POOLDNS_TRI_NO);
	ck_assert(!pc.steps[5].e.edns_present);

	bad("query x.\nexpect soa\n", 2, "needs a section");
	bad("query x.\nexpect soa answer serial soon\n", 2, "neither a number nor 'version'");
	bad("query x.\nexpect soa answer owner\n", 2, "missing name");
	bad("query x.\nexpect soa answer flavour 1\n", 2, "unknown option");
	bad("query x.\nexpect edns\n", 2, "present or absent");
	bad("query x.\nexpect edns absent version 0\n", 2, "takes no options");
	bad("query x.\nexpect edns present version 256\n", 2, "version");
	bad("query x.\nexpect edns present payload\n", 2, "payload");
}
END_TEST

START_TEST(test_structure)
{
	bad("expect rcode NOERROR\n", 1, "must follow a query");
	bad("query x.\nsql SELECT 1\nexpect rcode NOERROR\n", 3, "must follow a query");
	bad("sql SELECT 1\n", 1, "no query or raw step");
	bad("# only a comment\n\n", 2, "no query or raw step");
	bad("", 1, "no query or raw step");
	bad("query x.\nfrobnicate now\n", 2, "unknown directive 'frobnicate'");
	bad("query x.\nbackend web1 http 127.0.0.1\n", 2,
	    "backend: expected 'backend NAME http ADDRESS PORT");
	bad("query x.\nend\n", 2, "no open block");
	bad("query x.\nsql\n", 2, "missing statement");
	bad("query x.\ncleanup DELETE FROM t\n", 2, "cleanup sql STATEMENT");
	bad("query x.\nsync\n", 2, "missing the SOA name");
	bad("query x.\nsync x. timeout-ms 0\n", 2, "timeout-ms");
	bad("query x.\nsync x. soon\n", 2, "unknown option");
	bad("query x.\nsleep\n", 2, "sleep");
	bad("query x.\nsleep 600001\n", 2, "sleep");
	static const char nul[] = "query x.\nquery y.\0\n";
	ck_assert_int_eq(
		pooldns_case_parse(nul, sizeof nul - 1, "t.case", &pc, perrbuf, sizeof perrbuf),
		-1);
	ck_assert_msg(strncmp(perrbuf, "t.case:2: NUL byte", 18) == 0, "%s", perrbuf);
}
END_TEST

START_TEST(test_targets)
{
	ck_assert_int_eq(parse("@standalone query x.\n"
			       "@unbound expect rcode NOERROR\n"
			       "@standalone,unbound expect flags aa\n"
			       "expect flags qr\n"),
			 0);
	ck_assert_uint_eq(pc.steps[0].targets, POOLDNS_CASE_TARGET_STANDALONE);
	ck_assert_uint_eq(pc.steps[1].targets, POOLDNS_CASE_TARGET_UNBOUND);
	ck_assert_uint_eq(pc.steps[2].targets,
			  POOLDNS_CASE_TARGET_STANDALONE | POOLDNS_CASE_TARGET_UNBOUND);
	ck_assert_uint_eq(pc.steps[3].targets, 0);
	ck_assert_uint_eq(pooldns_case_target_parse("unbound"), POOLDNS_CASE_TARGET_UNBOUND);
	ck_assert_uint_eq(pooldns_case_target_parse("bind"), 0);
	bad("@bind query x.\n", 1, "unknown target 'bind'");
	bad("@ query x.\n", 1, "needs a target name");
	bad("@, query x.\n", 1, "needs a target name");
	bad("query x.\n@standalone\n", 2, "without a directive");
	bad("query x.\nwait-until\nquery y.\n@standalone end\n", 4, "no target prefix");
}
END_TEST

START_TEST(test_wait_until)
{
	ck_assert_int_eq(parse("query a.\n"
			       "wait-until timeout-ms 3000 interval-ms 20\n"
			       "  query b.\n"
			       "  expect rcode NOERROR\n"
			       "end\n"
			       "query c.\n"),
			 0);
	ck_assert_uint_eq(pc.nsteps, 5);
	ck_assert_int_eq(pc.steps[1].kind, POOLDNS_STEP_WAIT);
	ck_assert_uint_eq(pc.steps[1].timeout_ms, 3000);
	ck_assert_uint_eq(pc.steps[1].interval_ms, 20);
	ck_assert_uint_eq(pc.steps[1].body_end, 4);
	ck_assert_int_eq(pc.steps[4].kind, POOLDNS_STEP_QUERY);
	ck_assert_uint_eq(pc.steps[4].line, 6);
	/* Defaults. */
	ck_assert_int_eq(parse("wait-until\nquery b.\nend\n"), 0);
	ck_assert_uint_eq(pc.steps[0].timeout_ms, 5000);
	ck_assert_uint_eq(pc.steps[0].interval_ms, 100);

	bad("wait-until\nquery a.\n", 1, "wait-until not closed");
	bad("wait-until\nend\nquery a.\n", 2, "empty block");
	bad("wait-until\nwait-until\n", 2, "cannot be nested");
	bad("wait-until\nsql SELECT 1\nend\n", 2, "not allowed inside wait-until");
	bad("wait-until\nsync x.\nend\n", 2, "not allowed inside wait-until");
	bad("wait-until\nsleep 5\nend\n", 2, "not allowed inside wait-until");
	bad("wait-until\nquery a.\nend\nexpect rcode NOERROR\n", 4, "must follow a query");
	bad("wait-until fast\nquery a.\nend\n", 1, "unknown option");
}
END_TEST

START_TEST(test_wait_timed)
{
	ck_assert_int_eq(
		parse("wait-until within-ms 1100 after-ms 400 interval-ms 50\nquery b.\nend\n"), 0);
	ck_assert_uint_eq(pc.steps[0].within_ms, 1100);
	ck_assert_uint_eq(pc.steps[0].after_ms, 400);
	ck_assert_uint_eq(pc.steps[0].timeout_ms, 3200); /* 2 x within + 1000 */
	ck_assert_int_eq(parse("wait-until timeout-ms 2000 within-ms 2000\nquery b.\nend\n"), 0);
	ck_assert_uint_eq(pc.steps[0].timeout_ms, 2000);
	ck_assert_int_eq(parse("wait-until\nquery b.\nend\n"), 0);
	ck_assert_uint_eq(pc.steps[0].within_ms, 0);
	ck_assert_uint_eq(pc.steps[0].after_ms, 0);
	bad("wait-until timeout-ms 1000 within-ms 2000\nquery b.\nend\n", 1,
	    "longer than timeout-ms");
	bad("wait-until within-ms 500 after-ms 500\nquery b.\nend\n", 1,
	    "not shorter than within-ms");
	bad("wait-until after-ms 5000\nquery b.\nend\n", 1, "not shorter than timeout-ms");
	bad("wait-until within-ms 0\nquery b.\nend\n", 1, "within-ms");
	bad("wait-until after-ms\nquery b.\nend\n", 1, "missing value");
}
END_TEST

START_TEST(test_backend_parse)
{
	ck_assert_int_eq(
		parse("backend web-1 http 127.0.26.1 20261 status 503 body ok delay-ms 20 close\n"
		      "backend s https 127.0.26.2 20261 down\n"
		      "backend t tcp ::1 20262\n"
		      "backend web-1 set status 200 body fine delay-ms 0 answer\n"
		      "backend t down\n"
		      "backend t up\n"
		      "backend s reset\n"
		      "backend web-1 expect requests 2..5 path /x host h.test over-ms 300\n"
		      "backend t expect requests 0\n"
		      "wait-until\n"
		      "  backend s expect requests 1..\n"
		      "  backend s expect request path /h host member.test user-agent pooldns/\n"
		      "end\n"
		      "query x.\n"),
		0);
	ck_assert_uint_eq(pc.nsteps, 13);
	const struct pooldns_backend_spec *b = &pc.steps[0].b;
	ck_assert_int_eq(pc.steps[0].kind, POOLDNS_STEP_BACKEND);
	ck_assert_int_eq(b->op, POOLDNS_BACKEND_START);
	ck_assert_str_eq(b->name, "web-1");
	ck_assert_int_eq(b->kind, POOLDNS_BACKEND_HTTP);
	ck_assert_int_eq(b->family, AF_INET);
	ck_assert_uint_eq(b->port, 20261);
	ck_assert_uint_eq(b->status, 503);
	ck_assert_str_eq(b->body, "ok");
	ck_assert_uint_eq(b->delay_ms, 20);
	ck_assert(b->close_conn && !b->start_down);
	b = &pc.steps[1].b;
	ck_assert_int_eq(b->kind, POOLDNS_BACKEND_HTTPS);
	ck_assert(b->start_down);
	ck_assert_uint_eq(b->status, 200);
	ck_assert_str_eq(b->body, "OK");
	ck_assert_int_eq(pc.steps[2].b.family, AF_INET6);
	ck_assert_int_eq(pc.steps[2].b.kind, POOLDNS_BACKEND_TCP);
	b = &pc.steps[3].b;
	ck_assert_int_eq(b->op, POOLDNS_BACKEND_SET);
	ck_assert(b->status_set && b->body_set && b->delay_set && b->close_set && !b->close_conn);
	ck_assert_str_eq(b->body, "fine");
	ck_assert_int_eq(pc.steps[4].b.op, POOLDNS_BACKEND_DOWN);
	ck_assert_int_eq(pc.steps[5].b.op, POOLDNS_BACKEND_UP);
	ck_assert_int_eq(pc.steps[6].b.op, POOLDNS_BACKEND_RESET);
	b = &pc.steps[7].b;
	ck_assert_int_eq(b->op, POOLDNS_BACKEND_EXPECT_COUNT);
	ck_assert_uint_eq(b->range.min, 2);
	ck_assert_uint_eq(b->range.max, 5);
	ck_assert_str_eq(b->path, "/x");
	ck_assert_str_eq(b->host, "h.test");
	ck_assert_uint_eq(b->over_ms, 300);
	ck_assert_int_eq(pc.steps[8].b.kind, POOLDNS_BACKEND_TCP);
	ck_assert_int_eq(pc.steps[9].kind, POOLDNS_STEP_WAIT);
	ck_assert_uint_eq(pc.steps[9].body_end, 12);
	b = &pc.steps[11].b;
	ck_assert_int_eq(b->op, POOLDNS_BACKEND_EXPECT_LAST);
	ck_assert_str_eq(b->user_agent, "pooldns/");

	bad("backend a set status 500\nquery x.\n", 1, "not declared");
	bad("backend a http 127.0.0.1 1\nbackend a tcp 127.0.0.2 1\nquery x.\n", 2,
	    "already declared");
	bad("backend a http 127.0.0.1 1\nbackend b tcp 127.0.0.1 1\nquery x.\n", 2,
	    "already used by backend 'a'");
	bad("backend a http 192.0.2.1 80\nquery x.\n", 1, "not a loopback address");
	bad("backend a http 2001:db8::1 80\nquery x.\n", 1, "not a loopback address");
	bad("backend a http localhost 80\nquery x.\n", 1, "not an IP address");
	bad("backend a http 127.0.0.1 0\nquery x.\n", 1, "1..65535");
	bad("backend a http 127.0.0.1 65536\nquery x.\n", 1, "1..65535");
	bad("backend a tcp 127.0.0.1 80 status 200\nquery x.\n", 1,
	    "unknown option 'status' for a tcp backend");
	bad("backend a http 127.0.0.1 80 status 99\nquery x.\n", 1, "100..599");
	bad("backend a http 127.0.0.1 80 body\nquery x.\n", 1, "missing value");
	bad("backend a tcp 127.0.0.1 80\nbackend a set status 500\nquery x.\n", 2, "tcp backend");
	bad("backend a tcp 127.0.0.1 80\nbackend a expect request\nquery x.\n", 2, "tcp backend");
	bad("backend a tcp 127.0.0.1 80\nbackend a expect requests 1 path /\nquery x.\n", 2,
	    "tcp backend");
	bad("backend a http 127.0.0.1 80\nbackend a set\nquery x.\n", 2, "nothing to set");
	bad("backend a http 127.0.0.1 80\nbackend a down now\nquery x.\n", 2, "takes nothing more");
	bad("backend a http 127.0.0.1 80\nbackend a restart\nquery x.\n", 2, "unknown action");
	bad("backend a http 127.0.0.1 80\nbackend a expect requests\nquery x.\n", 2,
	    "expected a count");
	bad("backend a http 127.0.0.1 80\nbackend a expect requests 1 user-agent x\nquery x.\n", 2,
	    "unknown option");
	bad("backend a http 127.0.0.1 80\nbackend a expect answers\nquery x.\n", 2,
	    "'requests RANGE' or 'request'");
	bad("backend a http 127.0.0.1 80\nwait-until\nbackend a set status 1\nend\n", 3,
	    "not allowed inside wait-until");
	bad("backend a http 127.0.0.1 80\nwait-until\nbackend a down\nend\n", 3,
	    "not allowed inside wait-until");
	bad("wait-until\nbackend a http 127.0.0.1 80\nend\n", 2, "inside wait-until");
	bad("backend a http 127.0.0.1 80\nwait-until\nbackend a expect requests 1 over-ms 5\nend\n",
	    3, "over-ms");
	bad("backend a/b http 127.0.0.1 80\nquery x.\n", 1, "bad name");
	bad("backend a http 127.0.0.1 80\nquery x.\nbackend a expect requests 1\nexpect rcode "
	    "NOERROR\n",
	    4, "must follow a query");
	bad("backend a http 127.0.0.1 80\n", 1, "no query or raw step");
	/* Too many backends. */
	char buf[8192];
	size_t n = 0;
	for (int i = 0; i <= POOLDNS_CASE_MAX_BACKENDS; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "backend b%d tcp 127.0.0.1 %d\n", i,
				      1000 + i);
	snprintf(buf + n, sizeof buf - n, "query x.\n");
	bad(buf, POOLDNS_CASE_MAX_BACKENDS + 1, "more than");
}
END_TEST

START_TEST(test_lines_comments_continuations)
{
	ck_assert_int_eq(parse("# header comment\r\n"
			       "sql INSERT INTO t VALUES ('a # not a comment', \\\r\n"
			       "    'b')   # a comment\r\n"
			       "cleanup sql DELETE FROM t WHERE x = '#'\n"
			       "\n"
			       "query x. # trailing comment\n"
			       "expect rcode NOERROR#glued\n"),
			 -1);
	/* A '#' glued to a word is part of it: not a comment. */
	ck_assert_msg(strncmp(perrbuf, "t.case:7: expect rcode", 22) == 0, "%s", perrbuf);

	ck_assert_int_eq(parse("# header comment\r\n"
			       "sql INSERT INTO t VALUES ('a # not a comment', \\\r\n"
			       "    'b')   # a comment\r\n"
			       "cleanup sql DELETE FROM t WHERE x = '#'\n"
			       "\n"
			       "query x. # trailing comment\n"
			       "query \\\n"
			       "  y. AAAA\n"
			       "expect rcode NOERROR"),
			 0);
	ck_assert_uint_eq(pc.nsteps, 5);
	ck_assert_int_eq(pc.steps[0].kind, POOLDNS_STEP_SQL);
	ck_assert_uint_eq(pc.steps[0].line, 2);
	ck_assert_str_eq(pc.steps[0].text, "INSERT INTO t VALUES ('a # not a comment',      'b')");
	ck_assert_int_eq(pc.steps[1].kind, POOLDNS_STEP_CLEANUP);
	ck_assert_uint_eq(pc.steps[1].line, 4);
	ck_assert_str_eq(pc.steps[1].text, "DELETE FROM t WHERE x = '#'");
	ck_assert_uint_eq(pc.steps[2].line, 6);
	ck_assert_uint_eq(pc.steps[3].line, 7);
	ck_assert_int_eq(pc.steps[3].q.qtype, LDNS_RR_TYPE_AAAA);
	ck_assert_uint_eq(pc.steps[4].line, 9);

	/* A line over the limit is an error, not a crash. */
	size_t big = POOLDNS_CASE_MAX_LINE + 10;
	char *s = malloc(big + 16);
	ck_assert_ptr_nonnull(s);
	strcpy(s, "query x.\nsql ");
	memset(s + strlen(s), 'a', big);
	s[big] = '\0';
	bad(s, 2, "longer than");
	free(s);
}
END_TEST

START_TEST(test_sync_sleep_sql)
{
	ck_assert_int_eq(parse("sql DELETE FROM dns_zone WHERE name = 'c.test.'\n"
			       "sync c.test timeout-ms 900\n"
			       "sleep 0\n"
			       "@unbound sleep 10\n"
			       "query c.test.\n"),
			 0);
	ck_assert_str_eq(pc.steps[0].text, "DELETE FROM dns_zone WHERE name = 'c.test.'");
	ck_assert_int_eq(pc.steps[1].kind, POOLDNS_STEP_SYNC);
	ck_assert_uint_eq(pc.steps[1].timeout_ms, 900);
	char *n = ldns_rdf2str(pc.steps[1].name);
	ck_assert_str_eq(n, "c.test.");
	free(n);
	ck_assert_int_eq(pc.steps[2].kind, POOLDNS_STEP_SLEEP);
	ck_assert_uint_eq(pc.steps[3].interval_ms, 10);
	ck_assert_uint_eq(pc.steps[3].targets, POOLDNS_CASE_TARGET_UNBOUND);
}
END_TEST

START_TEST(test_rcode_names_and_load)
{
	char buf[16];
	ck_assert_int_eq(pooldns_case_rcode_parse("REFUSED"), 5);
	ck_assert_int_eq(pooldns_case_rcode_parse("badvers"), 16);
	ck_assert_int_eq(pooldns_case_rcode_parse("17"), 17);
	ck_assert_int_eq(pooldns_case_rcode_parse("-1"), -1);
	ck_assert_int_eq(pooldns_case_rcode_parse(""), -1);
	ck_assert_str_eq(pooldns_case_rcode_name(3, buf, sizeof buf), "NXDOMAIN");
	ck_assert_str_eq(pooldns_case_rcode_name(16, buf, sizeof buf), "BADVERS");
	ck_assert_str_eq(pooldns_case_rcode_name(99, buf, sizeof buf), "RCODE99");

	char err[256];
	struct pooldns_case c;
	ck_assert_int_eq(pooldns_case_load("/nonexistent/dir/x.case", &c, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "x.case") != NULL, "%s", err);
	ck_assert_uint_eq(c.nsteps, 0);

	char path[] = "/tmp/check_case_parse_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("query a.\nexpect rcode NOERRUR\n", f);
	fclose(f);
	ck_assert_int_eq(pooldns_case_load(path, &c, err, sizeof err), -1);
	const char *base = strrchr(path, '/') + 1;
	char want[128];
	snprintf(want, sizeof want, "%s:2: ", base);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	unlink(path);
}
END_TEST

/* ---- expectation evaluation on responses built with ldns ---- */

static struct pooldns_probe_resp mkresp(const char *qname, ldns_rr_type qt, unsigned rcode, bool aa,
					const char *const *answers, size_t nans,
					const char *const *auth, size_t nauth, int edns_payload)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qt, LDNS_RR_CLASS_IN, 0);
	ck_assert_ptr_nonnull(p);
	ldns_pkt_set_id(p, 0x4242);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, aa);
	ldns_pkt_set_rcode(p, (uint8_t)(rcode & 0xf));
	for (size_t i = 0; i < nans; i++) {
		ldns_rr *rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, answers[i], 0, NULL, NULL),
				 LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	for (size_t i = 0; i < nauth; i++) {
		ldns_rr *rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_str(&rr, auth[i], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
	}
	if (edns_payload > 0) {
		ldns_pkt_set_edns_udp_size(p, (uint16_t)edns_payload);
		ldns_pkt_set_edns_extended_rcode(p, (uint8_t)(rcode >> 4));
	}
	uint8_t *wire = NULL;
	size_t len = 0;
	ck_assert_int_eq(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	struct pooldns_probe_resp r;
	ck_assert_int_eq(pooldns_probe_resp_set_wire(&r, wire, len), 0);
	free(wire);
	return r;
}

/* Parses "query x.\n" + expect_line and evaluates it on resp[0..n). */
static int eval(const char *expect_line, const struct pooldns_probe_resp *resp, size_t n, char *msg,
		size_t msgsz)
{
	char text[2048];
	snprintf(text, sizeof text, "query google.com.\n%s\n", expect_line);
	ck_assert_msg(parse(text) == 0, "%s", perrbuf);
	ck_assert_int_eq(pc.steps[1].kind, POOLDNS_STEP_EXPECT);
	uint8_t *sent = NULL;
	size_t sent_len = 0;
	char err[128];
	ck_assert_int_eq(pooldns_probe_build(&pc.steps[0].q, &sent, &sent_len, err, sizeof err), 0);
	struct pooldns_eval_ctx cx = {
		.sent = sent, .sent_len = sent_len, .have_version = true, .version = 5
	};
	size_t bad_index;
	msg[0] = '\0';
	int rc = pooldns_eval_expect(&pc.steps[1].e, resp, n, &cx, msg, msgsz, &bad_index);
	free(sent);
	return rc;
}

static const char *const g3[] = {
	"google.com. 30 IN A 142.250.180.14",
	"google.com. 30 IN A 142.250.180.46",
	"google.com. 30 IN A 142.250.181.14",
};

START_TEST(test_check_per_response)
{
	char m[2048];
	struct pooldns_probe_resp r =
		mkresp("google.com.", LDNS_RR_TYPE_A, 0, true, g3, 3, NULL, 0, 0);
	ck_assert_uint_eq(r.rcode, 0);
	ck_assert(!r.edns);
	ck_assert_int_eq(eval("expect rcode NOERROR", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect rcode REFUSED", &r, 1, m, sizeof m), -1);
	ck_assert_str_eq(m, "expected rcode REFUSED, got NOERROR");
	ck_assert_int_eq(eval("expect flags qr aa !tc", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect flags !aa", &r, 1, m, sizeof m), -1);
	ck_assert_msg(strstr(m, "aa clear") != NULL, "%s", m);
	ck_assert_int_eq(eval("expect flags tc", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect count answer 3", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect count answer 4..", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect answer empty", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect authority empty", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect ttl answer 30", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect ttl answer 31..", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect ttl authority 30", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect types answer A", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect types answer AAAA", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect edns absent", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect edns present", &r, 1, m, sizeof m), -1);
	/* Sets: order-insensitive, owner case-insensitive, TTL only when given. */
	ck_assert_int_eq(eval("expect answer exactly\nGOOGLE.com. A 142.250.181.14\n"
			      "google.com. A 142.250.180.14\ngoogle.com. 30 A 142.250.180.46\nend",
			      &r, 1, m, sizeof m),
			 0);
	ck_assert_int_eq(eval("expect answer exactly\ngoogle.com. A 142.250.181.14\n"
			      "google.com. A 142.250.180.14\nend",
			      &r, 1, m, sizeof m),
			 -1);
	ck_assert_msg(strstr(m, "unexpected record google.com. 30 IN A 142.250.180.46") != NULL,
		      "%s", m);
	ck_assert_int_eq(eval("expect answer exactly\ngoogle.com. A 142.250.181.14\n"
			      "google.com. A 142.250.181.14\ngoogle.com. A 142.250.180.14\nend",
			      &r, 1, m, sizeof m),
			 -1);
	ck_assert_int_eq(eval("expect answer exactly\ngoogle.com. 31 A 142.250.181.14\n"
			      "google.com. A 142.250.180.14\ngoogle.com. A 142.250.180.46\nend",
			      &r, 1, m, sizeof m),
			 -1);
	ck_assert_int_eq(
		eval("expect answer contains google.com. A 142.250.180.46", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect answer contains google.com. A 1.2.3.4", &r, 1, m, sizeof m),
			 -1);
	ck_assert_msg(strstr(m, "missing google.com. IN A 1.2.3.4") != NULL, "%s", m);
	ck_assert_int_eq(
		eval("expect answer contains other.com. A 142.250.180.46", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(
		eval("expect answer within\ngoogle.com. A 142.250.180.46\nend", &r, 1, m, sizeof m),
		-1);
	ck_assert_int_eq(eval("expect answer within\ngoogle.com. A 142.250.181.14\ngoogle.com. A "
			      "142.250.180.14\n"
			      "google.com. A 142.250.180.46\ngoogle.com. A 9.9.9.9\nend",
			      &r, 1, m, sizeof m),
			 0);
	ck_assert_int_eq(eval("expect answer excludes google.com. A 9.9.9.9", &r, 1, m, sizeof m),
			 0);
	ck_assert_int_eq(
		eval("expect answer excludes google.com. A 142.250.180.46", &r, 1, m, sizeof m),
		-1);
	/* The question was built from the same name: echoed exactly. */
	ck_assert_int_eq(eval("expect question", &r, 1, m, sizeof m), 0);
	pooldns_probe_resp_free(&r);

	/* Same name in another case: not an exact echo. */
	r = mkresp("Google.com.", LDNS_RR_TYPE_A, 0, true, g3, 3, NULL, 0, 0);
	ck_assert_int_eq(eval("expect question", &r, 1, m, sizeof m), -1);
	ck_assert_msg(strstr(m, "not echoed exactly") != NULL, "%s", m);
	pooldns_probe_resp_free(&r);
}
END_TEST

START_TEST(test_check_soa_edns)
{
	char m[2048];
	static const char *const soa[] = {
		"google.com. 60 IN SOA localhost. hostmaster.google.com. 7 3600 600 86400 60",
	};
	struct pooldns_probe_resp r =
		mkresp("x.google.com.", LDNS_RR_TYPE_A, 3, true, NULL, 0, soa, 1, 1232);
	ck_assert_uint_eq(r.rcode, 3);
	ck_assert(r.edns);
	ck_assert_uint_eq(r.edns_payload, 1232);
	ck_assert_int_eq(eval("expect rcode NXDOMAIN", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect soa authority owner GOOGLE.com. serial-min version ttl 60",
			      &r, 1, m, sizeof m),
			 0);
	ck_assert_int_eq(eval("expect soa authority serial 7", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect soa authority serial 8", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect soa authority serial-min 8", &r, 1, m, sizeof m), -1);
	ck_assert_msg(strstr(m, ">= 8") != NULL, "%s", m);
	ck_assert_int_eq(eval("expect soa authority owner example.com.", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect soa authority ttl 3600", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect soa answer", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect edns present version 0 payload 1232 !do", &r, 1, m, sizeof m),
			 0);
	ck_assert_int_eq(eval("expect edns present payload 4096", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect edns present do", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect edns present ecs-scope 0", &r, 1, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect edns absent", &r, 1, m, sizeof m), -1);
	pooldns_probe_resp_free(&r);

	/* Extended rcode: BADVERS = 16 needs the OPT record's upper bits. */
	r = mkresp("google.com.", LDNS_RR_TYPE_A, 16, false, NULL, 0, NULL, 0, 1232);
	ck_assert_uint_eq(r.rcode, 16);
	ck_assert_int_eq(eval("expect rcode BADVERS", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect rcode NOERROR", &r, 1, m, sizeof m), -1);
	ck_assert_str_eq(m, "expected rcode NOERROR, got BADVERS");
	pooldns_probe_resp_free(&r);

	/* Undecodable bytes: header checks still work, the rest fail cleanly. */
	static const uint8_t junk[] = {
		0x12, 0x34, 0x81, 0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0x3f
	};
	ck_assert_int_eq(pooldns_probe_resp_set_wire(&r, junk, sizeof junk), 0);
	ck_assert_ptr_null(r.pkt);
	ck_assert_int_eq(eval("expect rcode FORMERR", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect flags qr rd", &r, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect answer empty", &r, 1, m, sizeof m), -1);
	ck_assert_msg(strstr(m, "could not be decoded") != NULL, "%s", m);
	pooldns_probe_resp_free(&r);
}
END_TEST

START_TEST(test_check_aggregates)
{
	char m[2048];
	static const char *const a1[] = { "p.test. 30 IN A 192.0.2.1" };
	static const char *const a2[] = { "p.test. 30 IN A 192.0.2.2" };
	static const char *const a12[] = { "p.test. 30 IN A 192.0.2.1",
					   "p.test. 30 IN A 192.0.2.2" };
	static const char *const a21[] = { "p.test. 30 IN A 192.0.2.2",
					   "p.test. 30 IN A 192.0.2.1" };
	struct pooldns_probe_resp r[4];
	r[0] = mkresp("p.test.", LDNS_RR_TYPE_A, 0, true, a12, 2, NULL, 0, 0);
	r[1] = mkresp("p.test.", LDNS_RR_TYPE_A, 0, true, a21, 2, NULL, 0, 0);
	r[2] = mkresp("p.test.", LDNS_RR_TYPE_A, 0, true, a12, 2, NULL, 0, 0);
	r[3] = mkresp("p.test.", LDNS_RR_TYPE_A, 0, true, a1, 1, NULL, 0, 0);
	ck_assert_int_eq(eval("expect same", r, 3, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect same", r, 4, m, sizeof m), -1);
	ck_assert_msg(strstr(m, "response 4") != NULL, "%s", m);
	ck_assert_int_eq(eval("expect first-of 2 p.test. A 192.0.2.1", r, 3, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect first-of 1 p.test. A 192.0.2.2", r, 3, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect first-of 2.. p.test. A 192.0.2.2", r, 3, m, sizeof m), -1);
	ck_assert_msg(strstr(m, "first in 1 of 3 responses") != NULL, "%s", m);
	ck_assert_int_eq(eval("expect count-of 3 p.test. A 192.0.2.2", r, 4, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect count-of 4 p.test. A 192.0.2.2", r, 4, m, sizeof m), -1);
	ck_assert_int_eq(eval("expect seen\np.test. A 192.0.2.1\np.test. A 192.0.2.2\nend", r, 4, m,
			      sizeof m),
			 0);
	ck_assert_int_eq(eval("expect seen p.test. A 192.0.2.3", r, 4, m, sizeof m), -1);
	ck_assert_msg(strstr(m, "never seen in 4 responses") != NULL, "%s", m);
	/* Per-response checks name the failing repeat. */
	ck_assert_int_eq(eval("expect count answer 2", r, 4, m, sizeof m), -1);
	ck_assert_msg(strncmp(m, "response 4 of 4: ", 17) == 0, "%s", m);
	/* Missing responses (optional mode) are skipped, but an aggregate needs one. */
	struct pooldns_probe_resp none[2];
	memset(none, 0, sizeof none);
	none[0].status = none[1].status = POOLDNS_PROBE_NORESPONSE;
	ck_assert_int_eq(eval("expect rcode FORMERR", none, 2, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect same", none, 2, m, sizeof m), -1);
	for (size_t i = 0; i < 4; i++)
		pooldns_probe_resp_free(&r[i]);
	struct pooldns_probe_resp one =
		mkresp("p.test.", LDNS_RR_TYPE_A, 0, true, a2, 1, NULL, 0, 0);
	ck_assert_int_eq(eval("expect first-of 1 p.test. 30 A 192.0.2.2", &one, 1, m, sizeof m), 0);
	ck_assert_int_eq(eval("expect first-of 1 p.test. 29 A 192.0.2.2", &one, 1, m, sizeof m),
			 -1);
	pooldns_probe_resp_free(&one);
}
END_TEST

START_TEST(test_build_query)
{
	ck_assert_int_eq(
		parse("query WwW.Example.COM AAAA edns payload 1400 do rd ecs 198.51.100.77/20\n"),
		0);
	uint8_t *w = NULL;
	size_t len = 0;
	char err[128];
	ck_assert_int_eq(pooldns_probe_build(&pc.steps[0].q, &w, &len, err, sizeof err), 0);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
	ck_assert(ldns_pkt_rd(p));
	ck_assert(!ldns_pkt_qr(p));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), 1400);
	ck_assert(ldns_pkt_edns_do(p));
	/* Case kept on the wire. */
	ck_assert(memcmp(w + 12,
			 "\x03WwW\x07"
			 "Example\x03"
			 "COM\x00",
			 17) == 0);
	/* ECS: family 1, source /20, scope 0, 3 address bytes masked. */
	ldns_rdf *d = ldns_pkt_edns_data(p);
	ck_assert_ptr_nonnull(d);
	static const uint8_t ecs[] = { 0, 8, 0, 7, 0, 1, 20, 0, 198, 51, 96 };
	ck_assert_uint_eq(ldns_rdf_size(d), sizeof ecs);
	ck_assert(memcmp(ldns_rdf_data(d), ecs, sizeof ecs) == 0);
	ldns_pkt_free(p);
	free(w);
}
END_TEST

/* ---- the backends themselves ---- */

static int connect_to(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct timeval tv = { .tv_sec = 3 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* GET path from port; the whole response (until close) in out. -1 when
 * the connection is refused. */
static int http_get(uint16_t port, const char *path, char *out, size_t outsz)
{
	int fd = connect_to(port);
	if (fd < 0)
		return -1;
	char req[256];
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: member.test:%u\r\n"
			 "User-Agent: unit/1\r\n\r\n",
			 path, port);
	ck_assert_int_eq(send(fd, req, (size_t)n, 0), n);
	size_t len = 0;
	for (;;) {
		ssize_t r = recv(fd, out + len, outsz - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	close(fd);
	return 0;
}

static void apply(struct pooldns_backends *bs, const char *line)
{
	char text[512], err[512];
	snprintf(text, sizeof text, "%s\nquery x.\n", line);
	ck_assert_msg(parse(text) == 0, "%s", perrbuf);
	ck_assert_msg(pooldns_backends_apply(bs, &pc.steps[0].b, err, sizeof err) == 0, "%s: %s",
		      line, err);
}

START_TEST(test_backend_serve)
{
	struct pooldns_backends *bs = pooldns_backends_new(NULL, NULL);
	ck_assert_ptr_nonnull(bs);
	char out[4096], err[512];
	apply(bs, "backend w http 127.0.0.1 29991 status 503 body sorry");
	ck_assert_int_eq(http_get(29991, "/health", out, sizeof out), 0);
	ck_assert_msg(strncmp(out, "HTTP/1.1 503 ", 13) == 0, "%s", out);
	ck_assert_msg(strstr(out, "\r\n\r\nsorry") != NULL, "%s", out);
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, NULL, NULL), 1);
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, "/health", "member.test"), 1);
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, "/other", NULL), 0);
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, NULL, "other.test"), 0);
	ck_assert_int_eq(pooldns_backends_count(bs, "nope", 0, NULL, NULL), -1);
	char path[64], host[64], ua[64];
	ck_assert_int_eq(
		pooldns_backends_last(bs, "w", path, sizeof path, host, sizeof host, ua, sizeof ua),
		1);
	ck_assert_str_eq(path, "/health");
	ck_assert_str_eq(host, "member.test:29991");
	ck_assert_str_eq(ua, "unit/1");

	/* Changed answers. */
	ck_assert_int_eq(parse("backend w http 127.0.0.1 29991\nbackend w set status 200 body "
			       "fine\nquery x.\n"),
			 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[1].b, err, sizeof err), 0);
	ck_assert_int_eq(http_get(29991, "/", out, sizeof out), 0);
	ck_assert_msg(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0 &&
			      strstr(out, "Content-Length: 4\r\n") != NULL &&
			      strstr(out, "\r\n\r\nfine") != NULL,
		      "%s", out);

	/* close: the request is read (and counted), no answer. */
	ck_assert_int_eq(parse("backend w http 127.0.0.1 29991\nbackend w set close\nquery x.\n"),
			 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[1].b, err, sizeof err), 0);
	ck_assert_int_eq(http_get(29991, "/", out, sizeof out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, NULL, NULL), 3);

	/* delay: the answer comes after it. */
	ck_assert_int_eq(parse("backend w http 127.0.0.1 29991\nbackend w set answer delay-ms "
			       "300\nquery x.\n"),
			 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[1].b, err, sizeof err), 0);
	uint64_t t0 = pooldns_now_ms();
	ck_assert_int_eq(http_get(29991, "/", out, sizeof out), 0);
	uint64_t took = pooldns_now_ms() - t0;
	ck_assert_msg(took >= 290 && took < 2500, "took %llu ms", (unsigned long long)took);
	ck_assert_msg(strncmp(out, "HTTP/1.1 200 ", 13) == 0, "%s", out);

	/* down: refused; up: served again; reset: counts from zero. */
	ck_assert_int_eq(parse("backend w http 127.0.0.1 29991\nbackend w down\nbackend w "
			       "up\nbackend w reset\nquery x.\n"),
			 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[1].b, err, sizeof err), 0);
	ck_assert_int_eq(http_get(29991, "/", out, sizeof out), -1);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[1].b, err, sizeof err),
			 0); /* twice: no-op */
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[2].b, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[3].b, err, sizeof err), 0);
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, NULL, NULL), 0);
	ck_assert_int_eq(
		pooldns_backends_last(bs, "w", path, sizeof path, host, sizeof host, ua, sizeof ua),
		0);
	ck_assert_int_eq(http_get(29991, "/again", out, sizeof out), 0);
	ck_assert_int_eq(pooldns_backends_count(bs, "w", 0, "/again", NULL), 1);

	/* tcp: connections are counted; down refuses them. */
	apply(bs, "backend t tcp 127.0.0.1 29992");
	int fd = connect_to(29992);
	ck_assert_int_ge(fd, 0);
	char c;
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0); /* accepted, then closed */
	close(fd);
	ck_assert_int_eq(pooldns_backends_count(bs, "t", 0, NULL, NULL), 1);
	ck_assert_int_eq(parse("backend t tcp 127.0.0.1 29992\nbackend t down\nquery x.\n"), 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[1].b, err, sizeof err), 0);
	ck_assert_int_eq(connect_to(29992), -1);

	/* The same port twice cannot listen; https without a certificate fails. */
	ck_assert_int_eq(parse("backend x tcp 127.0.0.1 29991\nquery x.\n"), 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[0].b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "cannot listen on 127.0.0.1 port 29991") != NULL, "%s", err);
	ck_assert_int_eq(parse("backend s https 127.0.0.1 29993\nquery x.\n"), 0);
	ck_assert_int_eq(pooldns_backends_apply(bs, &pc.steps[0].b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "--tls-cert") != NULL, "%s", err);

	pooldns_backends_free(bs);
	/* Everything is closed. */
	ck_assert_int_eq(connect_to(29991), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("case_parse");
	TCase *t = tcase_create("parser");
	tcase_add_checked_fixture(t, NULL, teardown);
	tcase_add_test(t, test_minimal_defaults);
	tcase_add_test(t, test_query_options);
	tcase_add_test(t, test_raw);
	tcase_add_test(t, test_expect_basic);
	tcase_add_test(t, test_expect_records);
	tcase_add_test(t, test_expect_soa_edns);
	tcase_add_test(t, test_structure);
	tcase_add_test(t, test_targets);
	tcase_add_test(t, test_wait_until);
	tcase_add_test(t, test_wait_timed);
	tcase_add_test(t, test_backend_parse);
	tcase_add_test(t, test_lines_comments_continuations);
	tcase_add_test(t, test_sync_sleep_sql);
	tcase_add_test(t, test_rcode_names_and_load);
	suite_add_tcase(s, t);
	TCase *c = tcase_create("expectations");
	tcase_add_checked_fixture(c, NULL, teardown);
	tcase_add_test(c, test_check_per_response);
	tcase_add_test(c, test_check_soa_edns);
	tcase_add_test(c, test_check_aggregates);
	tcase_add_test(c, test_build_query);
	suite_add_tcase(s, c);
	TCase *b = tcase_create("backends");
	tcase_add_checked_fixture(b, NULL, teardown);
	tcase_set_timeout(b, 30);
	tcase_add_test(b, test_backend_serve);
	suite_add_tcase(s, b);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
