/*
 * acl.h — the access list of the standalone server: rules "allow PREFIX" or
 * "deny PREFIX", each for every listen address or for one ("on ADDR"),
 * looked at in order; the first rule that matches the client decides, and
 * a client no rule matches is allowed. See acl.c.
 *
 * Thread-safety: a struct pooldns_acl is read-only once built (the server
 * publishes it with its settings, RCU); pooldns_acl_allows is reentrant.
 */
#ifndef POOLDNS_ACL_H
#define POOLDNS_ACL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/dns/client.h"
#include "core/dns/prefix.h"

#define POOLDNS_ACL_ANY_LISTENER (-1)

struct pooldns_acl_rule {
	bool allow;
	struct pooldns_prefix prefix;
	int listener; /* index of the listen address, or POOLDNS_ACL_ANY_LISTENER */
};

struct pooldns_acl {
	const struct pooldns_acl_rule *rules;
	size_t n;
};

/* Parses "allow|deny PREFIX [on LISTEN]" into *r (listener left as
 * POOLDNS_ACL_ANY_LISTENER) and, when "on" is given, copies LISTEN into
 * listen (listensz bytes; "" otherwise) for the caller to resolve to an
 * index. NULL on success, else why not (a static string). */
const char *pooldns_acl_rule_parse(const char *text, struct pooldns_acl_rule *r, char *listen,
				   size_t listensz);

/* The first matching rule's verdict for client c arriving on listen
 * address number listener; true when no rule matches. */
bool pooldns_acl_allows(const struct pooldns_acl *acl, const struct pooldns_client *c,
			unsigned listener);

#endif
