/*
 * main.c — `pooldns`, the standalone authoritative DNS server for pool
 * names: command line and configuration, logging, start-up, the signal
 * loop (SIGHUP reload, SIGUSR1 statistics, SIGTERM/SIGINT shutdown) and
 * orderly teardown.
 *
 * Start-up: configuration -> source -> store -> health checker -> poller
 * -> wait up to READY_WAIT_MS for the first snapshot (answering starts
 * anyway; pool names are REFUSED until data arrives) and up to
 * READY_WAIT_MS for the first round of health checks -> bind every socket
 * (any failure is fatal and named) -> start workers -> "ready" log line ->
 * sigwait(). Shutdown runs the same steps backwards.
 *
 * Reload (SIGHUP): the file and the same command-line flags are read again
 * into a new configuration. Log settings, the answer settings (zones, SOA,
 * NS, EDNS payload) and the source/poller settings are applied live; a
 * change to a key the table of keys marks restart-only (core/conf_schema.c:
 * listen, threads, TCP limits, check-*) is logged as needing a restart and
 * ignored. The answer settings reach the workers as a new heap
 * copy published with pooldns_rcu_swap(); the old copy is freed after
 * pooldns_rcu_synchronize(). A reload that fails to parse changes nothing.
 *
 * Owns: the configurations, source, store, poller, workers, sockets and
 * the operator endpoint (core/ops/http.h), started after the workers and
 * stopped first.
 * Thread model: signals are blocked before any thread exists, so every
 * thread inherits the mask and only this main thread receives them,
 * synchronously, through sigwait(). Workers and the poller run on their own
 * threads; everything in `struct server_state` is main-thread only except
 * srv.answer (RCU, see server.h), and src and poller, which the endpoint's
 * thread reads under ops_lock (the main thread takes it to replace them).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/conf_schema.h"
#include "core/health/health.h"
#include "listen.h"
#include "core/log.h"
#include "core/ops/http.h"
#include "options.h"
#include "core/poller.h"
#include "core/rcu.h"
#include "stats.h"
#include "core/model/store.h"
#include "worker.h"

#define READY_WAIT_MS 2000
#define PW_MAX        4096

struct server_state {
	struct pooldns_args args;
	struct pooldns_config *cfg;     /* last configuration applied */
	struct pooldns_config *src_cfg; /* the one the running source was built from
					 * (may be cfg itself) */
	char pw[PW_MAX];                /* password of the running rqlite source */
	struct pooldns_source *src;
	struct pooldns_store *store;
	struct pooldns_health *health;
	struct pooldns_poller *poller;
	struct pooldns_server srv;
	struct pooldns_listen_addr addrs[POOLDNS_MAX_LISTEN];
	size_t naddrs;
	struct pooldns_worker *workers;
	size_t nworkers;
	/* The operator endpoint, and the lock its thread takes to read src and
	 * poller (ops_data()); the main thread holds it while it replaces
	 * them. Never held inside an RCU read-side section. */
	struct pooldns_http *http;
	pthread_mutex_t ops_lock;
};

/* ---- logging ----------------------------------------------------------- */

static bool syslog_opened;

static void syslog_sink(enum pooldns_log_level level, const char *msg, void *ctx)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	unsigned l = (unsigned)level < sizeof(prio) / sizeof(prio[0]) ? (unsigned)level : 4;

	syslog(prio[l], "%s", msg);
}

/* log.c keeps its sink and level in atomics, so changing them while other
 * threads log (on SIGHUP) is safe. */
static void apply_log(const struct pooldns_config *cfg)
{
	if (cfg->log_dest == POOLDNS_LOG_SYSLOG) {
		if (!syslog_opened) {
			openlog("pooldns", LOG_PID, LOG_DAEMON);
			syslog_opened = true;
		}
		pooldns_log_set(syslog_sink, NULL, cfg->log_level);
	} else {
		pooldns_log_set(NULL, NULL, cfg->log_level);
	}
}

/* ---- configuration helpers --------------------------------------------- */

static struct pooldns_config *load_config(const struct pooldns_args *a, char *err, size_t errsz)
{
	struct pooldns_config *cfg = malloc(sizeof(*cfg));

	if (cfg == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (pooldns_args_build_config(a, cfg, err, errsz) != 0) {
		pooldns_config_free(cfg);
		free(cfg);
		return NULL;
	}
	return cfg;
}

static void free_config(struct pooldns_config *cfg)
{
	if (cfg != NULL) {
		pooldns_config_free(cfg);
		free(cfg);
	}
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool lists_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

/* Source settings other than the password's content. */
static bool source_settings_eq(const struct pooldns_config *a, const struct pooldns_config *b)
{
	if (a->source != b->source)
		return false;
	if (a->source == POOLDNS_SOURCE_SQLITE)
		return str_eq(a->sqlite_path, b->sqlite_path);
	return lists_eq(a->rqlite_urls, a->n_rqlite_urls, b->rqlite_urls, b->n_rqlite_urls) &&
	       str_eq(a->rqlite_user, b->rqlite_user) &&
	       str_eq(a->rqlite_password_file, b->rqlite_password_file) &&
	       str_eq(a->rqlite_ca_file, b->rqlite_ca_file) && a->rqlite_level == b->rqlite_level &&
	       a->rqlite_connect_timeout_ms == b->rqlite_connect_timeout_ms &&
	       a->rqlite_timeout_ms == b->rqlite_timeout_ms;
}

/* Creates cfg's source; for rqlite the password read is left in pw. */
static struct pooldns_source *create_source(const struct pooldns_config *cfg, char *pw, size_t pwsz,
					    char *err, size_t errsz)
{
	struct pooldns_rqlite_opts opts;

	pw[0] = '\0';
	if (cfg->source == POOLDNS_SOURCE_SQLITE)
		return pooldns_config_make_source(cfg, err, errsz);
	if (pooldns_config_rqlite_opts(cfg, &opts, pw, pwsz, err, errsz) != 0)
		return NULL;
	return pooldns_source_rqlite_new(&opts, err, errsz);
}

static struct pooldns_poller *start_poller(struct server_state *st, struct pooldns_source *src,
					   const struct pooldns_config *cfg, char *err,
					   size_t errsz)
{
	struct pooldns_poller_opts po = {
		.source = src,
		.store = st->store,
		.poll_interval_ms = cfg->poll_interval_ms,
		.cache_file = cfg->cache_file,
		.health = st->health,
	};

	return pooldns_poller_start(&po, err, errsz);
}

/* ---- statistics -------------------------------------------------------- */

static void log_stats(struct server_state *st, const char *prefix)
{
	struct pooldns_stats sum;
	struct pooldns_poller_status ps;

	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < st->nworkers; i++)
		pooldns_stats_sum(&sum, &st->workers[i].stats);
	pooldns_stats_log(&sum, prefix);
	if (st->poller != NULL) {
		pooldns_poller_status(st->poller, &ps);
		pooldns_log(POOLDNS_LOG_NOTICE,
			    "%sdata version=%lld loads-ok=%llu loads-failed=%llu from-cache=%s "
			    "source-ok=%s",
			    prefix, (long long)ps.version, (unsigned long long)ps.loads_ok,
			    (unsigned long long)ps.loads_failed, ps.from_cache ? "yes" : "no",
			    ps.source_ok ? "yes" : "no");
	} else {
		pooldns_log(POOLDNS_LOG_NOTICE, "%sno poller running", prefix);
	}
	if (st->health != NULL) {
		struct pooldns_health_stats hs;
		pooldns_health_get_stats(st->health, &hs);
		pooldns_log(POOLDNS_LOG_NOTICE,
			    "%shealth endpoints=%zu down=%zu probes=%llu ok=%llu failed=%llu "
			    "transitions=%llu",
			    prefix, hs.endpoints, hs.endpoints_down,
			    (unsigned long long)hs.probes_started, (unsigned long long)hs.probes_ok,
			    (unsigned long long)hs.probes_failed,
			    (unsigned long long)hs.transitions);
	}
}

/* ---- the operator endpoint (core/ops/http.h) --------------------------- */

/* On the endpoint's thread. */
static void ops_data(void *ctx, struct pooldns_ops_data *out)
{
	struct server_state *st = ctx;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->ops_lock);
	if (st->poller != NULL) {
		out->have_poller = true;
		pooldns_poller_status(st->poller, &out->poller);
	}
	pooldns_ops_data_source(out, st->src);
	pthread_mutex_unlock(&st->ops_lock);
}

/* On the endpoint's thread; the workers array is fixed while it runs. */
static void ops_queries(void *ctx, struct pooldns_qcount *sum)
{
	struct server_state *st = ctx;

	for (size_t i = 0; i < st->nworkers; i++)
		pooldns_qcount_sum(sum, &st->workers[i].qcount);
}

static int start_http(struct server_state *st)
{
	struct pooldns_http_opts ho;
	char err[512];
	struct pooldns_ops_provider prov = {
		.frontend = "standalone",
		.store = st->store,
		.health = st->health,
		.tcp = true,
		.data = ops_data,
		.queries = ops_queries,
		.ctx = st,
	};

	if (!pooldns_config_http_opts(st->cfg, &ho))
		return 0;
	st->http = pooldns_http_start(&ho, &prov, err, sizeof(err));
	if (st->http == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		return -1;
	}
	pooldns_log(POOLDNS_LOG_NOTICE, "metrics and status on http://%s/", ho.listen);
	return 0;
}

/* ---- reload ------------------------------------------------------------ */

/* Publishes a new copy of the answer settings to the workers. */
static void publish_answer(struct server_state *st, const struct pooldns_answer_cfg *ac)
{
	struct pooldns_answer_cfg *na = malloc(sizeof(*na)), *old;

	if (na == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "reload: out of memory; answer settings unchanged");
		return;
	}
	*na = *ac;
	old = pooldns_rcu_swap(&st->srv.answer, na);
	pooldns_rcu_synchronize(); /* no worker can still be reading old */
	free(old);
}

/* Keeps the settings that only a restart can change — the rows marked
 * POOLDNS_CONFIG_RESTART in core/conf_schema.c (sockets, threads, TCP
 * limits, and the check-* keys the health checker copied at start-up) —
 * logging the ones that differ. Moves them from old into cfg. */
static void keep_restart_settings(struct pooldns_config *cfg, struct pooldns_config *old)
{
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++) {
		if (k->reload != POOLDNS_CONFIG_RESTART)
			continue;
		if (!pooldns_config_key_equal(cfg, old, k))
			pooldns_log(POOLDNS_LOG_WARNING,
				    "reload: %s changed: needs restart (ignored)", k->name);
		pooldns_config_key_swap(cfg, old, k);
	}
}

/* Replaces the source and/or poller. On failure the old ones keep running.
 * Returns true when cfg now describes the running source. */
static bool reload_source(struct server_state *st, struct pooldns_config *cfg)
{
	const struct pooldns_config *old = st->src_cfg;
	char err[512];
	char *npw = malloc(PW_MAX);
	struct pooldns_source *nsrc = NULL;
	struct pooldns_poller *np;
	bool src_same = source_settings_eq(old, cfg);
	bool poll_same = old->poll_interval_ms == cfg->poll_interval_ms &&
			 str_eq(old->cache_file, cfg->cache_file);
	bool ok = false;

	if (npw == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "reload: out of memory; source unchanged");
		return false;
	}
	npw[0] = '\0';
	if (src_same && cfg->source == POOLDNS_SOURCE_RQLITE && cfg->rqlite_password_file != NULL) {
		/* Same file: the password inside may have been rotated. */
		struct pooldns_rqlite_opts opts;
		if (pooldns_config_rqlite_opts(cfg, &opts, npw, PW_MAX, err, sizeof(err)) != 0) {
			pooldns_log(POOLDNS_LOG_ERR, "reload: %s; source unchanged", err);
			goto out;
		}
		src_same = strcmp(npw, st->pw) == 0;
	}
	if (src_same && poll_same) {
		pooldns_poller_kick(st->poller);
		ok = true;
		goto out;
	}
	if (!src_same) {
		nsrc = create_source(cfg, npw, PW_MAX, err, sizeof(err));
		if (nsrc == NULL) {
			pooldns_log(POOLDNS_LOG_ERR, "reload: %s; source unchanged", err);
			goto out;
		}
	}
	pooldns_poller_stop(st->poller);
	st->poller = NULL;
	np = start_poller(st, nsrc != NULL ? nsrc : st->src, cfg, err, sizeof(err));
	if (np == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "reload: poller: %s; keeping the previous source",
			    err);
		pooldns_source_destroy(nsrc);
		st->poller = start_poller(st, st->src, old, err, sizeof(err));
		if (st->poller == NULL)
			pooldns_log(POOLDNS_LOG_ERR,
				    "reload: poller: %s; serving the last data without updates",
				    err);
		goto out;
	}
	st->poller = np;
	if (nsrc != NULL) {
		pooldns_source_destroy(st->src);
		st->src = nsrc;
		memcpy(st->pw, npw, PW_MAX);
		pooldns_log(POOLDNS_LOG_NOTICE, "reload: source is now %s",
			    st->src->ops->describe(st->src));
	} else {
		pooldns_log(POOLDNS_LOG_NOTICE, "reload: poller restarted");
	}
	ok = true;
out:
	explicit_bzero(npw, PW_MAX);
	free(npw);
	return ok;
}

static void reload(struct server_state *st)
{
	char err[512];
	struct pooldns_config *ncfg, *old = st->cfg, *osrc = st->src_cfg;

	if (st->args.config_file != NULL)
		pooldns_log(POOLDNS_LOG_NOTICE, "SIGHUP: reloading %s", st->args.config_file);
	else
		pooldns_log(POOLDNS_LOG_NOTICE, "SIGHUP: no configuration file; re-checking data");
	ncfg = load_config(&st->args, err, sizeof(err));
	if (ncfg == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "reload failed: %s; configuration unchanged", err);
		return;
	}
	keep_restart_settings(ncfg, old);
	apply_log(ncfg);
	if (memcmp(&ncfg->answer, &old->answer, sizeof(ncfg->answer)) != 0) {
		publish_answer(st, &ncfg->answer);
		pooldns_log(POOLDNS_LOG_NOTICE, "reload: answer settings updated");
	}
	pthread_mutex_lock(&st->ops_lock);
	if (st->poller == NULL && st->src != NULL) {
		/* A previous reload lost the poller: try again. */
		st->poller = start_poller(st, st->src, st->src_cfg, err, sizeof(err));
		if (st->poller == NULL)
			pooldns_log(POOLDNS_LOG_ERR, "reload: poller: %s", err);
	}
	if (st->poller != NULL && reload_source(st, ncfg))
		st->src_cfg = ncfg;
	pthread_mutex_unlock(&st->ops_lock);
	st->cfg = ncfg;
	if (old != st->src_cfg)
		free_config(old);
	if (osrc != old && osrc != st->src_cfg)
		free_config(osrc);
	pooldns_log(POOLDNS_LOG_NOTICE, "reload done");
}

/* ---- start-up and shutdown --------------------------------------------- */

static size_t thread_count(const struct pooldns_config *cfg)
{
	long n = cfg->threads;

	if (n <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
	}
	return (size_t)(n > POOLDNS_MAX_THREADS ? POOLDNS_MAX_THREADS : n);
}

/* Opens every worker's sockets. 0 or -1 (logged, all closed). */
static int open_sockets(struct server_state *st)
{
	char err[512];

	for (size_t w = 0; w < st->nworkers; w++) {
		struct pooldns_worker *wk = &st->workers[w];
		for (size_t i = 0; i < st->naddrs; i++) {
			struct pooldns_worker_sock *s = &wk->socks[i];
			s->udp.fd = s->tcp.fd = -1;
			s->family = st->addrs[i].family;
			s->pktinfo = st->addrs[i].wildcard;
			wk->nsocks = i + 1;
			s->udp.fd =
				pooldns_listen_open(&st->addrs[i], SOCK_DGRAM, err, sizeof(err));
			if (s->udp.fd < 0)
				goto fail;
			s->tcp.fd =
				pooldns_listen_open(&st->addrs[i], SOCK_STREAM, err, sizeof(err));
			if (s->tcp.fd < 0)
				goto fail;
		}
	}
	return 0;
fail:
	pooldns_log(POOLDNS_LOG_ERR, "%s", err);
	return -1;
}

static int check_config_only(const struct pooldns_config *cfg)
{
	char err[512];

	if (cfg->source == POOLDNS_SOURCE_RQLITE && cfg->rqlite_password_file != NULL) {
		struct pooldns_rqlite_opts opts;
		char *pw = malloc(PW_MAX);
		int rc;
		if (pw == NULL) {
			fprintf(stderr, "pooldns: out of memory\n");
			return 1;
		}
		rc = pooldns_config_rqlite_opts(cfg, &opts, pw, PW_MAX, err, sizeof(err));
		explicit_bzero(pw, PW_MAX);
		free(pw);
		if (rc != 0) {
			fprintf(stderr, "pooldns: %s\n", err);
			return 1;
		}
	}
	if (cfg->source == POOLDNS_SOURCE_SQLITE && access(cfg->sqlite_path, R_OK) != 0) {
		fprintf(stderr, "pooldns: sqlite-path %s: %s\n", cfg->sqlite_path, strerror(errno));
		return 1;
	}
	printf("pooldns: configuration OK\n");
	return 0;
}

static int run(struct server_state *st)
{
	char err[512], where[POOLDNS_MAX_LISTEN * 64 + 1];
	struct pooldns_answer_cfg *answer;
	sigset_t set;
	size_t wl = 0;
	int rc = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);

	for (size_t i = 0; i < st->cfg->nlisten; i++) {
		if (pooldns_listen_parse(st->cfg->listen[i], &st->addrs[i], err, sizeof(err)) !=
		    0) {
			pooldns_log(POOLDNS_LOG_ERR, "%s", err);
			return 1;
		}
		st->naddrs++;
		wl += (size_t)snprintf(where + wl, sizeof(where) - wl, "%s%s", i ? " " : "",
				       st->addrs[i].text);
	}

	st->src = create_source(st->cfg, st->pw, sizeof(st->pw), err, sizeof(err));
	if (st->src == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		return 1;
	}
	st->src_cfg = st->cfg;
	st->store = pooldns_store_new();
	if (st->store == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "out of memory");
		goto out;
	}
	{
		struct pooldns_health_opts ho;
		pooldns_config_health_opts(st->cfg, &ho);
		st->health = pooldns_health_start(&ho, err, sizeof(err));
		if (st->health == NULL) {
			pooldns_log(POOLDNS_LOG_ERR, "health checker: %s", err);
			goto out;
		}
	}
	st->poller = start_poller(st, st->src, st->cfg, err, sizeof(err));
	if (st->poller == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "poller: %s", err);
		goto out;
	}
	if (!pooldns_poller_wait_ready(st->poller, READY_WAIT_MS))
		pooldns_log(POOLDNS_LOG_WARNING,
			    "no pool data yet from %s (nor from a cache); answering anyway: pool "
			    "names are REFUSED until the first load",
			    st->src->ops->describe(st->src));
	else if (!pooldns_health_wait_first_round(st->health, READY_WAIT_MS))
		pooldns_log(POOLDNS_LOG_WARNING,
			    "first round of health checks not finished; answering anyway "
			    "(unprobed members count as up)");

	st->srv.store = st->store;
	st->srv.tcp_idle_timeout_ms = st->cfg->tcp_idle_timeout_ms;
	st->srv.tcp_max_connections = st->cfg->tcp_max_connections;
	answer = malloc(sizeof(*answer));
	st->srv.answer.ptr = answer; /* no worker runs yet */
	st->srv.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (answer == NULL || st->srv.stop_fd < 0) {
		pooldns_log(POOLDNS_LOG_ERR, "start-up: %s",
			    answer == NULL ? "out of memory" : strerror(errno));
		goto out;
	}
	*answer = st->cfg->answer;

	st->nworkers = thread_count(st->cfg);
	st->workers = calloc(st->nworkers, sizeof(*st->workers));
	if (st->workers == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "out of memory");
		st->nworkers = 0;
		goto out;
	}
	for (size_t i = 0; i < st->nworkers; i++) {
		st->workers[i].srv = &st->srv;
		st->workers[i].id = (unsigned)i;
		st->workers[i].epfd = -1;
	}
	if (open_sockets(st) != 0)
		goto out;
	for (size_t i = 0; i < st->nworkers; i++) {
		if (pooldns_worker_start(&st->workers[i], err, sizeof(err)) != 0) {
			pooldns_log(POOLDNS_LOG_ERR, "%s", err);
			goto out;
		}
	}
	if (start_http(st) != 0)
		goto out;
	pooldns_log(POOLDNS_LOG_NOTICE,
		    "pooldns %s ready: listening on %s (udp+tcp), %zu thread%s, "
		    "source %s",
		    PACKAGE_VERSION, where, st->nworkers, st->nworkers == 1 ? "" : "s",
		    st->src->ops->describe(st->src));

	for (;;) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(st);
		} else if (sig == SIGUSR1) {
			log_stats(st, "stats: ");
		} else {
			pooldns_log(POOLDNS_LOG_NOTICE, "%s: shutting down",
				    sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
	}
	rc = 0;
out:
	/* First: its thread reads the workers' counters, the poller and the store. */
	pooldns_http_stop(st->http);
	st->http = NULL;
	if (st->srv.stop_fd >= 0) {
		uint64_t one = 1;
		if (write(st->srv.stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one) && rc == 0)
			pooldns_log(POOLDNS_LOG_ERR, "stop eventfd: %s", strerror(errno));
	}
	for (size_t i = 0; i < st->nworkers; i++)
		pooldns_worker_join(&st->workers[i]);
	if (rc == 0)
		log_stats(st, "final stats: ");
	free(st->workers);
	st->workers = NULL;
	pooldns_poller_stop(st->poller);
	st->poller = NULL;
	if (st->health != NULL)
		pooldns_health_stop(st->health);
	pooldns_source_destroy(st->src);
	st->src = NULL;
	if (st->store != NULL)
		pooldns_store_free(st->store);
	st->store = NULL;
	/* After the store: no snapshot can point at a health state any more. */
	pooldns_health_free(st->health);
	st->health = NULL;
	free(st->srv.answer.ptr); /* every worker has stopped */
	st->srv.answer.ptr = NULL;
	if (st->srv.stop_fd >= 0)
		close(st->srv.stop_fd);
	st->srv.stop_fd = -1;
	explicit_bzero(st->pw, sizeof(st->pw));
	return rc;
}

int main(int argc, char **argv)
{
	static struct server_state st;
	char err[512];
	sigset_t set;
	int rc;

	/* Before any thread exists: every thread inherits this mask and the
	 * main thread takes these signals with sigwait(). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	st.srv.stop_fd = -1;
	pthread_mutex_init(&st.ops_lock, NULL);
	if (pooldns_args_parse(argc, argv, &st.args, err, sizeof(err)) != 0) {
		fprintf(stderr, "pooldns: %s\n", err);
		return 1;
	}
	if (st.args.help) {
		pooldns_usage(stdout, "pooldns");
		pooldns_args_free(&st.args);
		return 0;
	}
	if (st.args.version) {
		printf("pooldns %s\n", PACKAGE_VERSION);
		pooldns_args_free(&st.args);
		return 0;
	}
	st.cfg = load_config(&st.args, err, sizeof(err));
	if (st.cfg == NULL) {
		fprintf(stderr, "pooldns: %s\n", err);
		pooldns_args_free(&st.args);
		return 1;
	}
	if (st.args.check_config) {
		rc = check_config_only(st.cfg);
	} else {
		apply_log(st.cfg);
		rc = run(&st);
	}
	if (st.src_cfg != st.cfg)
		free_config(st.src_cfg);
	free_config(st.cfg);
	pooldns_args_free(&st.args);
	pooldns_log_set(NULL, NULL, POOLDNS_LOG_INFO);
	if (syslog_opened)
		closelog();
	return rc;
}
