/* The export worker: the office's XLSX over HTTP.
 *
 * pb-hub serves under a filter that opens no file for writing, and
 * libxlsxwriter (1.1.4, Debian 12) writes a workbook only to a file, with
 * its own temporary files beside it. So pb-hub starts one small process
 * for that, connected by a socket pair: once it runs as its own user, and
 * before it connects to the database, starts a thread or installs its
 * filter. The worker holds no database connection and no listening
 * socket, may open no new socket (its own filter,
 * hub_sandbox_enter_worker), and writes only in a directory it makes for
 * itself (mode 0700) and removes when pb-hub closes its end.
 *
 * Request: a uint32 length (host order, 1..book_max, -X KIB), then the
 * book's JSON (pb_xlsx.h). Answer: a uint32 status (0: written), a uint32
 * length (at most HUB_XLSX_FILE_MAX; 0 unless written), then the file.
 * pb-hub's threads take turns under a lock.
 *
 * pb-hub's filter lets it start no process, so a worker that dies (or
 * stays silent for HUB_XLSX_TIMEOUT_S) is not replaced: the XLSX routes
 * answer 503 until pb-hub is started again, and everything else goes on.
 * A worker killed outright leaves its directory behind. */
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

int hub_xlsx_worker_start(struct hub *h, int lfd)
{
	struct hub_xlsx_worker *w = &h->xlsx;
	sigset_t stop_set;
	int sv[2];
	pid_t pid;

	pthread_mutex_init(&w->lock, NULL);
	w->fd = -1;
	w->pid = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		pb_err("export worker: no socket pair: %s; XLSX exports are unavailable",
		       strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pb_err("export worker: cannot start it: %s; XLSX exports are unavailable",
		       strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		if (lfd >= 0)
			close(lfd);
		/* what it has no use for: the database's, the TLS key's and the
		 * signing key's secrets */
		sodium_memzero(h->conninfo, sizeof(h->conninfo));
		if (h->tls_key != NULL)
			sodium_memzero(h->tls_key, strlen(h->tls_key));
		sodium_memzero(h->sign_sk, sizeof(h->sign_sk));
		h->has_sign_key = 0;
		/* A stop signal for the whole group reaches pb-hub, which then
		 * closes its end: the worker ends there and removes its files. */
		sigemptyset(&stop_set);
		sigaddset(&stop_set, SIGTERM);
		sigaddset(&stop_set, SIGINT);
		sigaddset(&stop_set, SIGHUP);
		sigprocmask(SIG_BLOCK, &stop_set, NULL);
		prctl(PR_SET_NAME, WORKER_NAME, 0, 0, 0);
		worker_main(h, sv[1]);
	}
	close(sv[1]);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
		pb_err("export worker: %s", strerror(errno));
		close(sv[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	w->fd = sv[0];
	w->pid = pid;
	return 0;
}

/* The worker is no longer usable: say why, close, reap it when it ended.
 * Called under the lock. */
static void give_up(struct hub_xlsx_worker *w, int err)
{
	int st = 0;
	pid_t r;

	close(w->fd);
	w->fd = -1;
	/* one that closed its end is ending; a silent one may be stuck */
	r = waitpid(w->pid, &st, err == ETIMEDOUT ? WNOHANG : 0);
	if (r == w->pid && WIFSIGNALED(st))
		pb_err("export worker (pid %d) was killed by signal %d; XLSX exports are "
		       "unavailable until pb-hub starts again", w->pid, WTERMSIG(st));
	else if (r == w->pid)
		pb_err("export worker (pid %d) ended with status %d; XLSX exports are "
		       "unavailable until pb-hub starts again", w->pid, WEXITSTATUS(st));
	else
		pb_err("export worker (pid %d): %s; XLSX exports are unavailable until pb-hub "
		       "starts again", w->pid, err ? strerror(err) : "closed its end");
	if (r == w->pid)
		w->pid = 0;
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
	if (w->fd < 0)
		goto out;
	if (xfer(w->fd, &n, sizeof(n), 1, t) != 0 || xfer(w->fd, text, n, 1, t) != 0 ||
	    xfer(w->fd, head, sizeof(head), 0, t) != 0 ||
	    (head[0] == 0 && (head[1] == 0 || head[1] > HUB_XLSX_FILE_MAX))) {
		give_up(w, errno);
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

	/* closing its end ends it; one given up as silent is not waited for */
	if (w->pid > 0)
		waitpid(w->pid, NULL, w->fd >= 0 ? (close(w->fd), 0) : WNOHANG);
	else if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->pid = 0;
	pthread_mutex_destroy(&w->lock);
}
