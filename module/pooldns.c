/*
 * pooldns.c — the Unbound dynlib module: answers pool names inside a
 * running Unbound and passes every other query on to the next module.
 *
 * What it answers is exactly what core/dns/resolve.h calls ours: pool names
 * (A/AAAA with the pool's policy, health and TTL; SOA/NS; NODATA with the
 * synthesized SOA for other types), names below pool names (NXDOMAIN or
 * NODATA with SOA) and configured zones. Everything pooldns_resolve()
 * REFUSES goes on to the next module (validator/iterator) untouched.
 * Upstream answers whose CNAME chain ends at one of our names are completed
 * with our records (an inplace query_response callback, see cname_cb()).
 * While no snapshot is published (start-up, reload, source down without a
 * cache file), passed-on queries are not stored in Unbound's caches, so
 * public answers for future pool names cannot shadow them later. The
 * module's own answers are not cached by Unbound, so every query sees the
 * current data and rotation, unless module-cache-ttl lets Unbound keep
 * them for a few seconds (cache_answer()).
 *
 * Owns one struct pooldns_module per load, hung off dynlib's
 * dynlibmod_env->dyn_env (never env->modinfo[id] itself): the config, the
 * source, the store, the health checker and the poller threads, and the
 * metrics endpoint with its query counters (ops.h). Per query,
 * qstate->minfo[id] lists the negative answers cname_cb() put into
 * Unbound's message cache for the iterator's CNAME chase (struct primed,
 * in qstate->region); they are removed again when the query ends
 * (module_event_moddone, or clear() for a query that ends otherwise).
 *
 * Thread model: init() and deinit() run on Unbound's main thread while no
 * worker runs (also on every `unbound-control reload`, which dlclose()s
 * and dlopen()s this file). operate() and cname_cb() run concurrently on
 * every worker thread; they only read the config and, inside an RCU
 * read-side section, the published snapshot and the members' health
 * bits. The poller thread publishes snapshots, the checker thread updates
 * health; both are joined in deinit() before anything is freed.
 * liburcu-bp and libcurl are pinned for the life of the process (see
 * pin_libraries()).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "util/module.h"
#include "util/log.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/netevent.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "services/cache/dns.h"
#include "services/mesh.h"
#include "dynlibmod/dynlibmod.h"
#include "sldns/rrdef.h"
#include "sldns/pkthdr.h"

#include "core/conf.h"
#include "core/conf_opts.h"
#include "core/dns/dname.h"
#include "core/health/health.h"
#include "core/log.h"
#include "core/poller.h"
#include "core/rcu.h"
#include "core/dns/resolve.h"
#include "core/source/source.h"
#include "core/model/snapshot.h"
#include "core/model/store.h"
#include "msg.h"
#include "ops.h"
#include "unbound_compat.h"

/* How long init() waits for the first snapshot (source or cache file). */
#define POOLDNS_MODULE_READY_MS 2000
/* Message-cache TTL of a negative answer primed for the iterator's CNAME
 * chase (prime_negative()). The chase looks it up in the same event, and
 * dns_cache_lookup() accepts an entry until now > stored + TTL, so 1 s is
 * enough; it only bounds an entry that unprime() could not remove. */
#define POOLDNS_PRIME_TTL 1
/* Environment variable naming the config file; fixed for the process. */
#define POOLDNS_MODULE_CONF_ENV "POOLDNS_CONF"

#define EXPORT __attribute__((visibility("default")))

/* Unbound looks these six up by name with dlsym(). */
EXPORT int init(struct module_env *env, int id);
EXPORT void deinit(struct module_env *env, int id);
EXPORT void operate(struct module_qstate *qstate, enum module_ev event, int id,
		    struct outbound_entry *outbound);
EXPORT void inform_super(struct module_qstate *qstate, int id, struct module_qstate *super);
EXPORT void clear(struct module_qstate *qstate, int id);
EXPORT size_t get_mem(struct module_env *env, int id);

/* Per-load state. Written by init()/deinit() only; read-only for workers. */
struct pooldns_module {
	struct pooldns_config cfg;
	bool cfg_ready;                /* cfg initialised: free it */
	struct pooldns_source *source; /* owned; outlives the poller */
	struct pooldns_store *store;   /* owned */
	struct pooldns_health *health; /* owned; NULL: no health checks */
	struct pooldns_poller *poller; /* owned; its thread publishes into store */
	bool cb_registered;            /* query_response callback installed */
	char conf_path[4096];
	/* Owned; NULL: no metrics endpoint (ops.h). */
	struct pooldns_module_ops *ops;
};

/* One negative answer put into Unbound's message cache by prime_negative(),
 * kept (in qstate->region, listed from qstate->minfo[id]) until the query
 * ends so that unprime() can take it out again: direct queries for that
 * name must reach the module, not this cache entry. */
struct primed {
	struct primed *next;
	uint8_t *qname;
	size_t qname_len;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t flags; /* the query flags the entry was stored (hashed) with */
};

/* Unbound's log functions are thread-safe; pooldns levels map onto them
 * (err and warning always shown, the rest by Unbound's verbosity). */
static void log_sink(enum pooldns_log_level level, const char *msg, void *ctx)
{
	switch (level) {
	case POOLDNS_LOG_ERR:
		log_err("pooldns: %s", msg);
		break;
	case POOLDNS_LOG_WARNING:
		log_warn("pooldns: %s", msg);
		break;
	case POOLDNS_LOG_NOTICE:
		verbose(VERB_OPS, "pooldns: %s", msg);
		break;
	case POOLDNS_LOG_INFO:
		verbose(VERB_DETAIL, "pooldns: %s", msg);
		break;
	default:
		verbose(VERB_ALGO, "pooldns: %s", msg);
		break;
	}
}

/* Pins the shared object that defines sym: dlopen() it again (it is
 * already loaded: RTLD_NOLOAD) with RTLD_NODELETE, so that it, and the
 * libraries it needs, stay mapped for the life of the process. */
static void pin_library(void *sym, const char *what)
{
	Dl_info info;

	if (dladdr(sym, &info) == 0 || info.dli_fname == NULL) {
		log_warn("pooldns: cannot find %s's file to pin it (dladdr failed)", what);
		return;
	}
	if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == NULL)
		log_warn("pooldns: cannot pin %s: %s", info.dli_fname, dlerror());
}

/*
 * Unbound dlclose()s the module on every reload. Two of its libraries must
 * not go with it:
 * - the RCU library (liburcu-bp, see core/rcu.c) keeps per-thread reader
 *   registrations (pthread key destructors run at thread exit) and its
 *   call_rcu worker thread; were it unloaded, a later thread exit or the
 *   call_rcu thread would run unmapped code.
 * - libcurl: the core calls curl_global_init() on every load and never
 *   curl_global_cleanup() (other users in the process may share it), so
 *   unloading it would drop its global state (and its TLS, HTTP/2, IDN...
 *   libraries') uncleaned, and every reload would map them afresh.
 * Both are pinned for the life of the process.
 */
static void pin_libraries(void)
{
	pin_library(pooldns_rcu_library_symbol(), pooldns_rcu_library_name);
	pin_library((void *)&curl_global_init, "libcurl");
}

/* The config file: $POOLDNS_CONF, else the module's own path with ".so"
 * replaced by ".conf". Returns true when it came from the environment. */
static bool conf_path(const struct dynlibmod_env *de, char *out, size_t cap)
{
	const char *env = getenv(POOLDNS_MODULE_CONF_ENV);

	if (env != NULL && env[0] != '\0') {
		snprintf(out, cap, "%s", env);
		return true;
	}
	const char *fname = de->fname != NULL ? de->fname : "pooldns.so";
	size_t n = strlen(fname);
	if (n >= 3 && strcmp(fname + n - 3, ".so") == 0)
		n -= 3;
	snprintf(out, cap, "%.*s.conf", (int)n, fname);
	return false;
}

static void module_free(struct pooldns_module *pm)
{
	if (pm == NULL)
		return;
	/* Order: the poller publishes into the store, attaches health states
	 * and reads the source; snapshots point at health states, so those
	 * are freed after the store. The metrics endpoint reads them all. */
	pooldns_module_ops_stop(pm->ops);
	pooldns_poller_stop(pm->poller);
	if (pm->health != NULL)
		pooldns_health_stop(pm->health);
	pooldns_source_destroy(pm->source);
	if (pm->store != NULL)
		pooldns_store_free(pm->store);
	pooldns_health_free(pm->health);
	if (pm->cfg_ready)
		pooldns_config_free(&pm->cfg);
	free(pm);
}

static struct pooldns_module *module_of(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];

	return de != NULL ? de->dyn_env : NULL;
}

/* Who asked: the first client waiting on this query (Unbound merges equal
 * queries from several clients into one state; the hash policy then sticks
 * to the first). Internal queries (prefetch, sub-queries) have none. */
static void client_of(const struct module_qstate *qstate, struct pooldns_client *c)
{
	memset(c, 0, sizeof *c);
	if (qstate->mesh_info == NULL || qstate->mesh_info->reply_list == NULL)
		return;
	const struct comm_reply *rep = &qstate->mesh_info->reply_list->query_reply;
	const struct sockaddr_storage *ss = &rep->client_addr;
	if (ss->ss_family == AF_INET &&
	    rep->client_addrlen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		c->family = AF_INET;
		memcpy(c->addr, &sin->sin_addr, 4);
		c->prefix = 32;
	} else if (ss->ss_family == AF_INET6 &&
		   rep->client_addrlen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		c->family = AF_INET6;
		memcpy(c->addr, &sin6->sin6_addr, 16);
		c->prefix = 128;
	}
}

/* Whether an answer may be kept in Unbound's cache (module-cache-ttl):
 * never one whose selection depends on the client (the hash policy),
 * since a cached answer goes to every client. */
static bool cacheable(const struct pooldns_result *r)
{
	return r->pool == NULL || r->pool->policy != POOLDNS_POLICY_HASH;
}

/*
 * module-cache-ttl: a copy of the answer goes into Unbound's message cache
 * for min(module-cache-ttl, the answer's smallest TTL) seconds, so that
 * Unbound's worker answers the same question from its cache, before any
 * module runs (as it does local-data), until that lifetime ends; the next
 * query then reaches the module and stores a fresh answer. Expired
 * entries are never served (serve-expired ends with the lifetime too).
 * Unbound copies the message (dns_cache_store(), no region: the answer
 * sent now stays as built) and, as for every cached answer, clears AA on
 * the copy. A failure is not an error for this query: it is answered
 * anyway, and the next one tries again.
 */
static void cache_answer(const struct pooldns_module *pm, struct module_qstate *qstate,
			 struct dns_msg *msg)
{
	struct reply_info *rep = msg->rep;
	time_t ttl = rep->ttl < pm->cfg.module_cache_ttl ? rep->ttl : pm->cfg.module_cache_ttl;

	if (ttl <= 0)
		return;
	time_t keep_ttl = rep->ttl, keep_prefetch = rep->prefetch_ttl,
	       keep_expired = rep->serve_expired_ttl;
	rep->ttl = ttl;
	rep->prefetch_ttl = PREFETCH_TTL_CALC(ttl);
	rep->serve_expired_ttl = ttl;
	if (!pooldns_ub_cache_store(qstate->env, &msg->qinfo, rep, NULL, qstate->query_flags,
				    qstate->qstarttime))
		verbose(VERB_ALGO, "pooldns: out of memory caching an answer");
	rep->ttl = keep_ttl;
	rep->prefetch_ttl = keep_prefetch;
	rep->serve_expired_ttl = keep_expired;
}

/*
 * Answers qstate's question when it is ours. Returns 1 (answered: return_msg
 * set), 0 (not ours: pass it on) or -1 (out of memory). *no_data tells
 * whether no snapshot was published yet (set whenever the name was checked).
 */
static int answer(struct pooldns_module *pm, struct module_qstate *qstate, bool *no_data)
{
	const struct query_info *q = &qstate->qinfo;
	uint8_t lower[POOLDNS_NAME_MAX];
	struct pooldns_client client;
	struct pooldns_result r;
	bool cache = false;
	int rc = 0;

	if (q->qname_len == 0 || q->qname_len > POOLDNS_NAME_MAX)
		return 0;
	pooldns_dname_lower(lower, q->qname, q->qname_len);
	client_of(qstate, &client);

	pooldns_read_lock();
	struct pooldns_snapshot *snap = pooldns_store_get(pm->store);
	*no_data = snap == NULL;
	pooldns_resolve(&pm->cfg.answer.zone, snap, lower, q->qname_len, q->qtype, q->qclass,
			&client, &r);
	if (r.kind != POOLDNS_RESULT_REFUSED) {
		cache = pm->cfg.module_cache_ttl > 0 && cacheable(&r);
		struct dns_msg *msg = pooldns_umsg_answer(qstate->region, q, qstate->query_flags,
							  &pm->cfg.answer, &r, cache);
		if (msg != NULL) {
			qstate->return_msg = msg;
			qstate->return_rcode = LDNS_RCODE_NOERROR;
			pooldns_module_ops_count(pm->ops, qstate, pooldns_qc_rcode(r.rcode));
			rc = 1;
		} else {
			rc = -1;
		}
	}
	pooldns_read_unlock();
	/* The message holds no snapshot memory (msg.h): Unbound's cache
	 * locks are taken outside the read-side section. */
	if (rc > 0 && cache)
		cache_answer(pm, qstate, qstate->return_msg);
	if (rc < 0)
		log_err("pooldns: out of memory answering a query");
	return rc;
}

/*
 * A negative answer at the end of a CNAME chain does not end the chase:
 * the iterator classifies "CNAME, then nothing" as a CNAME response and
 * looks the target up itself, from its message cache first. So our
 * negative answer for the target goes into that cache, and the chase
 * (which runs right after this callback, in the same event) finds it
 * instead of asking the public DNS about a name that is ours.
 *
 * That cache is shared: Unbound's worker answers client queries from it
 * before any module runs. So the entry must not outlive this query (a
 * direct query for the name would get this answer, without AA, instead of
 * the module's current one): it is recorded in qstate->minfo[id] and
 * removed by unprime() when the query ends, and its message TTL is
 * POOLDNS_PRIME_TTL so that an entry unprime() missed expires at once
 * (with serve-expired, only unprime() removes it). The SOA keeps its TTL.
 */
static void prime_negative(struct pooldns_module *pm, struct module_qstate *qstate, int id,
			   uint8_t *name, size_t len, uint16_t qtype,
			   const struct pooldns_result *r)
{
	struct query_info tq;

	memset(&tq, 0, sizeof tq);
	tq.qname = name;
	tq.qname_len = len;
	tq.qtype = qtype;
	tq.qclass = LDNS_RR_CLASS_IN;
	struct primed *p = regional_alloc_zero(qstate->region, sizeof *p);
	struct dns_msg *m = p != NULL
				    ? pooldns_umsg_answer(qstate->region, &tq, qstate->query_flags,
							  &pm->cfg.answer, r, true)
				    : NULL;
	if (m == NULL) {
		log_err("pooldns: out of memory caching a negative answer");
		return;
	}
	p->qname = name; /* inside the response, in qstate->region */
	p->qname_len = len;
	p->qtype = qtype;
	p->qclass = LDNS_RR_CLASS_IN;
	p->flags = qstate->query_flags;
	m->rep->ttl = POOLDNS_PRIME_TTL;
	m->rep->prefetch_ttl = PREFETCH_TTL_CALC(POOLDNS_PRIME_TTL);
	m->rep->serve_expired_ttl = POOLDNS_PRIME_TTL;
	/* Recorded first: dns_cache_store() may have stored the rrsets even
	 * when it fails. */
	p->next = qstate->minfo[id];
	qstate->minfo[id] = p;
	if (!pooldns_ub_cache_store(qstate->env, &m->qinfo, m->rep, qstate->region,
				    qstate->query_flags, qstate->qstarttime))
		log_err("pooldns: out of memory caching a negative answer");
}

/* Removes the message-cache entries prime_negative() made for this query. */
static void unprime(struct module_qstate *qstate, int id)
{
	for (struct primed *p = qstate->minfo[id]; p != NULL; p = p->next)
		msg_cache_remove(qstate->env, p->qname, p->qname_len, p->qtype, p->qclass,
				 p->flags);
	qstate->minfo[id] = NULL;
}

/*
 * Inplace query_response callback: runs in the iterator on every upstream
 * response, before the iterator classifies it. When the answer's CNAME
 * chain (starting at the question, which is the chased name) reaches a
 * name that is ours, everything after that CNAME is replaced by our
 * records for it, so the iterator sees a complete answer and does not go
 * on to look the pool name up in the public DNS (which would answer with
 * someone else's addresses, or fail). A/AAAA questions only.
 */
static int cname_cb(struct module_qstate *qstate, struct dns_msg *response, int id, void *arg)
{
	/* id is the id this callback was registered with: the module's own
	 * (dynlib's) index, so qstate->minfo[id] is ours (dynlib itself
	 * never touches minfo). qstate is the iterator's query, which also
	 * passes through the module's operate() (moddone) and clear(). */
	struct pooldns_module *pm = arg;
	struct ub_packed_rrset_key *chain[POOLDNS_UMSG_MAX_CHAIN];
	size_t nchain = 0;

	if (pm == NULL || response == NULL || response->rep == NULL)
		return 1;
	const struct query_info *q = &response->qinfo;
	if ((q->qtype != LDNS_RR_TYPE_A && q->qtype != LDNS_RR_TYPE_AAAA) ||
	    q->qclass != LDNS_RR_CLASS_IN || q->qname == NULL)
		return 1;

	struct pooldns_client client;
	client_of(qstate, &client);
	uint8_t *name = q->qname;
	size_t len = q->qname_len;

	pooldns_read_lock();
	struct pooldns_snapshot *snap = pooldns_store_get(pm->store);
	for (;;) {
		uint8_t lower[POOLDNS_NAME_MAX];
		struct pooldns_result r;

		if (len == 0 || len > POOLDNS_NAME_MAX)
			break;
		pooldns_dname_lower(lower, name, len);
		pooldns_resolve(&pm->cfg.answer.zone, snap, lower, len, q->qtype, LDNS_RR_CLASS_IN,
				&client, &r);
		if (r.kind != POOLDNS_RESULT_REFUSED) {
			if (pooldns_umsg_complete_chain(qstate->region, response, chain, nchain,
							name, len, &pm->cfg.answer, &r) != 0) {
				log_err("pooldns: out of memory completing a CNAME chain");
				break;
			}
			if (r.kind != POOLDNS_RESULT_ANSWER)
				prime_negative(pm, qstate, id, name, len, q->qtype, &r);
			verbose(VERB_ALGO, "pooldns: answered the end of a %zu-CNAME chain",
				nchain);
			break;
		}
		/* Follow the CNAME owned by name, if the answer has one. */
		struct ub_packed_rrset_key *next = NULL;
		for (size_t i = 0; i < response->rep->an_numrrsets; i++) {
			struct ub_packed_rrset_key *k = response->rep->rrsets[i];
			if (ntohs(k->rk.type) == LDNS_RR_TYPE_CNAME &&
			    query_dname_compare(k->rk.dname, name) == 0) {
				next = k;
				break;
			}
		}
		if (next == NULL || nchain == POOLDNS_UMSG_MAX_CHAIN)
			break;
		chain[nchain++] = next;
		get_cname_target(next, &name, &len);
	}
	pooldns_read_unlock();
	return 1;
}

int init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	char err[512];

	pooldns_log_set(log_sink, NULL, POOLDNS_LOG_INFO);
	pin_libraries();

	struct pooldns_module *pm = calloc(1, sizeof *pm);
	if (pm == NULL) {
		log_err("pooldns: out of memory");
		return 0;
	}
	pooldns_config_init(&pm->cfg);
	pm->cfg_ready = true;

	/* Only a config that cannot be read or parsed fails init (Unbound
	 * then refuses to start, or exits on reload, as it does for its own
	 * config); bad pool data or an unreachable source never do. */
	bool from_env = conf_path(de, pm->conf_path, sizeof pm->conf_path);
	if (!from_env && access(pm->conf_path, F_OK) != 0 && errno == ENOENT) {
		log_warn("pooldns: %s not found; using the defaults (rqlite at 127.0.0.1:4001)",
			 pm->conf_path);
	} else if (pooldns_config_load_file(&pm->cfg, pm->conf_path, err, sizeof err) != 0) {
		log_err("pooldns: config %s: %s", pm->conf_path, err);
		goto fail;
	}
	if (pooldns_config_check(&pm->cfg, err, sizeof err) != 0) {
		log_err("pooldns: config %s: %s", pm->conf_path, err);
		goto fail;
	}
	pooldns_log_set(log_sink, NULL, pm->cfg.log_level);

	pm->source = pooldns_config_make_source(&pm->cfg, err, sizeof err);
	if (pm->source == NULL) {
		log_err("pooldns: config %s: %s", pm->conf_path, err);
		goto fail;
	}
	pm->store = pooldns_store_new();
	if (pm->store == NULL) {
		log_err("pooldns: out of memory");
		goto fail;
	}
	/* A checker that cannot start leaves every member "up" (as without
	 * checks) rather than failing Unbound. */
	struct pooldns_health_opts ho;
	pooldns_config_health_opts(&pm->cfg, &ho);
	pm->health = pooldns_health_start(&ho, err, sizeof err);
	if (pm->health == NULL)
		log_err("pooldns: health checker not started, members count as up: %s", err);
	struct pooldns_poller_opts po = {
		.source = pm->source,
		.store = pm->store,
		.health = pm->health,
		.poll_interval_ms = pm->cfg.poll_interval_ms,
		.cache_file = pm->cfg.cache_file,
	};
	pm->poller = pooldns_poller_start(&po, err, sizeof err);
	if (pm->poller == NULL) {
		log_err("pooldns: cannot start the poller: %s", err);
		goto fail;
	}
	if (pooldns_poller_wait_ready(pm->poller, POOLDNS_MODULE_READY_MS)) {
		struct pooldns_poller_status st;
		pooldns_poller_status(pm->poller, &st);
		verbose(VERB_OPS, "pooldns: serving data version %lld%s (config %s)",
			(long long)st.version, st.from_cache ? " from the cache file" : "",
			pm->conf_path);
		if (pm->health != NULL &&
		    !pooldns_health_wait_first_round(pm->health, POOLDNS_MODULE_READY_MS))
			log_warn("pooldns: first round of health checks not finished; "
				 "unprobed members count as up");
	} else {
		log_warn("pooldns: no pool data after %d ms (source %s); pool names are passed on "
			 "until the first load",
			 POOLDNS_MODULE_READY_MS, pm->source->ops->describe(pm->source));
	}

	pm->ops = pooldns_module_ops_start(&pm->cfg, pm->store, pm->health, pm->poller, pm->source);

	if (de->inplace_cb_register_wrapped((void *)&cname_cb, inplace_cb_query_response, pm, env,
					    id))
		pm->cb_registered = true;
	else
		log_warn("pooldns: cannot register the query_response callback; CNAME chains "
			 "into pool names are not completed");
	de->dyn_env = pm;
	return 1;

fail:
	module_free(pm);
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
	return 0;
}

void deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct pooldns_module *pm = de != NULL ? de->dyn_env : NULL;

	if (pm == NULL)
		return;
	if (pm->cb_registered)
		de->inplace_cb_delete_wrapped(env, inplace_cb_query_response, id);
	module_free(pm);
	de->dyn_env = NULL;
	/* Nothing of this load may log after it is unmapped. */
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
}

void operate(struct module_qstate *qstate, enum module_ev event, int id,
	     struct outbound_entry *outbound)
{
	struct pooldns_module *pm = module_of(qstate->env, id);

	switch (event) {
	case module_event_new:
	case module_event_pass:
		/* The validator's own DS/DNSKEY look-ups and root priming are
		 * the iterator's business. */
		if (pm != NULL && !qstate->is_valrec && !qstate->is_priming) {
			bool no_data = false;
			int rc = answer(pm, qstate, &no_data);
			if (rc > 0) {
				qstate->ext_state[id] = module_finished;
				return;
			}
			if (rc < 0) {
				qstate->ext_state[id] = module_error;
				return;
			}
			/* Without data every pool name is passed on: a public
			 * answer cached now would be served for it, before any
			 * module runs, long after the data has arrived. */
			if (no_data)
				qstate->no_cache_store = 1;
			pooldns_module_ops_count(pm->ops, qstate, POOLDNS_QC_PASSED);
		}
		qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_moddone:
		/* The next module's answer (CNAME chains into our names were
		 * completed by cname_cb() on the way) goes out as it is; the
		 * negative answers primed for its chase leave the cache. */
		unprime(qstate, id);
		qstate->ext_state[id] = module_finished;
		return;
	default:
		unprime(qstate, id);
		qstate->ext_state[id] = module_error;
		return;
	}
}

void inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	/* The module starts no sub-queries. */
}

void clear(struct module_qstate *qstate, int id)
{
	/* Every query ends here (also one that failed, was dropped, or is
	 * discarded at a reload or shutdown): entries still primed leave the
	 * cache. Everything else lives in qstate->region. */
	if (qstate != NULL)
		unprime(qstate, id);
}

size_t get_mem(struct module_env *env, int id)
{
	struct pooldns_module *pm = module_of(env, id);

	return pm != NULL ? sizeof *pm : 0;
}
