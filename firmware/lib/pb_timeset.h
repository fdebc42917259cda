/* pb_timeset: setting the box clock. A staff browser or an admin confirms
 * the clock for this boot, possibly with a bounded step; the confirmation
 * (and an offset, with [attendance] clock_adjust = offset) is kept with
 * the boot id and trusted again only within the same boot. Check-ins held
 * while the clock was unconfirmed get their time in the same transaction. */
#ifndef PB_TIMESET_H
#define PB_TIMESET_H

#include <sqlite3.h>
#include <stdint.h>

enum pb_timeset_result {
	PB_TIMESET_OK = 0,
	PB_TIMESET_OUT_OF_RANGE,   /* before PB_CLOCK_MIN_MS or past pb_clock_max_ms() */
	PB_TIMESET_OFF,            /* clock_adjust = off: the clock may not be moved */
	PB_TIMESET_SYSTEM,         /* clock_settime failed (no CAP_SYS_TIME) */
	PB_TIMESET_DB,
};

const char *pb_timeset_strerror(enum pb_timeset_result r);

/* Apply the confirmation kept in the database when it was made in this
 * boot (offset and source); one from an earlier boot is not trusted. */
int pb_timeset_restore(sqlite3 *db, const char *method);

/* Reread the kept confirmation when another process (pbctl clock set)
 * changed it; looks at most every PB_TIMESET_REFRESH_MS. */
#define PB_TIMESET_REFRESH_MS 1000
void pb_timeset_refresh(sqlite3 *db, const char *method);

/* Confirm the clock for this boot, moved by step_ms (0: as it reads).
 * method is [attendance] clock_adjust. Recorded in the outbox and the
 * audit log as box.clock_step (or box.clock_confirm without a step) by
 * actor, with why. */
enum pb_timeset_result pb_timeset_apply(sqlite3 *db, const char *method, int64_t step_ms,
					const char *actor, const char *client, const char *why);

/* 1 when the clock was confirmed in this boot (or is kept by NTP/RTC). */
int pb_timeset_confirmed(void);

#endif
