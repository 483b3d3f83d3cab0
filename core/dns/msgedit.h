/*
 * msgedit.h — walking and trimming finished DNS messages: find the records
 * of a message, strip a response down to its question with a new RCODE,
 * or make it a truncated (TC) response. Used after the answer path by the
 * server's access list, cookies and rate limiter (standalone/guard.c),
 * independently of the query parser. See msgedit.c.
 *
 * Thread-safety: reentrant; no state.
 */
#ifndef POOLDNS_MSGEDIT_H
#define POOLDNS_MSGEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t pooldns_msg_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Skips the (possibly compressed) name at *pos; false when it runs past
 * len or is malformed. */
bool pooldns_msg_skip_name(const uint8_t *pkt, size_t len, size_t *pos);

/* Where the records start (after the questions); 0 when the header or the
 * questions cannot be walked. */
size_t pooldns_msg_records_start(const uint8_t *pkt, size_t len);

/* Walks every record; *opt = the offset of the last OPT record of the
 * additional section (0: none; one elsewhere does not count),
 * *last = the offset of the last record (0: none). false when the records
 * do not end exactly at len. */
bool pooldns_msg_walk(const uint8_t *pkt, size_t len, size_t *opt, size_t *last);

/* Keeps only the header and question of the response resp[0..len), with
 * RCODE rcode (0..15), AA cleared and tc for TC. Returns the new length,
 * or 0 when the question cannot be walked (drop it then). */
size_t pooldns_msg_strip(uint8_t *resp, size_t len, unsigned rcode, bool tc);

/* The first question's name, lower-cased, into name (255 bytes); its
 * length, or 0 when it cannot be read (no question, compressed, too long). */
size_t pooldns_msg_qname_lower(const uint8_t *pkt, size_t len, uint8_t name[255]);

#endif
