/*
 * msgedit.c — walking and trimming finished DNS messages (see msgedit.h).
 * Every read is bounded by the message length; anything that cannot be
 * walked is reported, never guessed at.
 *
 * Owns nothing. Thread model: reentrant.
 */
#include "config.h"

#include <string.h>

#include "core/dns/msgedit.h"

#define HDR_LEN  12
#define TYPE_OPT 41

bool pooldns_msg_skip_name(const uint8_t *pkt, size_t len, size_t *pos)
{
	size_t p = *pos;
	for (unsigned labels = 0; labels < 128; labels++) {
		if (p >= len)
			return false;
		uint8_t l = pkt[p];
		if (l == 0) {
			*pos = p + 1;
			return true;
		}
		if ((l & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return false;
			*pos = p + 2;
			return true;
		}
		if ((l & 0xc0) != 0)
			return false;
		p += 1 + (size_t)l;
	}
	return false;
}

size_t pooldns_msg_records_start(const uint8_t *pkt, size_t len)
{
	if (len < HDR_LEN)
		return 0;
	size_t pos = HDR_LEN;
	for (unsigned q = pooldns_msg_rd16(pkt + 4); q > 0; q--) {
		if (!pooldns_msg_skip_name(pkt, len, &pos) || pos + 4 > len)
			return 0;
		pos += 4;
	}
	return pos;
}

bool pooldns_msg_walk(const uint8_t *pkt, size_t len, size_t *opt, size_t *last)
{
	size_t pos = pooldns_msg_records_start(pkt, len);
	*opt = 0;
	*last = 0;
	if (pos == 0)
		return false;
	unsigned before_ar = (unsigned)pooldns_msg_rd16(pkt + 6) + pooldns_msg_rd16(pkt + 8);
	unsigned n = before_ar + pooldns_msg_rd16(pkt + 10);
	for (unsigned i = 0; i < n; i++) {
		size_t start = pos;
		if (!pooldns_msg_skip_name(pkt, len, &pos) || pos + 10 > len)
			return false;
		uint16_t type = pooldns_msg_rd16(pkt + pos);
		size_t rdlen = pooldns_msg_rd16(pkt + pos + 8);
		if (pos + 10 + rdlen > len)
			return false;
		if (type == TYPE_OPT && i >= before_ar)
			*opt = start; /* an OPT record counts in the additional section only */
		*last = start;
		pos += 10 + rdlen;
	}
	return pos == len;
}

size_t pooldns_msg_strip(uint8_t *resp, size_t len, unsigned rcode, bool tc)
{
	size_t end = pooldns_msg_records_start(resp, len);
	if (end == 0)
		return 0;
	resp[2] &= (uint8_t)~0x04; /* AA */
	if (tc)
		resp[2] |= 0x02;
	resp[3] = (uint8_t)((resp[3] & 0xf0) | (rcode & 0x0f));
	memset(resp + 6, 0, 6); /* no records */
	return end;
}

size_t pooldns_msg_qname_lower(const uint8_t *pkt, size_t len, uint8_t name[255])
{
	if (len < HDR_LEN || pooldns_msg_rd16(pkt + 4) == 0)
		return 0;
	size_t p = HDR_LEN, o = 0;
	for (;;) {
		if (p >= len)
			return 0;
		uint8_t l = pkt[p];
		if ((l & 0xc0) != 0 || p + 1 + l > len || o + 1 + l > 255)
			return 0;
		name[o++] = l;
		if (l == 0)
			return o;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = pkt[p + 1 + i];
			name[o++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		p += 1 + (size_t)l;
	}
}
