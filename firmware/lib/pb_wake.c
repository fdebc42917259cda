#include "pb_wake.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PB_WAKE_SOCKET "run/sync-wake.sock"

const char *pb_wake_strerror(enum pb_wake_result r)
{
	switch (r) {
	case PB_WAKE_OK: return "woken";
	case PB_WAKE_PATH_TOO_LONG: return "data_dir path too long for the wake socket";
	case PB_WAKE_NOT_RUNNING: return "pb-sync is not running";
	case PB_WAKE_SYSTEM: return "cannot make a socket";
	}
	return "?";
}

enum pb_wake_result pb_sync_wake(const char *data_dir)
{
	struct sockaddr_un sa;
	enum pb_wake_result rc = PB_WAKE_OK;
	int fd, n;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" PB_WAKE_SOCKET, data_dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return PB_WAKE_PATH_TOO_LONG;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return PB_WAKE_SYSTEM;
	if (sendto(fd, "now", 3, 0, (struct sockaddr *)&sa, sizeof(sa)) != 3)
		rc = PB_WAKE_NOT_RUNNING;
	close(fd);
	return rc;
}
