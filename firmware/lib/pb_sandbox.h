/* pb_sandbox: what a daemon that parses untrusted input needs to serve
 * without privilege — a listening socket handed over by the service
 * manager, and a seccomp filter on every thread.
 *
 * pb-web (firmware/web/sandbox.c) and pb-hub (hub/sandbox.c) each give a
 * policy: the calls they need beyond the common ones every server makes
 * (event loop, accepted sockets, reading files, memory, futexes, time,
 * signals, exit), and the families of new sockets they may open. Calls
 * only an attacker makes (run a program, trace another process, load
 * kernel code, mount, new namespaces…) kill the process; anything else
 * fails with EPERM. */
#ifndef PB_SANDBOX_H
#define PB_SANDBOX_H

#include <stddef.h>
#include <sys/socket.h>

/* The socket a service manager hands over (LISTEN_FDS=1): fd 3. */
#define PB_LISTEN_FD 3
/* Most socket families one policy may allow for new sockets. */
#define PB_SANDBOX_FAMILIES_MAX 4

/* A listening TCP socket handed over by systemd socket activation
 * (LISTEN_PID is this process, LISTEN_FDS=1, the socket is fd 3): its fd,
 * with its address family in *family; -1 when there is none (a warning is
 * logged when the variables are there but wrong). */
int pb_listen_inherited(int *family);

/* The address to listen on: HOST numeric (IPv4 or IPv6; empty: any) and
 * PORT; 0 or -1 (logged). */
int pb_listen_address(const char *host, unsigned port, struct sockaddr_storage *ss,
		      socklen_t *len, int *family);

struct pb_sandbox_policy {
	const char *program;             /* in log lines */
	const char *const *allowed;      /* calls beyond the common ones */
	size_t n_allowed;
	int families[PB_SANDBOX_FAMILIES_MAX];  /* socket() only for these */
	size_t n_families;
	int read_only;                   /* files: open only for reading */
};

/* Install the policy's filter on every thread of the process (TSYNC);
 * 0 or -1 (logged). Under a service manager's own filter that keeps
 * libseccomp from finding TSYNC, keeps serving under that one (0). */
int pb_sandbox_enter_policy(const struct pb_sandbox_policy *p);

#endif
