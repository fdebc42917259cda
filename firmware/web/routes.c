#include "web.h"

/* Every route pb-web answers. Order matters only where patterns overlap:
 * the first match wins. The static web app is the catch-all. Handlers run
 * in the pool (server.c) unless ROUTE_QUICK: mark only those that never
 * wait for a database write, a disk sync or long work. A route with
 * ROUTE_BODY takes a small JSON form, ROUTE_BODY_* more; any other route
 * refuses a body. ROUTE_STAFF / ROUTE_ADMIN mark the POST routes that need
 * a staff login (docs/api.md): a stranger gets 401 before the body. */
const struct pb_http_route pb_routes[] = {
	{ "GET", "/healthz", pb_handle_health, ROUTE_QUICK },
	{ "GET", "/api/v1/modules", pb_handle_modules, ROUTE_QUICK },
	{ "GET", "/api/v1/modules/*", pb_handle_module, ROUTE_QUICK },
	{ "GET", "/f/*/*", pb_handle_file, ROUTE_QUICK | ROUTE_SANDBOX },
	{ "GET", "/h/", pb_handle_lesson, ROUTE_PREFIX | ROUTE_QUICK | ROUTE_SANDBOX },
	{ "GET", "/api/captive", pb_handle_captive_api, ROUTE_QUICK },
	{ "GET", "/portal", pb_handle_portal_page, ROUTE_QUICK },
	{ "GET", "/api/v1/portal", pb_handle_portal_info, ROUTE_QUICK },
	{ "POST", "/api/v1/portal/accept", pb_handle_portal_accept, ROUTE_BODY },
	{ "GET", "/api/v1/admin/wifi", pb_handle_admin_wifi, 0 },
	{ "GET", "/admin/wifi/poster", pb_handle_admin_wifi_poster, 0 },
	{ "GET", "/api/v1/admin/sync", pb_handle_admin_sync, 0 },
	{ "POST", "/api/v1/admin/sync/now", pb_handle_admin_sync_now, ROUTE_BODY | ROUTE_ADMIN },
	{ "POST", "/api/v1/admin/update/apply", pb_handle_admin_update_apply, ROUTE_BODY | ROUTE_ADMIN },
	{ "GET", "/api/v1/admin/usb", pb_handle_admin_usb, 0 },
	{ "POST", "/api/v1/admin/usb/export", pb_handle_admin_usb_export, ROUTE_BODY | ROUTE_ADMIN },
	{ "POST", "/api/v1/admin/usb/import", pb_handle_admin_usb_import, ROUTE_BODY | ROUTE_ADMIN },
	{ "GET", "/api/v1/admin/modules", pb_handle_admin_modules, 0 },
	{ "POST", "/api/v1/admin/modules/remove", pb_handle_admin_module_remove, ROUTE_BODY | ROUTE_ADMIN },
	{ "GET", "/api/v1/admin/mentors", pb_handle_admin_mentors, 0 },
	{ "POST", "/api/v1/admin/mentors/assign", pb_handle_admin_mentor_assign, ROUTE_BODY | ROUTE_ADMIN },
	{ "POST", "/api/v1/login", pb_handle_login, ROUTE_BODY },
	{ "POST", "/api/v1/logout", pb_handle_logout, ROUTE_BODY | ROUTE_LOGIN },
	{ "GET", "/api/v1/me", pb_handle_me, 0 },
	{ "POST", "/api/v1/clock", pb_handle_clock, ROUTE_BODY | ROUTE_STAFF },
	{ "GET", "/api/v1/sessions", pb_handle_sessions_list, 0 },
	{ "POST", "/api/v1/sessions", pb_handle_session_create, ROUTE_BODY_SIGNED | ROUTE_STAFF },
	{ "GET", "/api/v1/sessions/*", pb_handle_session_get, 0 },
	{ "POST", "/api/v1/sessions/*/roster", pb_handle_roster, ROUTE_BODY_FILE | ROUTE_STAFF },
	{ "GET", "/api/v1/sessions/*/code", pb_handle_code, 0 },
	{ "GET", "/api/v1/sessions/*/qr.svg", pb_handle_session_qr, 0 },
	{ "GET", "/api/v1/sessions/*/attendance", pb_handle_attendance, 0 },
	{ "GET", "/api/v1/sessions/*/attendance.csv", pb_handle_attendance_csv, 0 },
	{ "GET", "/api/v1/sessions/*/jp.csv", pb_handle_jp_csv, 0 },
	{ "POST", "/api/v1/sessions/*/marks", pb_handle_mark, ROUTE_BODY | ROUTE_STAFF },
	{ "POST", "/api/v1/sessions/*/lock", pb_handle_lock, ROUTE_BODY | ROUTE_STAFF },
	{ "POST", "/api/v1/sessions/*/unlock", pb_handle_unlock, ROUTE_BODY | ROUTE_ADMIN },
	{ "POST", "/api/v1/sessions/*/allow", pb_handle_allow, ROUTE_BODY | ROUTE_STAFF },
	{ "POST", "/api/v1/checkin/lookup", pb_handle_checkin_lookup, ROUTE_BODY },
	{ "POST", "/api/v1/checkin", pb_handle_checkin, ROUTE_BODY_SIGNED },
	{ "GET", "/api/v1/attendance/*/signature.svg", pb_handle_signature, 0 },
	{ "POST", "/api/v1/claims", pb_handle_claim_submit, ROUTE_BODY_RECEIPT },
	{ "GET", "/api/v1/claims", pb_handle_claims_teacher, 0 },
	{ "GET", "/api/v1/claims/options", pb_handle_claim_options, 0 },
	{ "POST", "/api/v1/claims/proof", pb_handle_claim_proof, ROUTE_BODY },
	{ "POST", "/api/v1/claims/bank", pb_handle_claim_bank, ROUTE_BODY },
	{ "POST", "/api/v1/claims/*/decision", pb_handle_claim_decision, ROUTE_BODY | ROUTE_STAFF },
	{ "POST", "/api/v1/claims/*/withdraw", pb_handle_claim_withdraw, ROUTE_BODY },
	{ "GET", "/api/v1/claims/*/receipt", pb_handle_claim_receipt, 0 },
	{ "GET", "/api/v1/claims/*/signature.svg", pb_handle_claim_signature, 0 },
	{ "GET", "/api/v1/sessions/*/claims", pb_handle_session_claims, 0 },
	{ "GET", "/api/v1/sessions/*/claims.csv", pb_handle_session_claims_csv, 0 },
	{ "POST", "/api/v1/sessions/*/claims/decisions", pb_handle_claim_bulk, ROUTE_BODY_SIGNED | ROUTE_STAFF },
	{ "POST", "/api/v1/sessions/*/claim-settings", pb_handle_claim_settings, ROUTE_BODY | ROUTE_STAFF },
	{ "GET", "/api/v1/sessions/*/claims.xlsx", pb_handle_claims_xlsx, 0 },
	{ "GET", "/api/v1/sessions/*/attendance.xlsx", pb_handle_attendance_xlsx, 0 },
	{ "GET", "/api/v1/sessions/*/jp.xlsx", pb_handle_jp_xlsx, 0 },
	{ "GET", "/api/v1/sessions/*/papers", pb_handle_papers, 0 },
	{ "POST", "/api/v1/sessions/*/papers", pb_handle_papers_set, ROUTE_BODY | ROUTE_STAFF },
	{ "POST", "/api/v1/rates", pb_handle_rates, ROUTE_BODY_FILE | ROUTE_ADMIN },
	{ "GET", "/api/v1/learning/modules/*", pb_handle_learning_module, 0 },
	{ "POST", "/api/v1/learning/modules/*/progress", pb_handle_learning_progress, ROUTE_BODY },
	{ "POST", "/api/v1/learning/attempts", pb_handle_learning_start, ROUTE_BODY },
	{ "GET", "/api/v1/learning/attempts/*", pb_handle_learning_attempt, 0 },
	{ "POST", "/api/v1/learning/attempts/*/answers", pb_handle_learning_answer, ROUTE_BODY },
	{ "POST", "/api/v1/learning/attempts/*/finish", pb_handle_learning_finish, ROUTE_BODY },
	{ "GET", "/api/v1/sessions/*/learning", pb_handle_learning_results, 0 },
	{ "GET", "/api/v1/sessions/*/learning.csv", pb_handle_learning_results_csv, 0 },
	{ "GET", "/api/v1/sessions/*/learning.xlsx", pb_handle_learning_xlsx, 0 },
	{ "POST", "/api/v1/learning/worksheets", pb_handle_learning_submit, ROUTE_BODY_WORKSHEET },
	{ "GET", "/api/v1/learning/worksheets/*/photos/*", pb_handle_learning_photo, 0 },
	{ "GET", "/api/v1/sessions/*/worksheets", pb_handle_learning_queue, 0 },
	{ "GET", "/api/v1/worksheets", pb_handle_learning_queue_all, 0 },
	{ "POST", "/api/v1/sessions/*/worksheets/*/review", pb_handle_learning_review, ROUTE_BODY | ROUTE_LOGIN },
	{ "GET", "/", pb_handle_static, ROUTE_PREFIX | ROUTE_QUICK },
	{ NULL, NULL, NULL, 0 },
};

/* The tables pb-web answers, in order (pb_http_route_find). */
pb_http_routes pb_web_routes = { pb_routes, NULL };

size_t pb_route_body_max(const struct pb_http_route *rt, const struct pb_config *cfg)
{
	size_t receipt_b64 = ((size_t)cfg->receipt_max_bytes + 2) / 3 * 4;

	if (rt == NULL || !(rt->flags & ROUTE_BODY))
		return 0;
	if ((rt->flags & ROUTE_BODY_FILE) == ROUTE_BODY_FILE)
		return cfg->max_body_bytes;
	if ((rt->flags & ROUTE_BODY_RECEIPT) == ROUTE_BODY_RECEIPT)
		return receipt_b64 + PB_WEB_SIGNED_BODY_MAX;
	if ((rt->flags & ROUTE_BODY_WORKSHEET) == ROUTE_BODY_WORKSHEET)
		return receipt_b64 * cfg->worksheet_photos_max + PB_WEB_SIGNED_BODY_MAX;
	if ((rt->flags & ROUTE_BODY_SIGNED) == ROUTE_BODY_SIGNED)
		return PB_WEB_SIGNED_BODY_MAX;
	return PB_WEB_JSON_BODY_MAX;
}
