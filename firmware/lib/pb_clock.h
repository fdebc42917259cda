/* pb_clock: time stamps for records on a box without a real-time clock.
 * Each stamp keeps the wall time, where that time came from, the boot id
 * and the monotonic time, so upstream can correct times later. */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdint.h>
#include <time.h>

enum pb_clock_source {
	PB_CLOCK_UNSYNCED = 0,
	PB_CLOCK_NTP,
	PB_CLOCK_RTC,
	PB_CLOCK_BROWSER,
};

#define PB_BOOT_ID_MAX 39  /* bytes of a boot id (the kernel's is a 36-byte UUID), without NUL */

struct pb_stamp {
	int64_t wall_ms;
	enum pb_clock_source source;
	char boot_id[PB_BOOT_ID_MAX + 1];
	int64_t mono_ms;
};

/* The build's date (seconds since 1970), for the upper bound of a clock step;
 * the Makefile passes the last commit's date. */
#ifndef PB_BUILD_EPOCH
#define PB_BUILD_EPOCH 1764892800LL                /* 2025-12-05 */
#endif
#define PB_CLOCK_MIN_MS   1577836800000LL          /* 2020-01-01: earlier is a clock never set */
#define PB_CLOCK_SPAN_MS  (20LL * 366 * 86400 * 1000) /* the latest date: build date + 20 years */
#define PB_CLOCK_SKEW_MAX_MS (PB_CLOCK_SPAN_MS)    /* bound of the PB_CLOCK_SKEW_MS test seam */

const char *pb_clock_source_name(enum pb_clock_source s);

/* This boot's id (/proc/sys/kernel/random/boot_id), "unknown" without it. */
const char *pb_clock_boot_id(void);

/* The latest wall time a step may reach, and whether ms lies between
 * PB_CLOCK_MIN_MS and it. */
int64_t pb_clock_max_ms(void);
int pb_clock_in_range(int64_t ms);

/* CLOCK_REALTIME in ms, without the offset (PB_CLOCK_SKEW_MS in the
 * environment shifts it, for tests). */
int64_t pb_clock_raw_ms(void);

/* Fill a stamp for now. */
void pb_clock_now(struct pb_stamp *st);

/* Wall time in ms (CLOCK_REALTIME) and monotonic ms (CLOCK_BOOTTIME). */
int64_t pb_clock_wall_ms(void);
int64_t pb_clock_mono_ms(void);

/* The time ms from now on clock clk (CLOCK_REALTIME for
 * pthread_mutex_timedlock and a default condition variable), for a timed
 * wait. */
void pb_clock_after(clockid_t clk, int64_t ms, struct timespec *ts);

/* Override the detected source (after the box set its clock from a
 * facilitator's browser). */
void pb_clock_set_source(enum pb_clock_source s);

/* The current source (detected, or as set). The environment variable
 * PB_CLOCK_SOURCE fixes it at start (for tests). */
enum pb_clock_source pb_clock_source(void);

/* An offset added to the wall time of every stamp, for boxes that may not
 * set the system clock ([attendance] clock_adjust = offset). */
void pb_clock_set_offset_ms(int64_t ms);
int64_t pb_clock_offset_ms(void);

#endif
