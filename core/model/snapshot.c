/*
 * snapshot.c — lookups in an immutable snapshot (see snapshot.h) and the
 * small name tables of the enums that live in it.
 *
 * Owns nothing at run time: a snapshot and everything it points at live in
 * its arena, built by builder.c. Here are the read paths: exact lookup by
 * lower-cased wire name (open addressing, linear probing, FNV-1a from
 * dname.c), closest-enclosing pool (walks the name's parents) and the
 * empty-non-terminal test (the builder's set of proper ancestors).
 *
 * Thread model: lookups are pure reads of a published snapshot and may run
 * on any number of threads inside an RCU read-side section; they never lock
 * and never allocate. pooldns_snapshot_free() runs once, after the grace
 * period, on whichever thread retires the snapshot.
 */
#include "config.h"

#include <string.h>

#include "core/model/arena.h"
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

const struct pooldns_pool *pooldns_snapshot_lookup(const struct pooldns_snapshot *snap,
						   const uint8_t *name, size_t len)
{
	size_t mask, i;
	uint32_t slot;

	if (snap == NULL || snap->nbuckets == 0 || len == 0 || len > POOLDNS_NAME_MAX)
		return NULL;
	mask = snap->nbuckets - 1;
	i = pooldns_dname_hash(name, len) & mask;
	/* The table is at most half full, so an empty slot ends every probe. */
	for (size_t probes = 0; probes < snap->nbuckets; probes++) {
		slot = snap->buckets[i];
		if (slot == 0)
			return NULL;
		const struct pooldns_pool *p = &snap->pools[slot - 1];
		if (p->name_len == len && memcmp(p->name, name, len) == 0)
			return p;
		i = (i + 1) & mask;
	}
	return NULL;
}

const struct pooldns_pool *pooldns_snapshot_find_closest(const struct pooldns_snapshot *snap,
							 const uint8_t *name, size_t len)
{
	const struct pooldns_pool *p;
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
	size_t mask, i;

	if (snap == NULL || len == 0 || len > POOLDNS_NAME_MAX)
		return false;
	/* The root is left out of the set: every pool is below it. */
	if (len == 1 && name[0] == 0)
		return snap->npools > 0;
	if (snap->anc == NULL || snap->nanc == 0)
		return false;
	mask = snap->nanc - 1;
	i = pooldns_dname_hash(name, len) & mask;
	for (size_t probes = 0; probes < snap->nanc; probes++) {
		const uint8_t *e = snap->anc[i];
		if (e == NULL)
			return false;
		if (e[0] == len && memcmp(e + 1, name, len) == 0)
			return true;
		i = (i + 1) & mask;
	}
	return false;
}

void pooldns_snapshot_free(struct pooldns_snapshot *snap)
{
	if (snap == NULL)
		return;
	/* The snapshot header itself lives in its arena. */
	pooldns_arena_free(snap->arena);
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
