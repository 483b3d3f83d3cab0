/*
 * snapshot.c — lookups in an immutable snapshot (see snapshot.h) and the
 * small name tables of the enums that live in it.
 *
 * Owns nothing at run time: snapshots are made by model.c. Here are the
 * read paths: exact lookup by lower-cased wire name (the persistent table
 * of ptab.c, FNV-1a from dname.c), closest-enclosing pool (walks the
 * name's parents), the empty-non-terminal test (the set of proper
 * ancestors), iteration, and freeing a retired snapshot.
 *
 * Thread model: lookups are pure reads of a published snapshot and may run
 * on any number of threads inside an RCU read-side section; they never lock
 * and never allocate. pooldns_snapshot_free() runs once, after the grace
 * period, on whichever thread retires the snapshot.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "core/model/snapshot.h"

/* Length of the first label + 1, or 0 when name is the root or malformed. */
static size_t first_label_skip(const uint8_t *name, size_t len)
{
	size_t skip;

	if (len < 2 || name[0] == 0 || name[0] > POOLDNS_LABEL_MAX)
		return 0;
	skip = (size_t)name[0] + 1;
	if (skip >= len)
		return 0;
	return skip;
}

struct pooldns_pool *pooldns_snapshot_lookup(const struct pooldns_snapshot *snap,
					     const uint8_t *name, size_t len)
{
	if (snap == NULL || len == 0 || len > POOLDNS_NAME_MAX)
		return NULL;
	/* Records are shared and carry the mutable rotation counter, so the
	 * snapshot hands them out as non-const (see snapshot.h). */
	return (struct pooldns_pool *)pooldns_ptab_get(&snap->pools, name, len,
						       pooldns_dname_hash(name, len));
}

struct pooldns_pool *pooldns_snapshot_find_closest(const struct pooldns_snapshot *snap,
						   const uint8_t *name, size_t len)
{
	struct pooldns_pool *p;
	size_t skip;

	if (snap == NULL || len == 0 || len > POOLDNS_NAME_MAX)
		return NULL;
	for (;;) {
		p = pooldns_snapshot_lookup(snap, name, len);
		if (p != NULL)
			return p;
		skip = first_label_skip(name, len);
		if (skip == 0)
			return NULL;
		name += skip;
		len -= skip;
	}
}

bool pooldns_snapshot_has_descendant(const struct pooldns_snapshot *snap, const uint8_t *name,
				     size_t len)
{
	if (snap == NULL || len == 0 || len > POOLDNS_NAME_MAX)
		return false;
	/* The root is left out of the set: every pool is below it. */
	if (len == 1 && name[0] == 0)
		return snap->npools > 0;
	return pooldns_ptab_get(&snap->ancestors, name, len, pooldns_dname_hash(name, len)) != NULL;
}

struct pooldns_pool *pooldns_snapshot_next(const struct pooldns_snapshot *snap, size_t *it)
{
	if (snap == NULL)
		return NULL;
	while (*it < snap->pools.nslots) {
		const void *rec = pooldns_ptab_slot(&snap->pools, (*it)++);
		if (rec != NULL)
			return (struct pooldns_pool *)rec;
	}
	return NULL;
}

struct pooldns_pool *pooldns_snapshot_pool_by_id(const struct pooldns_snapshot *snap, int64_t id)
{
	struct pooldns_pool *p;

	for (size_t it = 0; (p = pooldns_snapshot_next(snap, &it)) != NULL;)
		if (p->id == id)
			return p;
	return NULL;
}

/* Frees every record of t (records are single heap blocks). */
static void free_records(struct pooldns_ptab *t)
{
	for (size_t i = 0; i < t->nslots; i++) {
		const void *rec = pooldns_ptab_slot(t, i);
		if (rec != NULL)
			free((void *)rec);
	}
}

void pooldns_snapshot_free(struct pooldns_snapshot *snap)
{
	if (snap == NULL)
		return;
	if (snap->own_all) {
		free_records(&snap->pools);
		free_records(&snap->ancestors);
		pooldns_ptab_free_all(&snap->pools);
		pooldns_ptab_free_all(&snap->ancestors);
	}
	pooldns_garbage_free(&snap->garbage);
	free(snap);
}

static const char *const fallback_names[] = {
	[POOLDNS_FALLBACK_ALL] = "all",
	[POOLDNS_FALLBACK_NONE] = "none",
};

static const char *const check_type_names[] = {
	[POOLDNS_CHECK_NONE] = "none",
	[POOLDNS_CHECK_HTTP] = "http",
	[POOLDNS_CHECK_HTTPS] = "https",
	[POOLDNS_CHECK_TCP] = "tcp",
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

const char *pooldns_fallback_name(enum pooldns_fallback f)
{
	if ((unsigned)f >= NELEMS(fallback_names))
		return "unknown";
	return fallback_names[f];
}

int pooldns_fallback_parse(const char *s, enum pooldns_fallback *out)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < NELEMS(fallback_names); i++) {
		if (strcmp(s, fallback_names[i]) == 0) {
			*out = (enum pooldns_fallback)i;
			return 0;
		}
	}
	return -1;
}

const char *pooldns_check_type_name(enum pooldns_check_type t)
{
	if ((unsigned)t >= NELEMS(check_type_names))
		return "unknown";
	return check_type_names[t];
}

int pooldns_check_type_parse(const char *s, enum pooldns_check_type *out)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < NELEMS(check_type_names); i++) {
		if (strcmp(s, check_type_names[i]) == 0) {
			*out = (enum pooldns_check_type)i;
			return 0;
		}
	}
	return -1;
}
