/* Attendance over HTTP: sessions (kegiatan), roster import, the rotating
 * session code, check-in by teachers, the facilitator's day view, marks,
 * locks and signatures. Staff routes go through pb_require_staff. */
#include "web.h"

#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_code.h"
#include "pb_db.h"
#include "pb_ids.h"
#include "pb_log.h"
#include "pb_net.h"
#include "pb_outbox.h"
#include "pb_roster.h"
#include "pb_sig.h"
#include "pb_ticket.h"
#include "pb_timeset.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEVICE_COOKIE PB_DEVICE_COOKIE
#define PB_CHECKIN_SESSIONS_MAX 200   /* sessions a typed code is tried against */

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)
#define DB_ERR(r) ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", \
		      "Basis data tidak dapat dibaca atau ditulis")

/* The session whose id is sid, its secret kept (for its code); on failure
 * an error is queued in *ret. */
static int session_get(struct pb_req *r, sqlite3 *db, const char *sid, struct pb_kegiatan *k,
		       enum MHD_Result *ret)
{
	int64_t id;
	int rc;

	if (db == NULL) {
		*ret = DB_ERR(r);
		return -1;
	}
	if (pb_parse_id(sid, &id) != 0) {
		*ret = ERR(r, MHD_HTTP_NOT_FOUND, "no_session", "Kegiatan tidak ditemukan");
		return -1;
	}
	rc = pb_kegiatan_get(db, id, k);
	if (rc != 0) {
		*ret = rc > 0 ? ERR(r, MHD_HTTP_NOT_FOUND, "no_session", "Kegiatan tidak ditemukan")
			      : DB_ERR(r);
		return -1;
	}
	return 0;
}

/* Load the kegiatan named in the path (params[0]), secret included. */
static int load_kegiatan(struct pb_req *r, sqlite3 *db, struct pb_kegiatan *k,
			 enum MHD_Result *ret)
{
	return session_get(r, db, r->params[0], k, ret);
}

int pb_session_load(struct pb_req *r, sqlite3 *db, const char *sid, struct pb_kegiatan *k,
		    enum MHD_Result *ret)
{
	if (session_get(r, db, sid, k, ret) != 0)
		return -1;
	sodium_memzero(k->secret, sizeof(k->secret));
	return 0;
}

/* A staff body's "day" (a value of another type is today's), and its
 * "sitting" (checked against the session after). */
struct day_form {
	const char *day;
	json_int_t sitting;
};

static const struct pb_field day_fields[] = {
	{ .name = "day", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .valid = pb_att_day_valid, .offset = offsetof(struct day_form, day),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_day", "Tanggal harus berbentuk YYYY-MM-DD", NULL } },
};
static const struct pb_fields day_table = PB_FIELDS(day_fields);

static const struct pb_field sitting_fields[] = {
	{ .name = "sitting", .type = PB_FT_INT, .min = 0, .max = PB_SITTINGS_MAX,
	  .offset = offsetof(struct day_form, sitting),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_sitting", "Sesi ini tidak ada di kegiatan ini",
		   NULL } },
};
static const struct pb_fields sitting_table = PB_FIELDS(sitting_fields);

/* The day asked for (query ?day= or body "day"), default today. */
static int pick_day(struct pb_req *r, const json_t *body, const struct pb_kegiatan *k,
		    char day[PB_DAY_LEN + 1], enum MHD_Result *ret)
{
	struct day_form f = { .day = pb_query(r, "day") };

	if (f.day == NULL && body != NULL && pb_fields_take(r, body, &day_table, &f, ret) != 0)
		return -1;
	if (f.day == NULL) {
		pb_att_today(day);
	} else if (!pb_att_day_valid(f.day)) {            /* the query's */
		*ret = pb_respond_field(r, &day_fields[0].bad);
		return -1;
	} else {
		memcpy(day, f.day, PB_DAY_LEN + 1);
	}
	if (pb_att_day_index(k, day) < 0) {
		*ret = ERR(r, MHD_HTTP_CONFLICT, "not_session_day",
			   "Kegiatan ini tidak berlangsung pada tanggal tersebut");
		return -1;
	}
	return 0;
}

#define WITHDRAWN_MESSAGE "Nama Anda sudah ditarik dari daftar peserta kegiatan ini oleh " \
	"penyelenggara, jadi tidak dapat presensi. Hubungi fasilitator bila ini keliru."

static enum MHD_Result field_err(struct pb_req *r, unsigned status, const char *code,
				 const char *field, const char *msg);

static enum MHD_Result att_error(struct pb_req *r, enum pb_att_result ar)
{
	switch (ar) {
	case PB_ATT_LOCKED:
		return ERR(r, MHD_HTTP_CONFLICT, "day_locked",
			   "Daftar hadir hari ini sudah dikunci fasilitator");
	case PB_ATT_NOT_LOCKED:
		return ERR(r, MHD_HTTP_CONFLICT, "not_locked", "Hari ini belum dikunci");
	case PB_ATT_TOO_MANY: {
		char msg[256];
		snprintf(msg, sizeof(msg), pb_req_en(r) ?
			 "This device was used for too many teachers today. Ask the facilitator "
			 "for permission (device address: %s)." :
			 "Perangkat ini sudah dipakai untuk terlalu banyak guru "
			 "hari ini. Minta izin fasilitator (alamat perangkat: %s).", r->client);
		return pb_respond_json_with(r, MHD_HTTP_TOO_MANY_REQUESTS,
			json_pack("{s:s, s:s, s:s, s:s}", "error", "too_many_from_device",
				  "message", msg, "client", r->client, "lang", PB_LANG(r)), NULL);
	}
	case PB_ATT_NAME_REQUIRED:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "name_required",
			   "NUPTK tidak ada di daftar peserta: isi nama dan sekolah (peserta tambahan)");
	case PB_ATT_WITHDRAWN:
		return ERR(r, MHD_HTTP_CONFLICT, "withdrawn", WITHDRAWN_MESSAGE);
	case PB_ATT_NOT_NUPTK:
		return field_err(r, MHD_HTTP_BAD_REQUEST, "bad_nuptk", "nuptk",
				 "NUPTK harus 16 angka (nomor ini juga bukan No Peserta di daftar "
				 "kegiatan ini)");
	case PB_ATT_NOT_ON_ROSTER:
		return field_err(r, MHD_HTTP_NOT_FOUND, "peserta_not_on_roster", "nuptk",
				 "No Peserta ini tidak ada di daftar peserta kegiatan ini: periksa "
				 "lagi, atau isi NUPTK (16 angka)");
	case PB_ATT_NOT_FOUND:
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Data tidak ditemukan");
	case PB_ATT_BAD_INPUT:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_input", "Data tidak sah");
	default:
		return DB_ERR(r);
	}
}

/* GET /api/v1/sessions: every session (no personal data) */
enum MHD_Result pb_handle_sessions_list(struct pb_req *r)
{
	sqlite3 *db = pb_web_db(r->web);
	json_t *list = db != NULL ? pb_kegiatan_list(db) : NULL;
	char today[PB_DAY_LEN + 1];

	if (list == NULL)
		return DB_ERR(r);
	pb_att_today(today);
	return pb_respond_json_with(r, MHD_HTTP_OK,
		json_pack("{s:o, s:s}", "sessions", list, "today", today), NULL);
}

/* GET /api/v1/sessions/{id} */
enum MHD_Result pb_handle_session_get(struct pb_req *r)
{
	struct pb_kegiatan k;
	enum MHD_Result ret;
	sqlite3 *db = pb_web_db(r->web);

	if (db == NULL)
		return DB_ERR(r);
	if (load_kegiatan(r, db, &k, &ret) != 0)
		return ret;
	sodium_memzero(k.secret, sizeof(k.secret));
	return pb_respond_json_with(r, MHD_HTTP_OK, pb_kegiatan_json(&k), NULL);
}

/* POST /api/v1/sessions (staff, CSRF) */
enum MHD_Result pb_handle_session_create(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	json_t *in;
	const char *bad = NULL;
	char msg[128];
	int64_t id = 0;
	enum pb_att_result ar;
	sqlite3 *db;

	if (!pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret))
		return ret;
	if ((in = pb_body_json(r, &ret)) == NULL)
		return ret;
	db = pb_web_db(r->web);
	ar = pb_kegiatan_create(db, in, who.name, r->client, &id, &bad);
	json_decref(in);
	if (ar == PB_ATT_BAD_INPUT) {
		snprintf(msg, sizeof(msg), "Isian '%s' kosong atau tidak sah", bad);
		return pb_respond_json_with(r, MHD_HTTP_BAD_REQUEST,
			json_pack("{s:s, s:s, s:s}", "error", "bad_field", "field", bad,
				  "message", msg), NULL);
	}
	if (ar != PB_ATT_OK || pb_kegiatan_get(db, id, &k) != 0)
		return DB_ERR(r);
	sodium_memzero(k.secret, sizeof(k.secret));
	return pb_respond_json_with(r, MHD_HTTP_CREATED, pb_kegiatan_json(&k), NULL);
}

/* POST /api/v1/sessions/{id}/roster (text/csv; staff, CSRF) */
enum MHD_Result pb_handle_roster(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	enum pb_roster_result rr;
	const char *ct = pb_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	json_t *report = NULL;
	char detail[128];
	sqlite3 *db;

	if (!pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret))
		return ret;
	db = pb_web_db(r->web);
	if (load_kegiatan(r, db, &k, &ret) != 0)
		return ret;
	if (ct == NULL || strncmp(ct, "text/csv", 8) != 0)
		return ERR(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "need_csv",
			   "Kirim daftar peserta sebagai text/csv");
	if (r->body.data == NULL || r->body.len == 0)
		return ERR(r, MHD_HTTP_BAD_REQUEST, "no_body", "Berkas CSV kosong");
	if (pb_db_begin(db) != 0)
		return DB_ERR(r);
	rr = pb_roster_import(db, k.id, r->body.data, r->body.len, &report);
	if (rr == PB_ROSTER_OK) {
		snprintf(detail, sizeof(detail), "{\"session\":\"%s\",\"accepted\":%lld,\"rejected\":%lld}",
			 k.uid, (long long)json_integer_value(json_object_get(report, "accepted")),
			 (long long)json_integer_value(json_object_get(report, "rejected")));
		if (pb_audit_add(db, who.name, "attendance.roster", detail, r->client) != 0 ||
		    pb_outbox_append(db, "attendance.roster", detail, NULL, NULL) != 0 ||
		    pb_db_commit(db) != 0)
			rr = PB_ROSTER_DB;
	}
	if (rr != PB_ROSTER_OK) {
		pb_db_rollback(db);
		json_decref(report);
	}
	switch (rr) {
	case PB_ROSTER_OK:
		return pb_respond_json_with(r, MHD_HTTP_OK, report, NULL);
	case PB_ROSTER_NO_HEADER:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "no_header",
			   "Baris judul kolom tidak ada atau tidak terbaca");
	case PB_ROSTER_MISSING_COLUMN:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "missing_column",
			   "Baris judul harus memuat kolom NUPTK dan Nama");
	case PB_ROSTER_TOO_MANY_ROWS:
		return ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_many_rows",
			   "Terlalu banyak baris dalam satu berkas");
	default:
		return DB_ERR(r);
	}
}

/* GET /api/v1/sessions/{id}/code (staff): the current code, or
 * {locked: true} and no code once today is locked (the projector stops). */
enum MHD_Result pb_handle_code(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char code[PB_CODE_DIGITS_MAX + 1], day[PB_DAY_LEN + 1];
	int64_t mono = pb_clock_mono_ms();
	unsigned period = r->web->cfg.code_period_s, digits = pb_guard_code_digits(r->web);
	sqlite3 *db = pb_web_db(r->web);
	enum pb_day_lock locked;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (load_kegiatan(r, db, &k, &ret) != 0)
		return ret;
	(void)pb_att_checkin_day(day);
	locked = pb_att_is_locked(db, k.id, day);
	if (locked != PB_DAY_OPEN) {
		sodium_memzero(k.secret, sizeof(k.secret));
		return locked == PB_DAY_LOCK_ERROR ? DB_ERR(r) : pb_respond_json_with(r, MHD_HTTP_OK,
			json_pack("{s:b, s:s}", "locked", 1, "day", day), NULL);
	}
	pb_code_for(k.secret, pb_code_counter(mono, period), digits, code);
	sodium_memzero(k.secret, sizeof(k.secret));
	return pb_respond_json_with(r, MHD_HTTP_OK,
		json_pack("{s:s, s:I, s:i, s:i, s:b, s:i}", "code", code,
			  "ms_left", (json_int_t)pb_code_ms_left(mono, period),
			  "period_s", (int)period, "grace_s", (int)r->web->cfg.code_grace_s,
			  "locked", 0, "digits", (int)digits), NULL);
}

/* GET /api/v1/sessions/{id}/qr.svg (staff): a QR code of the check-in
 * address with the session filled in, for the projector view. */
enum MHD_Result pb_handle_session_qr(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char url[PB_CHECKIN_URL_MAX];
	char *svg;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (load_kegiatan(r, pb_web_db(r->web), &k, &ret) != 0)
		return ret;
	sodium_memzero(k.secret, sizeof(k.secret));
	if (pb_checkin_url(r->web, k.id, url, sizeof(url)) != 0 || (svg = pb_qr_svg(url)) == NULL)
		return DB_ERR(r);
	return pb_respond_buffer(r, MHD_HTTP_OK, "image/svg+xml", svg, strlen(svg), 1);
}

int pb_checkin_url(const struct pb_web *w, int64_t session, char *out, size_t len)
{
	int n = snprintf(out, len, "http://%s/presensi.html?s=%lld", w->cfg.short_name,
			 (long long)session);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* An error about one field of the check-in form: the page puts the
 * message next to it. */
static enum MHD_Result field_err(struct pb_req *r, unsigned status, const char *code,
				 const char *field, const char *msg)
{
	const struct pb_field_error e = { status, code, msg, field };

	return pb_respond_field(r, &e);
}

/* The session whose current code `code` is, among the sessions held today
 * (all of them while the day is held): the code picks the session. 0 and
 * *k; otherwise the code's fate (expired / wrong) or -1 on an error. */
static int session_by_code(struct pb_req *r, sqlite3 *db, const char *code, unsigned digits,
			   const char *day, struct pb_kegiatan *k, enum pb_code_check *fate)
{
	int64_t ids[PB_CHECKIN_SESSIONS_MAX];
	int n = pb_kegiatan_ids(db, ids, PB_CHECKIN_SESSIONS_MAX), today = 0;
	int64_t mono = pb_clock_mono_ms();

	*fate = PB_CODE_WRONG;
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		enum pb_code_check cc;
		if (pb_kegiatan_get(db, ids[i], k) != 0)
			return -1;
		if (!pb_att_day_held(day) && pb_att_day_index(k, day) < 0)
			continue;
		today++;
		cc = pb_code_check(k->secret, code, mono, r->web->cfg.code_period_s,
				   r->web->cfg.code_grace_s, digits);
		if (cc == PB_CODE_VALID)
			return 0;
		if (cc == PB_CODE_EXPIRED)
			*fate = PB_CODE_EXPIRED;
	}
	sodium_memzero(k->secret, sizeof(k->secret));
	return today == 0 ? 2 : 1;
}

static enum MHD_Result too_many_wrong(struct pb_req *r, unsigned wait)
{
	return pb_respond_retry(r, MHD_HTTP_TOO_MANY_REQUESTS, "too_many_wrong_codes",
				"Terlalu banyak kode sesi yang salah. Tunggu sebentar, lalu "
				"coba lagi dengan kode di layar fasilitator.", wait);
}

/* A code of no accepted length: both lengths named, since the box shows
 * long codes while wrong ones pour in (web/guard.c). */
#define BAD_CODE_MSG "Kode sesi harus " PB_WEB_STR(PB_CODE_DIGITS) " atau " \
	PB_WEB_STR(PB_CODE_LONG_DIGITS) " angka, seperti di layar fasilitator"

static enum MHD_Result code_refused(struct pb_req *r, enum pb_code_check cc)
{
	if (cc == PB_CODE_MALFORMED)
		return field_err(r, MHD_HTTP_BAD_REQUEST, "bad_code", "code",
				 BAD_CODE_MSG);
	if (cc == PB_CODE_EXPIRED)
		return field_err(r, MHD_HTTP_FORBIDDEN, "code_expired", "code",
				 "Kode sesi sudah kedaluwarsa: lihat kode baru di layar fasilitator");
	return field_err(r, MHD_HTTP_FORBIDDEN, "wrong_code", "code",
			 "Kode sesi salah: periksa lagi kode di layar fasilitator");
}

/* A code of the other length than the box shows now: no guess, not
 * counted. Long codes: the teacher still has a short one in mind. */
static enum MHD_Result code_length_refused(struct pb_req *r, unsigned digits)
{
	if (digits == PB_CODE_LONG_DIGITS)
		return field_err(r, MHD_HTTP_FORBIDDEN, "code_longer", "code",
				 "Kode sesi sekarang 9 angka: ketik kode baru di layar fasilitator");
	return code_refused(r, PB_CODE_MALFORMED);
}

/* The body of a lookup, a check-in with a code and a claims proof;
 * without a session, the code picks it. */
struct checkin_form {
	const char *nuptk;              /* a NUPTK or participant number as typed */
	json_int_t session;             /* 0: none given */
	const char *code;
};

static const struct pb_field checkin_fields[] = {
	{ .name = "nuptk", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .valid = pb_person_typed_valid, .offset = offsetof(struct checkin_form, nuptk),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_nuptk", "Isi NUPTK (16 angka) atau No Peserta",
		   "nuptk" } },
	{ .name = "session", .type = PB_FT_INT, .min = 1, .max = PB_FIELD_INT_MAX,
	  .offset = offsetof(struct checkin_form, session),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_session", "Kegiatan tidak sah", NULL } },
	{ .name = "code", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = PB_CODE_DIGITS,
	  .max = PB_CODE_DIGITS_MAX, .chars = PB_FC_DIGITS, .offset = offsetof(struct checkin_form, code),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_code", BAD_CODE_MSG, "code" } },
};
static const struct pb_fields checkin_table = PB_FIELDS(checkin_fields);

/* pb_checkin_common on a body already read (consumed). */
static json_t *checkin_common_in(struct pb_req *r, sqlite3 *db, json_t *in, struct pb_kegiatan *k,
				 char day[PB_DAY_LEN + 1], enum MHD_Result *ret)
{
	struct checkin_form f = { 0 };
	const char *code, *dev;
	char nuptk[PB_NUPTK_LEN + 1];   /* a NUPTK or a participant-number key */
	enum pb_code_check cc;
	unsigned wait, digits;
	int rc;

	if (pb_fields_take(r, in, &checkin_table, &f, ret) != 0)
		goto fail;
	code = f.code;
	(void)pb_person_key(f.nuptk, nuptk);
	json_object_set_new(in, "nuptk", json_string(nuptk));   /* f.nuptk is gone */
	pb_timeset_refresh(db, r->web->cfg.clock_adjust);
	(void)pb_att_checkin_day(day);
	dev = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, DEVICE_COOKIE);
	if (!pb_id_valid(dev))
		dev = NULL;
	if (f.session == 0) {                  /* the code picks the session */
		/* wrong codes are counted as for one session: 0, all of the day's */
		wait = pb_guard_code_try(r->web, r->client, dev, PB_GUARD_ANY_SESSION, &digits);
		if (wait != 0) {
			*ret = too_many_wrong(r, wait);
			goto fail;
		}
		if (strlen(code) != digits) {
			pb_guard_code_ok(r->web, r->client, dev, PB_GUARD_ANY_SESSION);
			*ret = code_length_refused(r, digits);
			goto fail;
		}
		rc = session_by_code(r, db, code, digits, day, k, &cc);
		if (rc != 1 || cc != PB_CODE_WRONG)
			pb_guard_code_ok(r->web, r->client, dev, PB_GUARD_ANY_SESSION);
		if (rc == 0) {
			json_object_set_new(in, "session", json_integer(k->id));
			return in;
		}
		*ret = rc < 0 ? DB_ERR(r) : rc == 2 ?
			ERR(r, MHD_HTTP_CONFLICT, "no_session_today",
			    "Tidak ada kegiatan hari ini di kotak ini") : code_refused(r, cc);
		goto fail;
	}
	rc = pb_kegiatan_get(db, f.session, k);
	if (rc != 0) {
		*ret = rc > 0 ? ERR(r, MHD_HTTP_NOT_FOUND, "no_session", "Kegiatan tidak ditemukan")
			      : DB_ERR(r);
		goto fail;
	}
	if (!pb_att_day_held(day) && pb_att_day_index(k, day) < 0) {
		*ret = ERR(r, MHD_HTTP_CONFLICT, "not_session_day",
			   "Kegiatan ini tidak berlangsung hari ini");
		goto fail;
	}
	wait = pb_guard_code_try(r->web, r->client, dev, k->id, &digits);
	if (wait != 0) {
		*ret = too_many_wrong(r, wait);
		goto fail;
	}
	if (strlen(code) != digits) {
		pb_guard_code_ok(r->web, r->client, dev, k->id);
		*ret = code_length_refused(r, digits);
		goto fail;
	}
	cc = pb_code_check(k->secret, code, pb_clock_mono_ms(), r->web->cfg.code_period_s,
			   r->web->cfg.code_grace_s, digits);
	if (cc != PB_CODE_WRONG)         /* only a wrong code is a guess */
		pb_guard_code_ok(r->web, r->client, dev, k->id);
	if (cc == PB_CODE_VALID)
		return in;
	*ret = code_refused(r, cc);
fail:
	json_decref(in);
	return NULL;
}

json_t *pb_checkin_common(struct pb_req *r, sqlite3 *db, struct pb_kegiatan *k,
			  char day[PB_DAY_LEN + 1], enum MHD_Result *ret)
{
	json_t *in = pb_body_json(r, ret);

	return in != NULL ? checkin_common_in(r, db, in, k, day, ret) : NULL;
}

/* The phone's pb_dev cookie, or a new id (*fresh) when it has none. */
static void device_id(struct pb_req *r, char dev[PB_ID_HEX_LEN + 1], int *fresh)
{
	const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, DEVICE_COOKIE);

	*fresh = !pb_id_valid(c);
	if (*fresh)
		pb_id_new(dev);
	else
		memcpy(dev, c, PB_ID_HEX_LEN + 1);
}

static void device_cookie(char *out, size_t len, const char *dev)
{
	snprintf(out, len, DEVICE_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
		 dev, PB_DEVICE_COOKIE_MAX_AGE);
}

/* A NUPTK shown back in groups of four: "3273 0100 0000 0005"; a
 * participant number as it is. */
static void nuptk_groups(const char *n, char out[PB_NUPTK_LEN + 4])
{
	char nuptk[PB_NUPTK_LEN + 1];
	size_t o = 0;

	if (pb_person_is_peserta(n)) {
		pb_person_split(n, nuptk, out);
		return;
	}
	for (size_t i = 0; n[i] != '\0' && i < PB_NUPTK_LEN; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = n[i];
	}
	out[o] = '\0';
}

/* A lookup meeting a check-in that cannot succeed: refused now, before
 * the signature. An existing check-in is told by its time only: its id
 * opens the teacher's claims, and is had only from POST
 * /api/v1/claims/proof, where NUPTK guesses are counted (guard.c). A held
 * one (the clock not confirmed since boot) has no time to tell yet. */
static enum MHD_Result lookup_refused(struct pb_req *r, enum pb_att_result ar, json_t *existing)
{
	char msg[200];
	const char *t = json_string_value(json_object_get(existing, "time"));
	enum MHD_Result ret;

	if (ar != PB_ATT_EXISTING)
		return att_error(r, ar);
	if (pb_att_day_held(json_string_value(json_object_get(existing, "day"))) ||
	    (t != NULL && t[0] == '\0'))
		t = NULL;
	if (t == NULL)
		snprintf(msg, sizeof(msg), "%s", pb_req_en(r) ?
			 "You are already checked in today. No need to fill in again." :
			 "Anda sudah tercatat hadir hari ini. Tidak perlu mengisi lagi.");
	else
		snprintf(msg, sizeof(msg), pb_req_en(r) ?
			 "You are already checked in today at %s. No need to fill in again." :
			 "Anda sudah tercatat hadir hari ini pukul %s. Tidak perlu mengisi lagi.", t);
	ret = pb_respond_json_with(r, MHD_HTTP_CONFLICT,
		json_pack("{s:s, s:s, s:s, s:s, s:O}", "error", "already_checked_in",
			  "message", msg, "lang", PB_LANG(r), "time", t != NULL ? t : "",
			  "session", json_object_get(existing, "session")), NULL);
	json_decref(existing);
	return ret;
}

/* POST /api/v1/checkin/lookup {nuptk, code, session?}: the session the
 * code belongs to, the masked name (or the walk-in question with the NUPTK
 * shown back), and a ticket for the check-in; refusals come here. */
enum MHD_Result pb_handle_checkin_lookup(struct pb_req *r)
{
	struct pb_kegiatan k;
	struct pb_checkin c;
	struct pb_ticket t;
	enum MHD_Result ret;
	enum pb_att_result ar;
	char day[PB_DAY_LEN + 1], name[PB_ROSTER_TEXT_MAX + 1] = "", school[PB_ROSTER_TEXT_MAX + 1] = "";
	char mname[PB_MASK_MAX], mschool[PB_MASK_MAX], dev[PB_ID_HEX_LEN + 1], cookie[128];
	char ticket[PB_TICKET_HEX + 1], groups[PB_NUPTK_LEN + 4];
	sqlite3 *db = pb_web_db(r->web);
	json_t *in, *existing = NULL, *out;
	int walk_in = 0, fresh, rc;
	unsigned wait;

	if (db == NULL)
		return DB_ERR(r);
	in = pb_checkin_common(r, db, &k, day, &ret);
	if (in == NULL)
		return ret;
	sodium_memzero(k.secret, sizeof(k.secret));
	if ((wait = pb_guard_lookup_try(r->web, r->client)) != 0) {
		json_decref(in);
		return pb_respond_retry(r, MHD_HTTP_TOO_MANY_REQUESTS, "too_many_lookups",
					"Terlalu banyak pencarian dari HP ini. Tunggu sebentar, "
					"lalu coba lagi.", wait);
	}
	device_id(r, dev, &fresh);
	memset(&c, 0, sizeof(c));
	c.kegiatan_id = k.id;
	c.day = day;
	c.nuptk = json_string_value(json_object_get(in, "nuptk"));
	c.client = r->client;
	c.device = dev;
	c.per_client_max = r->web->cfg.checkin_per_client_max;
	c.sitting = pb_att_sitting_now(&k, pb_clock_wall_ms());
	ar = pb_att_checkin_check(db, &c, name, sizeof(name), school, sizeof(school), &walk_in,
				  &existing);
	if (ar != PB_ATT_OK) {
		json_decref(in);
		return lookup_refused(r, ar, existing);
	}
	t.kegiatan_id = k.id;
	snprintf(t.nuptk, sizeof(t.nuptk), "%s", c.nuptk);
	snprintf(t.day, sizeof(t.day), "%s", day);
	nuptk_groups(c.nuptk, groups);
	json_decref(in);
	rc = pb_ticket_issue(db, &t, dev, r->web->cfg.ticket_s, ticket);
	if (rc != 0)
		return DB_ERR(r);
	if (walk_in) {
		out = json_pack("{s:b, s:s, s:s}", "walk_in", 1, "nuptk", groups, "message",
				pb_req_en(r) ?
				"The code matches this session, but this NUPTK is not on its roster. "
				"Check the NUPTK; if it is right, you may attend as an extra "
				"participant: enter your name and school." :
				"Kode cocok dengan kegiatan ini, tetapi NUPTK ini tidak ada di daftar "
				"pesertanya. Periksa NUPTK; bila benar, Anda dapat hadir sebagai "
				"peserta tambahan: isi nama dan sekolah.");
	} else {
		pb_mask_name(name, mname, sizeof(mname));
		pb_mask_school(school, mschool, sizeof(mschool));
		out = json_pack("{s:b, s:s, s:s, s:s}", "walk_in", 0, "name", mname,
				"school", mschool, "nuptk", groups);
	}
	if (out != NULL) {
		json_object_set_new(out, "session", json_integer(k.id));
		json_object_set_new(out, "title", json_string(k.title));
		json_object_set_new(out, "ticket", json_string(ticket));
		json_object_set_new(out, "ticket_s", json_integer(r->web->cfg.ticket_s));
	}
	device_cookie(cookie, sizeof(cookie), dev);
	return pb_respond_json_with(r, MHD_HTTP_OK, out, fresh ?
		(const char *const[]){ "Set-Cookie", cookie, NULL } : NULL);
}

/* What a phone gets back: the record with the name and school masked (the
 * full ones are for staff), its time and its clock stamp, and its uid: the
 * teacher's proof of attendance for claims (api_claims.c). */
static json_t *public_record(const json_t *rec, int existing, int with_uid)
{
	char mname[PB_MASK_MAX], mschool[PB_MASK_MAX];
	const char *n = json_string_value(json_object_get(rec, "name"));
	const char *s = json_string_value(json_object_get(rec, "school"));

	if (rec == NULL)
		return NULL;
	pb_mask_name(n != NULL ? n : "", mname, sizeof(mname));
	pb_mask_school(s != NULL ? s : "", mschool, sizeof(mschool));
	return json_pack("{s:O, s:O*, s:O, s:O, s:O, s:O, s:s, s:s, s:b, s:O, s:O, s:O, s:O, s:b}",
			 "id", json_object_get(rec, "id"),
			 "uid", with_uid ? json_object_get(rec, "uid") : NULL,
			 "session", json_object_get(rec, "session"),
			 "day", json_object_get(rec, "day"), "time", json_object_get(rec, "time"),
			 "status", json_object_get(rec, "status"), "name", mname, "school", mschool,
			 "existing", existing, "walk_in", json_object_get(rec, "walk_in"),
			 "wall_ms", json_object_get(rec, "wall_ms"),
			 "clock_source", json_object_get(rec, "clock_source"),
			 "boot_id", json_object_get(rec, "boot_id"),
			 "held", pb_att_day_held(json_string_value(json_object_get(rec, "day"))));
}

/* 1 if the check-in uid was made from this phone (its pb_dev): only then
 * does a second check-in of the same teacher get its id back (a lost
 * answer sent again); from another phone the code and a NUPTK would
 * otherwise hand out the id that opens the teacher's claims. */
static int made_here(sqlite3 *db, const char *uid, const char *dev)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (uid == NULL || dev == NULL || dev[0] == '\0' ||
	    (st = pb_db_stmt(db, "SELECT 1 FROM attendance WHERE uid = ?1 AND device = ?2")) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dev, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	pb_db_stmt_done(st);
	return found;
}

/* The check-in's session, day and NUPTK from a lookup's ticket; the body
 * gets "nuptk" and "session" like a check-in with a code. NULL with an
 * error queued in *ret. */
static json_t *checkin_by_ticket(struct pb_req *r, sqlite3 *db, json_t *in, const char *dev,
				 struct pb_kegiatan *k, char day[PB_DAY_LEN + 1],
				 enum MHD_Result *ret)
{
	struct pb_ticket t;
	int rc;

	rc = pb_ticket_find(db, json_string_value(json_object_get(in, "ticket")), dev, &t);
	if (rc == 0)
		rc = pb_kegiatan_get(db, t.kegiatan_id, k);
	if (rc != 0) {
		json_decref(in);
		*ret = rc < 0 ? DB_ERR(r) :
			ERR(r, MHD_HTTP_FORBIDDEN, "ticket_expired",
			    "Waktu mengisi sudah habis. Tekan Lanjut lagi dengan kode di layar "
			    "fasilitator.");
		return NULL;
	}
	sodium_memzero(k->secret, sizeof(k->secret));
	memcpy(day, t.day, sizeof(t.day));
	if (pb_att_day_held(day))               /* the clock was confirmed since */
		(void)pb_att_checkin_day(day);
	json_object_set_new(in, "nuptk", json_string(t.nuptk));
	json_object_set_new(in, "session", json_integer(k->id));
	return in;
}

/* A walk-in's name and school (read leniently: a value of another type
 * is as if absent), in the check-in form (the page marks "name") or a
 * staff mark. */
struct names_form {
	const char *name;
	const char *school;
};

#define NAMES_FIELDS(bad_error) \
	{ .name = "name", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT, \
	  .max = PB_ROSTER_TEXT_MAX, .chars = PB_FC_TEXT, \
	  .offset = offsetof(struct names_form, name), .bad = bad_error }, \
	{ .name = "school", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT, \
	  .max = PB_ROSTER_TEXT_MAX, .chars = PB_FC_TEXT, \
	  .offset = offsetof(struct names_form, school), .bad = bad_error }

static const struct pb_field checkin_names_fields[] = {
	NAMES_FIELDS(((struct pb_field_error){ MHD_HTTP_BAD_REQUEST, "bad_name",
					       "Nama atau sekolah tidak sah", "name" })),
};
static const struct pb_fields checkin_names = PB_FIELDS(checkin_names_fields);

/* POST /api/v1/checkin {ticket | session?+nuptk+code, signature, name?, school?} */
enum MHD_Result pb_handle_checkin(struct pb_req *r)
{
	struct pb_kegiatan k;
	struct pb_checkin c;
	struct names_form nf = { 0 };
	enum MHD_Result ret;
	enum pb_sig_result sr;
	enum pb_att_result ar;
	char day[PB_DAY_LEN + 1], dev[PB_ID_HEX_LEN + 1], cookie[128];
	char *sig = NULL;
	sqlite3 *db = pb_web_db(r->web);
	json_t *in, *rec = NULL, *pub;
	int fresh, ticket;

	if (db == NULL)
		return DB_ERR(r);
	device_id(r, dev, &fresh);
	in = pb_body_json(r, &ret);
	if (in == NULL)
		return ret;
	ticket = json_object_get(in, "ticket") != NULL;
	in = ticket ? checkin_by_ticket(r, db, in, dev, &k, day, &ret) :
		      checkin_common_in(r, db, in, &k, day, &ret);
	if (in == NULL)
		return ret;
	sr = pb_sig_store(json_object_get(in, "signature"), &sig);
	if (sr != PB_SIG_OK) {
		json_decref(in);
		if (sr == PB_SIG_TOO_LARGE)
			return ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "signature_too_large",
				   "Tanda tangan terlalu besar: hapus dan tanda tangani lagi");
		return field_err(r, MHD_HTTP_BAD_REQUEST,
				 sr == PB_SIG_EMPTY ? "no_signature" : "bad_signature", "signature",
				 "Tanda tangan kosong atau tidak sah");
	}
	if (pb_fields_take(r, in, &checkin_names, &nf, &ret) != 0) {
		free(sig);
		json_decref(in);
		return ret;
	}
	memset(&c, 0, sizeof(c));
	c.kegiatan_id = k.id;
	c.day = day;
	c.nuptk = json_string_value(json_object_get(in, "nuptk"));
	c.name = nf.name;
	c.school = nf.school;
	c.signature = sig;
	c.client = r->client;
	c.device = dev;
	c.per_client_max = r->web->cfg.checkin_per_client_max;
	c.sitting = pb_att_sitting_now(&k, pb_clock_wall_ms());
	c.status = !pb_att_day_held(day) && pb_att_is_late(&k, pb_clock_wall_ms(),
							    r->web->cfg.late_after) ? "late" : "present";
	ar = pb_att_checkin(db, &r->web->checkin_queue, &c, &rec);
	free(sig);
	if (ar == PB_ATT_OK && ticket)
		(void)pb_ticket_drop(db, json_string_value(json_object_get(in, "ticket")));
	json_decref(in);
	if (ar == PB_ATT_NAME_REQUIRED)
		return field_err(r, MHD_HTTP_BAD_REQUEST, "name_required", "name",
				 "NUPTK tidak ada di daftar peserta: isi nama dan sekolah "
				 "(peserta tambahan)");
	if (ar != PB_ATT_OK && ar != PB_ATT_EXISTING)
		return att_error(r, ar);
	pub = public_record(rec, ar == PB_ATT_EXISTING, ar == PB_ATT_OK ||
			    made_here(db, json_string_value(json_object_get(rec, "uid")), dev));
	json_decref(rec);
	device_cookie(cookie, sizeof(cookie), dev);
	return pb_respond_json_with(r, ar == PB_ATT_OK ? MHD_HTTP_CREATED : MHD_HTTP_OK, pub,
				    (const char *const[]){ "Set-Cookie", cookie, NULL });
}

/* Staff + kegiatan + day for the day routes. */
static int staff_day(struct pb_req *r, enum pb_staff_need need, int csrf, json_t **body,
		     struct pb_login *who, struct pb_kegiatan *k, char day[PB_DAY_LEN + 1],
		     enum MHD_Result *ret)
{
	if (!pb_require_staff(r, need, csrf, who, ret))
		return -1;
	if (body != NULL) {
		*body = pb_body_json(r, ret);
		if (*body == NULL)
			return -1;
	}
	if (load_kegiatan(r, pb_web_db(r->web), k, ret) != 0 ||
	    pick_day(r, body != NULL ? *body : NULL, k, day, ret) != 0) {
		if (body != NULL)
			json_decref(*body);
		return -1;
	}
	return 0;
}

/* The sitting a staff request names (?sitting= or a body's "sitting"),
 * by default the one of the present time; 0 without sittings. 0, or -1
 * with the error answered. */
static int sitting_of(struct pb_req *r, const struct pb_kegiatan *k, const json_t *body,
		      int *sitting, enum MHD_Result *ret)
{
	const char *q = body == NULL ? pb_query(r, "sitting") : NULL;
	struct day_form f = { .sitting = -1 };
	int ok = 1;

	*sitting = pb_att_sitting_now(k, pb_clock_wall_ms());
	if (q != NULL)
		ok = strlen(q) == 1 && q[0] >= '0' && q[0] <= '9' &&
		     pb_att_sitting_valid(k, *sitting = q[0] - '0');
	else if (body != NULL && pb_fields_take(r, body, &sitting_table, &f, ret) != 0)
		return -1;
	else if (f.sitting >= 0)
		ok = pb_att_sitting_valid(k, *sitting = (int)f.sitting);
	if (ok)
		return 0;
	*ret = pb_respond_field(r, &sitting_fields[0].bad);
	return -1;
}

/* GET /api/v1/sessions/{id}/attendance[?day=&sitting=] (staff) */
enum MHD_Result pb_handle_attendance(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char day[PB_DAY_LEN + 1];
	json_t *out;
	unsigned wrong, refused;
	int sitting;

	if (staff_day(r, PB_NEED_STAFF, 0, NULL, &who, &k, day, &ret) != 0)
		return ret;
	if (sitting_of(r, &k, NULL, &sitting, &ret) != 0)
		return ret;
	out = pb_att_day(pb_web_db(r->web), &k, day, sitting);
	pb_guard_code_stats(k.id, &wrong, &refused);
	if (out != NULL)
		json_object_set_new(out, "wrong_codes", json_pack("{s:i, s:i}", "wrong", (int)wrong,
								   "refused", (int)refused));
	return pb_respond_json_with(r, MHD_HTTP_OK, out, NULL);
}

/* A day's list (or the session's JP totals) as a CSV download; audited,
 * since personal data leaves the box. */
static enum MHD_Result day_csv(struct pb_req *r, int jp)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char day[PB_DAY_LEN + 1], disp[128];
	json_t *d;
	char *csv;
	size_t len = 0;
	int sitting;

	if (staff_day(r, PB_NEED_STAFF, 0, NULL, &who, &k, day, &ret) != 0)
		return ret;
	if (sitting_of(r, &k, NULL, &sitting, &ret) != 0)
		return ret;
	d = pb_att_day(pb_web_db(r->web), &k, day, sitting);
	csv = d == NULL ? NULL : jp ? pb_att_jp_csv(d, &len) : pb_att_day_csv(d, &len);
	json_decref(d);
	if (csv == NULL)
		return DB_ERR(r);
	snprintf(disp, sizeof(disp), "{\"session\":\"%s\",\"day\":\"%s\",\"sitting\":%d,"
		 "\"what\":\"%s\"}", k.uid, day, sitting, jp ? "jp" : "day");
	if (pb_audit_add(pb_web_db(r->web), who.name, "attendance.export", disp, r->client) != 0) {
		free(csv);
		return DB_ERR(r);
	}
	if (jp)
		snprintf(disp, sizeof(disp), "jp-%lld.csv", (long long)k.id);
	else if (sitting > 0)
		snprintf(disp, sizeof(disp), "daftar-hadir-%lld-%s-sesi-%d.csv", (long long)k.id, day,
			 sitting);
	else
		snprintf(disp, sizeof(disp), "daftar-hadir-%lld-%s.csv", (long long)k.id, day);
	return pb_respond_download(r, "text/csv; charset=utf-8", csv, len, disp);
}

/* GET /api/v1/sessions/{id}/attendance.csv[?day=] (staff) */
enum MHD_Result pb_handle_attendance_csv(struct pb_req *r)
{
	return day_csv(r, 0);
}

/* GET /api/v1/sessions/{id}/jp.csv (staff): JP per teacher over the session */
enum MHD_Result pb_handle_jp_csv(struct pb_req *r)
{
	return day_csv(r, 1);
}

/* A staff mark; name and school come after the reason rule. */
struct mark_form {
	const char *nuptk;
	const char *status;
	const char *reason;
};

static const struct pb_field mark_fields[] = {
	{ .name = "nuptk", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .valid = pb_person_typed_valid, .offset = offsetof(struct mark_form, nuptk),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_nuptk", "Isi NUPTK (16 angka) atau No Peserta",
		   NULL } },
	{ .name = "status", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .valid = pb_att_status_valid, .offset = offsetof(struct mark_form, status),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_status",
		   "Status harus present, late, excused, sick atau absent", NULL } },
	{ .name = "reason", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .max = PB_REASON_MAX, .chars = PB_FC_TEXT, .offset = offsetof(struct mark_form, reason),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_reason", "Alasan tidak sah", "reason" } },
};
static const struct pb_fields mark_table = PB_FIELDS(mark_fields);

static const struct pb_field mark_names_fields[] = {
	NAMES_FIELDS(((struct pb_field_error){ MHD_HTTP_BAD_REQUEST, "bad_name",
					       "Nama atau sekolah tidak sah", NULL })),
};
static const struct pb_fields mark_names = PB_FIELDS(mark_names_fields);

/* POST /api/v1/sessions/{id}/marks {nuptk, status, reason?, day?, sitting?, name?, school?}:
 * present/late without a reason is the facilitator's confirmation of a
 * teacher who could not sign; excused, sick and absent need a reason. */
enum MHD_Result pb_handle_mark(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	enum pb_att_result ar;
	char day[PB_DAY_LEN + 1], key[PB_NUPTK_LEN + 1];
	json_t *in = NULL, *out = NULL;
	struct mark_form f = { 0 };
	struct names_form nf = { 0 };
	struct pb_mark m;
	int sitting;

	if (staff_day(r, PB_NEED_STAFF, 1, &in, &who, &k, day, &ret) != 0)
		return ret;
	if (sitting_of(r, &k, in, &sitting, &ret) != 0) {
		json_decref(in);
		return ret;
	}
	if (pb_fields_take(r, in, &mark_table, &f, &ret) != 0)
		goto done;
	if (!pb_att_status_present(f.status) && (f.reason == NULL || f.reason[0] == '\0')) {
		ret = field_err(r, MHD_HTTP_BAD_REQUEST, "reason_required", "reason",
				"Tulis alasan (mis. izin keluarga, sakit, tidak datang)");
		goto done;
	}
	if (pb_fields_take(r, in, &mark_names, &nf, &ret) != 0)
		goto done;
	(void)pb_person_key(f.nuptk, key);            /* the table checked it has one */
	m = (struct pb_mark){
		.day = day, .sitting = sitting, .nuptk = key, .status = f.status,
		.reason = f.reason, .name = nf.name, .school = nf.school,
		.actor = who.name, .client = r->client,
	};
	ar = pb_att_mark(pb_web_db(r->web), &k, &m, &out);
	ret = ar == PB_ATT_OK ? pb_respond_json_with(r, MHD_HTTP_CREATED, out, NULL) :
				att_error(r, ar);
done:
	json_decref(in);
	return ret;
}

/* An unlock's reason (the only field: stored as a const char *). */
static const struct pb_field unlock_fields[] = {
	{ .name = "reason", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_REASON_MAX, .chars = PB_FC_TEXT, .offset = 0,
	  .bad = { MHD_HTTP_BAD_REQUEST, "reason_required", "Tulis alasan membuka kunci", NULL } },
};
static const struct pb_fields unlock_table = PB_FIELDS(unlock_fields);

/* Lock (staff) or unlock (admin, with a reason) one day. */
static enum MHD_Result lock_route(struct pb_req *r, int lock)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	enum pb_att_result ar;
	char day[PB_DAY_LEN + 1];
	json_t *in = NULL;
	const char *reason = NULL;

	/* a lock may come without a body: then it is today */
	if (staff_day(r, lock ? PB_NEED_STAFF : PB_NEED_ADMIN, 1,
		      lock && r->body.len == 0 ? NULL : &in, &who, &k, day, &ret) != 0)
		return ret;
	if (!lock && pb_fields_take(r, in, &unlock_table, &reason, &ret) != 0) {
		json_decref(in);
		return ret;
	}
	ar = lock ? pb_att_lock(pb_web_db(r->web), &k, day, who.name, r->client) :
		    pb_att_unlock(pb_web_db(r->web), &k, day, reason, who.name, r->client);
	json_decref(in);
	if (ar != PB_ATT_OK)
		return att_error(r, ar);
	return pb_respond_json_with(r, MHD_HTTP_OK,
		json_pack("{s:b, s:s, s:s}", "locked", lock, "day", day, "by", who.name), NULL);
}

/* POST /api/v1/sessions/{id}/lock {day?} (staff, CSRF) */
enum MHD_Result pb_handle_lock(struct pb_req *r)
{
	return lock_route(r, 1);
}

/* POST /api/v1/sessions/{id}/unlock {day?, reason} (admin, CSRF) */
enum MHD_Result pb_handle_unlock(struct pb_req *r)
{
	return lock_route(r, 0);
}

/* More check-ins a phone (its address, as the refusal showed it) may make today. */
#define ALLOW_EXTRA_MAX 100
#define ALLOW_ERROR { MHD_HTTP_BAD_REQUEST, "bad_allow", \
		      "Isi alamat perangkat dan jumlah tambahan (1-" PB_WEB_STR(ALLOW_EXTRA_MAX) ")", \
		      NULL }
struct allow_form {
	const char *client;
	json_int_t extra;
};

static const struct pb_field allow_fields[] = {
	{ .name = "client", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = sizeof(((struct pb_req *)0)->client) - 1, .chars = PB_FC_TEXT,
	  .offset = offsetof(struct allow_form, client), .bad = ALLOW_ERROR },
	{ .name = "extra", .type = PB_FT_INT, .flags = PB_F_REQUIRED, .min = 1,
	  .max = ALLOW_EXTRA_MAX, .offset = offsetof(struct allow_form, extra), .bad = ALLOW_ERROR },
};
static const struct pb_fields allow_table = PB_FIELDS(allow_fields);

/* A phone's address as the box writes it for a request (IPv4 or IPv6,
 * inet_ntop's spelling), so an allowance is for an address a phone can
 * have: 0, or -1 when IN is no address at all (a typing slip). */
static int allow_address(const char *in, char *out, size_t len)
{
	unsigned char a[sizeof(struct in6_addr)];
	int af = strchr(in, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(af, in, a) != 1 || inet_ntop(af, a, out, (socklen_t)len) == NULL)
		return -1;
	return 0;
}

/* POST /api/v1/sessions/{id}/allow {client, extra} (staff, CSRF): let one
 * phone check in more teachers today (anti-proxy exception). */
enum MHD_Result pb_handle_allow(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	enum pb_att_result ar;
	char day[PB_DAY_LEN + 1];
	char addr[sizeof(r->client)];
	json_t *in = NULL;
	struct allow_form f = { 0 };

	if (staff_day(r, PB_NEED_STAFF, 1, &in, &who, &k, day, &ret) != 0)
		return ret;
	if (pb_fields_take(r, in, &allow_table, &f, &ret) != 0) {
		json_decref(in);
		return ret;
	}
	if (allow_address(f.client, addr, sizeof(addr)) != 0) {
		json_decref(in);
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_address",
			   "Alamat HP tidak dikenali: tulis persis seperti di layar HP yang ditolak, "
			   "mis. 10.42.0.23");
	}
	json_decref(in);
	ar = pb_att_allow(pb_web_db(r->web), &k, day, addr, (unsigned)f.extra, who.name,
			  r->client);
	if (ar != PB_ATT_OK)
		return att_error(r, ar);
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1), NULL);
}

/* Staff only: the strokes load() finds for the id in the path, as SVG. */
enum MHD_Result pb_respond_signature(struct pb_req *r, char *(*load)(sqlite3 *db, int64_t id))
{
	struct pb_login who;
	enum MHD_Result ret;
	int64_t id;
	char *sig, *svg;
	size_t len = 0;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_parse_id(r->params[0], &id) != 0)
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Tanda tangan tidak ditemukan");
	sig = load(pb_web_db(r->web), id);
	if (sig == NULL)
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Tanda tangan tidak ditemukan");
	svg = pb_sig_svg(sig, &len);
	free(sig);
	if (svg == NULL)
		return DB_ERR(r);
	return pb_respond_buffer(r, MHD_HTTP_OK, "image/svg+xml", svg, len, 1);
}

/* GET /api/v1/attendance/{id}/signature.svg (staff) */
enum MHD_Result pb_handle_signature(struct pb_req *r)
{
	return pb_respond_signature(r, pb_att_signature);
}
