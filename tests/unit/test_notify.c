/* Unit tests: the service-manager notification (pb_notify) against a real
 * unix datagram socket standing in for systemd's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pb_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_at(struct sockaddr_un *sa, const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	if (path[0] == '@')
		sa->sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) +
					  (path[0] == '/'))), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[PB_NOTIFY_MAX + 1];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_path_socket(void **state)
{
	char dir[] = "/tmp/pb-notify-XXXXXX", path[64];
	struct sockaddr_un sa;
	int fd;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_at(&sa, path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(pb_notify("READY=1\nSTATUS=serving"), PB_NOTIFY_SENT);
	expect_datagram(fd, "READY=1\nSTATUS=serving");
	assert_int_equal(pb_notify("WATCHDOG=1"), PB_NOTIFY_SENT);
	expect_datagram(fd, "WATCHDOG=1");
	close(fd);
	unlink(path);
	rmdir(dir);
	/* The listener is gone: a clear error, no crash. */
	assert_int_equal(pb_notify("READY=1"), PB_NOTIFY_ERROR);
	unsetenv("NOTIFY_SOCKET");
}

static void test_abstract_socket(void **state)
{
	char name[64];
	struct sockaddr_un sa;
	int fd;
	(void)state;

	snprintf(name, sizeof(name), "@pb-notify-test-%ld", (long)getpid());
	fd = listen_at(&sa, name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(pb_notify("READY=1"), PB_NOTIFY_SENT);
	expect_datagram(fd, "READY=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_no_socket_and_bad_input(void **state)
{
	char big[PB_NOTIFY_MAX + 2];
	(void)state;

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(pb_notify("READY=1"), PB_NOTIFY_NO_SOCKET);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(pb_notify("READY=1"), PB_NOTIFY_ERROR);
	setenv("NOTIFY_SOCKET", "/tmp/x", 1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pb_notify(big), PB_NOTIFY_ERROR);
	assert_int_equal(pb_notify(""), PB_NOTIFY_ERROR);
	unsetenv("NOTIFY_SOCKET");
	assert_string_equal(pb_notify_strerror(PB_NOTIFY_NO_SOCKET), "NOTIFY_SOCKET is not set");
}

static void test_watchdog_usec(void **state)
{
	char pid[32];
	(void)state;

	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(pb_notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(pb_notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(pb_notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", "1", 1);              /* another process's */
	assert_int_equal(pb_notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "12x", 1);
	assert_int_equal(pb_notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_no_socket_and_bad_input),
		cmocka_unit_test(test_watchdog_usec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
