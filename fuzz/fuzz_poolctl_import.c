/*
 * fuzz_poolctl_import.c — fuzz target for poolctl's import file parser
 * and checks (poolctl/data.c over columns.c and the loader's row checks).
 * Every input must be accepted or refused with messages, never crash,
 * leak or read out of bounds. An accepted file must export to text that
 * parses again into the same text (the export is stable), and its
 * differences from itself must be empty.
 *
 * Thread model: single-threaded.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poolctl/data.h"
#include "poolctl/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *export_text(const struct pctl_data *d)
{
	json_t *j = pctl_data_to_json(d);
	char *s = j != NULL ? pctl_json_text(j) : NULL;

	json_decref(j);
	if (s == NULL)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctl_data d, again;
	struct pctl_errs e, e2;
	struct pctl_diff df;
	char *t1, *t2;

	memset(&d, 0, sizeof(d));
	memset(&e, 0, sizeof(e));
	if (pctl_data_parse(&d, (const char *)data, size, "fuzz.json", &e) != 0) {
		if (e.n == 0)
			abort(); /* refused without a word */
		for (size_t i = 0; i < e.n && i < PCTL_ERRS_KEEP; i++)
			if (memchr(e.msg[i], '\0', sizeof(e.msg[i])) == NULL)
				abort();
		pctl_data_free(&d);
		return 0;
	}
	t1 = export_text(&d);
	memset(&again, 0, sizeof(again));
	memset(&e2, 0, sizeof(e2));
	if (pctl_data_parse(&again, t1, strlen(t1), "export", &e2) != 0)
		abort(); /* an export of accepted data must be accepted */
	t2 = export_text(&again);
	if (strcmp(t1, t2) != 0)
		abort();
	if (pctl_diff_make(&d, &again, &df) != 0 || df.n != 0)
		abort();
	pctl_diff_free(&df);
	free(t1);
	free(t2);
	pctl_data_free(&d);
	pctl_data_free(&again);
	return 0;
}
