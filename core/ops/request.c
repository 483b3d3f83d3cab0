/*
 * request.c — the operator endpoint's request rules (request.h).
 *
 * Owns nothing. Thread model: no state.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ops/request.h"

#define ECHO_MAX    64
#define PAGE_DIGITS 9

bool pooldns_ops_args_add(struct pooldns_ops_args *a, const char *key, const char *value)
{
	if (a->n == POOLDNS_OPS_MAX_ARGS) {
		a->too_many = true;
		return false;
	}
	a->key[a->n] = key;
	a->value[a->n] = value;
	a->n++;
	return true;
}

/* Client text for a message: printable ASCII, at most ECHO_MAX bytes. */
static void echo(const char *s, char *out, size_t outsz)
{
	size_t j = 0;
	for (size_t i = 0; s != NULL && s[i] != '\0' && j + 4 < outsz; i++) {
		if (j >= ECHO_MAX) {
			memcpy(out + j, "...", 3);
			j += 3;
			break;
		}
		unsigned char ch = (unsigned char)s[i];
		out[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[j] = '\0';
}

__attribute__((format(printf, 3, 4))) static bool refuse(struct pooldns_ops_request *r,
							 unsigned status, const char *fmt, ...)
{
	va_list ap;

	r->route = POOLDNS_ROUTE_REFUSED;
	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	return false;
}

static const char *const no_args[] = { NULL };
static const char *const status_args[] = { "page", "pool", NULL };

static const struct {
	const char *path;
	enum pooldns_ops_route route;
	const char *const *args;
} routes[] = {
	{ "/", POOLDNS_ROUTE_INDEX, no_args },
	{ "/metrics", POOLDNS_ROUTE_METRICS, no_args },
	{ "/healthz", POOLDNS_ROUTE_HEALTHZ, no_args },
	{ "/readyz", POOLDNS_ROUTE_READYZ, no_args },
	{ "/status", POOLDNS_ROUTE_STATUS, status_args },
	{ "/status.json", POOLDNS_ROUTE_STATUS_JSON, status_args },
};

/* A page number: decimal digits, 1..999999999. */
static bool parse_page(const char *s, size_t *out)
{
	size_t v = 0, n = strlen(s);

	if (n == 0 || n > PAGE_DIGITS)
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (v == 0)
		return false;
	*out = v;
	return true;
}

static const char *arg(const struct pooldns_ops_args *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->key[i], key) == 0)
			return a->value[i];
	return NULL;
}

bool pooldns_ops_request_parse(const char *path, const struct pooldns_ops_args *a,
			       struct pooldns_ops_request *r)
{
	char text[ECHO_MAX + 8];
	size_t i;

	memset(r, 0, sizeof *r);
	r->page = 1;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(path, routes[i].path) == 0)
			break;
	if (i == sizeof routes / sizeof routes[0]) {
		echo(path, text, sizeof text);
		return refuse(r, 404,
			      "no such path \"%s\" (/metrics, /healthz, /readyz, /status, "
			      "/status.json)",
			      text);
	}
	const char *const *allowed = routes[i].args;
	if (a->too_many)
		return refuse(r, 400, "too many query parameters (at most %d)",
			      POOLDNS_OPS_MAX_ARGS);
	for (size_t k = 0; k < a->n; k++) {
		bool ok = false;
		for (const char *const *p = allowed; *p != NULL; p++)
			ok |= strcmp(a->key[k], *p) == 0;
		echo(a->key[k], text, sizeof text);
		if (!ok)
			return refuse(r, 400, "unknown query parameter \"%s\"%s", text,
				      allowed[0] == NULL ? " (none accepted)" : "");
		if (a->value[k] == NULL || a->value[k][0] == '\0')
			return refuse(r, 400, "query parameter \"%s\" needs a value", text);
		for (size_t j = 0; j < k; j++)
			if (strcmp(a->key[k], a->key[j]) == 0)
				return refuse(r, 400, "query parameter \"%s\" given twice", text);
	}
	const char *page = arg(a, "page");
	r->pool = arg(a, "pool");
	if (page != NULL && r->pool != NULL)
		return refuse(r, 400, "give page or pool, not both");
	if (page != NULL && !parse_page(page, &r->page)) {
		echo(page, text, sizeof text);
		return refuse(r, 400, "page: \"%s\" is not a page number (1, 2, ...)", text);
	}
	r->route = routes[i].route;
	return true;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t pooldns_ops_unescape(char *s)
{
	char *in = s, *out = s;

	while (*in != '\0') {
		int hi = in[0] == '%' ? hex(in[1]) : -1;
		int lo = hi >= 0 ? hex(in[2]) : -1;
		if (lo >= 0 && (hi | lo) != 0) {
			*out++ = (char)(hi << 4 | lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}
