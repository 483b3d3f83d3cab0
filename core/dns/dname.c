/*
 * dname.c — DNS names in uncompressed wire form: presentation <-> wire
 * conversion (with \. and \DDD escapes), ASCII lower-casing, equality,
 * FNV-1a hashing, the label-boundary subdomain test and label counting.
 *
 * Owns nothing: every function works on caller-owned buffers and checks the
 * RFC 1035 limits (label <= 63 bytes, name <= 255 bytes) itself, so callers
 * may pass untrusted input.
 *
 * Thread model: pure functions, no shared state, no allocation; safe from
 * any thread, including the answer path.
 */
#include "config.h"

#include <string.h>

#include "core/dns/dname.h"

static uint8_t lower_byte(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * Length of the wire name at the start of wire[0..len), root label
 * included, or -1 when it is not a valid uncompressed name inside the
 * buffer (label with the top bits set, name longer than 255 bytes, no root
 * label before the end of the buffer).
 */
static int wire_name_len(const uint8_t *wire, size_t len)
{
	size_t pos = 0;

	for (;;) {
		if (pos >= len || pos >= POOLDNS_NAME_MAX)
			return -1;
		uint8_t l = wire[pos];
		if (l > POOLDNS_LABEL_MAX)
			return -1;
		pos += (size_t)l + 1;
		if (pos > POOLDNS_NAME_MAX)
			return -1;
		if (l == 0)
			return (int)pos;
	}
}

int pooldns_dname_from_text(const char *text, uint8_t *wire, size_t wire_cap)
{
	size_t out = 0;      /* bytes written to wire */
	size_t label_at = 0; /* offset of the current label's length byte */
	size_t label_len = 0;
	const char *p = text;

	if (text == NULL || wire == NULL || wire_cap == 0)
		return -1;
	/* The root alone. */
	if (p[0] == '.' && p[1] == '\0') {
		wire[0] = 0;
		return 1;
	}
	if (*p == '\0')
		return -1;

	/* Reserve the first label's length byte. */
	wire[out++] = 0;
	for (;;) {
		int c = (unsigned char)*p;

		if (c == '\0' || c == '.') {
			if (label_len == 0)
				return -1; /* empty label: "..", ".a", or "a.." */
			wire[label_at] = (uint8_t)label_len;
			if (c == '\0' || p[1] == '\0') {
				/* End of name, with or without the final dot. */
				if (out + 1 > wire_cap || out + 1 > POOLDNS_NAME_MAX)
					return -1;
				wire[out++] = 0;
				return (int)out;
			}
			p++;
			/* Next label: reserve its length byte. */
			if (out + 1 > wire_cap || out + 1 > POOLDNS_NAME_MAX)
				return -1;
			label_at = out;
			wire[out++] = 0;
			label_len = 0;
			continue;
		}

		uint8_t byte;
		if (c == '\\') {
			const char *e = p + 1;
			if (*e == '\0')
				return -1; /* a lone backslash at the end */
			if (e[0] >= '0' && e[0] <= '9') {
				if (!(e[1] >= '0' && e[1] <= '9' && e[2] >= '0' && e[2] <= '9'))
					return -1; /* \DDD needs exactly three digits */
				int v = (e[0] - '0') * 100 + (e[1] - '0') * 10 + (e[2] - '0');
				if (v > 255)
					return -1;
				byte = (uint8_t)v;
				p = e + 3;
			} else {
				byte = (uint8_t)*e;
				p = e + 1;
			}
		} else {
			byte = (uint8_t)c;
			p++;
		}
		if (label_len == POOLDNS_LABEL_MAX)
			return -1;
		/* Room for this byte plus at least the root label after it. */
		if (out + 1 > wire_cap || out + 2 > POOLDNS_NAME_MAX)
			return -1;
		wire[out++] = lower_byte(byte);
		label_len++;
	}
}

/* Characters that have a meaning in master files and are escaped as \X. */
static int needs_plain_escape(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
	       c == '$';
}

int pooldns_dname_to_text(const uint8_t *wire, size_t wire_len, char *text, size_t text_cap)
{
	size_t out = 0;
	size_t pos = 0;

	if (wire == NULL || text == NULL || text_cap == 0)
		return -1;
	if (wire_name_len(wire, wire_len) < 0)
		return -1;
	if (wire[0] == 0) {
		if (text_cap < 2)
			return -1;
		text[0] = '.';
		text[1] = '\0';
		return 1;
	}
	while (wire[pos] != 0) {
		uint8_t l = wire[pos++];
		for (uint8_t i = 0; i < l; i++, pos++) {
			uint8_t c = wire[pos];
			if (c <= 0x20 || c >= 0x7f) {
				if (out + 4 >= text_cap)
					return -1;
				text[out++] = '\\';
				text[out++] = (char)('0' + c / 100);
				text[out++] = (char)('0' + (c / 10) % 10);
				text[out++] = (char)('0' + c % 10);
			} else if (needs_plain_escape(c)) {
				if (out + 2 >= text_cap)
					return -1;
				text[out++] = '\\';
				text[out++] = (char)c;
			} else {
				if (out + 1 >= text_cap)
					return -1;
				text[out++] = (char)c;
			}
		}
		if (out + 1 >= text_cap)
			return -1;
		text[out++] = '.';
	}
	text[out] = '\0';
	return (int)out;
}

void pooldns_dname_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	/* Length bytes are <= 63, below 'A', so lower-casing every byte is safe. */
	for (size_t i = 0; i < len; i++)
		dst[i] = lower_byte(src[i]);
}

bool pooldns_dname_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

uint32_t pooldns_dname_hash(const uint8_t *wire, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= wire[i];
		h *= 16777619u;
	}
	return h;
}

bool pooldns_dname_is_subdomain(const uint8_t *name, size_t name_len, const uint8_t *apex,
				size_t apex_len)
{
	size_t pos = 0;

	if (apex_len == 0 || apex_len > name_len)
		return false;
	/* Walk name's labels until the remaining suffix is as long as apex. */
	while (name_len - pos > apex_len) {
		uint8_t l = name[pos];
		if (l == 0 || l > POOLDNS_LABEL_MAX)
			return false;
		pos += (size_t)l + 1;
	}
	if (name_len - pos != apex_len)
		return false; /* apex would start inside a label */
	return memcmp(name + pos, apex, apex_len) == 0;
}

int pooldns_dname_labels(const uint8_t *wire, size_t len)
{
	int n = 0;
	size_t pos = 0;

	if (wire_name_len(wire, len) < 0)
		return -1;
	while (wire[pos] != 0) {
		pos += (size_t)wire[pos] + 1;
		n++;
	}
	return n;
}
