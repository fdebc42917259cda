/* sandbox-probe: installs pb-web's own seccomp filter (firmware/web/sandbox.c,
 * linked unchanged) and then tries one call, so a test can see what the
 * filter does to it. Not part of pb-web. Built with -DPB_PROBE_HUB it is
 * hub-sandbox-probe, around pb-hub's filter (hub/sandbox.c), which also
 * knows:
 *
 *   hub-sandbox-probe write     open a file for writing: exits 0 on EPERM
 *   hub-sandbox-probe tcp       a new TCP socket (libpq's): exits 0 if made
 *   hub-sandbox-probe worker:CALL  the same under the export worker's filter
 *                               (hub_sandbox_enter_worker) instead
 *
 *   sandbox-probe allowed   read a file and the clock: exits 0
 *   sandbox-probe socket    socket(AF_PACKET): prints the errno, exits 0 on EPERM
 *   sandbox-probe execve    run /bin/true: the kernel kills the process (SIGSYS)
 *   sandbox-probe fork      a new process (clone without CLONE_THREAD): exits 0
 *                           on EPERM (sanitizer builds allow it: LeakSanitizer) */
#ifdef PB_PROBE_HUB
int hub_sandbox_enter(void);    /* hub/sandbox.c */
int hub_sandbox_enter_worker(void);
#define PROBE_CALLS "[worker:]allowed|socket|execve|fork|write|tcp"
#else
#include "web.h"
#define probe_enter pb_sandbox_enter
#define PROBE_CALLS "allowed|socket|execve|fork"
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64];
	struct timespec ts;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: sandbox-probe %s\n", PROBE_CALLS);
		return 2;
	}
#ifdef PB_PROBE_HUB
	int (*probe_enter)(void) = hub_sandbox_enter;

	if (strncmp(argv[1], "worker:", 7) == 0) {
		probe_enter = hub_sandbox_enter_worker;
		argv[1] += 7;
	}
#endif
	if (probe_enter() != 0) {
		fprintf(stderr, "sandbox-probe: cannot install the filter\n");
		return 3;
	}
	if (strcmp(argv[1], "allowed") == 0) {
		fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0 ||
		    clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
			perror("allowed call refused");
			return 1;
		}
		close(fd);
		printf("allowed: ok\n");
		return 0;
	}
	if (strcmp(argv[1], "socket") == 0) {
		fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		printf("socket: %s\n", fd < 0 ? strerror(errno) : "created");
		return fd < 0 && errno == EPERM ? 0 : 1;
	}
	if (strcmp(argv[1], "execve") == 0) {
		char *const args[] = { "/bin/true", NULL };
		execv(args[0], args);
		printf("execve: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "fork") == 0) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		printf("fork: %s\n", p < 0 ? strerror(errno) : "made a process");
		if (p > 0)
			waitpid(p, NULL, 0);
		return p < 0 && errno == EPERM ? 0 : 1;
	}
	if (strcmp(argv[1], "write") == 0) {
		fd = open("/tmp/sandbox-probe-never-written", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		printf("write: %s\n", fd < 0 ? strerror(errno) : "opened");
		if (fd >= 0) {
			close(fd);
			unlink("/tmp/sandbox-probe-never-written");
		}
		return fd < 0 && errno == EPERM ? 0 : 1;
	}
	if (strcmp(argv[1], "tcp") == 0) {
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		printf("tcp: %s\n", fd < 0 ? strerror(errno) : "created");
		if (fd >= 0)
			close(fd);
		return fd >= 0 ? 0 : 1;
	}
	fprintf(stderr, "sandbox-probe: unknown call %s\n", argv[1]);
	return 2;
}
