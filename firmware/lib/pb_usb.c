#include "pb_usb.h"

#include "pb_db.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

int pb_usb_stick(const char *dir, struct pb_usb_stick *out)
{
	char parent[PATH_MAX];
	struct stat here, up;
	struct statvfs vfs;

	memset(out, 0, sizeof(*out));
	if (snprintf(parent, sizeof(parent), "%s/..", dir) >= (int)sizeof(parent))
		return -1;
	if (stat(dir, &here) != 0 || !S_ISDIR(here.st_mode) || stat(parent, &up) != 0)
		return 0;
	if (here.st_dev == up.st_dev && here.st_ino != up.st_ino)
		return 0;                               /* a plain folder: no stick */
	if (statvfs(dir, &vfs) != 0)
		return -1;
	out->present = 1;
	out->free_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	out->total_bytes = (int64_t)vfs.f_blocks * (int64_t)vfs.f_frsize;
	return 0;
}

static const char *const kind_names[] = { [PB_USB_EXPORT] = "export", [PB_USB_IMPORT] = "import" };

const char *pb_usb_kind_name(enum pb_usb_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

enum pb_usb_request pb_usb_request(sqlite3 *db, enum pb_usb_kind kind, const char *who,
				   int64_t now_ms, int64_t *id)
{
	sqlite3_stmt *ins = NULL;
	long long open;
	enum pb_usb_request r = PB_USB_DB_ERROR;

	if (pb_db_begin(db) != 0)
		return PB_USB_DB_ERROR;
	open = pb_db_count(db, "SELECT count(*) FROM usb_job WHERE state IN ('queued', 'running')");
	if (open < 0)
		goto out;
	if (open > 0) {
		r = PB_USB_BUSY;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO usb_job(kind, requested_by, created_ms) "
			       "VALUES (?1, ?2, ?3)", -1, &ins, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(ins, 1, pb_usb_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 3, now_ms);
	if (sqlite3_step(ins) != SQLITE_DONE)
		goto out;
	*id = sqlite3_last_insert_rowid(db);
	if (pb_db_commit(db) != 0)
		goto out;
	r = PB_USB_QUEUED;
out:
	sqlite3_finalize(ins);
	if (r != PB_USB_QUEUED)
		pb_db_rollback(db);
	return r;
}

json_t *pb_usb_latest(sqlite3 *db)
{
	sqlite3_stmt *q = NULL;
	json_t *j = NULL;
	int step;

	if (sqlite3_prepare_v2(db, "SELECT id, kind, state, done, total, error, message, detail, "
			       "requested_by, created_ms, finished_ms FROM usb_job "
			       "ORDER BY id DESC LIMIT 1", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	step = sqlite3_step(q);
	if (step == SQLITE_DONE)
		j = json_null();
	else if (step == SQLITE_ROW)
		j = json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I}",
			      "id", (json_int_t)sqlite3_column_int64(q, 0),
			      "kind", (const char *)sqlite3_column_text(q, 1),
			      "state", (const char *)sqlite3_column_text(q, 2),
			      "done", (json_int_t)sqlite3_column_int64(q, 3),
			      "total", (json_int_t)sqlite3_column_int64(q, 4),
			      "error", (const char *)sqlite3_column_text(q, 5),
			      "message", (const char *)sqlite3_column_text(q, 6),
			      "detail", (const char *)sqlite3_column_text(q, 7),
			      "requested_by", (const char *)sqlite3_column_text(q, 8),
			      "created_ms", (json_int_t)sqlite3_column_int64(q, 9),
			      "finished_ms", (json_int_t)sqlite3_column_int64(q, 10));
	sqlite3_finalize(q);
	return j;
}

int pb_usb_take(sqlite3 *db, struct pb_usb_job *j)
{
	sqlite3_stmt *q = NULL;
	int rc = -1, step;

	if (pb_db_begin(db) != 0)
		return -1;
	if (sqlite3_prepare_v2(db, "UPDATE usb_job SET state = 'running' WHERE id = (SELECT id "
			       "FROM usb_job WHERE state = 'queued' ORDER BY id LIMIT 1) "
			       "RETURNING id, kind", -1, &q, NULL) != SQLITE_OK)
		goto out;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		j->id = sqlite3_column_int64(q, 0);
		j->kind = strcmp((const char *)sqlite3_column_text(q, 1), "import") == 0 ?
			  PB_USB_IMPORT : PB_USB_EXPORT;
		step = sqlite3_step(q);
		rc = 0;
	} else {
		rc = 1;
	}
	if (step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(q);
	q = NULL;
	if (rc >= 0 && pb_db_commit(db) != 0)
		rc = -1;
out:
	sqlite3_finalize(q);
	if (rc < 0)
		pb_db_rollback(db);
	return rc;
}

int pb_usb_progress(sqlite3 *db, int64_t id, int64_t done, int64_t total)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "UPDATE usb_job SET done = ?2, total = ?3 WHERE id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, done);
	sqlite3_bind_int64(st, 3, total);
	rc = pb_db_write_one(db, st);
	sqlite3_finalize(st);
	return rc;
}

int pb_usb_finish(sqlite3 *db, int64_t id, const char *code, const char *message,
		  const char *detail, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE usb_job SET state = ?2, error = ?3, message = "
			       "substr(?4, 1, ?7), detail = substr(?5, 1, ?8), finished_ms = ?6 "
			       "WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, code == NULL ? "done" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code == NULL ? "" : code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, message != NULL ? message : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail != NULL ? detail : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now_ms);
	sqlite3_bind_int(st, 7, PB_USB_MESSAGE_MAX);
	sqlite3_bind_int(st, 8, PB_USB_DETAIL_MAX);
	rc = pb_db_write_one(db, st);
	sqlite3_finalize(st);
	return rc;
}

int pb_usb_interrupted(sqlite3 *db, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE usb_job SET state = 'failed', error = 'interrupted', "
			       "message = 'Pekerjaan terputus (pb-sync berhenti); coba lagi.', "
			       "finished_ms = ?1 WHERE state = 'running'", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	rc = pb_db_write_one(db, st);
	sqlite3_finalize(st);
	return rc;
}
