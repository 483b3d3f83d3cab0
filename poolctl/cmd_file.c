/*
 * cmd_file.c — `poolctl export [FILE]` and `poolctl import [--dry-run]
 * [--diff] FILE`: the whole data set as one JSON file (format in data.h),
 * and making the stored data equal to such a file in one transaction.
 *
 * Owns: the file's bytes while a command runs. Thread model:
 * single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poolctl/cmd.h"

#define MAX_FILE (1024L * 1024 * 1024)

/* Reads all of f into a new buffer; NULL with errno on failure. */
static char *slurp(FILE *f, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb;
			if (nc > (size_t)MAX_FILE) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			if ((nb = realloc(buf, nc)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

int pctl_cmd_export(struct pctl_ctx *c, int argc, char **argv)
{
	struct pctl_data d;
	json_t *j;
	char *s;
	int rc;

	if (argc > 1) {
		fprintf(stderr, "usage: poolctl export [FILE]\n");
		return PCTL_EXIT_USAGE;
	}
	if ((rc = pctl_read(c, NULL, &d)) != PCTL_EXIT_OK)
		return rc;
	j = pctl_data_to_json(&d);
	s = j != NULL ? pctl_json_text(j) : NULL;
	json_decref(j);
	pctl_data_free(&d);
	if (s == NULL) {
		fprintf(stderr, "poolctl: out of memory\n");
		return PCTL_EXIT_BACKEND;
	}
	if (argc == 1 && strcmp(argv[0], "-") != 0) {
		/* a temporary file renamed over FILE: never a half-written export */
		size_t tl = strlen(argv[0]) + 16;
		char *tmp = malloc(tl);
		FILE *f;

		if (tmp == NULL) {
			free(s);
			fprintf(stderr, "poolctl: out of memory\n");
			return PCTL_EXIT_BACKEND;
		}
		snprintf(tmp, tl, "%s.tmp%ld", argv[0], (long)getpid());
		f = fopen(tmp, "w");
		if (f == NULL || fputs(s, f) == EOF || fflush(f) != 0 || fsync(fileno(f)) != 0 ||
		    fclose(f) != 0 || rename(tmp, argv[0]) != 0) {
			fprintf(stderr, "poolctl: %s: %s\n", argv[0], strerror(errno));
			unlink(tmp);
			rc = PCTL_EXIT_USAGE;
		}
		free(tmp);
	} else if (fputs(s, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "poolctl: standard output: %s\n", strerror(errno));
		rc = PCTL_EXIT_USAGE;
	}
	free(s);
	return rc;
}

int pctl_cmd_import(struct pctl_ctx *c, int argc, char **argv)
{
	struct pctl_errs e = { 0 };
	struct pctl_data cur, want = { 0 };
	const char *path = argc == 1 ? argv[0] : NULL;
	const char *name;
	size_t len = 0;
	char *buf;
	FILE *f;
	int rc;

	if (path == NULL) {
		fprintf(stderr, "usage: poolctl import [--dry-run] [--diff] FILE|-\n");
		return PCTL_EXIT_USAGE;
	}
	name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "poolctl: %s: %s\n", path, strerror(errno));
		return PCTL_EXIT_USAGE;
	}
	buf = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "poolctl: %s: %s\n", name, strerror(errno));
		return PCTL_EXIT_USAGE;
	}
	rc = pctl_data_parse(&want, buf, len, name, &e);
	free(buf);
	if (rc != 0) {
		pctl_errs_print(&e, stderr);
		fprintf(stderr, "poolctl: nothing written\n");
		pctl_data_free(&want);
		return PCTL_EXIT_INVALID;
	}
	if ((rc = pctl_read(c, NULL, &cur)) != PCTL_EXIT_OK) {
		pctl_data_free(&want);
		return rc;
	}
	rc = pctl_apply(c, &cur, &want, name, c->dry_run, !c->diff && !c->dry_run);
	if (rc == PCTL_EXIT_OK && c->dry_run && !c->json)
		printf("dry run: nothing written\n");
	pctl_data_free(&cur);
	pctl_data_free(&want);
	return rc;
}
