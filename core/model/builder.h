/*
 * builder.h — turns a dataset (rows from a source or the cache file) into a
 * snapshot, validating every row.
 *
 * A bad row is skipped, logged with its reason ("pool id 7 'x..': unknown
 * policy 'rr'") and counted; the rest loads. Bad pool rows: unparsable or
 * duplicate name (case-insensitive), unknown policy/fallback/check type,
 * value out of range. Bad member rows: unparsable address, member of a
 * missing or skipped pool, weight/priority out of range, duplicate address
 * in a pool, more than POOLDNS_MAX_MEMBERS_PER_FAMILY in a family.
 *
 * Thread-safety: reentrant; `prev` is only read (its rr counters).
 */
#ifndef POOLDNS_BUILDER_H
#define POOLDNS_BUILDER_H

#include <stddef.h>

#include "core/model/snapshot.h"
#include "core/source/table.h"

struct pooldns_build_stats {
	size_t pools;       /* loaded */
	size_t members;     /* loaded */
	size_t bad_pools;   /* skipped */
	size_t bad_members; /* skipped */
};

/* Validates ds and hands every accepted pool, in ascending id order, to
 * fn as one record (a single heap block, see snapshot.h) that fn then
 * owns; fn returns 0, or non-zero to stop (out of memory). Duplicate names
 * within ds are skipped here; across datasets (pages) the model finds
 * them. Returns 0, or -1 with a message in err when the dataset as a whole
 * is unusable (a required column missing), memory ran out or fn stopped. */
typedef int (*pooldns_record_fn)(void *ctx, struct pooldns_pool *rec);
int pooldns_build_records(const struct pooldns_dataset *ds, pooldns_record_fn fn, void *ctx,
			  struct pooldns_build_stats *stats, char *err, size_t errsz);

/* The checks a load makes on one row alone, for programs that validate
 * data before writing it (poolctl), so that what they accept is exactly
 * what a load keeps. pools/members have the columns of POOLDNS_SQL_POOLS /
 * POOLDNS_SQL_MEMBERS (by name; others are ignored); row < nrows. Pool:
 * the name rule and every setting (ranges, policy, fallback, check type,
 * check_port for tcp, check_path, check_host); ids are not looked at.
 * Member: host (an IPv4 or IPv6 literal), weight, priority, enabled; its
 * pool is not looked at. What only a whole dataset shows (duplicate names,
 * duplicate hosts in a pool, more than POOLDNS_MAX_MEMBERS_PER_FAMILY
 * members of a family, a missing pool) is left to the caller. 0, or -1
 * with the reason in why (e.g. "unknown policy \"rr\"", without the row's
 * name; also a missing column). */
int pooldns_build_check_pool_row(const struct pooldns_table *pools, size_t row, char *why,
				 size_t whysz);
int pooldns_build_check_member_row(const struct pooldns_table *members, size_t row, char *why,
				   size_t whysz);

/* Builds a stand-alone snapshot from ds (owned by the caller, shares
 * nothing). prev (may be NULL) gives round-robin counters
 * to carry over. Returns NULL only when the dataset as a whole is unusable
 * (a required column missing, out of memory), with a message in err. */
struct pooldns_snapshot *pooldns_snapshot_build(const struct pooldns_dataset *ds,
						const struct pooldns_snapshot *prev,
						struct pooldns_build_stats *stats, char *err,
						size_t errsz);

#endif
