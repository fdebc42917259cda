/* The office's web view on the hub: its pages (read once from -w DIR,
 * served from memory with the box's security headers) and their JSON
 * routes, for an office account's login (office_auth.c):
 *
 *   POST /v1/kantor/login                  {"user", "password"}: the cookie
 *   POST /v1/kantor/logout                 (CSRF)
 *   GET  /v1/kantor/me                     the account, its role, the CSRF token
 *   GET  /v1/kantor/boxes?centre=…         boxes and health (as /v1/office/boxes)
 *   POST /v1/kantor/boxes/BOX/revoke       {"confirm": BOX} (kantor-admin, CSRF)
 *   GET  /v1/kantor/activities?centre=…    activities with attendance and JP
 *   GET  /v1/kantor/claims?status=…&centre=…   claims with their status
 *   POST /v1/kantor/claims/paid            {"claims": [...], "reference"}
 *                                          (kantor-admin, CSRF), each once
 *   GET  /v1/kantor/conflicts              records offered twice, differently
 *   POST /v1/kantor/conflicts/ID/resolve   {"note"} (kantor-admin, CSRF)
 *   GET  /v1/kantor/export/NAME            the exports of /v1/office/export/
 *   POST /v1/kantor/import                 a zip of a USB stick's pb-outbox/
 *                                          (kantor-admin, CSRF; office_import.c)
 *
 * Each body is checked by a field table (pb_fields.h): a member missing,
 * of another type, out of its bounds or not listed answers 400 with the
 * route's error code, its Indonesian message and the member as "field".
 *
 * The CSRF rule is the box's: a state-changing request sends the login's
 * token as X-CSRF-Token, and a body as application/json (which a form of
 * another site cannot send). The routes are a table, hub_office_web_routes,
 * in the list pb-hub answers. */
#include "hub.h"

#include "pb_fields.h"
#include "pb_log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KANTOR_PREFIX  "/v1/kantor/"
#define KANTOR_COOKIE  "pb_kantor"
#define KANTOR_CONFLICT_ID_MAX 18   /* digits of a conflict's id */

struct hub_web_file {
	char *data;
	size_t len;
};

/* The pages' files: the office's page and the shared base it loads. */
static const struct {
	const char *url;
	const char *file;
	const char *type;
} web_files[] = {
	{ "/", "kantor.html", "text/html; charset=utf-8" },
	{ "/kantor.html", "kantor.html", "text/html; charset=utf-8" },
	{ "/app.css", "app.css", "text/css; charset=utf-8" },
	{ "/css/kantor.css", "css/kantor.css", "text/css; charset=utf-8" },
	{ "/js/common.js", "js/common.js", "text/javascript; charset=utf-8" },
	{ "/js/kantor.js", "js/kantor.js", "text/javascript; charset=utf-8" },
	{ "/locale/id/common.json", "locale/id/common.json", "application/json; charset=utf-8" },
	{ "/locale/en/common.json", "locale/en/common.json", "application/json; charset=utf-8" },
	{ "/locale/id/kantor.json", "locale/id/kantor.json", "application/json; charset=utf-8" },
	{ "/locale/en/kantor.json", "locale/en/kantor.json", "application/json; charset=utf-8" },
};
#define NWEB (sizeof(web_files) / sizeof(web_files[0]))

static int read_whole(const char *path, struct hub_web_file *f)
{
	FILE *in = fopen(path, "rb");
	size_t n;

	if (in == NULL)
		return -1;
	f->data = malloc(HUB_OFFICE_PAGE_MAX + 1);
	if (f->data == NULL) {
		fclose(in);
		return -1;
	}
	n = fread(f->data, 1, HUB_OFFICE_PAGE_MAX + 1, in);
	fclose(in);
	if (n == 0 || n > HUB_OFFICE_PAGE_MAX) {
		free(f->data);
		f->data = NULL;
		errno = EFBIG;
		return -1;
	}
	f->len = n;
	return 0;
}

int hub_office_web_load(struct hub *h)
{
	char path[PATH_MAX];

	if (h->web_dir == NULL)
		return 0;
	h->web_files = calloc(NWEB, sizeof(*h->web_files));
	if (h->web_files == NULL)
		return -1;
	h->nweb_files = NWEB;
	for (size_t i = 0; i < NWEB; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", h->web_dir, web_files[i].file) >=
		    sizeof(path) || read_whole(path, &h->web_files[i]) != 0) {
			pb_err("office pages: cannot read %s/%s: %s; the pages are not served",
			       h->web_dir, web_files[i].file, strerror(errno));
			hub_office_web_free(h);
			return -1;
		}
	}
	return 0;
}

void hub_office_web_free(struct hub *h)
{
	if (h == NULL || h->web_files == NULL)
		return;
	for (size_t i = 0; i < h->nweb_files; i++)
		free(h->web_files[i].data);
	free(h->web_files);
	h->web_files = NULL;
	h->nweb_files = 0;
}

enum MHD_Result hub_web_reply(struct pb_req *r, unsigned status, json_t *o, const char *cookie)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16], allow[PB_HTTP_ALLOW_MAX];

	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	pb_http_security_headers(resp);
	if (cookie != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (r->retry_after_s > 0) {
		snprintf(ra, sizeof(ra), "%u", r->retry_after_s);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
		pb_http_route_allow(hub_http_routes, r->url, allow, sizeof(allow));
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	}
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result hub_web_fail(struct pb_req *r, unsigned status, const char *code,
			     const char *message)
{
	if (status >= 500 || status == 429)
		pb_info("%s %s: %s", r->method, r->url, code);
	return hub_web_reply(r, status, json_pack("{ss ss}", "error", code, "message", message),
			     NULL);
}

static enum MHD_Result internal(struct pb_req *r)
{
	return hub_web_fail(r, 500, "internal", "Kesalahan di hub.");
}

static const char *arg(struct pb_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *cookie_token(struct pb_req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, KANTOR_COOKIE);
}

/* The request's JSON object: NULL and an answer queued in *ret when it is
 * not application/json or not an object. */
static json_t *body_json(struct pb_req *r, enum MHD_Result *ret)
{
	static const char json[] = "application/json";
	const char *ct = hub_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	json_t *j;

	if (ct == NULL || strncasecmp(ct, json, sizeof(json) - 1) != 0 ||
	    (ct[sizeof(json) - 1] != '\0' && ct[sizeof(json) - 1] != ';' &&
	     ct[sizeof(json) - 1] != ' ')) {
		/* a cross-site form can send text/plain, never this */
		*ret = hub_web_fail(r, 415, "need_json",
				    "Data permintaan harus berjenis application/json.");
		return NULL;
	}
	j = r->body.data != NULL ? json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, NULL)
			    : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		*ret = hub_web_fail(r, 400, "bad_json",
				    "Data permintaan bukan objek JSON yang sah.");
		return NULL;
	}
	return j;
}

/* The request's JSON object checked against t, its values stored in out:
 * NULL and the answer queued in *ret when it is not JSON or a member
 * fails (the table's error, the member as "field", and the members of
 * more, which may be NULL, for the page to say the limits). */
static json_t *body_fields(struct pb_req *r, const struct pb_fields *t, void *out,
			   json_t *more, enum MHD_Result *ret)
{
	const struct pb_field_error *e;
	const char *name = NULL;
	json_t *in = body_json(r, ret), *answer;

	if (in != NULL && pb_fields_check(t, in, out, &e, &name) != 0) {
		answer = json_pack("{ss ss ss}", "error", e->code, "message", e->message,
				   "field", name != NULL ? name : "");
		if (answer != NULL && more != NULL)
			json_object_update(answer, more);
		*ret = answer != NULL ? hub_web_reply(r, e->status, answer, NULL) : internal(r);
		json_decref(in);
		in = NULL;
	}
	json_decref(more);
	return in;
}

static json_t *who_json(const struct hub_office_who *w)
{
	return json_pack("{ss ss ss}", "user", w->name, "role", w->role, "csrf", w->csrf);
}

/* ---- the routes ---- */

typedef enum MHD_Result (*kantor_fn)(struct pb_req *r, PGconn *pg,
				     const struct hub_office_who *w, const char *id);

enum kantor_need {
	NEED_NONE = 0,   /* the login itself */
	NEED_LOGIN,      /* any office account */
	NEED_CSRF,       /* any account, with its CSRF token */
	NEED_ADMIN,      /* kantor-admin, with its CSRF token */
};

#define LOGIN_BAD { 400, "bad_login_request", "Isi nama pengguna dan kata sandi.", NULL }
#define LOGIN_EXTRA { 400, "bad_login_request", \
		      "Kirim hanya nama pengguna (user) dan kata sandi (password).", NULL }

struct login_body {
	const char *user, *password;
};

static const struct pb_field login_fields[] = {
	{ .name = "user", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = HUB_OFFICE_FIELD_MAX, .chars = PB_FC_TEXT,
	  .offset = offsetof(struct login_body, user), .bad = LOGIN_BAD },
	{ .name = "password", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 0,
	  .max = HUB_OFFICE_FIELD_MAX, .offset = offsetof(struct login_body, password),
	  .bad = LOGIN_BAD },
};
static const struct pb_fields login_table = {
	login_fields, sizeof(login_fields) / sizeof(login_fields[0]), PB_EXTRA_REFUSE,
	LOGIN_EXTRA
};

static enum MHD_Result h_login(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
			       const char *id)
{
	struct hub_office_who who;
	struct login_body b = { 0 };
	enum MHD_Result ret;
	json_t *in = body_fields(r, &login_table, &b, NULL, &ret);
	const char *user, *pw;
	char token[HUB_OFFICE_TOKEN_MAX + 1], cookie[HUB_OFFICE_TOKEN_MAX + 96];
	unsigned retry_s = 0;
	enum hub_office_login lr;

	(void)w;
	(void)id;
	if (in == NULL)
		return ret;
	user = b.user;
	pw = b.password;
	lr = hub_office_login_start(pg, &r->hub->office, user, pw, r->addr, cookie_token(r),
				    token, &who, &retry_s);
	if (lr == HUB_OFFICE_LOGIN_LOCKED) {
		pb_notice("office login %s from %s: locked out", user, r->addr);
		json_decref(in);
		r->retry_after_s = retry_s;
		return hub_web_fail(r, 429, "locked_out",
			    "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti.");
	}
	if (lr == HUB_OFFICE_LOGIN_REFUSED) {
		pb_notice("office login %s from %s: refused", user, r->addr);
		(void)hub_office_audit(pg, strlen(user) <= HUB_OFFICE_NAME_MAX &&
				       hub_text_ok(user) ? user : "?", "login_failed", "", r->addr);
		json_decref(in);
		/* counted like a refused token of the office routes */
		if (hub_auth_refused(r, PB_PROTO_BAD_SIGNATURE) == PB_PROTO_RATE_LIMITED)
			return hub_web_fail(r, 429, "rate_limited",
				    pb_proto_err_message(PB_PROTO_RATE_LIMITED));
		return hub_web_fail(r, 401, "bad_login", "Nama pengguna atau kata sandi salah.");
	}
	json_decref(in);
	if (lr != HUB_OFFICE_LOGIN_OK)
		return internal(r);
	pb_notice("office login %s (%s) from %s", who.name, who.role, r->addr);
	snprintf(cookie, sizeof(cookie), KANTOR_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
		 token, r->hub->tls_cert != NULL ? "; Secure" : "");
	sodium_memzero(token, sizeof(token));
	ret = hub_web_reply(r, 200, who_json(&who), cookie);
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

static enum MHD_Result h_logout(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
				const char *id)
{
	char cookie[128];

	(void)id;
	if (hub_office_login_end(pg, cookie_token(r)) != 0)
		return internal(r);
	(void)hub_office_audit(pg, w->name, "logout", "", r->addr);
	snprintf(cookie, sizeof(cookie), KANTOR_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; "
		 "Max-Age=0%s", r->hub->tls_cert != NULL ? "; Secure" : "");
	return hub_web_reply(r, 200, json_pack("{sb}", "ok", 1), cookie);
}

static enum MHD_Result h_me(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
			    const char *id)
{
	(void)pg;
	(void)id;
	return hub_web_reply(r, 200, who_json(w), NULL);
}

static enum MHD_Result h_boxes(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
			       const char *id)
{
	(void)w;
	(void)id;
	return hub_office_boxes(r, pg);
}

#define REVOKE_MESSAGE "Konfirmasi: kirim nomor kotak yang dicabut sebagai \"confirm\"."

struct revoke_body {
	const char *confirm;
};

static const struct pb_field revoke_fields[] = {
	{ .name = "confirm", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = HUB_CLAIM_ID_MAX, .offset = offsetof(struct revoke_body, confirm),
	  .bad = { 400, "confirm", REVOKE_MESSAGE, NULL } },
};
static const struct pb_fields revoke_table = {
	revoke_fields, sizeof(revoke_fields) / sizeof(revoke_fields[0]), PB_EXTRA_REFUSE,
	{ 400, "confirm", "Kirim hanya \"confirm\": nomor kotak yang dicabut.", NULL }
};

static enum MHD_Result h_revoke(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
				const char *box)
{
	enum MHD_Result ret;
	struct revoke_body b = { 0 };
	json_t *in = body_fields(r, &revoke_table, &b, NULL, &ret);
	char at[64];
	enum hub_revoke_result v;

	if (in == NULL)
		return ret;
	/* the box named again, as the path names it: a rule between the two */
	if (strcmp(b.confirm, box) != 0) {
		json_decref(in);
		return hub_web_reply(r, 400, json_pack("{ss ss ss}", "error", "confirm",
				     "message", REVOKE_MESSAGE, "field", "confirm"), NULL);
	}
	json_decref(in);
	v = hub_revoke_box(pg, box, at, sizeof(at));
	if (v == HUB_REVOKE_UNKNOWN)
		return hub_web_fail(r, 404, "unknown_box", "Kotak ini tidak terdaftar di hub.");
	if (v != HUB_REVOKE_OK && v != HUB_REVOKE_ALREADY)
		return internal(r);
	if (v == HUB_REVOKE_OK) {
		pb_notice("box %s revoked by office account %s", box, w->name);
		(void)hub_office_audit(pg, w->name, "box.revoke", box, r->addr);
	}
	return hub_web_reply(r, 200, json_pack("{ss ss ss sb}", "box_id", box, "state", "revoked",
				       "revoked_at", at, "already", v == HUB_REVOKE_ALREADY), NULL);
}

/* Each activity (attendance.session) with the people and person-days
 * present (present or late, on any sitting) and the JP they make. */
static const char sql_activities[] =
	"WITH s AS (SELECT DISTINCT ON (box_id, payload_json->>'id') box_id, "
	"  payload_json AS p FROM records WHERE type = 'attendance.session' AND refused IS NULL "
	"  AND jsonb_typeof(payload_json) = 'object' "
	"  ORDER BY box_id, payload_json->>'id', seq DESC), "
	"a AS (SELECT box_id, session_id, "
	"  count(DISTINCT coalesce(nullif(payload_json->>'nuptk', ''), "
	"    payload_json->>'no_peserta')) AS people, "
	"  count(DISTINCT (coalesce(nullif(payload_json->>'nuptk', ''), "
	"    payload_json->>'no_peserta'), coalesce(payload_json->>'day', ''))) AS days "
	"  FROM records WHERE type IN ('attendance.checkin', 'attendance.mark', "
	"  'attendance.correction') AND refused IS NULL "
	"  AND coalesce(payload_json->>'status', 'present') IN ('present', 'late') "
	"  GROUP BY box_id, session_id) "
	"SELECT b.centre_id, s.box_id, s.p->>'id', coalesce(s.p->>'title', ''), "
	"coalesce(s.p->>'start_date', ''), pb_json_bigint(s.p->'days'), "
	"pb_json_bigint(s.p->'jp_per_day'), coalesce(a.people, 0), coalesce(a.days, 0) "
	"FROM s JOIN boxes b USING (box_id) "
	"LEFT JOIN a ON a.box_id = s.box_id AND a.session_id = s.p->>'id' "
	"WHERE ($1::text IS NULL OR b.centre_id = $1) "
	"ORDER BY 1, 5 DESC, 3 LIMIT " HUB_XSTR(HUB_OFFICE_LIST_MAX);

static json_t *nullable_int(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null()
		: json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static enum MHD_Result h_activities(struct pb_req *r, PGconn *pg,
				    const struct hub_office_who *w, const char *id)
{
	const char *params[1] = { arg(r, "centre") };
	PGresult *res;
	json_t *list;

	(void)w;
	(void)id;
	res = PQexecParams(pg, sql_activities, 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: activities") != 0) {
		PQclear(res);
		return internal(r);
	}
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		long long jp = strtoll(PQgetvalue(res, i, 6), NULL, 10);
		long long days = strtoll(PQgetvalue(res, i, 8), NULL, 10);

		json_array_append_new(list, json_pack("{ss ss ss ss ss so so sI sI so}",
			"centre_id", PQgetvalue(res, i, 0), "box_id", PQgetvalue(res, i, 1),
			"session_id", PQgetvalue(res, i, 2), "title", PQgetvalue(res, i, 3),
			"start_date", PQgetvalue(res, i, 4), "days", nullable_int(res, i, 5),
			"jp_per_day", nullable_int(res, i, 6),
			"people", (json_int_t)strtoll(PQgetvalue(res, i, 7), NULL, 10),
			"person_days", (json_int_t)days,
			/* JP earned: each person-day present at the day's JP */
			"jp_total", PQgetisnull(res, i, 6) ? json_null()
							   : json_integer(jp * days)));
	}
	PQclear(res);
	return hub_web_reply(r, 200, json_pack("{so si}", "activities", list, "limit",
				       HUB_OFFICE_LIST_MAX), NULL);
}

/* Every claim the hub holds from the box that owns its id, with its
 * status: paid (the hub has its payment), else the box's latest decision
 * (approved, rejected), else submitted. */
#define SQL_CLAIMS_CTE \
	"WITH s AS (SELECT DISTINCT ON (box_id, payload_json->>'claim_id') box_id, " \
	"  payload_json AS p FROM records WHERE type = 'claim.submit' AND refused IS NULL " \
	"  ORDER BY box_id, payload_json->>'claim_id', seq DESC), " \
	"d AS (SELECT DISTINCT ON (box_id, payload_json->>'claim_id') box_id, " \
	"  payload_json AS p FROM records WHERE type = 'claim.decision' AND refused IS NULL " \
	"  ORDER BY box_id, payload_json->>'claim_id', seq DESC), " \
	"c AS (SELECT b.centre_id, s.box_id, s.p->>'claim_id' AS claim_id, " \
	"  coalesce(s.p->>'session_id', '') AS session_id, coalesce(s.p->>'name', '') AS name, " \
	"  coalesce(s.p->>'nuptk', '') AS nuptk, coalesce(s.p->>'item', '') AS item, " \
	"  coalesce(pb_json_bigint(d.p->'amount_rp'), pb_json_bigint(s.p->'amount_rp'), 0) " \
	"    AS amount_rp, " \
	"  CASE WHEN pay.claim_id IS NOT NULL THEN 'paid' " \
	"    WHEN d.p->>'decision' IN ('approved', 'approve') THEN 'approved' " \
	"    WHEN d.p->>'decision' IN ('rejected', 'reject') THEN 'rejected' " \
	"    ELSE 'submitted' END AS status, " \
	"  coalesce(pay.reference, '') AS reference, coalesce(pay.paid_by, '') AS paid_by, " \
	"  to_char(pay.paid_at AT TIME ZONE 'UTC', " HUB_SQL_ISO ") AS paid_at " \
	"  FROM s JOIN boxes b USING (box_id) " \
	"  JOIN claim_owners o ON o.claim_id = s.p->>'claim_id' AND o.box_id = s.box_id " \
	"  LEFT JOIN d ON d.box_id = s.box_id AND d.p->>'claim_id' = s.p->>'claim_id' " \
	"  LEFT JOIN payments pay ON pay.claim_id = s.p->>'claim_id' " \
	"  WHERE ($1::text IS NULL OR b.centre_id = $1)) "

static const char sql_claims[] =
	SQL_CLAIMS_CTE
	"SELECT centre_id, box_id, claim_id, session_id, name, nuptk, item, amount_rp, status, "
	"reference, paid_by, paid_at FROM c WHERE ($2::text IS NULL OR status = $2) "
	"ORDER BY centre_id, session_id, claim_id LIMIT " HUB_XSTR(HUB_OFFICE_LIST_MAX);

static const char sql_claim_counts[] =
	SQL_CLAIMS_CTE
	"SELECT status, count(*), coalesce(sum(amount_rp), 0) FROM c GROUP BY status";

static const char *const claim_states[] = { "submitted", "approved", "rejected", "paid" };

static enum MHD_Result h_claims(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
				const char *id)
{
	const char *params[2] = { arg(r, "centre"), arg(r, "status") };
	PGresult *res, *cnt;
	json_t *list, *counts;
	int ok = params[1] == NULL;

	(void)w;
	(void)id;
	for (size_t i = 0; i < sizeof(claim_states) / sizeof(claim_states[0]) && !ok; i++)
		ok = strcmp(params[1], claim_states[i]) == 0;
	if (!ok)
		return hub_web_fail(r, 400, "bad_status",
				    "status: submitted, approved, rejected atau paid.");
	res = PQexecParams(pg, sql_claims, 2, NULL, params, NULL, NULL, 0);
	cnt = PQexecParams(pg, sql_claim_counts, 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: claims") != 0 ||
	    hub_db_ok(cnt, PGRES_TUPLES_OK, "office: claim counts") != 0) {
		PQclear(res);
		PQclear(cnt);
		return internal(r);
	}
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{ss ss ss ss ss ss ss sI ss ss ss so}",
			"centre_id", PQgetvalue(res, i, 0), "box_id", PQgetvalue(res, i, 1),
			"claim_id", PQgetvalue(res, i, 2), "session_id", PQgetvalue(res, i, 3),
			"name", PQgetvalue(res, i, 4), "nuptk", PQgetvalue(res, i, 5),
			"item", PQgetvalue(res, i, 6),
			"amount_rp", (json_int_t)strtoll(PQgetvalue(res, i, 7), NULL, 10),
			"status", PQgetvalue(res, i, 8), "reference", PQgetvalue(res, i, 9),
			"paid_by", PQgetvalue(res, i, 10), "paid_at", hub_db_text(res, i, 11)));
	counts = json_object();
	for (size_t i = 0; i < sizeof(claim_states) / sizeof(claim_states[0]); i++)
		json_object_set_new(counts, claim_states[i],
				    json_pack("{si si}", "count", 0, "amount_rp", 0));
	for (int i = 0; i < PQntuples(cnt); i++)
		json_object_set_new(counts, PQgetvalue(cnt, i, 0), json_pack("{sI sI}",
			"count", (json_int_t)strtoll(PQgetvalue(cnt, i, 1), NULL, 10),
			"amount_rp", (json_int_t)strtoll(PQgetvalue(cnt, i, 2), NULL, 10)));
	PQclear(res);
	PQclear(cnt);
	return hub_web_reply(r, 200, json_pack("{so so si}", "claims", list, "counts", counts,
					       "limit", HUB_OFFICE_LIST_MAX), NULL);
}

enum claim_state {
	CLAIM_ERROR = -1,
	CLAIM_UNKNOWN,
	CLAIM_NOT_APPROVED,
	CLAIM_APPROVED,
};

/* Whether the box that owns the claim's id approved it last. */
static enum claim_state claim_state(PGconn *pg, const char *claim)
{
	const char *params[1] = { claim };
	PGresult *res = PQexecParams(pg,
		"SELECT (SELECT d.payload_json->>'decision' FROM records d "
		"  WHERE d.box_id = o.box_id AND d.type = 'claim.decision' AND d.refused IS NULL "
		"  AND d.payload_json->>'claim_id' = o.claim_id ORDER BY d.seq DESC LIMIT 1) "
		"FROM claim_owners o WHERE o.claim_id = $1", 1, NULL, params, NULL, NULL, 0);
	enum claim_state st = CLAIM_ERROR;
	const char *d;

	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: claim decision") == 0) {
		st = CLAIM_UNKNOWN;
		if (PQntuples(res) == 1) {
			d = PQgetvalue(res, 0, 0);
			st = strcmp(d, "approved") == 0 || strcmp(d, "approve") == 0 ?
			     CLAIM_APPROVED : CLAIM_NOT_APPROVED;
		}
	}
	PQclear(res);
	return st;
}

/* One claim of a bulk payment: its result's code. Only an approved claim
 * is paid; the payments table keeps it paid exactly once. */
static const char *paid_one(PGconn *pg, const char *claim, const char *reference,
			    const char *by)
{
	switch (claim_state(pg, claim)) {
	case CLAIM_UNKNOWN:
		return "unknown";
	case CLAIM_NOT_APPROVED:
		return "not_approved";
	case CLAIM_APPROVED:
		break;
	case CLAIM_ERROR:
		return "error";
	}
	switch (hub_mark_paid(pg, claim, reference, by)) {
	case HUB_PAID_OK:
		return "paid";
	case HUB_PAID_ALREADY:
		return "already_paid";
	case HUB_PAID_UNKNOWN:
		return "unknown";
	case HUB_PAID_BAD:
		return "bad_id";
	case HUB_PAID_ERROR:
		break;
	}
	return "error";
}

#define PAID_BAD { 400, "bad_paid_request", "Kirim \"claims\": daftar nomor klaim (paling " \
	"banyak " HUB_XSTR(HUB_OFFICE_BULK_MAX) "), dan \"reference\" (teks, paling panjang " \
	HUB_XSTR(HUB_REFERENCE_MAX) ").", NULL }

struct paid_body {
	const json_t *claims;
	const char *reference;
};

static const struct pb_field paid_claim_id = {
	.name = "", .type = PB_FT_STRING, .min = 1, .max = HUB_CLAIM_ID_MAX, .chars = PB_FC_TEXT,
	.bad = { 400, "bad_paid_request", "Nomor klaim tidak sah.", NULL },
};

static const struct pb_field paid_fields[] = {
	{ .name = "claims", .type = PB_FT_ARRAY, .flags = PB_F_REQUIRED, .min = 1,
	  .max = HUB_OFFICE_BULK_MAX, .item = &paid_claim_id,
	  .offset = offsetof(struct paid_body, claims), .bad = PAID_BAD },
	{ .name = "reference", .type = PB_FT_STRING, .max = HUB_REFERENCE_MAX,
	  .chars = PB_FC_TEXT, .offset = offsetof(struct paid_body, reference), .bad = PAID_BAD },
};
static const struct pb_fields paid_table = {
	paid_fields, sizeof(paid_fields) / sizeof(paid_fields[0]), PB_EXTRA_REFUSE, PAID_BAD
};

static enum MHD_Result h_paid(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
			      const char *id)
{
	enum MHD_Result ret;
	struct paid_body b = { .reference = "" };
	json_t *in, *out, *results, *v, *tally;
	const char *res;
	size_t i;

	(void)id;
	in = body_fields(r, &paid_table, &b, json_pack("{si si}", "max_claims",
			 HUB_OFFICE_BULK_MAX, "reference_max", HUB_REFERENCE_MAX), &ret);
	if (in == NULL)
		return ret;
	results = json_array();
	tally = json_object();
	json_array_foreach(b.claims, i, v) {
		res = paid_one(pg, json_string_value(v), b.reference, w->name);
		json_array_append_new(results, json_pack("{ss ss}", "claim_id",
							 json_string_value(v), "result", res));
		json_object_set_new(tally, res, json_integer(
			json_integer_value(json_object_get(tally, res)) + 1));
		if (strcmp(res, "paid") == 0)
			pb_notice("claim %s marked paid by office account %s", json_string_value(v),
				  w->name);
	}
	out = json_pack("{so so}", "results", results, "tally", tally);
	json_decref(in);
	return hub_web_reply(r, 200, out, NULL);
}

static enum MHD_Result h_conflicts(struct pb_req *r, PGconn *pg,
				   const struct hub_office_who *w, const char *id)
{
	PGresult *res;
	json_t *list;

	(void)w;
	(void)id;
	res = PQexec(pg, "SELECT c.id, c.box_id, coalesce(b.centre_id, ''), c.seq, c.stored_hash, "
		     "c.offered_hash, to_char(c.at AT TIME ZONE 'UTC', " HUB_SQL_ISO "), "
		     "to_char(c.resolved_at AT TIME ZONE 'UTC', " HUB_SQL_ISO "), c.resolved_by, "
		     "c.note, length(c.offered) FROM conflicts c LEFT JOIN boxes b USING (box_id) "
		     "ORDER BY c.resolved_at IS NOT NULL, c.id DESC LIMIT "
		     HUB_XSTR(HUB_OFFICE_LIST_MAX));
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: conflicts") != 0) {
		PQclear(res);
		return internal(r);
	}
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{sI ss ss sI ss ss ss so so so sI}",
			"id", (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10),
			"box_id", PQgetvalue(res, i, 1), "centre_id", PQgetvalue(res, i, 2),
			"seq", (json_int_t)strtoll(PQgetvalue(res, i, 3), NULL, 10),
			"stored_hash", PQgetvalue(res, i, 4), "offered_hash", PQgetvalue(res, i, 5),
			"at", PQgetvalue(res, i, 6), "resolved_at", hub_db_text(res, i, 7),
			"resolved_by", hub_db_text(res, i, 8), "note", hub_db_text(res, i, 9),
			"offered_bytes", (json_int_t)strtoll(PQgetvalue(res, i, 10), NULL, 10)));
	PQclear(res);
	return hub_web_reply(r, 200, json_pack("{so si}", "conflicts", list, "limit",
				       HUB_OFFICE_LIST_MAX), NULL);
}

#define NOTE_BAD { 400, "bad_note", "Catatan harus teks, paling panjang " \
	HUB_XSTR(HUB_OFFICE_NOTE_MAX) " byte.", NULL }

struct resolve_body {
	const char *note;
};

static const struct pb_field resolve_fields[] = {
	{ .name = "note", .type = PB_FT_STRING, .max = HUB_OFFICE_NOTE_MAX, .chars = PB_FC_TEXT,
	  .offset = offsetof(struct resolve_body, note), .bad = NOTE_BAD },
};
static const struct pb_fields resolve_table = {
	resolve_fields, sizeof(resolve_fields) / sizeof(resolve_fields[0]), PB_EXTRA_REFUSE,
	{ 400, "bad_note", "Kirim hanya \"note\": catatan penyelesaian.", NULL }
};

static enum MHD_Result h_resolve(struct pb_req *r, PGconn *pg,
				 const struct hub_office_who *w, const char *id)
{
	enum MHD_Result ret;
	struct resolve_body b = { .note = "" };
	json_t *in;
	const char *params[3];
	PGresult *res;
	int changed;

	if (strlen(id) > KANTOR_CONFLICT_ID_MAX || strspn(id, "0123456789") != strlen(id))
		return hub_web_fail(r, 404, "unknown_conflict", "Konflik ini tidak ada.");
	in = body_fields(r, &resolve_table, &b, NULL, &ret);
	if (in == NULL)
		return ret;
	params[0] = id;
	params[1] = w->name;
	params[2] = b.note;
	if (hub_db_exec(pg, "BEGIN") != 0) {
		json_decref(in);
		return internal(r);
	}
	res = PQexecParams(pg, "UPDATE conflicts SET resolved_at = now(), resolved_by = $2, "
			   "note = $3 WHERE id = $1::bigint AND resolved_at IS NULL",
			   3, NULL, params, NULL, NULL, 0);
	changed = hub_db_ok(res, PGRES_COMMAND_OK, "office: resolve") == 0 ?
		  strcmp(PQcmdTuples(res), "1") == 0 : -1;
	PQclear(res);
	if (changed == 1 && (hub_office_audit(pg, w->name, "conflict.resolve", id, r->addr) != 0 ||
			     hub_db_exec(pg, "COMMIT") != 0))
		changed = -1;
	if (changed != 1)
		hub_db_exec(pg, "ROLLBACK");
	json_decref(in);
	if (changed < 0)
		return internal(r);
	if (changed == 0) {
		res = PQexecParams(pg, "SELECT 1 FROM conflicts WHERE id = $1::bigint", 1, NULL,
				   params, NULL, NULL, 0);
		changed = hub_db_ok(res, PGRES_TUPLES_OK, "office: conflict") == 0 ?
			  PQntuples(res) : -1;
		PQclear(res);
		if (changed < 0)
			return internal(r);
		if (changed == 0)
			return hub_web_fail(r, 404, "unknown_conflict", "Konflik ini tidak ada.");
		return hub_web_fail(r, 409, "already_resolved", "Konflik ini sudah diselesaikan.");
	}
	return hub_web_reply(r, 200, json_pack("{ss ss}", "status", "resolved", "resolved_by",
					       w->name), NULL);
}

static enum MHD_Result h_export(struct pb_req *r, PGconn *pg, const struct hub_office_who *w,
				const char *name)
{
	enum MHD_Result ret;

	(void)w;
	if (hub_office_export(r, pg, name, &ret))
		return ret;
	return hub_web_fail(r, 404, "not_found", "Tidak ditemukan.");
}

/* Who may: 1 (who filled), else 0 with the refusal in *ret. */
static int allowed(struct pb_req *r, PGconn *pg, enum kantor_need need,
		   struct hub_office_who *who, enum MHD_Result *ret)
{
	enum hub_office_login lr;

	if (need == NEED_NONE)
		return 1;
	lr = hub_office_login_check(pg, &r->hub->office, cookie_token(r), who);
	if (lr == HUB_OFFICE_LOGIN_DB) {
		*ret = internal(r);
		return 0;
	}
	if (lr != HUB_OFFICE_LOGIN_OK) {
		*ret = hub_web_fail(r, 401, "login_required", "Silakan masuk dengan akun kantor.");
		return 0;
	}
	if (need >= NEED_CSRF && !hub_office_csrf_ok(who, hub_header(r, "X-CSRF-Token"))) {
		*ret = hub_web_fail(r, 403, "csrf", "Token keamanan (CSRF) tidak ada atau salah: "
				    "muat ulang halaman.");
		return 0;
	}
	if (need == NEED_ADMIN && strcmp(who->role, "kantor-admin") != 0) {
		*ret = hub_web_fail(r, 403, "admin_only",
				    "Hanya akun kantor-admin yang boleh melakukan ini.");
		return 0;
	}
	return 1;
}

/* What a path is refused before its login: not UTF-8 (400), a route the
 * table does not name or an id longer than HUB_CLAIM_ID_MAX (404),
 * another method (405). 1 with the answer queued (*ret), else 0. */
static int path_refused(struct pb_req *r, int known, enum MHD_Result *ret)
{
	const char *id = strchr(r->route->pattern, '*') != NULL ? r->params[0] : "";

	if (!hub_office_text_ok(r, r->url + strlen(KANTOR_PREFIX)))
		*ret = hub_web_fail(r, 400, "malformed",
				    "Alamat atau parameter bukan teks UTF-8 yang sah.");
	else if (!known || !hub_path_id_ok(id, HUB_CLAIM_ID_MAX))
		*ret = hub_web_fail(r, 404, "not_found", "Tidak ditemukan.");
	else if (r->other_method)
		*ret = hub_web_fail(r, 405, "method", "Metode ini tidak dipakai di sini.");
	else
		return 0;
	return 1;
}

/* The login a route needs, from its row's flags. */
static enum kantor_need route_need(const struct pb_http_route *rt)
{
	if (rt->flags & HUB_ROUTE_OFFICE_ADMIN)
		return NEED_ADMIN;
	if (rt->flags & HUB_ROUTE_OFFICE_CSRF)
		return NEED_CSRF;
	if (rt->flags & HUB_ROUTE_OFFICE_LOGIN)
		return NEED_LOGIN;
	return NEED_NONE;
}

int hub_office_web_admit(struct pb_req *r, enum MHD_Result *ret)
{
	PGconn *pg;
	int ok;

	if (r->route == NULL || route_need(r->route) == NEED_NONE)
		return 0;
	if (path_refused(r, 1, ret))
		return -1;
	pg = hub_db_get(r->hub);
	if (pg == NULL) {
		r->retry_after_s = HUB_UNAVAILABLE_RETRY_S;
		*ret = hub_web_fail(r, 503, "unavailable", "Basis data hub tidak tersedia.");
		return -1;
	}
	ok = allowed(r, pg, route_need(r->route), &r->office, ret);
	hub_db_put(r->hub, pg);
	r->office_admitted = ok;
	return ok ? 0 : -1;
}

/* Every /v1/kantor/ route: the path and arguments as text, then the
 * route (an id of at most HUB_CLAIM_ID_MAX bytes; a path the table names
 * for another method is 405 with Allow, one it does not name 404), then
 * the database, the login and the route's handler. The login of a request
 * with a body was checked (and its last_at moved) from its headers by
 * hub_office_web_admit: it is taken from r->office, not read again, so
 * each request reads and touches its login once. */
static enum MHD_Result kantor(struct pb_req *r, kantor_fn fn)
{
	enum kantor_need need = route_need(r->route);
	const char *id = strchr(r->route->pattern, '*') != NULL ? r->params[0] : "";
	struct hub_office_who who;
	enum MHD_Result ret;
	PGconn *pg;

	memset(&who, 0, sizeof(who));
	if (path_refused(r, fn != NULL, &ret))
		return ret;
	pg = hub_db_get(r->hub);
	if (pg == NULL) {
		r->retry_after_s = HUB_UNAVAILABLE_RETRY_S;
		return hub_web_fail(r, 503, "unavailable", "Basis data hub tidak tersedia.");
	}
	if (r->office_admitted)
		who = r->office;
	if (r->office_admitted || allowed(r, pg, need, &who, &ret))
		ret = fn(r, pg, &who, id);
	hub_db_put(r->hub, pg);
	return ret;
}

static enum MHD_Result login(struct pb_req *r)
{
	return kantor(r, h_login);
}

static enum MHD_Result logout(struct pb_req *r)
{
	return kantor(r, h_logout);
}

static enum MHD_Result me(struct pb_req *r)
{
	return kantor(r, h_me);
}

static enum MHD_Result boxes(struct pb_req *r)
{
	return kantor(r, h_boxes);
}

static enum MHD_Result revoke_box(struct pb_req *r)
{
	return kantor(r, h_revoke);
}

static enum MHD_Result activities(struct pb_req *r)
{
	return kantor(r, h_activities);
}

static enum MHD_Result claims(struct pb_req *r)
{
	return kantor(r, h_claims);
}

static enum MHD_Result paid(struct pb_req *r)
{
	return kantor(r, h_paid);
}

static enum MHD_Result conflicts(struct pb_req *r)
{
	return kantor(r, h_conflicts);
}

static enum MHD_Result resolve(struct pb_req *r)
{
	return kantor(r, h_resolve);
}

static enum MHD_Result export(struct pb_req *r)
{
	return kantor(r, h_export);
}

static enum MHD_Result import(struct pb_req *r)
{
	return kantor(r, hub_office_import);
}

static enum MHD_Result none(struct pb_req *r)
{
	return kantor(r, NULL);
}

static enum MHD_Result page(struct pb_req *r, size_t i)
{
	const struct hub_web_file *f = &r->hub->web_files[i];
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		f->len, f->data, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, web_files[i].type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	pb_http_security_headers(resp);
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result file(struct pb_req *r)
{
	for (size_t i = 0; r->hub->web_files != NULL && i < NWEB; i++)
		if (strcmp(r->url, web_files[i].url) == 0)
			return page(r, i);
	return hub_error(r, PB_PROTO_NOT_FOUND, -1, NULL);     /* served without -w */
}

#define KANTOR(method, path, fn, flags) \
	{ method, KANTOR_PREFIX path, fn, HUB_ROUTE_OWN_REFUSAL | (flags) }

/* The office's routes, in pb-hub's list after hub_routes; the two prefix
 * rows take every other path below /v1/kantor/ (404, 405 for another
 * method, as kantor() says), the pages are GET only. */
const struct pb_http_route hub_office_web_routes[] = {
	KANTOR("POST", "login", login, HUB_ROUTE_BODY_LOGIN),
	KANTOR("POST", "logout", logout, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_CSRF),
	KANTOR("GET", "me", me, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_LOGIN),
	KANTOR("GET", "boxes", boxes, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_LOGIN),
	KANTOR("POST", "boxes/*/revoke", revoke_box, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_ADMIN),
	KANTOR("GET", "activities", activities, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_LOGIN),
	KANTOR("GET", "claims", claims, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_LOGIN),
	KANTOR("POST", "claims/paid", paid, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_ADMIN),
	KANTOR("GET", "conflicts", conflicts, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_LOGIN),
	KANTOR("POST", "conflicts/*/resolve", resolve, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_ADMIN),
	KANTOR("GET", "export/*", export, HUB_ROUTE_BODY_OFFICE | HUB_ROUTE_OFFICE_LOGIN),
	KANTOR("POST", "import", import, HUB_ROUTE_BODY_IMPORT | HUB_ROUTE_OFFICE_ADMIN),
	KANTOR("GET", "", none, PB_HTTP_PREFIX | HUB_ROUTE_BODY_LOGIN),
	KANTOR("POST", "", none, PB_HTTP_PREFIX | HUB_ROUTE_BODY_LOGIN),
	{ "GET", "/", file, 0 },
	{ "GET", "/kantor.html", file, 0 },
	{ "GET", "/app.css", file, 0 },
	{ "GET", "/css/kantor.css", file, 0 },
	{ "GET", "/js/common.js", file, 0 },
	{ "GET", "/js/kantor.js", file, 0 },
	{ "GET", "/locale/id/common.json", file, 0 },
	{ "GET", "/locale/en/common.json", file, 0 },
	{ "GET", "/locale/id/kantor.json", file, 0 },
	{ "GET", "/locale/en/kantor.json", file, 0 },
	{ NULL, NULL, NULL, 0 },
};
