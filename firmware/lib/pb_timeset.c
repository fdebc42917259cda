#include "pb_timeset.h"

#include "pb_attendance.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_BOOT   "clock.boot_id"
#define KEY_OFFSET "clock.offset_ms"
#define KEY_GEN    "clock.gen"

static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t gen_seen = -1;
static int64_t refreshed_mono = -PB_TIMESET_REFRESH_MS;

const char *pb_timeset_strerror(enum pb_timeset_result r)
{
	switch (r) {
	case PB_TIMESET_OK:           return "ok";
	case PB_TIMESET_OUT_OF_RANGE: return "the time is outside what the box accepts";
	case PB_TIMESET_OFF:          return "[attendance] clock_adjust = off: the clock is not moved";
	case PB_TIMESET_SYSTEM:       return "the system clock cannot be set (CAP_SYS_TIME)";
	case PB_TIMESET_DB:           return "database error";
	}
	return "unknown";
}

static int64_t meta_int(sqlite3 *db, const char *key, int64_t dflt)
{
	char v[32], *end;
	long long n;

	if (pb_db_meta_get(db, key, v, sizeof(v)) != 0)
		return dflt;
	errno = 0;
	n = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' && end != v ? (int64_t)n : dflt;
}

static int meta_int_set(sqlite3 *db, const char *key, int64_t v)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRId64, v);
	return pb_db_meta_set(db, key, text);
}

int pb_timeset_confirmed(void)
{
	return pb_clock_source() != PB_CLOCK_UNSYNCED;
}

/* Called with set_lock held. */
static int restore_locked(sqlite3 *db, const char *method)
{
	char boot[64];
	int64_t off;

	gen_seen = meta_int(db, KEY_GEN, 0);
	if (pb_db_meta_get(db, KEY_BOOT, boot, sizeof(boot)) != 0 ||
	    strcmp(boot, pb_clock_boot_id()) != 0) {
		pb_clock_set_offset_ms(0);
		return 0;
	}
	off = meta_int(db, KEY_OFFSET, 0);
	if (strcmp(method, "offset") == 0 && pb_clock_in_range(pb_clock_raw_ms() + off))
		pb_clock_set_offset_ms(off);
	if (pb_clock_source() == PB_CLOCK_UNSYNCED)
		pb_clock_set_source(PB_CLOCK_BROWSER);
	return 1;
}

int pb_timeset_restore(sqlite3 *db, const char *method)
{
	int rc;

	pthread_mutex_lock(&set_lock);
	rc = restore_locked(db, method);
	pthread_mutex_unlock(&set_lock);
	if (rc)
		pb_notice("clock: confirmed earlier in this boot (offset %" PRId64 " ms)",
			  pb_clock_offset_ms());
	return 0;
}

void pb_timeset_refresh(sqlite3 *db, const char *method)
{
	int64_t now = pb_clock_mono_ms();

	if (now - __atomic_load_n(&refreshed_mono, __ATOMIC_RELAXED) < PB_TIMESET_REFRESH_MS)
		return;
	__atomic_store_n(&refreshed_mono, now, __ATOMIC_RELAXED);
	pthread_mutex_lock(&set_lock);
	if (meta_int(db, KEY_GEN, 0) != gen_seen)
		(void)restore_locked(db, method);
	pthread_mutex_unlock(&set_lock);
}

/* Move the wall clock by step_ms (the caller checked the bounds). */
static enum pb_timeset_result move(const char *method, int64_t step_ms)
{
	struct timespec ts;
	int64_t ns;

	if (step_ms == 0)
		return PB_TIMESET_OK;
	if (strcmp(method, "offset") == 0) {
		pb_clock_set_offset_ms(pb_clock_offset_ms() + step_ms);
		return PB_TIMESET_OK;
	}
	if (strcmp(method, "settime") != 0)
		return PB_TIMESET_OFF;
	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (int64_t)ts.tv_nsec + (step_ms % 1000) * 1000000;
	ts.tv_sec += (time_t)(step_ms / 1000) + (time_t)(ns / 1000000000);
	ns %= 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		ts.tv_sec--;
	}
	ts.tv_nsec = (long)ns;
	if (clock_settime(CLOCK_REALTIME, &ts) != 0) {
		pb_warn("clock: cannot set the time (%s): give the service CAP_SYS_TIME or set "
			"[attendance] clock_adjust = offset", strerror(errno));
		return PB_TIMESET_SYSTEM;
	}
	return PB_TIMESET_OK;
}

static int record(sqlite3 *db, const struct pb_stamp *before, const char *method, int64_t step_ms,
		  const char *actor, const char *client, const char *why)
{
	const char *type = step_ms != 0 ? "box.clock_step" : "box.clock_confirm";
	json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s}",
			      "from_ms", (json_int_t)before->wall_ms, "step_ms", (json_int_t)step_ms,
			      "by", actor, "method", method, "boot_id", before->boot_id,
			      "mono_ms", (json_int_t)before->mono_ms, "client", client,
			      "why", why, "from_source", pb_clock_source_name(before->source));
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (pb_att_record(db, type, p, actor, client) != 0)
		return -1;
	if (step_ms != 0) {
		if ((st = pb_db_stmt(db, "INSERT INTO clock_step(boot_id, mono_ms, from_ms, "
					 "step_ms, actor) VALUES (?1, ?2, ?3, ?4, ?5)")) == NULL)
			goto out;
		sqlite3_bind_text(st, 1, before->boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, before->mono_ms);
		sqlite3_bind_int64(st, 3, before->wall_ms);
		sqlite3_bind_int64(st, 4, step_ms);
		sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

enum pb_timeset_result pb_timeset_apply(sqlite3 *db, const char *method, int64_t step_ms,
					const char *actor, const char *client, const char *why)
{
	struct pb_stamp before;
	enum pb_clock_source was;
	enum pb_timeset_result rc;
	int64_t old_off, gen;
	int dated;

	pthread_mutex_lock(&set_lock);
	pb_clock_now(&before);
	was = before.source;
	old_off = pb_clock_offset_ms();
	/* both ends bounded, so neither the sum nor the offset overflows */
	if (step_ms < -PB_CLOCK_SPAN_MS - (pb_clock_max_ms() - PB_CLOCK_MIN_MS) ||
	    step_ms > pb_clock_max_ms() || !pb_clock_in_range(before.wall_ms + step_ms)) {
		rc = PB_TIMESET_OUT_OF_RANGE;
		goto out;
	}
	if (pb_db_begin(db) != 0) {
		rc = PB_TIMESET_DB;
		goto out;
	}
	rc = move(method, step_ms);
	if (rc != PB_TIMESET_OK) {
		pb_db_rollback(db);
		goto out;
	}
	gen = meta_int(db, KEY_GEN, 0) + 1;
	if (was == PB_CLOCK_UNSYNCED)
		pb_clock_set_source(PB_CLOCK_BROWSER);
	dated = pb_att_date_held(db, before.boot_id, pb_clock_wall_ms(), pb_clock_mono_ms());
	if (dated < 0 || record(db, &before, method, step_ms, actor, client, why) != 0 ||
	    pb_db_meta_set(db, KEY_BOOT, before.boot_id) != 0 ||
	    meta_int_set(db, KEY_OFFSET, pb_clock_offset_ms()) != 0 ||
	    meta_int_set(db, KEY_GEN, gen) != 0 || pb_db_commit(db) != 0) {
		pb_db_rollback(db);
		pb_clock_set_source(was);
		if (strcmp(method, "settime") == 0)
			(void)move(method, -step_ms);
		pb_clock_set_offset_ms(old_off);
		rc = PB_TIMESET_DB;
		goto out;
	}
	gen_seen = gen;
	pb_notice("clock: %s by %s, moved %" PRId64 " ms (%s); %d held check-in(s) dated",
		  was == PB_CLOCK_UNSYNCED ? "confirmed" : "set", actor, step_ms, why, dated);
out:
	pthread_mutex_unlock(&set_lock);
	return rc;
}
