/*
 * unbound_compat.h — the few calls into Unbound whose form differs between
 * Unbound releases, behind one form for the module.
 *
 * configure probes the Unbound tree given by --with-unbound-src (compiling
 * against its headers, no version numbers; see configure.ac) and passes
 * what it found as HAVE_UB_* flags (UNBOUND_API_CPPFLAGS, module/Makefile.inc).
 * Include after Unbound's "config.h", util/data/msgreply.h and
 * services/cache/dns.h.
 *
 * Owns nothing. Thread-safety: the wrappers are as thread-safe as the
 * Unbound functions they call (both only touch their arguments).
 */
#ifndef POOLDNS_MODULE_UNBOUND_COMPAT_H
#define POOLDNS_MODULE_UNBOUND_COMPAT_H

/*
 * construct_reply_info_base() for one question, with the prefetch and
 * serve-expired TTLs derived from ttl as Unbound derives them for its own
 * answers (expired answers may be served for SERVE_EXPIRED_TTL after ttl).
 * The no-recursion serve-expired time, where there is one, is 0 (Unbound
 * sets it only on answers made after an upstream failure); no EDE code.
 * NULL when the region is out of memory.
 */
static inline struct reply_info *pooldns_ub_reply_info(struct regional *region, uint16_t flags,
						       time_t ttl, size_t an, size_t ns, size_t ar,
						       size_t total, enum sec_status sec)
{
#if defined(HAVE_UB_REPLY_INFO_BASE_NORECTTL)
	return construct_reply_info_base(region, flags, 1, ttl, PREFETCH_TTL_CALC(ttl),
					 ttl + SERVE_EXPIRED_TTL, 0, an, ns, ar, total, sec,
					 LDNS_EDE_NONE);
#elif defined(HAVE_UB_REPLY_INFO_BASE_EDE)
	return construct_reply_info_base(region, flags, 1, ttl, PREFETCH_TTL_CALC(ttl),
					 ttl + SERVE_EXPIRED_TTL, an, ns, ar, total, sec,
					 LDNS_EDE_NONE);
#else
	return construct_reply_info_base(region, flags, 1, ttl, PREFETCH_TTL_CALC(ttl),
					 ttl + SERVE_EXPIRED_TTL, an, ns, ar, total, sec);
#endif
}

/* dns_cache_store() of a final answer (not a referral, no leeway, not
 * parent-side, not a validator sub-query). Returns Unbound's result:
 * 0 when out of memory. */
static inline int pooldns_ub_cache_store(struct module_env *env, struct query_info *qinfo,
					 struct reply_info *rep, struct regional *region,
					 uint32_t flags, time_t qstarttime)
{
#ifdef HAVE_UB_DNS_CACHE_STORE_VALREC
	return dns_cache_store(env, qinfo, rep, 0, 0, 0, region, flags, qstarttime, 0);
#else
	return dns_cache_store(env, qinfo, rep, 0, 0, 0, region, flags, qstarttime);
#endif
}

#endif
