/*
 * fuzz_config.c — fuzz target for the configuration file: its reader and
 * line parser (core/conf.c) and every key's value parser
 * (core/conf_value.c). Each input is written to a memfd and read as a file,
 * by its /proc/self/fd/N path, through pooldns_config_load_file() as a
 * daemon reads its config; when it parses, the cross-key checks run over
 * it.
 *
 * Besides the sanitizers, each result is checked here: a refused file
 * leaves a NUL-terminated message that starts with "<path>:"; an accepted
 * one keeps the bounds the answer path relies on. Then every key of it is
 * swapped (pooldns_config_key_swap(), what SIGHUP does with the keys only a
 * restart changes) with a config of defaults, which must keep each key as
 * equal (pooldns_config_key_equal()) or as different as it was; the config
 * left with the defaults then reads the same bytes again from the buffer
 * (pooldns_config_load_buffer()), which must give, key by key, what the
 * file gave. A refused file must be refused by the buffer reader too, with
 * the same message after the name ("config" when no name is given).
 * Freeing both must neither leak nor free twice.
 * The empty input (libFuzzer runs it first; the corpus holds it) also runs
 * what no corpus file can be: a missing path, a directory, a file that
 * cannot be read (/proc/self/mem at offset 0, an unmapped address: EIO),
 * and a file one byte longer than POOLDNS_CONFIG_MAX_FILE (a sparse
 * memfd). A failed check aborts, which the fuzzer reports as a crash.
 *
 * Thread model: single-threaded, as libFuzzer and fuzz/driver.c call it;
 * the memfd is made once and rewritten for each input.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/conf_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* The memfd every input is written to, made once. */
static int file_fd = -1;

/* The memfd made to hold exactly data; its /proc/self/fd path in path. */
static void to_file(const uint8_t *data, size_t size, char *path, size_t pathsz)
{
	if (file_fd < 0) {
		file_fd = memfd_create("fuzz_config", MFD_CLOEXEC);
		check(file_fd >= 0);
	}
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(file_fd, data + off, size - off, (off_t)off);
		check(n > 0);
		off += (size_t)n;
	}
	check(ftruncate(file_fd, (off_t)size) == 0);
	snprintf(path, pathsz, "/proc/self/fd/%d", file_fd);
}

/* A refusal of path: "<path>: <rest>", terminated, where rest starts with
 * want (NULL: anything). */
static void check_refused(const char *path, const char *want)
{
	struct pooldns_config cfg;
	char err[512];
	size_t pl = strlen(path);

	memset(err, 'x', sizeof(err));
	pooldns_config_init(&cfg);
	check(pooldns_config_load_file(&cfg, path, err, sizeof(err)) == -1);
	check(memchr(err, '\0', sizeof(err)) != NULL && strncmp(err, path, pl) == 0 &&
	      err[pl] == ':' && err[pl + 1] == ' ' && err[pl + 2] != '\0');
	if (want != NULL)
		check(strncmp(err + pl + 2, want, strlen(want)) == 0);
	pooldns_config_free(&cfg);
}

/* The cases of the empty input (see the top). */
static void check_limits(void)
{
	char path[64];
	uint8_t none = 0;

	check_refused("/nonexistent/pooldns.conf", "No such file");
	check_refused("/", "is a directory");
	check_refused("/proc/self/mem", NULL);
	/* One byte more than the most read: zeros, refused for the size
	 * before any line is parsed. */
	to_file(&none, 0, path, sizeof(path));
	check(ftruncate(file_fd, (off_t)POOLDNS_CONFIG_MAX_FILE + 1) == 0);
	check_refused(path, "file too large");
	check(ftruncate(file_fd, 0) == 0);
}

/* Invariants the answer path relies on. */
static void check_bounds(const struct pooldns_config *cfg)
{
	check(cfg->answer.zone.nns >= 1 && cfg->answer.zone.nns <= POOLDNS_MAX_NS &&
	      cfg->answer.zone.nzones <= POOLDNS_MAX_ZONES && cfg->nlisten <= POOLDNS_MAX_LISTEN &&
	      cfg->n_rqlite_urls <= POOLDNS_RQLITE_MAX_URLS && cfg->answer.edns_payload >= 512 &&
	      cfg->answer.edns_payload <= 4096);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pooldns_config cfg, other;
	char path[64], err[512], berr[512];
	size_t pathlen;

	if (size == 0)
		check_limits();
	to_file(data, size, path, sizeof(path));
	pathlen = strlen(path);
	memset(err, 'x', sizeof(err));
	pooldns_config_init(&cfg);
	if (pooldns_config_load_file(&cfg, path, err, sizeof(err)) != 0) {
		/* "<path>:<line>: ...", terminated; the buffer reader gives
		 * "config:<line>: ..." with the same rest (when neither was
		 * cut to fit). */
		check(memchr(err, '\0', sizeof(err)) != NULL && strncmp(err, path, pathlen) == 0 &&
		      err[pathlen] == ':');
		pooldns_config_free(&cfg);
		memset(berr, 'x', sizeof(berr));
		pooldns_config_init(&cfg);
		check(pooldns_config_load_buffer(&cfg, (const char *)data, size, NULL, berr,
						 sizeof(berr)) == -1);
		check(memchr(berr, '\0', sizeof(berr)) != NULL && strncmp(berr, "config:", 7) == 0);
		if (strlen(err) < sizeof(err) - 1 && strlen(berr) < sizeof(berr) - 1)
			check(strcmp(err + pathlen, berr + 6) == 0);
		pooldns_config_free(&cfg);
		return 0;
	}
	if (pooldns_config_check(&cfg, err, sizeof(err)) != 0)
		check(memchr(err, '\0', sizeof(err)) != NULL);
	check_bounds(&cfg);

	/* What the file gave moves to other, a config of defaults, leaving
	 * cfg with the defaults; a swap keeps a key as equal or as different
	 * as it was. Then the buffer, read on top of those defaults, must give
	 * the same again, key by key. */
	pooldns_config_init(&other);
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++) {
		bool same = pooldns_config_key_equal(&cfg, &other, k);
		pooldns_config_key_swap(&cfg, &other, k);
		check(pooldns_config_key_equal(&cfg, &other, k) == same);
	}
	check(pooldns_config_load_buffer(&cfg, (const char *)data, size, path, err, sizeof(err)) ==
	      0);
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++)
		check(pooldns_config_key_equal(&cfg, &other, k));
	pooldns_config_free(&cfg);
	pooldns_config_free(&other);
	return 0;
}
