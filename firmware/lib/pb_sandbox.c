/* Serving confined: the socket handed over and the seccomp filter
 * (pb_sandbox.h).
 *
 * Names the running architecture does not have are skipped, so the same
 * tables serve amd64 and arm64. Sanitizer builds (ASan/UBSan/LSan) need
 * more: LeakSanitizer stops the world with clone + ptrace at exit. Those
 * calls are allowed in such builds only (decided at compile time). valgrind
 * cannot run seccomp() itself: turn the filter off under it. */
#include "pb_sandbox.h"

#include "pb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define PB_SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_SANDBOX_SANITIZER 1
#endif
#endif

int pb_listen_inherited(int *family)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid())
		return -1;
	if (strcmp(fds, "1") != 0) {
		pb_warn("LISTEN_FDS=%s: expected exactly one socket; ignoring them", fds);
		return -1;
	}
	if (getsockname(PB_LISTEN_FD, (struct sockaddr *)&ss, &len) != 0 ||
	    getsockopt(PB_LISTEN_FD, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 ||
	    type != SOCK_STREAM ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		pb_warn("LISTEN_FDS: fd %d is not a TCP socket; ignoring it", PB_LISTEN_FD);
		return -1;
	}
	*family = ss.ss_family;
	return PB_LISTEN_FD;
}

int pb_listen_address(const char *host, unsigned port, struct sockaddr_storage *ss,
		      socklen_t *len, int *family)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host[0] ? host : NULL, service, &hints, &res);
	if (rc != 0) {
		pb_err("listen address %s: %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	*family = res->ai_family;
	freeaddrinfo(res);
	return 0;
}

/* What every server needs: event loop, accepted sockets, reading files,
 * memory, threads' futexes, time, randomness, signals, exit. open and
 * openat are added apart (a read-only policy limits their flags). */
static const char *const common[] = {
	"read", "readv", "pread64", "write", "writev", "sendfile",
	"sendto", "sendmsg", "recvfrom", "recvmsg", "close", "shutdown",
	"accept", "accept4", "connect", "getsockname", "getpeername", "setsockopt",
	"getsockopt",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
	"select", "pselect6",
	"stat", "fstat", "lstat", "newfstatat", "statx", "lseek",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "fcntl",
	"mmap", "munmap", "mremap", "mprotect", "madvise", "brk",
	"futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield",
	"sched_getaffinity", "membarrier",
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep", "getrandom",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"sigaltstack", "restart_syscall", "tgkill", "gettid", "getpid",
	"getuid", "geteuid", "getgid", "getegid", "uname", "prlimit64", "getrlimit",
	"exit", "exit_group", "pipe2", "eventfd2", "dup", "dup3",
#ifdef PB_SANDBOX_SANITIZER
	"ptrace", "wait4", "prctl", "getppid", "clone", "getdents64",
	"getdents",
	"process_vm_readv",
#endif
};

/* Calls that mean the process is no longer ours: kill it. */
static const char *const fatal[] = {
	"execve", "execveat", "fork", "vfork",
#ifndef PB_SANDBOX_SANITIZER
	"ptrace", "process_vm_readv",
#endif
	"process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"bpf", "perf_event_open", "unshare", "setns", "userfaultfd", "keyctl",
	"add_key", "request_key", "personality", "iopl", "ioperm", "swapon", "swapoff",
	"reboot",
};

static int add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int rc;
		if (nr == __NR_SCMP_ERROR)
			continue;       /* not on this architecture */
		rc = seccomp_rule_add(ctx, action, nr, 0);
		if (rc != 0 && rc != -EEXIST) {
			pb_err("seccomp: cannot add %s: %s", names[i], strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* 1 if this process already runs under a seccomp filter (Seccomp: 2). */
static int already_filtered(void)
{
	char line[128];
	int mode = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode == 2;
}

/* One argument comparison, every field set (libseccomp's SCMP_An macros
 * leave datum_b out when it is not given, which clang warns about). */
static struct scmp_arg_cmp arg_cmp(unsigned int arg, enum scmp_compare op, scmp_datum_t a,
				   scmp_datum_t b)
{
	struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a, .datum_b = b };

	return c;
}

/* open/openat: any flags, or (read_only) none that writes or creates. */
static int add_open(scmp_filter_ctx ctx, int read_only)
{
	const scmp_datum_t writes = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
	int nr_open = seccomp_syscall_resolve_name("open");
	int e;

	if (!read_only) {
		static const char *const names[] = { "open", "openat" };
		return add_list(ctx, SCMP_ACT_ALLOW, names, 2);
	}
	if (nr_open != __NR_SCMP_ERROR &&
	    (e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr_open, 1,
				  arg_cmp(1, SCMP_CMP_MASKED_EQ, writes, 0))) != 0)
		goto fail;
	if ((e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				  arg_cmp(2, SCMP_CMP_MASKED_EQ, writes, 0))) != 0)
		goto fail;
	return 0;
fail:
	pb_err("seccomp: open rule: %s", strerror(-e));
	return -1;
}

int pb_sandbox_enter_policy(const struct pb_sandbox_policy *p)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc = -1, e;

	if (ctx == NULL) {
		pb_err("seccomp: cannot start a filter");
		return -1;
	}
	if ((e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0) {
		/* libseccomp finds the kernel's abilities by trying calls; under
		 * systemd's SystemCallFilter those tries fail and it reports no
		 * TSYNC. The process is then already confined by that filter,
		 * which every thread inherited: keep serving under it. */
		if (e == -EOPNOTSUPP && already_filtered()) {
			pb_warn("seccomp: cannot add %s's own filter to every thread "
				"(%s); serving under the filter it was started with",
				p->program, strerror(-e));
			rc = 0;
		} else {
			pb_err("seccomp: cannot apply to every thread: %s", strerror(-e));
		}
		goto out;
	}
	if (add_list(ctx, SCMP_ACT_ALLOW, common, sizeof(common) / sizeof(common[0])) != 0 ||
	    add_list(ctx, SCMP_ACT_ALLOW, p->allowed, p->n_allowed) != 0 ||
	    add_open(ctx, p->read_only) != 0 ||
	    add_list(ctx, SCMP_ACT_KILL_PROCESS, fatal, sizeof(fatal) / sizeof(fatal[0])) != 0)
		goto out;
#ifndef PB_SANDBOX_SANITIZER
	/* New threads only: clone without CLONE_THREAD would be a new process. */
	if ((e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				  arg_cmp(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD))) != 0) {
		pb_err("seccomp: clone rule: %s", strerror(-e));
		goto out;
	}
	/* A thread naming itself (libmicrohttpd's workers, as they start). */
	if ((e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				  arg_cmp(0, SCMP_CMP_EQ, PR_SET_NAME, 0))) != 0) {
		pb_err("seccomp: prctl rule: %s", strerror(-e));
		goto out;
	}
#endif
	/* New sockets only of the policy's families. */
	for (size_t i = 0; i < p->n_families && i < PB_SANDBOX_FAMILIES_MAX; i++) {
		if ((e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
					  arg_cmp(0, SCMP_CMP_EQ, (scmp_datum_t)p->families[i], 0))) != 0) {
			pb_err("seccomp: socket rule: %s", strerror(-e));
			goto out;
		}
	}
	/* clone3 passes its flags in memory a filter cannot read: answer
	 * "not implemented" so the C library falls back to clone. */
	if ((e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) != 0 &&
	    e != -EDOM) {
		pb_err("seccomp: clone3 rule: %s", strerror(-e));
		goto out;
	}
	if ((e = seccomp_load(ctx)) != 0) {
		pb_err("seccomp: cannot install the filter: %s", strerror(-e));
		goto out;
	}
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}
