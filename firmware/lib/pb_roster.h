/* pb_roster: participants of a training session (kegiatan): NUPTK
 * checks, masked names for the check-in confirmation, and roster import
 * from CSV with a per-line report. */
#ifndef PB_ROSTER_H
#define PB_ROSTER_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define PB_NUPTK_LEN       16
#define PB_NPSN_LEN        8
#define PB_ROSTER_ROWS_MAX 2000   /* data lines in one import */
#define PB_ROSTER_TEXT_MAX 200    /* bytes of a name, school or subject */
#define PB_MASK_MAX        256    /* bytes of a masked text */

/* 1 if s is exactly 16 ASCII digits. */
int pb_nuptk_valid(const char *s);

/* 1 if s is valid UTF-8 without control characters, at most max bytes. */
int pb_text_valid(const char *s, size_t max);

/* "Budi Santoso" -> "Budi S••••"; "SMPN 2 Kota Malang" -> "SMPN 2 …". */
void pb_mask_name(const char *name, char *out, size_t len);
void pb_mask_school(const char *school, char *out, size_t len);

enum pb_roster_result {
	PB_ROSTER_OK = 0,
	PB_ROSTER_NO_HEADER,      /* empty file or header unreadable */
	PB_ROSTER_MISSING_COLUMN, /* no NUPTK or no name column */
	PB_ROSTER_TOO_MANY_ROWS,
	PB_ROSTER_DB,
};

const char *pb_roster_strerror(enum pb_roster_result r);

/* Import CSV text into the roster of one kegiatan, inside the caller's
 * transaction. Rows already there (same NUPTK) are updated. *report gets
 * {"accepted": n, "rejected": n, "lines": [{"line", "status", "nuptk",
 * "error", "message"}]} (also for errors after the header). */
enum pb_roster_result pb_roster_import(sqlite3 *db, int64_t kegiatan_id,
				       const char *csv, size_t len, json_t **report);

/* The same from a JSON array of {"nuptk", "name", "npsn", "school",
 * "subject"} (a roster sent down by the hub: its rows are marked as the
 * hub's); "line" in the report is the 1-based position in the array.
 * {"nuptk", "withdrawn": true} withdraws a teacher the hub put on the
 * roster, unless they have an attendance event or a claim in the session
 * or the row was imported on the box (a rejected line says which); the
 * report counts them as "withdrawn". Listed again, they are back. */
enum pb_roster_result pb_roster_import_json(sqlite3 *db, int64_t kegiatan_id,
					    const json_t *people, json_t **report);

#endif
