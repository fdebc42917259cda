#include "pb_ticket.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hash.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int ticket_hash(const char *ticket, char out[PB_SHA256_HEX_LEN + 1])
{
	if (!pb_hex_valid(ticket, PB_TICKET_HEX))
		return -1;
	pb_sha256_hex(ticket, PB_TICKET_HEX, out);
	return 0;
}

int pb_ticket_issue(sqlite3 *db, const struct pb_ticket *t, const char *device, unsigned valid_s,
		    char out[PB_TICKET_HEX + 1])
{
	unsigned char raw[PB_TICKET_BYTES];
	char hash[PB_SHA256_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	int64_t now = pb_clock_mono_ms();
	int rc = -1;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, PB_TICKET_HEX + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	if (ticket_hash(out, hash) != 0 || pb_db_begin(db) != 0)
		return -1;
	if ((st = pb_db_stmt(db, "DELETE FROM checkin_ticket WHERE expires_mono < ?1 "
				 "OR boot_id <> ?2")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, pb_clock_boot_id(), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	if ((st = pb_db_stmt(db, "INSERT INTO checkin_ticket(hash, kegiatan_id, nuptk, day, "
				 "device, boot_id, expires_mono) VALUES (?1,?2,?3,?4,?5,?6,?7)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->kegiatan_id);
	sqlite3_bind_text(st, 3, t->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, pb_clock_boot_id(), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now + (int64_t)valid_s * 1000);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	pb_db_stmt_done(st);
	if (rc == 0 && pb_db_commit(db) != 0)
		rc = -1;
	if (rc != 0)
		pb_db_rollback(db);
	return rc;
}

int pb_ticket_find(sqlite3 *db, const char *ticket, const char *device, struct pb_ticket *t)
{
	char hash[PB_SHA256_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (ticket_hash(ticket, hash) != 0 || device == NULL)
		return 1;
	if ((st = pb_db_stmt(db, "SELECT kegiatan_id, nuptk, day FROM checkin_ticket "
				 "WHERE hash = ?1 AND device = ?2 AND boot_id = ?3 "
				 "AND expires_mono >= ?4")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pb_clock_boot_id(), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, pb_clock_mono_ms());
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		t->kegiatan_id = sqlite3_column_int64(st, 0);
		snprintf(t->nuptk, sizeof(t->nuptk), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(t->day, sizeof(t->day), "%s", (const char *)sqlite3_column_text(st, 2));
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

int pb_ticket_drop(sqlite3 *db, const char *ticket)
{
	char hash[PB_SHA256_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (ticket_hash(ticket, hash) != 0)
		return 0;
	if ((st = pb_db_stmt(db, "DELETE FROM checkin_ticket WHERE hash = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = pb_db_write_one(db, st);
	pb_db_stmt_done(st);
	return rc;
}
