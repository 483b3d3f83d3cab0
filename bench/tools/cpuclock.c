/*
 * cpuclock.c — prints the CPU time (user + system, all threads, also the
 * threads that have exited) that each given process has used so far, in
 * nanoseconds, one line per process: "PID NS".
 *
 *   cpuclock PID...
 *
 * bench/scale.sh reads it before and after a window to get a server's CPU
 * per change. /proc/PID/stat holds the same sum (utime + stime), but in
 * clock ticks (10 ms on most systems): over 50 changes that is 0.2 ms a
 * change, coarser than what an incremental reload costs. The process CPU
 * clock (clock_getcpuclockid) reads the kernel's nanosecond runtime sum.
 * Reading another process's clock needs the permission ptrace would need
 * (same user, or root).
 *
 * Exit 0 if every clock was read; 1 if one could not be (its line is not
 * printed; the caller falls back to /proc/PID/stat); 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cpuclock PID...\n");
		return 2;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		char *end;
		errno = 0;
		long pid = strtol(argv[i], &end, 10);
		if (errno != 0 || end == argv[i] || *end != '\0' || pid <= 0) {
			fprintf(stderr, "cpuclock: bad pid '%s'\n", argv[i]);
			return 2;
		}
		clockid_t clk;
		struct timespec ts;
		int err = clock_getcpuclockid((pid_t)pid, &clk);
		if (err == 0 && clock_gettime(clk, &ts) != 0)
			err = errno;
		if (err != 0) {
			fprintf(stderr, "cpuclock: pid %ld: %s\n", pid, strerror(err));
			rc = 1;
			continue;
		}
		printf("%ld %lld\n", pid, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	}
	return rc;
}
