/*
 * notify.c — the service manager notification protocol (see notify.h).
 *
 * The protocol is systemd's documented, stable interface (sd_notify(3),
 * "Standalone Implementations"): one datagram of newline-separated
 * VARIABLE=VALUE lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET,
 * a path or, starting with '@', an abstract name. It is spoken here
 * directly instead of through libsystemd because libsystemd's sd_notify()
 * opens the socket by path on every call, which fails once pooldns has
 * chrooted; one socket connected before the chroot keeps working, and the
 * server needs no optional dependency for Type=notify.
 *
 * Owns: the connected socket. Thread model: main thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "notify.h"

static int notify_fd = -1;

int pooldns_notify_open(char *err, size_t errsz)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	size_t pl;

	if (path == NULL || path[0] == '\0')
		return 0;
	pl = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || pl >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "NOTIFY_SOCKET=%s: not an absolute path or abstract name",
			 path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, pl);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pl);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0 || connect(notify_fd, (struct sockaddr *)&sun, len) != 0) {
		snprintf(err, errsz, "NOTIFY_SOCKET=%s: %s", path, strerror(errno));
		pooldns_notify_close();
		return -1;
	}
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

void pooldns_notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	if (send(notify_fd, msg, (size_t)n, MSG_NOSIGNAL) < 0)
		pooldns_log(POOLDNS_LOG_WARNING, "NOTIFY_SOCKET: %s", strerror(errno));
}

void pooldns_notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
