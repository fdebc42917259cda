/* The finance and credit office over HTTP: CSV exports, marking claims
 * paid, the boxes and their revocation, for a bearer token made with
 * `pb-hub office-token NAME`.
 *
 *   GET  /v1/office/export/attendance.csv?centre=ID&session=ID
 *   GET  /v1/office/export/claims.csv?centre=ID&session=ID
 *   GET  /v1/office/export/learning.csv?centre=ID&session=ID
 *   GET  /v1/office/export/worksheets.csv?centre=ID&session=ID
 *        worksheet sendings and the photos they name (learning.c)
 *   GET  /v1/office/export/attendance.xlsx?centre=ID&session=ID
 *   GET  /v1/office/export/claims.xlsx?centre=ID&session=ID
 *        the same as spreadsheets, claims with sheets by kabupaten/kota,
 *        activity and payment status (xlsx.c, written by xlsx_worker.c)
 *   POST /v1/office/claims/CLAIM_ID/paid   {"reference": "..."}
 *   GET  /v1/office/claims/CLAIM_ID/receipt  the receipt photo (photos.c)
 *   GET  /v1/office/photos/SHA256            a receipt or worksheet photo by its hash
 *   GET  /v1/office/boxes?centre=ID&silent_days=N&low_disk_mb=N&min_version=V
 *        with each box's last box.health report and flags (health.c)
 *   POST /v1/office/boxes/BOX_ID/revoke
 *
 * A refused token is charged to the client address's "unauth" limit. */
#include "hub.h"

#include "pb_log.h"
#include "pb_xlsx.h"

#include <stdlib.h>
#include <string.h>

#define OFFICE_BEARER "Bearer "
#define OFFICE_PREFIX "/v1/office/"

enum office_auth {
	OFFICE_AUTH_OK = 0,
	OFFICE_AUTH_REFUSED,         /* no token, or not a valid one */
	OFFICE_AUTH_DB_ERROR,        /* could not ask the database: not the token's fault */
};

/* Check the office token; on success its name is in who. */
static enum office_auth office_allowed(struct pb_req *r, PGconn *pg, char *who, size_t wlen)
{
	const char *auth = hub_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	char hash[PB_SHA256_HEX_LEN + 1];
	const char *params[1] = { hash };
	PGresult *res;
	enum office_auth a = OFFICE_AUTH_REFUSED;

	if (auth == NULL || strncmp(auth, OFFICE_BEARER, strlen(OFFICE_BEARER)) != 0)
		return OFFICE_AUTH_REFUSED;
	auth += strlen(OFFICE_BEARER);
	if (strlen(auth) == 0 || strlen(auth) > PB_PROTO_TOKEN_MAX)
		return OFFICE_AUTH_REFUSED;
	pb_sha256_hex(auth, strlen(auth), hash);
	res = PQexecParams(pg, "SELECT name FROM office_tokens WHERE token_sha256 = $1 AND "
			   "revoked_at IS NULL", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: token") != 0) {
		a = OFFICE_AUTH_DB_ERROR;
	} else if (PQntuples(res) == 1) {
		snprintf(who, wlen, "%s", PQgetvalue(res, 0, 0));
		a = OFFICE_AUTH_OK;
	}
	PQclear(res);
	return a;
}

static enum MHD_Result office_error(struct pb_req *r, unsigned status, const char *code,
				    const char *message)
{
	char *text = pb_http_json_text(pb_http_error_object(code, message), 0);
	enum MHD_Result ret = hub_json(r, status, text != NULL ? text : "{}");

	free(text);
	return ret;
}

enum MHD_Result hub_office_error(struct pb_req *r, unsigned status, const char *code,
				 const char *message)
{
	return office_error(r, status, code, message);
}

static enum MHD_Result send_json(struct pb_req *r, unsigned status, json_t *o)
{
	char *text = pb_http_json_text(o, 0);
	enum MHD_Result ret;

	if (text == NULL)
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	ret = hub_json(r, status, text);
	free(text);
	return ret;
}

/* An export as a download (buf is taken): the same headers for each. */
static enum MHD_Result download(struct pb_req *r, char *buf, size_t len, const char *type,
				const char *kind, const char *ext)
{
	struct MHD_Response *resp = pb_http_response(buf, len, MHD_RESPMEM_MUST_FREE, type, 1);
	char disp[96];

	if (resp == NULL)
		return MHD_NO;
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"", kind, ext);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	return pb_http_queue(r->conn, MHD_HTTP_OK, resp);
}

static enum MHD_Result export_csv(struct pb_req *r, PGconn *pg, const char *kind)
{
	const char *centre = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "centre");
	const char *session = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
							  "session");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	rc = hub_export(pg, kind, centre, session, f);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	}
	return download(r, buf, len, "text/csv; charset=utf-8", kind, "csv");
}

/* GET /v1/office/export/KIND.xlsx: the book the verb writes
 * (hub_export_book), written by the export worker. */
static enum MHD_Result export_xlsx(struct pb_req *r, PGconn *pg, const char *kind)
{
	const char *centre = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "centre");
	const char *session = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
							  "session");
	int unknown;
	json_t *book = hub_export_book(pg, kind, centre, session, &unknown), *o;
	char *data = NULL;
	size_t len = 0;
	enum hub_xlsx_result x;

	if (book == NULL)
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	x = hub_xlsx_worker_make(r->hub, book, &data, &len);
	json_decref(book);
	switch (x) {
	case HUB_XLSX_OK:
		pb_info("office: %s.xlsx, %zu bytes", kind, len);
		return download(r, data, len, PB_XLSX_MIME, kind, "xlsx");
	case HUB_XLSX_TOO_LARGE:
		o = json_pack("{ss ss sI si}", "error", "too_large", "message",
			      "Ekspor ini melebihi batas XLSX hub: persempit dengan ?centre= atau "
			      "?session=, atau ambil CSV-nya.", "limit_bytes",
			      (json_int_t)r->hub->xlsx.book_max, "limit_rows", PB_XLSX_ROWS_MAX);
		return send_json(r, 413, o);
	case HUB_XLSX_BUSY:
		r->retry_after_s = HUB_XLSX_BUSY_RETRY_S;
		return office_error(r, 503, "busy", "Ekspor XLSX lain sedang dibuat; coba lagi "
				    "sebentar lagi.");
	case HUB_XLSX_GONE:
		pb_warn("office: %s.xlsx refused: no export worker", kind);
		r->retry_after_s = HUB_XLSX_STARTS_WINDOW_S;
		return office_error(r, 503, "xlsx_unavailable", "Pembuat XLSX di hub berhenti "
				    "berulang kali: coba lagi sebentar lagi; bila tetap begini, "
				    "jalankan ulang pb-hub. CSV tetap tersedia.");
	case HUB_XLSX_FAILED:
		break;
	}
	return office_error(r, 500, "xlsx", "Berkas spreadsheet tidak dapat dibuat.");
}

/* The exports by name, for the token routes and the office's pages. */
static const struct {
	const char *name;
	const char *kind;
	int xlsx;
} exports[] = {
	{ "attendance.csv", "attendance", 0 },
	{ "claims.csv", "claims", 0 },
	{ "learning.csv", "learning", 0 },
	{ "worksheets.csv", "worksheets", 0 },
	{ "attendance.xlsx", "attendance", 1 },
	{ "claims.xlsx", "claims", 1 },
};

int hub_office_export(struct pb_req *r, PGconn *pg, const char *name, enum MHD_Result *ret)
{
	for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++) {
		if (strcmp(name, exports[i].name) != 0)
			continue;
		*ret = exports[i].xlsx ? export_xlsx(r, pg, exports[i].kind)
				       : export_csv(r, pg, exports[i].kind);
		return 1;
	}
	return 0;
}

static enum MHD_Result mark_paid(struct pb_req *r, PGconn *pg, const char *claim)
{
	json_t *body = json_loadb(r->body.data != NULL ? r->body.data : "", r->body.len, 0, NULL);
	const char *reference = "";
	enum hub_paid_result p;
	enum MHD_Result ret;

	if (body != NULL && json_unpack(body, "{s?s}", "reference", &reference) != 0) {
		json_decref(body);
		return office_error(r, 400, "malformed", "\"reference\" harus berupa teks.");
	}
	p = hub_mark_paid(pg, claim, reference, NULL);
	json_decref(body);
	switch (p) {
	case HUB_PAID_OK:
		pb_notice("claim %s marked paid", claim);
		return hub_json(r, MHD_HTTP_OK, "{\"status\":\"paid\"}");
	case HUB_PAID_UNKNOWN:
		return office_error(r, 404, "unknown_claim", "Klaim ini belum sampai di hub.");
	case HUB_PAID_ALREADY:
		return office_error(r, 409, "already_paid", "Klaim ini sudah ditandai dibayar.");
	case HUB_PAID_BAD:
		return office_error(r, 400, "malformed", "Nomor klaim atau referensi terlalu panjang.");
	case HUB_PAID_ERROR:
		break;
	}
	ret = office_error(r, 500, "internal", "Kesalahan di hub.");
	return ret;
}

enum MHD_Result hub_office_boxes(struct pb_req *r, PGconn *pg)
{
	const char *params[1] = {
		MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "centre")
	};
	struct hub_health_opts ho;
	json_t *list, *thresholds = NULL;
	PGresult *res;

	if (hub_health_opts_parse(r, &ho) != 0)
		return office_error(r, 400, "malformed", "silent_days, low_disk_mb atau "
				    "min_version tidak sah.");
	res = PQexecParams(pg, "SELECT box_id, centre_id, last_seq, "
			   "CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END, "
			   "to_char(enrolled_at AT TIME ZONE 'UTC', " HUB_SQL_ISO "), "
			   "to_char(revoked_at AT TIME ZONE 'UTC', " HUB_SQL_ISO "), "
			   "to_char(last_upload_at AT TIME ZONE 'UTC', " HUB_SQL_ISO ") "
			   "FROM boxes WHERE ($1::text IS NULL OR centre_id = $1) "
			   "ORDER BY centre_id, box_id", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: boxes") != 0) {
		PQclear(res);
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	}
	list = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{ss ss sI ss so so so}",
			"box_id", PQgetvalue(res, i, 0), "centre_id", PQgetvalue(res, i, 1),
			"last_seq", (json_int_t)strtoll(PQgetvalue(res, i, 2), NULL, 10),
			"state", PQgetvalue(res, i, 3), "enrolled_at", hub_db_text(res, i, 4),
			"revoked_at", hub_db_text(res, i, 5), "last_upload_at", hub_db_text(res, i, 6)));
	PQclear(res);
	if (hub_health_attach(pg, list, &ho, &thresholds) != 0) {
		json_decref(list);
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	}
	return send_json(r, MHD_HTTP_OK, json_pack("{so so}", "boxes", list,
						   "thresholds", thresholds));
}

static enum MHD_Result office_revoke(struct pb_req *r, PGconn *pg, const char *box,
				     const char *who)
{
	char at[64];
	enum hub_revoke_result v = hub_revoke_box(pg, box, at, sizeof(at));

	switch (v) {
	case HUB_REVOKE_OK:
	case HUB_REVOKE_ALREADY:
		if (v == HUB_REVOKE_OK)
			pb_notice("box %s revoked by office token %s", box, who);
		return send_json(r, MHD_HTTP_OK, json_pack("{ss ss ss sb}", "box_id", box,
			"state", "revoked", "revoked_at", at, "already", v == HUB_REVOKE_ALREADY));
	case HUB_REVOKE_UNKNOWN:
		return office_error(r, 404, "unknown_box", "Kotak ini tidak terdaftar di hub.");
	case HUB_REVOKE_ERROR:
		break;
	}
	return office_error(r, 500, "internal", "Kesalahan di hub.");
}

static enum MHD_Result arg_check(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	int *bad = cls;

	(void)kind;
	if (!hub_text_ok(key) || (value != NULL && !hub_text_ok(value))) {
		*bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

int hub_office_text_ok(struct pb_req *r, const char *rest)
{
	int bad = 0;

	if (!hub_text_ok(rest))
		return 0;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, arg_check, &bad);
	return !bad;
}

typedef enum MHD_Result (*office_fn)(struct pb_req *r, PGconn *pg, const char *who);

/* Every /v1/office/ route: the database, then the token (a refused one
 * before any 404, so the routes are not told to who has none), then the
 * path and arguments as text, then the route's handler. A path the table
 * names for another method, or a HEAD, is 404 once the token passed; a
 * method other than GET and POST is 404 before it is asked (hub_error). */
static enum MHD_Result office_call(struct pb_req *r, office_fn fn)
{
	int head = strcmp(r->method, "HEAD") == 0;
	PGconn *pg;
	enum MHD_Result ret;
	char who[128];
	enum office_auth auth;

	if (r->other_method && strcmp(r->method, "GET") != 0 && strcmp(r->method, "POST") != 0 &&
	    !head)
		return hub_error(r, PB_PROTO_NOT_FOUND, -1, NULL);
	pg = hub_db_get(r->hub);
	if (pg == NULL) {
		r->retry_after_s = HUB_UNAVAILABLE_RETRY_S;
		return office_error(r, 503, "unavailable", "Basis data hub tidak tersedia.");
	}
	auth = office_allowed(r, pg, who, sizeof(who));
	if (auth == OFFICE_AUTH_DB_ERROR) {
		/* the database went away under us: not a wrong token */
		ret = office_error(r, 500, "internal", "Kesalahan di hub.");
	} else if (auth != OFFICE_AUTH_OK) {
		/* a refused token counts like a refused box signature */
		if (hub_auth_refused(r, PB_PROTO_BAD_SIGNATURE) == PB_PROTO_RATE_LIMITED)
			ret = office_error(r, 429, "rate_limited",
					   pb_proto_err_message(PB_PROTO_RATE_LIMITED));
		else
			ret = office_error(r, 401, "unauthorized", "Token kantor tidak sah.");
	} else if (!hub_office_text_ok(r, r->url + strlen(OFFICE_PREFIX)))
		ret = office_error(r, 400, "malformed",
				   "Alamat atau parameter bukan teks UTF-8 yang sah.");
	else if (r->other_method || head || fn == NULL)
		ret = office_error(r, 404, "not_found", "Tidak ditemukan.");
	else
		ret = fn(r, pg, who);
	hub_db_put(r->hub, pg);
	return ret;
}

static enum MHD_Result not_found(struct pb_req *r)
{
	return office_error(r, 404, "not_found", "Tidak ditemukan.");
}

static enum MHD_Result do_export(struct pb_req *r, PGconn *pg, const char *who)
{
	enum MHD_Result ret;

	(void)who;
	return hub_office_export(r, pg, r->params[0], &ret) ? ret : not_found(r);
}

static enum MHD_Result do_boxes(struct pb_req *r, PGconn *pg, const char *who)
{
	(void)who;
	return hub_office_boxes(r, pg);
}

static enum MHD_Result do_revoke(struct pb_req *r, PGconn *pg, const char *who)
{
	if (!hub_path_id_ok(r->params[0], PB_PROTO_ID_LEN + 1))
		return not_found(r);
	return office_revoke(r, pg, r->params[0], who);
}

static enum MHD_Result do_paid(struct pb_req *r, PGconn *pg, const char *who)
{
	(void)who;
	if (!hub_path_id_ok(r->params[0], HUB_CLAIM_ID_MAX))
		return not_found(r);
	return mark_paid(r, pg, r->params[0]);
}

static enum MHD_Result do_receipt(struct pb_req *r, PGconn *pg, const char *who)
{
	(void)who;
	if (!hub_path_id_ok(r->params[0], HUB_CLAIM_ID_MAX))
		return not_found(r);
	return hub_photo_get(r, pg, NULL, r->params[0]);
}

static enum MHD_Result do_photo(struct pb_req *r, PGconn *pg, const char *who)
{
	(void)who;
	return hub_photo_get(r, pg, pb_http_rest(r->route, r->url), NULL);
}

static enum MHD_Result export(struct pb_req *r)
{
	return office_call(r, do_export);
}

static enum MHD_Result boxes(struct pb_req *r)
{
	return office_call(r, do_boxes);
}

static enum MHD_Result revoke_box(struct pb_req *r)
{
	return office_call(r, do_revoke);
}

static enum MHD_Result paid(struct pb_req *r)
{
	return office_call(r, do_paid);
}

static enum MHD_Result receipt(struct pb_req *r)
{
	return office_call(r, do_receipt);
}

static enum MHD_Result photo(struct pb_req *r)
{
	return office_call(r, do_photo);
}

static enum MHD_Result none(struct pb_req *r)
{
	return office_call(r, NULL);
}

/* The routes of the office token, in pb-hub's list after hub_routes. The
 * two prefix rows take every other path below /v1/office/: 404 once the
 * token passed. */
const struct pb_http_route hub_office_routes[] = {
	{ "GET", OFFICE_PREFIX "export/*", export, HUB_ROUTE_OWN_REFUSAL },
	{ "GET", OFFICE_PREFIX "boxes", boxes, HUB_ROUTE_OWN_REFUSAL },
	{ "POST", OFFICE_PREFIX "boxes/*/revoke", revoke_box, HUB_ROUTE_OWN_REFUSAL },
	{ "POST", OFFICE_PREFIX "claims/*/paid", paid, HUB_ROUTE_OWN_REFUSAL },
	{ "GET", OFFICE_PREFIX "claims/*/receipt", receipt, HUB_ROUTE_OWN_REFUSAL },
	{ "GET", OFFICE_PREFIX "photos/", photo, PB_HTTP_PREFIX | HUB_ROUTE_OWN_REFUSAL },
	{ "GET", OFFICE_PREFIX, none, PB_HTTP_PREFIX | HUB_ROUTE_OWN_REFUSAL },
	{ "POST", OFFICE_PREFIX, none, PB_HTTP_PREFIX | HUB_ROUTE_OWN_REFUSAL },
	{ NULL, NULL, NULL, 0 },
};
