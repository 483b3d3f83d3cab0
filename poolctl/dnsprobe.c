/*
 * dnsprobe.c — the DNS queries of `member drain --wait` (see dnsprobe.h),
 * made and read with ldns.
 *
 * Owns: one ldns resolver per call, freed before returning. Thread model:
 * reentrant.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "poolctl/dnsprobe.h"

int pctl_dns_server_parse(const char *text, struct pctl_dns_server *out, char *err, size_t errsz)
{
	const char *addr = text, *port = NULL;
	size_t alen;
	uint8_t buf[16];

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", text);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		addr = text + 1;
		alen = (size_t)(close - addr);
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(text, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			alen = (size_t)(colon - text);
			port = colon + 1;
		} else {
			alen = strlen(text);
		}
	}
	if (alen == 0 || alen >= sizeof(out->addr))
		goto bad;
	memcpy(out->addr, addr, alen);
	out->addr[alen] = '\0';
	if (inet_pton(AF_INET, out->addr, buf) == 1)
		out->v6 = false;
	else if (inet_pton(AF_INET6, out->addr, buf) == 1)
		out->v6 = true;
	else
		goto bad;
	out->port = 53;
	if (port != NULL) {
		char *end;
		long v;
		errno = 0;
		v = strtol(port, &end, 10);
		if (port[0] < '0' || port[0] > '9' || *end != '\0' || errno != 0 || v < 1 ||
		    v > 65535)
			goto bad;
		out->port = (uint16_t)v;
	}
	return 0;
bad:
	snprintf(err, errsz,
		 "--server %.64s: not ADDRESS[:PORT] or [IPv6]:PORT with a literal address", text);
	return -1;
}

static ldns_resolver *resolver(const struct pctl_dns_server *s, int timeout_ms)
{
	ldns_resolver *r = ldns_resolver_new();
	ldns_rdf *ns;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };

	if (r == NULL)
		return NULL;
	ns = ldns_rdf_new_frm_str(s->v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, s->addr);
	if (ns == NULL || ldns_resolver_push_nameserver(r, ns) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(ns);
		ldns_resolver_deep_free(r);
		return NULL;
	}
	ldns_rdf_deep_free(ns); /* pushed as a copy */
	ldns_resolver_set_port(r, s->port);
	ldns_resolver_set_recursive(r, false);
	ldns_resolver_set_retry(r, 1);
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_fallback(r, true);
	ldns_resolver_set_defnames(r, false);
	ldns_resolver_set_dnsrch(r, false);
	ldns_resolver_set_edns_udp_size(r, 1232);
	return r;
}

int pctl_dns_look(const struct pctl_dns_server *s, const char *name, int family,
		  const uint8_t addr[16], int timeout_ms, struct pctl_dns_look *out, char *err,
		  size_t errsz)
{
	ldns_resolver *r = resolver(s, timeout_ms);
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	ldns_rr_type t = family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
	ldns_pkt *pkt = NULL;
	ldns_rr_list *rrs;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (r == NULL || qname == NULL) {
		snprintf(err, errsz, "%s: cannot make the query (out of memory?)", s->text);
		goto out;
	}
	if (ldns_resolver_send(&pkt, r, qname, t, LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK ||
	    pkt == NULL) {
		snprintf(err, errsz, "%s: no answer", s->text);
		goto out;
	}
	if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR) {
		ldns_lookup_table *lt =
			ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));
		snprintf(err, errsz, "%s: %s", s->text, lt != NULL ? lt->name : "error rcode");
		goto out;
	}
	rrs = ldns_pkt_rr_list_by_type(pkt, t, LDNS_SECTION_ANSWER);
	for (size_t i = 0; rrs != NULL && i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rdf *a = ldns_rr_rdf(ldns_rr_list_rr(rrs, i), 0);
		size_t len = family == AF_INET ? 4 : 16;
		if (a != NULL && ldns_rdf_size(a) == len &&
		    memcmp(ldns_rdf_data(a), addr, len) == 0)
			out->present = true;
	}
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(pkt);
	pkt = NULL;
	if (ldns_resolver_send(&pkt, r, qname, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0) ==
		    LDNS_STATUS_OK &&
	    pkt != NULL && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR) {
		rrs = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_SOA, LDNS_SECTION_ANSWER);
		if (rrs != NULL && ldns_rr_list_rr_count(rrs) > 0) {
			ldns_rdf *sr = ldns_rr_rdf(ldns_rr_list_rr(rrs, 0), 2);
			if (sr != NULL && ldns_rdf_size(sr) == 4) {
				out->serial = ldns_rdf2native_int32(sr);
				out->have_serial = true;
			}
		}
		ldns_rr_list_deep_free(rrs);
	}
	rc = 0;
out:
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(qname);
	ldns_resolver_deep_free(r);
	return rc;
}
