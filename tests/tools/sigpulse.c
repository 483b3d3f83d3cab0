/*
 * sigpulse.c — sends a signal to a process at a fixed period for a fixed
 * time, for tests/integration/sighup-storm.sh (a shell loop with `sleep`
 * forks a process per signal and cannot keep a 10 ms period).
 *
 *   sigpulse -p PID [-s SIGNAL] [-i MS] [-d MS]
 *
 *   -s  signal number (default 1, SIGHUP)
 *   -i  period (default 10 ms), on an absolute monotonic schedule
 *   -d  how long (default 10000 ms)
 *
 * Prints "sent N" at the end. Exit 0, or 1 when a kill() failed (the
 * process is gone), 2 on usage errors. Owns nothing. One thread.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long pid = 0, sig = SIGHUP, period_ms = 10, dur_ms = 10000;
	int opt;

	while ((opt = getopt(argc, argv, "p:s:i:d:")) != -1) {
		switch (opt) {
		case 'p':
			pid = atol(optarg);
			break;
		case 's':
			sig = atol(optarg);
			break;
		case 'i':
			period_ms = atol(optarg);
			break;
		case 'd':
			dur_ms = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || pid <= 0 || sig <= 0 || sig >= NSIG || period_ms < 1 || dur_ms < 0)
		goto usage;
	struct timespec next, end;
	clock_gettime(CLOCK_MONOTONIC, &next);
	end = next;
	end.tv_sec += dur_ms / 1000;
	end.tv_nsec += (dur_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	unsigned long sent = 0;
	for (;;) {
		if (next.tv_sec > end.tv_sec ||
		    (next.tv_sec == end.tv_sec && next.tv_nsec >= end.tv_nsec))
			break;
		if (kill((pid_t)pid, (int)sig) != 0) {
			perror("sigpulse: kill");
			printf("sent %lu\n", sent);
			return 1;
		}
		sent++;
		next.tv_nsec += period_ms * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	printf("sent %lu\n", sent);
	return 0;
usage:
	fprintf(stderr, "usage: sigpulse -p PID [-s SIGNAL] [-i MS] [-d MS]\n");
	return 2;
}
