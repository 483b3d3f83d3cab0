/*
 * privdrop.h — how the standalone server gives up its privileges once its
 * sockets are bound: the `user`, `group` and `chroot` keys resolved into
 * ids before anything is dropped, then (optionally) chroot, supplementary
 * groups, gid, uid, and no capability left in any set, checked after the
 * fact.
 *
 * What happens depends on who starts the server:
 *   root, user set      bounding set emptied, chroot (if set), setgroups,
 *                       setresgid, setresuid, every capability cleared,
 *                       PR_SET_NO_NEW_PRIVS; then verified (no way back
 *                       to uid or gid 0, no capability left).
 *   root, no user       nothing is dropped; a warning says so.
 *   not root            user/group/chroot are refused unless they name the
 *                       running user; capabilities the process was given
 *                       (systemd's AmbientCapabilities=CAP_NET_BIND_SERVICE)
 *                       are cleared, and PR_SET_NO_NEW_PRIVS is set.
 *
 * Thread-safety: pooldns_privdrop_apply() must run while the process has a
 * single thread (capabilities are per thread; it checks /proc/self/task
 * and refuses otherwise). The other functions have no shared state.
 */
#ifndef POOLDNS_PRIVDROP_H
#define POOLDNS_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/conf.h"

#define POOLDNS_PRIVDROP_MAX_GROUPS 256

struct pooldns_privdrop {
	bool change_id; /* root and `user` set: switch to uid/gid */
	uid_t uid;
	gid_t gid;
	char user[64];                             /* for messages */
	char group[64];                            /* for messages */
	gid_t groups[POOLDNS_PRIVDROP_MAX_GROUPS]; /* supplementary groups */
	int ngroups;
	char chroot_dir[4096]; /* "": none; no trailing '/' */
};

/* Resolves cfg's user and group (names or decimal ids) into pd, with the
 * user's supplementary groups. Must run before any chroot (reads the
 * user and group databases). 0, or -1 with a message (unknown user,
 * `group` or `chroot` without `user`, user/group/chroot while not root
 * naming anyone but the running user, user = root). */
int pooldns_privdrop_prepare(const struct pooldns_config *cfg, struct pooldns_privdrop *pd,
			     char *err, size_t errsz);

/* The path as seen inside chroot directory root, pointing into path; NULL
 * when path is not below root or climbs out of it with "..". */
const char *pooldns_privdrop_inside(const char *path, const char *root);

/* With chroot: checks that every file cfg names for use after the drop
 * (sqlite-path, cache-file, rqlite-ca-file, check-ca-file) lies under the
 * chroot directory root, and rewrites it in place to the path seen inside
 * it ("/srv/pooldns/db/pools.db" -> "/db/pools.db"). Also refuses what
 * cannot work inside: an https rqlite-url without rqlite-ca-file (the
 * system trust store is outside), a rqlite-url host name when the chroot
 * holds neither etc/hosts nor etc/resolv.conf. inside: the process is
 * already in the chroot (a reload). 0, or -1 with a message. */
int pooldns_privdrop_chroot_paths(struct pooldns_config *cfg, const char *root, bool inside,
				  char *err, size_t errsz);

/* Drops as described at the top. 0, or -1 with a message; after a failure
 * the process must exit (it may be half dropped). */
int pooldns_privdrop_apply(const struct pooldns_privdrop *pd, char *err, size_t errsz);

#endif
