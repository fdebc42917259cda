/* A stand-in for libgpiod v1, preloaded (LD_PRELOAD) into the unchanged
 * pb-gpio binary by the GPIO tests: this machine has no GPIO chip and its
 * kernel cannot simulate one (no gpio-sim, no gpio-mockup).
 *
 * It defines the libgpiod v1 functions with their real signatures (from
 * <gpiod.h>) and keeps the behaviour pb-gpio relies on: one chip with
 * FAKEGPIOD_LINES lines (default 58, like a Pi 4), active-low inversion
 * done by the "kernel", a line claimed by one process at a time (EBUSY
 * otherwise), lines released on gpiod_line_release / gpiod_chip_close /
 * process exit.
 *
 * Everything happens in the folder FAKEGPIOD_DIR:
 *   lines.log        one line per call that changes something, with the
 *                    wall-clock time (CLOCK_REALTIME, s.ns) and the pid:
 *                      T PID open gpiochip0
 *                      T PID request-output OFFSET active_low=A value=V
 *                      T PID request-events OFFSET both|rising|falling active_low=A bias=B
 *                      T PID set OFFSET LOGICAL PHYSICAL
 *                      T PID edge OFFSET rising|falling
 *                      T PID release OFFSET
 *                      T PID close gpiochip0
 *   lineN.fifo       for a line requested for events: the test writes one
 *                    byte per physical level change, '0' (low) or '1'
 *                    (high), optionally stamped "@NS:0" with the edge's
 *                    CLOCK_MONOTONIC time in ns (what the kernel reports);
 *                    each is one edge event (bounces are just more bytes).
 *                    No separators: the FIFO is readable exactly while an
 *                    edge waits, like the kernel's fd, which is this FIFO.
 *   lineN.lock       flock()ed while the line is requested (the EBUSY a
 *                    second process gets from the kernel).
 *   no-chip          while this file exists there is no chip at all: every
 *                    open fails with ENOENT (a board without the chip, the
 *                    emulated machine of the image test). */
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FAKE_LINES_DEFAULT 58
#define FAKE_LINES_MAX     512
#define FAKE_CHIP_NAME     "gpiochip0"
#define FAKE_CHIP_LABEL    "pinctrl-bcm2711"

struct gpiod_line {
	struct gpiod_chip *chip;
	unsigned offset;
	int requested;          /* 0, or GPIOD_LINE_REQUEST_* */
	int flags;
	int logical;            /* output value, or input value */
	int physical;
	int fifo;               /* events: read end of lineN.fifo */
	int lock;
	char consumer[32];
};

struct gpiod_chip {
	unsigned nlines;
	struct gpiod_line *lines;
};

static const char *fake_dir(void)
{
	const char *d = getenv("FAKEGPIOD_DIR");
	return d != NULL ? d : "/tmp";
}

static void fake_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fake_log(const char *fmt, ...)
{
	char path[PATH_MAX], line[512];
	struct timespec ts;
	va_list ap;
	int n, fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%lld.%09ld %d ", (long long)ts.tv_sec, ts.tv_nsec,
		     (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	snprintf(path, sizeof(path), "%s/lines.log", fake_dir());
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		perror("fakegpiod: log");
	close(fd);
}

static void line_path(char *out, size_t len, unsigned offset, const char *ext)
{
	snprintf(out, len, "%s/line%u.%s", fake_dir(), offset, ext);
}

/* Chips whose event fds were handed out, for gpiod_line_event_read_fd. */
static struct gpiod_chip *open_chips[8];

/* ---- chips ---- */

static struct gpiod_chip *chip_new(void)
{
	const char *env = getenv("FAKEGPIOD_LINES");
	struct gpiod_chip *c = calloc(1, sizeof(*c));
	unsigned n = env != NULL ? (unsigned)strtoul(env, NULL, 10) : FAKE_LINES_DEFAULT;

	char gone[PATH_MAX];

	snprintf(gone, sizeof(gone), "%s/no-chip", fake_dir());
	if (access(gone, F_OK) == 0) {
		free(c);
		errno = ENOENT;
		return NULL;
	}
	if (c == NULL)
		return NULL;
	if (n == 0 || n > FAKE_LINES_MAX)
		n = FAKE_LINES_DEFAULT;
	c->nlines = n;
	c->lines = calloc(n, sizeof(*c->lines));
	if (c->lines == NULL) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		c->lines[i].chip = c;
		c->lines[i].offset = i;
		c->lines[i].fifo = -1;
		c->lines[i].lock = -1;
		c->lines[i].physical = 1;
	}
	fake_log("open %s", FAKE_CHIP_NAME);
	return c;
}

struct gpiod_chip *gpiod_chip_open(const char *path)
{
	if (path == NULL || strcmp(path, "/dev/" FAKE_CHIP_NAME) != 0) {
		errno = ENOENT;
		return NULL;
	}
	return chip_new();
}

struct gpiod_chip *gpiod_chip_open_by_name(const char *name)
{
	if (name == NULL || strcmp(name, FAKE_CHIP_NAME) != 0) {
		errno = ENOENT;
		return NULL;
	}
	return chip_new();
}

struct gpiod_chip *gpiod_chip_open_by_number(unsigned int num)
{
	if (num != 0) {
		errno = ENOENT;
		return NULL;
	}
	return chip_new();
}

struct gpiod_chip *gpiod_chip_open_by_label(const char *label)
{
	if (label == NULL || strcmp(label, FAKE_CHIP_LABEL) != 0) {
		errno = ENOENT;
		return NULL;
	}
	return chip_new();
}

struct gpiod_chip *gpiod_chip_open_lookup(const char *descr)
{
	if (descr == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (strcmp(descr, "0") == 0)
		return gpiod_chip_open_by_number(0);
	if (strncmp(descr, "/dev/", 5) == 0)
		return gpiod_chip_open(descr);
	if (strcmp(descr, FAKE_CHIP_LABEL) == 0)
		return gpiod_chip_open_by_label(descr);
	return gpiod_chip_open_by_name(descr);
}

const char *gpiod_chip_name(struct gpiod_chip *chip)
{
	(void)chip;
	return FAKE_CHIP_NAME;
}

const char *gpiod_chip_label(struct gpiod_chip *chip)
{
	(void)chip;
	return FAKE_CHIP_LABEL;
}

unsigned int gpiod_chip_num_lines(struct gpiod_chip *chip)
{
	return chip->nlines;
}

struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	if (chip == NULL || offset >= chip->nlines) {
		errno = EINVAL;
		return NULL;
	}
	return &chip->lines[offset];
}

void gpiod_chip_close(struct gpiod_chip *chip)
{
	if (chip == NULL)
		return;
	for (unsigned i = 0; i < chip->nlines; i++)
		gpiod_line_release(&chip->lines[i]);
	for (size_t i = 0; i < sizeof(open_chips) / sizeof(open_chips[0]); i++)
		if (open_chips[i] == chip)
			open_chips[i] = NULL;
	fake_log("close %s", FAKE_CHIP_NAME);
	free(chip->lines);
	free(chip);
}

/* ---- lines ---- */

unsigned int gpiod_line_offset(struct gpiod_line *line)
{
	return line->offset;
}

const char *gpiod_line_consumer(struct gpiod_line *line)
{
	return line->requested ? line->consumer : NULL;
}

bool gpiod_line_is_requested(struct gpiod_line *line)
{
	return line->requested != 0;
}

static int active_low(const struct gpiod_line *line)
{
	return (line->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) != 0;
}

static const char *bias_name(int flags)
{
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
		return "pull-up";
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
		return "pull-down";
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
		return "disable";
	return "as-is";
}

/* Claim the line for this process, as the kernel does. */
static int claim(struct gpiod_line *line)
{
	char path[PATH_MAX];

	if (line->requested) {
		errno = EBUSY;
		return -1;
	}
	line_path(path, sizeof(path), line->offset, "lock");
	line->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (line->lock < 0)
		return -1;
	if (flock(line->lock, LOCK_EX | LOCK_NB) != 0) {
		close(line->lock);
		line->lock = -1;
		errno = EBUSY;
		return -1;
	}
	return 0;
}

int gpiod_line_request(struct gpiod_line *line,
		       const struct gpiod_line_request_config *config, int default_val)
{
	char path[PATH_MAX];
	const char *edge = NULL;

	if (line == NULL || config == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (claim(line) != 0)
		return -1;
	line->flags = config->flags;
	snprintf(line->consumer, sizeof(line->consumer), "%s",
		 config->consumer != NULL ? config->consumer : "?");
	switch (config->request_type) {
	case GPIOD_LINE_REQUEST_DIRECTION_OUTPUT:
		line->logical = default_val ? 1 : 0;
		line->physical = line->logical ^ active_low(line);
		line->requested = config->request_type;
		fake_log("request-output %u active_low=%d value=%d", line->offset,
			 active_low(line), line->logical);
		return 0;
	case GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES:
		edge = "both";
		break;
	case GPIOD_LINE_REQUEST_EVENT_RISING_EDGE:
		edge = "rising";
		break;
	case GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE:
		edge = "falling";
		break;
	case GPIOD_LINE_REQUEST_DIRECTION_INPUT:
	case GPIOD_LINE_REQUEST_DIRECTION_AS_IS:
		line->physical = (config->flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN) ? 0 : 1;
		line->requested = config->request_type;
		fake_log("request-input %u active_low=%d bias=%s", line->offset,
			 active_low(line), bias_name(config->flags));
		return 0;
	default:
		close(line->lock);
		line->lock = -1;
		errno = EINVAL;
		return -1;
	}
	line->physical = (config->flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN) ? 0 : 1;
	line_path(path, sizeof(path), line->offset, "fifo");
	if (mkfifo(path, 0600) != 0 && errno != EEXIST)
		goto fail;
	/* O_RDWR: never EOF when the test closes its end. */
	line->fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (line->fifo < 0)
		goto fail;
	line->requested = config->request_type;
	fake_log("request-events %u %s active_low=%d bias=%s", line->offset, edge,
		 active_low(line), bias_name(config->flags));
	return 0;
fail:
	close(line->lock);
	line->lock = -1;
	return -1;
}

static int request_simple(struct gpiod_line *line, const char *consumer, int type,
			  int flags, int value)
{
	struct gpiod_line_request_config cfg = { consumer, type, flags };
	return gpiod_line_request(line, &cfg, value);
}

int gpiod_line_request_input(struct gpiod_line *line, const char *consumer)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, 0, 0);
}

int gpiod_line_request_input_flags(struct gpiod_line *line, const char *consumer, int flags)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, flags, 0);
}

int gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int default_val)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, 0,
			      default_val);
}

int gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer,
				    int flags, int default_val)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, flags,
			      default_val);
}

int gpiod_line_request_rising_edge_events(struct gpiod_line *line, const char *consumer)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE, 0, 0);
}

int gpiod_line_request_falling_edge_events(struct gpiod_line *line, const char *consumer)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE, 0, 0);
}

int gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, 0, 0);
}

int gpiod_line_request_rising_edge_events_flags(struct gpiod_line *line,
						const char *consumer, int flags)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_EVENT_RISING_EDGE, flags, 0);
}

int gpiod_line_request_falling_edge_events_flags(struct gpiod_line *line,
						 const char *consumer, int flags)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE, flags, 0);
}

int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
					       const char *consumer, int flags)
{
	return request_simple(line, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, flags, 0);
}

void gpiod_line_release(struct gpiod_line *line)
{
	if (line == NULL || !line->requested)
		return;
	if (line->fifo >= 0)
		close(line->fifo);
	if (line->lock >= 0)
		close(line->lock);             /* drops the flock */
	line->fifo = line->lock = -1;
	line->requested = 0;
	fake_log("release %u", line->offset);
}

int gpiod_line_get_value(struct gpiod_line *line)
{
	if (!line->requested) {
		errno = EPERM;
		return -1;
	}
	if (line->requested == GPIOD_LINE_REQUEST_DIRECTION_OUTPUT)
		return line->logical;
	return line->physical ^ active_low(line);
}

int gpiod_line_set_value(struct gpiod_line *line, int value)
{
	if (line->requested != GPIOD_LINE_REQUEST_DIRECTION_OUTPUT) {
		errno = EPERM;
		return -1;
	}
	line->logical = value ? 1 : 0;
	line->physical = line->logical ^ active_low(line);
	fake_log("set %u %d %d", line->offset, line->logical, line->physical);
	return 0;
}

/* ---- events ---- */


int gpiod_line_event_get_fd(struct gpiod_line *line)
{
	if (line->fifo < 0) {
		errno = EPERM;
		return -1;
	}
	for (size_t i = 0; i < sizeof(open_chips) / sizeof(open_chips[0]); i++)
		if (open_chips[i] == NULL || open_chips[i] == line->chip) {
			open_chips[i] = line->chip;
			break;
		}
	return line->fifo;
}

static struct gpiod_line *by_fifo(int fd)
{
	for (size_t i = 0; i < sizeof(open_chips) / sizeof(open_chips[0]); i++) {
		struct gpiod_chip *c = open_chips[i];
		if (c == NULL)
			continue;
		for (unsigned j = 0; j < c->nlines; j++)
			if (c->lines[j].fifo == fd)
				return &c->lines[j];
	}
	return NULL;
}

int gpiod_line_event_wait(struct gpiod_line *line, const struct timespec *timeout)
{
	struct pollfd p = { line->fifo, POLLIN, 0 };
	int ms = timeout == NULL ? -1 :
		(int)(timeout->tv_sec * 1000 + timeout->tv_nsec / 1000000);
	int rc = poll(&p, 1, ms);

	return rc < 0 ? -1 : rc > 0 ? 1 : 0;
}

/* One byte from the FIFO, waiting for it like a blocking read. */
static int fifo_byte(struct gpiod_line *line)
{
	struct pollfd p = { line->fifo, POLLIN, 0 };
	char b;

	for (;;) {
		ssize_t n = read(line->fifo, &b, 1);
		if (n == 1)
			return (unsigned char)b;
		if (n < 0 && errno != EAGAIN)
			return -1;
		if (poll(&p, 1, -1) < 0)
			return -1;
	}
}

/* Read one edge, "0"/"1" or "@NS:0"/"@NS:1" (NS: CLOCK_MONOTONIC ns of
 * the edge, as the kernel stamps it at the interrupt; without it, the time
 * of reading). Turn it into the event the kernel would report for this
 * request. Blocks like the real read. */
static int read_event(struct gpiod_line *line, struct gpiod_line_event *ev)
{
	long long ns;
	int c, logical;

	for (;;) {
		ns = -1;
		c = fifo_byte(line);
		if (c == '@') {
			ns = 0;
			while ((c = fifo_byte(line)) >= '0' && c <= '9')
				ns = ns * 10 + (c - '0');
			if (c != ':')
				continue;                     /* malformed: skipped */
			c = fifo_byte(line);
		}
		if (c < 0)
			return -1;
		if (c != '0' && c != '1')
			continue;
		line->physical = c - '0';
		logical = line->physical ^ active_low(line);
		if ((logical && line->requested == GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE) ||
		    (!logical && line->requested == GPIOD_LINE_REQUEST_EVENT_RISING_EDGE))
			continue;                             /* not reported by this request */
		if (ns >= 0) {
			ev->ts.tv_sec = (time_t)(ns / 1000000000LL);
			ev->ts.tv_nsec = (long)(ns % 1000000000LL);
		} else {
			clock_gettime(CLOCK_MONOTONIC, &ev->ts);
		}
		ev->event_type = logical ? GPIOD_LINE_EVENT_RISING_EDGE :
			GPIOD_LINE_EVENT_FALLING_EDGE;
		fake_log("edge %u %s", line->offset, logical ? "rising" : "falling");
		return 0;
	}
}

int gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event)
{
	if (line->fifo < 0) {
		errno = EPERM;
		return -1;
	}
	return read_event(line, event);
}

int gpiod_line_event_read_multiple(struct gpiod_line *line, struct gpiod_line_event *events,
				   unsigned int num_events)
{
	unsigned n = 0;
	struct pollfd p = { line->fifo, POLLIN, 0 };

	if (line->fifo < 0 || num_events == 0) {
		errno = EINVAL;
		return -1;
	}
	do {
		if (read_event(line, &events[n]) != 0)
			return n > 0 ? (int)n : -1;
		n++;
	} while (n < num_events && poll(&p, 1, 0) == 1);
	return (int)n;
}

int gpiod_line_event_read_fd(int fd, struct gpiod_line_event *event)
{
	struct gpiod_line *line = by_fifo(fd);

	if (line == NULL) {
		errno = EBADF;
		return -1;
	}
	return read_event(line, event);
}

int gpiod_line_event_read_fd_multiple(int fd, struct gpiod_line_event *events,
				      unsigned int num_events)
{
	struct gpiod_line *line = by_fifo(fd);

	if (line == NULL) {
		errno = EBADF;
		return -1;
	}
	return gpiod_line_event_read_multiple(line, events, num_events);
}

const char *gpiod_version_string(void)
{
	return "1.6.3-fake";
}
