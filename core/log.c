/*
 * log.c — the core library's logging seam (see log.h).
 *
 * Owns the installed sink, its context and the level filter. Every message is
 * formatted into a bounded stack buffer (long messages are cut and end in
 * "..."), then handed to the sink in one call; the default sink writes one
 * complete line with a single write(2) so that lines from several threads
 * never interleave.
 *
 * Thread model: pooldns_log() may be called from any thread at any time.
 * The sink, its context and the level are written by pooldns_log_set()
 * before library threads start and only read afterwards; they are still
 * kept in relaxed atomics so that a late pooldns_log_set() is not a data race.
 *
 * Also owns pooldns_set_err(), the one helper every library file uses to
 * fill a caller's error buffer; it only writes to that buffer.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

/* Longest message passed to a sink, NUL included. */
#define LOG_MSG_MAX 1024

static const char *const level_names[] = {
	[POOLDNS_LOG_ERR] = "err",       [POOLDNS_LOG_WARNING] = "warning",
	[POOLDNS_LOG_NOTICE] = "notice", [POOLDNS_LOG_INFO] = "info",
	[POOLDNS_LOG_DEBUG] = "debug",
};

static void stderr_sink(enum pooldns_log_level level, const char *msg, void *ctx);

static _Atomic(pooldns_log_fn) log_fn = stderr_sink;
static _Atomic(void *) log_ctx = NULL;
static _Atomic int log_max = POOLDNS_LOG_INFO;

/* "YYYY-MM-DDTHH:MM:SS.mmmZ level: msg\n" in one write. */
static void stderr_sink(enum pooldns_log_level level, const char *msg, void *ctx)
{
	char line[LOG_MSG_MAX + 64];
	struct timespec ts;
	struct tm tm;
	size_t len, off;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000),
		     pooldns_log_level_name(level));
	if (n < 0)
		return;
	off = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	len = strlen(msg);
	if (len > sizeof(line) - off - 1)
		len = sizeof(line) - off - 1;
	memcpy(line + off, msg, len);
	off += len;
	line[off++] = '\n';

	/* One write per line; a short write to a pipe or terminal is retried
	 * for the rest, which can only interleave under extreme pressure. */
	for (size_t done = 0; done < off;) {
		ssize_t w = write(STDERR_FILENO, line + done, off - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		done += (size_t)w;
	}
}

void pooldns_log_set(pooldns_log_fn fn, void *ctx, enum pooldns_log_level max_level)
{
	if (fn == NULL) {
		fn = stderr_sink;
		ctx = NULL;
	}
	atomic_store_explicit(&log_ctx, ctx, memory_order_relaxed);
	atomic_store_explicit(&log_fn, fn, memory_order_relaxed);
	atomic_store_explicit(&log_max, (int)max_level, memory_order_relaxed);
}

enum pooldns_log_level pooldns_log_level_get(void)
{
	return (enum pooldns_log_level)atomic_load_explicit(&log_max, memory_order_relaxed);
}

int pooldns_log_level_parse(const char *s, enum pooldns_log_level *out)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum pooldns_log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *pooldns_log_level_name(enum pooldns_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[level];
}

void pooldns_vlog(enum pooldns_log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];
	pooldns_log_fn fn;
	int n;

	if ((int)level > atomic_load_explicit(&log_max, memory_order_relaxed))
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	fn = atomic_load_explicit(&log_fn, memory_order_relaxed);
	fn(level, msg, atomic_load_explicit(&log_ctx, memory_order_relaxed));
}

void pooldns_log(enum pooldns_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pooldns_vlog(level, fmt, ap);
	va_end(ap);
}

void pooldns_set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}
