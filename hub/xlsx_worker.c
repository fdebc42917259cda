/* The export worker: the office's XLSX over HTTP.
 *
 * pb-hub serves under a filter that opens no file for writing, and
 * libxlsxwriter (1.1.4, Debian 12) writes a workbook only to a file, with
 * its own temporary files beside it. So a small process does that,
 * connected by a socket pair. pb-hub's filter lets it start no process, so
 * once it runs as its own user, and before it connects to the database,
 * starts a thread or installs its filter, it forks a keeper that starts
 * each worker for it. The worker holds no database connection and no
 * listening socket, may open no new socket (its own filter,
 * hub_sandbox_enter_worker), and writes only in a directory it makes for
 * itself (mode 0700) and removes when pb-hub closes its end.
 *
 * Request: a uint32 length (host order, 1..book_max, -X KIB), then the
 * book's JSON (pb_xlsx.h). Answer: a uint32 status (0: written), a uint32
 * length (at most HUB_XLSX_FILE_MAX; 0 unless written), then the file.
 * pb-hub's threads take turns under a lock.
 *
 * A worker that dies (or stays silent for HUB_XLSX_TIMEOUT_S) is replaced
 * at the next request, at most HUB_XLSX_STARTS_MAX a minute; past that, or
 * with the keeper gone, the XLSX routes answer 503 and everything else
 * goes on. A worker killed outright leaves its directory behind. */
#include "hub.h"

#include "pb_log.h"
#include "pb_xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKER_NAME "pb-hub-xlsx"        /* its name in ps and /proc/PID/comm */
#define KEEPER_NAME "pb-hub-xlsx-kp"     /* the keeper's (15 characters at most) */

/* A request to the keeper: int32 members */
enum { KEEPER_REAP, KEEPER_SILENT, KEEPER_MORE, KEEPER_REQ_LEN };

/* Move n bytes over fd (out: send, else receive), waiting at most
 * timeout_ms for each step (-1: for ever). 0, or -1 with errno
 * (ETIMEDOUT; 0 when the other end closed). */
static int xfer(int fd, void *buf, size_t n, int out, int timeout_ms)
{
	char *p = buf;

	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		int pr = poll(&pfd, 1, timeout_ms);
		ssize_t k;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			errno = ETIMEDOUT;
		if (pr <= 0)
			return -1;
		k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (k == 0)
			errno = 0;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One request whose length n was read: the answer sent. 0, or -1 when the
 * conversation cannot go on. */
static int worker_one(int fd, uint32_t n, size_t book_max, const char *dir)
{
	uint32_t head[2] = { 1, 0 };
	char *text = NULL, *data = NULL;
	size_t len = 0;
	json_t *book = NULL;
	json_error_t jerr;
	int rc = -1;

	if (n == 0 || n > book_max) {
		/* pb-hub checks first: this is not its request */
		pb_err("export worker: a book of %u bytes, over its limit of %zu; stopping",
		       (unsigned)n, book_max);
		goto out;
	}
	text = malloc(n);
	if (text == NULL || xfer(fd, text, n, 0, -1) != 0)
		goto out;
	book = json_loadb(text, n, 0, &jerr);
	if (book == NULL)
		pb_err("export worker: the book is not JSON: %s", jerr.text);
	else if (pb_xlsx_build(dir, book, &data, &len) != 0 || len > HUB_XLSX_FILE_MAX)
		pb_err("export worker: the workbook could not be written (%zu bytes)", len);
	else
		head[0] = 0, head[1] = (uint32_t)len;
	if (xfer(fd, head, sizeof(head), 1, -1) != 0 ||
	    (head[0] == 0 && xfer(fd, data, len, 1, -1) != 0))
		goto out;
	rc = 0;
out:
	json_decref(book);
	free(text);
	free(data);
	return rc;
}

static void worker_main(struct hub *h, int fd)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	uint32_t n;
	int rc = 1;

	snprintf(dir, sizeof(dir), "%s/pb-hub-xlsx-XXXXXX",
		 tmp != NULL && tmp[0] == '/' && strlen(tmp) < PATH_MAX - 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		pb_err("export worker: cannot make a directory in %s: %s", tmp ? tmp : "/tmp",
		       strerror(errno));
		goto out;
	}
	if (!h->no_seccomp && hub_sandbox_enter_worker() != 0) {
		pb_err("export worker: cannot confine it; XLSX exports are unavailable");
		rmdir(dir);
		goto out;
	}
	pb_info("export worker (pid %d) writes in %s, books up to %zu bytes%s", (int)getpid(),
		dir, h->xlsx.book_max, h->no_seccomp ? "" : ", under its filter");
	while (xfer(fd, &n, sizeof(n), 0, -1) == 0 && worker_one(fd, n, h->xlsx.book_max, dir) == 0)
		;
	/* pb-hub closed its end (or stopped making sense): clean up */
	if (rmdir(dir) != 0)
		pb_warn("export worker: cannot remove %s: %s", dir, strerror(errno));
	rc = 0;
out:
	close(fd);
	exit(rc);
}

/* The keeper's answer to pb-hub: a new worker's pid (0: none) and, beside
 * it, the worker's end of their socket pair. */
static int send_worker(int ctl, int32_t pid, int fd)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } c;
	struct iovec iov = { .iov_base = &pid, .iov_len = sizeof(pid) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(ctl, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(pid) ? 0 : -1;
}

/* Reap a worker that ended (or, told it went silent, end it first) and
 * say how it ended. */
static void reap(int32_t pid, int silent)
{
	int st = 0;

	if (pid <= 0)
		return;
	if (silent)
		kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid)
		return;
	if (WIFSIGNALED(st))
		pb_err("export worker (pid %d) was killed by signal %d", (int)pid, WTERMSIG(st));
	else
		pb_err("export worker (pid %d) ended with status %d", (int)pid, WEXITSTATUS(st));
}

/* A new worker, forked from the keeper: its end of a new socket pair is
 * sent to pb-hub with its pid. 0, or -1 when the keeper cannot go on. */
static int spawn(struct hub *h, int ctl)
{
	int sv[2], rc;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		pb_err("export worker: no socket pair: %s", strerror(errno));
		return send_worker(ctl, 0, -1);
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(ctl);
		close(sv[0]);
		prctl(PR_SET_NAME, WORKER_NAME, 0, 0, 0);
		worker_main(h, sv[1]);
	}
	close(sv[1]);
	if (pid < 0)
		pb_err("export worker: cannot start it: %s", strerror(errno));
	rc = send_worker(ctl, pid < 0 ? 0 : (int32_t)pid, pid < 0 ? -1 : sv[0]);
	close(sv[0]);
	return rc;
}

/* The keeper: pb-hub may not fork once filtered, so this process, forked
 * before, starts each worker for it. It holds no secret, no database and
 * no listening socket, only its pair to pb-hub, on which each request is
 * {pid of the worker to reap (0: none), 1 if that one went silent, 1 for
 * a new worker (0: stop)}; it answers with the new worker. It has no
 * filter of its own, since it must fork: the workers install theirs. It
 * ends when pb-hub says stop or closes its end, once its workers have. */
static void keeper_main(struct hub *h, int ctl)
{
	int32_t req[KEEPER_REQ_LEN];

	while (xfer(ctl, req, sizeof(req), 0, -1) == 0) {
		reap(req[KEEPER_REAP], req[KEEPER_SILENT]);
		if (!req[KEEPER_MORE] || spawn(h, ctl) != 0)
			break;
	}
	close(ctl);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	exit(0);
}

/* The keeper's answer (keeper side: send_worker): *pid and the worker's
 * end in *fd (-1 with none). 0, or -1 when the keeper is gone. */
static int recv_worker(int ctl, int32_t *pid, int *fd)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } c;
	struct iovec iov = { .iov_base = pid, .iov_len = sizeof(*pid) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct pollfd pfd = { .fd = ctl, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t k;

	*fd = -1;
	*pid = 0;
	do
		k = poll(&pfd, 1, HUB_XLSX_WAIT_S * 1000);
	while (k < 0 && errno == EINTR);
	if (k <= 0)
		return -1;
	do
		k = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC);
	while (k < 0 && errno == EINTR);
	if (k != (ssize_t)sizeof(*pid))
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

/* Ask the keeper for a worker in place of the last one (which it reaps),
 * at most HUB_XLSX_STARTS_MAX in HUB_XLSX_STARTS_WINDOW_S, so a book that
 * kills every worker cannot keep it forking. Under the lock, or before
 * any thread. 0, or -1 (logged). */
static int restart(struct hub_xlsx_worker *w)
{
	int32_t req[KEEPER_REQ_LEN] = { 0 }, pid;
	struct timespec now;
	int fd;

	if (w->ctl < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (w->starts == 0 || now.tv_sec - w->window_start >= HUB_XLSX_STARTS_WINDOW_S) {
		w->window_start = now.tv_sec;
		w->starts = 0;
	}
	if (w->starts >= HUB_XLSX_STARTS_MAX) {
		pb_warn("export worker: %d started in %d s, the most allowed "
			"(HUB_XLSX_STARTS_MAX); XLSX exports wait", HUB_XLSX_STARTS_MAX,
			HUB_XLSX_STARTS_WINDOW_S);
		return -1;
	}
	w->starts++;
	req[KEEPER_REAP] = w->pid;
	req[KEEPER_SILENT] = w->silent;
	req[KEEPER_MORE] = 1;
	if (xfer(w->ctl, req, sizeof(req), 1, HUB_XLSX_WAIT_S * 1000) != 0 ||
	    recv_worker(w->ctl, &pid, &fd) != 0) {
		pb_err("export worker: its keeper (pid %d) is gone; XLSX exports are unavailable "
		       "until pb-hub starts again", w->keeper);
		close(w->ctl);
		w->ctl = -1;
		return -1;
	}
	w->pid = 0;
	w->silent = 0;
	if (fd < 0)
		return -1;              /* the keeper said why */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		pb_err("export worker: %s", strerror(errno));
		close(fd);
		return -1;
	}
	w->fd = fd;
	w->pid = pid;
	return 0;
}

int hub_xlsx_worker_start(struct hub *h, int lfd)
{
	struct hub_xlsx_worker *w = &h->xlsx;
	sigset_t stop_set;
	int sv[2];
	pid_t pid;

	pthread_mutex_init(&w->lock, NULL);
	w->fd = w->ctl = -1;
	w->pid = w->keeper = 0;
	w->silent = 0;
	w->window_start = 0;
	w->starts = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		pb_err("export worker: no socket pair: %s; XLSX exports are unavailable",
		       strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pb_err("export worker: cannot start its keeper: %s; XLSX exports are unavailable",
		       strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		if (lfd >= 0)
			close(lfd);
		/* what it and its workers have no use for: the database's, the
		 * TLS key's and the signing key's secrets */
		sodium_memzero(h->conninfo, sizeof(h->conninfo));
		if (h->tls_key != NULL)
			sodium_memzero(h->tls_key, strlen(h->tls_key));
		sodium_memzero(h->sign_sk, sizeof(h->sign_sk));
		h->has_sign_key = 0;
		/* A stop signal for the whole group reaches pb-hub, which then
		 * closes its ends: the worker ends there and removes its files,
		 * then the keeper. */
		sigemptyset(&stop_set);
		sigaddset(&stop_set, SIGTERM);
		sigaddset(&stop_set, SIGINT);
		sigaddset(&stop_set, SIGHUP);
		sigprocmask(SIG_BLOCK, &stop_set, NULL);
		prctl(PR_SET_NAME, KEEPER_NAME, 0, 0, 0);
		keeper_main(h, sv[1]);
	}
	close(sv[1]);
	w->ctl = sv[0];
	w->keeper = pid;
	return restart(w);
}

/* The worker is no longer usable: say why and close; the keeper reaps it
 * (ended it first when it went silent) as it starts the next. Called
 * under the lock. */
static void give_up(struct hub_xlsx_worker *w, int err)
{
	pb_err("export worker (pid %d): %s; another is started for the next XLSX", w->pid,
	       err ? strerror(err) : "closed its end");
	close(w->fd);
	w->fd = -1;
	w->silent = err == ETIMEDOUT;
}

enum hub_xlsx_result hub_xlsx_worker_make(struct hub *h, const json_t *book, char **out,
					  size_t *len)
{
	struct hub_xlsx_worker *w = &h->xlsx;
	const int t = HUB_XLSX_TIMEOUT_S * 1000;
	enum hub_xlsx_result res = HUB_XLSX_GONE;
	struct timespec until;
	char *text = json_dumps(book, JSON_COMPACT), *data = NULL;
	uint32_t n, head[2];

	*out = NULL;
	*len = 0;
	if (text == NULL)
		return HUB_XLSX_FAILED;
	if (strlen(text) > w->book_max || pb_xlsx_rows_over(book)) {
		pb_warn("export: a book of %zu bytes, over the export worker's limit of %zu (-X), "
			"or a sheet over %d rows", strlen(text), w->book_max, PB_XLSX_ROWS_MAX);
		free(text);
		return HUB_XLSX_TOO_LARGE;
	}
	n = (uint32_t)strlen(text);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += HUB_XLSX_WAIT_S;
	if (pthread_mutex_timedlock(&w->lock, &until) != 0) {
		free(text);
		return HUB_XLSX_BUSY;
	}
	if (w->fd < 0 && restart(w) != 0)
		goto out;
	/* A worker that ended since the last book is found here: one more
	 * try with a new one. One that fell silent is not tried again. */
	for (int tries = 0;; tries++) {
		int err;
		if (xfer(w->fd, &n, sizeof(n), 1, t) == 0 && xfer(w->fd, text, n, 1, t) == 0 &&
		    xfer(w->fd, head, sizeof(head), 0, t) == 0 &&
		    (head[0] != 0 || (head[1] > 0 && head[1] <= HUB_XLSX_FILE_MAX)))
			break;
		err = errno;
		give_up(w, err);
		if (tries > 0 || err == ETIMEDOUT || restart(w) != 0)
			goto out;
	}
	res = HUB_XLSX_FAILED;
	if (head[0] != 0)
		goto out;
	data = malloc(head[1]);
	if (data == NULL || xfer(w->fd, data, head[1], 0, t) != 0) {
		/* the rest of the answer cannot be read past: the end */
		give_up(w, data == NULL ? ENOMEM : errno);
		goto out;
	}
	*out = data;
	*len = head[1];
	data = NULL;
	res = HUB_XLSX_OK;
out:
	pthread_mutex_unlock(&w->lock);
	free(data);
	free(text);
	return res;
}

void hub_xlsx_worker_stop(struct hub *h)
{
	struct hub_xlsx_worker *w = &h->xlsx;
	int32_t req[KEEPER_REQ_LEN] = { 0 };

	/* closing its end ends the worker; the keeper reaps it, ends one
	 * given up as silent, and ends in turn */
	if (w->fd >= 0)
		close(w->fd);
	else
		req[KEEPER_REAP] = w->pid;
	req[KEEPER_SILENT] = w->silent;
	if (w->ctl >= 0) {
		if (xfer(w->ctl, req, sizeof(req), 1, HUB_XLSX_WAIT_S * 1000) != 0)
			pb_warn("export worker: its keeper (pid %d) did not take the stop: %s",
				w->keeper, strerror(errno));
		close(w->ctl);
	}
	if (w->keeper > 0)
		waitpid(w->keeper, NULL, 0);
	w->fd = w->ctl = -1;
	w->pid = w->keeper = 0;
	pthread_mutex_destroy(&w->lock);
}
