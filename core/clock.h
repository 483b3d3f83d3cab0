/*
 * clock.h — the one clock pooldns measures time with: CLOCK_MONOTONIC, in
 * milliseconds (timeouts, deadlines, probe schedules, idle connections) or
 * microseconds (round-trip times). It never jumps with the wall clock;
 * wall-clock time appears only in log lines (log.c).
 *
 * Header-only, so that every program can use it, the harness included
 * (which does not link libpooldns).
 *
 * Owns nothing. Thread-safety: pure; any thread, no lock, no allocation.
 */
#ifndef POOLDNS_CLOCK_H
#define POOLDNS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on the monotonic clock (from an arbitrary origin). */
static inline uint64_t pooldns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Microseconds on the same clock. */
static inline uint64_t pooldns_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
