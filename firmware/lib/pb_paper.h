/* pb_paper: what the printed papers of a session (daftar hadir,
 * nominatif, pengeluaran riil, tanda terima, rekap JP) need beyond the
 * attendance and claims themselves:
 *  - the session's paper settings: place, times, organiser, surat tugas /
 *    SPD number and the officials who sign (Penanggung jawab / Kepala,
 *    PPK, Bendahara, each with name and NIP), with defaults from
 *    box.conf [papers];
 *  - the payee details of a roster row (NIP, rank, position, NPWP, bank
 *    account), from the roster's optional columns;
 *  - the full name and NIP of a staff account (papers never print the
 *    login name). */
#ifndef PB_PAPER_H
#define PB_PAPER_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_attendance.h"
#include "pb_config.h"

#define PB_PAPER_TEXT_MAX 200   /* bytes of one paper setting or payee field */
#define PB_NIP_DIGITS     18    /* a civil servant's NIP */
#define PB_NPWP_DIGITS_MIN 15   /* NPWP: 15 digits (16 since the NIK-based one) */
#define PB_NPWP_DIGITS_MAX 16
#define PB_ACCOUNT_DIGITS_MAX 20 /* bank account numbers */

/* ---- session paper settings ---- */

/* The settings as a JSON object, every key present (stored values over
 * the box.conf defaults). NULL on a database error. */
json_t *pb_paper_settings(sqlite3 *db, int64_t kegiatan_id, const struct pb_config *cfg);

/* Check a request {"tempat": ..., "ppk_nip": ...} (keys may be left out:
 * they keep their stored value; "" clears one). NULL when fine, else the
 * first bad key (valid while in lives) and why, in Indonesian, in msg. */
#define PB_PAPER_MSG_MAX 160
const char *pb_paper_settings_check(const json_t *in, char *msg, size_t len);

/* Store the keys of a checked request, audited. 0/-1. */
int pb_paper_settings_set(sqlite3 *db, const struct pb_kegiatan *k, const json_t *in,
			  const char *actor, const char *client);

/* ---- payee columns of the roster ---- */

enum pb_payee_field {
	PB_PAYEE_NIP, PB_PAYEE_PANGKAT, PB_PAYEE_JABATAN, PB_PAYEE_NPWP, PB_PAYEE_BANK,
	PB_PAYEE_REKENING, PB_PAYEE_NAMA_REKENING, PB_PAYEE_FIELDS,
};

/* The JSON keys of the fields ("nip", "pangkat", ...). */
extern const char *const pb_payee_keys[PB_PAYEE_FIELDS];

struct pb_payee {
	char f[PB_PAYEE_FIELDS][PB_PAPER_TEXT_MAX + 1];
};

/* The field a roster header names ("NIP", "Pangkat/Golongan", "No.
 * Rekening", ...), or -1. */
int pb_payee_column(const char *header);

/* NULL when the payee fields are fine, else an error code (and *msg). */
const char *pb_payee_check(const struct pb_payee *p, const char **msg);

/* Keep the payee fields of one roster row (inside the caller's
 * transaction). 0/-1. */
int pb_payee_save(sqlite3 *db, int64_t kegiatan_id, const char *nuptk,
		  const struct pb_payee *p);

/* The payee fields of a session's roster: {"<nuptk>": {"nip": ..., ...}}
 * for the rows that have them. An account a teacher gave on the claim
 * page replaces the roster's bank, rekening and nama_rekening; such a row
 * has "bank_by_teacher": true and "roster_bank": {bank, rekening,
 * nama_rekening} (what the roster said). NULL on error. */
json_t *pb_payee_map(sqlite3 *db, int64_t kegiatan_id);

/* A teacher's own bank account for a session's claims (checked, kept,
 * audited with actor: "peserta" or the staff member who entered it). NULL
 * when stored, else an error code (and *msg); "db" on a database error. */
const char *pb_payee_bank_set(sqlite3 *db, const struct pb_kegiatan *k, const char *nuptk,
			      const char *bank, const char *rekening, const char *nama,
			      const char *actor, const char *client, const char **msg);

/* The account the papers will use for a teacher: {bank, rekening,
 * nama_rekening, by_teacher}. NULL on error. */
json_t *pb_payee_bank(sqlite3 *db, int64_t kegiatan_id, const char *nuptk);

/* ---- staff identity ---- */

/* Set a staff account's full name and NIP (NULL leaves one as it is):
 * PB_STAFF_OK, PB_STAFF_NOT_FOUND, PB_STAFF_BAD_IDENTITY or PB_STAFF_DB. */
enum pb_staff_result pb_staff_identity_set(sqlite3 *db, const char *login,
					    const char *full_name, const char *nip);

/* {"name": full name ("" when none is set: never the login), "nip": ...},
 * or NULL. */
json_t *pb_staff_identity(sqlite3 *db, const char *login);

/* 1 if s is empty or 18 digits. */
int pb_nip_valid(const char *s);

#endif
