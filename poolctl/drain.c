/*
 * drain.c — `member drain --wait`: after the member was disabled (data
 * version V), asks every --server for the pool's A or AAAA records and its
 * SOA until none answers the member any more.
 *
 * A server is done when its answer lacks the member AND either its SOA
 * serial (pooldns serves the data version there) is at least V — it has
 * loaded the change, and a disabled member is never answered — or, for a
 * server that does not answer the SOA, three answers in a row lacked the
 * member. A server that does not answer keeps the wait going. Progress
 * goes to stderr; stdout keeps the command's own output.
 *
 * Owns: nothing beyond the call. Thread model: single-threaded.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "poolctl/cmd.h"

#define LOOK_TIMEOUT_MS 1000
#define PAUSE_MS        200
#define CLEAN_IN_A_ROW  3

/* serial >= v in RFC 1982 serial number arithmetic. */
static bool serial_reached(uint32_t serial, int64_t v)
{
	return (int32_t)(serial - (uint32_t)v) >= 0;
}

static double now_s(void)
{
	return (double)pooldns_now_ms() / 1000.0;
}

int pctl_drain_wait(struct pctl_ctx *c, const char *pool, const struct pctl_member *m,
		    int64_t version)
{
	bool done[PCTL_MAX_SERVERS] = { false };
	int clean[PCTL_MAX_SERVERS] = { 0 };
	char why[PCTL_MAX_SERVERS][300];
	double t0 = now_s(), deadline = t0 + c->timeout_s;
	const char *host = m->c[PCTL_M_HOST].s;

	for (size_t i = 0; i < c->nservers; i++)
		snprintf(why[i], sizeof(why[i]), "not asked yet");
	for (;;) {
		size_t left = 0;

		for (size_t i = 0; i < c->nservers; i++) {
			struct pctl_dns_look lk;

			if (done[i])
				continue;
			if (pctl_dns_look(&c->servers[i], pool, m->family, m->addr, LOOK_TIMEOUT_MS,
					  &lk, why[i], sizeof(why[i])) != 0) {
				clean[i] = 0;
			} else if (lk.present) {
				clean[i] = 0;
				snprintf(why[i], sizeof(why[i]), "%s still answers %s",
					 c->servers[i].text, host);
			} else if (lk.have_serial) {
				done[i] = serial_reached(lk.serial, version);
				snprintf(why[i], sizeof(why[i]),
					 "%s serves data version %u, before %lld",
					 c->servers[i].text, lk.serial, (long long)version);
			} else {
				done[i] = ++clean[i] >= CLEAN_IN_A_ROW;
				snprintf(why[i], sizeof(why[i]), "%s left %s out %d time(s)",
					 c->servers[i].text, host, clean[i]);
			}
			if (done[i])
				fprintf(stderr, "poolctl: %s %s: gone from %s after %.1f s\n", pool,
					host, c->servers[i].text, now_s() - t0);
			else
				left++;
		}
		if (left == 0)
			return PCTL_EXIT_OK;
		if (now_s() >= deadline) {
			for (size_t i = 0; i < c->nservers; i++)
				if (!done[i])
					fprintf(stderr, "poolctl: %s %s: timed out: %s\n", pool,
						host, why[i]);
			return PCTL_EXIT_WAIT_TIMEOUT;
		}
		struct timespec ts = { .tv_sec = 0, .tv_nsec = PAUSE_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}
