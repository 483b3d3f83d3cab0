/*
 * cache_file.h — what the parts of the cache file share (cache_file.c):
 * the format's name and limits, its checksum, the column check, the UTF-8
 * rule of the cells, the atomic temporary file, and the page callback of
 * the readers. Included by cache.c (reading format 2), cache_out.c
 * (writing format 2) and cache_v1.c (format 1), and by their users.
 *
 * Thread-safety: pure functions and constants.
 */
#ifndef POOLDNS_CACHE_FILE_H
#define POOLDNS_CACHE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/source/table.h"

/* The longest line of a format 2 file, newline included. The writer
 * refuses to write a longer one, so it never makes a file the reader
 * refuses. */
#define POOLDNS_CACHE_MAX_LINE (1024 * 1024)

/* The most member rows a pool may have in a format 2 file: what bounds a
 * page. Well above what the builder accepts (2 × 1024). */
#define POOLDNS_CACHE_MAX_MEMBERS_PER_POOL 65536

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

/* Length of the UTF-8 sequence at s (at most n bytes) by the rules of
 * jansson, which the file's text must follow: 0 when there is none there
 * (a stray continuation byte, an overlong form, a surrogate, a code point
 * past U+10FFFF, a sequence cut short). 1 for ASCII, NUL included. */
size_t pooldns_cache_utf8_len(const unsigned char *s, size_t n);

/*
 * Receives one page: at most page_pools pool rows, in ascending id order
 * across the whole load, with all of their member rows. The tables are
 * borrowed until the callback returns; page->version is 0 (the data
 * version is known only at the end of the file, see *version below).
 * Returns 0 to go on, or -1 (with a message in err, which holds errsz
 * bytes) to stop the load.
 */
typedef int (*pooldns_cache_page_fn)(void *ctx, const struct pooldns_dataset *page, char *err,
				     size_t errsz);

#endif
