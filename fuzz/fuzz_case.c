/*
 * fuzz_case.c — fuzz target for the harness's case-file parser
 * (harness/case_parse.c, in harness/libharness.a): any bytes must either
 * parse into a case that frees cleanly or be rejected with a
 * "NAME:LINE: message" error, never crash, hang or leak.
 *
 * Thread model: single-threaded; the parser keeps no global state.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_case c;
	char err[1024];
	err[0] = '\0';
	if (pooldns_case_parse((const char *)data, size, "fuzz.case", &c, err, sizeof err) == 0) {
		/* A parsed case is well formed: blocks point inside the list,
		 * queries carry what they need. */
		for (size_t i = 0; i < c.nsteps; i++) {
			const struct pooldns_step *s = &c.steps[i];
			if (s->kind == POOLDNS_STEP_WAIT &&
			    (s->body_end <= i + 1 || s->body_end > c.nsteps))
				abort();
			if (s->kind == POOLDNS_STEP_QUERY &&
			    (s->q.qname == NULL || s->q.repeat == 0))
				abort();
			if (s->kind == POOLDNS_STEP_RAW && (s->q.raw == NULL || s->q.raw_len == 0))
				abort();
			if (s->kind == POOLDNS_STEP_EXPECT && i == 0)
				abort();
		}
		pooldns_case_free(&c);
	} else if (strncmp(err, "fuzz.case:", 10) != 0 || c.nsteps != 0) {
		abort();
	}
	return 0;
}
