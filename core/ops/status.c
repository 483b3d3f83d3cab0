/*
 * status.c — collects a page of the status pages and renders /status.json
 * (status.h; the HTML form is status_html.c).
 *
 * Owns: the pool array of a page. Thread model: the operator endpoint's
 * thread, inside the caller's RCU read-side section.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/dns/dname.h"
#include "core/model/policy.h"
#include "core/ops/status.h"

static int cmp_name(const void *a, const void *b)
{
	const struct pooldns_pool *const *x = a, *const *y = b;
	return strcmp((*x)->name_text, (*y)->name_text);
}

enum pooldns_status_rc pooldns_status_page_get(const struct pooldns_ops_view *v, size_t page,
					       const char *pool, struct pooldns_status_page *out,
					       char *err, size_t errsz)
{
	const struct pooldns_snapshot *s = v->snap;
	size_t size = v->page_size > 0 ? v->page_size : 1;

	memset(out, 0, sizeof *out);
	out->page_size = size;
	out->npools = s != NULL ? s->npools : 0;
	out->nmembers = s != NULL ? s->nmembers : 0;
	out->pages = out->npools == 0 ? 1 : (out->npools - 1) / size + 1;
	out->page = page;
	if (pool != NULL) {
		uint8_t wire[POOLDNS_NAME_MAX], lower[POOLDNS_NAME_MAX];
		int len = pooldns_dname_from_text(pool, wire, sizeof wire);
		if (pool[0] == '\0' || len <= 0) {
			snprintf(err, errsz, "pool: not a valid domain name");
			return POOLDNS_STATUS_BAD;
		}
		pooldns_dname_lower(lower, wire, (size_t)len);
		const struct pooldns_pool *p =
			s != NULL ? pooldns_snapshot_lookup(s, lower, (size_t)len) : NULL;
		if (p == NULL) {
			snprintf(err, errsz, "no pool of that name in data version %" PRId64,
				 s != NULL ? s->version : (int64_t)-1);
			return POOLDNS_STATUS_NOT_FOUND;
		}
		out->pools = malloc(sizeof *out->pools);
		if (out->pools == NULL)
			return POOLDNS_STATUS_NOMEM;
		out->pools[0] = p;
		out->n = 1;
		out->page = out->pages = 1;
		out->pool_filter = p->name_text;
		return POOLDNS_STATUS_OK;
	}
	if (page < 1 || page > out->pages) {
		snprintf(err, errsz, "no page %zu: there %s %zu", page,
			 out->pages == 1 ? "is" : "are", out->pages);
		return POOLDNS_STATUS_NOT_FOUND;
	}
	size_t first = (page - 1) * size;
	size_t n = out->npools - first < size ? out->npools - first : size;
	out->pools = calloc(n > 0 ? n : 1, sizeof *out->pools);
	if (out->pools == NULL)
		return POOLDNS_STATUS_NOMEM;
	size_t i = 0;
	const struct pooldns_pool *p;
	for (size_t it = 0; s != NULL && out->n < n && (p = pooldns_snapshot_next(s, &it)) != NULL;
	     i++)
		if (i >= first)
			out->pools[out->n++] = p;
	qsort(out->pools, out->n, sizeof *out->pools, cmp_name);
	return POOLDNS_STATUS_OK;
}

void pooldns_status_page_free(struct pooldns_status_page *pg)
{
	free(pg->pools);
	pg->pools = NULL;
	pg->n = 0;
}

const char *pooldns_status_member(const struct pooldns_ops_view *v, const struct pooldns_member *m,
				  struct pooldns_health_view *hv)
{
	pooldns_health_view(v->health, m->health, hv);
	if (!m->enabled)
		return "disabled";
	return hv->up ? "up" : "down";
}

/* ---- /status.json ------------------------------------------------------ */

static void json_time(struct pooldns_textbuf *b, const char *key, int64_t ms, bool comma)
{
	pooldns_textbuf_printf(b, "\"%s\":", key);
	if (ms > 0) {
		pooldns_textbuf_put(b, "\"");
		pooldns_textbuf_time(b, ms);
		pooldns_textbuf_put(b, "\"");
	} else {
		pooldns_textbuf_put(b, "null");
	}
	if (comma)
		pooldns_textbuf_put(b, ",");
}

static void json_data(const struct pooldns_ops_view *v, struct pooldns_textbuf *b)
{
	const struct pooldns_poller_status *ps = &v->data.poller;
	bool have = v->data.have_poller;

	pooldns_textbuf_printf(b, "\"data\":{\"version\":%" PRId64 ",\"source\":",
			       v->snap != NULL ? v->snap->version : (int64_t)-1);
	pooldns_textbuf_json_str(b, v->data.source_kind[0] != '\0' ? v->data.source_kind : NULL);
	pooldns_textbuf_put(b, ",\"node\":");
	pooldns_textbuf_json_str(b, v->data.source_kind[0] != '\0' ? v->data.source_node : NULL);
	pooldns_textbuf_printf(b, ",\"source_ok\":%s,\"from_cache\":%s,",
			       have && ps->source_ok ? "true" : "false",
			       have && ps->from_cache ? "true" : "false");
	json_time(b, "published", have ? ps->published_ms : 0, true);
	if (have && ps->published_ms > 0) {
		int64_t age = v->now_ms > ps->published_ms ? v->now_ms - ps->published_ms : 0;
		pooldns_textbuf_printf(b, "\"age_seconds\":%" PRId64 ".%03d,", age / 1000,
				       (int)(age % 1000));
	} else {
		pooldns_textbuf_put(b, "\"age_seconds\":null,");
	}
	json_time(b, "last_source_success", have ? ps->source_ok_ms : 0, false);
	pooldns_textbuf_put(b, "}");
}

static void json_members(const struct pooldns_ops_view *v, struct pooldns_textbuf *b,
			 const struct pooldns_member *m, size_t n, bool *first)
{
	for (size_t i = 0; i < n; i++) {
		char host[INET6_ADDRSTRLEN];
		struct pooldns_health_view hv;
		const char *state = pooldns_status_member(v, &m[i], &hv);

		inet_ntop(m[i].family, m[i].addr, host, sizeof host);
		pooldns_textbuf_printf(b,
				       "%s{\"address\":\"%s\",\"state\":\"%s\",\"enabled\":%s,"
				       "\"checked\":%s,\"probed\":%s,",
				       *first ? "" : ",", host, state,
				       m[i].enabled ? "true" : "false",
				       hv.checked ? "true" : "false", hv.known ? "true" : "false");
		json_time(b, "since", hv.since_ms, true);
		pooldns_textbuf_put(b, "\"reason\":");
		pooldns_textbuf_json_str(b, hv.reason[0] != '\0' ? hv.reason : NULL);
		pooldns_textbuf_put(b, "}");
		*first = false;
	}
}

void pooldns_status_render_json(const struct pooldns_ops_view *v,
				const struct pooldns_status_page *pg, struct pooldns_textbuf *b)
{
	pooldns_textbuf_put(b, "{\"pooldns\":{\"version\":");
	pooldns_textbuf_json_str(b, PACKAGE_VERSION);
	pooldns_textbuf_put(b, ",\"frontend\":");
	pooldns_textbuf_json_str(b, v->frontend);
	pooldns_textbuf_put(b, "},");
	json_time(b, "generated", v->now_ms, true);
	pooldns_textbuf_printf(b, "\"ready\":%s,\"not_ready\":", v->ready ? "true" : "false");
	pooldns_textbuf_json_str(b, v->ready ? NULL : v->not_ready);
	pooldns_textbuf_put(b, ",");
	json_data(v, b);
	pooldns_textbuf_printf(b,
			       ",\"pools_total\":%zu,\"members_total\":%zu,\"page\":%zu,"
			       "\"pages\":%zu,\"page_size\":%zu,\"pools\":[",
			       pg->npools, pg->nmembers, pg->page, pg->pages, pg->page_size);
	for (size_t i = 0; i < pg->n; i++) {
		const struct pooldns_pool *p = pg->pools[i];
		bool first = true;

		pooldns_textbuf_put(b, i ? ",{\"name\":" : "{\"name\":");
		pooldns_textbuf_json_str(b, p->name_text);
		pooldns_textbuf_put(b, ",\"policy\":");
		pooldns_textbuf_json_str(b, pooldns_policy_name((enum pooldns_policy)p->policy));
		pooldns_textbuf_put(b, ",\"check\":");
		pooldns_textbuf_json_str(b, pooldns_check_type_name(p->check.type));
		pooldns_textbuf_printf(b, ",\"ttl\":%" PRIu32 ",\"members\":[", p->ttl);
		json_members(v, b, p->v4, p->n_v4, &first);
		json_members(v, b, p->v6, p->n_v6, &first);
		pooldns_textbuf_put(b, "]}");
	}
	pooldns_textbuf_put(b, "]}\n");
}
