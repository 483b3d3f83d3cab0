/*
 * privdrop.c — the standalone server's privilege drop (see privdrop.h):
 * user and group resolution, chroot, the switch of ids and the clearing
 * of capabilities with libcap-ng, then a check that none of it can be
 * undone.
 *
 * Why the order: the bounding set can only be emptied while CAP_SETPCAP is
 * held, chroot() needs CAP_SYS_CHROOT, setgroups()/setresgid() need
 * CAP_SETGID, and setresuid() to a non-zero uid clears the permitted,
 * effective and ambient sets by itself (no PR_SET_KEEPCAPS); libcap-ng then
 * clears what is left (inheritable) explicitly, so nothing depends on the
 * kernel's defaults. glibc's setgroups/setresgid/setresuid change every
 * thread, but capabilities are per thread, so the whole drop must run
 * before the first thread is started: pooldns_privdrop_apply() checks it.
 *
 * Owns nothing. Thread model: see privdrop.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privdrop.h"

/* A decimal id ("65534"), or -1 when s is not one. */
static long parse_id(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 10)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 0x7ffffffeL ? v : -1;
}

static int resolve_user(const char *name, struct pooldns_privdrop *pd, char *err, size_t errsz)
{
	long id = parse_id(name);
	struct passwd *pw;

	errno = 0;
	pw = id >= 0 ? getpwuid((uid_t)id) : getpwnam(name);
	if (pw == NULL) {
		if (id >= 0) {
			/* A numeric user need not be in the database (like
			 * systemd's dynamic users); its group must then be given. */
			pd->uid = (uid_t)id;
			pd->gid = (gid_t)-1;
			snprintf(pd->user, sizeof(pd->user), "%ld", id);
			return 0;
		}
		snprintf(err, errsz, "user %s: %s", name,
			 errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	snprintf(pd->user, sizeof(pd->user), "%s", pw->pw_name);
	/* Supplementary groups: the user's memberships in the group database. */
	pd->ngroups = POOLDNS_PRIVDROP_MAX_GROUPS;
	if (getgrouplist(pw->pw_name, pw->pw_gid, pd->groups, &pd->ngroups) < 0) {
		snprintf(err, errsz, "user %s: member of more than %d groups", name,
			 POOLDNS_PRIVDROP_MAX_GROUPS);
		return -1;
	}
	return 0;
}

static int resolve_group(const char *name, struct pooldns_privdrop *pd, char *err, size_t errsz)
{
	long id = parse_id(name);
	struct group *gr;

	errno = 0;
	gr = id >= 0 ? getgrgid((gid_t)id) : getgrnam(name);
	if (gr == NULL) {
		if (id >= 0) {
			pd->gid = (gid_t)id;
			snprintf(pd->group, sizeof(pd->group), "%ld", id);
			return 0;
		}
		snprintf(err, errsz, "group %s: %s", name,
			 errno != 0 ? strerror(errno) : "no such group");
		return -1;
	}
	pd->gid = gr->gr_gid;
	snprintf(pd->group, sizeof(pd->group), "%s", gr->gr_name);
	return 0;
}

int pooldns_privdrop_prepare(const struct pooldns_config *cfg, struct pooldns_privdrop *pd,
			     char *err, size_t errsz)
{
	memset(pd, 0, sizeof(*pd));
	if (cfg->chroot_dir != NULL) {
		size_t len = strlen(cfg->chroot_dir);
		while (len > 1 && cfg->chroot_dir[len - 1] == '/')
			len--;
		if (len >= sizeof(pd->chroot_dir)) {
			snprintf(err, errsz, "chroot: path too long");
			return -1;
		}
		memcpy(pd->chroot_dir, cfg->chroot_dir, len);
		pd->chroot_dir[len] = '\0';
	}
	if (cfg->user == NULL) {
		if (cfg->group != NULL) {
			snprintf(err, errsz, "group %s needs user", cfg->group);
			return -1;
		}
		if (cfg->chroot_dir != NULL) {
			snprintf(err, errsz,
				 "chroot %s needs user (root can leave a chroot; pooldns only "
				 "chroots when it also drops to another user)",
				 cfg->chroot_dir);
			return -1;
		}
		return 0;
	}
	if (resolve_user(cfg->user, pd, err, errsz) != 0)
		return -1;
	if (cfg->group != NULL) {
		if (resolve_group(cfg->group, pd, err, errsz) != 0)
			return -1;
	} else if (pd->gid == (gid_t)-1) {
		snprintf(err, errsz, "user %s is not in the user database: set group too",
			 cfg->user);
		return -1;
	} else {
		struct group *gr = getgrgid(pd->gid);
		if (gr != NULL)
			snprintf(pd->group, sizeof(pd->group), "%s", gr->gr_name);
		else
			snprintf(pd->group, sizeof(pd->group), "%lu", (unsigned long)pd->gid);
	}
	if (pd->uid == 0 || pd->gid == 0) {
		snprintf(err, errsz, "user %s, group %s: uid and gid 0 would drop nothing",
			 pd->user, pd->group);
		return -1;
	}
	if (geteuid() != 0) {
		/* Not root: nothing to switch to; only the running ids are fine. */
		if (pd->uid != geteuid() || pd->gid != getegid()) {
			snprintf(err, errsz,
				 "user %s, group %s: pooldns runs as uid %lu gid %lu and cannot "
				 "switch ids (start it as root, or leave user and group unset)",
				 pd->user, pd->group, (unsigned long)geteuid(),
				 (unsigned long)getegid());
			return -1;
		}
		if (cfg->chroot_dir != NULL) {
			snprintf(err, errsz,
				 "chroot %s: only root can chroot (under systemd, use "
				 "RootDirectory= instead)",
				 cfg->chroot_dir);
			return -1;
		}
		return 0;
	}
	pd->change_id = true;
	return 0;
}

/* ---- chroot paths ------------------------------------------------------ */

const char *pooldns_privdrop_inside(const char *path, const char *root)
{
	size_t rl = strlen(root);
	const char *rest;

	if (strncmp(path, root, rl) != 0 || path[rl] != '/')
		return NULL;
	rest = path + rl;
	for (const char *p = rest; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return NULL;
	return rest;
}

/* The host part of an http(s) URL is an IP literal. */
static bool url_host_is_ip(const char *url)
{
	const char *h = strstr(url, "://");
	char host[64];
	size_t n;
	unsigned char buf[16];

	if (h == NULL)
		return false;
	h += 3;
	if (*h == '[')
		return true; /* the URL parser only takes IPv6 literals in brackets */
	n = strcspn(h, ":/");
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return inet_pton(AF_INET, host, buf) == 1;
}

int pooldns_privdrop_chroot_paths(struct pooldns_config *cfg, const char *root, bool inside,
				  char *err, size_t errsz)
{
	struct {
		const char *key;
		char *path;
	} files[] = {
		{ "sqlite-path", cfg->source == POOLDNS_SOURCE_SQLITE ? cfg->sqlite_path : NULL },
		{ "cache-file", cfg->cache_file },
		{ "rqlite-ca-file", cfg->rqlite_ca_file },
		{ "check-ca-file", cfg->check_ca_file },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *rest;

		if (files[i].path == NULL)
			continue;
		rest = pooldns_privdrop_inside(files[i].path, root);
		if (rest == NULL) {
			snprintf(err, errsz,
				 "%s %s: not inside chroot %s (files opened after the chroot "
				 "must be below it, given by their full path)",
				 files[i].key, files[i].path, root);
			return -1;
		}
		memmove(files[i].path, rest, strlen(rest) + 1);
	}
	if (cfg->source != POOLDNS_SOURCE_RQLITE)
		return 0;
	for (size_t i = 0; i < cfg->n_rqlite_urls; i++) {
		const char *url = cfg->rqlite_urls[i];
		char etc[4200];
		bool named;

		if (strncmp(url, "https:", 6) == 0 && cfg->rqlite_ca_file == NULL) {
			snprintf(err, errsz,
				 "rqlite-url %s: https inside chroot %s needs rqlite-ca-file (the "
				 "system trust store is outside the chroot)",
				 url, root);
			return -1;
		}
		if (url_host_is_ip(url))
			continue;
		snprintf(etc, sizeof(etc), "%s/etc/hosts", inside ? "" : root);
		named = access(etc, R_OK) == 0;
		snprintf(etc, sizeof(etc), "%s/etc/resolv.conf", inside ? "" : root);
		if (!named && access(etc, R_OK) != 0) {
			snprintf(err, errsz,
				 "rqlite-url %s: a host name inside chroot %s needs %s/etc/hosts "
				 "or %s/etc/resolv.conf (or use an IP address)",
				 url, root, root, root);
			return -1;
		}
	}
	return 0;
}

/* ---- the drop ---------------------------------------------------------- */

/* Number of threads of this process, or -1 (no /proc). */
static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Clears every capability in the sets named by what. */
static int clear_caps(capng_select_t what, const char *step, char *err, size_t errsz)
{
	capng_clear(what);
	if (capng_apply(what) != 0) {
		snprintf(err, errsz, "privilege drop: clearing the %s failed", step);
		return -1;
	}
	return 0;
}

/* True when no capability is left in the effective, permitted or
 * inheritable set (the kernel's view, read again). */
static bool no_caps_left(void)
{
	if (capng_get_caps_process() != 0)
		return false;
	return capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE;
}

int pooldns_privdrop_apply(const struct pooldns_privdrop *pd, char *err, size_t errsz)
{
	int threads = thread_count();

	if (threads != 1) {
		snprintf(err, errsz,
			 "privilege drop: %s (capabilities are per thread; the drop must come "
			 "before any thread starts)",
			 threads < 0 ? "cannot read /proc/self/task" : "more than one thread");
		return -1;
	}
	if (pd->change_id) {
		/* While CAP_SETPCAP is held: nothing can be regained by exec. */
		if (clear_caps(CAPNG_SELECT_BOUNDS, "capability bounding set", err, errsz) != 0)
			return -1;
		if (pd->chroot_dir[0] != '\0' && (chdir(pd->chroot_dir) != 0 ||
						  chroot(pd->chroot_dir) != 0 || chdir("/") != 0)) {
			snprintf(err, errsz, "chroot %s: %s", pd->chroot_dir, strerror(errno));
			return -1;
		}
		if (setgroups((size_t)pd->ngroups, pd->groups) != 0) {
			snprintf(err, errsz, "setgroups for user %s: %s", pd->user,
				 strerror(errno));
			return -1;
		}
		if (setresgid(pd->gid, pd->gid, pd->gid) != 0) {
			snprintf(err, errsz, "setresgid to group %s: %s", pd->group,
				 strerror(errno));
			return -1;
		}
		if (setresuid(pd->uid, pd->uid, pd->uid) != 0) {
			snprintf(err, errsz, "setresuid to user %s: %s", pd->user, strerror(errno));
			return -1;
		}
	}
	/* Whatever is left (inheritable; for a non-root start, what the
	 * service manager granted, e.g. CAP_NET_BIND_SERVICE). Ambient
	 * capabilities need permitted and inheritable ones, so they go too. */
	if (clear_caps(CAPNG_SELECT_CAPS, "capabilities", err, errsz) != 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errsz, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}

	/* Verify, as ssh and Unbound do: the ids stuck and none comes back. */
	if (!no_caps_left()) {
		snprintf(err, errsz, "privilege drop: capabilities remain after clearing them");
		return -1;
	}
	if (pd->change_id) {
		uid_t r, e, s;
		gid_t rg, eg, sg;

		if (getresuid(&r, &e, &s) != 0 || r != pd->uid || e != pd->uid || s != pd->uid ||
		    getresgid(&rg, &eg, &sg) != 0 || rg != pd->gid || eg != pd->gid ||
		    sg != pd->gid) {
			snprintf(err, errsz, "privilege drop: ids did not change to %s:%s",
				 pd->user, pd->group);
			return -1;
		}
		if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0) {
			snprintf(err, errsz, "privilege drop: root could be regained");
			return -1;
		}
	}
	return 0;
}
