/* pb_clock: time stamps for records on a box without a real-time clock.
 * Each stamp keeps the wall time, where that time came from, the boot id
 * and the monotonic time, so upstream can correct times later. */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdint.h>

enum pb_clock_source {
	PB_CLOCK_UNSYNCED = 0,
	PB_CLOCK_NTP,
	PB_CLOCK_RTC,
	PB_CLOCK_BROWSER,
};

struct pb_stamp {
	int64_t wall_ms;
	enum pb_clock_source source;
	char boot_id[40];
	int64_t mono_ms;
};

const char *pb_clock_source_name(enum pb_clock_source s);

/* Fill a stamp for now. */
void pb_clock_now(struct pb_stamp *st);

/* Wall time in ms (CLOCK_REALTIME) and monotonic ms (CLOCK_BOOTTIME). */
int64_t pb_clock_wall_ms(void);
int64_t pb_clock_mono_ms(void);

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
