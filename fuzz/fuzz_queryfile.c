/*
 * fuzz_queryfile.c — fuzz target for the query-file reader of the load
 * generator (bench/tools/queryfile.c): the input is cut into lines as
 * getline() would; every line must be skipped, parsed into a well-formed
 * wire name, or refused with a message, never crash.
 *
 * Thread model: single-threaded; the reader keeps no state.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queryfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A wire name: labels of 1..63 octets ending in the root, len in total. */
static int well_formed(const uint8_t *name, size_t len)
{
	size_t o = 0;
	while (o < len) {
		uint8_t l = name[o];
		if (l == 0)
			return o + 1 == len;
		if (l > 63)
			return 0;
		o += 1u + l;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - (data + off)) + 1 : size - off;
		uint8_t name[255];
		size_t name_len = 0;
		uint16_t qtype = 0;
		char err[256];
		err[0] = '\0';
		switch (queryfile_parse_line((const char *)data + off, len, name, &name_len, &qtype,
					     err, sizeof err)) {
		case QUERYFILE_QUERY:
			if (name_len < 1 || name_len > 255 || !well_formed(name, name_len))
				abort();
			break;
		case QUERYFILE_BAD:
			if (err[0] == '\0' || memchr(err, '\0', sizeof err) == NULL)
				abort();
			break;
		case QUERYFILE_SKIP:
			break;
		}
		off += len;
	}
	return 0;
}
