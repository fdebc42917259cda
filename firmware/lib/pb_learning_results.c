#include "pb_learning_int.h"

#include "pb_attendance.h"
#include "pb_db.h"

#include <stdio.h>
#include <string.h>

/* Per worksheet of the modules the session's teachers worked on: how
 * many sent it, by status, and how many teachers of the roster have not
 * (overdue once its due date passed). */
static json_t *worksheet_results(sqlite3 *db, int64_t kegiatan_id)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT w.module_id, w.ws_id, w.title, w.due, "
		"(SELECT count(*) FROM learning_submission s WHERE s.kegiatan_id = ?1 AND "
		"  s.module_id = w.module_id AND s.ws_id = w.ws_id AND s.status = 'sent'), "
		"(SELECT count(*) FROM learning_submission s WHERE s.kegiatan_id = ?1 AND "
		"  s.module_id = w.module_id AND s.ws_id = w.ws_id AND s.status = 'revise'), "
		"(SELECT count(*) FROM learning_submission s WHERE s.kegiatan_id = ?1 AND "
		"  s.module_id = w.module_id AND s.ws_id = w.ws_id AND s.status = 'accepted'), "
		"(SELECT count(*) FROM roster r WHERE r.kegiatan_id = ?1 AND r.withdrawn_ms = 0 AND "
		"  NOT EXISTS (SELECT 1 FROM learning_submission s WHERE s.kegiatan_id = ?1 AND "
		"  s.nuptk = r.nuptk AND s.module_id = w.module_id AND s.ws_id = w.ws_id)), "
		"w.due != '' AND w.due < ?2 FROM learning_worksheet w WHERE w.module_id IN "
		"(SELECT module_id FROM learning_progress WHERE kegiatan_id = ?1 UNION "
		" SELECT module_id FROM learning_submission WHERE kegiatan_id = ?1) "
		"ORDER BY w.module_id, w.pos");
	char today[PB_DAY_LEN + 1];
	json_t *list = json_array();
	int step;

	if (st == NULL || list == NULL)
		return pb_learn_give_up(st, list);
	pb_att_today(today);
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int missing = sqlite3_column_int(st, 7);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i}",
			"module", col(st, 0), "worksheet", col(st, 1), "title", col(st, 2),
			"due", col(st, 3), "waiting", sqlite3_column_int(st, 4),
			"revise", sqlite3_column_int(st, 5), "accepted", sqlite3_column_int(st, 6),
			"not_sent", missing, "overdue", sqlite3_column_int(st, 8) ? missing : 0));
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *pb_learning_results(sqlite3 *db, int64_t kegiatan_id)
{
	sqlite3_stmt *st;
	json_t *teachers = json_array(), *tests = json_array(), *row = NULL, *cur = NULL, *sheets;
	char today[PB_DAY_LEN + 1];
	int step;

	if (teachers == NULL || tests == NULL)
		goto fail;
	/* per teacher and module: the last scored pre and post attempt, the
	 * activities done of the module's (its files, tests and worksheets,
	 * each marked done as the teacher goes), its worksheets past due and
	 * not sent */
	st = pb_db_stmt(db, "SELECT a.nuptk, coalesce(r.name, ''), a.module_id, t.kind, a.score, "
			"a.passed, (SELECT count(*) FROM learning_progress p WHERE p.kegiatan_id = "
			"a.kegiatan_id AND p.nuptk = a.nuptk AND p.module_id = a.module_id AND "
			"p.state = 'done'), "
			"(SELECT count(*) FROM module_files f WHERE f.module_id = a.module_id) + "
			"(SELECT count(*) FROM learning_test x WHERE x.module_id = a.module_id) + "
			"(SELECT count(*) FROM learning_worksheet v WHERE v.module_id = a.module_id), "
			"(SELECT count(*) FROM learning_worksheet w WHERE w.module_id = a.module_id AND "
			"w.due != '' AND w.due < ?2 AND NOT EXISTS (SELECT 1 FROM learning_submission s "
			"WHERE s.kegiatan_id = a.kegiatan_id AND s.nuptk = a.nuptk AND "
			"s.module_id = w.module_id AND s.ws_id = w.ws_id)) FROM learning_attempt a "
			"JOIN learning_test t ON t.module_id = a.module_id AND t.test_id = a.test_id "
			"LEFT JOIN roster r ON r.kegiatan_id = a.kegiatan_id AND r.nuptk = a.nuptk "
			"WHERE a.kegiatan_id = ?1 AND a.finished_ms > 0 "
			"ORDER BY a.nuptk, a.module_id, a.finished_ms, a.id");
	if (st == NULL)
		goto fail;
	pb_att_today(today);
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (cur == NULL || strcmp(str(cur, "nuptk"), col(st, 0)) != 0 ||
		    strcmp(str(cur, "module"), col(st, 2)) != 0) {
			cur = json_pack("{s:s, s:s, s:s, s:n, s:n, s:i, s:i, s:i}", "nuptk",
					col(st, 0), "name", col(st, 1), "module", col(st, 2), "pre",
					"post", "done", sqlite3_column_int(st, 6), "activities",
					sqlite3_column_int(st, 7), "overdue", sqlite3_column_int(st, 8));
			if (cur == NULL)
				break;
			json_array_append_new(teachers, cur);
		}
		json_object_set_new(cur, col(st, 3), json_pack("{s:i, s:b}", "score",
			sqlite3_column_int(st, 4), "passed", sqlite3_column_int(st, 5)));
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	/* per test: attempts scored, passed, mean; per item how many missed it */
	st = pb_db_stmt(db, "SELECT t.module_id, t.test_id, t.kind, t.title, t.kkm, "
			"count(a.id), coalesce(sum(a.passed), 0), coalesce(avg(a.score), 0), "
			"count(DISTINCT a.nuptk), t.spec FROM learning_test t JOIN learning_attempt a "
			"ON a.module_id = t.module_id AND a.test_id = t.test_id AND "
			"a.kegiatan_id = ?1 AND a.finished_ms > 0 GROUP BY t.module_id, t.test_id "
			"ORDER BY t.module_id, t.pos");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *spec = json_loads(col(st, 9), 0, NULL), *items = json_array(), *it;
		int scored = sqlite3_column_int(st, 5);
		size_t i;

		json_array_foreach(json_object_get(spec, "items"), i, it) {
			sqlite3_stmt *ist = pb_db_stmt(db, "SELECT count(*) FROM learning_answer n "
				"JOIN learning_attempt a ON a.id = n.attempt_id WHERE a.kegiatan_id = ?1 "
				"AND a.module_id = ?2 AND a.test_id = ?3 AND a.finished_ms > 0 AND "
				"n.item_id = ?4 AND n.correct = 1");
			int right = 0;
			if (ist == NULL)
				break;
			sqlite3_bind_int64(ist, 1, kegiatan_id);
			sqlite3_bind_text(ist, 2, col(st, 0), -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ist, 3, col(st, 1), -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ist, 4, str(it, "id"), -1, SQLITE_STATIC);
			if (sqlite3_step(ist) == SQLITE_ROW)
				right = sqlite3_column_int(ist, 0);
			pb_db_stmt_done(ist);
			json_array_append_new(items, json_pack("{s:s, s:s, s:i}", "id", str(it, "id"),
				"text", str(it, "text"), "wrong", scored - right));
		}
		json_decref(spec);
		row = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o}",
			"module", col(st, 0), "test", col(st, 1), "kind", col(st, 2),
			"title", col(st, 3), "kkm", sqlite3_column_int(st, 4), "attempts", scored,
			"passed", sqlite3_column_int(st, 6),
			"mean", (int)(sqlite3_column_double(st, 7) + 0.5),
			"teachers", sqlite3_column_int(st, 8), "items", items);
		if (row != NULL)
			json_array_append_new(tests, row);
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	sheets = worksheet_results(db, kegiatan_id);
	if (sheets == NULL)
		goto fail;
	return json_pack("{s:o, s:o, s:o}", "teachers", teachers, "tests", tests,
			 "worksheets", sheets);
fail:
	json_decref(teachers);
	json_decref(tests);
	return NULL;
}


/* One sheet of the book: XLSX column titles, CSV column names (keys). */
static json_t *book_sheet(const char *name, json_t *head, json_t *keys, json_t *rows)
{
	return json_pack("{s:s, s:o, s:o, s:[], s:o, s:[]}", "name", name, "head", head,
			 "keys", keys, "money", "rows", rows, "sum");
}

static json_t *score_cell(const json_t *t, const char *kind)
{
	const json_t *s = json_object_get(t, kind);

	return json_is_object(s) ? json_integer(integer(s, "score")) : json_string("");
}

/* Append a fresh row (NULL: out of memory) to a list: 0/-1. */
static int add(json_t *list, json_t *row)
{
	return row != NULL && json_array_append_new(list, row) == 0 ? 0 : -1;
}

json_t *pb_learning_book(const json_t *res)
{
	json_t *teachers = json_array(), *items = json_array(), *sheets = json_array();
	const json_t *t, *it;
	size_t i, j;

	if (teachers == NULL || items == NULL || sheets == NULL)
		goto fail;
	json_array_foreach(json_object_get(res, "teachers"), i, t) {
		/* "nuptk" is the box's key: a NUPTK, or a participant number */
		char nuptk[PB_NUPTK_LEN + 1], no_peserta[PB_NO_PESERTA_MAX + 1];
		pb_person_split(str(t, "nuptk"), nuptk, no_peserta);
		if (add(teachers, json_pack("[s, s, s, s, o, o, i, i, i]", nuptk, no_peserta,
			str(t, "name"), str(t, "module"), score_cell(t, "pre"), score_cell(t, "post"),
			integer(t, "done"), integer(t, "activities"), integer(t, "overdue"))) != 0)
			goto fail;
	}
	json_array_foreach(json_object_get(res, "tests"), i, t)
		json_array_foreach(json_object_get(t, "items"), j, it)
			if (add(items, json_pack("[s, s, s, s, s, i, i]", str(t, "module"),
				str(t, "test"), str(t, "kind"), str(it, "id"), str(it, "text"),
				integer(it, "wrong"), integer(t, "attempts"))) != 0)
				goto fail;
	json_array_foreach(json_object_get(res, "worksheets"), i, t)
		if (add(sheets, json_pack("[s, s, s, i, i, i, i, i]", str(t, "module"),
			str(t, "worksheet"), str(t, "due"), integer(t, "waiting"),
			integer(t, "revise"), integer(t, "accepted"), integer(t, "not_sent"),
			integer(t, "overdue"))) != 0)
			goto fail;
	return json_pack("[o, o, o]",
		book_sheet("Guru", json_pack("[s, s, s, s, s, s, s, s, s]", "NUPTK", "No Peserta",
			   "Nama", "Modul", "Tes awal", "Tes akhir", "Kegiatan selesai",
			   "Jumlah kegiatan", "LK terlambat"),
			   json_pack("[s, s, s, s, s, s, s, s, s]", "nuptk", "no_peserta", "nama",
			   "modul", "tes_awal", "tes_akhir", "kegiatan_selesai", "kegiatan_total",
			   "lk_terlambat"),
			   teachers),
		book_sheet("Soal", json_pack("[s, s, s, s, s, s, s]", "Modul", "Tes", "Jenis", "Soal",
			   "Teks", "Salah", "Dikerjakan"),
			   json_pack("[s, s, s, s, s, s, s]", "modul", "tes", "jenis", "soal", "teks",
			   "salah", "dikerjakan"), items),
		book_sheet("Lembar kerja", json_pack("[s, s, s, s, s, s, s, s]", "Modul",
			   "Lembar kerja", "Batas", "Menunggu", "Perlu revisi", "Diterima",
			   "Belum kirim", "Terlambat"),
			   json_pack("[s, s, s, s, s, s, s, s]", "modul", "lembar_kerja", "batas",
			   "menunggu", "perlu_revisi", "diterima", "belum_kirim", "terlambat"),
			   sheets));
fail:
	json_decref(teachers);
	json_decref(items);
	json_decref(sheets);
	return NULL;
}
