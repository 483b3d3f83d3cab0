/*
 * fakehttp.h — a tiny HTTP/1.1 server for unit tests: listens on
 * 127.0.0.1, a kernel-chosen port, in its own thread, and answers every
 * request with one canned reply (status, extra headers, body, delay, or a
 * dropped connection). It records what it was sent so tests can check the
 * client's requests. Keep-alive is supported, so connection reuse can be
 * observed through fakehttp_connections().
 *
 * Thread-safety: the reply may be changed and the records read from the
 * test thread while the server thread runs (one mutex inside).
 */
#ifndef POOLDNS_FAKEHTTP_H
#define POOLDNS_FAKEHTTP_H

#include <stdbool.h>
#include <stddef.h>

struct fakehttp;

struct fakehttp_reply {
	int status;          /* 0: close the connection without answering */
	const char *headers; /* extra header lines, each ending in "\r\n"; NULL: none */
	const char *body;    /* NULL: empty body */
	long delay_ms;       /* wait this long before answering */
	bool close;          /* send "Connection: close" and close after the reply */
};

/* Starts a server answering 200 with an empty body. NULL on error. */
struct fakehttp *fakehttp_start(void);
/* Stops the thread, closes every socket, frees. NULL is accepted. */
void fakehttp_stop(struct fakehttp *f);

int fakehttp_port(const struct fakehttp *f);
/* "http://127.0.0.1:PORT"; the string lives as long as f. */
const char *fakehttp_url(const struct fakehttp *f);

/* Replaces the canned reply; strings are copied. */
void fakehttp_set_reply(struct fakehttp *f, const struct fakehttp_reply *r);

/* Requests fully received so far / TCP connections accepted so far. */
unsigned fakehttp_requests(struct fakehttp *f);
unsigned fakehttp_connections(struct fakehttp *f);

/* Copies of the last request: request line ("POST /x HTTP/1.1"), header
 * block (lines joined by "\r\n") and body, each NUL-terminated and
 * truncated to its buffer. Any pointer may be NULL. */
void fakehttp_last(struct fakehttp *f, char *line, size_t linesz, char *headers, size_t headerssz,
		   char *body, size_t bodysz);

#endif
