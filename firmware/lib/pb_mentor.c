#include "pb_mentor.h"

#include "pb_db.h"

#include <string.h>

const char *pb_mentor_strerror(enum pb_mentor_result r)
{
	switch (r) {
	case PB_MENTOR_OK:           return "ok";
	case PB_MENTOR_NO_ACCOUNT:   return "no such account";
	case PB_MENTOR_NOT_MENTOR:   return "the account is not a mentor (pbctl user add NAME --role mentor)";
	case PB_MENTOR_NO_SESSION:   return "no such session";
	case PB_MENTOR_NO_MODULE:    return "no such module";
	case PB_MENTOR_TOO_MANY:     return "too many assignments for one mentor";
	case PB_MENTOR_NOT_ASSIGNED: return "the mentor is not assigned to it";
	case PB_MENTOR_DB:           return "database error";
	}
	return "unknown";
}

/* One integer from a prepared query with its parameters bound: 0/-1. */
static int one_int(sqlite3_stmt *st, int64_t *out)
{
	int step = sqlite3_step(st), rc = -1;

	if (step == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		*out = 0;
		rc = 0;
	}
	pb_db_stmt_done(st);
	return rc;
}

/* 1 if a bound count query counts any, 0 if none, -1 on error. */
static int any(sqlite3_stmt *st)
{
	int64_t n;

	if (st == NULL || one_int(st, &n) != 0)
		return -1;
	return n > 0;
}

/* The mentor's id, checked inside the write transaction. */
static enum pb_mentor_result mentor_id(sqlite3 *db, const char *name, int64_t *id)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT id, role = 'mentor' FROM staff WHERE name = ?1");
	enum pb_mentor_result rc = PB_MENTOR_DB;
	int step;

	if (st == NULL)
		return PB_MENTOR_DB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		rc = PB_MENTOR_NO_ACCOUNT;
	else if (step == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = sqlite3_column_int(st, 1) ? PB_MENTOR_OK : PB_MENTOR_NOT_MENTOR;
	}
	pb_db_stmt_done(st);
	return rc;
}

static enum pb_mentor_result target_exists(sqlite3 *db, int64_t kegiatan_id,
					   const char *module_id)
{
	sqlite3_stmt *st = kegiatan_id > 0 ?
		pb_db_stmt(db, "SELECT count(*) FROM kegiatan WHERE id = ?1") :
		pb_db_stmt(db, "SELECT count(*) FROM modules WHERE id = ?1");
	int64_t n;

	if (st == NULL)
		return PB_MENTOR_DB;
	if (kegiatan_id > 0)
		sqlite3_bind_int64(st, 1, kegiatan_id);
	else
		sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
	if (one_int(st, &n) != 0)
		return PB_MENTOR_DB;
	if (n == 0)
		return kegiatan_id > 0 ? PB_MENTOR_NO_SESSION : PB_MENTOR_NO_MODULE;
	return PB_MENTOR_OK;
}

static enum pb_mentor_result assign_in(sqlite3 *db, const char *name, int64_t kegiatan_id,
				       const char *module_id, int remove)
{
	sqlite3_stmt *st;
	enum pb_mentor_result rc;
	int64_t id = 0, n;

	if ((rc = mentor_id(db, name, &id)) != PB_MENTOR_OK)
		return rc;
	if (!remove && (rc = target_exists(db, kegiatan_id, module_id)) != PB_MENTOR_OK)
		return rc;
	if (!remove) {
		st = pb_db_stmt(db, "SELECT count(*) FROM mentor_assignment WHERE staff_id = ?1");
		if (st == NULL)
			return PB_MENTOR_DB;
		sqlite3_bind_int64(st, 1, id);
		if (one_int(st, &n) != 0)
			return PB_MENTOR_DB;
		if (n >= PB_MENTOR_ASSIGN_MAX)
			return PB_MENTOR_TOO_MANY;
	}
	st = remove ? pb_db_stmt(db, "DELETE FROM mentor_assignment WHERE staff_id = ?1 AND "
				 "coalesce(kegiatan_id, 0) = ?2 AND coalesce(module_id, '') = "
				 "coalesce(?3, '')") :
		      pb_db_stmt(db, "INSERT OR IGNORE INTO mentor_assignment(staff_id, "
				 "kegiatan_id, module_id) VALUES (?1, nullif(?2, 0), ?3)");
	if (st == NULL)
		return PB_MENTOR_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, kegiatan_id > 0 ? kegiatan_id : 0);
	if (kegiatan_id <= 0)
		sqlite3_bind_text(st, 3, module_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		pb_db_stmt_done(st);
		return PB_MENTOR_DB;
	}
	pb_db_stmt_done(st);
	if (remove && sqlite3_changes(db) == 0)
		return PB_MENTOR_NOT_ASSIGNED;
	return PB_MENTOR_OK;
}

enum pb_mentor_result pb_mentor_assign(sqlite3 *db, const char *name, int64_t kegiatan_id,
				       const char *module_id, int remove)
{
	enum pb_mentor_result rc;

	if (kegiatan_id <= 0 && module_id == NULL)
		return PB_MENTOR_NO_SESSION;
	if (pb_db_begin(db) != 0)
		return PB_MENTOR_DB;
	rc = assign_in(db, name, kegiatan_id, module_id, remove);
	if (rc != PB_MENTOR_OK) {
		pb_db_rollback(db);
		return rc;
	}
	return pb_db_commit(db) == 0 ? PB_MENTOR_OK : PB_MENTOR_DB;
}

json_t *pb_mentor_assignments(sqlite3 *db, int64_t staff_id)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT kegiatan_id, module_id FROM mentor_assignment "
				      "WHERE staff_id = ?1 ORDER BY kegiatan_id, module_id");
	json_t *sessions = json_array(), *modules = json_array();
	int step;

	if (st == NULL || sessions == NULL || modules == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, staff_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			json_array_append_new(sessions, json_integer(sqlite3_column_int64(st, 0)));
		else
			json_array_append_new(modules, json_string((const char *)
						sqlite3_column_text(st, 1)));
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	return json_pack("{s:o, s:o}", "sessions", sessions, "modules", modules);
fail:
	pb_db_stmt_done(st);
	json_decref(sessions);
	json_decref(modules);
	return NULL;
}

json_t *pb_mentor_list(sqlite3 *db)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT id, name, kind, disabled FROM staff "
				      "WHERE role = 'mentor' ORDER BY name");
	json_t *list = json_array(), *one;
	int step;

	if (st == NULL || list == NULL)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		one = pb_mentor_assignments(db, sqlite3_column_int64(st, 0));
		if (one == NULL)
			break;
		json_object_set_new(one, "user", json_string((const char *)sqlite3_column_text(st, 1)));
		json_object_set_new(one, "kind", json_string((const char *)sqlite3_column_text(st, 2)));
		json_object_set_new(one, "disabled", json_boolean(sqlite3_column_int(st, 3)));
		json_array_append_new(list, one);
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
fail:
	pb_db_stmt_done(st);
	json_decref(list);
	return NULL;
}

int pb_mentor_has_session(sqlite3 *db, int64_t staff_id, int64_t kegiatan_id)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT count(*) FROM mentor_assignment "
				      "WHERE staff_id = ?1 AND kegiatan_id = ?2");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, staff_id);
	sqlite3_bind_int64(st, 2, kegiatan_id);
	return any(st);
}

int pb_mentor_has_submission(sqlite3 *db, int64_t staff_id, int64_t kegiatan_id,
			     const char *uid)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT count(*) FROM learning_submission s "
				      "JOIN mentor_assignment m ON m.staff_id = ?1 AND "
				      "(m.kegiatan_id = s.kegiatan_id OR m.module_id = s.module_id) "
				      "WHERE s.kegiatan_id = ?2 AND s.uid = ?3");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, staff_id);
	sqlite3_bind_int64(st, 2, kegiatan_id);
	sqlite3_bind_text(st, 3, uid, -1, SQLITE_STATIC);
	return any(st);
}
