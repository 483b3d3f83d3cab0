/*
 * metrics.c — the Prometheus page (metrics.h). Metric names are listed in
 * README.md ("Metrics and status"); a family always gets its HELP and TYPE
 * lines, even when it has no sample yet.
 *
 * Owns: the top-N heap of one render. Thread model: the operator
 * endpoint's thread; reads counters with relaxed atomics.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/ops/metrics.h"

static void family(struct pooldns_textbuf *b, const char *name, const char *type, const char *help)
{
	pooldns_textbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label(struct pooldns_textbuf *b, const char *name, const char *value, bool first)
{
	pooldns_textbuf_printf(b, "%s%s=\"", first ? "{" : ",", name);
	pooldns_textbuf_prom_label(b, value);
	pooldns_textbuf_put(b, "\"");
}

static void seconds(struct pooldns_textbuf *b, const char *name, int64_t ms)
{
	pooldns_textbuf_printf(b, "%s %" PRId64 ".%03d\n", name, ms / 1000, (int)(ms % 1000));
}

static void build_and_queries(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	family(b, "pooldns_build_info", "gauge", "Version and front end of this process.");
	pooldns_textbuf_put(b, "pooldns_build_info");
	label(b, "version", PACKAGE_VERSION, true);
	label(b, "frontend", v->frontend, false);
	pooldns_textbuf_put(b, "} 1\n");

	family(b, "pooldns_ready", "gauge", "1 when /readyz answers 200.");
	pooldns_textbuf_printf(b, "pooldns_ready %d\n", v->ready ? 1 : 0);

	family(b, "pooldns_queries_total", "counter",
	       "Queries by transport, query type and response code (series that are still "
	       "0 are left out).");
	for (int t = 0; v->queries != NULL && t < POOLDNS_QC_TRANSPORTS; t++)
		for (int q = 0; q < POOLDNS_QC_QTYPES; q++)
			for (int r = 0; r < POOLDNS_QC_RCODES; r++) {
				uint64_t n = atomic_load_explicit(&v->queries->q[t][q][r],
								  memory_order_relaxed);
				if (n == 0)
					continue;
				pooldns_textbuf_put(b, "pooldns_queries_total");
				label(b, "transport", pooldns_qc_transport_names[t], true);
				label(b, "qtype", pooldns_qc_qtype_names[q], false);
				label(b, "rcode", pooldns_qc_rcode_names[r], false);
				pooldns_textbuf_printf(b, "} %" PRIu64 "\n", n);
			}
	if (v->tcp && v->queries != NULL) {
		family(b, "pooldns_tcp_connections", "gauge", "TCP connections open now.");
		pooldns_textbuf_printf(
			b, "pooldns_tcp_connections %" PRIu64 "\n",
			atomic_load_explicit(&v->queries->tcp_open, memory_order_relaxed));
		family(b, "pooldns_tcp_connections_total", "counter", "TCP connections accepted.");
		pooldns_textbuf_printf(
			b, "pooldns_tcp_connections_total %" PRIu64 "\n",
			atomic_load_explicit(&v->queries->tcp_accepted, memory_order_relaxed));
	}
}

static void data_status(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	const struct pooldns_poller_status *ps = &v->data.poller;

	family(b, "pooldns_data_version", "gauge",
	       "Data version of the snapshot in use (-1: no data).");
	pooldns_textbuf_printf(b, "pooldns_data_version %" PRId64 "\n",
			       v->snap != NULL ? v->snap->version : (int64_t)-1);
	family(b, "pooldns_data_from_cache", "gauge",
	       "1 when the data in use came from the cache file.");
	pooldns_textbuf_printf(b, "pooldns_data_from_cache %d\n",
			       v->data.have_poller && ps->from_cache ? 1 : 0);
	family(b, "pooldns_data_source_up", "gauge",
	       "1 when the last read of the source succeeded.");
	pooldns_textbuf_printf(b, "pooldns_data_source_up %d\n",
			       v->data.have_poller && ps->source_ok ? 1 : 0);
	family(b, "pooldns_data_source_info", "gauge",
	       "The source and the node (rqlite URL or SQLite path) in use.");
	if (v->data.source_kind[0] != '\0') {
		pooldns_textbuf_put(b, "pooldns_data_source_info");
		label(b, "kind", v->data.source_kind, true);
		label(b, "node", v->data.source_node, false);
		pooldns_textbuf_put(b, "} 1\n");
	}
	bool published = v->data.have_poller && ps->published_ms > 0;
	family(b, "pooldns_data_published_timestamp_seconds", "gauge",
	       "When the data in use was published (Unix time).");
	if (published)
		seconds(b, "pooldns_data_published_timestamp_seconds", ps->published_ms);
	family(b, "pooldns_data_snapshot_age_seconds", "gauge",
	       "Seconds since the data in use was published.");
	if (published)
		seconds(b, "pooldns_data_snapshot_age_seconds",
			v->now_ms > ps->published_ms ? v->now_ms - ps->published_ms : 0);
	family(b, "pooldns_data_last_success_timestamp_seconds", "gauge",
	       "Last successful read of the source (Unix time): the data was current then.");
	if (v->data.have_poller && ps->source_ok_ms > 0)
		seconds(b, "pooldns_data_last_success_timestamp_seconds", ps->source_ok_ms);
	family(b, "pooldns_data_loads_total", "counter",
	       "Loads and changes published from the source.");
	pooldns_textbuf_printf(b, "pooldns_data_loads_total %" PRIu64 "\n",
			       v->data.have_poller ? ps->loads_ok : 0);
	family(b, "pooldns_data_load_failures_total", "counter",
	       "Loads and changes not published, by kind.");
	for (int k = 0; k < POOLDNS_LOAD_FAILURE_KINDS; k++) {
		pooldns_textbuf_put(b, "pooldns_data_load_failures_total");
		label(b, "kind", pooldns_load_failure_name((enum pooldns_load_failure)k), true);
		pooldns_textbuf_printf(b, "} %" PRIu64 "\n",
				       v->data.have_poller ? ps->failures[k] : 0);
	}
}

static void health(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	const struct pooldns_health_stats *hs = &v->hstats;

	family(b, "pooldns_health_endpoints", "gauge",
	       "Distinct probed endpoints (address and check settings).");
	pooldns_textbuf_printf(b, "pooldns_health_endpoints %zu\n", hs->endpoints);
	family(b, "pooldns_health_endpoints_down", "gauge", "Probed endpoints that are down.");
	pooldns_textbuf_printf(b, "pooldns_health_endpoints_down %zu\n", hs->endpoints_down);
	family(b, "pooldns_health_probes_total", "counter", "Completed health probes by result.");
	for (int o = 0; o < POOLDNS_PROBE_OUTCOMES; o++) {
		pooldns_textbuf_put(b, "pooldns_health_probes_total");
		label(b, "result", pooldns_probe_outcome_name((enum pooldns_probe_outcome)o), true);
		pooldns_textbuf_printf(b, "} %" PRIu64 "\n", hs->probes[o]);
	}
	family(b, "pooldns_health_transitions_total", "counter",
	       "Endpoint state changes (up to down and back).");
	pooldns_textbuf_printf(b, "pooldns_health_transitions_total %" PRIu64 "\n",
			       hs->transitions);
	family(b, "pooldns_health_probe_duration_seconds", "histogram",
	       "Duration of completed probe transfers.");
	uint64_t cum = 0;
	for (int i = 0; i <= POOLDNS_PROBE_LATENCY_BUCKETS; i++) {
		cum += hs->latency[i];
		if (i < POOLDNS_PROBE_LATENCY_BUCKETS)
			pooldns_textbuf_printf(
				b,
				"pooldns_health_probe_duration_seconds_bucket{le=\"%g\"} %" PRIu64
				"\n",
				pooldns_probe_latency_bounds[i], cum);
		else
			pooldns_textbuf_printf(
				b,
				"pooldns_health_probe_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64
				"\n",
				cum);
	}
	pooldns_textbuf_printf(b, "pooldns_health_probe_duration_seconds_sum %" PRIu64 ".%06u\n",
			       hs->latency_sum_us / 1000000u,
			       (unsigned)(hs->latency_sum_us % 1000000u));
	pooldns_textbuf_printf(b, "pooldns_health_probe_duration_seconds_count %" PRIu64 "\n", cum);
}

/* ---- pools: totals over all, series for the busiest top_pools ---------- */

static uint64_t queries_of(const struct pooldns_pool *p)
{
	return atomic_load_explicit(&((struct pooldns_pool *)p)->queries, memory_order_relaxed);
}

/* Busier first; ties by name, so the choice is stable between scrapes. */
static bool busier(const struct pooldns_pool *a, uint64_t qa, const struct pooldns_pool *b,
		   uint64_t qb)
{
	if (qa != qb)
		return qa > qb;
	return strcmp(a->name_text, b->name_text) < 0;
}

struct ranked {
	const struct pooldns_pool *p;
	uint64_t q;
};

/* Min-heap on "busier": the root is the least busy of the kept pools. */
static void sift_down(struct ranked *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && busier(h[m].p, h[m].q, h[l].p, h[l].q))
			m = l;
		if (r < n && busier(h[m].p, h[m].q, h[r].p, h[r].q))
			m = r;
		if (m == i)
			return;
		struct ranked t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(struct ranked *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!busier(h[parent].p, h[parent].q, h[i].p, h[i].q))
			return;
		struct ranked t = h[i];
		h[i] = h[parent];
		h[parent] = t;
		i = parent;
	}
}

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->p == y->p)
		return 0;
	return busier(x->p, x->q, y->p, y->q) ? -1 : 1;
}

static void member_counts(const struct pooldns_member *m, size_t n, size_t c[3])
{
	for (size_t i = 0; i < n; i++)
		c[!m[i].enabled ? 2 : pooldns_member_usable(&m[i]) ? 0 : 1]++;
}

static void member_series(struct pooldns_textbuf *b, const struct pooldns_pool *p,
			  const struct pooldns_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char host[INET6_ADDRSTRLEN];
		if (!m[i].enabled)
			continue;
		inet_ntop(m[i].family, m[i].addr, host, sizeof host);
		pooldns_textbuf_put(b, "pooldns_member_up");
		label(b, "pool", p->name_text, true);
		label(b, "member", host, false);
		pooldns_textbuf_printf(b, "} %d\n", pooldns_member_usable(&m[i]) ? 1 : 0);
	}
}

static void pools(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	size_t counts[3] = { 0, 0, 0 }, npools = 0, kept = 0;
	size_t cap = v->top_pools;
	struct ranked *heap = NULL;
	const struct pooldns_pool *p;

	if (v->snap != NULL && cap > v->snap->npools)
		cap = v->snap->npools;
	if (cap > 0) {
		heap = calloc(cap, sizeof *heap);
		if (heap == NULL) {
			b->oom = true;
			return;
		}
	}
	for (size_t it = 0; v->snap != NULL && (p = pooldns_snapshot_next(v->snap, &it)) != NULL;) {
		uint64_t q = queries_of(p);
		npools++;
		member_counts(p->v4, p->n_v4, counts);
		member_counts(p->v6, p->n_v6, counts);
		if (cap == 0)
			continue;
		if (kept < cap) {
			heap[kept] = (struct ranked){ p, q };
			sift_up(heap, kept++);
		} else if (busier(p, q, heap[0].p, heap[0].q)) {
			heap[0] = (struct ranked){ p, q };
			sift_down(heap, kept, 0);
		}
	}
	if (kept > 1)
		qsort(heap, kept, sizeof *heap, cmp_ranked);

	family(b, "pooldns_pools", "gauge", "Pools in the data in use.");
	pooldns_textbuf_printf(b, "pooldns_pools %zu\n", npools);
	family(b, "pooldns_members", "gauge",
	       "Members of all pools by state (up counts members not probed yet).");
	static const char *const states[3] = { "up", "down", "disabled" };
	for (int s = 0; s < 3; s++)
		pooldns_textbuf_printf(b, "pooldns_members{state=\"%s\"} %zu\n", states[s],
				       counts[s]);
	family(b, "pooldns_pool_series_omitted", "gauge",
	       "Pools left out of the per-pool series (see http-metrics-pools).");
	pooldns_textbuf_printf(b, "pooldns_pool_series_omitted %zu\n", npools - kept);
	family(b, "pooldns_pool_queries_total", "counter",
	       "Queries for a pool's name, for the busiest pools only.");
	for (size_t i = 0; i < kept; i++) {
		pooldns_textbuf_put(b, "pooldns_pool_queries_total");
		label(b, "pool", heap[i].p->name_text, true);
		pooldns_textbuf_printf(b, "} %" PRIu64 "\n", heap[i].q);
	}
	family(b, "pooldns_member_up", "gauge",
	       "1 when an enabled member is answered, 0 when it is down; busiest pools only.");
	for (size_t i = 0; i < kept; i++) {
		member_series(b, heap[i].p, heap[i].p->v4, heap[i].p->n_v4);
		member_series(b, heap[i].p, heap[i].p->v6, heap[i].p->n_v6);
	}
	free(heap);
}

void pooldns_metrics_render(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	build_and_queries(v, b);
	data_status(v, b);
	health(v, b);
	pools(v, b);
}
