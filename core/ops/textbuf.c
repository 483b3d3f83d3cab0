/*
 * textbuf.c — the growable text buffer and its escapers (textbuf.h).
 *
 * Owns: the bytes of each buffer until taken. Thread model: none; a buffer
 * belongs to the thread rendering a page.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ops/textbuf.h"

void pooldns_textbuf_init(struct pooldns_textbuf *b)
{
	memset(b, 0, sizeof *b);
}

void pooldns_textbuf_free(struct pooldns_textbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

char *pooldns_textbuf_take(struct pooldns_textbuf *b, size_t *len)
{
	char *p = b->oom ? NULL : b->p;

	if (p == NULL && !b->oom) {
		p = malloc(1);
		if (p != NULL)
			p[0] = '\0';
	}
	if (b->oom)
		free(b->p);
	*len = p != NULL ? b->len : 0;
	memset(b, 0, sizeof *b);
	return p;
}

/* Room for n more bytes and a NUL. */
static bool reserve(struct pooldns_textbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void pooldns_textbuf_putn(struct pooldns_textbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void pooldns_textbuf_put(struct pooldns_textbuf *b, const char *s)
{
	pooldns_textbuf_putn(b, s, strlen(s));
}

void pooldns_textbuf_printf(struct pooldns_textbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		pooldns_textbuf_putn(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pooldns_textbuf_prom_label(struct pooldns_textbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		size_t run = strcspn(s, "\\\"\n");
		pooldns_textbuf_putn(b, s, run);
		s += run;
		if (*s == '\0')
			break;
		pooldns_textbuf_put(b, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n");
	}
}

void pooldns_textbuf_json_str(struct pooldns_textbuf *b, const char *s)
{
	if (s == NULL) {
		pooldns_textbuf_put(b, "null");
		return;
	}
	pooldns_textbuf_put(b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"')
			pooldns_textbuf_put(b, "\\\"");
		else if (*c == '\\')
			pooldns_textbuf_put(b, "\\\\");
		else if (*c == '\n')
			pooldns_textbuf_put(b, "\\n");
		else if (*c < 0x20 || *c >= 0x7f)
			pooldns_textbuf_printf(b, "\\u%04x", *c);
		else
			pooldns_textbuf_putn(b, (const char *)c, 1);
	}
	pooldns_textbuf_put(b, "\"");
}

void pooldns_textbuf_html(struct pooldns_textbuf *b, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		switch (*c) {
		case '&':
			pooldns_textbuf_put(b, "&amp;");
			break;
		case '<':
			pooldns_textbuf_put(b, "&lt;");
			break;
		case '>':
			pooldns_textbuf_put(b, "&gt;");
			break;
		case '"':
			pooldns_textbuf_put(b, "&quot;");
			break;
		case '\'':
			pooldns_textbuf_put(b, "&#39;");
			break;
		default:
			if ((*c < 0x20 && *c != '\t' && *c != '\n') || *c >= 0x7f)
				pooldns_textbuf_printf(
					b, "&#%u;",
					(unsigned)(*c < 0x20 || *c == 0x7f ? 0xfffd : *c));
			else
				pooldns_textbuf_putn(b, (const char *)c, 1);
			break;
		}
	}
}

void pooldns_textbuf_time(struct pooldns_textbuf *b, int64_t unix_ms)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;
	char out[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, sizeof out, "%lld", (long long)t);
	pooldns_textbuf_put(b, out);
}
