#include "pb_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum pb_notify_result pb_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	size_t plen, slen;
	ssize_t n;
	int fd;

	if (path == NULL || path[0] == '\0')
		return PB_NOTIFY_NO_SOCKET;
	plen = strlen(path);
	slen = state ? strlen(state) : 0;
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path) ||
	    slen == 0 || slen > PB_NOTIFY_MAX) {
		errno = EINVAL;
		return PB_NOTIFY_ERROR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';       /* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
			    (path[0] == '/' ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return PB_NOTIFY_ERROR;
	n = sendto(fd, state, slen, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	close(fd);
	return n == (ssize_t)slen ? PB_NOTIFY_SENT : PB_NOTIFY_ERROR;
}

uint64_t pb_notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL)
		return 0;
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;                    /* meant for another process */
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || end == usec || *end != '\0')
		return 0;
	return (uint64_t)v;
}

const char *pb_notify_strerror(enum pb_notify_result r)
{
	switch (r) {
	case PB_NOTIFY_SENT: return "sent";
	case PB_NOTIFY_NO_SOCKET: return "NOTIFY_SOCKET is not set";
	case PB_NOTIFY_ERROR: return "cannot notify the service manager";
	}
	return "unknown result";
}
