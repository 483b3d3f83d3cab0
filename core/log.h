/*
 * log.h — the core library's logging seam.
 *
 * The library never prints by itself: every message goes through one sink
 * function that the program installs (the standalone server sends it to
 * stderr or syslog, the Unbound module to log_err/verbose). The default sink
 * writes to stderr.
 *
 * Thread-safety: pooldns_log() may be called from any thread. The sink and
 * level are set with pooldns_log_set() before any library thread starts and
 * are read-only afterwards.
 *
 * Messages for the caller rather than the log (the "char *err, size_t errsz"
 * buffers of library functions) are written with pooldns_set_err(), which is
 * reentrant and touches nothing but the buffer it is given.
 */
#ifndef POOLDNS_LOG_H
#define POOLDNS_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum pooldns_log_level {
	POOLDNS_LOG_ERR = 0,
	POOLDNS_LOG_WARNING = 1,
	POOLDNS_LOG_NOTICE = 2,
	POOLDNS_LOG_INFO = 3,
	POOLDNS_LOG_DEBUG = 4,
};

/* A sink receives one complete message without a trailing newline. */
typedef void (*pooldns_log_fn)(enum pooldns_log_level level, const char *msg, void *ctx);

/* Installs a sink (NULL restores the stderr sink) and the most verbose level
 * that is passed on. Call before starting library threads. */
void pooldns_log_set(pooldns_log_fn fn, void *ctx, enum pooldns_log_level max_level);

/* Current most verbose level; lets callers skip building costly messages. */
enum pooldns_log_level pooldns_log_level_get(void);

/* Parses "err", "warning", "notice", "info", "debug". Returns 0 or -1. */
int pooldns_log_level_parse(const char *s, enum pooldns_log_level *out);
const char *pooldns_log_level_name(enum pooldns_log_level level);

void pooldns_log(enum pooldns_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pooldns_vlog(enum pooldns_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Formats a message into the caller's error buffer err of errsz bytes (cut
 * to fit, always NUL-terminated). err == NULL or errsz == 0 means the caller
 * wants no message: nothing is written. Callable from any thread. */
void pooldns_set_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
