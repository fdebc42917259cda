/* Staff logins over HTTP: POST /api/v1/login, /logout, GET /api/v1/me,
 * POST /api/v1/clock, and the gate other staff handlers call. */
#include "web.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_mentor.h"
#include "pb_outbox.h"
#include "pb_timeset.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LOGIN_COOKIE "pb_sid"
#define LOGIN_FIELD_MAX PB_LOGIN_USER_MAX  /* bytes of a user name or password sent */

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;

static void limits(const struct pb_web *w, struct pb_login_limits *lim)
{
	lim->idle_s = w->cfg.login_idle_s;
	lim->max_s = w->cfg.login_max_s;
	lim->fail_max_pair = w->cfg.login_fail_max;
	lim->fail_max_account = w->cfg.login_fail_max_account;
	lim->fail_max_client = w->cfg.login_fail_max_client;
	lim->lockout_s = w->cfg.login_lockout_s;
}

enum MHD_Result pb_respond_json_with(struct pb_req *r, unsigned status, json_t *body,
				     const char *const *headers)
{
	struct MHD_Response *resp;
	char *text;

	if (body == NULL)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					"Terjadi kesalahan di kotak");
	text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	resp = pb_buffer_response(r, "application/json", text, strlen(text), 1);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (size_t i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
		MHD_add_response_header(resp, headers[i], headers[i + 1]);
	return pb_queue(r, status, resp);
}

/* 1 if a Content-Type names JSON ("application/json", parameters allowed). */
static int is_json_type(const char *ct)
{
	static const char json[] = "application/json";

	return ct != NULL && strncasecmp(ct, json, sizeof(json) - 1) == 0 &&
	       (ct[sizeof(json) - 1] == '\0' || ct[sizeof(json) - 1] == ';' ||
		ct[sizeof(json) - 1] == ' ');
}

json_t *pb_body_json(struct pb_req *r, enum MHD_Result *ret)
{
	json_t *j;

	if (r->body.data == NULL || r->body.len == 0) {
		*ret = pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "no_body",
					"Data permintaan kosong");
		return NULL;
	}
	if (!is_json_type(pb_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		/* a cross-site form can send text/plain, never this */
		*ret = pb_respond_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "need_json",
					"Data permintaan harus berjenis application/json");
		return NULL;
	}
	j = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		*ret = pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_json",
					"Data permintaan bukan objek JSON yang sah");
		return NULL;
	}
	return j;
}

/* A refusal: JSON for the API, an Indonesian page for a browser opening
 * the address itself (Accept: text/html…, e.g. the Wi-Fi poster). The
 * English of the JSON message is lang.c's text for key. */
static enum MHD_Result deny_as(struct pb_req *r, unsigned status, const char *code,
			       const char *key, const char *message)
{
	const char *accept = pb_header(r, MHD_HTTP_HEADER_ACCEPT);

	if (accept != NULL && strncmp(accept, "text/html", 9) == 0)
		return pb_respond_page_error(r, status, status == MHD_HTTP_UNAUTHORIZED ?
					     "Silakan masuk" : "Tidak diizinkan", message);
	return pb_respond_error_as(r, status, code, key, message);
}

static enum MHD_Result deny(struct pb_req *r, unsigned status, const char *code,
			    const char *message)
{
	return deny_as(r, status, code, code, message);
}

/* What a route's 401 login_required says, by the need its route flags or
 * its handler give: who may log in to it (lang.c's key for the English). A
 * route a mentor may also open names no role: more than one kind of login
 * may serve it (docs/api.md's "mentor" and "penilai" levels). */
static const struct {
	const char *key, *message;
} login_says[] = {
	[PB_NEED_STAFF] = { "login_required", "Silakan masuk sebagai fasilitator atau admin" },
	[PB_NEED_ADMIN] = { "login_required.admin", "Silakan masuk sebagai admin" },
	[PB_NEED_LOGIN] = { "login_required.any", "Silakan masuk dulu" },
};

static enum MHD_Result login_required(struct pb_req *r, enum pb_staff_need need)
{
	if ((size_t)need >= sizeof login_says / sizeof login_says[0])
		need = PB_NEED_STAFF;
	return deny_as(r, MHD_HTTP_UNAUTHORIZED, "login_required", login_says[need].key,
		       login_says[need].message);
}

/* The request's staff login, with its CSRF token if need_csrf: 1, else 0
 * with the refusal queued in *ret (naming who may log in for need). */
static int login_of(struct pb_req *r, enum pb_staff_need need, int need_csrf,
		    struct pb_login *who, enum MHD_Result *ret)
{
	struct pb_login_limits lim;
	sqlite3 *db = pb_web_db(r->web);
	const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
	enum pb_login_result sr;

	if (db == NULL) {
		*ret = pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database",
					"Basis data tidak tersedia");
		return 0;
	}
	limits(r->web, &lim);
	sr = pb_login_check(db, &lim, tok, who);
	if (sr == PB_LOGIN_DB) {
		*ret = pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat dibaca");
		return 0;
	}
	if (sr != PB_LOGIN_OK) {
		*ret = login_required(r, need);
		return 0;
	}
	if (need_csrf && !pb_login_csrf_ok(who, pb_header(r, "X-CSRF-Token"))) {
		*ret = pb_respond_error(r, MHD_HTTP_FORBIDDEN, "csrf",
					"Token keamanan (CSRF) tidak ada atau salah: muat ulang halaman");
		return 0;
	}
	return 1;
}

int pb_require_staff(struct pb_req *r, enum pb_staff_need need, int need_csrf,
		     struct pb_login *who, enum MHD_Result *ret)
{
	/* A staff route's login and CSRF token were checked by server.c
	 * before the body came (r->login): not asked of the database again. */
	if (r->login_checked)
		*who = r->login;
	else if (!login_of(r, need, need_csrf, who, ret))
		return 0;
	if (need == PB_NEED_ADMIN && strcmp(who->role, "admin") != 0) {
		*ret = deny(r, MHD_HTTP_FORBIDDEN, "admin_only",
					"Hanya admin yang boleh melakukan ini");
		return 0;
	}
	if (need == PB_NEED_STAFF && PB_IS_MENTOR(who)) {
		*ret = deny(r, MHD_HTTP_FORBIDDEN, "mentor_not_allowed",
			    "Akun mentor hanya menilai lembar kerja dan melihat hasil belajar "
			    "yang ditugaskan kepadanya");
		return 0;
	}
	return 1;
}

void pb_clock_restore(struct pb_web *w, sqlite3 *db)
{
	(void)pb_timeset_restore(db, w->cfg.clock_adjust);
}

/* The step a staff browser's time asks for: any direction while the clock
 * is unconfirmed in this boot, forward only once a browser confirmed it,
 * none over NTP or a real-time clock: from the warning threshold on.
 * Smaller differences only confirm. */
static int64_t browser_step(enum pb_clock_source src, int64_t diff)
{
	if (src == PB_CLOCK_UNSYNCED)
		return diff > PB_CLOCK_WARN_MS || -diff > PB_CLOCK_WARN_MS ? diff : 0;
	if (src == PB_CLOCK_BROWSER && diff > PB_CLOCK_WARN_MS)
		return diff;
	return 0;
}

/* Compare a staff browser's time with the box: confirm an unconfirmed
 * clock, step it when browser_step() says so, or (admin_set) set it to
 * the browser's time. *rc_out gets the result of a refused change. */
static json_t *clock_observe(struct pb_req *r, sqlite3 *db, const struct pb_login *who,
			     const json_t *client_ms_j, int admin_set,
			     enum pb_timeset_result *rc_out)
{
	int64_t client_ms, box_ms, diff, step = 0, stepped = 0;
	enum pb_clock_source src;
	enum pb_timeset_result rc = PB_TIMESET_OK;
	json_t *out;

	pb_timeset_refresh(db, r->web->cfg.clock_adjust);
	box_ms = pb_clock_wall_ms();
	if (!json_is_integer(client_ms_j))
		return json_pack("{s:I, s:s}", "box_ms", (json_int_t)box_ms,
				 "source", pb_clock_source_name(pb_clock_source()));
	client_ms = json_integer_value(client_ms_j);
	if (!pb_clock_in_range(client_ms)) {
		rc = PB_TIMESET_OUT_OF_RANGE;
		diff = 0;
		goto report;
	}
	pthread_mutex_lock(&clock_lock);
	box_ms = pb_clock_wall_ms();
	diff = client_ms - box_ms;
	src = pb_clock_source();
	step = admin_set ? diff : browser_step(src, diff);
	if (step != 0 || src == PB_CLOCK_UNSYNCED || admin_set) {
		rc = pb_timeset_apply(db, r->web->cfg.clock_adjust, step, who->name, r->client,
				      admin_set ? "admin" : "staff browser");
		if (rc == PB_TIMESET_OFF && step != 0 && !admin_set)   /* still confirm it */
			rc = pb_timeset_apply(db, r->web->cfg.clock_adjust, 0, who->name,
					      r->client, "staff browser");
		else if (rc == PB_TIMESET_OK)
			stepped = step;
	}
	box_ms = pb_clock_wall_ms();
	diff = client_ms - box_ms;
	pthread_mutex_unlock(&clock_lock);
report:
	*rc_out = rc;
	out = json_pack("{s:I, s:I, s:I, s:b, s:I, s:s, s:b}", "box_ms", (json_int_t)box_ms,
			"client_ms", (json_int_t)client_ms, "diff_ms", (json_int_t)diff,
			"warn", rc != PB_TIMESET_OK || diff >= PB_CLOCK_WARN_MS ||
				-diff >= PB_CLOCK_WARN_MS,
			"stepped_ms", (json_int_t)stepped,
			"source", pb_clock_source_name(pb_clock_source()),
			"confirmed", pb_timeset_confirmed());
	if (out != NULL && rc != PB_TIMESET_OK)
		json_object_set_new(out, "refused", json_string(pb_timeset_strerror(rc)));
	return out;
}

static json_t *login_json(const struct pb_login *who)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "user", who->name, "role", who->role,
			 "kind", who->kind, "csrf", who->csrf);
}

static int audit_now(sqlite3 *db, const char *actor, const char *action, const char *client)
{
	int rc;
	char detail[64];

	if (pb_db_begin(db) != 0)
		return -1;
	snprintf(detail, sizeof(detail), "{\"client\":\"%s\"}", client);
	rc = pb_audit_add(db, actor, action, detail, client);
	/* the box's own matters stay in its audit: a failed login, a hash
	 * made again */
	if (rc == 0 && strcmp(action, "staff.login_failed") != 0 &&
	    strcmp(action, "staff.password_rehashed") != 0)
		rc = pb_outbox_append(db, action, detail, NULL, NULL);
	if (rc == 0)
		rc = pb_db_commit(db);
	if (rc != 0)
		pb_db_rollback(db);
	return rc;
}

/* A login's user name and password, each at most LOGIN_FIELD_MAX bytes. */
struct login_form {
	const char *user;
	const char *password;
};

#define LOGIN_REQUEST_ERROR { MHD_HTTP_BAD_REQUEST, "bad_login_request", \
	"Isi nama pengguna dan kata sandi", NULL }
static const struct pb_field login_fields[] = {
	{ .name = "user", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .max = LOGIN_FIELD_MAX,
	  .offset = offsetof(struct login_form, user), .bad = LOGIN_REQUEST_ERROR },
	{ .name = "password", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .max = LOGIN_FIELD_MAX,
	  .offset = offsetof(struct login_form, password), .bad = LOGIN_REQUEST_ERROR },
};
static const struct pb_fields login_table = PB_FIELDS(login_fields);

/* POST /api/v1/login {"user", "password", "client_time_ms"?} */
enum MHD_Result pb_handle_login(struct pb_req *r)
{
	struct pb_login_limits lim;
	struct pb_login who;
	sqlite3 *db = pb_web_db(r->web);
	enum MHD_Result ret;
	json_t *in = pb_body_json(r, &ret), *out;
	struct login_form f = { 0 };
	const char *user, *pw, *old;
	char token[PB_LOGIN_TOKEN_HEX + 1], cookie[256];
	unsigned retry_s = 0;
	enum pb_login_result sr;

	if (in == NULL)
		return ret;
	if (db == NULL) {
		json_decref(in);
		return pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database",
					"Basis data tidak tersedia");
	}
	if (pb_fields_take(r, in, &login_table, &f, &ret) != 0) {
		json_decref(in);
		return ret;
	}
	user = f.user;
	pw = f.password;
	limits(r->web, &lim);
	old = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
	sr = pb_login_start(db, &lim, user, pw, r->client, old, token, &who, &retry_s);
	if (sr == PB_LOGIN_LOCKED) {
		json_decref(in);
		return pb_respond_retry(r, MHD_HTTP_TOO_MANY_REQUESTS, "locked_out",
					"Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti.",
					retry_s);
	}
	if (sr == PB_LOGIN_REFUSED) {
		(void)audit_now(db, pb_staff_name_valid(user) ? user : "?", "staff.login_failed",
				r->client);
		json_decref(in);
		return pb_respond_error(r, MHD_HTTP_UNAUTHORIZED, "bad_login",
					"Nama pengguna atau kata sandi salah");
	}
	if (sr != PB_LOGIN_OK) {
		json_decref(in);
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat ditulis");
	}
	(void)audit_now(db, who.name, "staff.login", r->client);
	if (who.rehashed > 0) {
		pb_notice("login %s: password hash was below the current cost, made again at it",
			  who.name);
		(void)audit_now(db, who.name, "staff.password_rehashed", r->client);
	} else if (who.rehashed < 0) {
		pb_warn("login %s: password hash is below the current cost and could not be "
			"stored anew (it stays as it was)", who.name);
	}
	out = login_json(&who);
	if (out != NULL) {
		enum pb_timeset_result tr;
		/* a mentor's browser never sets the box's clock: it only hears it */
		json_object_set_new(out, "clock", clock_observe(r, db, &who, PB_IS_MENTOR(&who) ?
				    NULL : json_object_get(in, "client_time_ms"), 0, &tr));
	}
	json_decref(in);
	snprintf(cookie, sizeof(cookie), LOGIN_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
		 token);
	sodium_memzero(token, sizeof(token));
	return pb_respond_json_with(r, MHD_HTTP_OK, out,
				    (const char *const[]){ "Set-Cookie", cookie, NULL });
}

/* POST /api/v1/logout (CSRF) */
enum MHD_Result pb_handle_logout(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	sqlite3 *db;

	if (!pb_require_staff(r, PB_NEED_LOGIN, 1, &who, &ret))
		return ret;
	db = pb_web_db(r->web);
	if (pb_login_end(db, MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
							  LOGIN_COOKIE)) != 0)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat ditulis");
	(void)audit_now(db, who.name, "staff.logout", r->client);
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1),
		(const char *const[]){ "Set-Cookie", LOGIN_COOKIE "=; Path=/; HttpOnly; "
				       "SameSite=Strict; Max-Age=0", NULL });
}

/* GET /api/v1/me: who is logged in (and the CSRF token for the page) */
enum MHD_Result pb_handle_me(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;

	json_t *out, *mine;

	if (!pb_require_staff(r, PB_NEED_LOGIN, 0, &who, &ret))
		return ret;
	out = login_json(&who);
	if (out != NULL && PB_IS_MENTOR(&who)) {
		mine = pb_mentor_assignments(pb_web_db(r->web), who.staff_id);
		if (mine == NULL) {
			json_decref(out);
			return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
						"Basis data tidak dapat dibaca");
		}
		json_object_set_new(out, "assignments", mine);
	}
	return pb_respond_json_with(r, MHD_HTTP_OK, out, NULL);
}

/* The refusal of a clock change, in words for the admin. */
static enum MHD_Result clock_refused(struct pb_req *r, enum pb_timeset_result tr)
{
	char msg[200], max[32];
	time_t t = (time_t)(pb_clock_max_ms() / 1000);
	struct tm tm;

	switch (tr) {
	case PB_TIMESET_OUT_OF_RANGE:
		gmtime_r(&t, &tm);
		strftime(max, sizeof(max), "%Y-%m-%d", &tm);
		snprintf(msg, sizeof(msg), pb_req_en(r) ?
			 "Time refused: it must be between 2020-01-01 and %s. Check your "
			 "device's clock." :
			 "Waktu ditolak: harus antara 2020-01-01 dan %s. Periksa jam perangkat Anda.",
			 max);
		return pb_respond_json_with(r, MHD_HTTP_BAD_REQUEST,
			json_pack("{s:s, s:s, s:s}", "error", "time_out_of_range", "message", msg,
				  "lang", PB_LANG(r)), NULL);
	case PB_TIMESET_OFF:
		return pb_respond_error(r, MHD_HTTP_CONFLICT, "clock_adjust_off",
					"Jam kotak tidak boleh diubah ([attendance] clock_adjust = off)");
	case PB_TIMESET_SYSTEM:
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "clock_settime",
					"Jam sistem tidak dapat disetel (butuh CAP_SYS_TIME)");
	default:
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat ditulis");
	}
}

/* A clock comparison: the browser's time, and an admin's confirmation
 * (a value of another type than true/false is no confirmation). */
struct clock_form {
	json_int_t client_time_ms;
	int confirm;
};

static const struct pb_field clock_fields[] = {
	{ .name = "client_time_ms", .type = PB_FT_INT, .flags = PB_F_REQUIRED,
	  .offset = offsetof(struct clock_form, client_time_ms),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_time", "client_time_ms harus bilangan bulat (milidetik)",
		   NULL } },
	{ .name = "confirm", .type = PB_FT_BOOL, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct clock_form, confirm) },
};
static const struct pb_fields clock_table = PB_FIELDS(clock_fields);

/* POST /api/v1/clock {"client_time_ms", "confirm"?} (CSRF): compare clocks;
 * with "confirm": true an admin sets the box clock to client_time_ms. */
enum MHD_Result pb_handle_clock(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	enum pb_timeset_result tr = PB_TIMESET_OK;
	struct clock_form f = { 0 };
	json_t *in, *out;
	int set;

	if (!pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret))
		return ret;
	in = pb_body_fields(r, &clock_table, &f, &ret);
	if (in == NULL)
		return ret;
	set = f.confirm;
	if (set && strcmp(who.role, "admin") != 0) {
		json_decref(in);
		return pb_respond_error(r, MHD_HTTP_FORBIDDEN, "admin_only",
					"Hanya admin yang boleh menyetel jam kotak");
	}
	if (set && pb_clock_source() == PB_CLOCK_NTP) {
		json_decref(in);
		return pb_respond_error(r, MHD_HTTP_CONFLICT, "clock_ntp",
					"Jam kotak disetel oleh NTP dan tidak diubah dari peramban");
	}
	out = clock_observe(r, pb_web_db(r->web), &who, json_object_get(in, "client_time_ms"),
			    set, &tr);
	json_decref(in);
	if (set && tr != PB_TIMESET_OK) {
		json_decref(out);
		return clock_refused(r, tr);
	}
	return pb_respond_json_with(r, MHD_HTTP_OK, out, NULL);
}
