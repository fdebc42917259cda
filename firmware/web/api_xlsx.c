/* Spreadsheet exports of a session for the finance office (pb_xlsx):
 * GET /api/v1/sessions/{id}/claims.xlsx (the nominatif; the statements of
 * real cost on a second sheet), /attendance.xlsx (one sheet a day) and
 * /jp.xlsx, staff only; and /learning.xlsx (the learning results, also for
 * a mentor of the session). Audited like the CSVs, since personal data and
 * money leave the box. libxlsxwriter writes into the store's tmp folder
 * (the only place pb-web writes files); the file is read back and
 * removed before the answer goes out. */
#include "web.h"
#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_claims.h"
#include "pb_learning.h"
#include "pb_mentor.h"
#include "pb_paper.h"
#include "pb_rates.h"
#include "pb_xlsx.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)
#define DB_ERR(r) ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", \
		      "Basis data tidak dapat dibaca atau ditulis")

enum book { BOOK_CLAIMS, BOOK_ATTENDANCE, BOOK_JP, BOOK_LEARNING };

static const struct {
	const char *file;         /* download name: FILE-ID.xlsx */
	const char *audit;        /* audit action */
	int mentor;               /* a mentor assigned to the session may have it */
} books[] = {
	[BOOK_CLAIMS] = { "daftar-nominatif", "claims.export", 0 },
	[BOOK_ATTENDANCE] = { "daftar-hadir", "attendance.export", 0 },
	[BOOK_JP] = { "rekap-jp", "attendance.export", 0 },
	[BOOK_LEARNING] = { "hasil-belajar", "learning.export", 1 },
};

/* Day i of the session as YYYY-MM-DD. */
static int session_day(const struct pb_kegiatan *k, int i, char out[PB_DAY_LEN + 1])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(k->start_date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += i;
	t = timegm(&tm);
	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		return -1;
	return strftime(out, PB_DAY_LEN + 1, "%Y-%m-%d", &tm) == PB_DAY_LEN ? 0 : -1;
}

/* The books: the nominatif (the statements of real cost, at-cost lines
 * without a receipt that are approved or paid, on a second sheet), the day
 * views a sheet a day, the JP per teacher. */

static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* A row's teacher: the NUPTK, or the participant number without one (the
 * payees are keyed the same way, pb_payee_map). */
static const char *who(const json_t *r)
{
	const char *n = jstr(r, "nuptk");

	return n[0] != '\0' ? n : jstr(r, "no_peserta");
}

static const char *payee_of(const json_t *payees, const char *nuptk, const char *key)
{
	return jstr(json_object_get(payees, nuptk), key);
}

static json_t *sheet(const char *name, json_t *head, json_t *money, json_t *rows, json_t *sum)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "name", name, "head", head, "money",
			 money, "rows", rows, "sum", sum, "sum_label", "JUMLAH");
}

static json_t *claims_book(const json_t *nom, const json_t *claims, const json_t *payees)
{
	json_t *head = json_pack("[s, s, s, s, s, s, s]", "No", "NUPTK", "NIP", "Nama",
				 "Pangkat/Gol.", "Unit kerja/Sekolah", "Hari");
	json_t *money = json_array(), *sum = json_array(), *rows = json_array();
	json_t *dpr_rows = json_array(), *book = NULL, *labels = json_object_get(nom, "labels");
	const json_t *r, *c;
	size_t i, n = 0;

	if (head == NULL || money == NULL || sum == NULL || rows == NULL || dpr_rows == NULL)
		goto fail;
	for (int it = 0; it < PB_ITEM_COUNT; it++) {
		const char *l = jstr(labels, pb_items[it].code);
		char title[128];
		snprintf(title, sizeof(title), "%s (Rp)", l[0] ? l : pb_items[it].label_id);
		json_array_append_new(money, json_integer(7 + it));
		json_array_append_new(sum, json_integer(7 + it));
		json_array_append_new(head, json_string(title));
	}
	json_array_append_new(money, json_integer(7 + PB_ITEM_COUNT));
	json_array_append_new(sum, json_integer(7 + PB_ITEM_COUNT));
	json_array_append_new(head, json_string("Jumlah (Rp)"));
	json_array_append_new(head, json_string("Bank"));
	json_array_append_new(head, json_string("Nomor rekening"));
	json_array_append_new(head, json_string("Nama rekening"));
	json_array_append_new(head, json_string("NPWP"));
	json_array_foreach(json_object_get(nom, "rows"), i, r) {
		const char *nu = who(r);
		json_t *row = json_pack("[I, s, s, s, s, s, O]", (json_int_t)(i + 1), nu,
					payee_of(payees, nu, "nip"), jstr(r, "name"),
					payee_of(payees, nu, "pangkat"), jstr(r, "school"),
					json_object_get(r, "days"));
		if (row == NULL || json_array_append_new(rows, row) != 0)
			goto fail;
		for (int it = 0; it < PB_ITEM_COUNT; it++)
			json_array_append_new(row, json_integer(json_integer_value(
				json_object_get(json_object_get(r, "items"), pb_items[it].code))));
		json_array_append_new(row, json_integer(json_integer_value(json_object_get(r, "total"))));
		json_array_append_new(row, json_string(payee_of(payees, nu, "bank")));
		json_array_append_new(row, json_string(payee_of(payees, nu, "rekening")));
		json_array_append_new(row, json_string(payee_of(payees, nu, "nama_rekening")));
		json_array_append_new(row, json_string(payee_of(payees, nu, "npwp")));
	}
	/* the statements of real cost: at-cost lines without a receipt */
	json_array_foreach(claims, i, c) {
		const char *st = jstr(c, "status");
		json_t *row;
		if (strcmp(jstr(c, "evidence"), "dpr") != 0 ||
		    (strcmp(st, "approved") != 0 && strcmp(st, "paid") != 0))
			continue;
		row = json_pack("[I, s, s, s, s, s, I]", (json_int_t)++n, who(c),
				jstr(c, "name"), jstr(c, "day"), jstr(c, "item_label"), jstr(c, "origin"),
				(json_int_t)json_integer_value(json_object_get(c, "amount")));
		if (row == NULL || json_array_append_new(dpr_rows, row) != 0)
			goto fail;
	}
	book = json_pack("[o, o]", sheet("Nominatif", head, money, rows, sum),
			 sheet("Pengeluaran riil", json_pack("[s, s, s, s, s, s, s]", "No", "NUPTK",
				"Nama", "Tanggal", "Uraian", "Asal", "Jumlah (Rp)"),
			       json_pack("[i]", 6), dpr_rows, json_pack("[i]", 6)));
	return book;
fail:
	json_decref(head);
	json_decref(money);
	json_decref(sum);
	json_decref(rows);
	json_decref(dpr_rows);
	return NULL;
}

#define STATUS_LABEL_MAX 32       /* bytes of "H (Hadir)" and the like */

/* A status of the daftar hadir with its letter, "H (Hadir)" (any status
 * the box reports). */
static const char *status_label(const char *st, char out[STATUS_LABEL_MAX])
{
	const char *code, *word = pb_att_status_word(st, &code);

	if (word == NULL)
		return strcmp(st, "not_yet") == 0 ? PB_ATT_NOT_YET_WORD : st;
	snprintf(out, STATUS_LABEL_MAX, "%s (%s)", code, word);
	return out;
}

static json_t *attendance_book(const json_t *days, const json_t *payees)
{
	json_t *book = json_array();
	const json_t *d, *r;
	size_t i, j;

	if (book == NULL)
		return NULL;
	json_array_foreach(days, i, d) {
		json_t *rows = json_array(), *s;
		if (rows == NULL)
			goto fail;
		json_array_foreach(json_object_get(d, "rows"), j, r) {
			const char *nu = who(r);
			char label[STATUS_LABEL_MAX];
			json_t *row = json_pack("[I, s, s, s, s, s, s, s]", (json_int_t)(j + 1), nu,
				payee_of(payees, nu, "nip"), jstr(r, "name"),
				payee_of(payees, nu, "pangkat"), jstr(r, "school"),
				status_label(jstr(r, "status"), label), jstr(r, "time"));
			if (row == NULL || json_array_append_new(rows, row) != 0) {
				json_decref(rows);
				goto fail;
			}
		}
		char name[PB_DAY_LEN + 8];
		if (json_integer_value(json_object_get(d, "sitting")) > 0)
			snprintf(name, sizeof(name), "%s S%d", jstr(d, "day"),
				 (int)json_integer_value(json_object_get(d, "sitting")));
		else
			snprintf(name, sizeof(name), "%s", jstr(d, "day"));
		s = sheet(name, json_pack("[s, s, s, s, s, s, s, s]", "No", "NUPTK", "NIP",
			  "Nama", "Pangkat/Gol.", "Unit kerja/Sekolah", "Status", "Waktu"),
			  json_array(), rows, json_array());
		if (s == NULL || json_array_append_new(book, s) != 0)
			goto fail;
	}
	return book;
fail:
	json_decref(book);
	return NULL;
}

static json_t *jp_book(const json_t *day, const json_t *payees)
{
	json_t *rows = json_array();
	const json_t *t;
	size_t i;

	if (rows == NULL)
		return NULL;
	json_array_foreach(json_object_get(day, "jp_totals"), i, t) {
		const char *nu = who(t);
		json_t *row = json_pack("[I, s, s, s, O, O]", (json_int_t)(i + 1), nu,
					payee_of(payees, nu, "nip"), jstr(t, "name"),
					json_object_get(t, "days_present"), json_object_get(t, "jp"));
		if (row == NULL || json_array_append_new(rows, row) != 0) {
			json_decref(rows);
			return NULL;
		}
	}
	return json_pack("[o]", sheet("Rekap JP", json_pack("[s, s, s, s, s, s]", "No", "NUPTK",
		"NIP", "Nama", "Hari hadir", "Jumlah JP"), json_array(), rows, json_pack("[i, i]", 4, 5)));
}

static json_t *make_book(sqlite3 *db, const struct pb_kegiatan *k, enum book b,
			 const json_t *payees)
{
	json_t *book = NULL, *a = NULL, *c = NULL, *days = NULL;
	char day[PB_DAY_LEN + 1];

	switch (b) {
	case BOOK_CLAIMS:
		a = pb_claims_nominatif(db, k);
		c = pb_claims_list(db, k->id, NULL, NULL);
		if (a != NULL && c != NULL)
			book = claims_book(a, c, payees);
		break;
	case BOOK_ATTENDANCE:
		days = json_array();
		/* a sheet a day, or a sheet a sitting of each day */
		for (int i = 0; days != NULL && i < k->days; i++)
			for (int s = k->nsittings > 0 ? 1 : 0; s <= k->nsittings; s++) {
				json_t *d = session_day(k, i, day) == 0 ? pb_att_day(db, k, day, s) :
					    NULL;
				if (d == NULL || json_array_append_new(days, d) != 0) {
					json_decref(days);
					return NULL;
				}
			}
		if (days != NULL)
			book = attendance_book(days, payees);
		break;
	case BOOK_JP:
		if (session_day(k, 0, day) == 0 &&
		    (a = pb_att_day(db, k, day, k->nsittings > 0 ? 1 : 0)) != NULL)
			book = jp_book(a, payees);
		break;
	case BOOK_LEARNING:
		if ((a = pb_learning_results(db, k->id)) != NULL)
			book = pb_learning_book(a);
		break;
	}
	json_decref(a);
	json_decref(c);
	json_decref(days);
	return book;
}

static enum MHD_Result xlsx(struct pb_req *r, enum book b)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	sqlite3 *db = pb_web_db(r->web);
	char tmpdir[PATH_MAX], text[160];
	json_t *payees = NULL, *book = NULL;
	char *data = NULL;
	size_t len = 0;

	if (!pb_require_staff(r, books[b].mentor ? PB_NEED_LOGIN : PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_session_load(r, db, r->params[0], &k, &ret) != 0)
		return ret;
	if (PB_IS_MENTOR(&who)) {
		int has = pb_mentor_has_session(db, who.staff_id, k.id);
		if (has != 1)
			return has < 0 ? DB_ERR(r) : ERR(r, MHD_HTTP_FORBIDDEN, "not_assigned",
				"Mentor tidak ditugaskan ke kegiatan atau modul ini");
	}
	payees = pb_payee_map(db, k.id);
	book = payees != NULL ? make_book(db, &k, b, payees) : NULL;
	json_decref(payees);
	if (book == NULL)
		return DB_ERR(r);
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", r->web->store.dir);
	if (pb_xlsx_build(tmpdir, book, &data, &len) != 0) {
		json_decref(book);
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "xlsx",
			   "Berkas spreadsheet tidak dapat dibuat");
	}
	json_decref(book);
	snprintf(text, sizeof(text), "{\"session\":\"%s\",\"what\":\"%s.xlsx\"}", k.uid,
		 books[b].file);
	if (pb_audit_add(db, who.name, books[b].audit, text, r->client) != 0) {
		free(data);
		return DB_ERR(r);
	}
	snprintf(text, sizeof(text), "%s-%lld.xlsx", books[b].file, (long long)k.id);
	return pb_respond_download(r, PB_XLSX_MIME, data, len, text);
}

/* GET /api/v1/sessions/{id}/claims.xlsx (staff) */
enum MHD_Result pb_handle_claims_xlsx(struct pb_req *r)
{
	return xlsx(r, BOOK_CLAIMS);
}

/* GET /api/v1/sessions/{id}/attendance.xlsx (staff) */
enum MHD_Result pb_handle_attendance_xlsx(struct pb_req *r)
{
	return xlsx(r, BOOK_ATTENDANCE);
}

/* GET /api/v1/sessions/{id}/jp.xlsx (staff) */
enum MHD_Result pb_handle_jp_xlsx(struct pb_req *r)
{
	return xlsx(r, BOOK_JP);
}

/* GET /api/v1/sessions/{id}/learning.xlsx (staff, mentor of the session):
 * the figures of /learning and /learning.csv (pb_learning_book) */
enum MHD_Result pb_handle_learning_xlsx(struct pb_req *r)
{
	return xlsx(r, BOOK_LEARNING);
}
