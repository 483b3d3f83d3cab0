/*
 * cmd.h — what poolctl's commands share: the exit codes scripts rely on,
 * the context main.c fills from the options, and the read / check /
 * apply steps every command is made of (cmd.c). The commands themselves
 * live in cmd_pool.c (pool ...), cmd_member.c (member ...), cmd_file.c
 * (export, import) and drain.c (member drain --wait).
 *
 * Every write is: read what is stored, make the wanted data set from it,
 * check the wanted set with the loader's rules, compute the difference and
 * apply it in one transaction that first checks data_version is still the
 * one read (sql.h, pctl_sql_guard). So a command either writes everything
 * it was asked or nothing, never writes data pooldns would skip, and never
 * overwrites a change it did not see.
 *
 * Thread-safety: single-threaded program.
 */
#ifndef POOLCTL_CMD_H
#define POOLCTL_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "core/conf.h"
#include "poolctl/backend.h"
#include "poolctl/columns.h"
#include "poolctl/data.h"
#include "poolctl/dnsprobe.h"

/* Exit codes (poolctl(8), EXIT STATUS). */
enum {
	PCTL_EXIT_OK = 0,
	PCTL_EXIT_INVALID = 1,      /* bad data: nothing written */
	PCTL_EXIT_USAGE = 2,        /* bad command line or configuration */
	PCTL_EXIT_BACKEND = 3,      /* rqlite / SQLite unreachable or refused the write */
	PCTL_EXIT_NOT_FOUND = 4,    /* no such pool or member */
	PCTL_EXIT_EXISTS = 5,       /* the pool or member to add is there already */
	PCTL_EXIT_WAIT_TIMEOUT = 6, /* drain --wait: a server still answered the member */
	PCTL_EXIT_CHANGED = 7, /* someone wrote between our read and our write: nothing written */
};

#define PCTL_MAX_SERVERS 16

struct pctl_ctx {
	struct pooldns_config cfg;
	struct pctl_backend *be; /* opened by main.c before a command runs */
	bool json;               /* --json */
	bool dry_run;            /* import --dry-run */
	bool diff;               /* import --diff */
	bool wait;               /* drain --wait */
	double timeout_s;        /* drain --timeout */
	struct pctl_dns_server servers[PCTL_MAX_SERVERS];
	size_t nservers;
};

/* The stored data set (name == NULL) or the one pool called name (the
 * canonical form) with its members, into an empty d. An exit code. */
int pctl_read(struct pctl_ctx *c, const char *name, struct pctl_data *d);
/* The stored data_version, read after a write. An exit code. */
int pctl_read_version(struct pctl_ctx *c, int64_t *version);

/* Checks want, and makes the stored data (cur) equal to it in one
 * transaction; prints what changed (text, or JSON with --json) unless
 * quiet. show_diff_only: print, write nothing (import --dry-run). An exit
 * code. */
int pctl_apply(struct pctl_ctx *c, const struct pctl_data *cur, struct pctl_data *want,
	       const char *where, bool dry_run, bool quiet);

/* The canonical form of a pool name given on the command line into out
 * (POOLDNS_NAME_TEXT_MAX bytes); an exit code (a message printed; PCTL_EXIT_INVALID when it is not a name). */
int pctl_arg_name(const char *arg, char *out, size_t outsz);
/* Same for a member address. */
int pctl_arg_host(const char *arg, char *out, size_t outsz);
/* Applies COLUMN=VALUE words to a row of cells; an exit code. */
int pctl_arg_columns(const struct pctl_col *cols, size_t ncols, struct pooldns_cell *cells,
		     int argc, char **argv);

int pctl_cmd_pool(struct pctl_ctx *c, int argc, char **argv);
int pctl_cmd_member(struct pctl_ctx *c, int argc, char **argv);
int pctl_cmd_export(struct pctl_ctx *c, int argc, char **argv);
int pctl_cmd_import(struct pctl_ctx *c, int argc, char **argv);
/* Waits until no server in c answers the member (after it was drained at
 * data version `version`); an exit code. */
int pctl_drain_wait(struct pctl_ctx *c, const char *pool, const struct pctl_member *m,
		    int64_t version);

#endif
