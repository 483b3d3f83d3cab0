/*
 * conf_opts.c — from a checked configuration to what the parts it
 * configures take (conf_opts.h): the rqlite options (with the password read
 * from rqlite-password-file), the source itself, the health checker's
 * options and the operator endpoint's.
 *
 * The password file is not configuration syntax: its bytes are the
 * password, less one trailing newline. What is checked is the file itself,
 * as ssh checks a private key: a regular file that only its owner (root or
 * the reading user) may access.
 *
 * Owns: nothing. The options borrow the config's strings; the password
 * buffer is the caller's, wiped here when reading it fails.
 *
 * Thread model: no shared state; called by the thread that owns the config.
 */
#include "config.h"

#include "core/conf_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the password file into pw: one trailing newline (LF or CRLF) is
 * stripped; an empty password, a NUL byte or a password that does not fit
 * are errors, and so is a file that group or others may access (mode &
 * 077) or that belongs to anyone but root and the reading user. */
static int read_password(const char *path, char *pw, size_t pwsz, char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t len = 0;
	int rc = -1;

	if (pwsz < 2) {
		snprintf(err, errsz, "rqlite-password-file %s: no room for the password", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errsz, "rqlite-password-file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "rqlite-password-file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "rqlite-password-file %s: not a regular file", path);
		goto out;
	}
	/* As ssh does for private keys: a secret others can read, or that
	 * someone else could rewrite, is refused. */
	if (st.st_mode & 077) {
		snprintf(err, errsz,
			 "rqlite-password-file %s: mode %04o lets group or others access it; "
			 "chmod 600 it",
			 path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errsz,
			 "rqlite-password-file %s: owned by uid %lu, neither root nor the user "
			 "reading it (uid %lu)",
			 path, (unsigned long)st.st_uid, (unsigned long)geteuid());
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, pw + len, pwsz - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "rqlite-password-file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == pwsz - 1) {
			char extra;
			ssize_t m;
			do
				m = read(fd, &extra, 1);
			while (m < 0 && errno == EINTR);
			if (m != 0) {
				snprintf(err, errsz,
					 "rqlite-password-file %s: password too long (at most %zu "
					 "bytes)",
					 path, pwsz - 2);
				goto out;
			}
			break;
		}
	}
	if (len > 0 && pw[len - 1] == '\n') {
		len--;
		if (len > 0 && pw[len - 1] == '\r')
			len--;
	}
	pw[len] = '\0';
	if (len == 0) {
		snprintf(err, errsz, "rqlite-password-file %s: empty password", path);
		goto out;
	}
	if (memchr(pw, '\0', len) != NULL) {
		snprintf(err, errsz, "rqlite-password-file %s: NUL byte in password", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		explicit_bzero(pw, pwsz);
	close(fd);
	return rc;
}

int pooldns_config_rqlite_opts(const struct pooldns_config *cfg, struct pooldns_rqlite_opts *opts,
			       char *pw, size_t pwsz, char *err, size_t errsz)
{
	memset(opts, 0, sizeof(*opts));
	if (pw != NULL && pwsz > 0)
		pw[0] = '\0';
	for (size_t i = 0; i < cfg->n_rqlite_urls && i < POOLDNS_RQLITE_MAX_URLS; i++)
		opts->urls[opts->nurls++] = cfg->rqlite_urls[i];
	if (opts->nurls == 0) {
		snprintf(err, errsz, "no rqlite-url");
		return -1;
	}
	opts->user = cfg->rqlite_user;
	opts->ca_file = cfg->rqlite_ca_file;
	opts->level = cfg->rqlite_level;
	opts->connect_timeout_ms = cfg->rqlite_connect_timeout_ms;
	opts->timeout_ms = cfg->rqlite_timeout_ms;
	opts->full_load = cfg->rqlite_full_load;
	opts->backup_dir = cfg->rqlite_backup_dir;
	if (cfg->rqlite_password_file != NULL) {
		if (pw == NULL) {
			snprintf(err, errsz, "rqlite-password-file %s: no buffer for the password",
				 cfg->rqlite_password_file);
			return -1;
		}
		if (read_password(cfg->rqlite_password_file, pw, pwsz, err, errsz) != 0)
			return -1;
		opts->password = pw;
	}
	return 0;
}

struct pooldns_source *pooldns_config_make_source(const struct pooldns_config *cfg, char *err,
						  size_t errsz)
{
	struct pooldns_source *src;

	if (cfg->source == POOLDNS_SOURCE_SQLITE) {
		if (cfg->sqlite_path == NULL) {
			snprintf(err, errsz, "source = sqlite needs sqlite-path");
			return NULL;
		}
		return pooldns_source_sqlite_new(cfg->sqlite_path, err, errsz);
	}

	struct pooldns_rqlite_opts opts;
	char pw[4096];

	if (pooldns_config_rqlite_opts(cfg, &opts, pw, sizeof(pw), err, errsz) != 0)
		return NULL;
	src = pooldns_source_rqlite_new(&opts, err, errsz);
	explicit_bzero(pw, sizeof(pw));
	return src;
}

bool pooldns_config_http_opts(const struct pooldns_config *cfg, struct pooldns_http_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	if (cfg->http_listen == NULL)
		return false;
	opts->listen = cfg->http_listen;
	opts->max_connections = (unsigned)cfg->http_max_connections;
	opts->timeout_s = (unsigned)cfg->http_timeout;
	opts->metrics_pools = (unsigned)cfg->http_metrics_pools;
	opts->page_size = (unsigned)cfg->http_status_page_size;
	return true;
}

void pooldns_config_health_opts(const struct pooldns_config *cfg, struct pooldns_health_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->user_agent = cfg->check_user_agent;
	opts->source_address = cfg->check_source_address;
	opts->ca_file = cfg->check_ca_file;
	opts->max_concurrent = (unsigned)cfg->check_max_concurrent;
}
