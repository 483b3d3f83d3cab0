/*
 * rqlite_backup.h — fetch an rqlite node's database with GET /db/backup
 * into a temporary file and open it as an immutable SQLite source (see
 * rqlite_backup.c). Used by the rqlite source for full loads.
 */
#ifndef POOLDNS_RQLITE_BACKUP_H
#define POOLDNS_RQLITE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/source/source.h"

/*
 * GETs url (".../db/backup...") with c, whose connection, TLS and
 * authentication options the caller has set, into a new file in dir,
 * checks it (pooldns_rqlite_backup_check) and opens it as an immutable
 * SQLite source described as describe. The file is unlinked in every case
 * (the open copy keeps its data). 0 with *copy, or -1 with err.
 */
int pooldns_rqlite_backup_fetch(CURL *c, const char *url, const char *dir, const char *describe,
				struct pooldns_source **copy, char *err, size_t errsz);

/* 0 when the size bytes of fd hold one whole SQLite database file (magic,
 * page size, whole pages, page count when the header vouches for it); -1
 * with err otherwise. */
int pooldns_rqlite_backup_check(int fd, int64_t size, char *err, size_t errsz);

#endif
