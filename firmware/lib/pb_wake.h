/* pb_wake: waking pb-sync at once with one datagram to
 * <data_dir>/run/sync-wake.sock (pbctl sync now, pb-web's admin page). */
#ifndef PB_WAKE_H
#define PB_WAKE_H

enum pb_wake_result {
	PB_WAKE_OK = 0,
	PB_WAKE_PATH_TOO_LONG,     /* data_dir too long for a unix socket path */
	PB_WAKE_NOT_RUNNING,       /* nobody listens: pb-sync is not running */
	PB_WAKE_SYSTEM,            /* socket() failed */
};

const char *pb_wake_strerror(enum pb_wake_result r);

enum pb_wake_result pb_sync_wake(const char *data_dir);

#endif
