/* The finance and credit office over HTTP: CSV exports and marking claims
 * paid, for a bearer token made with `pb-hub office-token NAME`.
 *
 *   GET  /v1/office/export/attendance.csv?centre=ID&session=ID
 *   GET  /v1/office/export/claims.csv?centre=ID&session=ID
 *   POST /v1/office/claims/CLAIM_ID/paid   {"reference": "..."}
 *   GET  /v1/office/claims/CLAIM_ID/receipt  the receipt photo (photos.c)
 *   GET  /v1/office/photos/SHA256            a receipt photo by its hash */
#include "hub.h"

#include "pb_log.h"

#include <stdlib.h>
#include <string.h>

#define OFFICE_BEARER "Bearer "

static int office_allowed(struct hub_req *r, PGconn *pg)
{
	const char *auth = hub_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	char hash[PB_SHA256_HEX_LEN + 1];
	const char *params[1] = { hash };
	PGresult *res;
	int ok;

	if (auth == NULL || strncmp(auth, OFFICE_BEARER, strlen(OFFICE_BEARER)) != 0)
		return 0;
	auth += strlen(OFFICE_BEARER);
	if (strlen(auth) == 0 || strlen(auth) > PB_PROTO_TOKEN_MAX)
		return 0;
	pb_sha256_hex(auth, strlen(auth), hash);
	res = PQexecParams(pg, "SELECT 1 FROM office_tokens WHERE token_sha256 = $1 AND "
			   "revoked_at IS NULL", 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	return ok;
}

static enum MHD_Result office_error(struct hub_req *r, unsigned status, const char *code,
				    const char *message)
{
	json_t *o = json_pack("{ss ss}", "error", code, "message", message);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result ret = hub_json(r, status, text != NULL ? text : "{}");

	free(text);
	json_decref(o);
	return ret;
}

enum MHD_Result hub_office_error(struct hub_req *r, unsigned status, const char *code,
				 const char *message)
{
	return office_error(r, status, code, message);
}

static enum MHD_Result export_csv(struct hub_req *r, PGconn *pg, const char *kind)
{
	const char *centre = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "centre");
	const char *session = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
							  "session");
	struct MHD_Response *resp;
	char *buf = NULL, disp[96];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	enum MHD_Result ret;
	int rc;

	if (f == NULL)
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	rc = hub_export(pg, kind, centre, session, f);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return office_error(r, 500, "internal", "Kesalahan di hub.");
	}
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.csv\"", kind);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result mark_paid(struct hub_req *r, PGconn *pg, const char *claim)
{
	json_t *body = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
	const char *reference = "";
	enum hub_paid_result p;
	enum MHD_Result ret;

	if (body != NULL && json_unpack(body, "{s?s}", "reference", &reference) != 0) {
		json_decref(body);
		return office_error(r, 400, "malformed", "\"reference\" harus berupa teks.");
	}
	p = hub_mark_paid(pg, claim, reference);
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

enum MHD_Result hub_office(struct hub_req *r, const char *rest)
{
	PGconn *pg = hub_db_get(r->hub);
	enum MHD_Result ret;
	size_t n = strlen(rest);

	if (pg == NULL)
		return office_error(r, 503, "internal", "Basis data hub tidak tersedia.");
	if (!office_allowed(r, pg))
		ret = office_error(r, 401, "unauthorized", "Token kantor tidak sah.");
	else if (strcmp(r->method, "GET") == 0 && strcmp(rest, "export/attendance.csv") == 0)
		ret = export_csv(r, pg, "attendance");
	else if (strcmp(r->method, "GET") == 0 && strcmp(rest, "export/claims.csv") == 0)
		ret = export_csv(r, pg, "claims");
	else if (strcmp(r->method, "POST") == 0 && strncmp(rest, "claims/", 7) == 0 &&
		 n > 12 && strcmp(rest + n - 5, "/paid") == 0 && n - 12 <= HUB_CLAIM_ID_MAX) {
		char claim[HUB_CLAIM_ID_MAX + 1];
		snprintf(claim, sizeof(claim), "%.*s", (int)(n - 12), rest + 7);
		ret = strchr(claim, '/') != NULL ?
			office_error(r, 404, "not_found", "Tidak ditemukan.") :
			mark_paid(r, pg, claim);
	} else if (strcmp(r->method, "GET") == 0 && strncmp(rest, "photos/", 7) == 0)
		ret = hub_photo_get(r, pg, rest + 7, NULL);
	else if (strcmp(r->method, "GET") == 0 && strncmp(rest, "claims/", 7) == 0 &&
		 n > 15 && strcmp(rest + n - 8, "/receipt") == 0 && n - 15 <= HUB_CLAIM_ID_MAX) {
		char claim[HUB_CLAIM_ID_MAX + 1];
		snprintf(claim, sizeof(claim), "%.*s", (int)(n - 15), rest + 7);
		ret = strchr(claim, '/') != NULL ?
			office_error(r, 404, "not_found", "Tidak ditemukan.") :
			hub_photo_get(r, pg, NULL, claim);
	} else
		ret = office_error(r, 404, "not_found", "Tidak ditemukan.");
	hub_db_put(r->hub, pg);
	return ret;
}
