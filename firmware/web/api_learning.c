/* The learning loop over HTTP: a teacher (session + NUPTK + the check-in
 * id as proof, like claims) sees "Progres saya", marks activities, takes
 * tests (start/resume, one answer per request, finish); staff see the
 * results of a session as JSON or CSV. No answer to a phone carries a key:
 * pb_learning builds every view from the attempt's layout. */
#include "web.h"

#include "pb_audit.h"
#include "pb_csv.h"
#include "pb_db.h"
#include "pb_hash.h"
#include "pb_learning.h"
#include "pb_manifest.h"
#include "pb_mentor.h"
#include "pb_roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)
#define DB_ERR(r) ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", \
		      "Basis data tidak dapat dibaca atau ditulis")

/* The teacher of a request: "session" (id), "nuptk" and "checkin" from
 * the body (POST) or the query (GET), the check-in id belonging to that
 * NUPTK in that session. */
struct learner_req {
	struct pb_kegiatan k;
	char nuptk[PB_NUPTK_LEN + 1];
	struct pb_learner who;
};

static const char *field(struct pb_req *r, const json_t *in, const char *name, char *buf,
			 size_t len)
{
	const json_t *v;

	if (in == NULL)
		return pb_query(r, name);
	v = json_object_get(in, name);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

/* A teacher proves who they are with their check-in id ("checkin" in the
 * body of a POST; X-Checkin-Id or ?checkin= on a GET). Without one, staff
 * may read (GET) a teacher's progress and attempts, never act for them. */
static int learner(struct pb_req *r, sqlite3 *db, const json_t *in, struct learner_req *l,
		   enum MHD_Result *ret)
{
	char num[24];
	const char *sid = field(r, in, "session", num, sizeof(num));
	const char *nuptk = field(r, in, "nuptk", NULL, 0);
	const char *proof = in != NULL ? field(r, in, "checkin", NULL, 0) :
			    pb_header(r, PB_PROOF_HEADER);
	struct pb_login staff;
	char owner[PB_NUPTK_LEN + 1], key[PB_NUPTK_LEN + 1];
	int rc;

	if (in == NULL && proof == NULL)
		proof = pb_query(r, "checkin");
	if (proof == NULL) {
		if (!pb_require_staff(r, PB_NEED_STAFF, in != NULL, &staff, ret))
			return -1;
		if (in != NULL) {
			*ret = ERR(r, MHD_HTTP_FORBIDDEN, "teacher_only",
				   "Hanya guru sendiri yang mengerjakan tes dan mencatat kemajuannya");
			return -1;
		}
	}
	if (pb_session_load(r, db, sid, &l->k, ret) != 0)
		return -1;
	/* a NUPTK, or the roster's participant number as check-in takes it,
	 * or the key the staff's lists give for one (#NUMBER##…) */
	if (pb_person_is_peserta(nuptk))
		snprintf(key, sizeof(key), "%s", nuptk);
	else if (pb_person_key(nuptk, key) != 0) {
		*ret = ERR(r, MHD_HTTP_BAD_REQUEST, "bad_nuptk",
			   "NUPTK harus tepat 16 angka, atau isi No Peserta dari daftar peserta");
		return -1;
	}
	if (proof != NULL && !pb_hex_valid(proof, PB_ID_HEX_LEN)) {
		*ret = ERR(r, MHD_HTTP_BAD_REQUEST, "bad_proof_format",
			   "Bukti hadir (ID check-in) harus 32 huruf heksadesimal");
		return -1;
	}
	if (proof != NULL) {
		rc = pb_att_checkin_of(db, l->k.id, proof, NULL, owner);
		if (rc < 0) {
			*ret = DB_ERR(r);
			return -1;
		}
		if (rc > 0 || strcmp(owner, key) != 0) {
			*ret = rc > 0 ? ERR(r, MHD_HTTP_FORBIDDEN, "bad_proof",
				"Bukti hadir tidak dikenal untuk kegiatan ini: lakukan presensi dulu")
				       : ERR(r, MHD_HTTP_FORBIDDEN, "other_teacher",
				"Bukti hadir ini milik guru lain");
			return -1;
		}
	}
	snprintf(l->nuptk, sizeof(l->nuptk), "%s", key);
	l->who.kegiatan_id = l->k.id;
	l->who.session_uid = l->k.uid;
	l->who.nuptk = l->nuptk;
	return 0;
}

/* The body of a teacher's POST with the teacher checked: the body, or
 * NULL with an error queued in *ret. */
static json_t *learner_body(struct pb_req *r, struct learner_req *l, enum MHD_Result *ret)
{
	json_t *in = pb_body_json(r, ret);

	if (in != NULL && learner(r, pb_web_db(r->web), in, l, ret) != 0) {
		json_decref(in);
		in = NULL;
	}
	return in;
}

static enum MHD_Result learn_answer(struct pb_req *r, enum pb_learn_result lr, json_t *view)
{
	switch (lr) {
	case PB_LEARN_OK:
		return pb_respond_json_with(r, MHD_HTTP_OK, view, NULL);
	case PB_LEARN_TIME_UP:
		json_decref(view);
		return ERR(r, MHD_HTTP_CONFLICT, "time_up",
			   "Waktu tes sudah habis: jawaban yang tersimpan sudah dinilai");
	case PB_LEARN_NO_MODULE:
		return ERR(r, MHD_HTTP_NOT_FOUND, "no_module", "Modul tidak ditemukan");
	case PB_LEARN_NO_TEST:
		return ERR(r, MHD_HTTP_NOT_FOUND, "no_test", "Tes tidak ditemukan di modul ini");
	case PB_LEARN_NO_ATTEMPT:
		return ERR(r, MHD_HTTP_NOT_FOUND, "no_attempt", "Pengerjaan tes tidak ditemukan");
	case PB_LEARN_NO_ATTEMPTS_LEFT:
		return ERR(r, MHD_HTTP_CONFLICT, "no_attempts_left",
			   "Kesempatan mengerjakan tes ini sudah habis");
	case PB_LEARN_FINISHED:
		return ERR(r, MHD_HTTP_CONFLICT, "attempt_finished",
			   "Tes ini sudah selesai dan dinilai");
	case PB_LEARN_BAD_ITEM:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_test_item", "Soal tidak ada dalam tes ini");
	case PB_LEARN_BAD_CHOICE:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_choice",
			   "Pilihan jawaban tidak sesuai dengan soal");
	case PB_LEARN_BAD_ACTIVITY:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_activity", "Kegiatan belajar tidak dikenal");
	case PB_LEARN_NO_WORKSHEET:
		return ERR(r, MHD_HTTP_NOT_FOUND, "no_worksheet",
			   "Lembar kerja tidak ditemukan di modul ini");
	case PB_LEARN_BAD_TEXT:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_text",
			   "Isi jawaban lembar kerja (paling banyak 4000 huruf)");
	case PB_LEARN_ACCEPTED:
		return ERR(r, MHD_HTTP_CONFLICT, "worksheet_accepted",
			   "Lembar kerja ini sudah diterima: tidak perlu dikirim lagi");
	case PB_LEARN_NO_SUBMISSION:
		return ERR(r, MHD_HTTP_NOT_FOUND, "no_submission",
			   "Kiriman lembar kerja tidak ditemukan");
	case PB_LEARN_TOO_MANY_PHOTOS:
		return ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_many_photos",
			   "Terlalu banyak foto untuk satu lembar kerja");
	case PB_LEARN_BAD_REVIEW:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_review",
			   "Pilih perlu revisi atau diterima, dan beri nilai 0-100 atau komentar");
	default:
		return DB_ERR(r);
	}
}

/* The ids a teacher's POST names (module, test, item, worksheet): text
 * of 1 to max bytes. A missing or bad one is answered as not found, by
 * what the route would have looked up (learn_answer), so the tables carry
 * no error of their own. */
struct ids_form {
	const char *module;
	const char *test;
	const char *item;
	const char *worksheet;
};

#define ID_FIELD(json, member, max_len) \
	{ .name = json, .type = PB_FT_STRING, .flags = PB_F_REQUIRED | PB_F_OTHER_IS_ABSENT, \
	  .min = 1, .max = max_len, .offset = offsetof(struct ids_form, member) }
static const struct pb_field start_fields[] = {
	ID_FIELD("module", module, PB_MODULE_ID_MAX),
	ID_FIELD("test", test, PB_LEARN_ID_MAX),
};
static const struct pb_fields start_table = PB_FIELDS(start_fields);
static const struct pb_field answer_fields[] = { ID_FIELD("item", item, PB_LEARN_ID_MAX) };
static const struct pb_fields answer_table = PB_FIELDS(answer_fields);
static const struct pb_field sheet_fields[] = {
	ID_FIELD("module", module, PB_MODULE_ID_MAX),
	ID_FIELD("worksheet", worksheet, PB_LEARN_ID_MAX),
};
static const struct pb_fields sheet_table = PB_FIELDS(sheet_fields);

/* 1 if in names the ids of t (stored in f). */
static int ids_of(const json_t *in, const struct pb_fields *t, struct ids_form *f)
{
	const struct pb_field_error *e;

	return pb_fields_check(t, in, f, &e, NULL) == 0;
}

/* GET /api/v1/learning/modules/{id}?session=&nuptk=&checkin=: with
 * photos_max and photo_max_bytes for the worksheets' photos */
enum MHD_Result pb_handle_learning_module(struct pb_req *r)
{
	struct learner_req l;
	enum MHD_Result ret;
	enum pb_learn_result lr;
	json_t *out = NULL;

	if (learner(r, pb_web_db(r->web), NULL, &l, &ret) != 0)
		return ret;
	lr = pb_learning_progress(pb_web_db(r->web), &l.who, r->params[0], &out);
	if (lr == PB_LEARN_OK) {
		/* what the page may send with a worksheet */
		json_object_set_new(out, "photos_max",
				    json_integer(r->web->cfg.worksheet_photos_max));
		json_object_set_new(out, "photo_max_bytes",
				    json_integer(r->web->cfg.receipt_max_bytes));
	}
	return learn_answer(r, lr, out);
}

/* POST /api/v1/learning/modules/{id}/progress {session, nuptk, checkin,
 * activity, state} */
enum MHD_Result pb_handle_learning_progress(struct pb_req *r)
{
	struct learner_req l;
	enum MHD_Result ret;
	enum pb_learn_result lr;
	json_t *in;

	if ((in = learner_body(r, &l, &ret)) == NULL)
		return ret;
	lr = pb_learning_mark(pb_web_db(r->web), &l.who, r->params[0],
			      json_string_value(json_object_get(in, "activity")),
			      json_string_value(json_object_get(in, "state")));
	json_decref(in);
	return learn_answer(r, lr, lr == PB_LEARN_OK ? json_pack("{s:b}", "saved", 1) : NULL);
}

/* POST /api/v1/learning/attempts {session, nuptk, checkin, module, test}:
 * start, or resume the open attempt */
enum MHD_Result pb_handle_learning_start(struct pb_req *r)
{
	struct learner_req l;
	enum MHD_Result ret;
	enum pb_learn_result lr = PB_LEARN_NO_TEST;
	struct ids_form f = { 0 };
	json_t *in, *view = NULL;

	if ((in = learner_body(r, &l, &ret)) == NULL)
		return ret;
	if (ids_of(in, &start_table, &f))
		lr = pb_learning_start(pb_web_db(r->web), &l.who, f.module, f.test, &view);
	json_decref(in);
	return learn_answer(r, lr, view);
}

/* GET /api/v1/learning/attempts/{uid}?session=&nuptk=&checkin= */
enum MHD_Result pb_handle_learning_attempt(struct pb_req *r)
{
	struct learner_req l;
	enum MHD_Result ret;
	enum pb_learn_result lr;
	json_t *view = NULL;

	if (learner(r, pb_web_db(r->web), NULL, &l, &ret) != 0)
		return ret;
	lr = pb_learning_view(pb_web_db(r->web), &l.who, r->params[0], &view);
	return learn_answer(r, lr, view);
}

/* POST /api/v1/learning/attempts/{uid}/answers {session, nuptk, checkin,
 * item, choice: [option ids]} */
enum MHD_Result pb_handle_learning_answer(struct pb_req *r)
{
	struct learner_req l;
	enum MHD_Result ret;
	enum pb_learn_result lr = PB_LEARN_BAD_ITEM;
	struct ids_form f = { 0 };
	json_t *in, *view = NULL;

	if ((in = learner_body(r, &l, &ret)) == NULL)
		return ret;
	if (ids_of(in, &answer_table, &f))
		lr = pb_learning_answer(pb_web_db(r->web), &l.who, r->params[0], f.item,
					json_object_get(in, "choice"), &view);
	json_decref(in);
	return learn_answer(r, lr, view);
}

/* POST /api/v1/learning/attempts/{uid}/finish {session, nuptk, checkin} */
enum MHD_Result pb_handle_learning_finish(struct pb_req *r)
{
	struct learner_req l;
	enum MHD_Result ret;
	json_t *in, *view = NULL;
	enum pb_learn_result lr;

	if ((in = learner_body(r, &l, &ret)) == NULL)
		return ret;
	json_decref(in);
	lr = pb_learning_finish(pb_web_db(r->web), &l.who, r->params[0], &view);
	return learn_answer(r, lr, view);
}

static enum MHD_Result not_assigned(struct pb_req *r)
{
	return ERR(r, MHD_HTTP_FORBIDDEN, "not_assigned",
		   "Mentor tidak ditugaskan ke kegiatan atau modul ini");
}

/* The session of a staff request on learning: facilitators and admins
 * any, a mentor one it is assigned to (whole: results) or any (queue: the
 * query narrows it to its assignments). */
static int staff_session(struct pb_req *r, struct pb_login *who, struct pb_kegiatan *k,
			 int whole, enum MHD_Result *ret)
{
	int has;

	if (!pb_require_staff(r, PB_NEED_LOGIN, 0, who, ret))
		return -1;
	if (pb_session_load(r, pb_web_db(r->web), r->params[0], k, ret) != 0)
		return -1;
	if (!whole || !PB_IS_MENTOR(who))
		return 0;
	has = pb_mentor_has_session(pb_web_db(r->web), who->staff_id, k->id);
	if (has != 1) {
		*ret = has < 0 ? DB_ERR(r) : not_assigned(r);
		return -1;
	}
	return 0;
}

/* GET /api/v1/sessions/{id}/learning (staff) */
enum MHD_Result pb_handle_learning_results(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	json_t *res;

	if (staff_session(r, &who, &k, 1, &ret) != 0)
		return ret;
	res = pb_learning_results(pb_web_db(r->web), k.id);
	if (res == NULL)
		return DB_ERR(r);
	json_object_set_new(res, "session", pb_kegiatan_json(&k));
	return pb_respond_json_with(r, MHD_HTTP_OK, res, NULL);
}

/* One row of the book as CSV: numbers written out. */
static int csv_row(FILE *f, const json_t *row)
{
	const char *cells[PB_LEARN_BOOK_COLS_MAX + 1];
	char num[PB_LEARN_BOOK_COLS_MAX][24];
	const json_t *c;
	size_t i;

	if (json_array_size(row) > PB_LEARN_BOOK_COLS_MAX)
		return -1;
	json_array_foreach(row, i, c) {
		if (json_is_integer(c)) {
			snprintf(num[i], sizeof(num[i]), "%lld", (long long)json_integer_value(c));
			cells[i] = num[i];
		} else {
			cells[i] = json_string_value(c) != NULL ? json_string_value(c) : "";
		}
	}
	cells[json_array_size(row)] = NULL;
	return pb_csv_write_row(f, cells);
}

/* GET /api/v1/sessions/{id}/learning.csv (staff, mentor of the session):
 * the sheets of the results book one after the other, each under its
 * column names: per teacher and module (pre, post, activities done of
 * how many, worksheets overdue), per test item (how many missed it), per
 * worksheet (by status, not sent, overdue). */
enum MHD_Result pb_handle_learning_results_csv(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char disp[96], *csv = NULL;
	size_t len = 0, i, j;
	json_t *res, *book, *sh, *row;
	FILE *f;
	int bad = 0;

	if (staff_session(r, &who, &k, 1, &ret) != 0)
		return ret;
	res = pb_learning_results(pb_web_db(r->web), k.id);
	book = res != NULL ? pb_learning_book(res) : NULL;
	json_decref(res);
	if (book == NULL)
		return DB_ERR(r);
	f = open_memstream(&csv, &len);
	if (f == NULL) {
		json_decref(book);
		return DB_ERR(r);
	}
	json_array_foreach(book, i, sh) {
		bad |= csv_row(f, json_object_get(sh, "keys"));
		json_array_foreach(json_object_get(sh, "rows"), j, row)
			bad |= csv_row(f, row);
	}
	json_decref(book);
	if (fclose(f) != 0 || bad) {
		free(csv);
		return DB_ERR(r);
	}
	snprintf(disp, sizeof(disp), "{\"session\":\"%s\"}", k.uid);
	if (pb_audit_add(pb_web_db(r->web), who.name, "learning.export", disp, r->client) != 0) {
		free(csv);
		return DB_ERR(r);
	}
	snprintf(disp, sizeof(disp), "hasil-belajar-%lld.csv", (long long)k.id);
	return pb_respond_download(r, "text/csv; charset=utf-8", csv, len, disp);
}

/* The photo i of a worksheet into the content store (pb_learn_sheet). */
static int store_nth(void *ctx, size_t i, char sha[PB_SHA256_HEX_LEN + 1])
{
	return pb_photo_store(&((struct pb_photo *)ctx)[i], sha);
}

/* A worksheet's photos (a const json_t *): each is taken by pb_photo_take. */
static const struct pb_field photos_fields[] = {
	{ .name = "photos", .type = PB_FT_ARRAY, .offset = 0,
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_photos", "Foto harus berupa daftar", NULL } },
};
static const struct pb_fields photos_table = PB_FIELDS(photos_fields);

/* POST /api/v1/learning/worksheets {session, nuptk, checkin, module,
 * worksheet, text, photos?: [{type, data: base64}]}: send a worksheet,
 * or send it again (its photos replaced) until accepted */
enum MHD_Result pb_handle_learning_submit(struct pb_req *r)
{
	struct learner_req l;
	struct pb_photo photos[PB_LEARN_PHOTOS_MAX];
	struct pb_learn_sheet sheet;
	enum MHD_Result ret;
	enum pb_learn_result lr = PB_LEARN_NO_WORKSHEET;
	struct ids_form ids = { 0 };
	const json_t *list = NULL;
	json_t *in, *out = NULL;
	char words[96];
	size_t n = 0;

	memset(photos, 0, sizeof(photos));
	memset(&sheet, 0, sizeof(sheet));
	if ((in = learner_body(r, &l, &ret)) == NULL)
		return ret;
	if (pb_fields_take(r, in, &photos_table, &list, &ret) != 0)
		goto done;
	/* a bound from the configuration, with its own status */
	if (json_array_size(list) > r->web->cfg.worksheet_photos_max) {
		snprintf(words, sizeof(words), "Paling banyak %u foto untuk satu lembar kerja",
			 r->web->cfg.worksheet_photos_max);
		ret = ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_many_photos", words);
		goto done;
	}
	for (n = 0; n < json_array_size(list); n++) {
		if (pb_photo_take(r, json_array_get(list, n), PB_PHOTO_WORKSHEET, &photos[n],
				  &ret) != 0) {
			n++;
			goto done;
		}
		sheet.photo_mime[n] = photos[n].mime;
		sheet.photo_size[n] = (int64_t)photos[n].len;
	}
	sheet.text = json_string_value(json_object_get(in, "text"));   /* the library checks it */
	sheet.n_photos = n;
	sheet.store = store_nth;
	sheet.store_ctx = photos;
	if (ids_of(in, &sheet_table, &ids)) {
		sheet.module_id = ids.module;
		sheet.ws_id = ids.worksheet;
		lr = pb_learning_submit(pb_web_db(r->web), &l.who, &sheet, &out);
	}
	ret = learn_answer(r, lr, out);
done:
	for (size_t i = 0; i < n; i++)
		pb_photo_free(&photos[i]);
	json_decref(in);
	return ret;
}

/* GET /api/v1/learning/worksheets/{uid}/photos/{n}: staff, a mentor
 * assigned to it (never under /f/, each view audited like a receipt's),
 * or the teacher who sent it by their proof (X-Checkin-Id, with
 * ?session=&nuptk=) */
enum MHD_Result pb_handle_learning_photo(struct pb_req *r)
{
	struct learner_req l;
	struct pb_login who;
	enum MHD_Result ret;
	char sha[PB_SHA256_HEX_LEN + 1], mime[32], owner[PB_NUPTK_LEN + 1], audit[96];
	int64_t kid, n;
	int rc, teacher = pb_header(r, PB_PROOF_HEADER) != NULL || pb_query(r, "checkin") != NULL;
	sqlite3 *db = pb_web_db(r->web);

	if (teacher) {
		if (learner(r, db, NULL, &l, &ret) != 0)
			return ret;
	} else if (!pb_require_staff(r, PB_NEED_LOGIN, 0, &who, &ret)) {
		return ret;
	}
	if (!pb_hex_valid(r->params[0], PB_ID_HEX_LEN) || pb_parse_id(r->params[1], &n) != 0 ||
	    n > PB_LEARN_PHOTOS_MAX)
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Foto lembar kerja tidak ditemukan");
	rc = pb_learning_photo(db, r->params[0], (int)n, &kid, owner, sha, mime, sizeof(mime));
	if (rc < 0)
		return DB_ERR(r);
	/* another teacher's photo is as absent as one that never was */
	if (rc > 0 || (teacher && (kid != l.k.id || strcmp(owner, l.nuptk) != 0)))
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Foto lembar kerja tidak ditemukan");
	if (!teacher && PB_IS_MENTOR(&who)) {
		/* a mentor sees what it may review: its sessions and modules */
		rc = pb_mentor_has_submission(db, who.staff_id, kid, r->params[0]);
		if (rc != 1)
			return rc < 0 ? DB_ERR(r) : not_assigned(r);
	}
	if (!teacher) {
		snprintf(audit, sizeof(audit), "{\"submission\":\"%s\",\"photo\":%d}",
			 r->params[0], (int)n);
		if (pb_audit_add(db, who.name, "learning.photo_view", audit, r->client) != 0)
			return DB_ERR(r);
	}
	return pb_respond_photo(r, sha, mime, "Berkas foto lembar kerja hilang dari kotak");
}

static enum MHD_Result queue_answer(struct pb_req *r, const struct pb_login *who,
				    struct pb_learn_queue_filter *f)
{
	const char *status = pb_query(r, "status"), *module = pb_query(r, "module");
	json_t *list;

	if (status != NULL && strcmp(status, "sent") != 0 && strcmp(status, "revise") != 0 &&
	    strcmp(status, "accepted") != 0)
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_queue_status",
			   "Status harus sent, revise atau accepted");
	f->module_id = module != NULL && module[0] ? module : NULL;
	f->status = status;
	f->mentor_id = PB_IS_MENTOR(who) ? who->staff_id : 0;
	list = pb_learning_queue(pb_web_db(r->web), f);
	if (list == NULL)
		return DB_ERR(r);
	return pb_respond_json_with(r, MHD_HTTP_OK, f->kegiatan_id > 0 ?
				    json_pack("{s:I, s:o}", "session", (json_int_t)f->kegiatan_id,
					      "submissions", list) :
				    json_pack("{s:o}", "submissions", list), NULL);
}

/* GET /api/v1/sessions/{id}/worksheets?module=&status= (staff, mentor:
 * what it is assigned to): the review queue of a session, oldest first */
enum MHD_Result pb_handle_learning_queue(struct pb_req *r)
{
	struct pb_learn_queue_filter f = { 0 };
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;

	if (staff_session(r, &who, &k, 0, &ret) != 0)
		return ret;
	f.kegiatan_id = k.id;
	return queue_answer(r, &who, &f);
}

/* GET /api/v1/worksheets?session=&module=&status= (staff, mentor: what it
 * is assigned to): the review queue across sessions, oldest first */
enum MHD_Result pb_handle_learning_queue_all(struct pb_req *r)
{
	struct pb_learn_queue_filter f = { 0 };
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	const char *sid = pb_query(r, "session");

	if (!pb_require_staff(r, PB_NEED_LOGIN, 0, &who, &ret))
		return ret;
	if (sid != NULL && sid[0] != '\0') {
		if (pb_session_load(r, pb_web_db(r->web), sid, &k, &ret) != 0)
			return ret;
		f.kegiatan_id = k.id;
	}
	return queue_answer(r, &who, &f);
}

/* A review: the status (the library checks it; another type is none),
 * the score (null: none; out of 0-100 refused by the library) and the
 * comment. A failure is the library's bad_review (learn_answer). */
struct review_form {
	const char *status;
	json_int_t score;               /* -1: none */
	const char *comment;
};

static const struct pb_field review_fields[] = {
	{ .name = "score", .type = PB_FT_INT, .flags = PB_F_NULL_IS_ABSENT,
	  .offset = offsetof(struct review_form, score) },
	{ .name = "comment", .type = PB_FT_STRING, .offset = offsetof(struct review_form, comment) },
	{ .name = "status", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct review_form, status) },
};
static const struct pb_fields review_table = PB_FIELDS(review_fields);

/* POST /api/v1/sessions/{id}/worksheets/{uid}/review {status: "revise" |
 * "accepted", score?: 0-100, comment} (a facilitator, or a mentor assigned
 * to the session or the worksheet's module) */
enum MHD_Result pb_handle_learning_review(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	enum pb_learn_result lr;
	struct review_form f = { .score = -1, .comment = "" };
	const struct pb_field_error *e;
	json_t *in, *out = NULL;
	sqlite3 *db = pb_web_db(r->web);

	if (!pb_require_staff(r, PB_NEED_LOGIN, 1, &who, &ret))
		return ret;
	if (strcmp(who.role, "fasilitator") != 0 && !PB_IS_MENTOR(&who))
		return ERR(r, MHD_HTTP_FORBIDDEN, "facilitator_only",
			   "Hanya fasilitator, mentor atau pengampu yang menilai lembar kerja");
	if (pb_session_load(r, db, r->params[0], &k, &ret) != 0)
		return ret;
	if (PB_IS_MENTOR(&who)) {
		int has = pb_mentor_has_submission(db, who.staff_id, k.id, r->params[1]);
		if (has != 1)
			return has < 0 ? DB_ERR(r) : not_assigned(r);
	}
	if ((in = pb_body_json(r, &ret)) == NULL)
		return ret;
	if (pb_fields_check(&review_table, in, &f, &e, NULL) != 0) {
		json_decref(in);
		return learn_answer(r, PB_LEARN_BAD_REVIEW, NULL);
	}
	lr = pb_learning_review(db, k.id, r->params[1], f.status,
				f.score < -1 || f.score > 100 ? -2 : (int)f.score, f.comment,
				who.name, &out);
	json_decref(in);
	return learn_answer(r, lr, out);
}
