/* pb-hub serving without privilege: the user it switches to when started
 * as root (-u USER), and the seccomp filter it installs once serving (on
 * unless -S), and the export worker's own filter. The filters are built by
 * pb_sandbox (firmware/lib/pb_sandbox.c, shared with pb-web) from the
 * tables below. */
#include "hub.h"

#include "pb_log.h"
#include "pb_sandbox.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Beyond what every server needs, for libpq making its connections again:
 * sendmmsg, which the C library's resolver uses to ask for A and AAAA
 * records at once (a database named by host name), and getdents64, with
 * which GSSAPI lists /etc/gss/mech.d before a TCP connection. Nothing that
 * writes a file: pb-hub keeps everything in PostgreSQL and only reads
 * module files (-f DIR) while serving; its export worker writes the XLSX. */
static const char *const allowed[] = {
	"sendmmsg", "getdents64",
	"wait4",        /* reaping its export worker (xlsx_worker.c) */
};

/* The export worker writes the office's XLSX files in its own directory:
 * libxlsxwriter's temporary files (made, then unlinked at once), the
 * workbook (read back, then unlinked), the directory removed at the end.
 * A seccomp filter cannot read a path, so it cannot keep the worker's
 * writes inside that directory: that is left to the user's file rights
 * (and PrivateTmp=, ProtectSystem=strict under systemd). */
static const char *const worker_allowed[] = {
	"unlink", "unlinkat", "rmdir", "ftruncate", "fsync", "fdatasync",
};

int hub_sandbox_enter(void)
{
	/* libpq connects again after the database restarts, over a unix
	 * socket or TCP (IPv4 or IPv6), and may ask DNS for the host. */
	const struct pb_sandbox_policy hub = {
		.program = "pb-hub",
		.allowed = allowed,
		.n_allowed = sizeof(allowed) / sizeof(allowed[0]),
		.families = { AF_UNIX, AF_INET, AF_INET6 },
		.n_families = 3,
		.read_only = 1,
	};

	return pb_sandbox_enter_policy(&hub);
}

int hub_sandbox_enter_worker(void)
{
	/* No family: no new socket at all, so no network and no database;
	 * only the socket pair to pb-hub it was started with. */
	const struct pb_sandbox_policy worker = {
		.program = "pb-hub export worker",
		.allowed = worker_allowed,
		.n_allowed = sizeof(worker_allowed) / sizeof(worker_allowed[0]),
		.n_families = 0,
		.read_only = 0,
	};

	return pb_sandbox_enter_policy(&worker);
}

int hub_run_as(const char *user)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0) {
		if (user == NULL)
			return 0;
		pw = getpwnam(user);
		if (pw != NULL && pw->pw_uid == geteuid())
			return 0;
		pb_err("-u %s: only root can switch to another user", user);
		return -1;
	}
	if (user == NULL) {
		pb_err("pb-hub does not serve as root: start it as an unprivileged user "
		       "(with a socket handed over for a port below 1024), or give -u USER");
		return -1;
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		pb_err("-u %s: no such user", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		pb_err("-u %s: that is root; name an unprivileged user", user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		pb_err("cannot switch to user %s: %s", user, strerror(errno));
		return -1;
	}
	/* No way back. */
	if (setuid(0) == 0 || geteuid() != uid || getegid() != gid) {
		pb_err("still able to become root after switching to %s", user);
		return -1;
	}
	pb_notice("serving as user %s (uid %u)", user, (unsigned)uid);
	return 0;
}
