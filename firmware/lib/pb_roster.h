/* pb_roster: participants of a training session (kegiatan): NUPTK
 * checks, masked names for the check-in confirmation, and roster import
 * from CSV with a per-line report. */
#ifndef PB_ROSTER_H
#define PB_ROSTER_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_text.h"   /* pb_text_valid, which the checks here use */

#define PB_NUPTK_LEN       16
#define PB_NPSN_LEN        8
#define PB_ROSTER_ROWS_MAX 2000   /* data lines in one import */
#define PB_ROSTER_TEXT_MAX 200    /* bytes of a name, school or subject */
#define PB_MASK_MAX        256    /* bytes of a masked text */
#define PB_NO_PESERTA_MAX  15     /* characters of a participant number */
#define PB_PERSON_TYPED_MAX 64    /* bytes of a NUPTK or number as typed */

/* 1 if s is exactly 16 ASCII digits. */
int pb_nuptk_valid(const char *s);

/* A teacher is known by NUPTK or, without one, by the organiser's
 * participant number (No Peserta): 1 to PB_NO_PESERTA_MAX characters
 * among A-Z, 0-9, '.', '/', '-' (letters are taken in upper case, spaces
 * dropped). Records keep one 16-character key: the NUPTK itself, or '#',
 * the number and '#' up to 16 characters (never a NUPTK). */
/* The key for what a person typed: 16 digits once spaces, dashes and
 * dots are dropped are a NUPTK; anything else must be a participant number. 0 or
 * -1 when it is neither. */
int pb_person_key(const char *typed, char key[PB_NUPTK_LEN + 1]);
/* 1 if typed has a key (a field table's check, pb_fields.h). */
int pb_person_typed_valid(const char *typed);
/* 1 if key is a participant-number key. */
int pb_person_is_peserta(const char *key);
/* 1 if key is a NUPTK or a participant-number key. */
int pb_person_valid(const char *key);
/* The NUPTK ("" for a participant number) and the participant number
 * ("" for a NUPTK) of a key. */
void pb_person_split(const char *key, char nuptk[PB_NUPTK_LEN + 1],
		     char no_peserta[PB_NO_PESERTA_MAX + 1]);
/* Set "nuptk" and "no_peserta" of o from a key. */
void pb_person_json(json_t *o, const char *key);

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
 * transaction. Rows already there (same NUPTK) are updated. A row with
 * an empty NUPTK and a No Peserta is keyed by the participant number. *report gets
 * {"accepted": n, "rejected": n, "lines": [{"line", "status", "nuptk",
 * "error", "message"}]} (also for errors after the header). */
enum pb_roster_result pb_roster_import(sqlite3 *db, int64_t kegiatan_id,
				       const char *csv, size_t len, json_t **report);

/* The same from a JSON array of {"nuptk" or "no_peserta", "name", "npsn", "school",
 * "subject"} (a roster sent down by the hub: its rows are marked as the
 * hub's); "line" in the report is the 1-based position in the array.
 * {"nuptk", "withdrawn": true} withdraws a teacher the hub put on the
 * roster, unless they have an attendance event or a claim in the session
 * or the row was imported on the box (a rejected line says which); the
 * report counts them as "withdrawn". Listed again, they are back. */
enum pb_roster_result pb_roster_import_json(sqlite3 *db, int64_t kegiatan_id,
					    const json_t *people, json_t **report);

#endif
