/*
 * qcount.h — the query and connection counters the metrics endpoint shows:
 * queries by transport, query type and response code, and TCP connections
 * (open now, accepted in all). Both front ends keep them: the standalone
 * server one set per worker thread, the Unbound module a few sets that its
 * threads share.
 *
 * The answer path only adds: no lock, no allocation. A set has fixed
 * buckets (a qtype outside the list is "other"), so its size never depends
 * on the traffic.
 *
 * Thread-safety: every counter is a relaxed atomic. A set with a single
 * writer (a standalone worker) is bumped with pooldns_qcount_add() (a
 * relaxed load and store, no locked instruction); a set that several
 * threads write (the module's stripes) with pooldns_qcount_add_shared().
 * Any thread may read with pooldns_qcount_sum(); a sum may mix moments,
 * which is fine for counters.
 */
#ifndef POOLDNS_OPS_QCOUNT_H
#define POOLDNS_OPS_QCOUNT_H

#include <stdatomic.h>
#include <stdint.h>

enum pooldns_qc_transport {
	POOLDNS_QC_UDP = 0,
	POOLDNS_QC_TCP,
	POOLDNS_QC_OTHER, /* the module: a query without a client (Unbound's own) */
	POOLDNS_QC_TRANSPORTS
};

/* Query type buckets, in pooldns_qc_qtype_names order. */
#define POOLDNS_QC_QTYPES 16

enum pooldns_qc_rcode {
	POOLDNS_QC_NOERROR = 0,
	POOLDNS_QC_FORMERR,
	POOLDNS_QC_SERVFAIL,
	POOLDNS_QC_NXDOMAIN,
	POOLDNS_QC_NOTIMP,
	POOLDNS_QC_REFUSED,
	POOLDNS_QC_BADVERS,
	POOLDNS_QC_OTHER_RCODE,
	POOLDNS_QC_DROPPED, /* the standalone server sent nothing */
	POOLDNS_QC_PASSED,  /* the module passed the query on to the next module */
	POOLDNS_QC_RCODES
};

struct pooldns_qcount {
	_Atomic uint64_t q[POOLDNS_QC_TRANSPORTS][POOLDNS_QC_QTYPES][POOLDNS_QC_RCODES];
	_Atomic uint64_t tcp_open;     /* gauge: connections open now */
	_Atomic uint64_t tcp_accepted; /* connections accepted in all */
};

extern const char *const pooldns_qc_transport_names[POOLDNS_QC_TRANSPORTS];
extern const char *const pooldns_qc_qtype_names[POOLDNS_QC_QTYPES];
extern const char *const pooldns_qc_rcode_names[POOLDNS_QC_RCODES];

/* The bucket of a query type (the last one, "other", for the rest). */
static inline unsigned pooldns_qc_qtype(uint16_t qtype)
{
	switch (qtype) {
	case 1:
		return 0; /* A */
	case 2:
		return 1; /* NS */
	case 5:
		return 2; /* CNAME */
	case 6:
		return 3; /* SOA */
	case 12:
		return 4; /* PTR */
	case 15:
		return 5; /* MX */
	case 16:
		return 6; /* TXT */
	case 28:
		return 7; /* AAAA */
	case 33:
		return 8; /* SRV */
	case 43:
		return 9; /* DS */
	case 48:
		return 10; /* DNSKEY */
	case 64:
		return 11; /* SVCB */
	case 65:
		return 12; /* HTTPS */
	case 257:
		return 13; /* CAA */
	case 255:
		return 14; /* ANY */
	default:
		return 15; /* other */
	}
}

/* The bucket of a response code (0..15, 16 for BADVERS). */
static inline enum pooldns_qc_rcode pooldns_qc_rcode(unsigned rcode)
{
	switch (rcode) {
	case 0:
		return POOLDNS_QC_NOERROR;
	case 1:
		return POOLDNS_QC_FORMERR;
	case 2:
		return POOLDNS_QC_SERVFAIL;
	case 3:
		return POOLDNS_QC_NXDOMAIN;
	case 4:
		return POOLDNS_QC_NOTIMP;
	case 5:
		return POOLDNS_QC_REFUSED;
	case 16:
		return POOLDNS_QC_BADVERS;
	default:
		return POOLDNS_QC_OTHER_RCODE;
	}
}

/* Single writer (the set's own thread). */
static inline void pooldns_qcount_add(struct pooldns_qcount *c, enum pooldns_qc_transport t,
				      uint16_t qtype, enum pooldns_qc_rcode r)
{
	_Atomic uint64_t *n = &c->q[t][pooldns_qc_qtype(qtype)][r];
	atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* Several writers. */
static inline void pooldns_qcount_add_shared(struct pooldns_qcount *c, enum pooldns_qc_transport t,
					     uint16_t qtype, enum pooldns_qc_rcode r)
{
	atomic_fetch_add_explicit(&c->q[t][pooldns_qc_qtype(qtype)][r], 1, memory_order_relaxed);
}

/* A TCP connection accepted / closed (single writer). */
static inline void pooldns_qcount_tcp_opened(struct pooldns_qcount *c)
{
	atomic_store_explicit(&c->tcp_open,
			      atomic_load_explicit(&c->tcp_open, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&c->tcp_accepted,
			      atomic_load_explicit(&c->tcp_accepted, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline void pooldns_qcount_tcp_closed(struct pooldns_qcount *c)
{
	atomic_store_explicit(&c->tcp_open,
			      atomic_load_explicit(&c->tcp_open, memory_order_relaxed) - 1,
			      memory_order_relaxed);
}

/* Adds src into sum (a set only the caller writes). */
void pooldns_qcount_sum(struct pooldns_qcount *sum, const struct pooldns_qcount *src);

#endif
