/*
 * eval.c — evaluation of `expect` lines (see eval.h). Messages say what
 * was expected and what came, compactly enough for one output line; the
 * runner prints the whole decoded response under it.
 *
 * Owns nothing beyond its call. Thread model: pure.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"

static void msgf(char *msg, size_t msgsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void msgf(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msgsz, fmt, ap);
	va_end(ap);
}

static void cat(char *buf, size_t bufsz, const char *s)
{
	size_t used = strnlen(buf, bufsz);
	if (used + 1 >= bufsz)
		return;
	snprintf(buf + used, bufsz - used, "%s", s);
}

/* "owner [ttl] CLASS TYPE rdata" without the trailing newline ldns adds. */
static void rr_text(const ldns_rr *rr, bool with_owner, bool with_ttl, char *buf, size_t bufsz)
{
	buf[0] = '\0';
	if (with_owner) {
		char *o = ldns_rdf2str(ldns_rr_owner(rr));
		cat(buf, bufsz, o != NULL ? o : "?");
		cat(buf, bufsz, " ");
		free(o);
	}
	if (with_ttl) {
		char t[16];
		snprintf(t, sizeof t, "%u ", (unsigned)ldns_rr_ttl(rr));
		cat(buf, bufsz, t);
	}
	if (with_owner) {
		char *c = ldns_rr_class2str(ldns_rr_get_class(rr));
		cat(buf, bufsz, c != NULL ? c : "?");
		cat(buf, bufsz, " ");
		free(c);
	}
	char *t = ldns_rr_type2str(ldns_rr_get_type(rr));
	cat(buf, bufsz, t != NULL ? t : "?");
	free(t);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		char *d = ldns_rdf2str(ldns_rr_rdf(rr, i));
		cat(buf, bufsz, " ");
		cat(buf, bufsz, d != NULL ? d : "?");
		free(d);
	}
}

static void want_text(const struct pooldns_case_rr *w, char *buf, size_t bufsz)
{
	rr_text(w->rr, true, w->ttl_given, buf, bufsz);
}

bool pooldns_eval_rr_match(const struct pooldns_case_rr *want, const ldns_rr *got)
{
	const ldns_rr *w = want->rr;
	if (ldns_rr_get_type(w) != ldns_rr_get_type(got) ||
	    ldns_rr_get_class(w) != ldns_rr_get_class(got))
		return false;
	if (ldns_dname_compare(ldns_rr_owner(w), ldns_rr_owner(got)) != 0)
		return false;
	if (want->ttl_given && ldns_rr_ttl(w) != ldns_rr_ttl(got))
		return false;
	if (ldns_rr_rd_count(w) != ldns_rr_rd_count(got))
		return false;
	for (size_t i = 0; i < ldns_rr_rd_count(w); i++) {
		const ldns_rdf *a = ldns_rr_rdf(w, i), *b = ldns_rr_rdf(got, i);
		if (a == NULL || b == NULL)
			return false;
		if (ldns_rdf_get_type(a) == LDNS_RDF_TYPE_DNAME &&
		    ldns_rdf_get_type(b) == LDNS_RDF_TYPE_DNAME) {
			if (ldns_dname_compare(a, b) != 0)
				return false;
		} else if (ldns_rdf_compare(a, b) != 0) {
			return false;
		}
	}
	return true;
}

static const ldns_rr_list *section(const struct pooldns_probe_resp *r, enum pooldns_section s)
{
	if (r->pkt == NULL)
		return NULL;
	switch (s) {
	case POOLDNS_SEC_ANSWER:
		return ldns_pkt_answer(r->pkt);
	case POOLDNS_SEC_AUTHORITY:
		return ldns_pkt_authority(r->pkt);
	case POOLDNS_SEC_ADDITIONAL:
		return ldns_pkt_additional(r->pkt);
	}
	return NULL;
}

static size_t count(const ldns_rr_list *l)
{
	return l != NULL ? ldns_rr_list_rr_count(l) : 0;
}

void pooldns_eval_section_text(const struct pooldns_probe_resp *r, enum pooldns_section sec,
			       char *buf, size_t bufsz)
{
	if (bufsz == 0)
		return;
	buf[0] = '\0';
	const ldns_rr_list *l = section(r, sec);
	if (count(l) == 0) {
		cat(buf, bufsz, "(empty)");
		return;
	}
	for (size_t i = 0; i < count(l); i++) {
		char one[512];
		rr_text(ldns_rr_list_rr(l, i), false, false, one, sizeof one);
		if (i > 0)
			cat(buf, bufsz, ", ");
		cat(buf, bufsz, one);
	}
}

static void flags_text(uint16_t flags, char *buf, size_t bufsz)
{
	static const struct {
		const char *n;
		uint16_t b;
	} f[] = {
		{ "qr", POOLDNS_CASE_FLAG_QR }, { "aa", POOLDNS_CASE_FLAG_AA },
		{ "tc", POOLDNS_CASE_FLAG_TC }, { "rd", POOLDNS_CASE_FLAG_RD },
		{ "ra", POOLDNS_CASE_FLAG_RA }, { "ad", POOLDNS_CASE_FLAG_AD },
		{ "cd", POOLDNS_CASE_FLAG_CD },
	};
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (flags & f[i].b) {
			if (buf[0] != '\0')
				cat(buf, bufsz, " ");
			cat(buf, bufsz, f[i].n);
		}
	if (buf[0] == '\0')
		cat(buf, bufsz, "(none)");
}

static void range_text(const struct pooldns_range *r, char *buf, size_t bufsz)
{
	if (r->min == r->max)
		snprintf(buf, bufsz, "%u", r->min);
	else if (r->max == UINT32_MAX)
		snprintf(buf, bufsz, "at least %u", r->min);
	else
		snprintf(buf, bufsz, "%u..%u", r->min, r->max);
}

static bool in_range(const struct pooldns_range *r, uint64_t v)
{
	return v >= r->min && v <= r->max;
}

/* RFC 1982 serial comparison: a >= b. */
static bool serial_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static int serial_value(const struct pooldns_serial_ref *ref, const struct pooldns_eval_ctx *ctx,
			uint32_t *out, char *msg, size_t msgsz)
{
	if (!ref->use_version) {
		*out = ref->value;
		return 0;
	}
	if (!ctx->have_version) {
		msgf(msg, msgsz, "soa serial 'version' used before any sync read the data version");
		return -1;
	}
	*out = (uint32_t)ctx->version;
	return 0;
}

/* Length of the question (name + type + class) at offset 12 of a wire
 * message, or 0 when there is none or it is malformed. */
static size_t question_len(const uint8_t *w, size_t len)
{
	if (len < 12 || (w[4] << 8 | w[5]) < 1)
		return 0;
	size_t i = 12;
	for (;;) {
		if (i >= len)
			return 0;
		uint8_t l = w[i];
		if (l == 0) {
			i++;
			break;
		}
		if (l & 0xc0)
			return 0; /* compressed or extended label: not comparable byte for byte */
		i += 1 + (size_t)l;
	}
	if (i + 4 > len)
		return 0;
	return i + 4 - 12;
}

static int check_one(const struct pooldns_expect *e, const struct pooldns_probe_resp *r,
		     const struct pooldns_eval_ctx *ctx, char *msg, size_t msgsz)
{
	char a[1024], b[1024];
	const char *secname = pooldns_case_section_name(e->section);
	bool header_only = e->kind == POOLDNS_EXP_RCODE || e->kind == POOLDNS_EXP_FLAGS ||
			   e->kind == POOLDNS_EXP_QUESTION;
	if (r->len < 12) {
		msgf(msg, msgsz, "response shorter than a DNS header (%zu bytes)", r->len);
		return -1;
	}
	if (!header_only && r->pkt == NULL) {
		msgf(msg, msgsz, "response could not be decoded: %s", r->decode_err);
		return -1;
	}
	switch (e->kind) {
	case POOLDNS_EXP_RCODE:
		if (r->rcode != e->rcode) {
			char na[16], nb[16];
			msgf(msg, msgsz, "expected rcode %s, got %s",
			     pooldns_case_rcode_name(e->rcode, na, sizeof na),
			     pooldns_case_rcode_name(r->rcode, nb, sizeof nb));
			return -1;
		}
		return 0;
	case POOLDNS_EXP_FLAGS: {
		uint16_t missing = e->flags_set & (uint16_t)~r->flags;
		uint16_t extra = e->flags_clear & r->flags;
		if (missing == 0 && extra == 0)
			return 0;
		char got[64], m[64], x[64];
		flags_text(r->flags, got, sizeof got);
		flags_text(missing, m, sizeof m);
		flags_text(extra, x, sizeof x);
		if (missing && extra)
			msgf(msg, msgsz, "expected flags %s set and %s clear, got flags %s", m, x,
			     got);
		else if (missing)
			msgf(msg, msgsz, "expected flag%s %s set, got flags %s",
			     strchr(m, ' ') ? "s" : "", m, got);
		else
			msgf(msg, msgsz, "expected flag%s %s clear, got flags %s",
			     strchr(x, ' ') ? "s" : "", x, got);
		return -1;
	}
	case POOLDNS_EXP_COUNT: {
		size_t c = count(section(r, e->section));
		if (in_range(&e->range, c))
			return 0;
		range_text(&e->range, a, sizeof a);
		pooldns_eval_section_text(r, e->section, b, sizeof b);
		if (e->range.min == 0 && e->range.max == 0)
			msgf(msg, msgsz, "expected an empty %s section, got %zu record%s: %s",
			     secname, c, c == 1 ? "" : "s", b);
		else
			msgf(msg, msgsz, "expected %s %s record%s, got %zu: %s", a, secname,
			     e->range.max == 1 ? "" : "s", c, b);
		return -1;
	}
	case POOLDNS_EXP_TTL: {
		const ldns_rr_list *l = section(r, e->section);
		range_text(&e->range, a, sizeof a);
		if (count(l) == 0) {
			msgf(msg, msgsz, "expected %s records with TTL %s, got none", secname, a);
			return -1;
		}
		for (size_t i = 0; i < count(l); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(l, i);
			if (!in_range(&e->range, ldns_rr_ttl(rr))) {
				rr_text(rr, true, true, b, sizeof b);
				msgf(msg, msgsz, "expected TTL %s in %s, got %s", a, secname, b);
				return -1;
			}
		}
		return 0;
	}
	case POOLDNS_EXP_SET: {
		const ldns_rr_list *l = section(r, e->section);
		size_t ng = count(l);
		bool *used = calloc(ng + 1, sizeof *used);
		if (used == NULL) {
			msgf(msg, msgsz, "out of memory");
			return -1;
		}
		int rc = 0;
		pooldns_eval_section_text(r, e->section, b, sizeof b);
		for (size_t w = 0; w < e->nrrs && rc == 0; w++) {
			bool found = false;
			for (size_t g = 0; g < ng && !found; g++) {
				if (pooldns_eval_rr_match(&e->rrs[w], ldns_rr_list_rr(l, g))) {
					if (e->set_mode == POOLDNS_SET_EXCLUDES) {
						want_text(&e->rrs[w], a, sizeof a);
						msgf(msg, msgsz, "%s must not contain %s, got: %s",
						     secname, a, b);
						rc = -1;
						break;
					}
					if (e->set_mode == POOLDNS_SET_EXACTLY && used[g])
						continue;
					used[g] = true;
					found = true;
				}
			}
			if (rc == 0 && !found && e->set_mode != POOLDNS_SET_EXCLUDES &&
			    e->set_mode != POOLDNS_SET_WITHIN) {
				want_text(&e->rrs[w], a, sizeof a);
				msgf(msg, msgsz, "%s is missing %s, got: %s", secname, a, b);
				rc = -1;
			}
		}
		if (rc == 0 &&
		    (e->set_mode == POOLDNS_SET_EXACTLY || e->set_mode == POOLDNS_SET_WITHIN)) {
			for (size_t g = 0; g < ng && rc == 0; g++) {
				const ldns_rr *got = ldns_rr_list_rr(l, g);
				bool listed = false;
				if (e->set_mode == POOLDNS_SET_EXACTLY)
					listed = used[g];
				else
					for (size_t w = 0; w < e->nrrs && !listed; w++)
						listed = pooldns_eval_rr_match(&e->rrs[w], got);
				if (!listed) {
					rr_text(got, true, true, a, sizeof a);
					msgf(msg, msgsz, "%s has unexpected record %s, got: %s",
					     secname, a, b);
					rc = -1;
				}
			}
		}
		free(used);
		return rc;
	}
	case POOLDNS_EXP_TYPES: {
		const ldns_rr_list *l = section(r, e->section);
		if (count(l) == 0) {
			msgf(msg, msgsz, "expected %s records of given types, got none", secname);
			return -1;
		}
		for (size_t i = 0; i < count(l); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(l, i);
			bool ok = false;
			for (size_t t = 0; t < e->ntypes && !ok; t++)
				ok = ldns_rr_get_type(rr) == e->types[t];
			if (!ok) {
				rr_text(rr, true, true, a, sizeof a);
				msgf(msg, msgsz, "%s has a record of an unexpected type: %s",
				     secname, a);
				return -1;
			}
		}
		return 0;
	}
	case POOLDNS_EXP_SOA: {
		const ldns_rr_list *l = section(r, e->section);
		const ldns_rr *soa = NULL;
		size_t nsoa = 0;
		for (size_t i = 0; i < count(l); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_SOA) {
				soa = ldns_rr_list_rr(l, i);
				nsoa++;
			}
		if (nsoa != 1) {
			pooldns_eval_section_text(r, e->section, b, sizeof b);
			msgf(msg, msgsz, "expected one SOA in %s, got %zu: %s", secname, nsoa, b);
			return -1;
		}
		rr_text(soa, true, true, b, sizeof b);
		if (e->soa_owner != NULL &&
		    ldns_dname_compare(e->soa_owner, ldns_rr_owner(soa)) != 0) {
			char *o = ldns_rdf2str(e->soa_owner);
			msgf(msg, msgsz, "expected SOA owner %s, got %s", o != NULL ? o : "?", b);
			free(o);
			return -1;
		}
		const ldns_rdf *sr = ldns_rr_rdf(soa, 2);
		if ((e->soa_serial.set || e->soa_serial_min.set) &&
		    (sr == NULL || ldns_rdf_size(sr) != 4)) {
			msgf(msg, msgsz, "SOA has no serial: %s", b);
			return -1;
		}
		uint32_t serial =
			sr != NULL && ldns_rdf_size(sr) == 4 ? ldns_rdf2native_int32(sr) : 0;
		uint32_t want;
		if (e->soa_serial.set) {
			if (serial_value(&e->soa_serial, ctx, &want, msg, msgsz) != 0)
				return -1;
			if (serial != want) {
				msgf(msg, msgsz, "expected SOA serial %u, got %s", want, b);
				return -1;
			}
		}
		if (e->soa_serial_min.set) {
			if (serial_value(&e->soa_serial_min, ctx, &want, msg, msgsz) != 0)
				return -1;
			if (!serial_ge(serial, want)) {
				msgf(msg, msgsz, "expected SOA serial >= %u, got %s", want, b);
				return -1;
			}
		}
		if (e->soa_ttl_set && !in_range(&e->soa_ttl, ldns_rr_ttl(soa))) {
			range_text(&e->soa_ttl, a, sizeof a);
			msgf(msg, msgsz, "expected SOA TTL %s, got %s", a, b);
			return -1;
		}
		return 0;
	}
	case POOLDNS_EXP_QUESTION: {
		size_t sl = question_len(ctx->sent, ctx->sent_len);
		if (sl == 0) {
			msgf(msg, msgsz, "expect question: the query sent has no plain question");
			return -1;
		}
		unsigned qd = (unsigned)(r->wire[4] << 8 | r->wire[5]);
		size_t rl = question_len(r->wire, r->len);
		if (qd != 1 || rl != sl || memcmp(r->wire + 12, ctx->sent + 12, sl) != 0) {
			char *q = NULL;
			if (r->pkt != NULL && count(ldns_pkt_question(r->pkt)) > 0)
				q = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(r->pkt), 0));
			ldns_pkt *sent = NULL;
			char *s = NULL;
			if (ldns_wire2pkt(&sent, ctx->sent, ctx->sent_len) == LDNS_STATUS_OK &&
			    count(ldns_pkt_question(sent)) > 0)
				s = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(sent), 0));
			if (sent != NULL)
				ldns_pkt_free(sent);
			if (s != NULL)
				s[strcspn(s, "\n")] = '\0';
			if (q != NULL)
				q[strcspn(q, "\n")] = '\0';
			msgf(msg, msgsz,
			     "question not echoed exactly: sent '%s', got %u question%s%s%s%s",
			     s != NULL ? s : "?", qd, qd == 1 ? "" : "s", q != NULL ? " '" : "",
			     q != NULL ? q : "", q != NULL ? "'" : "");
			free(q);
			free(s);
			return -1;
		}
		return 0;
	}
	case POOLDNS_EXP_EDNS:
		if (!e->edns_present) {
			if (r->edns) {
				msgf(msg, msgsz,
				     "expected no OPT record, got one (payload %u, version %u)",
				     r->edns_payload, r->edns_version);
				return -1;
			}
			return 0;
		}
		if (!r->edns) {
			msgf(msg, msgsz, "expected an OPT record (EDNS), got none");
			return -1;
		}
		if (e->edns_version_set && r->edns_version != e->edns_version) {
			msgf(msg, msgsz, "expected EDNS version %u, got %u", e->edns_version,
			     r->edns_version);
			return -1;
		}
		if (e->edns_payload_set && !in_range(&e->edns_payload, r->edns_payload)) {
			range_text(&e->edns_payload, a, sizeof a);
			msgf(msg, msgsz, "expected EDNS payload %s, got %u", a, r->edns_payload);
			return -1;
		}
		if (e->edns_do != POOLDNS_TRI_ANY &&
		    r->edns_do != (e->edns_do == POOLDNS_TRI_YES)) {
			msgf(msg, msgsz, "expected the DO bit %s, got it %s",
			     e->edns_do == POOLDNS_TRI_YES ? "set" : "clear",
			     r->edns_do ? "set" : "clear");
			return -1;
		}
		if (e->ecs_scope_set) {
			if (!r->ecs) {
				msgf(msg, msgsz,
				     "expected a client subnet option in the OPT record, got none");
				return -1;
			}
			if (r->ecs_scope != e->ecs_scope) {
				msgf(msg, msgsz, "expected client subnet scope /%u, got /%u",
				     e->ecs_scope, r->ecs_scope);
				return -1;
			}
		}
		return 0;
	default:
		msgf(msg, msgsz, "internal: not a per-response check");
		return -1;
	}
}

static bool answer_has(const struct pooldns_probe_resp *r, const struct pooldns_case_rr *w)
{
	const ldns_rr_list *l = section(r, POOLDNS_SEC_ANSWER);
	for (size_t i = 0; i < count(l); i++)
		if (pooldns_eval_rr_match(w, ldns_rr_list_rr(l, i)))
			return true;
	return false;
}

/* Same answer records (TTL included), any order. */
static bool same_answer(const struct pooldns_probe_resp *x, const struct pooldns_probe_resp *y)
{
	const ldns_rr_list *a = section(x, POOLDNS_SEC_ANSWER), *b = section(y, POOLDNS_SEC_ANSWER);
	size_t n = count(a);
	if (n != count(b))
		return false;
	bool *used = calloc(n + 1, sizeof *used);
	if (used == NULL)
		return false;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		struct pooldns_case_rr w = { .rr = ldns_rr_list_rr(a, i), .ttl_given = true };
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			if (!used[j] && pooldns_eval_rr_match(&w, ldns_rr_list_rr(b, j)))
				used[j] = found = true;
		ok = found;
	}
	free(used);
	return ok;
}

static int check_aggregate(const struct pooldns_expect *e, const struct pooldns_probe_resp *resp,
			   size_t n, char *msg, size_t msgsz, size_t *bad)
{
	char a[1024], b[1024];
	size_t got = 0, first = POOLDNS_EVAL_NO_INDEX;
	for (size_t i = 0; i < n; i++) {
		if (resp[i].status != POOLDNS_PROBE_OK)
			continue;
		got++;
		if (first == POOLDNS_EVAL_NO_INDEX)
			first = i;
		if (resp[i].pkt == NULL) {
			*bad = i;
			msgf(msg, msgsz, "response %zu of %zu could not be decoded: %s", i + 1, n,
			     resp[i].decode_err);
			return -1;
		}
	}
	if (got == 0) {
		msgf(msg, msgsz, "no responses to check");
		return -1;
	}
	switch (e->kind) {
	case POOLDNS_EXP_SEEN:
		for (size_t w = 0; w < e->nrrs; w++) {
			bool seen = false;
			for (size_t i = 0; i < n && !seen; i++)
				seen = resp[i].status == POOLDNS_PROBE_OK &&
				       answer_has(&resp[i], &e->rrs[w]);
			if (!seen) {
				want_text(&e->rrs[w], a, sizeof a);
				pooldns_eval_section_text(&resp[first], POOLDNS_SEC_ANSWER, b,
							  sizeof b);
				msgf(msg, msgsz,
				     "%s never seen in %zu responses (first answer: %s)", a, got,
				     b);
				*bad = first;
				return -1;
			}
		}
		return 0;
	case POOLDNS_EXP_SAME:
		for (size_t i = first + 1; i < n; i++) {
			if (resp[i].status != POOLDNS_PROBE_OK ||
			    same_answer(&resp[first], &resp[i]))
				continue;
			pooldns_eval_section_text(&resp[first], POOLDNS_SEC_ANSWER, a, sizeof a);
			pooldns_eval_section_text(&resp[i], POOLDNS_SEC_ANSWER, b, sizeof b);
			msgf(msg, msgsz, "answers differ: response %zu: %s; response %zu: %s",
			     first + 1, a, i + 1, b);
			*bad = i;
			return -1;
		}
		return 0;
	case POOLDNS_EXP_COUNT_OF:
	case POOLDNS_EXP_FIRST_OF: {
		size_t hits = 0;
		for (size_t i = 0; i < n; i++) {
			if (resp[i].status != POOLDNS_PROBE_OK)
				continue;
			if (e->kind == POOLDNS_EXP_COUNT_OF) {
				hits += answer_has(&resp[i], &e->rrs[0]);
			} else {
				const ldns_rr_list *l = section(&resp[i], POOLDNS_SEC_ANSWER);
				hits += count(l) > 0 &&
					pooldns_eval_rr_match(&e->rrs[0], ldns_rr_list_rr(l, 0));
			}
		}
		if (in_range(&e->range, hits))
			return 0;
		want_text(&e->rrs[0], a, sizeof a);
		range_text(&e->range, b, sizeof b);
		msgf(msg, msgsz, "%s %s in %zu of %zu responses, expected %s", a,
		     e->kind == POOLDNS_EXP_COUNT_OF ? "answered" : "first", hits, got, b);
		return -1;
	}
	default:
		msgf(msg, msgsz, "internal: not an aggregate check");
		return -1;
	}
}

int pooldns_eval_expect(const struct pooldns_expect *e, const struct pooldns_probe_resp *resp,
			size_t n, const struct pooldns_eval_ctx *ctx, char *msg, size_t msgsz,
			size_t *bad)
{
	*bad = POOLDNS_EVAL_NO_INDEX;
	if (e->kind == POOLDNS_EXP_RESPONSE)
		return 0; /* applied by the runner before any other check */
	if (e->kind == POOLDNS_EXP_SEEN || e->kind == POOLDNS_EXP_SAME ||
	    e->kind == POOLDNS_EXP_COUNT_OF || e->kind == POOLDNS_EXP_FIRST_OF)
		return check_aggregate(e, resp, n, msg, msgsz, bad);
	for (size_t i = 0; i < n; i++) {
		if (resp[i].status != POOLDNS_PROBE_OK)
			continue;
		char one[1800];
		if (check_one(e, &resp[i], ctx, one, sizeof one) != 0) {
			*bad = i;
			if (n > 1)
				msgf(msg, msgsz, "response %zu of %zu: %s", i + 1, n, one);
			else
				msgf(msg, msgsz, "%s", one);
			return -1;
		}
	}
	return 0;
}
