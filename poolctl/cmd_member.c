/*
 * cmd_member.c — `poolctl member add|set|del|enable|disable|drain`.
 * enable, disable and drain set the enabled column; drain is disable that
 * can then wait (--wait) until the given DNS servers no longer answer the
 * member (drain.c).
 *
 * Owns: nothing beyond each call. Thread model: single-threaded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "poolctl/cmd.h"

static const char USAGE[] =
	"usage: poolctl member add POOL HOST [COLUMN=VALUE...] | set POOL HOST COLUMN=VALUE... "
	"| del POOL HOST | enable POOL HOST | disable POOL HOST\n"
	"       poolctl member drain POOL HOST [--wait --server ADDR[:PORT]... [--timeout S]]\n";

int pctl_cmd_member(struct pctl_ctx *c, int argc, char **argv)
{
	char name[POOLDNS_NAME_TEXT_MAX], host[INET6_ADDRSTRLEN];
	const char *verb = argc > 0 ? argv[0] : "";
	bool add = strcmp(verb, "add") == 0, set = strcmp(verb, "set") == 0;
	bool del = strcmp(verb, "del") == 0, drain = strcmp(verb, "drain") == 0;
	bool enable = strcmp(verb, "enable") == 0, disable = strcmp(verb, "disable") == 0 || drain;
	struct pctl_data cur, want;
	struct pctl_pool *p;
	struct pctl_member *m;
	long idx;
	int rc;

	if (argc < 3 || !(add || set || del || enable || disable) ||
	    ((del || enable || disable) && argc != 3) || (set && argc < 4)) {
		fputs(USAGE, stderr);
		return PCTL_EXIT_USAGE;
	}
	if (c->wait && !drain) {
		fprintf(stderr, "poolctl: --wait goes with member drain\n");
		return PCTL_EXIT_USAGE;
	}
	if (drain && c->wait && c->nservers == 0) {
		fprintf(stderr, "poolctl: drain --wait needs at least one --server\n");
		return PCTL_EXIT_USAGE;
	}
	if ((rc = pctl_arg_name(argv[1], name, sizeof(name))) != PCTL_EXIT_OK ||
	    (rc = pctl_arg_host(argv[2], host, sizeof(host))) != PCTL_EXIT_OK)
		return rc;
	if ((rc = pctl_read(c, name, &cur)) != PCTL_EXIT_OK)
		return rc;
	if (cur.np == 0) {
		fprintf(stderr, "poolctl: no pool %s\n", name);
		pctl_data_free(&cur);
		return PCTL_EXIT_NOT_FOUND;
	}
	idx = pctl_pool_find_member(&cur.p[0], host);
	if (add && idx >= 0) {
		fprintf(stderr, "poolctl: pool %s has member %s already\n", name, host);
		pctl_data_free(&cur);
		return PCTL_EXIT_EXISTS;
	}
	if (!add && idx < 0) {
		fprintf(stderr, "poolctl: pool %s has no member %s\n", name, host);
		pctl_data_free(&cur);
		return PCTL_EXIT_NOT_FOUND;
	}
	if (pctl_data_copy(&want, &cur) != 0) {
		fprintf(stderr, "poolctl: out of memory\n");
		pctl_data_free(&cur);
		return PCTL_EXIT_BACKEND;
	}
	p = &want.p[0];
	if (add) {
		if ((m = pctl_pool_add_member(p, host)) == NULL) {
			fprintf(stderr, "poolctl: out of memory\n");
			rc = PCTL_EXIT_BACKEND;
			goto out;
		}
	} else {
		m = &p->m[idx];
	}
	if (add || set) {
		rc = pctl_arg_columns(pctl_member_cols, POOLDNS_MEMBER_NCOLS, m->c, argc - 3,
				      argv + 3);
		if (rc != PCTL_EXIT_OK)
			goto out;
	} else if (del) {
		pctl_pool_del_member(p, (size_t)idx);
	} else {
		pctl_cell_clear(&m->c[PCTL_M_ENABLED]);
		m->c[PCTL_M_ENABLED].type = POOLDNS_CELL_INT;
		m->c[PCTL_M_ENABLED].i = enable ? 1 : 0;
	}
	rc = pctl_apply(c, &cur, &want, "", false, false);
	if (rc == PCTL_EXIT_OK && drain && c->wait) {
		int64_t version;
		const struct pctl_pool *wp = &want.p[0];
		long wi = pctl_pool_find_member(wp, host);

		fflush(stdout);
		if ((rc = pctl_read_version(c, &version)) == PCTL_EXIT_OK)
			rc = pctl_drain_wait(c, name, &wp->m[wi], version);
	}
out:
	pctl_data_free(&cur);
	pctl_data_free(&want);
	return rc;
}
