/* The seccomp filter pb-web installs once it listens ([web] seccomp).
 *
 * Every thread gets it (TSYNC). pb-web then only serves: it reads and writes
 * sockets and files it is allowed to, and nothing else. Calls on the allow
 * list pass; calls that only an attacker would make (run a program, trace
 * or read another process, load code into the kernel, mount, new
 * namespaces) kill the whole process; new sockets may only be unix ones
 * (hostapd's control socket); anything else fails with EPERM, so a
 * rare library path degrades into an error that is logged, not a crash.
 * Names the running architecture does not have are skipped, so the same
 * table serves amd64 and arm64.
 *
 * Sanitizer builds (ASan/UBSan/LSan) need more: LeakSanitizer stops the
 * world with clone + ptrace at exit. Those calls are allowed in such builds
 * only (decided at compile time). Under valgrind, set [web] seccomp = no. */
#include "web.h"

#include "pb_log.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#if defined(__SANITIZE_ADDRESS__)
#define PB_SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_SANDBOX_SANITIZER 1
#endif
#endif

/* What serving needs: event loop, sockets handed over by accept, files,
 * SQLite (locks, sync, WAL), memory, threads' futexes, time, randomness,
 * signals, exit. */
static const char *const allowed[] = {
	"read", "readv", "pread64", "write", "writev", "pwrite64", "sendfile",
	"sendto", "sendmsg", "recvfrom", "recvmsg", "close", "shutdown",
	"accept", "accept4", "bind", "connect", "getsockname", "getpeername", "setsockopt", "getsockopt",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
	"select", "pselect6",
	"open", "openat", "stat", "fstat", "lstat", "newfstatat", "statx", "lseek",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd",
	"fcntl", "flock", "fsync", "fdatasync", "ftruncate", "unlink", "unlinkat",
	"fchmod",
	/* receipt photos go into the content store: a shard folder, then a
	 * rename from store/tmp (api_claims.c, pb_store_adopt) */
	"mkdir", "mkdirat", "rename", "renameat", "renameat2",
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

int pb_sandbox_enter(void)
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
		 * TSYNC. pb-web is then already confined by that filter, which
		 * every thread inherited: keep serving under it. */
		if (e == -EOPNOTSUPP && already_filtered()) {
			pb_warn("seccomp: cannot add pb-web's own filter to every thread "
				"(%s); serving under the filter it was started with",
				strerror(-e));
			rc = 0;
		} else {
			pb_err("seccomp: cannot apply to every thread: %s", strerror(-e));
		}
		goto out;
	}
	if (add_list(ctx, SCMP_ACT_ALLOW, allowed, sizeof(allowed) / sizeof(allowed[0])) != 0 ||
	    add_list(ctx, SCMP_ACT_KILL_PROCESS, fatal, sizeof(fatal) / sizeof(fatal[0])) != 0)
		goto out;
#ifndef PB_SANDBOX_SANITIZER
	/* New threads only: clone without CLONE_THREAD would be a new process. */
	if ((e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD))) != 0) {
		pb_err("seccomp: clone rule: %s", strerror(-e));
		goto out;
	}
#endif
	/* Unix sockets only: the admin page asks hostapd over its control
	 * socket (admin_wifi.c). No new network socket of any other family. */
	if ((e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				  SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) != 0) {
		pb_err("seccomp: socket rule: %s", strerror(-e));
		goto out;
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
