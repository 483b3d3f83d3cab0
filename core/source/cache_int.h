/*
 * cache_int.h — what the cache file's three parts share, and nothing else
 * includes: cache.c (the format, reading), cache_out.c (writing format 2)
 * and cache_v1.c (format 1).
 *
 * Thread-safety: pure functions and constants.
 */
#ifndef POOLDNS_CACHE_INT_H
#define POOLDNS_CACHE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/cache.h"

#define CACHE_FORMAT "pooldns-cache"

/* Format 1 files are read whole; larger ones are refused. */
#define CACHE_V1_MAX_SIZE (256L * 1024 * 1024)

/* FNV-1a, 64 bits: the checksum of a format 2 file. Not a defence against
 * tampering (whoever can write the file can fix the sum); it catches
 * damage that still parses, such as a changed digit. */
#define CACHE_FNV_INIT  0xcbf29ce484222325ULL
#define CACHE_FNV_PRIME 0x100000001b3ULL

static inline uint64_t cache_fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= CACHE_FNV_PRIME;
	}
	return h;
}

/* Checks that names[0..n) are exactly the select list of sql ("SELECT a,
 * b FROM ..."), in order; what names the list in messages. 0 or -1. */
int pooldns_cache_check_columns(const char *const *names, size_t n, const char *sql,
				const char *what, char *err, size_t errsz);

/* Creates "<path>.tmp.XXXXXX" (mode 0640) next to path, after checking
 * that path is a regular file if it exists. Returns the descriptor with the
 * name in *tmp (caller frees), or -1 with a message in err. */
int pooldns_cache_tmp_open(const char *path, char **tmp, char *err, size_t errsz);

/* Renames tmp (written, synced and closed by the caller) over path and
 * syncs the directory. On failure removes tmp. 0, or -1 with a message. */
int pooldns_cache_tmp_install(const char *tmp, const char *path, char *err, size_t errsz);

/* A format 2 row line: its tag and cells (text borrowed). */
struct pooldns_cache_row {
	char tag; /* 'p' or 'm' */
	size_t ncells;
	struct pooldns_cell cells[POOLDNS_POOL_NCOLS];
};

/* Reads the usual shape of a row line without jansson: ["p" or "m", then
 * as many cells as the tag wants], no white space, cells null, integers
 * (int64, no leading zeros, no fraction or exponent) or strings without
 * escapes and control characters, UTF-8 as jansson checks it. Returns 1
 * with *row filled, text copied to scratch (len + 1 bytes); 0 for
 * anything else, which then goes to jansson, so that jansson alone
 * decides what is valid and how an error reads. Any line this accepts,
 * jansson reads as the same cells (fuzz_cache checks that). */
int pooldns_cache_row_fast(const char *line, size_t len, struct pooldns_cache_row *row,
			   char *scratch);

/* Format 1: parses the document buf[0..len) and hands its rows out in
 * pages as pooldns_cache_load_buf() describes. */
int pooldns_cache_v1_load(const char *buf, size_t len, size_t page_pools, pooldns_cache_page_fn fn,
			  void *ctx, int64_t *version, char *err, size_t errsz);

#endif
