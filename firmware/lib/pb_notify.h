/* pb_notify: tell the service manager how a daemon is doing.
 *
 * The systemd notification protocol (sd_notify(3)) without libsystemd: one
 * datagram of "KEY=VALUE\n" lines to the unix socket named by
 * $NOTIFY_SOCKET ("@name" is an abstract socket). Without $NOTIFY_SOCKET
 * (not started by systemd with Type=notify) every call does nothing. */
#ifndef PB_NOTIFY_H
#define PB_NOTIFY_H

#include <stdint.h>

/* Longest state string sent in one datagram. */
#define PB_NOTIFY_MAX 512

enum pb_notify_result {
	PB_NOTIFY_SENT = 0,
	PB_NOTIFY_NO_SOCKET = 1,     /* $NOTIFY_SOCKET unset: nothing to do */
	PB_NOTIFY_ERROR = -1,        /* bad address or send failed (errno set) */
};

/* Send STATE, e.g. "READY=1\nSTATUS=serving" or "WATCHDOG=1". */
enum pb_notify_result pb_notify(const char *state);

/* The watchdog interval systemd expects pings within ($WATCHDOG_USEC, for
 * this process per $WATCHDOG_PID), in microseconds; 0 when there is no
 * watchdog. Ping at half of it. */
uint64_t pb_notify_watchdog_usec(void);

const char *pb_notify_strerror(enum pb_notify_result r);

#endif
