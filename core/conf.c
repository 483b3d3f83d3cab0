/*
 * conf.c — the pooldns configuration file (conf.h): the "key = value" line
 * parser, reading a file, and the cross-key checks of a parsed config.
 * What a config is then turned into (source, health-checker and endpoint
 * options, and the password file the rqlite options need) is conf_opts.c.
 *
 * Every line goes to pooldns_config_set() (conf_value.c), which gives each
 * key its meaning from its row in conf_schema.c; the standalone server's
 * --key=value flags go there too, so file and flags cannot disagree.
 * Errors name where ("pooldns.conf:12" or "--listen"), the key and the
 * offending value.
 *
 * Owns: nothing beyond the call; strings in a config belong to the config
 * (conf_value.c).
 *
 * Thread model: no shared state. A config is built by one thread and is
 * read-only afterwards; a reload builds a new one.
 */
#include "config.h"

#include "core/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest line the file parser accepts, and the buffer a file is first
 * read into (most files fit); the largest file read is
 * POOLDNS_CONFIG_MAX_FILE (conf.h). */
#define MAX_LINE    4096
#define INITIAL_BUF 4096

/* ---- the file parser --------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one line (NUL-terminated, modified in place). Returns 0 with
 * *key NULL for a blank/comment line, 0 with key/value set, or -1 with a
 * reason in *why. */
static int parse_line(char *line, char **key, char **value, const char **why)
{
	char *p = line, *k, *v, *out;

	*key = NULL;
	while (is_space(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	k = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '-' || *p == '_' || *p == '.')
		p++;
	if (p == k) {
		*why = "expected a key";
		return -1;
	}
	char *kend = p;
	while (is_space(*p))
		p++;
	if (*p != '=') {
		*why = "expected \"key = value\"";
		return -1;
	}
	*kend = '\0';
	p++;
	while (is_space(*p))
		p++;
	if (*p == '"') {
		v = out = ++p;
		for (;;) {
			if (*p == '\0') {
				*why = "unterminated quoted value";
				return -1;
			}
			if (*p == '"')
				break;
			if (*p == '\\') {
				if (p[1] != '"' && p[1] != '\\') {
					*why = "only \\\" and \\\\ escapes are allowed in quotes";
					return -1;
				}
				p++;
			}
			*out++ = *p++;
		}
		p++;
		*out = '\0';
		while (is_space(*p))
			p++;
		if (*p != '\0' && *p != '#') {
			*why = "text after the closing quote";
			return -1;
		}
	} else {
		/* Unquoted: '#' starts a comment; trailing blanks are dropped. */
		v = p;
		p += strcspn(p, "#");
		*p = '\0';
		while (p > v && is_space(p[-1]))
			*--p = '\0';
		if (strchr(v, '"') != NULL) {
			*why = "stray '\"' (quote the whole value)";
			return -1;
		}
	}
	*key = k;
	*value = v;
	return 0;
}

int pooldns_config_load_buffer(struct pooldns_config *cfg, const char *buf, size_t len,
			       const char *name, char *err, size_t errsz)
{
	char line[MAX_LINE + 1], where[256];
	unsigned long lineno = 0;
	size_t pos = 0;

	if (name == NULL)
		name = "config";
	/* A UTF-8 byte order mark is tolerated at the very start. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		char *key, *value;
		const char *why = NULL;

		lineno++;
		snprintf(where, sizeof(where), "%s:%lu", name, lineno);
		if (ll > MAX_LINE) {
			snprintf(err, errsz, "%s: line too long (more than %d bytes)", where,
				 MAX_LINE);
			return -1;
		}
		if (memchr(buf + pos, '\0', ll) != NULL) {
			snprintf(err, errsz, "%s: NUL byte in line", where);
			return -1;
		}
		memcpy(line, buf + pos, ll);
		line[ll] = '\0';
		pos += ll + (nl != NULL);
		if (parse_line(line, &key, &value, &why) != 0) {
			snprintf(err, errsz, "%s: %s", where, why);
			return -1;
		}
		if (key == NULL)
			continue;
		if (pooldns_config_set(cfg, key, value, where, err, errsz) != 0)
			return -1;
	}
	return 0;
}

int pooldns_config_load_file(struct pooldns_config *cfg, const char *path, char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "%s: is a directory", path);
		goto out;
	}
	/* The buffer doubles as the file is read (the size of a pipe or a
	 * /proc file is not known before); a file is refused as soon as more
	 * than POOLDNS_CONFIG_MAX_FILE bytes of it are read. */
	for (;;) {
		if (len == cap) {
			size_t ncap = cap == 0 ? INITIAL_BUF : cap * 2;
			char *nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				snprintf(err, errsz, "%s: out of memory", path);
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POOLDNS_CONFIG_MAX_FILE) {
			snprintf(err, errsz, "%s: file too large (more than %d bytes)", path,
				 POOLDNS_CONFIG_MAX_FILE);
			goto out;
		}
	}
	rc = pooldns_config_load_buffer(cfg, buf, len, path, err, errsz);
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- cross-key checks -------------------------------------------------- */

/* "127.x.y.z:port", "[::1]:port" or "[::ffff:127.x.y.z]:port". */
static bool is_loopback_listen(const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	size_t hl;
	struct in6_addr a6;
	struct in_addr a4;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		hl = end != NULL ? (size_t)(end - s - 1) : 0;
		if (hl == 0 || hl >= sizeof host)
			return false;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return false;
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	hl = strcspn(s, ":");
	if (hl == 0 || hl >= sizeof host)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

int pooldns_config_check(const struct pooldns_config *cfg, char *err, size_t errsz)
{
	if (cfg->source == POOLDNS_SOURCE_SQLITE) {
		if (cfg->sqlite_path == NULL) {
			snprintf(err, errsz, "source = sqlite needs sqlite-path");
			return -1;
		}
	} else {
		if (cfg->n_rqlite_urls == 0) {
			snprintf(err, errsz, "source = rqlite needs at least one rqlite-url");
			return -1;
		}
		if (cfg->rqlite_user != NULL && cfg->rqlite_password_file == NULL) {
			snprintf(err, errsz, "rqlite-user needs rqlite-password-file");
			return -1;
		}
		if (cfg->rqlite_password_file != NULL && cfg->rqlite_user == NULL) {
			snprintf(err, errsz, "rqlite-password-file needs rqlite-user");
			return -1;
		}
		if (cfg->rqlite_timeout_ms < cfg->rqlite_connect_timeout_ms) {
			snprintf(err, errsz,
				 "rqlite-timeout-ms (%ld) is shorter than "
				 "rqlite-connect-timeout-ms (%ld)",
				 cfg->rqlite_timeout_ms, cfg->rqlite_connect_timeout_ms);
			return -1;
		}
	}
	if (cfg->nlisten == 0) {
		snprintf(err, errsz, "no listen address");
		return -1;
	}
	if (cfg->answer.zone.nns == 0) {
		snprintf(err, errsz, "no ns-name");
		return -1;
	}
	if (cfg->http_listen != NULL && !cfg->http_allow_remote &&
	    !is_loopback_listen(cfg->http_listen)) {
		snprintf(err, errsz,
			 "http-listen %s is not a loopback address: the endpoint has no "
			 "authentication and its status page shows every pool and member; set "
			 "http-allow-remote = yes to serve it there anyway",
			 cfg->http_listen);
		return -1;
	}
	/* pooldns_config_set() keeps numbers in range; this catches a caller
	 * that wrote a member directly. */
	return pooldns_config_check_ranges(cfg, err, errsz);
}
