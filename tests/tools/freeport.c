/*
 * freeport.c — prints N loopback port numbers that are free for both TCP
 * and UDP right now (the kernel picks them), one per line. The integration
 * scripts use it so that parallel test runs never collide on fixed ports.
 * A port is only known free at the moment of the check; the scripts start
 * their servers at once and fail clearly if a bind still loses the race.
 *
 * Usage: freeport [N]   (default 1, at most 64)
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int main(int argc, char **argv)
{
	long want = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	if (want < 1 || want > 64) {
		fprintf(stderr, "usage: freeport [N]  (1..64)\n");
		return 2;
	}
	int held[128];
	int nheld = 0;
	for (int tries = 0; want > 0 && tries < 1000; tries++) {
		unsigned short port, same;
		int tfd = bind_loopback(SOCK_STREAM, 0, &port);
		if (tfd < 0) {
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
	return want == 0 ? 0 : 1;
}
