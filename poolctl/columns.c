/*
 * columns.c — the table of dns_zone and dns_zone_member columns and the
 * conversions of their values (see columns.h). Defaults follow schema.json;
 * ranges and choices are the loader's (validate.c calls its row checks).
 *
 * Owns: the two static tables. Thread model: none; reentrant functions.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/dns/dname.h"
#include "core/source/cache_file.h"
#include "poolctl/columns.h"

#define INT_COL(n, d, h)                                                                           \
	{                                                                                          \
		.name = n, .kind = PCTL_INT, .user = true, .dflt_int = d, .help = h                \
	}
#define TEXT_COL(n, d, h)                                                                          \
	{                                                                                          \
		.name = n, .kind = PCTL_TEXT, .user = true, .dflt_text = d, .help = h              \
	}

const struct pctl_col pctl_pool_cols[POOLDNS_POOL_NCOLS] = {
	{ .name = "id", .kind = PCTL_INT, .help = "row id (kept by poolctl, not in files)" },
	{ .name = "name", .kind = PCTL_TEXT, .user = true, .help = "the pool's FQDN" },
	INT_COL("ttl", 30, "TTL of the answers, 0..86400"),
	TEXT_COL("policy", "round_robin", "round_robin, all, weighted, failover or hash"),
	INT_COL("max_answers", 8, "most addresses per answer, 1..64"),
	TEXT_COL("fallback", "all", "nothing healthy: all or none"),
	TEXT_COL("check_type", "none", "none, http, https or tcp"),
	{ .name = "check_port",
	  .kind = PCTL_INT,
	  .nullable = true,
	  .user = true,
	  .dflt_null = true,
	  .help = "1..65535; null: 80 for http, 443 for https (tcp needs one)" },
	TEXT_COL("check_path", "/", "http(s) path, starts with /"),
	{ .name = "check_host",
	  .kind = PCTL_TEXT,
	  .nullable = true,
	  .user = true,
	  .dflt_null = true,
	  .help = "Host header and TLS name; null: the member address" },
	INT_COL("check_expect", 200, "expected HTTP status, 100..599"),
	{ .name = "check_body",
	  .kind = PCTL_TEXT,
	  .nullable = true,
	  .user = true,
	  .dflt_null = true,
	  .help = "substring the body must contain; null: any" },
	INT_COL("check_interval_ms", 5000, "probe period, 100..3600000"),
	INT_COL("check_timeout_ms", 2000, "probe timeout, 50..60000"),
	INT_COL("check_rise", 2, "successes to come up, 1..100"),
	INT_COL("check_fall", 3, "failures to go down, 1..100"),
};

const struct pctl_col pctl_member_cols[POOLDNS_MEMBER_NCOLS] = {
	{ .name = "id", .kind = PCTL_INT, .help = "row id (kept by poolctl, not in files)" },
	{ .name = "dns_zone", .kind = PCTL_INT, .help = "the pool's id (kept by poolctl)" },
	{ .name = "host", .kind = PCTL_TEXT, .user = true, .help = "IPv4 or IPv6 address" },
	INT_COL("weight", 1, "share for the weighted policy, 1..1000000"),
	INT_COL("priority", 0, "failover group, lower first, 0..65535"),
	{ .name = "enabled",
	  .kind = PCTL_BOOL,
	  .user = true,
	  .dflt_int = 1,
	  .help = "false: never answered, never probed (drained)" },
};

int pctl_col_find(const struct pctl_col *cols, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (cols[i].user && strcmp(cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

int pctl_cell_default(const struct pctl_col *c, struct pooldns_cell *out)
{
	memset(out, 0, sizeof(*out));
	if (c->dflt_null) {
		out->type = POOLDNS_CELL_NULL;
	} else if (c->kind == PCTL_TEXT) {
		out->type = POOLDNS_CELL_TEXT;
		if ((out->s = strdup(c->dflt_text != NULL ? c->dflt_text : "")) == NULL)
			return -1;
	} else {
		out->type = POOLDNS_CELL_INT;
		out->i = c->dflt_int;
	}
	return 0;
}

bool pctl_utf8_text(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), l;

	for (; n > 0; s += l, n -= l)
		if ((l = pooldns_cache_utf8_len(s, n)) == 0)
			return false;
	return true;
}

int pctl_cell_from_text(const struct pctl_col *c, const char *text, struct pooldns_cell *out,
			char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	if (text[0] == '\0' && c->nullable) {
		out->type = POOLDNS_CELL_NULL;
		return 0;
	}
	switch (c->kind) {
	case PCTL_TEXT:
		if (!pctl_utf8_text(text)) {
			snprintf(err, errsz, "%s: the value is not UTF-8 text", c->name);
			return -1;
		}
		out->type = POOLDNS_CELL_TEXT;
		if ((out->s = strdup(text)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		return 0;
	case PCTL_BOOL:
		out->type = POOLDNS_CELL_INT;
		if (strcmp(text, "1") == 0 || strcasecmp(text, "true") == 0 ||
		    strcasecmp(text, "yes") == 0) {
			out->i = 1;
			return 0;
		}
		if (strcmp(text, "0") == 0 || strcasecmp(text, "false") == 0 ||
		    strcasecmp(text, "no") == 0) {
			out->i = 0;
			return 0;
		}
		snprintf(err, errsz, "%s: \"%.64s\" is not one of 1, 0, true, false, yes, no",
			 c->name, text);
		return -1;
	case PCTL_INT: {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(text, &end, 10);
		if (text[0] == '\0' || *end != '\0' || errno != 0 ||
		    !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))) {
			snprintf(err, errsz, "%s: \"%.64s\" is not an integer%s", c->name, text,
				 c->nullable ? " (an empty value is null)" : "");
			return -1;
		}
		out->type = POOLDNS_CELL_INT;
		out->i = v;
		return 0;
	}
	}
	snprintf(err, errsz, "%s: unknown column kind", c->name);
	return -1;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

int pctl_cell_from_json(const struct pctl_col *c, const json_t *v, struct pooldns_cell *out,
			char *err, size_t errsz)
{
	const char *want = "?";

	memset(out, 0, sizeof(*out));
	if (json_is_null(v) && c->nullable) {
		out->type = POOLDNS_CELL_NULL;
		return 0;
	}
	switch (c->kind) {
	case PCTL_TEXT:
		want = "a string";
		if (json_is_string(v)) {
			if (strlen(json_string_value(v)) != json_string_length(v)) {
				snprintf(err, errsz, "NUL character in the string");
				return -1;
			}
			out->type = POOLDNS_CELL_TEXT;
			if ((out->s = strdup(json_string_value(v))) == NULL) {
				snprintf(err, errsz, "out of memory");
				return -1;
			}
			return 0;
		}
		break;
	case PCTL_BOOL:
		want = "true or false";
		if (json_is_boolean(v)) {
			out->type = POOLDNS_CELL_INT;
			out->i = json_is_true(v) ? 1 : 0;
			return 0;
		}
		break;
	case PCTL_INT:
		want = "an integer";
		if (json_is_integer(v)) {
			out->type = POOLDNS_CELL_INT;
			out->i = (int64_t)json_integer_value(v);
			return 0;
		}
		break;
	}
	snprintf(err, errsz, "must be %s%s, not %s", want, c->nullable ? " or null" : "",
		 json_kind(v));
	return -1;
}

json_t *pctl_cell_to_json(const struct pctl_col *c, const struct pooldns_cell *cell)
{
	switch (cell->type) {
	case POOLDNS_CELL_NULL:
		return json_null();
	case POOLDNS_CELL_INT:
		if (c->kind == PCTL_BOOL && (cell->i == 0 || cell->i == 1))
			return json_boolean(cell->i == 1);
		return json_integer((json_int_t)cell->i);
	case POOLDNS_CELL_REAL:
		return json_real(cell->r);
	case POOLDNS_CELL_TEXT:
		return json_string(cell->s);
	}
	return NULL;
}

void pctl_cell_format(const struct pctl_col *c, const struct pooldns_cell *cell, char *out,
		      size_t outsz)
{
	switch (cell->type) {
	case POOLDNS_CELL_NULL:
		snprintf(out, outsz, "null");
		return;
	case POOLDNS_CELL_INT:
		if (c->kind == PCTL_BOOL && (cell->i == 0 || cell->i == 1))
			snprintf(out, outsz, "%s", cell->i ? "true" : "false");
		else
			snprintf(out, outsz, "%" PRId64, cell->i);
		return;
	case POOLDNS_CELL_REAL:
		snprintf(out, outsz, "%g", cell->r);
		return;
	case POOLDNS_CELL_TEXT: {
		size_t o = 0;

		if (outsz < 8) {
			if (outsz > 0)
				out[0] = '\0';
			return;
		}
		out[o++] = '"';
		/* Control bytes and quotes escaped: data cannot forge output lines. */
		for (const char *s = cell->s; *s != '\0' && o + 6 < outsz; s++) {
			unsigned char ch = (unsigned char)*s;
			if (ch < 0x20 || ch == 0x7f)
				o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
			else if (ch == '"' || ch == '\\')
				o += (size_t)snprintf(out + o, outsz - o, "\\%c", ch);
			else
				out[o++] = (char)ch;
		}
		out[o++] = '"';
		out[o] = '\0';
		return;
	}
	}
	snprintf(out, outsz, "?");
}

bool pctl_cell_equal(const struct pooldns_cell *a, const struct pooldns_cell *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case POOLDNS_CELL_NULL:
		return true;
	case POOLDNS_CELL_INT:
		return a->i == b->i;
	case POOLDNS_CELL_REAL:
		return a->r == b->r;
	case POOLDNS_CELL_TEXT:
		return strcmp(a->s, b->s) == 0;
	}
	return false;
}

int pctl_cell_copy(struct pooldns_cell *dst, const struct pooldns_cell *src)
{
	*dst = *src;
	if (src->type == POOLDNS_CELL_TEXT && (dst->s = strdup(src->s)) == NULL) {
		dst->type = POOLDNS_CELL_NULL;
		return -1;
	}
	return 0;
}

void pctl_cell_clear(struct pooldns_cell *c)
{
	if (c->type == POOLDNS_CELL_TEXT)
		free(c->s);
	memset(c, 0, sizeof(*c));
}

int pctl_name_canonical(const char *in, char *out, size_t outsz)
{
	uint8_t wire[POOLDNS_NAME_MAX];
	char text[POOLDNS_NAME_TEXT_MAX];
	int wl = pooldns_dname_from_text(in, wire, sizeof(wire));

	if (wl <= 1 || pooldns_dname_to_text(wire, (size_t)wl, text, sizeof(text)) < 0 ||
	    strlen(text) >= outsz)
		return -1;
	memcpy(out, text, strlen(text) + 1);
	return 0;
}

int pctl_host_canonical(const char *in, char *out, size_t outsz, int *family, uint8_t addr[16])
{
	size_t len = strlen(in);

	memset(addr, 0, 16);
	if (len > 45)
		return -1;
	if (inet_pton(AF_INET, in, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, in, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	return inet_ntop(*family, addr, out, (socklen_t)outsz) != NULL ? 0 : -1;
}
