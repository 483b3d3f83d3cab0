/*
 * qcount.c — the names of the query counter buckets (qcount.h) and the sum
 * of counter sets.
 *
 * Owns nothing. Thread model: any thread; reads with relaxed atomics.
 */
#include "config.h"

#include "core/ops/qcount.h"

const char *const pooldns_qc_transport_names[POOLDNS_QC_TRANSPORTS] = {
	[POOLDNS_QC_UDP] = "udp",
	[POOLDNS_QC_TCP] = "tcp",
	[POOLDNS_QC_OTHER] = "other",
};

/* In the order of pooldns_qc_qtype(). */
const char *const pooldns_qc_qtype_names[POOLDNS_QC_QTYPES] = {
	"A",   "NS", "CNAME",  "SOA",  "PTR",   "MX",  "TXT", "AAAA",
	"SRV", "DS", "DNSKEY", "SVCB", "HTTPS", "CAA", "ANY", "other",
};

const char *const pooldns_qc_rcode_names[POOLDNS_QC_RCODES] = {
	[POOLDNS_QC_NOERROR] = "NOERROR",   [POOLDNS_QC_FORMERR] = "FORMERR",
	[POOLDNS_QC_SERVFAIL] = "SERVFAIL", [POOLDNS_QC_NXDOMAIN] = "NXDOMAIN",
	[POOLDNS_QC_NOTIMP] = "NOTIMP",     [POOLDNS_QC_REFUSED] = "REFUSED",
	[POOLDNS_QC_BADVERS] = "BADVERS",   [POOLDNS_QC_OTHER_RCODE] = "other",
	[POOLDNS_QC_DROPPED] = "dropped",   [POOLDNS_QC_PASSED] = "passed",
};

static void add(_Atomic uint64_t *to, const _Atomic uint64_t *from)
{
	uint64_t v = atomic_load_explicit(to, memory_order_relaxed) +
		     atomic_load_explicit(from, memory_order_relaxed);
	atomic_store_explicit(to, v, memory_order_relaxed);
}

void pooldns_qcount_sum(struct pooldns_qcount *sum, const struct pooldns_qcount *src)
{
	for (int t = 0; t < POOLDNS_QC_TRANSPORTS; t++)
		for (int q = 0; q < POOLDNS_QC_QTYPES; q++)
			for (int r = 0; r < POOLDNS_QC_RCODES; r++)
				add(&sum->q[t][q][r], &src->q[t][q][r]);
	add(&sum->tcp_open, &src->tcp_open);
	add(&sum->tcp_accepted, &src->tcp_accepted);
}
