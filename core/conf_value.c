/*
 * conf_value.c — what a configuration value means: pooldns_config_init()
 * (every row's default), pooldns_config_set() (find the row, check the
 * value against its type, range and extra rule, store it where the row
 * points), pooldns_config_free(), and the row operations of conf_schema.h
 * (compare, swap, read a number, list the choices).
 *
 * Nothing here names a key: the table in conf_schema.c does. A default is
 * set through the same code as a file line, so a default that its own row
 * would refuse fails the schema unit test. Errors name where
 * ("pooldns.conf:12" or "--listen"), the key and the offending value:
 *   pooldns.conf:12: listen: "1.2.3.4:99999": port out of range
 *
 * Owns: the heap copies of string values stored in a struct pooldns_config
 * (freed by pooldns_config_free). Thread model: no shared state; a config
 * is built by one thread and read-only afterwards.
 */
#include "config.h"

#include "core/conf_schema.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns/dname.h"
#include "core/dns/resolve.h"

/* ---- where a row's value lives ----------------------------------------- */

static void *field(struct pooldns_config *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

static const void *cfield(const struct pooldns_config *cfg, size_t offset)
{
	return (const char *)cfg + offset;
}

/* A list's "a value replaced the default" flag; NULL for a list without a
 * default, which only ever appends. */
static bool *set_flag(struct pooldns_config *cfg, const struct pooldns_config_key *k)
{
	return k->list && k->dflt != NULL ? field(cfg, k->set_offset) : NULL;
}

static void store_integer(struct pooldns_config *cfg, const struct pooldns_config_key *k, long v)
{
	void *p = field(cfg, k->offset);

	switch (k->ctype) {
	case POOLDNS_CONFIG_INT:
		*(int *)p = (int)v;
		break;
	case POOLDNS_CONFIG_UINT:
		*(unsigned int *)p = (unsigned int)v;
		break;
	case POOLDNS_CONFIG_USHORT:
		*(unsigned short *)p = (unsigned short)v;
		break;
	case POOLDNS_CONFIG_LONG:
		*(long *)p = v;
		break;
	}
}

long pooldns_config_key_number(const struct pooldns_config *cfg, const struct pooldns_config_key *k)
{
	const void *p = cfield(cfg, k->offset);

	switch (k->ctype) {
	case POOLDNS_CONFIG_INT:
		return *(const int *)p;
	case POOLDNS_CONFIG_UINT:
		return (long)*(const unsigned int *)p;
	case POOLDNS_CONFIG_USHORT:
		return *(const unsigned short *)p;
	case POOLDNS_CONFIG_LONG:
		return *(const long *)p;
	}
	return 0;
}

static bool is_text(enum pooldns_config_type t)
{
	return t == POOLDNS_CONFIG_STRING || t == POOLDNS_CONFIG_ADDRESS ||
	       t == POOLDNS_CONFIG_LISTEN || t == POOLDNS_CONFIG_URL;
}

static void free_list(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(list[i]);
		list[i] = NULL;
	}
	*n = 0;
}

/* ---- error messages ---------------------------------------------------- */

/* Copies value for an error message: non-printable bytes become '?', long
 * values are cut with "...". */
static void printable(const char *value, char *out, size_t outsz)
{
	size_t i = 0, j = 0;
	for (; value[i] != '\0' && j + 4 < outsz; i++)
		out[j++] = (value[i] >= 0x20 && value[i] < 0x7f) ? value[i] : '?';
	if (value[i] != '\0' && j + 4 >= outsz && outsz >= 4) {
		j = outsz - 4;
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

__attribute__((format(printf, 6, 7))) static int value_error(const struct pooldns_config_key *k,
							     const char *value, const char *where,
							     char *err, size_t errsz,
							     const char *fmt, ...)
{
	char v[128], why[256];
	va_list ap;

	printable(value, v, sizeof(v));
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errsz, "%s: %s: \"%s\": %s", where, k->name, v, why);
	return -1;
}

static int out_of_memory(const struct pooldns_config_key *k, const char *where, char *err,
			 size_t errsz)
{
	snprintf(err, errsz, "%s: %s: out of memory", where, k->name);
	return -1;
}

/* ---- value checks: NULL when fine, else why not ------------------------ */

/* Decimal only: digits, no sign, no spaces, no 0x. */
static const char *parse_number(const char *s, long min, long max, long *out)
{
	long v = 0;

	if (*s == '\0')
		return "a number is required";
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return "not a decimal number";
		if (v > (LONG_MAX - (*p - '0')) / 10)
			return "out of range";
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return "out of range";
	*out = v;
	return NULL;
}

/* Port text: 1..65535, decimal. */
static const char *check_port(const char *s)
{
	long v;

	if (parse_number(s, 1, 65535, &v) == NULL)
		return NULL;
	if (*s != '\0' && strspn(s, "0123456789") == strlen(s))
		return "port out of range";
	return "bad port";
}

/* "a.b.c.d:port", "[v6]:port", "a.b.c.d" or "[v6]"/"v6" (port 53). */
static const char *check_listen(const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	size_t hl;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL)
			return "missing ']'";
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			return "bad IPv6 address";
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return "expected ':port' after ']'";
		if (inet_pton(AF_INET6, host, buf) != 1)
			return "bad IPv6 address";
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Bare IPv6 literal, port 53. */
			if (inet_pton(AF_INET6, s, buf) != 1)
				return "bad address (write IPv6 with a port as [addr]:port)";
			return NULL;
		}
		hl = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (hl == 0 || hl >= sizeof(host))
			return "bad IPv4 address";
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (colon != NULL)
			port = colon + 1;
		if (inet_pton(AF_INET, host, buf) != 1)
			return "bad IPv4 address";
	}
	return port != NULL ? check_port(port) : NULL;
}

/* http[s]://host[:port][/], host a name, IPv4 or [IPv6]. */
static const char *check_url(const char *s)
{
	const char *p;
	size_t hl;

	if (strncmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		p = s + 8;
	else
		return "must start with http:// or https://";
	for (const char *q = s; *q != '\0'; q++)
		if (*q <= 0x20 || *q >= 0x7f)
			return "space or control character in URL";
	if (*p == '[') {
		char host[INET6_ADDRSTRLEN + 1];
		unsigned char buf[sizeof(struct in6_addr)];
		const char *end = strchr(p, ']');
		if (end == NULL || (size_t)(end - p - 1) >= sizeof(host) || end == p + 1)
			return "bad IPv6 host";
		hl = (size_t)(end - p - 1);
		memcpy(host, p + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, buf) != 1)
			return "bad IPv6 host";
		p = end + 1;
	} else {
		hl = strcspn(p, ":/");
		if (hl == 0)
			return "missing host";
		for (size_t i = 0; i < hl; i++) {
			char c = p[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
				return "bad character in host";
		}
		p += hl;
	}
	if (*p == ':') {
		char port[8];
		size_t pl = strcspn(p + 1, "/");
		const char *why;
		if (pl == 0 || pl >= sizeof(port))
			return pl == 0 ? "bad port" : "port out of range";
		memcpy(port, p + 1, pl);
		port[pl] = '\0';
		why = check_port(port);
		if (why != NULL)
			return why;
		p += 1 + pl;
	}
	if (*p != '\0' && strcmp(p, "/") != 0)
		return "a path is not allowed (give the node's base URL)";
	return NULL;
}

/* An IPv4 or IPv6 literal without a port. */
static const char *check_address(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
		return "not an IPv4 or IPv6 address";
	return NULL;
}

/* ---- setters, one per type: (cfg, row, value, where, err, errsz) ------- */

static int set_number(struct pooldns_config *cfg, const struct pooldns_config_key *k,
		      const char *value, const char *where, char *err, size_t errsz)
{
	long v = 0;
	const char *why = parse_number(value, k->min, k->max, &v);

	if (why != NULL)
		return value_error(k, value, where, err, errsz, "%s (%ld..%ld)", why, k->min,
				   k->max);
	store_integer(cfg, k, v);
	return 0;
}

static int set_choice(struct pooldns_config *cfg, const struct pooldns_config_key *k,
		      const char *value, const char *where, char *err, size_t errsz)
{
	char words[256];

	for (const struct pooldns_config_choice *c = k->choices; c->name != NULL; c++) {
		if (strcmp(c->name, value) == 0) {
			store_integer(cfg, k, c->value);
			return 0;
		}
	}
	pooldns_config_key_choices(k, ", ", " or ", words, sizeof(words));
	return value_error(k, value, where, err, errsz, "expected %s", words);
}

/* STRING, ADDRESS, LISTEN, URL: checked text, stored as a heap copy. */
static int set_text(struct pooldns_config *cfg, const struct pooldns_config_key *k,
		    const char *value, const char *where, char *err, size_t errsz)
{
	const char *why = NULL;

	if (k->type == POOLDNS_CONFIG_ADDRESS)
		why = check_address(value);
	else if (k->type == POOLDNS_CONFIG_LISTEN)
		why = check_listen(value);
	else if (k->type == POOLDNS_CONFIG_URL)
		why = check_url(value);
	if (why != NULL)
		return value_error(k, value, where, err, errsz, "%s", why);

	if (!k->list) {
		char **slot = field(cfg, k->offset);
		char *copy = strdup(value);
		if (copy == NULL)
			return out_of_memory(k, where, err, errsz);
		free(*slot);
		*slot = copy;
		return 0;
	}

	char **list = field(cfg, k->offset);
	size_t *n = field(cfg, k->count_offset);
	bool *set = set_flag(cfg, k);
	size_t count = set != NULL && !*set ? 0 : *n;

	for (size_t i = 0; i < count; i++)
		if (strcmp(list[i], value) == 0)
			return value_error(k, value, where, err, errsz, "given twice");
	if (count >= k->max_count)
		return value_error(k, value, where, err, errsz, "too many (at most %zu)",
				   k->max_count);
	char *copy = strdup(value);
	if (copy == NULL)
		return out_of_memory(k, where, err, errsz);
	if (set != NULL && !*set) {
		free_list(list, n);
		*set = true;
	}
	list[(*n)++] = copy;
	return 0;
}

/* NAME: stored in wire form (lower case) with its length. */
static int set_name(struct pooldns_config *cfg, const struct pooldns_config_key *k,
		    const char *value, const char *where, char *err, size_t errsz)
{
	uint8_t wire[POOLDNS_NAME_MAX];
	int len = pooldns_dname_from_text(value, wire, sizeof(wire));

	if (value[0] == '\0' || len <= 0)
		return value_error(k, value, where, err, errsz, "not a valid domain name");
	if (!k->list) {
		memcpy(field(cfg, k->offset), wire, (size_t)len);
		*(uint8_t *)field(cfg, k->len_offset) = (uint8_t)len;
		return 0;
	}

	uint8_t(*names)[POOLDNS_NAME_MAX] = field(cfg, k->offset);
	uint8_t *lens = field(cfg, k->len_offset);
	size_t *n = field(cfg, k->count_offset);
	bool *set = set_flag(cfg, k);
	size_t count = set != NULL && !*set ? 0 : *n;

	for (size_t i = 0; i < count; i++)
		if (pooldns_dname_equal(names[i], lens[i], wire, (size_t)len))
			return value_error(k, value, where, err, errsz, "given twice");
	if (count >= k->max_count)
		return value_error(k, value, where, err, errsz, "too many (at most %zu)",
				   k->max_count);
	if (set != NULL)
		*set = true;
	memcpy(names[count], wire, (size_t)len);
	lens[count] = (uint8_t)len;
	*n = count + 1;
	return 0;
}

typedef int (*setter_fn)(struct pooldns_config *cfg, const struct pooldns_config_key *k,
			 const char *value, const char *where, char *err, size_t errsz);

static const setter_fn setters[] = {
	[POOLDNS_CONFIG_STRING] = set_text,   [POOLDNS_CONFIG_NUMBER] = set_number,
	[POOLDNS_CONFIG_CHOICE] = set_choice, [POOLDNS_CONFIG_ADDRESS] = set_text,
	[POOLDNS_CONFIG_LISTEN] = set_text,   [POOLDNS_CONFIG_URL] = set_text,
	[POOLDNS_CONFIG_NAME] = set_name,
};

/* An empty value clears a single text or name key back to "unset". */
static void clear(struct pooldns_config *cfg, const struct pooldns_config_key *k)
{
	if (k->type == POOLDNS_CONFIG_NAME) {
		*(uint8_t *)field(cfg, k->len_offset) = 0;
	} else {
		char **slot = field(cfg, k->offset);
		free(*slot);
		*slot = NULL;
	}
}

static int set_value(struct pooldns_config *cfg, const struct pooldns_config_key *k,
		     const char *value, const char *where, char *err, size_t errsz)
{
	const char *why;

	if (!k->list && value[0] == '\0' && (is_text(k->type) || k->type == POOLDNS_CONFIG_NAME)) {
		clear(cfg, k);
		return 0;
	}
	if (k->check != NULL && (why = k->check(value)) != NULL)
		return value_error(k, value, where, err, errsz, "%s", why);
	return setters[k->type](cfg, k, value, where, err, errsz);
}

/* ---- conf.h entry points ----------------------------------------------- */

void pooldns_config_init(struct pooldns_config *cfg)
{
	const struct pooldns_config_key *k;
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	/* Answer settings no key sets (the serial of zones without data). */
	pooldns_zone_cfg_defaults(&cfg->answer.zone);
	/* A default is set like any value; only running out of memory can
	 * fail here (check_conf_schema proves every default parses). */
	for (k = pooldns_config_schema; k->name != NULL; k++)
		if (k->dflt != NULL)
			(void)set_value(cfg, k, k->dflt, "default", err, sizeof(err));
	/* Defaults are not "given": the first value replaces a list's. */
	for (k = pooldns_config_schema; k->name != NULL; k++) {
		bool *set = set_flag(cfg, k);
		if (set != NULL)
			*set = false;
	}
}

void pooldns_config_free(struct pooldns_config *cfg)
{
	if (cfg == NULL)
		return;
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++) {
		if (!is_text(k->type))
			continue;
		if (k->list)
			free_list(field(cfg, k->offset), field(cfg, k->count_offset));
		else
			clear(cfg, k);
	}
	memset(cfg, 0, sizeof(*cfg));
}

int pooldns_config_set(struct pooldns_config *cfg, const char *key, const char *value,
		       const char *where, char *err, size_t errsz)
{
	const struct pooldns_config_key *k = pooldns_config_key_find(key);

	if (where == NULL)
		where = "config";
	if (k == NULL) {
		char name[128];
		printable(key, name, sizeof(name));
		snprintf(err, errsz, "%s: unknown key \"%s\"", where, name);
		return -1;
	}
	return set_value(cfg, k, value, where, err, errsz);
}

/* ---- row operations (conf_schema.h) ------------------------------------ */

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool pooldns_config_key_equal(const struct pooldns_config *a, const struct pooldns_config *b,
			      const struct pooldns_config_key *k)
{
	const void *va = cfield(a, k->offset), *vb = cfield(b, k->offset);
	size_t na = 1, nb = 1;

	if (k->type == POOLDNS_CONFIG_NUMBER || k->type == POOLDNS_CONFIG_CHOICE)
		return pooldns_config_key_number(a, k) == pooldns_config_key_number(b, k);
	if (k->list) {
		na = *(const size_t *)cfield(a, k->count_offset);
		nb = *(const size_t *)cfield(b, k->count_offset);
		if (na != nb)
			return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (k->type == POOLDNS_CONFIG_NAME) {
			const uint8_t *wa = (const uint8_t *)va + i * POOLDNS_NAME_MAX;
			const uint8_t *wb = (const uint8_t *)vb + i * POOLDNS_NAME_MAX;
			uint8_t la = ((const uint8_t *)cfield(a, k->len_offset))[i];
			uint8_t lb = ((const uint8_t *)cfield(b, k->len_offset))[i];
			if (la != lb || memcmp(wa, wb, la) != 0)
				return false;
		} else if (!str_eq(((char *const *)va)[i], ((char *const *)vb)[i])) {
			return false;
		}
	}
	return true;
}

/* In blocks: a row can be a 16 KB array of names. */
static void swap_bytes(void *a, void *b, size_t n)
{
	unsigned char *x = a, *y = b, t[512];

	for (size_t off = 0; off < n; off += sizeof(t)) {
		size_t len = n - off < sizeof(t) ? n - off : sizeof(t);
		memcpy(t, x + off, len);
		memcpy(x + off, y + off, len);
		memcpy(y + off, t, len);
	}
}

void pooldns_config_key_swap(struct pooldns_config *a, struct pooldns_config *b,
			     const struct pooldns_config_key *k)
{
	bool *seta = set_flag(a, k), *setb = set_flag(b, k);

	swap_bytes(field(a, k->offset), field(b, k->offset), k->size);
	if (k->type == POOLDNS_CONFIG_NAME)
		swap_bytes(field(a, k->len_offset), field(b, k->len_offset),
			   k->list ? k->max_count : 1);
	if (k->list)
		swap_bytes(field(a, k->count_offset), field(b, k->count_offset), sizeof(size_t));
	if (seta != NULL)
		swap_bytes(seta, setb, sizeof(bool));
}

void pooldns_config_key_choices(const struct pooldns_config_key *k, const char *sep,
				const char *last_sep, char *out, size_t outsz)
{
	size_t len = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (const struct pooldns_config_choice *c = k->choices; c != NULL && c->name != NULL;
	     c++) {
		const char *before = c == k->choices ? "" : c[1].name == NULL ? last_sep : sep;
		int n = snprintf(out + len, outsz - len, "%s%s", before, c->name);
		if (n < 0 || (size_t)n >= outsz - len)
			return;
		len += (size_t)n;
	}
}

int pooldns_config_check_ranges(const struct pooldns_config *cfg, char *err, size_t errsz)
{
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++) {
		long v;
		if (k->type != POOLDNS_CONFIG_NUMBER)
			continue;
		v = pooldns_config_key_number(cfg, k);
		if (v < k->min || v > k->max) {
			snprintf(err, errsz, "%s %ld out of range (%ld..%ld)", k->name, v, k->min,
				 k->max);
			return -1;
		}
	}
	return 0;
}
