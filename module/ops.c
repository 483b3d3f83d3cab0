/*
 * ops.c — the Unbound module's operator endpoint and query counters
 * (ops.h).
 *
 * The counters are striped: POOLDNS_MODULE_QC_STRIPES sets, a worker
 * thread picks one by a hash of its thread id, and adds with relaxed atomic
 * adds (two threads may share a stripe). The endpoint sums the stripes.
 * Unbound merges equal queries from several clients into one query state;
 * such a query is counted once, with the first client's transport.
 *
 * Owns: the endpoint and the stripes. Thread model: see ops.h; the
 * provider callbacks run on the endpoint's thread and read the poller's
 * atomics and the source's thread-safe node().
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/module.h"
#include "util/log.h"
#include "util/netevent.h"
#include "services/mesh.h"

#include "core/conf_opts.h"
#include "core/ops/http.h"
#include "module/ops.h"

#define POOLDNS_MODULE_QC_STRIPES 8
_Static_assert(POOLDNS_MODULE_QC_STRIPES == 8, "the stripe is picked by the top 3 bits");

struct pooldns_module_ops {
	struct pooldns_http *http;
	struct pooldns_poller *poller;
	struct pooldns_source *source;
	struct pooldns_qcount qc[POOLDNS_MODULE_QC_STRIPES];
};

static void ops_data(void *ctx, struct pooldns_ops_data *out)
{
	struct pooldns_module_ops *ops = ctx;

	memset(out, 0, sizeof *out);
	out->have_poller = true;
	pooldns_poller_status(ops->poller, &out->poller);
	pooldns_ops_data_source(out, ops->source);
}

static void ops_queries(void *ctx, struct pooldns_qcount *sum)
{
	struct pooldns_module_ops *ops = ctx;

	for (size_t i = 0; i < POOLDNS_MODULE_QC_STRIPES; i++)
		pooldns_qcount_sum(sum, &ops->qc[i]);
}

struct pooldns_module_ops *pooldns_module_ops_start(const struct pooldns_config *cfg,
						    struct pooldns_store *store,
						    struct pooldns_health *health,
						    struct pooldns_poller *poller,
						    struct pooldns_source *source)
{
	struct pooldns_http_opts ho;
	char err[512];

	if (!pooldns_config_http_opts(cfg, &ho))
		return NULL;
	struct pooldns_module_ops *ops = calloc(1, sizeof *ops);
	if (ops == NULL) {
		log_err("pooldns: out of memory starting the metrics endpoint");
		return NULL;
	}
	ops->poller = poller;
	ops->source = source;
	struct pooldns_ops_provider prov = {
		.frontend = "module",
		.store = store,
		.health = health,
		.tcp = false,
		.data = ops_data,
		.queries = ops_queries,
		.ctx = ops,
	};
	ops->http = pooldns_http_start(&ho, &prov, err, sizeof err);
	if (ops->http == NULL) {
		log_err("pooldns: %s; serving without it", err);
		free(ops);
		return NULL;
	}
	verbose(VERB_OPS, "pooldns: metrics and status on http://%s/", ho.listen);
	return ops;
}

void pooldns_module_ops_stop(struct pooldns_module_ops *ops)
{
	if (ops == NULL)
		return;
	pooldns_http_stop(ops->http);
	free(ops);
}

static enum pooldns_qc_transport transport_of(const struct module_qstate *qstate)
{
	if (qstate->mesh_info == NULL || qstate->mesh_info->reply_list == NULL ||
	    qstate->mesh_info->reply_list->query_reply.c == NULL)
		return POOLDNS_QC_OTHER;
	return qstate->mesh_info->reply_list->query_reply.c->type == comm_udp ? POOLDNS_QC_UDP
									      : POOLDNS_QC_TCP;
}

void pooldns_module_ops_count(struct pooldns_module_ops *ops, const struct module_qstate *qstate,
			      enum pooldns_qc_rcode r)
{
	if (ops == NULL)
		return;
	uint64_t t = (uint64_t)(uintptr_t)pthread_self() * 0x9e3779b97f4a7c15ull;
	struct pooldns_qcount *qc = &ops->qc[t >> 61]; /* 8 stripes: the top 3 bits */
	pooldns_qcount_add_shared(qc, transport_of(qstate), qstate->qinfo.qtype, r);
}
