/*
 * conf_schema.h — the table of configuration keys: one row per key, as in
 * Knot DNS's conf/schema.c. A row says what the key is called, what its
 * values look like (type, range, choices, list or not), its default, where
 * it is stored in struct pooldns_config, who reads it (both front ends or
 * the standalone server only), whether SIGHUP applies it, and its help.
 *
 * Everything that knows about keys reads this table: the parser and the
 * defaults (conf.c, through conf_value.c), the cross-key check of stored
 * numbers, --help and --key=value flags (standalone/options.c), the SIGHUP
 * restart rule (standalone/main.c), the unit tests and the test that every
 * key is documented (tests/conf-keys-documented.sh). Adding a key means
 * adding a member to struct pooldns_config, a row in conf_schema.c, and its
 * documentation in doc/pooldns.conf.5, doc/pooldns.8 and README.md.
 *
 * Ownership: the table is static and read-only. Thread-safety: no state;
 * every function may be called from any thread on configurations that
 * thread may touch (see conf.h).
 */
#ifndef POOLDNS_CONF_SCHEMA_H
#define POOLDNS_CONF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/conf.h"

/* What a value looks like; the type also fixes how it is stored. */
enum pooldns_config_type {
	POOLDNS_CONFIG_STRING = 0, /* free text; char * (NULL when unset) */
	POOLDNS_CONFIG_NUMBER,     /* decimal integer in min..max; an integer member */
	POOLDNS_CONFIG_CHOICE,     /* one word of `choices`; an enum member */
	POOLDNS_CONFIG_ADDRESS,    /* IPv4 or IPv6 literal, no port; char * */
	POOLDNS_CONFIG_LISTEN,     /* a.b.c.d[:port], [v6][:port] or bare v6; char * */
	POOLDNS_CONFIG_URL,        /* http[s]://host[:port][/]; char * */
	POOLDNS_CONFIG_NAME, /* domain name; uint8_t[POOLDNS_NAME_MAX] wire + uint8_t length */
};

/* C type of a NUMBER or CHOICE member (found by _Generic in the table). */
enum pooldns_config_ctype {
	POOLDNS_CONFIG_INT = 0,
	POOLDNS_CONFIG_UINT, /* unsigned int, uint32_t and (with GCC/Clang) enums */
	POOLDNS_CONFIG_USHORT,
	POOLDNS_CONFIG_LONG,
};

/* Who reads the key. */
enum pooldns_config_scope {
	POOLDNS_CONFIG_SHARED = 0, /* the standalone server and the Unbound module */
	POOLDNS_CONFIG_SERVER,     /* the standalone server only; the module ignores it */
	POOLDNS_CONFIG_MODULE,     /* the Unbound module only; the standalone server ignores
				    * it in a file and has no flag for it */
};

/* What SIGHUP does with a changed value (standalone server; the module
 * rebuilds everything on an Unbound reload). */
enum pooldns_config_reload {
	POOLDNS_CONFIG_LIVE = 0, /* applied */
	POOLDNS_CONFIG_RESTART,  /* logged as needing a restart, old value kept */
};

struct pooldns_config_choice {
	const char *name;
	int value;
};

struct pooldns_config_key {
	const char *name; /* also the flag: --name=value */
	enum pooldns_config_type type;
	bool list; /* may repeat; values accumulate, a value given twice is an error */
	enum pooldns_config_scope scope;
	enum pooldns_config_reload reload;

	/* The value as text, set through the same code as a file line by
	 * pooldns_config_init(). NULL: unset (NULL string, empty list, no
	 * name). A list's default is replaced by the first value given. */
	const char *dflt;
	long min, max;                               /* NUMBER: inclusive range */
	const struct pooldns_config_choice *choices; /* CHOICE: ends with { NULL } */
	/* An extra rule on top of the type (e.g. no ':' in a user name): NULL
	 * when value is fine, else why not. Not called for "" on a non-list
	 * key, which clears it. */
	const char *(*check)(const char *value);

	/* Storage, as offsets into struct pooldns_config. */
	size_t offset;                   /* the value; a list: the array */
	size_t size;                     /* sizeof the member at offset */
	enum pooldns_config_ctype ctype; /* NUMBER, CHOICE */
	size_t len_offset;               /* NAME: uint8_t length (a list: uint8_t array) */
	size_t count_offset;             /* list: size_t number of entries */
	size_t set_offset; /* list with a default: bool, true once a value replaced it */
	size_t max_count;  /* list: capacity */

	/* Documentation (--help). */
	const char *metavar; /* --name=METAVAR; NULL for a CHOICE: the choices */
	const char *unset;   /* shown as the default when dflt is NULL; NULL: "none" */
	const char *help;    /* one line; a NUMBER's range is appended */
};

/* Every key, in --help order, ended by a row with a NULL name. */
extern const struct pooldns_config_key pooldns_config_schema[];

/* The row called name (exact match), or NULL. */
const struct pooldns_config_key *pooldns_config_key_find(const char *name);

/*
 * Operations on one row's value (conf_value.c). Arguments come in one
 * order throughout: configuration(s), row, value, where, err, errsz.
 */

/* The row's value is the same in a and b. */
bool pooldns_config_key_equal(const struct pooldns_config *a, const struct pooldns_config *b,
			      const struct pooldns_config_key *k);

/* Exchanges the row's value (for a list also its count and set flag)
 * between a and b; owned strings move with it. */
void pooldns_config_key_swap(struct pooldns_config *a, struct pooldns_config *b,
			     const struct pooldns_config_key *k);

/* A NUMBER or CHOICE row's stored value. */
long pooldns_config_key_number(const struct pooldns_config *cfg,
			       const struct pooldns_config_key *k);

/* A CHOICE row's words joined by sep, with last_sep before the last one
 * ("a, b or c" or "a|b|c"); cut to fit outsz. */
void pooldns_config_key_choices(const struct pooldns_config_key *k, const char *sep,
				const char *last_sep, char *out, size_t outsz);

#endif
