/*
 * backend.h — fake health-check backends run inside the harness for the
 * `backend` directives of a case (harness/README.md, "Fake backends"):
 * HTTP and HTTPS servers answering every request with a configurable
 * status, body and delay (or closing without an answer), and TCP
 * listeners, each on a loopback address and port. A case can change them,
 * take them down (listener closed: connections are refused) and up again,
 * and look at the requests they received.
 *
 * Thread model: one pooldns_backends per running case. The control
 * functions are called from the case runner's thread; one service thread
 * (started with the first backend, poll(2) based) accepts and answers the
 * connections of every backend of the case. State shared between them is
 * under one mutex; down/up return only once the service thread has
 * closed or adopted the listener, so a case's timing starts after the
 * change really happened. pooldns_backends_free() stops the thread and
 * closes every socket.
 */
#ifndef POOLDNS_HARNESS_BACKEND_H
#define POOLDNS_HARNESS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"

struct pooldns_backends;

/* A set for one case. tls_cert/tls_key (PEM files, may be NULL) are loaded
 * when the first https backend starts. NULL only when out of memory. */
struct pooldns_backends *pooldns_backends_new(const char *tls_cert, const char *tls_key);

/* Runs a START, SET, DOWN, UP or RESET step. 0, or -1 with a message. */
int pooldns_backends_apply(struct pooldns_backends *bs, const struct pooldns_backend_spec *spec,
			   char *err, size_t errsz);

/* Requests received by backend name (connections, for tcp) at or after
 * since_ms (monotonic, pooldns_now_ms() of core/clock.h) and since its last reset,
 * with that path / Host header when not NULL. -1 if name is unknown. */
long pooldns_backends_count(struct pooldns_backends *bs, const char *name, uint64_t since_ms,
			    const char *path, const char *host);

/* The last request backend name received: 1 (fields copied, truncated to
 * their buffers), 0 when none since its start or last reset, -1 if unknown. */
int pooldns_backends_last(struct pooldns_backends *bs, const char *name, char *path, size_t pathsz,
			  char *host, size_t hostsz, char *ua, size_t uasz);

/* Stops the service thread, closes every listener and connection, frees.
 * NULL is accepted. */
void pooldns_backends_free(struct pooldns_backends *bs);

#endif
