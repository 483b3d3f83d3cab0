/*
 * acl.c — the access list: parsing rules and deciding (see acl.h).
 *
 * Owns nothing (the rule array belongs to whoever built the list).
 * Thread model: reentrant.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/dns/acl.h"

/* The next word of *s (blank separated) into buf; false when there is
 * none or it does not fit. */
static bool next_word(const char **s, char *buf, size_t bufsz)
{
	const char *p = *s;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, " \t");
	if (n == 0 || n >= bufsz)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*s = p + n;
	return true;
}

const char *pooldns_acl_rule_parse(const char *text, struct pooldns_acl_rule *r, char *listen,
				   size_t listensz)
{
	char verb[16], prefix[64], on[8];
	const char *s = text;

	memset(r, 0, sizeof *r);
	r->listener = POOLDNS_ACL_ANY_LISTENER;
	if (listensz > 0)
		listen[0] = '\0';
	if (!next_word(&s, verb, sizeof verb))
		return "write allow|deny PREFIX [on LISTEN-ADDRESS]";
	if (strcmp(verb, "allow") == 0)
		r->allow = true;
	else if (strcmp(verb, "deny") != 0)
		return "a rule starts with allow or deny";
	if (!next_word(&s, prefix, sizeof prefix))
		return "allow or deny needs an address or prefix";
	const char *why = pooldns_prefix_parse(prefix, &r->prefix);
	if (why != NULL)
		return why;
	if (!next_word(&s, on, sizeof on)) {
		s += strspn(s, " \t");
		return *s == '\0' ? NULL : "after the prefix only \"on LISTEN-ADDRESS\" may follow";
	}
	if (strcmp(on, "on") != 0)
		return "after the prefix only \"on LISTEN-ADDRESS\" may follow";
	if (!next_word(&s, listen, listensz))
		return "\"on\" needs one of the listen addresses";
	s += strspn(s, " \t");
	if (*s != '\0')
		return "unexpected text after the listen address";
	return NULL;
}

bool pooldns_acl_allows(const struct pooldns_acl *acl, const struct pooldns_client *c,
			unsigned listener)
{
	for (size_t i = 0; i < acl->n; i++) {
		const struct pooldns_acl_rule *r = &acl->rules[i];
		if (r->listener != POOLDNS_ACL_ANY_LISTENER && (unsigned)r->listener != listener)
			continue;
		if (pooldns_prefix_match(&r->prefix, c))
			return r->allow;
	}
	return true;
}
