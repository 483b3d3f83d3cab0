/*
 * queryfile.c — reads one line of a dnsperf-format query file for
 * bench/tools/loadgen: "NAME TYPE", blank lines and ';' comments skipped;
 * NAME in presentation format (trailing dot optional, "." the root, \DDD
 * and \X escapes as in zone files), TYPE a mnemonic or TYPEnnn. Anything
 * else is refused with a reason. Fuzzed by fuzz/fuzz_queryfile.c.
 *
 * Owns nothing; no state, so safe from any thread.
 */
#include "config.h"

#include "queryfile.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	uint16_t type;
} qtypes[] = {
	{ "A", 1 },      { "NS", 2 },       { "CNAME", 5 },   { "SOA", 6 },    { "PTR", 12 },
	{ "HINFO", 13 }, { "MX", 15 },      { "TXT", 16 },    { "AAAA", 28 },  { "LOC", 29 },
	{ "SRV", 33 },   { "NAPTR", 35 },   { "DNAME", 39 },  { "DS", 43 },    { "SSHFP", 44 },
	{ "RRSIG", 46 }, { "NSEC", 47 },    { "DNSKEY", 48 }, { "NSEC3", 50 }, { "TLSA", 52 },
	{ "CDS", 59 },   { "CDNSKEY", 60 }, { "SVCB", 64 },   { "HTTPS", 65 }, { "SPF", 99 },
	{ "AXFR", 252 }, { "ANY", 255 },    { "URI", 256 },   { "CAA", 257 },
};

/* A type mnemonic or TYPEnnn; -1 if it is neither. */
static int parse_qtype(const char *s)
{
	for (size_t i = 0; i < sizeof qtypes / sizeof qtypes[0]; i++)
		if (strcasecmp(s, qtypes[i].name) == 0)
			return qtypes[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4])) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s + 4, &end, 10);
		if (errno == 0 && *end == '\0' && v <= 65535)
			return (int)v;
	}
	return -1;
}

/* Encodes a presentation-format name into out (255 bytes). Returns its
 * wire length, or 0 with *why set. */
static size_t encode_name(const char *s, uint8_t *out, const char **why)
{
	size_t o = 0;
	if (strcmp(s, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	while (*s != '\0') {
		size_t lenpos = o++;
		size_t label = 0;
		while (*s != '\0' && *s != '.') {
			unsigned c = (unsigned char)*s++;
			if (c == '\\') {
				if (isdigit((unsigned char)s[0])) {
					if (!isdigit((unsigned char)s[1]) ||
					    !isdigit((unsigned char)s[2])) {
						*why = "\\DDD escape needs three digits";
						return 0;
					}
					c = (unsigned)((s[0] - '0') * 100 + (s[1] - '0') * 10 +
						       (s[2] - '0'));
					if (c > 255) {
						*why = "\\DDD escape above 255";
						return 0;
					}
					s += 3;
				} else if (*s != '\0') {
					c = (unsigned char)*s++;
				} else {
					*why = "name ends in a lone backslash";
					return 0;
				}
			}
			if (++label > 63) {
				*why = "label longer than 63 octets";
				return 0;
			}
			if (o >= 254) {
				*why = "name longer than 255 octets";
				return 0;
			}
			out[o++] = (uint8_t)c;
		}
		if (label == 0) {
			*why = "empty label";
			return 0;
		}
		out[lenpos] = (uint8_t)label;
		if (*s == '.')
			s++;
	}
	out[o++] = 0;
	return o;
}

enum queryfile_line queryfile_parse_line(const char *line, size_t len, uint8_t *name,
					 size_t *name_len, uint16_t *qtype, char *err, size_t errsz)
{
	char buf[QUERYFILE_LINE_MAX + 1];
	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errsz, "NUL byte in the line (not a text file?)");
		return QUERYFILE_BAD;
	}
	if (len > QUERYFILE_LINE_MAX) {
		snprintf(err, errsz, "line longer than %d bytes", QUERYFILE_LINE_MAX);
		return QUERYFILE_BAD;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == ';' || *s == '\n' || *s == '\r' || *s == '\0')
		return QUERYFILE_SKIP;
	char *save;
	char *tname = strtok_r(s, " \t\r\n", &save);
	char *type = strtok_r(NULL, " \t\r\n", &save);
	char *extra = strtok_r(NULL, " \t\r\n", &save);
	assert(tname != NULL); /* s starts with a byte that is no separator */
	if (type == NULL) {
		snprintf(err, errsz, "expected \"NAME TYPE\", found only '%.80s'", tname);
		return QUERYFILE_BAD;
	}
	if (extra != NULL) {
		snprintf(err, errsz, "expected \"NAME TYPE\", found more: '%.80s'", extra);
		return QUERYFILE_BAD;
	}
	const char *why = NULL;
	size_t n = encode_name(tname, name, &why);
	if (n == 0) {
		snprintf(err, errsz, "bad name '%.80s': %s", tname, why);
		return QUERYFILE_BAD;
	}
	int t = parse_qtype(type);
	if (t < 0) {
		snprintf(err, errsz, "unknown query type '%.40s'", type);
		return QUERYFILE_BAD;
	}
	*name_len = n;
	*qtype = (uint16_t)t;
	return QUERYFILE_QUERY;
}
