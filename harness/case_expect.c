/*
 * case_expect.c — the `expect` directive of the case-file parser, called by
 * case_parse.c (the dispatcher) and using the lexer of case_lex.c: rcode,
 * flag and section names, record text through ldns, and every `expect`
 * form (harness/README.md). Same robustness rules as the rest of the parser:
 * bounded, never crashes, first error reported as "NAME:LINE: message".
 *
 * Owns: what it adds to the case being parsed. Thread model: pure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "case_internal.h"
#include "case_lex.h"

static const struct {
	const char *name;
	unsigned value;
} rcodes[] = {
	{ "NOERROR", 0 },    { "FORMERR", 1 }, { "SERVFAIL", 2 }, { "NXDOMAIN", 3 },
	{ "NOTIMP", 4 },     { "REFUSED", 5 }, { "YXDOMAIN", 6 }, { "YXRRSET", 7 },
	{ "NXRRSET", 8 },    { "NOTAUTH", 9 }, { "NOTZONE", 10 }, { "BADVERS", 16 },
	{ "BADCOOKIE", 23 },
};

int pooldns_case_rcode_parse(const char *s)
{
	for (size_t i = 0; i < sizeof rcodes / sizeof rcodes[0]; i++)
		if (strcasecmp(s, rcodes[i].name) == 0)
			return (int)rcodes[i].value;
	uint32_t v;
	if (pooldns_case_u32(s, 4095, &v) == 0)
		return (int)v;
	return -1;
}

const char *pooldns_case_rcode_name(unsigned rcode, char *buf, size_t bufsz)
{
	for (size_t i = 0; i < sizeof rcodes / sizeof rcodes[0]; i++)
		if (rcodes[i].value == rcode)
			return rcodes[i].name;
	snprintf(buf, bufsz, "RCODE%u", rcode);
	return buf;
}

unsigned pooldns_case_target_parse(const char *s)
{
	if (strcmp(s, "standalone") == 0)
		return POOLDNS_CASE_TARGET_STANDALONE;
	if (strcmp(s, "unbound") == 0)
		return POOLDNS_CASE_TARGET_UNBOUND;
	return 0;
}

const char *pooldns_case_section_name(enum pooldns_section s)
{
	switch (s) {
	case POOLDNS_SEC_ANSWER:
		return "answer";
	case POOLDNS_SEC_AUTHORITY:
		return "authority";
	case POOLDNS_SEC_ADDITIONAL:
		return "additional";
	}
	return "?";
}

static int parse_section(const char *s, enum pooldns_section *out)
{
	if (strcmp(s, "answer") == 0)
		*out = POOLDNS_SEC_ANSWER;
	else if (strcmp(s, "authority") == 0)
		*out = POOLDNS_SEC_AUTHORITY;
	else if (strcmp(s, "additional") == 0)
		*out = POOLDNS_SEC_ADDITIONAL;
	else
		return -1;
	return 0;
}

static const struct {
	const char *name;
	uint16_t bit;
} flag_names[] = {
	{ "qr", POOLDNS_CASE_FLAG_QR }, { "aa", POOLDNS_CASE_FLAG_AA },
	{ "tc", POOLDNS_CASE_FLAG_TC }, { "rd", POOLDNS_CASE_FLAG_RD },
	{ "ra", POOLDNS_CASE_FLAG_RA }, { "ad", POOLDNS_CASE_FLAG_AD },
	{ "cd", POOLDNS_CASE_FLAG_CD },
};

static uint16_t flag_bit(const char *s)
{
	for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
		if (strcmp(s, flag_names[i].name) == 0)
			return flag_names[i].bit;
	return 0;
}

/* An RR as text: OWNER [TTL] [CLASS] TYPE RDATA. */
static int parse_rr(struct pooldns_case_pctx *p, const char *text, struct pooldns_case_rr *out)
{
	char first[2][256];
	int n = 0;
	const char *c = text;
	while (n < 2) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (*c == '\0')
			break;
		size_t l = 0;
		while (c[l] != '\0' && c[l] != ' ' && c[l] != '\t')
			l++;
		if (l >= sizeof first[0])
			return pooldns_case_perr(p, "record '%.60s': token too long", text);
		memcpy(first[n], c, l);
		first[n][l] = '\0';
		c += l;
		n++;
	}
	if (n < 2)
		return pooldns_case_perr(
			p, "record '%.60s': expected OWNER [TTL] [CLASS] TYPE RDATA", text);
	if (first[0][0] == '$' || first[0][0] == '@' || first[0][0] == ';')
		return pooldns_case_perr(p, "record '%.60s': the owner must be a domain name",
					 text);
	ldns_rdf *origin = ldns_dname_new_frm_str(".");
	if (origin == NULL)
		return pooldns_case_perr(p, "out of memory");
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, text, 0, origin, NULL);
	ldns_rdf_deep_free(origin);
	if (st != LDNS_STATUS_OK || rr == NULL) {
		if (rr != NULL)
			ldns_rr_free(rr);
		return pooldns_case_perr(p, "record '%.80s': %s", text,
					 ldns_get_errorstr_by_id(st));
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_OPT) {
		ldns_rr_free(rr);
		return pooldns_case_perr(p, "record '%.60s': OPT is checked with 'expect edns'",
					 text);
	}
	if (ldns_rr_rd_count(rr) == 0) {
		ldns_rr_free(rr);
		return pooldns_case_perr(p, "record '%.60s': missing RDATA", text);
	}
	out->rr = rr;
	out->ttl_given = first[1][0] >= '0' && first[1][0] <= '9';
	return 0;
}

int pooldns_case_add_rr(struct pooldns_case_pctx *p, struct pooldns_expect *e, const char *text)
{
	if (e->nrrs >= POOLDNS_CASE_MAX_RRS)
		return pooldns_case_perr(p, "more than %d records in one expectation",
					 POOLDNS_CASE_MAX_RRS);
	if (e->nrrs == p->rr_cap) {
		size_t ncap = p->rr_cap ? p->rr_cap * 2 : 8;
		struct pooldns_case_rr *n = realloc(e->rrs, ncap * sizeof *n);
		if (n == NULL)
			return pooldns_case_perr(p, "out of memory");
		e->rrs = n;
		p->rr_cap = ncap;
	}
	if (parse_rr(p, text, &e->rrs[e->nrrs]) != 0)
		return -1;
	e->nrrs++;
	return 0;
}

/* Parses "timeout-ms N" style numeric option values. */

static int expect_set(struct pooldns_case_pctx *p, struct pooldns_step *s, size_t first_rr_tok)
{
	if (first_rr_tok < p->ntok)
		return pooldns_case_add_rr(p, &s->e, pooldns_case_rest_from(p, first_rr_tok));
	p->in_rr_block = true;
	p->rr_step = p->c->nsteps - 1;
	p->rr_block_line = p->lineno;
	return 0;
}

static int serial_ref(struct pooldns_case_pctx *p, size_t *i, struct pooldns_serial_ref *r)
{
	const char *opt = p->tok[*i];
	if (*i + 1 >= p->ntok)
		return pooldns_case_perr(p, "%s: missing value", opt);
	const char *v = p->tok[++*i];
	r->set = true;
	if (strcmp(v, "version") == 0) {
		r->use_version = true;
		return 0;
	}
	if (pooldns_case_u32(v, UINT32_MAX, &r->value) != 0)
		return pooldns_case_perr(p, "%s: '%.40s' is neither a number nor 'version'", opt,
					 v);
	return 0;
}

static int expect_soa(struct pooldns_case_pctx *p, struct pooldns_expect *e)
{
	if (p->ntok < 3 || parse_section(p->tok[2], &e->section) != 0)
		return pooldns_case_perr(
			p, "expect soa: needs a section (answer, authority, additional)");
	for (size_t i = 3; i < p->ntok; i++) {
		const char *t = p->tok[i];
		if (strcmp(t, "owner") == 0) {
			if (i + 1 >= p->ntok)
				return pooldns_case_perr(p, "owner: missing name");
			if (e->soa_owner != NULL)
				return pooldns_case_perr(p, "owner given twice");
			e->soa_owner = pooldns_case_name(p->tok[++i]);
			if (e->soa_owner == NULL)
				return pooldns_case_perr(p, "owner: '%.80s' is not a domain name",
							 p->tok[i]);
		} else if (strcmp(t, "serial") == 0) {
			if (serial_ref(p, &i, &e->soa_serial) != 0)
				return -1;
		} else if (strcmp(t, "serial-min") == 0) {
			if (serial_ref(p, &i, &e->soa_serial_min) != 0)
				return -1;
		} else if (strcmp(t, "ttl") == 0) {
			if (i + 1 >= p->ntok || pooldns_case_range(p->tok[i + 1], &e->soa_ttl) != 0)
				return pooldns_case_perr(p, "ttl: expected N, MIN..MAX or MIN..");
			e->soa_ttl_set = true;
			i++;
		} else {
			return pooldns_case_perr(p, "expect soa: unknown option '%.60s'", t);
		}
	}
	return 0;
}

static int expect_edns(struct pooldns_case_pctx *p, struct pooldns_expect *e)
{
	if (p->ntok < 3)
		return pooldns_case_perr(p, "expect edns: present or absent?");
	if (strcmp(p->tok[2], "absent") == 0) {
		if (p->ntok > 3)
			return pooldns_case_perr(p, "expect edns absent: takes no options");
		e->edns_present = false;
		return 0;
	}
	if (strcmp(p->tok[2], "present") != 0)
		return pooldns_case_perr(p, "expect edns: present or absent, not '%.40s'",
					 p->tok[2]);
	e->edns_present = true;
	for (size_t i = 3; i < p->ntok; i++) {
		const char *t = p->tok[i];
		uint32_t v;
		if (strcmp(t, "version") == 0) {
			if (pooldns_case_opt_u32(p, &i, 0, 255, &v) != 0)
				return -1;
			e->edns_version_set = true;
			e->edns_version = (uint8_t)v;
		} else if (strcmp(t, "payload") == 0) {
			if (i + 1 >= p->ntok ||
			    pooldns_case_range(p->tok[i + 1], &e->edns_payload) != 0)
				return pooldns_case_perr(p,
							 "payload: expected N, MIN..MAX or MIN..");
			e->edns_payload_set = true;
			i++;
		} else if (strcmp(t, "do") == 0) {
			e->edns_do = POOLDNS_TRI_YES;
		} else if (strcmp(t, "!do") == 0) {
			e->edns_do = POOLDNS_TRI_NO;
		} else if (strcmp(t, "ecs-scope") == 0) {
			if (pooldns_case_opt_u32(p, &i, 0, 128, &v) != 0)
				return -1;
			e->ecs_scope_set = true;
			e->ecs_scope = (uint8_t)v;
		} else {
			return pooldns_case_perr(p, "expect edns: unknown option '%.60s'", t);
		}
	}
	return 0;
}

int pooldns_case_dir_expect(struct pooldns_case_pctx *p, unsigned targets)
{
	if (!p->can_expect)
		return pooldns_case_perr(
			p, "expect: must follow a query or raw step (or another expect)");
	if (p->ntok < 2)
		return pooldns_case_perr(p, "expect: missing what to check");
	struct pooldns_step *s = pooldns_case_new_step(p, POOLDNS_STEP_EXPECT, targets);
	if (s == NULL)
		return -1;
	struct pooldns_expect *e = &s->e;
	const char *what = p->tok[1];
	enum pooldns_section sec;
	p->rr_cap = 0;

	if (strcmp(what, "response") == 0) {
		e->kind = POOLDNS_EXP_RESPONSE;
		if (p->ntok != 3)
			return pooldns_case_perr(p, "expect response: required, none or optional");
		if (strcmp(p->tok[2], "required") == 0)
			e->response = POOLDNS_RESP_REQUIRED;
		else if (strcmp(p->tok[2], "none") == 0)
			e->response = POOLDNS_RESP_NONE;
		else if (strcmp(p->tok[2], "optional") == 0)
			e->response = POOLDNS_RESP_OPTIONAL;
		else
			return pooldns_case_perr(
				p, "expect response: required, none or optional, not '%.40s'",
				p->tok[2]);
	} else if (strcmp(what, "rcode") == 0) {
		e->kind = POOLDNS_EXP_RCODE;
		int rc = p->ntok == 3 ? pooldns_case_rcode_parse(p->tok[2]) : -1;
		if (rc < 0)
			return pooldns_case_perr(p, "expect rcode: one rcode name (NOERROR, "
						    "NXDOMAIN, ...) or number 0..4095");
		e->rcode = (uint16_t)rc;
	} else if (strcmp(what, "flags") == 0) {
		e->kind = POOLDNS_EXP_FLAGS;
		if (p->ntok < 3)
			return pooldns_case_perr(
				p,
				"expect flags: list flags (qr aa tc rd ra ad cd), '!' for absent");
		for (size_t i = 2; i < p->ntok; i++) {
			const char *t = p->tok[i];
			bool neg = t[0] == '!';
			uint16_t bit = flag_bit(neg ? t + 1 : t);
			if (bit == 0)
				return pooldns_case_perr(p, "expect flags: unknown flag '%.40s'",
							 t);
			if ((e->flags_set | e->flags_clear) & bit)
				return pooldns_case_perr(p, "expect flags: '%.40s' given twice", t);
			if (neg)
				e->flags_clear |= bit;
			else
				e->flags_set |= bit;
		}
	} else if (strcmp(what, "count") == 0 || strcmp(what, "ttl") == 0) {
		e->kind = what[0] == 'c' ? POOLDNS_EXP_COUNT : POOLDNS_EXP_TTL;
		if (p->ntok != 4 || parse_section(p->tok[2], &e->section) != 0 ||
		    pooldns_case_range(p->tok[3], &e->range) != 0)
			return pooldns_case_perr(p, "expect %s: SECTION N|MIN..MAX|MIN..", what);
	} else if (parse_section(what, &sec) == 0) {
		e->section = sec;
		if (p->ntok < 3)
			return pooldns_case_perr(
				p, "expect %s: empty, exactly, contains, within or excludes", what);
		const char *mode = p->tok[2];
		if (strcmp(mode, "empty") == 0) {
			if (p->ntok != 3)
				return pooldns_case_perr(p, "expect %s empty: takes nothing more",
							 what);
			e->kind = POOLDNS_EXP_COUNT;
			e->range.min = e->range.max = 0;
			return 0;
		}
		e->kind = POOLDNS_EXP_SET;
		if (strcmp(mode, "exactly") == 0)
			e->set_mode = POOLDNS_SET_EXACTLY;
		else if (strcmp(mode, "contains") == 0)
			e->set_mode = POOLDNS_SET_CONTAINS;
		else if (strcmp(mode, "within") == 0)
			e->set_mode = POOLDNS_SET_WITHIN;
		else if (strcmp(mode, "excludes") == 0)
			e->set_mode = POOLDNS_SET_EXCLUDES;
		else
			return pooldns_case_perr(p,
						 "expect %s: empty, exactly, contains, within or "
						 "excludes, not '%.40s'",
						 what, mode);
		return expect_set(p, s, 3);
	} else if (strcmp(what, "types") == 0) {
		e->kind = POOLDNS_EXP_TYPES;
		if (p->ntok < 4 || parse_section(p->tok[2], &e->section) != 0)
			return pooldns_case_perr(p, "expect types: SECTION TYPE...");
		e->types = calloc(p->ntok - 3, sizeof *e->types);
		if (e->types == NULL)
			return pooldns_case_perr(p, "out of memory");
		for (size_t i = 3; i < p->ntok; i++) {
			ldns_rr_type t = ldns_get_rr_type_by_name(p->tok[i]);
			if (t == 0)
				return pooldns_case_perr(p, "expect types: unknown type '%.40s'",
							 p->tok[i]);
			e->types[e->ntypes++] = (uint16_t)t;
		}
	} else if (strcmp(what, "soa") == 0) {
		e->kind = POOLDNS_EXP_SOA;
		return expect_soa(p, e);
	} else if (strcmp(what, "question") == 0) {
		e->kind = POOLDNS_EXP_QUESTION;
		if (p->ntok != 2)
			return pooldns_case_perr(p, "expect question: takes nothing more");
	} else if (strcmp(what, "edns") == 0) {
		e->kind = POOLDNS_EXP_EDNS;
		return expect_edns(p, e);
	} else if (strcmp(what, "seen") == 0) {
		e->kind = POOLDNS_EXP_SEEN;
		return expect_set(p, s, 2);
	} else if (strcmp(what, "same") == 0) {
		e->kind = POOLDNS_EXP_SAME;
		if (p->ntok != 2)
			return pooldns_case_perr(p, "expect same: takes nothing more");
	} else if (strcmp(what, "count-of") == 0 || strcmp(what, "first-of") == 0) {
		e->kind = what[0] == 'c' ? POOLDNS_EXP_COUNT_OF : POOLDNS_EXP_FIRST_OF;
		if (p->ntok < 4 || pooldns_case_range(p->tok[2], &e->range) != 0)
			return pooldns_case_perr(p, "expect %s: N|MIN..MAX|MIN.. RECORD", what);
		return pooldns_case_add_rr(p, e, pooldns_case_rest_from(p, 3));
	} else {
		return pooldns_case_perr(p, "expect: unknown check '%.40s'", what);
	}
	return 0;
}
