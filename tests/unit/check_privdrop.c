/*
 * check_privdrop.c — unit tests for standalone/privdrop.c, the parts that
 * need no privileges to test: where a path lies relative to a chroot, the
 * rewriting of the configuration's paths and the refusals of what cannot
 * work inside a chroot, and the checks of user, group and chroot before
 * anything is dropped. The drop itself (ids, capabilities, threads) is
 * tested as root by tests/integration/privdrop.sh.
 *
 * Thread model: single-threaded test cases (Check forks one process per
 * test). Temporary files go to a private mkdtemp() directory.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "standalone/privdrop.h"

static char err[1024];

static void set(struct pooldns_config *c, const char *key, const char *value)
{
	ck_assert_msg(pooldns_config_set(c, key, value, "t", err, sizeof(err)) == 0, "%s = %s: %s",
		      key, value, err);
}

START_TEST(test_inside)
{
	ck_assert_str_eq(pooldns_privdrop_inside("/srv/jail/db/p.db", "/srv/jail"), "/db/p.db");
	ck_assert_str_eq(pooldns_privdrop_inside("/srv/jail/x", "/srv/jail"), "/x");
	ck_assert_str_eq(pooldns_privdrop_inside("/srv/jail/a..b/..c", "/srv/jail"), "/a..b/..c");
	/* A sibling with the same prefix, the directory itself, relative paths. */
	ck_assert_ptr_null(pooldns_privdrop_inside("/srv/jailbreak/x", "/srv/jail"));
	ck_assert_ptr_null(pooldns_privdrop_inside("/srv/jail", "/srv/jail"));
	ck_assert_ptr_null(pooldns_privdrop_inside("srv/jail/x", "/srv/jail"));
	/* ".." anywhere could climb out. */
	ck_assert_ptr_null(pooldns_privdrop_inside("/srv/jail/../etc/shadow", "/srv/jail"));
	ck_assert_ptr_null(pooldns_privdrop_inside("/srv/jail/db/../../x", "/srv/jail"));
	ck_assert_ptr_null(pooldns_privdrop_inside("/srv/jail/db/..", "/srv/jail"));
}
END_TEST

START_TEST(test_chroot_paths_rewritten)
{
	struct pooldns_config c;

	pooldns_config_init(&c);
	set(&c, "source", "sqlite");
	set(&c, "sqlite-path", "/j/db/pools.db");
	set(&c, "cache-file", "/j/cache/snap");
	set(&c, "check-ca-file", "/j/ca.pem");
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, "/j", true, err, sizeof(err)), 0);
	ck_assert_str_eq(c.sqlite_path, "/db/pools.db");
	ck_assert_str_eq(c.cache_file, "/cache/snap");
	ck_assert_str_eq(c.check_ca_file, "/ca.pem");
	pooldns_config_free(&c);

	/* Once per configuration: a reload maps the new one. */
	pooldns_config_init(&c);
	set(&c, "cache-file", "/var/cache/snap");
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, "/j", true, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "cache-file /var/cache/snap: not inside chroot /j (files opened "
			      "after the chroot must be below it, given by their full path)");
	pooldns_config_free(&c);
}
END_TEST

START_TEST(test_chroot_rqlite)
{
	char root[64] = "/tmp/check_privdrop.XXXXXX", path[128];
	struct pooldns_config c;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	pooldns_config_init(&c);
	/* IP literals need no name resolution. */
	set(&c, "rqlite-url", "http://10.0.0.1:4001");
	set(&c, "rqlite-url", "http://[2001:db8::1]:4001");
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, root, false, err, sizeof(err)), 0);

	set(&c, "rqlite-url", "http://db.example:4001");
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, root, false, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "rqlite-url http://db.example:4001: a host name"));
	ck_assert_ptr_nonnull(strstr(err, "/etc/resolv.conf"));
	/* With etc/hosts inside, looked up at the host path before the chroot. */
	snprintf(path, sizeof(path), "%s/etc", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/hosts", root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("10.0.0.2 db.example\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, root, false, err, sizeof(err)), 0);

	/* https without a CA file inside: the system store is outside. */
	set(&c, "rqlite-url", "https://10.0.0.3:4001");
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, root, false, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "https inside chroot"));
	ck_assert_ptr_nonnull(strstr(err, "needs rqlite-ca-file"));
	snprintf(path, sizeof(path), "%s/ca.pem", root);
	set(&c, "rqlite-ca-file", path);
	ck_assert_int_eq(pooldns_privdrop_chroot_paths(&c, root, false, err, sizeof(err)), 0);
	ck_assert_str_eq(c.rqlite_ca_file, "/ca.pem");
	pooldns_config_free(&c);

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(test_prepare_refusals)
{
	struct pooldns_config c;
	struct pooldns_privdrop pd;

	pooldns_config_init(&c);
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), 0);
	ck_assert(!pd.change_id);

	set(&c, "group", "nogroup");
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "group nogroup needs user");
	set(&c, "group", "");
	set(&c, "chroot", "/srv/jail/");
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chroot /srv/jail/ needs user"));

	set(&c, "user", "no-such-user-pooldns");
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "user no-such-user-pooldns: no such user");
	set(&c, "user", "root");
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "uid and gid 0 would drop nothing"));
	/* An id that is not in the user database needs its group. */
	set(&c, "user", "1234567");
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "user 1234567 is not in the user database: set group too");
	set(&c, "group", "no-such-group-pooldns");
	ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "group no-such-group-pooldns: no such group");

	set(&c, "group", "7654321");
	if (geteuid() == 0) {
		ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), 0);
		ck_assert(pd.change_id);
		ck_assert_uint_eq(pd.uid, 1234567);
		ck_assert_uint_eq(pd.gid, 7654321);
		ck_assert_int_eq(pd.ngroups, 0);
		ck_assert_str_eq(pd.chroot_dir, "/srv/jail"); /* trailing '/' dropped */
	} else {
		/* Not root: only the running ids, and no chroot. */
		ck_assert_int_eq(pooldns_privdrop_prepare(&c, &pd, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "cannot switch ids"));
	}
	pooldns_config_free(&c);
}
END_TEST

static Suite *privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("paths");

	tcase_add_test(tc, test_inside);
	tcase_add_test(tc, test_chroot_paths_rewritten);
	tcase_add_test(tc, test_chroot_rqlite);
	tcase_add_test(tc, test_prepare_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(privdrop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
