/*
 * textbuf.h — a growable text buffer for the operator endpoint's pages
 * (Prometheus text, JSON, HTML), with one escaper per output language, so
 * that every string that came from the database or from a probe goes out
 * through exactly one of them.
 *
 * Allocation failure is sticky: the buffer remembers it, later appends do
 * nothing, and pooldns_textbuf_take() returns NULL, so a renderer never
 * checks each append and never emits a truncated page.
 *
 * Ownership: the buffer owns its bytes until pooldns_textbuf_take() hands
 * them to the caller (free() them). Thread-safety: none; one thread.
 */
#ifndef POOLDNS_OPS_TEXTBUF_H
#define POOLDNS_OPS_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pooldns_textbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

void pooldns_textbuf_init(struct pooldns_textbuf *b);
void pooldns_textbuf_free(struct pooldns_textbuf *b);
/* The text (NUL-terminated, length in *len) for the caller to free(), or
 * NULL after an allocation failure; the buffer is left empty. */
char *pooldns_textbuf_take(struct pooldns_textbuf *b, size_t *len);

void pooldns_textbuf_put(struct pooldns_textbuf *b, const char *s);
void pooldns_textbuf_putn(struct pooldns_textbuf *b, const char *s, size_t n);
void pooldns_textbuf_printf(struct pooldns_textbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A Prometheus label value (exposition format 0.0.4): backslash, double
 * quote and line feed become \\, \" and \n; everything else as is. */
void pooldns_textbuf_prom_label(struct pooldns_textbuf *b, const char *s);

/* A JSON string with its quotes: ", \ and control characters escaped;
 * bytes above 0x7f become \u00XX, so the output is ASCII and valid JSON
 * whatever the input (a non-ASCII byte reads as its Latin-1 character).
 * NULL writes null. */
void pooldns_textbuf_json_str(struct pooldns_textbuf *b, const char *s);

/* HTML text or attribute value: & < > " ' escaped as entities; control
 * characters other than tab and line feed, and bytes above 0x7f, become
 * numeric references (so the page is ASCII whatever the input). */
void pooldns_textbuf_html(struct pooldns_textbuf *b, const char *s);

/* Wall-clock milliseconds as ISO 8601 UTC, "2026-11-26T16:40:05Z". */
void pooldns_textbuf_time(struct pooldns_textbuf *b, int64_t unix_ms);

#endif
