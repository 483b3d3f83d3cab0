/*
 * queryfile.h — one line of a dnsperf-format query file ("NAME TYPE"), as
 * bench/tools/loadgen reads it: the name in wire format and the type.
 * Pure functions, no state; safe from any thread.
 */
#ifndef POOLDNS_BENCH_QUERYFILE_H
#define POOLDNS_BENCH_QUERYFILE_H

#include <stddef.h>
#include <stdint.h>

enum queryfile_line {
	QUERYFILE_BAD = -1,  /* err holds why */
	QUERYFILE_SKIP = 0,  /* blank, or a ';' comment */
	QUERYFILE_QUERY = 1, /* name, name_len and qtype are set */
};

#define QUERYFILE_LINE_MAX 4096 /* longer lines are refused */

/* Parses the len bytes at line (with or without the line end; NUL bytes
 * are refused). name must hold 255 bytes. On QUERYFILE_BAD, err (errsz
 * bytes) says what is wrong, quoting at most 80 bytes of the line. */
enum queryfile_line queryfile_parse_line(const char *line, size_t len, uint8_t *name,
					 size_t *name_len, uint16_t *qtype, char *err,
					 size_t errsz);

#endif
