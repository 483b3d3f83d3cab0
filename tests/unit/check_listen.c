/*
 * check_listen.c — unit tests for standalone/listen.c: the parse of
 * `listen` values into socket addresses (forms, default port, normalised
 * text, the wildcard flag, refusals) and the receive buffer a UDP socket
 * gets from pooldns_listen_rcvbuf (udp-rcvbuf).
 *
 * Thread model: single-threaded test cases (Check forks one process per
 * test). Sockets bind 127.0.0.1 on a port the kernel picks.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "standalone/listen.h"

static char err[256];

static struct pooldns_listen_addr parse_ok(const char *s)
{
	struct pooldns_listen_addr a;

	ck_assert_msg(pooldns_listen_parse(s, &a, err, sizeof(err)) == 0, "%s: %s", s, err);
	return a;
}

START_TEST(test_parse_forms)
{
	struct pooldns_listen_addr a;

	a = parse_ok("127.0.0.1:5353");
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_str_eq(a.text, "127.0.0.1:5353");
	ck_assert(!a.wildcard);
	a = parse_ok("127.0.0.1");
	ck_assert_str_eq(a.text, "127.0.0.1:53");
	a = parse_ok("0.0.0.0:53");
	ck_assert(a.wildcard);
	a = parse_ok("[::1]:5353");
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_str_eq(a.text, "[::1]:5353");
	a = parse_ok("[0:0::0001]");
	ck_assert_str_eq(a.text, "[::1]:53");
	a = parse_ok("::");
	ck_assert(a.wildcard);
	ck_assert_str_eq(a.text, "[::]:53");
}
END_TEST

START_TEST(test_parse_refusals)
{
	static const char *const bad[] = {
		"", ":53", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:123456",
		"127.0.0.1:5x", "[::1", "[::1]x", "[]:53", "localhost:53", "1.2.3:53", "[1.2.3.4]:53",
	};
	struct pooldns_listen_addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(pooldns_listen_parse(bad[i], &a, err, sizeof(err)) != 0, "'%s' accepted",
			      bad[i]);
		ck_assert_msg(strncmp(err, "listen ", 7) == 0, "'%s': message '%s'", bad[i], err);
	}
}
END_TEST

static long sysctl_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The buffer asked is what the socket gets, up to net.core.rmem_max unless
 * SO_RCVBUFFORCE is allowed (then exactly): never less than both, never
 * more than asked. Without the call a socket has net.core.rmem_default,
 * below both on any system whose rmem_max exceeds its rmem_default. */
START_TEST(test_rcvbuf)
{
	struct pooldns_listen_addr a = parse_ok("127.0.0.1:53");
	long rmem_max = sysctl_long("/proc/sys/net/core/rmem_max");
	long asked = 1L << 20;
	long floor, got;
	int fd;

	ck_assert_int_gt(rmem_max, 0);
	((struct sockaddr_in *)&a.ss)->sin_port = 0; /* a port the kernel picks */
	fd = pooldns_listen_open(&a, SOCK_DGRAM, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	got = pooldns_listen_rcvbuf(fd, asked);
	floor = asked < rmem_max ? asked : rmem_max;
	ck_assert_msg(got >= floor && got <= asked, "asked %ld, got %ld (rmem_max %ld)", asked, got,
		      rmem_max);
	/* a smaller size afterwards is taken as well */
	got = pooldns_listen_rcvbuf(fd, 65536);
	ck_assert_int_eq(got, 65536);
	close(fd);
}
END_TEST

static Suite *listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_forms);
	tcase_add_test(tc, test_parse_refusals);
	tcase_add_test(tc, test_rcvbuf);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(listen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
