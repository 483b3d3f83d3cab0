/*
 * freeport.c — prints N loopback port numbers that are free for both TCP
 * and UDP right now, one per line. The integration scripts use it so that
 * parallel test runs never collide on fixed ports. A port is only known
 * free at the moment of the check; the scripts start their servers at once
 * and fail clearly if a bind still loses the race.
 *
 * Usage: freeport [N]              (default 1, at most 64)
 *        freeport --range LO-HI [N] ports from LO..HI only, e.g. a
 *                                  privileged port (900-999, as root)
 *
 * Without --range the ports come from FREEPORT_LO (24000) up to just below
 * the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768 by
 * default), never from inside it. The servers under test bind with
 * SO_REUSEPORT and run as the same user as their clients, and dig binds
 * its source port with SO_REUSEPORT too: a client given the server's own
 * port by the kernel would then be connected to itself and receive its own
 * query ("query response not set"). Below the ephemeral range the kernel
 * never hands out the port. Ports 20000-23999 stay for the harness cases'
 * fixed backend ports (harness/README.md). If the ephemeral range leaves
 * no room below it, the range above it is used, and failing that the
 * kernel's choice, with a warning.
 *
 * The ports are tried from a random point of the range, so two tests
 * asking at once (make -j check) rarely try the same ports.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Binds a socket of the given type to 127.0.0.1:port (0 = any). Returns the
 * fd (caller closes) and stores the bound port, or -1. */
static int bind_loopback(int type, unsigned short port, unsigned short *bound)
{
	int fd = socket(AF_INET, type, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	socklen_t len = sizeof sa;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/* First port of the default range; below it are the harness cases' fixed
 * backend ports (20000 + 10 x case + j). */
#define FREEPORT_LO 24000u
/* The default range must hold at least this many ports to be used. */
#define FREEPORT_MIN_SPAN 1000u

/* "LO-HI" with 1 <= LO <= HI <= 65535. */
static int parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b;

	if (end == s || *end != '-')
		return -1;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || a < 1 || a > b || b > 65535)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/* A random offset in 0..span-1 (the process id and the clock if the kernel
 * has no random bytes to give). */
static unsigned random_start(unsigned span)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec;
	}
	return r % span;
}

/* The default range, outside net.ipv4.ip_local_port_range. Returns -1 when
 * there is no room on either side (the caller lets the kernel choose). */
static int default_range(unsigned *lo, unsigned *hi)
{
	unsigned elo = 32768, ehi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f != NULL) {
		if (fscanf(f, "%u %u", &elo, &ehi) != 2 || elo > ehi || ehi > 65535) {
			elo = 32768;
			ehi = 60999;
		}
		fclose(f);
	}
	if (elo > FREEPORT_LO + FREEPORT_MIN_SPAN) {
		*lo = FREEPORT_LO;
		*hi = elo - 1;
		return 0;
	}
	if (ehi + FREEPORT_MIN_SPAN < 65535) {
		*lo = ehi + 1;
		*hi = 65535;
		return 0;
	}
	fprintf(stderr, "freeport: warning: the ephemeral port range %u-%u leaves no room; "
			"the kernel picks, and a client may be given a server's port\n",
		elo, ehi);
	return -1;
}

int main(int argc, char **argv)
{
	unsigned lo = 0, hi = 0, span = 1, next = 0;
	int argi = 1;

	if (argc > 2 && strcmp(argv[1], "--range") == 0) {
		if (parse_range(argv[2], &lo, &hi) != 0) {
			fprintf(stderr, "freeport: --range %s: expected LO-HI within 1-65535\n",
				argv[2]);
			return 2;
		}
		argi = 3;
	}
	long want = argc > argi ? strtol(argv[argi], NULL, 10) : 1;
	if (want < 1 || want > 64 || argc > argi + 1) {
		fprintf(stderr, "usage: freeport [--range LO-HI] [N]  (N: 1..64)\n");
		return 2;
	}
	if (argi == 1 && default_range(&lo, &hi) != 0)
		lo = hi = 0;
	if (lo != 0) {
		span = hi - lo + 1;
		next = random_start(span);
	}
	int held[128];
	int nheld = 0;
	int tries_max = lo != 0 ? (int)span : 1000;
	for (int tries = 0; want > 0 && tries < tries_max; tries++) {
		unsigned short port, same;
		unsigned short ask =
			lo != 0 ? (unsigned short)(lo + (next + (unsigned)tries) % span) : 0;
		int tfd = bind_loopback(SOCK_STREAM, ask, &port);
		if (tfd < 0) {
			if (lo != 0 && errno != EACCES)
				continue; /* in use: the next one in the range */
			fprintf(stderr, "freeport: %s\n", strerror(errno));
			return 1;
		}
		int ufd = bind_loopback(SOCK_DGRAM, port, &same);
		if (ufd < 0) {
			close(tfd);
			continue;
		}
		/* Hold both until all ports are chosen, so none repeats. */
		held[nheld++] = tfd;
		held[nheld++] = ufd;
		printf("%u\n", port);
		want--;
	}
	for (int i = 0; i < nheld; i++)
		close(held[i]);
	if (want > 0)
		fprintf(stderr, "freeport: not enough free ports\n");
	return want == 0 ? 0 : 1;
}
