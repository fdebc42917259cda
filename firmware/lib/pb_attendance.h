/* pb_attendance: training sessions (kegiatan), check-ins, manual marks,
 * corrections and day locks. Every change is a new row (never an edit)
 * and is appended to the outbox in the same transaction. */
#ifndef PB_ATTENDANCE_H
#define PB_ATTENDANCE_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_clock.h"
#include "pb_code.h"
#include "pb_ids.h"
#include "pb_roster.h"

#define PB_KEGIATAN_TITLE_MAX 200
#define PB_KEGIATAN_DAYS_MAX  60
#define PB_KEGIATAN_JP_MAX    16      /* JP (45 min) per day */
#define PB_KEGIATAN_FAC_MAX   10      /* facilitators named on a session */
#define PB_REASON_MAX         300     /* bytes of a mark's reason */
#define PB_DAY_LEN            10      /* YYYY-MM-DD */

#define PB_SITTINGS_MAX      8    /* sittings (sesi) in a session's day */
#define PB_SITTING_LABEL_MAX 40   /* bytes of a sitting's label */

/* One sitting of a day: minutes after midnight [start, end), its JP. */
struct pb_sitting {
	char label[PB_SITTING_LABEL_MAX + 1];
	char start[6], end[6];       /* HH:MM */
	int start_min, end_min;
	int jp;
};

struct pb_kegiatan {
	int64_t id;
	char uid[PB_ID_HEX_LEN + 1];
	char title[PB_KEGIATAN_TITLE_MAX + 1];
	char mode[24];
	char kk[2];
	char subject[PB_ROSTER_TEXT_MAX + 1];
	char start_date[PB_DAY_LEN + 1];
	char start_time[6];          /* HH:MM the day starts ("" none): lateness */
	int days;
	int jp_per_day;
	int nsittings;               /* 0: the day is one sitting */
	struct pb_sitting sittings[PB_SITTINGS_MAX];
	unsigned char secret[PB_CODE_SECRET_LEN];
};

/* The sitting a check-in made at wall_ms belongs to: 0 without sittings;
 * else the one whose window holds that time, before the first the first,
 * between two or after the last the last one started. */
int pb_att_sitting_now(const struct pb_kegiatan *k, int64_t wall_ms);
/* 1 if n names a sitting of k (0 when k has none). */
int pb_att_sitting_valid(const struct pb_kegiatan *k, int n);
/* The JP a sitting counts (the day's JP for sitting 0). */
int pb_att_sitting_jp(const struct pb_kegiatan *k, int n);

enum pb_att_result {
	PB_ATT_OK = 0,
	PB_ATT_EXISTING,          /* already checked in: the existing record */
	PB_ATT_NOT_FOUND,
	PB_ATT_LOCKED,            /* the day is locked */
	PB_ATT_NOT_LOCKED,
	PB_ATT_TOO_MANY,          /* anti-proxy limit of this phone */
	PB_ATT_NAME_REQUIRED,     /* not on the roster: a walk-in needs a name */
	PB_ATT_NOT_TODAY,         /* the day is outside the session's days */
	PB_ATT_WITHDRAWN,         /* the hub withdrew this teacher from the roster */
	PB_ATT_NOT_ON_ROSTER,     /* a participant number the roster lacks (no walk-in) */
	PB_ATT_NOT_NUPTK,         /* the same, all digits: most likely a NUPTK typo */
	PB_ATT_BAD_INPUT,
	PB_ATT_DB,
};

const char *pb_att_strerror(enum pb_att_result r);

/* Attendance statuses as offices use them (H/T/I/S/A): present, late,
 * excused (izin), sick (sakit), absent. present and late count as
 * attended (JP); the others do not. */
int pb_att_status_valid(const char *s);
/* A status in words ("Hadir", "Terlambat", ...) and, when code is not
 * NULL, its letter ("H", "T", ...); NULL for what is not a status. */
const char *pb_att_status_word(const char *s, const char **code);
#define PB_ATT_NOT_YET_WORD "Belum hadir"   /* no check-in or mark yet */
int pb_att_status_present(const char *s);
/* 1 when wall_ms is more than late_after_min minutes past the session's
 * start time on its day (never without a start time). */
int pb_att_is_late(const struct pb_kegiatan *k, int64_t wall_ms, unsigned late_after_min);

/* Today's local date as YYYY-MM-DD (from the box clock). */
void pb_att_today(char out[PB_DAY_LEN + 1]);
/* The day a check-in is filed under now: today, or while the clock is
 * unconfirmed since boot a held day ("?" and the start of the boot id)
 * that pb_att_date_held() turns into the real one. 1 when held. */
int pb_att_checkin_day(char out[PB_DAY_LEN + 1]);
/* 1 if day is a held day. */
int pb_att_day_held(const char *day);
/* Give the check-ins held in this boot their wall time and day, now that
 * the clock reads wall_ms at mono_ms; inside the caller's transaction,
 * with an attendance.dated record each. A check-in whose day already has
 * one stays held (pbctl clock suspects lists it). Number dated, or -1. */
int pb_att_date_held(sqlite3 *db, const char *boot_id, int64_t wall_ms, int64_t mono_ms);
/* Records to review after clock steps (JSON array): check-ins still held,
 * and records stamped in a boot before a step of that boot, with the time
 * the step says they had. */
json_t *pb_att_clock_suspects(sqlite3 *db);
/* 1 if s is a real date YYYY-MM-DD. */
int pb_att_day_valid(const char *s);
/* The year of a valid YYYY-MM-DD, or -1. */
int pb_att_day_year(const char *s);
/* Day number (0-based) of day within the session, or -1 outside it. */
int pb_att_day_index(const struct pb_kegiatan *k, const char *day);

/* Create from a JSON request; *bad names the first bad field. */
enum pb_att_result pb_kegiatan_create(sqlite3 *db, const json_t *in, const char *actor,
				      const char *client, int64_t *id, const char **bad);
/* A session sent down by the hub (roster feed): "session" is its id
 * (kept as the uid), the other fields as for pb_kegiatan_create. Inside
 * the caller's transaction. PB_ATT_EXISTING (with *id) when the box has
 * it already: its fields are then left as they are. */
enum pb_att_result pb_kegiatan_adopt(sqlite3 *db, const json_t *in, const char *actor,
				     int64_t *id, const char **bad);
/* 0 found, 1 not found, -1 database error. */
int pb_kegiatan_get(sqlite3 *db, int64_t id, struct pb_kegiatan *k);
json_t *pb_kegiatan_json(const struct pb_kegiatan *k);
json_t *pb_kegiatan_list(sqlite3 *db);
/* Up to max session ids, newest first; how many, or -1. */
int pb_kegiatan_ids(sqlite3 *db, int64_t *ids, int max);

/* Roster lookup for the check-in confirmation: 0 found, 1 not, 2 found
 * but withdrawn by the hub (docs/sync-protocol.md §5), -1 error. */
int pb_att_roster_find(sqlite3 *db, int64_t kegiatan_id, const char *nuptk,
		       char *name, size_t nlen, char *school, size_t slen);

/* The check-in behind a proof (a check-in uid shown back by a teacher):
 * 0 found, with its row id (id may be NULL) and NUPTK; 1 no check-in of
 * that session has this uid; -1 error. */
int pb_att_checkin_of(sqlite3 *db, int64_t kegiatan_id, const char *uid, int64_t *id,
		      char nuptk[PB_NUPTK_LEN + 1]);

struct pb_checkin {
	int64_t kegiatan_id;
	const char *day;
	const char *nuptk;
	const char *name;         /* walk-ins only (may be NULL) */
	const char *school;       /* walk-ins only (may be NULL) */
	const char *signature;    /* canonical, see pb_sig.h */
	const char *client;
	const char *device;
	unsigned per_client_max;
	const char *status;       /* present or late */
	int sitting;              /* pb_att_sitting_now() */
};

/* What a check-in would meet now, without writing (the lookup refuses
 * before the signature): PB_ATT_OK with the roster's name and school, or
 * *walk_in when the roster lacks this NUPTK; PB_ATT_EXISTING with the
 * record in *existing; PB_ATT_LOCKED, PB_ATT_TOO_MANY, PB_ATT_WITHDRAWN. */
enum pb_att_result pb_att_checkin_check(sqlite3 *db, const struct pb_checkin *c, char *name,
					size_t nlen, char *school, size_t slen, int *walk_in,
					json_t **existing);

/* The group commit of check-ins. Check-ins of one process queue on it;
 * whoever finds no leader becomes it, takes the queue (up to
 * PB_CHECKIN_BATCH_MAX) and runs it in one transaction, each check-in
 * inside its own savepoint, so that one fsync makes a whole burst
 * durable. Nobody is answered before the COMMIT that holds their record.
 * Its owner (pb-web: struct pb_web) makes it once and ends it when no
 * check-in can come any more. */
struct pb_checkin_job;
struct pb_att_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pb_checkin_job *head, *tail;
	int leader;                      /* a thread is running a batch */
	int ready;                       /* made by pb_att_queue_init */
};
int pb_att_queue_init(struct pb_att_queue *q);
void pb_att_queue_destroy(struct pb_att_queue *q);   /* NULL-safe */

/* Record a check-in, in the next batch of q (NULL: alone, for a program
 * with one writing thread). *out gets the record (new or existing) as
 * JSON. */
enum pb_att_result pb_att_checkin(sqlite3 *db, struct pb_att_queue *q,
				  const struct pb_checkin *c, json_t **out);

/* A facilitator's mark (status present|absent, with a reason) for one
 * sitting (0 without sittings); a new event over an earlier one of the
 * same sitting is a correction. */
struct pb_mark {
	const char *day;
	int sitting;
	const char *nuptk;        /* or a participant number (pb_person_key) */
	const char *status;       /* pb_att_status_valid */
	const char *reason;       /* may be NULL */
	const char *name;         /* walk-ins only (may be NULL) */
	const char *school;       /* walk-ins only (may be NULL) */
	const char *actor;        /* the staff member */
	const char *client;
};
enum pb_att_result pb_att_mark(sqlite3 *db, const struct pb_kegiatan *k,
			       const struct pb_mark *m, json_t **out);

enum pb_att_result pb_att_lock(sqlite3 *db, const struct pb_kegiatan *k, const char *day,
			       const char *actor, const char *client);
enum pb_att_result pb_att_unlock(sqlite3 *db, const struct pb_kegiatan *k, const char *day,
				 const char *reason, const char *actor, const char *client);
/* Let one client address check in extra teachers today. */
enum pb_att_result pb_att_allow(sqlite3 *db, const struct pb_kegiatan *k, const char *day,
				const char *for_client, unsigned extra, const char *actor,
				const char *client);
/* Whether a day of a session is locked (pb_att_lock). */
enum pb_day_lock {
	PB_DAY_LOCK_ERROR = -1,   /* the database could not say */
	PB_DAY_OPEN = 0,
	PB_DAY_LOCKED = 1,
};
enum pb_day_lock pb_att_is_locked(sqlite3 *db, int64_t kegiatan_id, const char *day);
/* The sessions whose span holds day and whose day is not locked (what a
 * software update waits for, docs/updates.md): an array of {"uid",
 * "title"}, or NULL when the database could not say. */
json_t *pb_att_open_days(sqlite3 *db, const char *day);

/* The day view of one sitting (0 without sittings): rows of roster +
 * events, counts, JP totals over every day and sitting. */
json_t *pb_att_day(sqlite3 *db, const struct pb_kegiatan *k, const char *day, int sitting);
/* The same as CSV text (malloc'd), cells quoted and formula-neutralised. */
char *pb_att_day_csv(const json_t *day, size_t *len);

/* The session's JP totals per teacher (from a day view) as CSV. */
char *pb_att_jp_csv(const json_t *day, size_t *len);

/* Append a record to the outbox and, when actor is not NULL, to the audit
 * log, inside the caller's transaction; payload is consumed. 0/-1. */
int pb_att_record(sqlite3 *db, const char *type, json_t *payload, const char *actor,
		  const char *client);
/* A time stamp as JSON {wall_ms, clock_source, boot_id, mono_ms}. */
json_t *pb_att_stamp_json(const struct pb_stamp *s);

/* The signature of one attendance record (malloc'd), NULL if none. */
char *pb_att_signature(sqlite3 *db, int64_t attendance_id);

#endif
