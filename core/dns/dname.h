/*
 * dname.h — DNS names in wire format: text <-> wire conversion, lower-casing,
 * comparison, hashing and the parent-name walk that lookups use.
 *
 * All names here are uncompressed wire names: length-prefixed labels ending
 * with the root label (0), at most POOLDNS_NAME_MAX (255) bytes.
 *
 * Thread-safety: pure functions; no shared state; no allocation.
 */
#ifndef POOLDNS_DNAME_H
#define POOLDNS_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOLDNS_NAME_MAX  255
#define POOLDNS_LABEL_MAX 63
/* Longest presentation form written by pooldns_dname_to_text, NUL included
 * (every byte may need a \DDD escape). */
#define POOLDNS_NAME_TEXT_MAX (POOLDNS_NAME_MAX * 4 + 1)

/* Presentation form ("www.Example.com." or "www.example.com"; a missing
 * final dot is accepted; "\." and "\DDD" escapes are honoured) to wire form,
 * lower-cased. Returns the wire length, or -1 for an invalid name (empty
 * label, label > 63, name > 255). */
int pooldns_dname_from_text(const char *text, uint8_t *wire, size_t wire_cap);

/* Wire to presentation form with a final dot ("." for the root). Returns
 * the text length, or -1 if the buffer is too small or the name invalid. */
int pooldns_dname_to_text(const uint8_t *wire, size_t wire_len, char *text, size_t text_cap);

/* Copies a wire name lower-cased (ASCII A-Z only). */
void pooldns_dname_lower(uint8_t *dst, const uint8_t *src, size_t len);

/* Case-sensitive byte equality of two wire names of known length; call on
 * lower-cased names. */
bool pooldns_dname_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Hash of a lower-cased wire name (FNV-1a, 32-bit). */
uint32_t pooldns_dname_hash(const uint8_t *wire, size_t len);

/* True if name is sub (or equal to) apex: apex is a suffix of name on a
 * label boundary. Both lower-cased wire names. */
bool pooldns_dname_is_subdomain(const uint8_t *name, size_t name_len, const uint8_t *apex,
				size_t apex_len);

/* Number of labels, not counting the root. */
int pooldns_dname_labels(const uint8_t *wire, size_t len);

#endif
