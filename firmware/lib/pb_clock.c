#include "pb_clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static char boot_id[PB_BOOT_ID_MAX + 1] = "unknown";
static int source_override = -1;
static int64_t wall_offset_ms;
static int64_t raw_skew_ms;

static enum pb_clock_source detect_source(void);

/* PB_CLOCK_SOURCE (ntp|rtc|browser|unsynced) in the environment fixes the
 * detected source: a seam for tests of the browser clock step. */
static void read_source_env(void)
{
	const char *e = getenv("PB_CLOCK_SOURCE");
	static const char *const names[] = { "unsynced", "ntp", "rtc", "browser" };

	if (e == NULL)
		return;
	for (int i = 0; i < 4; i++)
		if (strcmp(e, names[i]) == 0 &&
		    __atomic_load_n(&source_override, __ATOMIC_RELAXED) < 0)
			__atomic_store_n(&source_override, i, __ATOMIC_RELAXED);
}

const char *pb_clock_source_name(enum pb_clock_source s)
{
	switch (s) {
	case PB_CLOCK_NTP:      return "ntp";
	case PB_CLOCK_RTC:      return "rtc";
	case PB_CLOCK_BROWSER:  return "browser";
	case PB_CLOCK_UNSYNCED: break;
	}
	return "unsynced";
}

static void read_boot_id(void)
{
	FILE *f = fopen(BOOT_ID_PATH, "r");
	char buf[sizeof(boot_id)];

	if (f == NULL)
		return;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(boot_id, sizeof(boot_id), "%s", buf);
	}
	fclose(f);
}

/* PB_CLOCK_SKEW_MS shifts CLOCK_REALTIME as this process reads it: a seam
 * for tests of a box whose own clock is wrong, since a test may not set
 * the clock of the machine it runs on. */
static void read_skew_env(void)
{
	const char *e = getenv("PB_CLOCK_SKEW_MS");
	char *end;
	long long v;

	if (e == NULL || e[0] == '\0')
		return;
	v = strtoll(e, &end, 10);
	if (*end == '\0' && v > -PB_CLOCK_SKEW_MAX_MS && v < PB_CLOCK_SKEW_MAX_MS)
		raw_skew_ms = v;
}

static void once_init(void)
{
	read_boot_id();
	read_source_env();
	read_skew_env();
}

const char *pb_clock_boot_id(void)
{
	pthread_once(&boot_once, once_init);
	return boot_id;
}

int64_t pb_clock_max_ms(void)
{
	return (int64_t)PB_BUILD_EPOCH * 1000 + PB_CLOCK_SPAN_MS;
}

int pb_clock_in_range(int64_t ms)
{
	return ms >= PB_CLOCK_MIN_MS && ms <= pb_clock_max_ms();
}

int64_t pb_clock_raw_ms(void)
{
	struct timespec ts;

	pthread_once(&boot_once, once_init);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + raw_skew_ms;
}

int64_t pb_clock_wall_ms(void)
{
	return pb_clock_raw_ms() + __atomic_load_n(&wall_offset_ms, __ATOMIC_RELAXED);
}

int64_t pb_clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pb_clock_set_offset_ms(int64_t ms)
{
	__atomic_store_n(&wall_offset_ms, ms, __ATOMIC_RELAXED);
}

int64_t pb_clock_offset_ms(void)
{
	return __atomic_load_n(&wall_offset_ms, __ATOMIC_RELAXED);
}

enum pb_clock_source pb_clock_source(void)
{
	pthread_once(&boot_once, once_init);
	return detect_source();
}

void pb_clock_set_source(enum pb_clock_source s)
{
	__atomic_store_n(&source_override, (int)s, __ATOMIC_RELAXED);
}

static enum pb_clock_source detect_source(void)
{
	struct timex tx;
	struct stat sb;
	int ov = __atomic_load_n(&source_override, __ATOMIC_RELAXED);

	if (ov >= 0)
		return (enum pb_clock_source)ov;
	memset(&tx, 0, sizeof(tx));
	if (adjtimex(&tx) >= 0 && !(tx.status & STA_UNSYNC))
		return PB_CLOCK_NTP;
	if (stat("/dev/rtc0", &sb) == 0)
		return PB_CLOCK_RTC;
	return PB_CLOCK_UNSYNCED;
}

void pb_clock_now(struct pb_stamp *st)
{
	pthread_once(&boot_once, once_init);
	st->wall_ms = pb_clock_wall_ms();
	st->mono_ms = pb_clock_mono_ms();
	st->source = detect_source();
	memcpy(st->boot_id, boot_id, sizeof(st->boot_id));
}

void pb_clock_after(clockid_t clk, int64_t ms, struct timespec *ts)
{
	clock_gettime(clk, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
