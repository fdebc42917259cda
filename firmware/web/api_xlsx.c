/* Spreadsheet exports of a session for the finance office (pb_xlsx):
 * GET /api/v1/sessions/{id}/claims.xlsx (the nominatif; the statements of
 * real cost on a second sheet), /attendance.xlsx (one sheet a day) and
 * /jp.xlsx. Staff only; audited like the CSVs, since personal data and
 * money leave the box. libxlsxwriter writes into the store's tmp folder
 * (the only place pb-web writes files); the file is read back and
 * removed before the answer goes out. */
#include "web.h"
#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_claims.h"
#include "pb_paper.h"
#include "pb_xlsx.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)
#define DB_ERR(r) ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", \
		      "Basis data tidak dapat dibaca atau ditulis")

enum book { BOOK_CLAIMS, BOOK_ATTENDANCE, BOOK_JP };

static const struct {
	const char *file;         /* download name: FILE-ID.xlsx */
	const char *audit;        /* audit action */
} books[] = {
	[BOOK_CLAIMS] = { "daftar-nominatif", "claims.export" },
	[BOOK_ATTENDANCE] = { "daftar-hadir", "attendance.export" },
	[BOOK_JP] = { "rekap-jp", "attendance.export" },
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
			book = pb_xlsx_claims_book(a, c, payees);
		break;
	case BOOK_ATTENDANCE:
		days = json_array();
		for (int i = 0; days != NULL && i < k->days; i++) {
			json_t *d = session_day(k, i, day) == 0 ? pb_att_day(db, k, day) : NULL;
			if (d == NULL || json_array_append_new(days, d) != 0) {
				json_decref(days);
				return NULL;
			}
		}
		if (days != NULL)
			book = pb_xlsx_attendance_book(days, payees);
		break;
	case BOOK_JP:
		if (session_day(k, 0, day) == 0 && (a = pb_att_day(db, k, day)) != NULL)
			book = pb_xlsx_jp_book(a, payees);
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
	struct MHD_Response *resp;
	enum MHD_Result ret;
	sqlite3 *db = pb_web_db(r->web);
	char tmpdir[PATH_MAX], text[160];
	json_t *payees = NULL, *book = NULL;
	char *data = NULL;
	size_t len = 0;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_papers_session(r, db, &k, &ret) != 0)
		return ret;
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
	resp = pb_buffer_response(r, PB_XLSX_MIME, data, len, 1);
	if (resp == NULL)
		return MHD_NO;
	snprintf(text, sizeof(text), "attachment; filename=\"%s-%lld.xlsx\"", books[b].file,
		 (long long)k.id);
	MHD_add_response_header(resp, "Content-Disposition", text);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return pb_queue(r, MHD_HTTP_OK, resp);
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
