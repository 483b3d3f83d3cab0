/*
 * status_html.c — /status, the HTML form of the status page (status.h): a
 * small read-only page without scripts. Every string that comes from the
 * database or from a probe (pool names, reasons, the source node) goes
 * through pooldns_textbuf_html().
 *
 * Owns nothing. Thread model: the operator endpoint's thread, inside the
 * caller's RCU read-side section.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <sys/socket.h>

#include "core/ops/status.h"

static const char style[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em}"
	"th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left;font-size:90%}"
	"th{background:#eee}.up{background:#d8f5d8}.down{background:#f8d0d0}"
	".disabled{background:#e4e4e4;color:#666}dt{font-weight:bold;float:left;width:13em}"
	"dd{margin:0 0 .2em 14em}";

static void html_time(struct pooldns_textbuf *b, int64_t ms)
{
	if (ms > 0)
		pooldns_textbuf_time(b, ms);
	else
		pooldns_textbuf_put(b, "never");
}

static void header(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	const struct pooldns_poller_status *ps = &v->data.poller;
	bool have = v->data.have_poller;

	pooldns_textbuf_put(b, "<dl>\n<dt>Ready</dt><dd id=\"ready\">");
	if (v->ready) {
		pooldns_textbuf_put(b, "yes");
	} else {
		pooldns_textbuf_put(b, "no: ");
		pooldns_textbuf_html(b, v->not_ready != NULL ? v->not_ready : "");
	}
	pooldns_textbuf_put(b, "</dd>\n<dt>Data version</dt><dd id=\"version\">");
	if (v->snap != NULL)
		pooldns_textbuf_printf(b, "%" PRId64, v->snap->version);
	else
		pooldns_textbuf_put(b, "none");
	if (have && ps->from_cache)
		pooldns_textbuf_put(b, " (from the cache file)");
	pooldns_textbuf_put(b, "</dd>\n<dt>Source</dt><dd>");
	if (v->data.source_kind[0] != '\0') {
		pooldns_textbuf_html(b, v->data.source_kind);
		pooldns_textbuf_put(b, " ");
		pooldns_textbuf_html(b, v->data.source_node);
		pooldns_textbuf_put(b, have && ps->source_ok ? " (reachable)" : " (unreachable)");
	} else {
		pooldns_textbuf_put(b, "none");
	}
	pooldns_textbuf_put(b, "</dd>\n<dt>Data published</dt><dd>");
	html_time(b, have ? ps->published_ms : 0);
	if (have && ps->published_ms > 0 && v->now_ms >= ps->published_ms)
		pooldns_textbuf_printf(b, " (%" PRId64 " s ago)",
				       (v->now_ms - ps->published_ms) / 1000);
	pooldns_textbuf_put(b, "</dd>\n<dt>Source last read</dt><dd>");
	html_time(b, have ? ps->source_ok_ms : 0);
	pooldns_textbuf_put(b, "</dd>\n<dt>Page generated</dt><dd>");
	html_time(b, v->now_ms);
	pooldns_textbuf_put(b, "</dd>\n</dl>\n");
}

static void members(const struct pooldns_ops_view *v, struct pooldns_textbuf *b,
		    const struct pooldns_pool *p, const struct pooldns_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char host[INET6_ADDRSTRLEN];
		struct pooldns_health_view hv;
		const char *state = pooldns_status_member(v, &m[i], &hv);

		inet_ntop(m[i].family, m[i].addr, host, sizeof host);
		pooldns_textbuf_printf(b, "<tr class=\"%s\"><td>", state);
		pooldns_textbuf_html(b, p->name_text);
		pooldns_textbuf_printf(b, "</td><td>%s</td><td>%s</td><td>", host, state);
		if (hv.checked && hv.since_ms > 0)
			pooldns_textbuf_time(b, hv.since_ms);
		else
			pooldns_textbuf_put(b, "-");
		pooldns_textbuf_put(b, "</td><td>");
		if (!hv.checked)
			pooldns_textbuf_put(b, "no health check");
		else if (!hv.known)
			pooldns_textbuf_put(b, "not probed yet");
		else
			pooldns_textbuf_html(b, hv.reason);
		pooldns_textbuf_put(b, "</td></tr>\n");
	}
}

static void pager(const struct pooldns_status_page *pg, struct pooldns_textbuf *b)
{
	if (pg->pool_filter != NULL) {
		pooldns_textbuf_put(b, "<p><a href=\"/status\">All pools</a></p>\n");
		return;
	}
	pooldns_textbuf_printf(b, "<p>Page %zu of %zu (%zu pools per page)", pg->page, pg->pages,
			       pg->page_size);
	if (pg->page > 1)
		pooldns_textbuf_printf(b, " <a href=\"/status?page=%zu\">previous</a>",
				       pg->page - 1);
	if (pg->page < pg->pages)
		pooldns_textbuf_printf(b, " <a href=\"/status?page=%zu\">next</a>", pg->page + 1);
	pooldns_textbuf_put(b, "</p>\n");
}

void pooldns_status_render_html(const struct pooldns_ops_view *v,
				const struct pooldns_status_page *pg, struct pooldns_textbuf *b)
{
	pooldns_textbuf_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			       "<title>pooldns status</title><style>");
	pooldns_textbuf_put(b, style);
	pooldns_textbuf_printf(b, "</style></head>\n<body>\n<h1>pooldns %s (%s)</h1>\n",
			       PACKAGE_VERSION, v->frontend);
	header(v, b);
	pooldns_textbuf_printf(b, "<h2>Pools</h2>\n<p>%zu pools, %zu members.</p>\n", pg->npools,
			       pg->nmembers);
	pager(pg, b);
	pooldns_textbuf_put(b, "<table id=\"members\">\n<tr><th>Pool</th><th>Member</th>"
			       "<th>State</th><th>Since</th><th>Reason</th></tr>\n");
	for (size_t i = 0; i < pg->n; i++) {
		members(v, b, pg->pools[i], pg->pools[i]->v4, pg->pools[i]->n_v4);
		members(v, b, pg->pools[i], pg->pools[i]->v6, pg->pools[i]->n_v6);
	}
	pooldns_textbuf_put(b, "</table>\n");
	pager(pg, b);
	pooldns_textbuf_put(b, "</body></html>\n");
}
