/*
 * ops.h — the Unbound module's side of the operator endpoint
 * (core/ops/http.h): starts the endpoint at module init when http-listen is
 * set, stops it at deinit, and keeps the module's query counters (queries
 * it answers, by rcode, and queries it passes on, by transport and qtype).
 *
 * Thread-safety: start and stop on Unbound's main thread while no worker
 * runs (init/deinit); pooldns_module_ops_count() on any worker thread
 * (striped counters, relaxed atomic adds: no lock, no allocation).
 */
#ifndef POOLDNS_MODULE_OPS_H
#define POOLDNS_MODULE_OPS_H

#include "core/conf.h"
#include "core/ops/qcount.h"
#include "core/poller.h"

struct module_qstate;
struct pooldns_module_ops;

/* NULL when http-listen is unset, or when the endpoint cannot start (then
 * logged: the module serves without it rather than failing Unbound). Every
 * pointer is borrowed and must outlive pooldns_module_ops_stop(). */
struct pooldns_module_ops *pooldns_module_ops_start(const struct pooldns_config *cfg,
						    struct pooldns_store *store,
						    struct pooldns_health *health,
						    struct pooldns_poller *poller,
						    struct pooldns_source *source);

/* Stops the endpoint (joins its thread) and frees the counters. NULL is
 * accepted. */
void pooldns_module_ops_stop(struct pooldns_module_ops *ops);

/* Counts one query the module answered (r: its rcode bucket) or passed on
 * (POOLDNS_QC_PASSED). ops may be NULL (endpoint off: nothing counted). */
void pooldns_module_ops_count(struct pooldns_module_ops *ops, const struct module_qstate *qstate,
			      enum pooldns_qc_rcode r);

#endif
