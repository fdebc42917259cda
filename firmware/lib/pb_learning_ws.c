#include "pb_learning_int.h"

#include "pb_attendance.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text a person typed: valid UTF-8, 1..max characters, no control
 * characters but line breaks and tabs. */
static int text_ok(const char *s, long max, int may_be_empty)
{
	long n;

	if (s == NULL)
		return 0;
	n = pb_utf8_len(s);
	if (n < 0 || n > max || (n == 0 && !may_be_empty))
		return 0;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t' && *c != '\r')
			return 0;
	return 1;
}

#define SUBMISSION_COLS "s.uid, s.module_id, s.ws_id, s.version, s.text, s.submitted_ms, " \
			"s.status, s.score, s.comment, s.reviewer, s.reviewed_ms, s.nuptk"

static json_t *submission_row(sqlite3_stmt *st)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:I}",
			      "submission", col(st, 0), "module", col(st, 1),
			      "worksheet", col(st, 2), "version", sqlite3_column_int(st, 3),
			      "text", col(st, 4),
			      "submitted_ms", (json_int_t)sqlite3_column_int64(st, 5),
			      "status", col(st, 6), "comment", col(st, 8),
			      "reviewed_ms", (json_int_t)sqlite3_column_int64(st, 10));

	if (s != NULL)
		json_object_set_new(s, "score", sqlite3_column_type(st, 7) == SQLITE_NULL ?
				    json_null() : json_integer(sqlite3_column_int(st, 7)));
	return s;
}

/* The photos of a submission's version as "photos" of s (its
 * "submission" and "version"): 0 or -1. */
static int add_photos(sqlite3 *db, json_t *s)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT n, sha256, mime, size FROM learning_photo "
				      "WHERE submission = ?1 AND version = ?2 ORDER BY n");
	json_t *list = json_array();
	int step;

	if (st == NULL || list == NULL || s == NULL) {
		pb_learn_give_up(st, list);
		return -1;
	}
	sqlite3_bind_text(st, 1, str(s, "submission"), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, integer(s, "version"));
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:i, s:s, s:s, s:I}",
			"n", sqlite3_column_int(st, 0), "sha256", col(st, 1), "mime", col(st, 2),
			"size", (json_int_t)sqlite3_column_int64(st, 3)));
	pb_db_stmt_done(st);
	json_object_set_new(s, "photos", list);
	return step == SQLITE_DONE ? 0 : -1;
}

/* The record of a change to a submission, upstream. */
static int submission_record(sqlite3 *db, const char *type, const char *session_uid,
			     const char *uid)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT " SUBMISSION_COLS " FROM learning_submission s "
				      "WHERE s.uid = ?1");
	json_t *p = NULL;
	char person[PB_NUPTK_LEN + 1] = "";

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p = submission_row(st);
		if (p != NULL) {
			json_object_set_new(p, "session_id", json_string(session_uid));
			snprintf(person, sizeof(person), "%s", col(st, 11));
			if (strcmp(type, "learning.review") == 0) {
				json_object_set_new(p, "reviewer", json_string(col(st, 9)));
				json_object_del(p, "text");
			}
		}
	}
	pb_db_stmt_done(st);
	/* a worksheet names its photos: their files follow (pb-sync) */
	if (p != NULL && strcmp(type, "learning.worksheet") == 0 && add_photos(db, p) != 0) {
		json_decref(p);
		return -1;
	}
	return pb_learn_record(db, type, p, person);
}

/* One submission by uid. */
static json_t *submission_get(sqlite3 *db, const char *uid)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT " SUBMISSION_COLS " FROM learning_submission s "
				      "WHERE s.uid = ?1");
	json_t *s = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = submission_row(st);
	pb_db_stmt_done(st);
	if (s != NULL && add_photos(db, s) != 0) {
		json_decref(s);
		s = NULL;
	}
	return s;
}

/* Store the sheet's photos and name them under this version. */
static int photos_put(sqlite3 *db, const char *uid, const struct pb_learn_sheet *sheet)
{
	sqlite3_stmt *st;
	char sha[PB_SHA256_HEX_LEN + 1];
	int step;

	for (size_t i = 0; i < sheet->n_photos; i++) {
		if (sheet->store == NULL || sheet->store(sheet->store_ctx, i, sha) != 0)
			return -1;
		st = pb_db_stmt(db, "INSERT INTO learning_photo(submission, version, n, sha256, "
				"mime, size) SELECT uid, version, ?2, ?3, ?4, ?5 FROM "
				"learning_submission WHERE uid = ?1");
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, (int)i + 1);
		sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, sheet->photo_mime[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, sheet->photo_size[i]);
		step = sqlite3_step(st);
		pb_db_stmt_done(st);
		if (step != SQLITE_DONE)
			return -1;
	}
	return 0;
}

enum pb_learn_result pb_learning_submit(sqlite3 *db, const struct pb_learner *who,
					const struct pb_learn_sheet *sheet, json_t **out)
{
	const char *module_id = sheet->module_id, *ws_id = sheet->ws_id, *text = sheet->text;
	sqlite3_stmt *st;
	char uid[PB_ID_HEX_LEN + 1] = "", status[16] = "", activity[PB_LEARN_ACTIVITY_MAX];
	char title[PB_LEARN_TITLE_MAX * 4 + 1] = "";
	int64_t now = pb_clock_wall_ms();
	enum pb_learn_result r = PB_LEARN_DB;
	int step;

	*out = NULL;
	if (!text_ok(text, PB_LEARN_ANSWER_TEXT_MAX, 0))
		return PB_LEARN_BAD_TEXT;
	if (sheet->n_photos > PB_LEARN_PHOTOS_MAX)
		return PB_LEARN_TOO_MANY_PHOTOS;
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	step = pb_learn_one_text(db, "SELECT title FROM learning_worksheet WHERE module_id = ?1 AND "
			"ws_id = ?2", module_id, ws_id, 0, title, sizeof(title));
	if (step != 0) {
		r = step > 0 ? PB_LEARN_NO_WORKSHEET : PB_LEARN_DB;
		goto out;
	}
	st = pb_db_stmt(db, "SELECT uid, status FROM learning_submission WHERE kegiatan_id = ?1 "
			"AND nuptk = ?2 AND module_id = ?3 AND ws_id = ?4");
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, who->kegiatan_id);
	sqlite3_bind_text(st, 2, who->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ws_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(uid, sizeof(uid), "%s", col(st, 0));
		snprintf(status, sizeof(status), "%s", col(st, 1));
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		goto out;
	if (strcmp(status, "accepted") == 0) {
		r = PB_LEARN_ACCEPTED;
		goto out;
	}
	if (uid[0] == '\0') {
		pb_id_new(uid);
		st = pb_db_stmt(db, "INSERT INTO learning_submission(uid, kegiatan_id, nuptk, "
				"module_id, ws_id, version, text, submitted_ms, status) "
				"VALUES (?1,?2,?3,?4,?5,1,?6,?7,'sent')");
	} else {
		/* sent again: a new version waits for review; the last review's
		 * comment stays visible until the next one */
		st = pb_db_stmt(db, "UPDATE learning_submission SET version = version + 1, "
				"text = ?6, submitted_ms = ?7, status = 'sent' WHERE uid = ?1");
	}
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, who->kegiatan_id);
	sqlite3_bind_text(st, 3, who->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ws_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	step = sqlite3_step(st);
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE || photos_put(db, uid, sheet) != 0)
		goto out;
	snprintf(activity, sizeof(activity), "worksheet:%s", ws_id);
	if (submission_record(db, "learning.worksheet", who->session_uid, uid) != 0 ||
	    pb_learn_progress_set(db, who, module_id, activity, title, "done", now) < 0)
		goto out;
	r = PB_LEARN_OK;
out:
	r = pb_learn_write_end(db, r);
	if (r == PB_LEARN_OK && (*out = submission_get(db, uid)) == NULL)
		r = PB_LEARN_DB;
	return r;
}

enum pb_learn_result pb_learning_review(sqlite3 *db, int64_t kegiatan_id, const char *uid,
					const char *status, int score, const char *comment,
					const char *reviewer, json_t **out)
{
	sqlite3_stmt *st;
	char session_uid[PB_ID_HEX_LEN * 4 + 1] = "";
	enum pb_learn_result r = PB_LEARN_DB;
	int step;

	*out = NULL;
	if (status == NULL || (strcmp(status, "revise") != 0 && strcmp(status, "accepted") != 0) ||
	    score < -1 || score > 100 || !text_ok(comment, PB_LEARN_COMMENT_MAX, 1) ||
	    (score < 0 && comment[0] == '\0'))
		return PB_LEARN_BAD_REVIEW;
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	step = pb_learn_one_text(db, "SELECT k.uid FROM learning_submission s JOIN kegiatan k ON "
			"k.id = s.kegiatan_id WHERE s.uid = ?1 AND s.kegiatan_id = ?2", uid, NULL,
			kegiatan_id, session_uid, sizeof(session_uid));
	if (step != 0) {
		r = step > 0 ? PB_LEARN_NO_SUBMISSION : PB_LEARN_DB;
		goto out;
	}
	st = pb_db_stmt(db, "UPDATE learning_submission SET status = ?2, score = ?3, comment = ?4, "
			"reviewer = ?5, reviewed_ms = ?6 WHERE uid = ?1");
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (score >= 0)
		sqlite3_bind_int(st, 3, score);
	sqlite3_bind_text(st, 4, comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, reviewer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, pb_clock_wall_ms());
	step = sqlite3_step(st);
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE || submission_record(db, "learning.review", session_uid, uid) != 0)
		goto out;
	r = PB_LEARN_OK;
out:
	r = pb_learn_write_end(db, r);
	if (r == PB_LEARN_OK && (*out = submission_get(db, uid)) == NULL)
		r = PB_LEARN_DB;
	return r;
}

json_t *pb_learning_queue(sqlite3 *db, const struct pb_learn_queue_filter *f)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT " SUBMISSION_COLS ", coalesce(r.name, ''), "
				      "coalesce(w.title, ''), s.kegiatan_id, coalesce(w.due, '') "
				      "FROM learning_submission s "
				      "LEFT JOIN roster r ON r.kegiatan_id = s.kegiatan_id AND "
				      "r.nuptk = s.nuptk LEFT JOIN learning_worksheet w ON "
				      "w.module_id = s.module_id AND w.ws_id = s.ws_id "
				      "WHERE (?1 = 0 OR s.kegiatan_id = ?1) AND "
				      "(?2 IS NULL OR s.module_id = ?2) AND s.status = ?3 AND "
				      "(?5 = 0 OR EXISTS (SELECT 1 FROM mentor_assignment m WHERE "
				      "m.staff_id = ?5 AND (m.kegiatan_id = s.kegiatan_id OR "
				      "m.module_id = s.module_id))) "
				      "ORDER BY s.submitted_ms, s.id LIMIT ?4");
	char today[PB_DAY_LEN + 1];
	json_t *list = json_array(), *s;
	int step;

	if (st == NULL || list == NULL)
		return pb_learn_give_up(st, list);
	pb_att_today(today);
	sqlite3_bind_int64(st, 1, f->kegiatan_id);
	if (f->module_id != NULL)
		sqlite3_bind_text(st, 2, f->module_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->status != NULL ? f->status : "sent", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, PB_LEARN_QUEUE_MAX);
	sqlite3_bind_int64(st, 5, f->mentor_id > 0 ? f->mentor_id : 0);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *due = col(st, 15);
		s = submission_row(st);
		if (s == NULL)
			continue;
		json_object_set_new(s, "nuptk", json_string(col(st, 11)));
		json_object_set_new(s, "name", json_string(col(st, 12)));
		json_object_set_new(s, "title", json_string(col(st, 13)));
		json_object_set_new(s, "session", json_integer(sqlite3_column_int64(st, 14)));
		json_object_set_new(s, "due", json_string(due));
		json_object_set_new(s, "overdue", json_boolean(due[0] != '\0' &&
				    strcmp(due, today) < 0 && strcmp(col(st, 6), "accepted") != 0));
		if (add_photos(db, s) != 0)
			step = SQLITE_ERROR;
		json_array_append_new(list, s);
		if (step == SQLITE_ERROR)
			break;
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *pb_learning_submissions(sqlite3 *db, const struct pb_learner *who,
				const char *module_id)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT " SUBMISSION_COLS " FROM learning_submission s "
				      "WHERE s.kegiatan_id = ?1 AND s.nuptk = ?2 AND s.module_id = ?3");
	json_t *by = json_object();
	int step;

	if (st == NULL || by == NULL)
		return pb_learn_give_up(st, by);
	sqlite3_bind_int64(st, 1, who->kegiatan_id);
	sqlite3_bind_text(st, 2, who->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, module_id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *s = submission_row(st);

		if (add_photos(db, s) != 0) {
			json_decref(s);
			step = SQLITE_ERROR;
			break;
		}
		json_object_set_new(by, col(st, 2), s);
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE) {
		json_decref(by);
		return NULL;
	}
	return by;
}

int pb_learning_photo(sqlite3 *db, const char *uid, int n, int64_t *kegiatan_id,
		      char owner[PB_NUPTK_LEN + 1], char sha[PB_SHA256_HEX_LEN + 1],
		      char *mime, size_t mime_len)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT s.kegiatan_id, s.nuptk, p.sha256, p.mime "
				      "FROM learning_submission s JOIN learning_photo p ON "
				      "p.submission = s.uid AND p.version = s.version "
				      "WHERE s.uid = ?1 AND p.n = ?2");
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, n);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*kegiatan_id = sqlite3_column_int64(st, 0);
		snprintf(owner, PB_NUPTK_LEN + 1, "%s", col(st, 1));
		snprintf(sha, PB_SHA256_HEX_LEN + 1, "%s", col(st, 2));
		snprintf(mime, mime_len, "%s", col(st, 3));
	}
	pb_db_stmt_done(st);
	return step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? 1 : -1;
}
