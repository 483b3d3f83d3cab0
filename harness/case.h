/*
 * case.h — the parsed form of a pooldns-harness `.case` file and its parser.
 *
 * A case is a flat, ordered list of steps. A query step (`query`, `raw`) is
 * followed by the `expect` steps that check its responses; a `wait-until`
 * step owns the steps up to its matching `end` (its body) and repeats them.
 * The text format is documented in harness/README.md and
 * doc/pooldns-harness.1; this header is its in-memory model.
 *
 * Ownership: a struct pooldns_case owns every step, string and ldns_rr in
 * it; pooldns_case_free() releases all of it. The parser never keeps a
 * pointer into the caller's buffer.
 *
 * Thread-safety: none needed; one case is parsed and run by one thread.
 * The parser does not touch the network, the store or any global state, so
 * the fuzz target (fuzz/fuzz_case.c) can call it on any bytes.
 */
#ifndef POOLDNS_HARNESS_CASE_H
#define POOLDNS_HARNESS_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* Targets a line may be limited to with an `@name` prefix (bit mask). */
#define POOLDNS_CASE_TARGET_STANDALONE 0x1u
#define POOLDNS_CASE_TARGET_UNBOUND    0x2u

/* Parser limits: anything larger is an error, never a crash. */
#define POOLDNS_CASE_MAX_LINE    65536 /* one logical line, continuations joined */
#define POOLDNS_CASE_MAX_STEPS   20000
#define POOLDNS_CASE_MAX_RRS     1024 /* records in one expect block */
#define POOLDNS_CASE_MAX_REPEAT  100000
#define POOLDNS_CASE_MAX_WAIT_MS 600000 /* any timeout or sleep */

enum pooldns_step_kind {
	POOLDNS_STEP_SQL = 1, /* sql STATEMENT: run in the store now */
	POOLDNS_STEP_CLEANUP, /* cleanup sql STATEMENT: run when the case ends */
	POOLDNS_STEP_SYNC,    /* sync NAME: wait for SOA serial >= data version */
	POOLDNS_STEP_SLEEP,   /* sleep MS */
	POOLDNS_STEP_QUERY,   /* query NAME [TYPE] [CLASS] [options] */
	POOLDNS_STEP_RAW,     /* raw [options] HEX... */
	POOLDNS_STEP_EXPECT,  /* expect ...: checks the preceding query */
	POOLDNS_STEP_WAIT,    /* wait-until [options] ... end */
	POOLDNS_STEP_BACKEND, /* backend NAME ...: fake health-check backends */
};

enum pooldns_section {
	POOLDNS_SEC_ANSWER = 0,
	POOLDNS_SEC_AUTHORITY,
	POOLDNS_SEC_ADDITIONAL,
};

enum pooldns_expect_kind {
	POOLDNS_EXP_RESPONSE = 1, /* response required | none | optional */
	POOLDNS_EXP_RCODE,        /* full (extended) rcode */
	POOLDNS_EXP_FLAGS,        /* header bits set / clear */
	POOLDNS_EXP_COUNT,        /* number of records in a section */
	POOLDNS_EXP_TTL,          /* TTL of every record in a section */
	POOLDNS_EXP_SET,          /* section exactly / contains / within / excludes RRs */
	POOLDNS_EXP_TYPES,        /* every record of a section has one of the types */
	POOLDNS_EXP_SOA,          /* exactly one SOA in a section, with checks */
	POOLDNS_EXP_QUESTION,     /* question echoed byte for byte */
	POOLDNS_EXP_EDNS,         /* OPT present (with checks) or absent */
	/* Aggregates over all responses of a repeated query: */
	POOLDNS_EXP_SEEN,     /* every listed RR in some response's answer */
	POOLDNS_EXP_SAME,     /* every response has the same answer set */
	POOLDNS_EXP_COUNT_OF, /* how many responses' answers include RR */
	POOLDNS_EXP_FIRST_OF, /* how many responses have RR as first answer */
};

enum pooldns_response_mode {
	POOLDNS_RESP_REQUIRED = 0, /* default: no response fails the case */
	POOLDNS_RESP_NONE,         /* a response fails the case */
	POOLDNS_RESP_OPTIONAL,     /* other checks apply only to responses that came */
};

enum pooldns_set_mode {
	POOLDNS_SET_EXACTLY = 1, /* same records, any order */
	POOLDNS_SET_CONTAINS,    /* every listed record is present */
	POOLDNS_SET_WITHIN,      /* every present record is listed */
	POOLDNS_SET_EXCLUDES,    /* no listed record is present */
};

/* Header flag bits, in the order of the second header word. */
#define POOLDNS_CASE_FLAG_QR 0x8000u
#define POOLDNS_CASE_FLAG_AA 0x0400u
#define POOLDNS_CASE_FLAG_TC 0x0200u
#define POOLDNS_CASE_FLAG_RD 0x0100u
#define POOLDNS_CASE_FLAG_RA 0x0080u
#define POOLDNS_CASE_FLAG_AD 0x0020u
#define POOLDNS_CASE_FLAG_CD 0x0010u

/* An inclusive range of unsigned values (MAX = UINT32_MAX: no upper bound). */
struct pooldns_range {
	uint32_t min, max;
};

/* A record an expectation names; TTL is compared only when ttl_given. */
struct pooldns_case_rr {
	ldns_rr *rr;
	bool ttl_given;
};

/* Tri-state for optional boolean checks. */
enum pooldns_tri { POOLDNS_TRI_ANY = 0, POOLDNS_TRI_YES, POOLDNS_TRI_NO };

/* A serial check value: a number, or the data version read by the last sync. */
struct pooldns_serial_ref {
	bool set;
	bool use_version;
	uint32_t value;
};

struct pooldns_expect {
	enum pooldns_expect_kind kind;
	enum pooldns_section section;
	enum pooldns_response_mode response; /* RESPONSE */
	uint16_t rcode;                      /* RCODE: 0..4095 */
	uint16_t flags_set, flags_clear;     /* FLAGS */
	struct pooldns_range range;          /* COUNT, TTL, COUNT_OF, FIRST_OF */
	enum pooldns_set_mode set_mode;      /* SET */
	struct pooldns_case_rr *rrs;         /* SET, SEEN, COUNT_OF, FIRST_OF */
	size_t nrrs;
	uint16_t *types; /* TYPES */
	size_t ntypes;
	/* SOA */
	ldns_rdf *soa_owner;                      /* NULL: any owner */
	struct pooldns_serial_ref soa_serial;     /* serial == value */
	struct pooldns_serial_ref soa_serial_min; /* serial >= value (RFC 1982) */
	bool soa_ttl_set;
	struct pooldns_range soa_ttl;
	/* EDNS */
	bool edns_present;
	bool edns_version_set;
	uint8_t edns_version;
	bool edns_payload_set;
	struct pooldns_range edns_payload;
	enum pooldns_tri edns_do;
	bool ecs_scope_set;
	uint8_t ecs_scope;
};

struct pooldns_query_spec {
	/* query */
	ldns_rdf *qname; /* as written: its case is what is sent */
	ldns_rr_type qtype;
	ldns_rr_class qclass;
	bool edns;
	uint16_t payload; /* EDNS UDP size, default 1232 */
	uint8_t edns_version;
	bool do_bit, rd, cd, ad;
	bool ecs;
	int ecs_family; /* 1 = IPv4, 2 = IPv6 (RFC 7871 FAMILY) */
	uint8_t ecs_addr[16];
	uint8_t ecs_prefix;
	/* raw */
	uint8_t *raw;
	size_t raw_len;
	/* both */
	bool tcp;
	uint32_t repeat;     /* >= 1 */
	uint32_t timeout_ms; /* 0: the command line default */
};

/* Fake health-check backends run by the harness (backend.h). */
#define POOLDNS_CASE_MAX_BACKENDS     32   /* declared in one case */
#define POOLDNS_CASE_MAX_BACKEND_NAME 32   /* characters of a backend name */
#define POOLDNS_CASE_MAX_BODY         4096 /* bytes of a response body */

enum pooldns_backend_kind {
	POOLDNS_BACKEND_HTTP = 1,
	POOLDNS_BACKEND_HTTPS,
	POOLDNS_BACKEND_TCP,
};

enum pooldns_backend_op {
	POOLDNS_BACKEND_START = 1,    /* backend NAME KIND ADDR PORT [options] */
	POOLDNS_BACKEND_SET,          /* backend NAME set options */
	POOLDNS_BACKEND_DOWN,         /* backend NAME down: close the listener */
	POOLDNS_BACKEND_UP,           /* backend NAME up: listen again */
	POOLDNS_BACKEND_RESET,        /* backend NAME reset: forget requests seen */
	POOLDNS_BACKEND_EXPECT_COUNT, /* backend NAME expect requests RANGE [...] */
	POOLDNS_BACKEND_EXPECT_LAST,  /* backend NAME expect request [...] */
};

struct pooldns_backend_spec {
	enum pooldns_backend_op op;
	char name[POOLDNS_CASE_MAX_BACKEND_NAME + 1];
	enum pooldns_backend_kind kind; /* of the backend named (every op) */
	/* START */
	int family; /* AF_INET or AF_INET6 (loopback only) */
	uint8_t addr[16];
	char addr_text[64];
	uint16_t port;
	bool start_down; /* declared but not listening yet */
	/* START, SET: response settings (http, https); *_set = given */
	bool status_set, body_set, delay_set, close_set;
	uint16_t status;   /* 100..599, default 200 */
	char *body;        /* default "OK" */
	uint32_t delay_ms; /* before answering, default 0 */
	bool close_conn;   /* read the request, close without answering */
	/* EXPECT_COUNT, EXPECT_LAST: filters / checks, NULL = any */
	struct pooldns_range range;     /* EXPECT_COUNT */
	uint32_t over_ms;               /* EXPECT_COUNT: 0 = since start/reset */
	char *path, *host, *user_agent; /* user_agent: substring */
};

struct pooldns_step {
	enum pooldns_step_kind kind;
	unsigned line;                 /* first physical line of the directive */
	unsigned targets;              /* 0: every target; else POOLDNS_CASE_TARGET_* mask */
	char *text;                    /* SQL, CLEANUP: the statement */
	ldns_rdf *name;                /* SYNC: SOA name to poll */
	uint32_t timeout_ms;           /* SYNC, WAIT: 0 means the default */
	uint32_t interval_ms;          /* WAIT: pause between rounds; SLEEP: duration */
	uint32_t within_ms;            /* WAIT: must hold within this (0: no bound) */
	uint32_t after_ms;             /* WAIT: must not hold before this (0: none) */
	size_t body_end;               /* WAIT: index one past its last body step */
	struct pooldns_backend_spec b; /* BACKEND */
	struct pooldns_query_spec q;   /* QUERY, RAW */
	struct pooldns_expect e;       /* EXPECT */
};

struct pooldns_case {
	char *name; /* for messages, e.g. "001-basic.case" */
	struct pooldns_step *steps;
	size_t nsteps;
};

/* Parses a case from buf[0..len) (need not be NUL-terminated; a NUL byte is
 * an error). name is used in messages and copied. On success fills *out and
 * returns 0; on failure returns -1 with "NAME:LINE: message" in err and
 * leaves *out empty (nothing to free). */
int pooldns_case_parse(const char *buf, size_t len, const char *name, struct pooldns_case *out,
		       char *err, size_t errsz);

/* Reads and parses a file; name in messages is the path's last component. */
int pooldns_case_load(const char *path, struct pooldns_case *out, char *err, size_t errsz);

/* Frees everything a parsed case owns; safe on a zeroed struct. */
void pooldns_case_free(struct pooldns_case *c);

/* Parses a target name ("standalone", "unbound") into its mask bit; 0 if
 * unknown. */
unsigned pooldns_case_target_parse(const char *s);

/* Name of a section ("answer", ...). */
const char *pooldns_case_section_name(enum pooldns_section s);

/* Rcode from a name (NOERROR, ..., BADVERS) or a number 0..4095; -1 if bad. */
int pooldns_case_rcode_parse(const char *s);
/* Name of an rcode, or its number written into buf. */
const char *pooldns_case_rcode_name(unsigned rcode, char *buf, size_t bufsz);

#endif
