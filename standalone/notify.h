/*
 * notify.h — readiness and status messages to the service manager
 * (systemd's Type=notify protocol, sd_notify(3)): "READY=1" once the
 * server answers, "RELOADING=1" ... "READY=1" around a SIGHUP reload,
 * "STOPPING=1" at shutdown, "STATUS=..." lines for `systemctl status`.
 *
 * The socket named by $NOTIFY_SOCKET is connected once, at start-up and
 * before any chroot (a path socket would be out of reach inside it), and
 * the variable is removed from the environment so that nothing pooldns
 * might start inherits it. Without $NOTIFY_SOCKET every call does nothing.
 *
 * Thread-safety: main thread only (one descriptor, no lock).
 */
#ifndef POOLDNS_NOTIFY_H
#define POOLDNS_NOTIFY_H

#include <stddef.h>

/* Connects to $NOTIFY_SOCKET if set. 0 (also when unset), or -1 with a
 * message (a set but unusable socket is an error: the service manager
 * would wait for READY=1 in vain). */
int pooldns_notify_open(char *err, size_t errsz);

/* Sends one message, e.g. "READY=1\nSTATUS=serving". A failed send is
 * logged, never fatal. */
void pooldns_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void pooldns_notify_close(void);

#endif
