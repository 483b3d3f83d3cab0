/*
 * check_ops.c — unit tests for the operator endpoint's renderers
 * (core/ops/): the escapers of textbuf.c; /metrics (metrics.c) with its
 * HELP/TYPE structure, the per-pool bound (the busiest N pools only, the
 * rest counted as omitted) and member series; /status.json (status.c) as
 * valid JSON with members' states and reasons, paging bounds and the pool
 * filter; /status (status_html.c) escaping every string from the data or a
 * probe. Health states are driven through the registry's own report
 * function, without a checker thread.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/health/health_internal.h"
#include "core/log.h"
#include "core/model/builder.h"
#include "core/ops/metrics.h"
#include "core/ops/request.h"
#include "core/ops/status.h"
#include "core/ops/textbuf.h"
#include "testdata.h"

#define EVIL_REASON "<b>HTTP 503</b> & \"quoted\" 'single'\n\\"

static void quiet_log(enum pooldns_log_level level, const char *msg, void *ctx)
{
}

static char *take(struct pooldns_textbuf *b)
{
	size_t len;
	char *s = pooldns_textbuf_take(b, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* ---- escapers ------------------------------------------------------------ */

START_TEST(prom_label_escapes_backslash_quote_newline)
{
	struct pooldns_textbuf b;
	pooldns_textbuf_init(&b);
	pooldns_textbuf_prom_label(&b, "a\"b\\c\nd\te");
	char *s = take(&b);
	ck_assert_str_eq(s, "a\\\"b\\\\c\\nd\te");
	free(s);
}
END_TEST

START_TEST(json_string_is_ascii_and_valid)
{
	struct pooldns_textbuf b;
	pooldns_textbuf_init(&b);
	pooldns_textbuf_json_str(&b, "q\"b\\s\n\x01\x7f\xc3\xa9");
	pooldns_textbuf_put(&b, ",");
	pooldns_textbuf_json_str(&b, NULL);
	char *s = take(&b);
	ck_assert_str_eq(s, "\"q\\\"b\\\\s\\n\\u0001\\u007f\\u00c3\\u00a9\",null");
	for (const char *p = s; *p != '\0'; p++)
		ck_assert((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	free(s);
}
END_TEST

START_TEST(html_escapes_markup_and_controls)
{
	struct pooldns_textbuf b;
	pooldns_textbuf_init(&b);
	pooldns_textbuf_html(&b, "<a href='x'>\"&\"</a>\x01\xe9");
	char *s = take(&b);
	ck_assert_str_eq(s, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;&#65533;&#233;");
	free(s);
}
END_TEST

/* ---- a data set: n pools "pNN.test.", each with two members ------------- */

struct fixture {
	struct pooldns_snapshot *snap;
	struct pooldns_health *h;
	struct pooldns_qcount q;
	struct pooldns_ops_view v;
};

static void fixture_init(struct fixture *f, int n, const char *check)
{
	struct pooldns_dataset ds;
	char names[100][32], err[256];
	struct pooldns_build_stats st;

	ck_assert_int_le(n, 100);
	td_dataset_init(&ds, 42);
	for (int i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "p%02d.test.", i);
		TD_POOL(&ds, .id = i + 1, .name = names[i], .check_type = check,
			.check_port = check != NULL ? 9 : 0);
		char a[32], b2[32];
		snprintf(a, sizeof a, "192.0.2.%d", i + 1);
		snprintf(b2, sizeof b2, "2001:db8::%d", i + 1);
		TD_MEMBER(&ds, .id = 2 * i + 1, .pool = i + 1, .host = a);
		TD_MEMBER(&ds, .id = 2 * i + 2, .pool = i + 1, .host = b2, .disabled = i == 0);
	}
	f->snap = pooldns_snapshot_build(&ds, NULL, &st, err, sizeof err);
	ck_assert_msg(f->snap != NULL, "%s", err);
	pooldns_dataset_clear(&ds);
	f->h = pooldns_health_registry_new(err, sizeof err);
	ck_assert_ptr_nonnull(f->h);
	struct pooldns_pool *p;
	for (size_t it = 0; (p = pooldns_snapshot_next(f->snap, &it)) != NULL;)
		pooldns_health_registry_attach_pool(f->h, p);
	memset(&f->q, 0, sizeof f->q);
	memset(&f->v, 0, sizeof f->v);
	f->v.frontend = "standalone";
	f->v.now_ms = 1795711050000;
	f->v.snap = f->snap;
	f->v.health = f->h;
	f->v.queries = &f->q;
	f->v.tcp = true;
	f->v.ready = true;
	f->v.data.have_poller = true;
	f->v.data.poller.version = 42;
	f->v.data.poller.published_ms = 1795711047067;
	f->v.data.poller.source_ok_ms = 1795711049000;
	f->v.data.poller.source_ok = true;
	snprintf(f->v.data.source_kind, sizeof f->v.data.source_kind, "sqlite");
	snprintf(f->v.data.source_node, sizeof f->v.data.source_node, "/var/lib/\"pools\".db");
	f->v.top_pools = 5;
	f->v.page_size = 10;
}

static void fixture_free(struct fixture *f)
{
	pooldns_snapshot_free(f->snap);
	pooldns_health_registry_free(f->h);
}

static struct pooldns_pool *pool_named(struct fixture *f, int i)
{
	char name[32];
	snprintf(name, sizeof name, "p%02d.test.", i);
	struct pooldns_pool *p = td_lookup(f->snap, name);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The member's probe result, as the checker would report it. */
static void report(struct fixture *f, const struct pooldns_member *m, enum pooldns_probe_outcome o,
		   const char *reason)
{
	struct pooldns_endpoint *ep = (struct pooldns_endpoint *)m->health;
	ck_assert_ptr_nonnull(ep);
	pthread_mutex_lock(&f->h->lock);
	pooldns_health_report(f->h, ep, o, reason);
	pthread_mutex_unlock(&f->h->lock);
}

/* ---- /metrics ---------------------------------------------------------- */

/* Every sample belongs to the family of the last TYPE line, and every
 * family has exactly one HELP and one TYPE line, HELP first. */
static void check_exposition(const char *text)
{
	char family[128] = "", type[32] = "";
	const char *line = text;

	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		ck_assert_msg(end != NULL, "last line without a line feed");
		char l[1024];
		size_t n = (size_t)(end - line);
		ck_assert_uint_lt(n, sizeof l);
		memcpy(l, line, n);
		l[n] = '\0';
		if (strncmp(l, "# HELP ", 7) == 0) {
			char name[128];
			ck_assert_int_eq(sscanf(l + 7, "%127s", name), 1);
			ck_assert_msg(strcmp(name, family) != 0, "HELP twice for %s", name);
			snprintf(family, sizeof family, "%s", name);
			type[0] = '\0';
			char needle[160];
			snprintf(needle, sizeof needle, "# HELP %s ", name);
			ck_assert_uint_eq(count(text, needle), 1);
		} else if (strncmp(l, "# TYPE ", 7) == 0) {
			char name[128];
			ck_assert_int_eq(sscanf(l + 7, "%127s %31s", name, type), 2);
			ck_assert_str_eq(name, family);
			ck_assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
				  strcmp(type, "histogram") == 0);
		} else {
			ck_assert_msg(type[0] != '\0', "sample before its TYPE: %s", l);
			size_t fl = strlen(family);
			ck_assert_msg(strncmp(l, family, fl) == 0, "%s outside family %s", l,
				      family);
			const char *rest = l + fl;
			if (strcmp(type, "histogram") == 0 &&
			    (strncmp(rest, "_bucket{", 8) == 0 || strncmp(rest, "_sum ", 5) == 0 ||
			     strncmp(rest, "_count ", 7) == 0))
				rest = strchr(rest, *rest == '_' && rest[1] == 'b' ? '{' : ' ');
			ck_assert_msg(*rest == '{' || *rest == ' ', "bad sample name: %s", l);
		}
		line = end + 1;
	}
}

START_TEST(metrics_structure_and_bounded_pool_series)
{
	struct fixture f;
	struct pooldns_textbuf b;

	fixture_init(&f, 50, NULL);
	for (int i = 0; i < 50; i++)
		atomic_store(&pool_named(&f, i)->queries, (uint64_t)(i * 10));
	pooldns_qcount_add(&f.q, POOLDNS_QC_UDP, 1, POOLDNS_QC_NOERROR);
	pooldns_qcount_add(&f.q, POOLDNS_QC_UDP, 1, POOLDNS_QC_NOERROR);
	pooldns_qcount_add(&f.q, POOLDNS_QC_TCP, 28, POOLDNS_QC_NXDOMAIN);
	pooldns_qcount_add(&f.q, POOLDNS_QC_UDP, 999, POOLDNS_QC_REFUSED);
	pooldns_qcount_tcp_opened(&f.q);

	pooldns_textbuf_init(&b);
	pooldns_metrics_render(&f.v, &b);
	char *s = take(&b);
	check_exposition(s);
	ck_assert(strstr(
		s, "pooldns_queries_total{transport=\"udp\",qtype=\"A\",rcode=\"NOERROR\"} 2\n"));
	ck_assert(strstr(
		s,
		"pooldns_queries_total{transport=\"tcp\",qtype=\"AAAA\",rcode=\"NXDOMAIN\"} 1\n"));
	ck_assert(strstr(
		s,
		"pooldns_queries_total{transport=\"udp\",qtype=\"other\",rcode=\"REFUSED\"} 1\n"));
	ck_assert_uint_eq(count(s, "pooldns_queries_total{"), 3);
	ck_assert(strstr(s, "pooldns_tcp_connections 1\n"));
	/* Only the 5 busiest pools, busiest first; the other 45 are counted. */
	ck_assert_uint_eq(count(s, "pooldns_pool_queries_total{"), 5);
	const char *p49 = strstr(s, "pooldns_pool_queries_total{pool=\"p49.test.\"} 490\n");
	const char *p45 = strstr(s, "pooldns_pool_queries_total{pool=\"p45.test.\"} 450\n");
	ck_assert(p49 != NULL && p45 != NULL && p49 < p45);
	ck_assert_ptr_null(strstr(s, "pool=\"p44.test.\""));
	ck_assert(strstr(s, "pooldns_pool_series_omitted 45\n"));
	ck_assert_uint_eq(count(s, "pooldns_member_up{"), 10);
	ck_assert(strstr(s, "pooldns_member_up{pool=\"p47.test.\",member=\"2001:db8::48\"} 1\n"));
	/* Totals cover every pool: p00's IPv6 member is drained. */
	ck_assert(strstr(s, "pooldns_pools 50\n"));
	ck_assert(strstr(s, "pooldns_members{state=\"up\"} 99\n"));
	ck_assert(strstr(s, "pooldns_members{state=\"disabled\"} 1\n"));
	ck_assert(strstr(s, "pooldns_data_version 42\n"));
	ck_assert(strstr(s, "pooldns_data_snapshot_age_seconds 2.933\n"));
	ck_assert(strstr(s, "pooldns_data_source_info{kind=\"sqlite\",node=\"/var/lib/"
			    "\\\"pools\\\".db\"} 1\n"));
	free(s);

	/* 0: no per-pool series at all. */
	f.v.top_pools = 0;
	pooldns_textbuf_init(&b);
	pooldns_metrics_render(&f.v, &b);
	s = take(&b);
	check_exposition(s);
	ck_assert_uint_eq(count(s, "pooldns_pool_queries_total{"), 0);
	ck_assert_uint_eq(count(s, "pooldns_member_up{"), 0);
	ck_assert(strstr(s, "pooldns_pool_series_omitted 50\n"));
	free(s);
	fixture_free(&f);
}
END_TEST

START_TEST(metrics_health_outcomes_and_histogram)
{
	struct fixture f;
	struct pooldns_textbuf b;

	fixture_init(&f, 3, "tcp");
	const struct pooldns_member *m = &pool_named(&f, 1)->v4[0];
	report(&f, m, POOLDNS_PROBE_TIMEOUT, "timeout after 2000 ms");
	pooldns_health_observe_latency(f.h, 500);     /* 0.5 ms: first bucket */
	pooldns_health_observe_latency(f.h, 3000000); /* 3 s: the 5 s bucket */
	pooldns_health_observe_latency(f.h, 60000000);
	pooldns_health_get_stats(f.h, &f.v.hstats);
	pooldns_textbuf_init(&b);
	pooldns_metrics_render(&f.v, &b);
	char *s = take(&b);
	check_exposition(s);
	ck_assert(strstr(s, "pooldns_health_probes_total{result=\"timeout\"} 1\n"));
	ck_assert(strstr(s, "pooldns_health_probes_total{result=\"ok\"} 0\n"));
	ck_assert(strstr(s, "pooldns_health_probe_duration_seconds_bucket{le=\"0.001\"} 1\n"));
	ck_assert(strstr(s, "pooldns_health_probe_duration_seconds_bucket{le=\"2.5\"} 1\n"));
	ck_assert(strstr(s, "pooldns_health_probe_duration_seconds_bucket{le=\"5\"} 2\n"));
	ck_assert(strstr(s, "pooldns_health_probe_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
	ck_assert(strstr(s, "pooldns_health_probe_duration_seconds_count 3\n"));
	ck_assert(strstr(s, "pooldns_health_probe_duration_seconds_sum 63.000500\n"));
	ck_assert(strstr(s, "pooldns_member_up{pool=\"p01.test.\",member=\"192.0.2.2\"} 0\n"));
	ck_assert(strstr(s, "pooldns_members{state=\"down\"} 1\n"));
	free(s);
	fixture_free(&f);
}
END_TEST

/* The registry keeps the time and reason of the last transition only: the
 * first result, then each change of state (default rise 2, fall 3). */
START_TEST(health_view_keeps_last_transition)
{
	struct fixture f;
	struct pooldns_health_view hv;

	fixture_init(&f, 1, "http");
	const struct pooldns_member *m = &pool_named(&f, 0)->v4[0];
	pooldns_health_view(f.h, m->health, &hv);
	ck_assert(hv.checked && !hv.known && hv.up);
	ck_assert_int_eq(hv.since_ms, 0);
	ck_assert_str_eq(hv.reason, "");

	report(&f, m, POOLDNS_PROBE_OK, "HTTP 200");
	pooldns_health_view(f.h, m->health, &hv);
	ck_assert(hv.known && hv.up);
	ck_assert_int_gt(hv.since_ms, 0);
	ck_assert_str_eq(hv.reason, "HTTP 200");
	int64_t first = hv.since_ms;

	/* Two failures: still up, nothing recorded. */
	report(&f, m, POOLDNS_PROBE_FAIL, "HTTP 503, expected 200");
	report(&f, m, POOLDNS_PROBE_TIMEOUT, "timeout after 2000 ms");
	pooldns_health_view(f.h, m->health, &hv);
	ck_assert(hv.up);
	ck_assert_int_eq(hv.since_ms, first);
	ck_assert_str_eq(hv.reason, "HTTP 200");

	/* The third: down, with the reason of the probe that decided it. */
	report(&f, m, POOLDNS_PROBE_CONNECT, "connect failed: Connection refused");
	pooldns_health_view(f.h, m->health, &hv);
	ck_assert(!hv.up);
	ck_assert_int_ge(hv.since_ms, first);
	ck_assert_str_eq(hv.reason, "connect failed: Connection refused");

	/* A reason longer than the buffer is cut, and terminated. */
	char longr[POOLDNS_HEALTH_REASON_MAX * 2];
	memset(longr, 'r', sizeof longr - 1);
	longr[sizeof longr - 1] = '\0';
	report(&f, m, POOLDNS_PROBE_OK, "HTTP 200");
	report(&f, m, POOLDNS_PROBE_OK, longr);
	pooldns_health_view(f.h, m->health, &hv);
	ck_assert(hv.up);
	ck_assert_uint_eq(strlen(hv.reason), POOLDNS_HEALTH_REASON_MAX - 1);

	struct pooldns_health_stats st;
	pooldns_health_get_stats(f.h, &st);
	ck_assert_uint_eq(st.probes[POOLDNS_PROBE_OK], 3);
	ck_assert_uint_eq(st.probes[POOLDNS_PROBE_FAIL], 1);
	ck_assert_uint_eq(st.probes[POOLDNS_PROBE_TIMEOUT], 1);
	ck_assert_uint_eq(st.probes[POOLDNS_PROBE_CONNECT], 1);
	ck_assert_uint_eq(st.probes_failed, 3);
	ck_assert_uint_eq(st.transitions, 2);

	/* No health state (no check): up, nothing else. */
	pooldns_health_view(NULL, NULL, &hv);
	ck_assert(hv.up && !hv.checked && !hv.known);
	fixture_free(&f);
}
END_TEST

/* ---- /status.json and /status ------------------------------------------ */

static json_t *render_json(struct fixture *f, size_t page, const char *pool,
			   enum pooldns_status_rc want)
{
	struct pooldns_status_page pg;
	struct pooldns_textbuf b;
	char err[256];
	json_error_t je;

	ck_assert_int_eq(pooldns_status_page_get(&f->v, page, pool, &pg, err, sizeof err), want);
	if (want != POOLDNS_STATUS_OK) {
		ck_assert(err[0] != '\0');
		pooldns_status_page_free(&pg);
		return NULL;
	}
	pooldns_textbuf_init(&b);
	pooldns_status_render_json(&f->v, &pg, &b);
	pooldns_status_page_free(&pg);
	char *s = take(&b);
	json_t *j = json_loads(s, 0, &je);
	ck_assert_msg(j != NULL, "invalid JSON: %s at %d: %s", je.text, je.position, s);
	free(s);
	return j;
}

START_TEST(status_json_members_reasons_and_pages)
{
	struct fixture f;

	fixture_init(&f, 25, "http");
	const struct pooldns_member *m = &pool_named(&f, 3)->v4[0];
	report(&f, m, POOLDNS_PROBE_FAIL, EVIL_REASON);

	json_t *j = render_json(&f, 1, NULL, POOLDNS_STATUS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pools_total")), 25);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "members_total")), 50);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pages")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "page_size")), 10);
	ck_assert(json_is_true(json_object_get(j, "ready")));
	json_t *data = json_object_get(j, "data");
	ck_assert_int_eq(json_integer_value(json_object_get(data, "version")), 42);
	ck_assert_str_eq(json_string_value(json_object_get(data, "node")), "/var/lib/\"pools\".db");
	ck_assert_str_eq(json_string_value(json_object_get(data, "published")),
			 "2026-11-26T16:37:27Z");
	json_decref(j);

	/* The pages hold every pool once, each page sorted by name. */
	int seen[25] = { 0 };
	for (size_t page = 1; page <= 3; page++) {
		j = render_json(&f, page, NULL, POOLDNS_STATUS_OK);
		json_t *pools = json_object_get(j, "pools");
		ck_assert_uint_eq(json_array_size(pools), page < 3 ? 10 : 5);
		const char *prev = "";
		for (size_t i = 0; i < json_array_size(pools); i++) {
			const char *name = json_string_value(
				json_object_get(json_array_get(pools, i), "name"));
			int n;
			ck_assert_int_eq(sscanf(name, "p%d.test.", &n), 1);
			seen[n]++;
			ck_assert_int_gt(strcmp(name, prev), 0);
			prev = name;
		}
		json_decref(j);
	}
	for (int i = 0; i < 25; i++)
		ck_assert_int_eq(seen[i], 1);
	render_json(&f, 4, NULL, POOLDNS_STATUS_NOT_FOUND);
	render_json(&f, 0, NULL, POOLDNS_STATUS_NOT_FOUND);

	/* One pool by name: the member down with its reason and time. */
	j = render_json(&f, 1, "P03.Test", POOLDNS_STATUS_OK);
	json_t *pools = json_object_get(j, "pools");
	ck_assert_uint_eq(json_array_size(pools), 1);
	json_t *pool = json_array_get(pools, 0);
	ck_assert_str_eq(json_string_value(json_object_get(pool, "name")), "p03.test.");
	ck_assert_str_eq(json_string_value(json_object_get(pool, "check")), "http");
	json_t *mem = json_array_get(json_object_get(pool, "members"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(mem, "address")), "192.0.2.4");
	ck_assert_str_eq(json_string_value(json_object_get(mem, "state")), "down");
	ck_assert(json_is_true(json_object_get(mem, "probed")));
	ck_assert_str_eq(json_string_value(json_object_get(mem, "reason")), EVIL_REASON);
	ck_assert(json_is_string(json_object_get(mem, "since")));
	mem = json_array_get(json_object_get(pool, "members"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(mem, "state")), "up");
	ck_assert(json_is_false(json_object_get(mem, "probed")));
	ck_assert(json_is_null(json_object_get(mem, "reason")));
	json_decref(j);
	render_json(&f, 1, "nope.test.", POOLDNS_STATUS_NOT_FOUND);
	render_json(&f, 1, "a..b", POOLDNS_STATUS_BAD);

	/* The drained member. */
	j = render_json(&f, 1, "p00.test.", POOLDNS_STATUS_OK);
	mem = json_array_get(
		json_object_get(json_array_get(json_object_get(j, "pools"), 0), "members"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(mem, "state")), "disabled");
	json_decref(j);

	/* No data yet: one empty page, and the reason it is not ready. */
	f.v.snap = NULL;
	f.v.ready = false;
	f.v.not_ready = "no data yet";
	j = render_json(&f, 1, NULL, POOLDNS_STATUS_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pools_total")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pages")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "not_ready")), "no data yet");
	json_decref(j);
	fixture_free(&f);
}
END_TEST

START_TEST(status_html_escapes_every_string)
{
	struct fixture f;
	struct pooldns_status_page pg;
	struct pooldns_textbuf b;
	char err[256];

	fixture_init(&f, 12, "http");
	report(&f, &pool_named(&f, 3)->v4[0], POOLDNS_PROBE_FAIL, EVIL_REASON);
	ck_assert_int_eq(pooldns_status_page_get(&f.v, 1, "p03.test.", &pg, err, sizeof err),
			 POOLDNS_STATUS_OK);
	pooldns_textbuf_init(&b);
	pooldns_status_render_html(&f.v, &pg, &b);
	pooldns_status_page_free(&pg);
	char *s = take(&b);
	ck_assert(strstr(s, "&lt;b&gt;HTTP 503&lt;/b&gt; &amp; &quot;quoted&quot; "
			    "&#39;single&#39;\n\\</td>"));
	ck_assert_ptr_null(strstr(s, "<b>"));
	ck_assert(strstr(s, "/var/lib/&quot;pools&quot;.db"));
	ck_assert(
		strstr(s, "<tr class=\"down\"><td>p03.test.</td><td>192.0.2.4</td><td>down</td>"));
	ck_assert(strstr(s, "<td>not probed yet</td>"));
	ck_assert_ptr_null(strstr(s, "<script"));
	free(s);

	/* Paging links. */
	ck_assert_int_eq(pooldns_status_page_get(&f.v, 1, NULL, &pg, err, sizeof err),
			 POOLDNS_STATUS_OK);
	pooldns_textbuf_init(&b);
	pooldns_status_render_html(&f.v, &pg, &b);
	pooldns_status_page_free(&pg);
	s = take(&b);
	ck_assert(strstr(s, "Page 1 of 2"));
	ck_assert(strstr(s, "<a href=\"/status?page=2\">next</a>"));
	ck_assert_ptr_null(strstr(s, "previous"));
	ck_assert_uint_eq(count(s, "<tr class="), 20);
	free(s);
	fixture_free(&f);
}
END_TEST

/* ---- request rules ------------------------------------------------------- */

static void req(const char *path, const char *k1, const char *v1, const char *k2, const char *v2,
		struct pooldns_ops_request *r, bool want)
{
	struct pooldns_ops_args a = { .n = 0 };
	if (k1 != NULL)
		pooldns_ops_args_add(&a, k1, v1);
	if (k2 != NULL)
		pooldns_ops_args_add(&a, k2, v2);
	ck_assert_msg(pooldns_ops_request_parse(path, &a, r) == want, "%s: %s", path, r->why);
}

START_TEST(request_routes_and_refusals)
{
	struct pooldns_ops_request r;

	req("/metrics", NULL, NULL, NULL, NULL, &r, true);
	ck_assert_int_eq(r.route, POOLDNS_ROUTE_METRICS);
	req("/status.json", "page", "12", NULL, NULL, &r, true);
	ck_assert_int_eq(r.route, POOLDNS_ROUTE_STATUS_JSON);
	ck_assert_uint_eq(r.page, 12);
	req("/status", "pool", "www.example.com.", NULL, NULL, &r, true);
	ck_assert_str_eq(r.pool, "www.example.com.");
	ck_assert_uint_eq(r.page, 1);

	req("/metrics/", NULL, NULL, NULL, NULL, &r, false);
	ck_assert_uint_eq(r.status, 404);
	req("/x\x01\xff", NULL, NULL, NULL, NULL, &r, false);
	ck_assert_str_eq(r.why, "no such path \"/x??\" (/metrics, /healthz, /readyz, /status, "
				"/status.json)");
	req("/metrics", "page", "1", NULL, NULL, &r, false);
	ck_assert_uint_eq(r.status, 400);
	ck_assert_str_eq(r.why, "unknown query parameter \"page\" (none accepted)");
	req("/status", "page", "0", NULL, NULL, &r, false);
	ck_assert_str_eq(r.why, "page: \"0\" is not a page number (1, 2, ...)");
	req("/status", "page", "+1", NULL, NULL, &r, false);
	req("/status", "page", "1000000000", NULL, NULL, &r, false);
	req("/status", "page", "999999999", NULL, NULL, &r, true);
	req("/status", "page", NULL, NULL, NULL, &r, false);
	ck_assert_str_eq(r.why, "query parameter \"page\" needs a value");
	req("/status", "page", "1", "page", "2", &r, false);
	ck_assert_str_eq(r.why, "query parameter \"page\" given twice");
	req("/status", "page", "1", "pool", "a.", &r, false);
	ck_assert_str_eq(r.why, "give page or pool, not both");

	struct pooldns_ops_args a = { .n = 0 };
	for (int i = 0; i < POOLDNS_OPS_MAX_ARGS; i++)
		ck_assert(pooldns_ops_args_add(&a, "pool", "x"));
	ck_assert(!pooldns_ops_args_add(&a, "pool", "x"));
	ck_assert(!pooldns_ops_request_parse("/status", &a, &r));
	ck_assert_str_eq(r.why, "too many query parameters (at most 4)");
}
END_TEST

START_TEST(unescape_keeps_nul_and_bad_escapes)
{
	char s1[] = "/st%61tus%2ejson", s2[] = "/status%00x", s3[] = "%4", s4[] = "%zz%4g%41";
	ck_assert_uint_eq(pooldns_ops_unescape(s1), 12);
	ck_assert_str_eq(s1, "/status.json");
	pooldns_ops_unescape(s2);
	ck_assert_str_eq(s2, "/status%00x");
	pooldns_ops_unescape(s3);
	ck_assert_str_eq(s3, "%4");
	pooldns_ops_unescape(s4);
	ck_assert_str_eq(s4, "%zz%4gA");
}
END_TEST

static Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("render");
	tcase_add_test(tc, prom_label_escapes_backslash_quote_newline);
	tcase_add_test(tc, json_string_is_ascii_and_valid);
	tcase_add_test(tc, html_escapes_markup_and_controls);
	tcase_add_test(tc, metrics_structure_and_bounded_pool_series);
	tcase_add_test(tc, metrics_health_outcomes_and_histogram);
	tcase_add_test(tc, status_json_members_reasons_and_pages);
	tcase_add_test(tc, status_html_escapes_every_string);
	tcase_add_test(tc, request_routes_and_refusals);
	tcase_add_test(tc, health_view_keeps_last_transition);
	tcase_add_test(tc, unescape_keeps_nul_and_bad_escapes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pooldns_log_set(quiet_log, NULL, POOLDNS_LOG_DEBUG);
	SRunner *sr = srunner_create(ops_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
