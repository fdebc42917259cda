/* The printed papers' own data: GET /api/v1/sessions/{id}/papers (the
 * session's paper settings over the box.conf defaults, the signing staff
 * member's full name and NIP, the roster's payee columns) and POST to set
 * the settings. The papers themselves are pages (webapp/cetak-*.html)
 * drawn from this and the attendance and claims answers. */
#include "web.h"
#include "pb_attendance.h"
#include "pb_paper.h"

#include <string.h>

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)
#define DB_ERR(r) ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", \
		      "Basis data tidak dapat dibaca atau ditulis")

/* GET /api/v1/sessions/{id}/papers (staff) */
enum MHD_Result pb_handle_papers(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	sqlite3 *db = pb_web_db(r->web);
	json_t *settings, *signer, *payees;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_session_load(r, db, r->params[0], &k, &ret) != 0)
		return ret;
	settings = pb_paper_settings(db, k.id, &r->web->cfg);
	signer = pb_staff_identity(db, who.name);
	payees = pb_payee_map(db, k.id);
	if (settings == NULL || signer == NULL || payees == NULL) {
		json_decref(settings);
		json_decref(signer);
		json_decref(payees);
		return DB_ERR(r);
	}
	return pb_respond_json(r, MHD_HTTP_OK, json_pack("{s:o, s:o, s:o, s:o, s:s}",
		"session", pb_kegiatan_json(&k), "settings", settings, "signer", signer,
		"payees", payees, "centre", r->web->cfg.centre_name));
}

/* POST /api/v1/sessions/{id}/papers (staff, CSRF): some or all settings */
enum MHD_Result pb_handle_papers_set(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	sqlite3 *db = pb_web_db(r->web);
	const char *bad;
	char msg[PB_PAPER_MSG_MAX];
	json_t *in, *settings;

	if (!pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret))
		return ret;
	if (pb_session_load(r, db, r->params[0], &k, &ret) != 0)
		return ret;
	if ((in = pb_body_json(r, &ret)) == NULL)
		return ret;
	if ((bad = pb_paper_settings_check(in, msg, sizeof(msg))) != NULL) {
		json_t *e = json_pack("{s:s, s:s, s:s}", "error", "bad_setting", "message", msg,
				      "field", bad);
		json_decref(in);
		return pb_respond_json(r, MHD_HTTP_BAD_REQUEST, e);
	}
	if (pb_paper_settings_set(db, &k, in, who.name, r->client) != 0) {
		json_decref(in);
		return DB_ERR(r);
	}
	json_decref(in);
	settings = pb_paper_settings(db, k.id, &r->web->cfg);
	if (settings == NULL)
		return DB_ERR(r);
	return pb_respond_json(r, MHD_HTTP_OK, json_pack("{s:o}", "settings", settings));
}
