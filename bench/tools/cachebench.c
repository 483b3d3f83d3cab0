/*
 * cachebench.c — time and memory of writing and reading the cache file at
 * scale (bench/README.md): a synthetic snapshot of POOLS pools × MEMBERS
 * members made with the builder and a model, as a paged full load makes
 * it, then written to FILE or read back from it.
 *
 *   cachebench write FILE [POOLS [MEMBERS]]     build, write format 2
 *   cachebench read FILE [PAGE]                 read through builder + model
 *   cachebench roundtrip FILE [POOLS [MEMBERS [PAGE]]]
 *                                               build, write, read, compare
 *                                               every pool (pooldns_pool_equal)
 *   cachebench write-v1 FILE [POOLS [MEMBERS]]  the same data as one format 1
 *                                               document (the old writer)
 *
 * Defaults: 1,000,000 pools, 4 members (3 IPv4, 1 IPv6 when MEMBERS is 4),
 * pages of 10,000 pools. Pool i has id i + 1 and the name
 * p0000001.bench.example.; every tenth pool has an http check with a host
 * and a body, every fourth member a weight or a priority, every seventh is
 * drained.
 *
 * Prints wall and CPU time per phase and the memory (VmRSS, and VmHWM
 * reset before each phase through /proc/self/clear_refs, so that each
 * phase's own peak is shown). Linux only (/proc).
 *
 * Owns everything it allocates. Thread model: one thread; the snapshot is
 * built without a store, so no RCU section is needed.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cache_writer.h"
#include "core/model/builder.h"
#include "core/model/model.h"
#include "core/source/cache.h"
#include "core/source/source.h"
#include "tests/unit/cachefile.h"

#define DEFAULT_POOLS   1000000
#define DEFAULT_MEMBERS 4
#define BUILD_PAGE      10000

struct phase {
	struct timespec wall;
	double cpu;
};

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* VmRSS and VmHWM in MiB. */
static void mem_mib(double *rss, double *hwm)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*rss = *hwm = -1;
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		long kb;
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			*rss = kb / 1024.0;
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			*hwm = kb / 1024.0;
	}
	fclose(f);
}

/* Starts a phase: resets the peak RSS to the current RSS. */
static void phase_start(struct phase *ph)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &ph->wall);
	ph->cpu = cpu_s();
}

static void phase_end(const struct phase *ph, const char *what)
{
	struct timespec t;
	double rss, hwm;

	clock_gettime(CLOCK_MONOTONIC, &t);
	mem_mib(&rss, &hwm);
	printf("%-28s wall %7.2f s  cpu %7.2f s  rss %8.1f MiB  peak %8.1f MiB\n", what,
	       (double)(t.tv_sec - ph->wall.tv_sec) + (t.tv_nsec - ph->wall.tv_nsec) / 1e9,
	       cpu_s() - ph->cpu, rss, hwm);
	fflush(stdout);
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "cachebench: %s: %s\n", what, err);
	exit(1);
}

static struct pooldns_cell c_int(int64_t v)
{
	return (struct pooldns_cell){ .type = POOLDNS_CELL_INT, .i = v };
}

static struct pooldns_cell c_text(const char *s)
{
	if (s == NULL)
		return (struct pooldns_cell){ .type = POOLDNS_CELL_NULL };
	return (struct pooldns_cell){ .type = POOLDNS_CELL_TEXT, .s = (char *)s };
}

/* Adds the rows of pools [first, first + n) to ds. */
static void add_rows(struct pooldns_dataset *ds, size_t first, size_t n, size_t members)
{
	for (size_t i = first; i < first + n; i++) {
		struct pooldns_cell p[POOLDNS_POOL_NCOLS], m[POOLDNS_MEMBER_NCOLS];
		char name[64], host[64];
		bool check = i % 10 == 0;

		snprintf(name, sizeof name, "p%07zu.bench.example.", i + 1);
		p[0] = c_int((int64_t)i + 1);
		p[1] = c_text(name);
		p[2] = c_int(30);
		p[3] = c_text(i % 5 == 0 ? "weighted" : "round_robin");
		p[4] = c_int(8);
		p[5] = c_text(i % 3 == 0 ? "none" : "all");
		p[6] = c_text(check ? "http" : "none");
		p[7] = check ? c_int(8080) : c_text(NULL);
		p[8] = c_text(check ? "/health" : "/");
		p[9] = c_text(check ? "www.bench.example" : NULL);
		p[10] = c_int(200);
		p[11] = c_text(check ? "OK" : NULL);
		p[12] = c_int(5000);
		p[13] = c_int(2000);
		p[14] = c_int(2);
		p[15] = c_int(3);
		if (pooldns_table_add_row(ds->pools, p) != 0)
			die("building", "out of memory");
		for (size_t k = 0; k < members; k++) {
			size_t id = i * members + k;
			if (k == 3 || k >= 4)
				snprintf(host, sizeof host, "2001:db8:%zx:%zx::%zx", id >> 32,
					 (id >> 16) & 0xffff, id & 0xffff);
			else
				snprintf(host, sizeof host, "10.%zu.%zu.%zu", (id >> 16) & 0xff,
					 (id >> 8) & 0xff, id & 0xff);
			m[0] = c_int((int64_t)id + 1);
			m[1] = c_int((int64_t)i + 1);
			m[2] = c_text(host);
			m[3] = c_int(id % 4 == 1 ? 5 : 1);
			m[4] = c_int(id % 4 == 2 ? 1 : 0);
			m[5] = c_int(id % 7 == 0 ? 0 : 1);
			if (pooldns_table_add_row(ds->members, m) != 0)
				die("building", "out of memory");
		}
	}
}

static void dataset_init(struct pooldns_dataset *ds, int64_t version)
{
	ds->version = version;
	ds->pools = pooldns_table_new(POOLDNS_POOL_NCOLS, pooldns_pool_columns);
	ds->members = pooldns_table_new(POOLDNS_MEMBER_NCOLS, pooldns_member_columns);
	if (ds->pools == NULL || ds->members == NULL)
		die("building", "out of memory");
}

static int put_record(void *ctx, struct pooldns_pool *rec)
{
	return pooldns_model_put(ctx, rec);
}

/* The snapshot, made page by page as a paged full load makes it. */
static struct pooldns_snapshot *build(size_t pools, size_t members)
{
	struct pooldns_model *m = pooldns_model_new(NULL, NULL);
	struct pooldns_dataset ds;
	char err[512];

	if (m == NULL || pooldns_model_begin(m, true) != 0)
		die("building", "out of memory");
	dataset_init(&ds, 1);
	for (size_t first = 0; first < pools; first += BUILD_PAGE) {
		size_t n = pools - first < BUILD_PAGE ? pools - first : BUILD_PAGE;
		add_rows(&ds, first, n, members);
		if (pooldns_build_records(&ds, put_record, m, NULL, err, sizeof err) != 0)
			die("building", err);
		pooldns_table_clear_rows(ds.pools);
		pooldns_table_clear_rows(ds.members);
	}
	pooldns_dataset_clear(&ds);
	struct pooldns_snapshot *s = pooldns_model_commit(m, 1000, -1, NULL);
	pooldns_model_free(m);
	if (s == NULL)
		die("building", "out of memory");
	return s;
}

struct apply {
	struct pooldns_model *model;
	size_t pages;
	size_t bad;
};

static int apply_page(void *ctx, const struct pooldns_dataset *page, char *err, size_t errsz)
{
	struct apply *a = ctx;
	struct pooldns_build_stats st;

	a->pages++;
	if (pooldns_build_records(page, put_record, a->model, &st, err, errsz) != 0)
		return -1;
	a->bad += st.bad_pools + st.bad_members;
	return 0;
}

static struct pooldns_snapshot *load(const char *path, size_t page)
{
	struct apply a = { .model = pooldns_model_new(NULL, NULL) };
	char err[1024];
	int64_t version = 0;

	if (a.model == NULL || pooldns_model_begin(a.model, true) != 0)
		die("reading", "out of memory");
	if (pooldns_cache_load(path, page, apply_page, &a, &version, err, sizeof err) != 0) {
		pooldns_model_free(a.model);
		die("reading", err);
	}
	struct pooldns_snapshot *s = pooldns_model_commit(a.model, version, -1, NULL);
	pooldns_model_free(a.model);
	if (s == NULL)
		die("reading", "out of memory");
	printf("read %zu pools, %zu members in %zu pages of %zu, %zu bad rows\n", s->npools,
	       s->nmembers, a.pages, page, a.bad);
	return s;
}

static void file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		printf("%s: %.1f MiB\n", path, (double)st.st_size / (1024.0 * 1024.0));
}

static size_t arg(int argc, char **argv, int i, size_t dflt)
{
	return argc > i ? (size_t)strtoull(argv[i], NULL, 10) : dflt;
}

int main(int argc, char **argv)
{
	struct phase ph;
	char err[1024];

	if (argc < 3) {
		fprintf(stderr,
			"usage: cachebench write|read|roundtrip|write-v1 FILE [POOLS [MEMBERS]] "
			"(read: FILE [PAGE])\n");
		return 2;
	}
	const char *mode = argv[1], *path = argv[2];
	size_t pools = arg(argc, argv, 3, DEFAULT_POOLS);
	size_t members = arg(argc, argv, 4, DEFAULT_MEMBERS);

	if (strcmp(mode, "read") == 0) {
		phase_start(&ph);
		struct pooldns_snapshot *s = load(path, arg(argc, argv, 3, BUILD_PAGE));
		phase_end(&ph, "read file -> snapshot");
		pooldns_snapshot_free(s);
		return 0;
	}
	if (strcmp(mode, "write-v1") == 0) {
		struct pooldns_dataset ds;
		phase_start(&ph);
		dataset_init(&ds, 1000);
		add_rows(&ds, 0, pools, members);
		phase_end(&ph, "dataset in memory");
		phase_start(&ph);
		if (cachefile_write_v1(path, &ds, err, sizeof err) != 0)
			die("writing", err);
		phase_end(&ph, "write format 1");
		file_size(path);
		pooldns_dataset_clear(&ds);
		return 0;
	}
	if (strcmp(mode, "write") != 0 && strcmp(mode, "roundtrip") != 0) {
		fprintf(stderr, "cachebench: unknown mode %s\n", mode);
		return 2;
	}
	phase_start(&ph);
	struct pooldns_snapshot *s = build(pools, members);
	phase_end(&ph, "build snapshot");
	printf("snapshot: %zu pools, %zu members\n", s->npools, s->nmembers);
	phase_start(&ph);
	if (pooldns_cache_write_snapshot(path, s, err, sizeof err) != 0)
		die("writing", err);
	phase_end(&ph, "write format 2");
	file_size(path);
	if (strcmp(mode, "roundtrip") == 0) {
		phase_start(&ph);
		struct pooldns_snapshot *r = load(path, arg(argc, argv, 5, BUILD_PAGE));
		phase_end(&ph, "read file -> snapshot");
		const struct pooldns_pool *p;
		size_t same = 0;
		for (size_t it = 0; (p = pooldns_snapshot_next(s, &it)) != NULL;) {
			const struct pooldns_pool *q =
				pooldns_snapshot_lookup(r, p->name, p->name_len);
			if (q == NULL || !pooldns_pool_equal(p, q))
				die("comparing", p->name_text);
			same++;
		}
		if (same != r->npools || s->nmembers != r->nmembers || s->version != r->version)
			die("comparing", "different counts or version");
		printf("round trip: %zu pools equal\n", same);
		pooldns_snapshot_free(r);
	}
	pooldns_snapshot_free(s);
	return 0;
}
