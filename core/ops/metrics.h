/*
 * metrics.h — renders /metrics, the Prometheus text exposition format
 * (version 0.0.4): every family with its HELP and TYPE lines, label values
 * escaped (textbuf.h).
 *
 * Bounded output: per-pool series (queries per pool, and each member's
 * up/down) exist for the view's top_pools busiest pools only (by queries
 * since start, ties by name; 0: none); pooldns_pool_series_omitted says how
 * many pools were left out. Totals cover every pool. So a million pools
 * cost a scan per scrape, never a million series.
 *
 * Thread-safety: the operator endpoint's thread, inside the RCU read-side
 * section that found view->snap.
 */
#ifndef POOLDNS_OPS_METRICS_H
#define POOLDNS_OPS_METRICS_H

#include "core/ops/textbuf.h"
#include "core/ops/view.h"

void pooldns_metrics_render(const struct pooldns_ops_view *v, struct pooldns_textbuf *b);

#endif
