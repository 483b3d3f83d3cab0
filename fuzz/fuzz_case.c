/*
 * fuzz_case.c — fuzz target for the harness's case-file parser
 * (harness/case_*.c, in harness/libharness.a): any bytes must either
 * parse into a case that frees cleanly or be rejected with a
 * "NAME:LINE: message" error, never crash, hang or leak.
 *
 * Checks, besides the sanitizers: a parsed case is well formed (blocks
 * point inside the list, queries carry what they need, an expect follows
 * a query); the names the runner prints for a parsed expectation's rcode
 * and section read back as that rcode and are section names; and the
 * file entry point, pooldns_case_load(), given the same bytes as a file
 * (a memfd, read through /proc/self/fd/N), comes to the same result as
 * the buffer entry point: the same steps field by field, or the same
 * error after the name. A failed check aborts.
 *
 * Thread model: single-threaded; the parser keeps no global state.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.case"

static void check_shape(const struct pooldns_case *c)
{
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct pooldns_step *s = &c->steps[i];
		if (s->kind == POOLDNS_STEP_WAIT &&
		    (s->body_end <= i + 1 || s->body_end > c->nsteps))
			abort();
		if (s->kind == POOLDNS_STEP_QUERY && (s->q.qname == NULL || s->q.repeat == 0))
			abort();
		if (s->kind == POOLDNS_STEP_RAW && (s->q.raw == NULL || s->q.raw_len == 0))
			abort();
		if (s->kind == POOLDNS_STEP_EXPECT && i == 0)
			abort();
	}
}

/* The runner's names for what an expectation checks. */
static void check_names(const struct pooldns_expect *e)
{
	if (e->kind == POOLDNS_EXP_RCODE) {
		/* A known name, or "RCODE" and the number: either reads back. */
		char buf[16];
		const char *n = pooldns_case_rcode_name(e->rcode, buf, sizeof buf);
		if (pooldns_case_rcode_parse(n == buf && strncmp(n, "RCODE", 5) == 0 ? n + 5 : n) !=
		    (int)e->rcode)
			abort();
	}
	if (e->kind == POOLDNS_EXP_COUNT || e->kind == POOLDNS_EXP_TTL ||
	    e->kind == POOLDNS_EXP_SET || e->kind == POOLDNS_EXP_TYPES ||
	    e->kind == POOLDNS_EXP_SOA) {
		const char *n = pooldns_case_section_name(e->section);
		if (strcmp(n, "answer") != 0 && strcmp(n, "authority") != 0 &&
		    strcmp(n, "additional") != 0)
			abort();
	}
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool same_rdf(const ldns_rdf *a, const ldns_rdf *b)
{
	return (a == NULL || b == NULL) ? a == b : ldns_rdf_compare(a, b) == 0;
}

static bool same_ref(const struct pooldns_serial_ref *a, const struct pooldns_serial_ref *b)
{
	return a->set == b->set && a->use_version == b->use_version && a->value == b->value;
}

static bool same_range(const struct pooldns_range *a, const struct pooldns_range *b)
{
	return a->min == b->min && a->max == b->max;
}

static bool same_query(const struct pooldns_query_spec *a, const struct pooldns_query_spec *b)
{
	return same_rdf(a->qname, b->qname) && a->qtype == b->qtype && a->qclass == b->qclass &&
	       a->edns == b->edns && a->payload == b->payload &&
	       a->edns_version == b->edns_version && a->do_bit == b->do_bit && a->rd == b->rd &&
	       a->cd == b->cd && a->ad == b->ad && a->ecs == b->ecs &&
	       a->ecs_family == b->ecs_family && memcmp(a->ecs_addr, b->ecs_addr, 16) == 0 &&
	       a->ecs_prefix == b->ecs_prefix && a->raw_len == b->raw_len &&
	       (a->raw_len == 0 || memcmp(a->raw, b->raw, a->raw_len) == 0) && a->tcp == b->tcp &&
	       a->repeat == b->repeat && a->timeout_ms == b->timeout_ms;
}

static bool same_rrs(const struct pooldns_expect *a, const struct pooldns_expect *b)
{
	if (a->nrrs != b->nrrs)
		return false;
	for (size_t i = 0; i < a->nrrs; i++)
		if (ldns_rr_compare(a->rrs[i].rr, b->rrs[i].rr) != 0 ||
		    ldns_rr_ttl(a->rrs[i].rr) != ldns_rr_ttl(b->rrs[i].rr) ||
		    a->rrs[i].ttl_given != b->rrs[i].ttl_given)
			return false;
	return true;
}

static bool same_expect(const struct pooldns_expect *a, const struct pooldns_expect *b)
{
	return a->kind == b->kind && a->section == b->section && a->response == b->response &&
	       a->rcode == b->rcode && a->flags_set == b->flags_set &&
	       a->flags_clear == b->flags_clear && same_range(&a->range, &b->range) &&
	       a->set_mode == b->set_mode && same_rrs(a, b) && a->ntypes == b->ntypes &&
	       (a->ntypes == 0 || memcmp(a->types, b->types, a->ntypes * sizeof *a->types) == 0) &&
	       same_rdf(a->soa_owner, b->soa_owner) && same_ref(&a->soa_serial, &b->soa_serial) &&
	       same_ref(&a->soa_serial_min, &b->soa_serial_min) &&
	       a->soa_ttl_set == b->soa_ttl_set && same_range(&a->soa_ttl, &b->soa_ttl) &&
	       a->edns_present == b->edns_present && a->edns_version_set == b->edns_version_set &&
	       a->edns_version == b->edns_version && a->edns_payload_set == b->edns_payload_set &&
	       same_range(&a->edns_payload, &b->edns_payload) && a->edns_do == b->edns_do &&
	       a->ecs_scope_set == b->ecs_scope_set && a->ecs_scope == b->ecs_scope;
}

static bool same_backend(const struct pooldns_backend_spec *a, const struct pooldns_backend_spec *b)
{
	return a->op == b->op && strcmp(a->name, b->name) == 0 && a->kind == b->kind &&
	       a->family == b->family && memcmp(a->addr, b->addr, 16) == 0 &&
	       strcmp(a->addr_text, b->addr_text) == 0 && a->port == b->port &&
	       a->start_down == b->start_down && a->status_set == b->status_set &&
	       a->body_set == b->body_set && a->delay_set == b->delay_set &&
	       a->close_set == b->close_set && a->status == b->status &&
	       same_str(a->body, b->body) && a->delay_ms == b->delay_ms &&
	       a->close_conn == b->close_conn && same_range(&a->range, &b->range) &&
	       a->over_ms == b->over_ms && same_str(a->path, b->path) &&
	       same_str(a->host, b->host) && same_str(a->user_agent, b->user_agent);
}

static bool same_step(const struct pooldns_step *a, const struct pooldns_step *b)
{
	return a->kind == b->kind && a->line == b->line && a->targets == b->targets &&
	       same_str(a->text, b->text) && same_rdf(a->name, b->name) &&
	       a->timeout_ms == b->timeout_ms && a->interval_ms == b->interval_ms &&
	       a->within_ms == b->within_ms && a->after_ms == b->after_ms &&
	       a->body_end == b->body_end && same_backend(&a->b, &b->b) &&
	       same_query(&a->q, &b->q) && same_expect(&a->e, &b->e);
}

/* pooldns_case_load() on the same bytes gives what the buffer parse gave
 * (rc, *c, err; c is empty on failure). Skipped when no memfd can be had. */
static void check_load(const uint8_t *data, size_t size, int rc, const struct pooldns_case *c,
		       const char *err)
{
	int fd = memfd_create(NAME, MFD_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t done = 0; done < size;) {
		ssize_t w = write(fd, data + done, size - done);
		if (w <= 0) {
			close(fd);
			return;
		}
		done += (size_t)w;
	}
	char path[64], base[16];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	snprintf(base, sizeof base, "%d", fd);
	struct pooldns_case l;
	char lerr[1024];
	lerr[0] = '\0';
	int lrc = pooldns_case_load(path, &l, lerr, sizeof lerr);
	close(fd);
	if (lrc != rc)
		abort();
	if (rc != 0) {
		/* "NAME:LINE: message", NAME being the file's last component. */
		size_t bl = strlen(base);
		if (strncmp(lerr, base, bl) != 0 || strcmp(lerr + bl, err + strlen(NAME)) != 0 ||
		    l.nsteps != 0)
			abort();
		return;
	}
	if (strcmp(l.name, base) != 0 || l.nsteps != c->nsteps)
		abort();
	for (size_t i = 0; i < c->nsteps; i++)
		if (!same_step(&c->steps[i], &l.steps[i]))
			abort();
	pooldns_case_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_case c;
	char err[1024];
	err[0] = '\0';
	int rc = pooldns_case_parse((const char *)data, size, NAME, &c, err, sizeof err);
	if (rc == 0) {
		check_shape(&c);
		for (size_t i = 0; i < c.nsteps; i++)
			check_names(&c.steps[i].e);
	} else if (strncmp(err, NAME ":", strlen(NAME) + 1) != 0 || c.nsteps != 0) {
		abort();
	}
	check_load(data, size, rc, &c, err);
	if (rc == 0)
		pooldns_case_free(&c);
	return 0;
}
