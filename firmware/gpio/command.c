/* The sync and shutdown commands: split into words, run with fork/exec
 * (no shell, so nothing in the configuration is interpreted), reaped on
 * SIGCHLD, their exit logged. */
#include "gpio.h"

#include "pb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int pb_command_parse(struct pb_command *c, const char *what, const char *line)
{
	char *save = NULL, *w;
	int n = 0;

	memset(c, 0, sizeof(*c));
	c->what = what;
	if (strlen(line) >= sizeof(c->buf))
		return -1;
	memcpy(c->buf, line, strlen(line) + 1);
	for (w = strtok_r(c->buf, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (n >= PB_COMMAND_ARGS_MAX)
			return -1;
		c->argv[n++] = w;
	}
	c->argv[n] = NULL;
	return n > 0 ? 0 : -1;
}

int pb_command_start(struct pb_command *c)
{
	sigset_t none;
	pid_t pid;
	int devnull;

	if (c->pid > 0) {
		errno = EALREADY;
		return -1;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(devnull);
		return -1;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls until exec. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(devnull, STDIN_FILENO);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	close(devnull);
	c->pid = pid;
	c->exit_code = 0;
	return 0;
}

void pb_command_reap(struct pb_command *cmds, int n)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		const char *what = "child";
		for (int i = 0; i < n; i++)
			if (cmds[i].pid == pid) {
				what = cmds[i].what;
				cmds[i].pid = 0;
				cmds[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			pb_notice("%s command (pid %d) finished: exit 0", what, (int)pid);
		else if (WIFEXITED(status))
			pb_warn("%s command (pid %d) failed: exit %d%s", what, (int)pid,
				WEXITSTATUS(status),
				WEXITSTATUS(status) == 127 ? " (not found?)" : "");
		else if (WIFSIGNALED(status))
			pb_warn("%s command (pid %d) killed by signal %d", what, (int)pid,
				WTERMSIG(status));
	}
}
