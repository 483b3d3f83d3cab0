/*
 * main.c — `pooldns`, the standalone authoritative DNS server for pool
 * names: command line and configuration, logging, start-up, the signal
 * loop (SIGHUP reload, SIGUSR1 statistics, SIGTERM/SIGINT shutdown) and
 * orderly teardown.
 *
 * Start-up: configuration -> what needs privileges, before any thread
 * exists: the service manager's notify socket, every listen socket (any
 * failure is fatal and named), the rqlite password -> the privilege drop
 * (privdrop.h: chroot, user and group, no capability left) -> the files
 * the server uses from then on, checked as the user it now is -> source
 * -> store -> health checker -> poller -> wait up to READY_WAIT_MS for the
 * first snapshot (answering starts anyway; pool names are REFUSED until
 * data arrives) and up to READY_WAIT_MS for the first round of health
 * checks -> start workers (queries that arrived meanwhile wait in the
 * sockets) -> "ready" log line and READY=1 -> sigwait(). Shutdown runs
 * the same steps backwards.
 *
 * Reload (SIGHUP): the file and the same command-line flags are read again
 * into a new configuration. Log settings, the answer settings (zones, SOA,
 * NS, EDNS payload) and the source/poller settings are applied live; a
 * change to a key the table of keys marks restart-only (core/conf_schema.c:
 * listen, threads, TCP limits, check-*) is logged as needing a restart and
 * ignored. After a switch to another user the rqlite password file (root's,
 * mode 0600) cannot be read again: the password read at start-up stays,
 * and a changed rqlite-password-file needs a restart too. With chroot,
 * the file is re-read at its path inside the chroot. The answer settings
 * reach the workers as a new heap
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
#include "core/conf_opts.h"
#include "core/conf_schema.h"
#include "core/health/health.h"
#include "listen.h"
#include "core/log.h"
#include "notify.h"
#include "core/ops/http.h"
#include "options.h"
#include "core/poller.h"
#include "core/rcu.h"
#include "guard.h"
#include "privdrop.h"
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
	struct pooldns_privdrop pd;
	bool dropped;              /* pd applied: the process is what pd says */
	const char *config_inside; /* with chroot: args.config_file seen inside */
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
	       a->rqlite_timeout_ms == b->rqlite_timeout_ms &&
	       a->rqlite_full_load == b->rqlite_full_load &&
	       str_eq(a->rqlite_backup_dir, b->rqlite_backup_dir);
}

/* The password file can no longer be read: the process switched users. */
static bool password_kept(const struct server_state *st)
{
	return st->dropped && st->pd.change_id;
}

/* cfg's rqlite options, the password in pw: read from the file, or after
 * a switch of users the one read at start-up (st->pw). */
static int rqlite_opts(const struct server_state *st, const struct pooldns_config *cfg,
		       struct pooldns_rqlite_opts *opts, char *pw, size_t pwsz, char *err,
		       size_t errsz)
{
	struct pooldns_config *nofile;
	int rc;

	if (!password_kept(st) || cfg->rqlite_password_file == NULL)
		return pooldns_config_rqlite_opts(cfg, opts, pw, pwsz, err, errsz);
	nofile = malloc(sizeof(*nofile));
	if (nofile == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	*nofile = *cfg; /* borrows cfg's strings; never freed as a config */
	nofile->rqlite_password_file = NULL;
	rc = pooldns_config_rqlite_opts(nofile, opts, NULL, 0, err, errsz);
	free(nofile);
	if (rc == 0 && pw != st->pw) {
		snprintf(pw, pwsz, "%s", st->pw);
		opts->password = pw;
	}
	return rc;
}

/* Creates cfg's source; for rqlite the password used is left in pw. */
static struct pooldns_source *create_source(const struct server_state *st,
					    const struct pooldns_config *cfg, char *pw, size_t pwsz,
					    char *err, size_t errsz)
{
	struct pooldns_rqlite_opts opts;

	pw[0] = '\0';
	if (cfg->source == POOLDNS_SOURCE_SQLITE)
		return pooldns_config_make_source(cfg, err, errsz);
	if (rqlite_opts(st, cfg, &opts, pw, pwsz, err, errsz) != 0)
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
			    "source-ok=%s cache-writes=%llu cache-appends=%llu cache-failures=%llu",
			    prefix, (long long)ps.version, (unsigned long long)ps.loads_ok,
			    (unsigned long long)ps.loads_failed, ps.from_cache ? "yes" : "no",
			    ps.source_ok ? "yes" : "no", (unsigned long long)ps.cache_writes,
			    (unsigned long long)ps.cache_appends, (unsigned long long)ps.cache_failures);
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

/* READY=1 with a status line for `systemctl status`. */
static void notify_ready(struct server_state *st, const char *what)
{
	struct pooldns_poller_status ps;

	if (st->poller == NULL) {
		pooldns_notify("READY=1\nSTATUS=%s; no poller running", what);
		return;
	}
	pooldns_poller_status(st->poller, &ps);
	pooldns_notify("READY=1\nSTATUS=%s; data version %lld%s, source %s", what,
		       (long long)ps.version, ps.from_cache ? " (from the cache file)" : "",
		       ps.source_ok ? "up" : "unreachable");
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

/* Builds the guard settings (access list, cookies, rate limit) of cfg and
 * publishes them to the workers; on failure the old ones stay. */
static void publish_guard(struct server_state *st, const struct pooldns_config *cfg)
{
	char err[512];
	struct pooldns_guard *ng, *old = st->srv.guard.ptr;

	ng = pooldns_guard_build(cfg, st->addrs, st->naddrs, old, err, sizeof(err));
	if (ng == NULL) {
		pooldns_log(POOLDNS_LOG_ERR,
			    "reload: %s; access list, cookies and rate limit unchanged", err);
		return;
	}
	old = pooldns_rcu_swap(&st->srv.guard, ng);
	pooldns_rcu_synchronize(); /* no worker can still be reading old */
	pooldns_guard_free(old);
}

/* Keeps the settings that only a restart can change — the rows marked
 * POOLDNS_CONFIG_RESTART in core/conf_schema.c (sockets, threads, TCP
 * limits, and the check-* keys the health checker copied at start-up) —
 * logging the ones that differ. Moves them from old into cfg. */
static void keep_restart_settings(const struct server_state *st, struct pooldns_config *cfg,
				  struct pooldns_config *old)
{
	for (const struct pooldns_config_key *k = pooldns_config_schema; k->name != NULL; k++) {
		if (k->reload != POOLDNS_CONFIG_RESTART &&
		    !(password_kept(st) && strcmp(k->name, "rqlite-password-file") == 0))
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
		if (rqlite_opts(st, cfg, &opts, npw, PW_MAX, err, sizeof(err)) != 0) {
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
		nsrc = create_source(st, cfg, npw, PW_MAX, err, sizeof(err));
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
	pooldns_notify("RELOADING=1\nSTATUS=reloading");
	ncfg = load_config(&st->args, err, sizeof(err));
	if (ncfg != NULL && st->pd.chroot_dir[0] != '\0' &&
	    pooldns_privdrop_chroot_paths(ncfg, st->pd.chroot_dir, true, err, sizeof(err)) != 0) {
		free_config(ncfg);
		ncfg = NULL;
	}
	if (ncfg == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "reload failed: %s; configuration unchanged", err);
		notify_ready(st, "reload failed, configuration unchanged");
		return;
	}
	keep_restart_settings(st, ncfg, old);
	apply_log(ncfg);
	if (memcmp(&ncfg->answer, &old->answer, sizeof(ncfg->answer)) != 0) {
		publish_answer(st, &ncfg->answer);
		pooldns_log(POOLDNS_LOG_NOTICE, "reload: answer settings updated");
	}
	publish_guard(st, ncfg);
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
	notify_ready(st, "reloaded");
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

/* Logs, once per start, a UDP receive buffer smaller than udp-rcvbuf asked. */
static void note_rcvbuf(struct server_state *st, long got)
{
	static bool said;

	if (said || got >= st->cfg->udp_rcvbuf)
		return;
	said = true;
	if (got < 0)
		pooldns_log(POOLDNS_LOG_NOTICE, "udp-rcvbuf: the receive buffer size cannot be read");
	else
		pooldns_log(POOLDNS_LOG_NOTICE,
			    "udp-rcvbuf: asked for %ld bytes, the UDP sockets have %ld "
			    "(raise net.core.rmem_max, or start as root)",
			    st->cfg->udp_rcvbuf, got);
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
			if (st->cfg->udp_rcvbuf > 0)
				note_rcvbuf(st, pooldns_listen_rcvbuf(s->udp.fd, st->cfg->udp_rcvbuf));
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

/* Resolves user and group; with chroot, maps the configuration's paths
 * and the configuration file's (re-read by SIGHUP inside the chroot). 0 or
 * -1 with a message. */
static int prepare_drop(struct server_state *st, char *err, size_t errsz)
{
	const char *root = st->pd.chroot_dir;

	if (pooldns_privdrop_prepare(st->cfg, &st->pd, err, errsz) != 0)
		return -1;
	if (root[0] == '\0')
		return 0;
	if (st->args.config_file != NULL) {
		const char *inside = pooldns_privdrop_inside(st->args.config_file, root);
		if (inside == NULL) {
			snprintf(err, errsz,
				 "configuration file %.100s: not inside chroot %.100s (SIGHUP "
				 "re-reads it there): give it by its full path below %.100s",
				 st->args.config_file, root, root);
			return -1;
		}
		st->config_inside = inside;
	}
	return pooldns_privdrop_chroot_paths(st->cfg, root, false, err, errsz);
}

static int check_config_only(const struct server_state *st)
{
	const struct pooldns_config *cfg = st->cfg;
	char err[512], sqlite[4096 + 4096];

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
	if (cfg->source == POOLDNS_SOURCE_SQLITE) {
		/* With chroot, the path was mapped to the one inside. */
		snprintf(sqlite, sizeof(sqlite), "%s%s", st->pd.chroot_dir, cfg->sqlite_path);
		if (access(sqlite, R_OK) != 0) {
			fprintf(stderr, "pooldns: sqlite-path %s: %s\n", sqlite, strerror(errno));
			return 1;
		}
	}
	printf("pooldns: configuration OK\n");
	return 0;
}

/* ---- the privilege drop ------------------------------------------------ */

static int drop_privileges(struct server_state *st)
{
	char err[512];

	if (pooldns_privdrop_apply(&st->pd, err, sizeof(err)) != 0) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		return -1;
	}
	st->dropped = true;
	if (st->config_inside != NULL)
		st->args.config_file = st->config_inside;
	if (st->pd.change_id)
		pooldns_log(POOLDNS_LOG_NOTICE,
			    "privileges dropped: user %s (uid %lu), group %s (gid %lu)%s%s, no "
			    "capabilities",
			    st->pd.user, (unsigned long)st->pd.uid, st->pd.group,
			    (unsigned long)st->pd.gid,
			    st->pd.chroot_dir[0] != '\0' ? ", chroot " : "", st->pd.chroot_dir);
	else if (geteuid() == 0)
		pooldns_log(POOLDNS_LOG_WARNING,
			    "running as root: set user (and group) to drop privileges once the "
			    "sockets are bound");
	else
		pooldns_log(POOLDNS_LOG_INFO, "running as uid %lu, no capabilities",
			    (unsigned long)geteuid());
	return 0;
}

/* The files the server writes or reads from now on, checked as the user
 * it now is (and inside the chroot): a cache file it could never update
 * is fatal; a missing SQLite file or CA bundle is only warned about (it
 * may appear later). 0 or -1 (logged). */
static int check_files(const struct pooldns_config *cfg)
{
	const char *who = geteuid() == 0 ? "root" : "the user pooldns runs as";

	if (cfg->cache_file != NULL) {
		char dir[4096];
		const char *slash = strrchr(cfg->cache_file, '/');
		size_t dl = slash == NULL              ? 1
			    : slash == cfg->cache_file ? 1
						       : (size_t)(slash - cfg->cache_file);

		snprintf(dir, sizeof(dir), "%.*s", (int)dl, slash == NULL ? "." : cfg->cache_file);
		if (access(dir, W_OK | X_OK) != 0) {
			pooldns_log(POOLDNS_LOG_ERR,
				    "cache-file %s: its directory %s is not writable by %s (uid "
				    "%lu): %s; the cache could never be updated",
				    cfg->cache_file, dir, who, (unsigned long)geteuid(),
				    strerror(errno));
			return -1;
		}
		if (access(cfg->cache_file, F_OK) == 0 && access(cfg->cache_file, R_OK) != 0) {
			pooldns_log(
				POOLDNS_LOG_ERR, "cache-file %s: not readable by %s (uid %lu): %s",
				cfg->cache_file, who, (unsigned long)geteuid(), strerror(errno));
			return -1;
		}
	}
	if (cfg->source == POOLDNS_SOURCE_SQLITE && access(cfg->sqlite_path, R_OK) != 0)
		pooldns_log(POOLDNS_LOG_WARNING, "sqlite-path %s: %s (as uid %lu)",
			    cfg->sqlite_path, strerror(errno), (unsigned long)geteuid());
	if (cfg->rqlite_ca_file != NULL && cfg->source == POOLDNS_SOURCE_RQLITE &&
	    access(cfg->rqlite_ca_file, R_OK) != 0)
		pooldns_log(POOLDNS_LOG_WARNING, "rqlite-ca-file %s: %s (as uid %lu)",
			    cfg->rqlite_ca_file, strerror(errno), (unsigned long)geteuid());
	if (cfg->check_ca_file != NULL && access(cfg->check_ca_file, R_OK) != 0)
		pooldns_log(POOLDNS_LOG_WARNING, "check-ca-file %s: %s (as uid %lu)",
			    cfg->check_ca_file, strerror(errno), (unsigned long)geteuid());
	return 0;
}

static int run(struct server_state *st)
{
	char err[512], where[POOLDNS_MAX_LISTEN * 64 + 1];
	struct pooldns_answer_cfg *answer;
	struct pooldns_rqlite_opts ropts;
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
	/* What needs privileges, while no thread runs yet. */
	if (pooldns_notify_open(err, sizeof(err)) != 0) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		goto out;
	}
	if (open_sockets(st) != 0)
		goto out;
	if (st->cfg->source == POOLDNS_SOURCE_RQLITE &&
	    rqlite_opts(st, st->cfg, &ropts, st->pw, sizeof(st->pw), err, sizeof(err)) != 0) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		goto out;
	}
	/* The guard reads cookie-secret-file, which may be root's alone. */
	st->srv.guard.ptr =
		pooldns_guard_build(st->cfg, st->addrs, st->naddrs, NULL, err, sizeof(err));
	if (st->srv.guard.ptr == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		goto out;
	}
	/* Made even while rate limiting is off, so that a reload can turn it
	 * on; calloc'd pages cost no memory until a bucket is used. */
	st->srv.rrl = pooldns_rrl_new((size_t)st->cfg->rrl_table_size);
	if (st->srv.rrl == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "start-up: no memory for the rate-limit table");
		goto out;
	}
	if (drop_privileges(st) != 0 || check_files(st->cfg) != 0)
		goto out;

	if (st->cfg->source == POOLDNS_SOURCE_RQLITE)
		st->src = pooldns_source_rqlite_new(&ropts, err, sizeof(err));
	else
		st->src = create_source(st, st->cfg, st->pw, sizeof(st->pw), err, sizeof(err));
	if (st->src == NULL) {
		pooldns_log(POOLDNS_LOG_ERR, "%s", err);
		goto out;
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
	notify_ready(st, "serving");

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
			pooldns_notify("STOPPING=1\nSTATUS=shutting down");
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
	pooldns_guard_free(st->srv.guard.ptr);
	st->srv.guard.ptr = NULL;
	pooldns_rrl_free(st->srv.rrl);
	st->srv.rrl = NULL;
	if (st->srv.stop_fd >= 0)
		close(st->srv.stop_fd);
	st->srv.stop_fd = -1;
	explicit_bzero(st->pw, sizeof(st->pw));
	pooldns_notify_close();
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
	if (prepare_drop(&st, err, sizeof(err)) != 0) {
		fprintf(stderr, "pooldns: %s\n", err);
		rc = 1;
	} else if (st.args.check_config) {
		rc = check_config_only(&st);
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
