/* pb-gpio: the box's three status LEDs (ready, Wi-Fi, sync) and its one
 * button (short press: sync now; hold: shut down), on libgpiod v1.
 *
 * The event loop. One thread, one poll() over four descriptors:
 *   signalfd   SIGTERM/SIGINT: LEDs off, lines released, exit 0;
 *              SIGCHLD: reap a finished command; SIGHUP: ignored
 *   timerfd    armed (absolute, CLOCK_MONOTONIC) for the earliest of: the
 *              next step of any LED pattern, the button's debounce or
 *              hold deadline, the systemd watchdog ping (so the ping proves
 *              this loop turns); solid LEDs and an idle button arm nothing
 *              else
 *   line fd    the button's edge events (gpiod_line_event_get_fd); all
 *              waiting edges are read at once and replayed in order at the
 *              kernel's time stamps, so a late wake-up (a busy box) never
 *              turns a press into a "bounce" or bounces into presses
 *   pipe       the status thread (status.c) wrote a new snapshot
 * Every wake-up runs the same three steps: advance the button machine,
 * choose each LED's pattern from the state × pattern table, set the lines
 * that changed. Nothing in the loop blocks: the slow reads (HTTP, SQLite,
 * hostapd) happen in the status thread. */
#include "gpio.h"

#include "pb_log.h"
#include "pb_notify.h"
#include "pb_opts.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define PB_GPIO_NOTIFY_DRAIN 64      /* bytes read from the status pipe at once */
/* Without the configured GPIO chip (a board without one, an emulator),
 * look for it again this often, in seconds. */
#define PB_GPIO_CHIP_RETRY_S 30

enum { FD_SIGNAL, FD_TIMER, FD_BUTTON, FD_STATUS, FD__COUNT };
enum { CMD_SYNC, CMD_SHUTDOWN, CMD__COUNT };

struct led_run {
	struct pb_pattern pat;
	int64_t started;
	int valid;
};

struct app {
	struct pb_config cfg;
	struct pb_lines *lines;
	struct pb_monitor *monitor;
	struct pb_button button;
	struct pb_command cmd[CMD__COUNT];
	struct led_run led[PB_LED__COUNT];
	enum pb_light_state shown[PB_LED__COUNT];
	int shutting_down;
	int64_t started;
	int64_t watchdog_ms;            /* ping systemd this often; 0: no watchdog */
	int64_t watchdog_next;
	int fd[FD__COUNT];
	int notify_wr;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pb-gpio -c FILE [-n] [-d]\n"
		"  -c FILE  box configuration (INI, section [gpio])\n"
		"  -n       check the configuration, print \"configuration OK\", exit\n"
		"  -d       debug logging (every LED state and button event)\n"
		"  -V, --version  print the version\n"
		"  -h, --help     print this help\n");
}

/* Checks beyond the key table: values only pb-gpio interprets. */
static int check_config(struct app *a)
{
	const struct pb_config *c = &a->cfg;
	const char *biases[] = { "pull-up", "pull-down", "disable", "as-is" };
	unsigned lines[] = { c->gpio_ready_line, c->gpio_wifi_line, c->gpio_sync_line,
			     c->gpio_button_line };
	int ok = 0, rc = 0;

	if (pb_wifi_check_parse(c) == PB_WIFI_CHECK_INVALID) {
		fprintf(stderr, "%s: [gpio] wifi_check = '%s': expected auto, hostapd, "
			"operstate or none\n", c->path, c->gpio_wifi_check);
		rc = -1;
	}
	for (size_t i = 0; i < sizeof(biases) / sizeof(biases[0]); i++)
		ok |= strcmp(c->gpio_button_bias, biases[i]) == 0;
	if (!ok) {
		fprintf(stderr, "%s: [gpio] button_bias = '%s': expected pull-up, pull-down, "
			"disable or as-is\n", c->path, c->gpio_button_bias);
		rc = -1;
	}
	for (size_t i = 0; i < 4; i++)
		for (size_t j = i + 1; j < 4; j++)
			if (lines[i] == lines[j]) {
				fprintf(stderr, "%s: [gpio] line %u is used twice\n", c->path,
					lines[i]);
				rc = -1;
			}
	if (c->gpio_short_press_ms >= c->gpio_hold_s * 1000) {
		fprintf(stderr, "%s: [gpio] short_press_ms must be shorter than hold_s\n",
			c->path);
		rc = -1;
	}
	if (pb_command_parse(&a->cmd[CMD_SYNC], "sync", c->gpio_sync_command) != 0) {
		fprintf(stderr, "%s: [gpio] sync_command: empty or more than %d words\n",
			c->path, PB_COMMAND_ARGS_MAX);
		rc = -1;
	}
	if (pb_command_parse(&a->cmd[CMD_SHUTDOWN], "shutdown",
			     c->gpio_shutdown_command) != 0) {
		fprintf(stderr, "%s: [gpio] shutdown_command: empty or more than %d words\n",
			c->path, PB_COMMAND_ARGS_MAX);
		rc = -1;
	}
	return rc;
}

static void run_command(struct app *a, int which)
{
	struct pb_command *c = &a->cmd[which];
	const char *line = which == CMD_SYNC ? a->cfg.gpio_sync_command :
		a->cfg.gpio_shutdown_command;

	if (pb_command_start(c) != 0) {
		if (errno == EALREADY)
			pb_notice("%s command still running (pid %d): not started again",
				  c->what, (int)c->pid);
		else
			pb_err("cannot start the %s command '%s': %s", c->what, c->argv[0],
			       strerror(errno));
		return;
	}
	pb_notice("button: started the %s command (pid %d): %s", c->what, (int)c->pid, line);
}

static int64_t update_leds(struct app *a, int64_t now);

static void on_button(struct app *a, enum pb_button_action act, int64_t now)
{
	switch (act) {
	case PB_BACT_NONE:
		break;
	case PB_BACT_SYNC:
		pb_notice("button: short press, asking for a sync");
		run_command(a, CMD_SYNC);
		break;
	case PB_BACT_WARN:
		pb_notice("button: held, the box shuts down at %u s unless released",
			  a->cfg.gpio_hold_s);
		break;
	case PB_BACT_CANCEL:
		pb_notice("button: released early, shutdown cancelled");
		break;
	case PB_BACT_SHUTDOWN:
		pb_notice("button: held %u s, shutting the box down", a->cfg.gpio_hold_s);
		a->shutting_down = 1;
		(void)update_leds(a, now);          /* the LEDs say so first */
		run_command(a, CMD_SHUTDOWN);
		break;
	}
}

/* Choose each LED's state and pattern, set the lines. Returns the time
 * of the next pattern step, -1 if all are solid. */
static int64_t update_leds(struct app *a, int64_t now)
{
	struct pb_status st;
	enum pb_light_state want[PB_LED__COUNT];
	int64_t next = -1;

	pb_monitor_get(a->monitor, &st);
	want[PB_LED_READY] = pb_state_ready(&st, now - a->started, a->cfg.gpio_startup_s);
	want[PB_LED_WIFI] = pb_state_wifi(&st);
	want[PB_LED_SYNC] = pb_state_sync(&st);
	if (a->shutting_down)
		want[0] = want[1] = want[2] = PB_HOLD_SHUTDOWN;
	else if (a->button.state == PB_BTN_HOLDING)
		want[0] = want[1] = want[2] = PB_HOLD_WARNING;

	for (int i = 0; i < PB_LED__COUNT; i++) {
		const struct pb_light_row *row = pb_light_row(want[i]);
		struct led_run *r = &a->led[i];
		enum pb_pattern_id id = row->pattern[i];
		/* compared capped, so a crowd of phones does not restart it */
		unsigned count = id == PB_PAT_COUNT ? pb_pattern_count_shown(st.phones) : 0;
		int64_t step;

		if (!r->valid || r->pat.id != id || r->pat.count != count) {
			pb_pattern_build(id, count, &r->pat);
			r->started = now;
			r->valid = 1;
		}
		if (a->shown[i] != want[i]) {
			pb_info("%s LED: %s (%s)", pb_led_name((enum pb_led)i),
				row->name, pb_pattern_name(id));
			a->shown[i] = want[i];
		}
		if (pb_lines_set(a->lines, (enum pb_led)i,
				 pb_pattern_level_at(&r->pat, (uint64_t)(now - r->started))) != 0)
			pb_warn("%s LED: cannot set the line: %s", pb_led_name((enum pb_led)i),
				strerror(errno));
		step = pb_pattern_next_step(&r->pat, (uint64_t)(now - r->started));
		if (step >= 0)
			next = pb_deadline_min(next, now + step);
	}
	return next;
}

static int arm_timer(int fd, int64_t at_ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (at_ms >= 0) {
		if (at_ms <= 0)
			at_ms = 1;
		its.it_value.tv_sec = at_ms / 1000;
		its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000L;
	}
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Returns 1 to go on, 0 to stop, -1 on error. */
static int on_signal(struct app *a)
{
	struct signalfd_siginfo si;

	if (read(a->fd[FD_SIGNAL], &si, sizeof(si)) != (ssize_t)sizeof(si))
		return errno == EAGAIN ? 1 : -1;
	switch (si.ssi_signo) {
	case SIGCHLD:
		pb_command_reap(a->cmd, CMD__COUNT);
		if (a->shutting_down && a->cmd[CMD_SHUTDOWN].pid == 0 &&
		    a->cmd[CMD_SHUTDOWN].exit_code != 0) {
			pb_err("the shutdown command failed: the box stays on");
			a->shutting_down = 0;
		}
		return 1;
	case SIGHUP:
		pb_info("SIGHUP: nothing to reload (restart pb-gpio for a new configuration)");
		return 1;
	default:
		pb_notice("stopping on signal %u", si.ssi_signo);
		return 0;
	}
}

static void on_button_fd(struct app *a)
{
	enum pb_button_action act;
	int64_t at;
	int level, n = 0;

	do {
		level = pb_lines_button_read(a->lines, &at);
		if (level < 0) {
			pb_warn("button: cannot read an event: %s", strerror(errno));
			return;
		}
		/* What the machine would have done up to this edge, first. */
		while ((act = pb_button_tick(&a->button, at)) != PB_BACT_NONE)
			on_button(a, act, pb_gpio_now_ms());
		pb_debug("button: edge, now %s", level ? "pressed" : "released");
		pb_button_edge(&a->button, level, at);
	} while (++n < PB_GPIO_EDGES_MAX && pb_lines_button_pending(a->lines));
}

static int loop(struct app *a)
{
	struct pollfd pfd[FD__COUNT];
	char drain[PB_GPIO_NOTIFY_DRAIN];
	uint64_t ticks;
	int64_t now, next;
	enum pb_button_action act;
	int rc;

	for (int i = 0; i < FD__COUNT; i++) {
		pfd[i].fd = a->fd[i];
		pfd[i].events = POLLIN;
	}
	for (;;) {
		/* Edges first, at their own times, then the clock catches up. */
		if (pb_lines_button_pending(a->lines))
			on_button_fd(a);
		now = pb_gpio_now_ms();
		while ((act = pb_button_tick(&a->button, now)) != PB_BACT_NONE)
			on_button(a, act, now);
		if (a->watchdog_ms > 0 && now >= a->watchdog_next) {
			pb_notify("WATCHDOG=1");
			a->watchdog_next = now + a->watchdog_ms;
		}
		next = pb_deadline_min(update_leds(a, now), pb_button_deadline(&a->button));
		if (a->watchdog_ms > 0)
			next = pb_deadline_min(next, a->watchdog_next);
		if (arm_timer(a->fd[FD_TIMER], next) != 0) {
			pb_err("timerfd: %s", strerror(errno));
			return -1;
		}
		if (poll(pfd, FD__COUNT, -1) < 0) {
			if (errno == EINTR)
				continue;
			pb_err("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[FD_SIGNAL].revents & POLLIN) {
			rc = on_signal(a);
			if (rc <= 0)
				return rc;
		}
		if (pfd[FD_TIMER].revents & POLLIN)
			(void)!read(a->fd[FD_TIMER], &ticks, sizeof(ticks));
		if (pfd[FD_STATUS].revents & POLLIN)
			(void)!read(a->fd[FD_STATUS], drain, sizeof(drain));
		if (pfd[FD_BUTTON].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			pb_err("button: the line's event descriptor failed");
			return -1;
		}
	}
}

/* Without the chip pb-gpio keeps running (so its unit does not fail) and
 * says why: in the log once, in the unit's status, and looks again every
 * PB_GPIO_CHIP_RETRY_S, or at once on SIGHUP. 1 when the chip is there, 0 on a stop signal, -1
 * on an error. */
static int wait_for_chip(struct app *a)
{
	struct pollfd p = { a->fd[FD_SIGNAL], POLLIN, 0 };
	int64_t now, next_try, wait;
	char status[PB_CONFIG_STR_LEN + 128];
	struct signalfd_siginfo si;

	if (pb_lines_chip_present(&a->cfg) == 0)
		return 1;
	pb_warn("no GPIO chip '%s' (%s): no lights and no button; looking for it again "
		"every %d s", a->cfg.gpio_chip, strerror(errno), PB_GPIO_CHIP_RETRY_S);
	snprintf(status, sizeof(status), "READY=1\nSTATUS=waiting for GPIO chip %s: %s",
		 a->cfg.gpio_chip, strerror(errno));
	if (pb_notify(status) == PB_NOTIFY_ERROR)
		pb_warn("%s: %s", pb_notify_strerror(PB_NOTIFY_ERROR), strerror(errno));
	next_try = pb_gpio_now_ms() + PB_GPIO_CHIP_RETRY_S * 1000;
	for (;;) {
		now = pb_gpio_now_ms();
		if (a->watchdog_ms > 0 && now >= a->watchdog_next) {
			pb_notify("WATCHDOG=1");
			a->watchdog_next = now + a->watchdog_ms;
		}
		if (now >= next_try) {
			if (pb_lines_chip_present(&a->cfg) == 0) {
				pb_notice("GPIO chip '%s' found", a->cfg.gpio_chip);
				return 1;
			}
			pb_debug("still no GPIO chip '%s': %s", a->cfg.gpio_chip, strerror(errno));
			next_try = now + PB_GPIO_CHIP_RETRY_S * 1000;
		}
		wait = next_try - now;
		if (a->watchdog_ms > 0 && a->watchdog_next - now < wait)
			wait = a->watchdog_next - now;
		if (poll(&p, 1, (int)(wait > 0 ? wait : 0)) < 0 && errno != EINTR) {
			pb_err("poll: %s", strerror(errno));
			return -1;
		}
		if (!(p.revents & POLLIN))
			continue;
		if (read(a->fd[FD_SIGNAL], &si, sizeof(si)) != (ssize_t)sizeof(si)) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			pb_err("signalfd: %s", strerror(errno));
			return -1;
		}
		if (si.ssi_signo == SIGHUP) {
			next_try = now;             /* look again now */
		} else if (si.ssi_signo != SIGCHLD) {
			pb_notice("stopping on signal %u", si.ssi_signo);
			return 0;
		}
	}
}

static int setup_fds(struct app *a)
{
	sigset_t set;
	int pipefd[2];

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	/* Blocked before the status thread starts, so it inherits the mask
	 * and every signal reaches the signalfd. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	a->fd[FD_SIGNAL] = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	a->fd[FD_TIMER] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (a->fd[FD_SIGNAL] < 0 || a->fd[FD_TIMER] < 0)
		return -1;
	if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	a->fd[FD_STATUS] = pipefd[0];
	a->notify_wr = pipefd[1];
	return 0;
}

static void close_fds(struct app *a)
{
	for (int i = 0; i < FD__COUNT; i++)
		if (a->fd[i] >= 0 && i != FD_BUTTON)     /* libgpiod owns that one */
			close(a->fd[i]);
	if (a->notify_wr >= 0)
		close(a->notify_wr);
}

int main(int argc, char **argv)
{
	struct app *a;
	const char *conf = NULL;
	int check_only = 0, curl_started = 0, opt, level, rc = 1;

	pb_log_init("pb-gpio");
	while ((opt = getopt_long(argc, argv, "c:ndVh", pb_opts_long, NULL)) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'n': check_only = 1; break;
		case 'd': pb_log_set_level(LOG_DEBUG); break;
		case 'V': printf("pb-gpio %s\n", PB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (conf == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return 1;
	for (int i = 0; i < FD__COUNT; i++)
		a->fd[i] = -1;
	a->notify_wr = -1;
	if (pb_config_load(&a->cfg, conf) != 0) {
		pb_config_print_errors(&a->cfg, stderr);
		goto out;
	}
	if (check_config(a) != 0)
		goto out;
	if (check_only) {
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}
	if (geteuid() == 0)
		pb_warn("running as root: the box runs pb-gpio as its own user in group gpio");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pb_err("libcurl cannot start");
		goto out;
	}
	curl_started = 1;
	if (setup_fds(a) != 0) {
		pb_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	/* With a systemd watchdog, ping at half its interval. */
	a->watchdog_ms = (int64_t)(pb_notify_watchdog_usec() / 2000);
	a->watchdog_next = pb_gpio_now_ms() + a->watchdog_ms;
	switch (wait_for_chip(a)) {
	case 1:
		break;
	case 0:
		rc = 0;
		pb_notify("STOPPING=1");
		goto out;
	default:
		goto out;
	}
	a->lines = pb_lines_open(&a->cfg);
	if (a->lines == NULL)
		goto out;
	a->fd[FD_BUTTON] = pb_lines_button_fd(a->lines);
	level = pb_lines_button_level(a->lines);
	if (a->fd[FD_BUTTON] < 0 || level < 0) {
		pb_err("button: cannot watch line %u: %s", a->cfg.gpio_button_line,
		       strerror(errno));
		goto out;
	}
	a->started = pb_gpio_now_ms();
	pb_button_init(&a->button, a->cfg.gpio_debounce_ms, a->cfg.gpio_short_press_ms,
		       a->cfg.gpio_hold_s * 1000, level, a->started);
	if (level)
		pb_warn("button: pressed at start; it counts again once released");
	for (int i = 0; i < PB_LED__COUNT; i++)
		a->shown[i] = PB_LIGHT__COUNT;
	a->monitor = pb_monitor_start(&a->cfg, a->notify_wr);
	if (a->monitor == NULL) {
		pb_err("cannot start the status thread: %s", strerror(errno));
		goto out;
	}
	pb_notice("pb-gpio %s on %s: LEDs %u/%u/%u, button %u", PB_VERSION, a->cfg.gpio_chip,
		  a->cfg.gpio_ready_line, a->cfg.gpio_wifi_line, a->cfg.gpio_sync_line,
		  a->cfg.gpio_button_line);
	if (pb_notify("READY=1\nSTATUS=lights and button running") == PB_NOTIFY_ERROR)
		pb_warn("%s: %s", pb_notify_strerror(PB_NOTIFY_ERROR), strerror(errno));
	a->watchdog_next = pb_gpio_now_ms() + a->watchdog_ms;
	if (loop(a) == 0)
		rc = 0;
	pb_notify("STOPPING=1");
out:
	pb_monitor_stop(a->monitor);
	pb_lines_close(a->lines);           /* LEDs off, lines released */
	if (curl_started)
		curl_global_cleanup();
	close_fds(a);
	free(a);
	return rc;
}
