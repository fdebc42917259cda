/* Mentors for the admin: GET /api/v1/admin/mentors lists the mentor
 * accounts with what each is assigned to; POST
 * /api/v1/admin/mentors/assign {user, session | module, remove?} assigns
 * one to a session or a module, or takes it back (pb_mentor, like pbctl
 * user assign). Accounts themselves are made with pbctl user add. */
#include "web.h"

#include "pb_audit.h"
#include "pb_manifest.h"
#include "pb_mentor.h"
#include "pb_staff.h"

#include <stdio.h>

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)

enum MHD_Result pb_handle_admin_mentors(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	json_t *list;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 0, &who, &ret))
		return ret;
	list = pb_mentor_list(pb_web_db(r->web));
	if (list == NULL)
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat dibaca");
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:o}", "mentors", list), NULL);
}

/* What a refused assignment answers, per pb_mentor result. */
static const struct {
	enum pb_mentor_result m;
	unsigned status;
	const char *code;
	const char *message;
} refusals[] = {
	{ PB_MENTOR_NO_ACCOUNT, MHD_HTTP_NOT_FOUND, "no_account", "Akun tidak ditemukan" },
	{ PB_MENTOR_NOT_MENTOR, MHD_HTTP_CONFLICT, "not_mentor", "Akun ini bukan akun mentor" },
	{ PB_MENTOR_NO_SESSION, MHD_HTTP_NOT_FOUND, "no_session", "Kegiatan tidak ditemukan" },
	{ PB_MENTOR_NO_MODULE, MHD_HTTP_NOT_FOUND, "no_module", "Modul tidak ditemukan" },
	{ PB_MENTOR_TOO_MANY, MHD_HTTP_CONFLICT, "too_many_assignments",
	  "Mentor ini sudah mendapat terlalu banyak tugas" },
	{ PB_MENTOR_NOT_ASSIGNED, MHD_HTTP_NOT_FOUND, "not_assigned",
	  "Mentor tidak ditugaskan ke kegiatan atau modul ini" },
};

static enum MHD_Result assign_refused(struct pb_req *r, enum pb_mentor_result m)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].m == m)
			return ERR(r, refusals[i].status, refusals[i].code, refusals[i].message);
	return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", "Basis data tidak dapat ditulis");
}

/* POST /api/v1/admin/mentors/assign {user, session: id | module: slug,
 * remove?: true} (admin + CSRF) */
enum MHD_Result pb_handle_admin_mentor_assign(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	enum pb_mentor_result m;
	const json_t *sid;
	const char *user, *module;
	char detail[160];
	int remove;
	json_t *in;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	if ((in = pb_body_json(r, &ret)) == NULL)
		return ret;
	user = json_string_value(json_object_get(in, "user"));
	sid = json_object_get(in, "session");
	module = json_string_value(json_object_get(in, "module"));
	remove = json_is_true(json_object_get(in, "remove"));
	if (user == NULL || !pb_staff_name_valid(user) ||
	    (json_is_integer(sid) == (module != NULL)) ||
	    (sid != NULL && !json_is_integer(sid)) ||
	    (json_is_integer(sid) && json_integer_value(sid) <= 0) ||
	    (module != NULL && (module[0] == '\0' || strlen(module) > PB_MODULE_ID_MAX))) {
		json_decref(in);
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_assignment",
			   "Isi nama akun mentor, dan kegiatan (nomor) atau modul, salah satu");
	}
	m = pb_mentor_assign(pb_web_db(r->web), user, json_is_integer(sid) ?
			     (int64_t)json_integer_value(sid) : 0, module, remove);
	if (m != PB_MENTOR_OK) {
		json_decref(in);
		return assign_refused(r, m);
	}
	if (json_is_integer(sid))
		snprintf(detail, sizeof(detail), "{\"user\":\"%s\",\"session\":%lld,\"remove\":%s}",
			 user, (long long)json_integer_value(sid), remove ? "true" : "false");
	else
		snprintf(detail, sizeof(detail), "{\"user\":\"%s\",\"module\":\"%s\",\"remove\":%s}",
			 user, module, remove ? "true" : "false");
	json_decref(in);
	if (pb_audit_add(pb_web_db(r->web), who.name, "mentor.assign", detail, r->client) != 0)
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat ditulis");
	return pb_handle_admin_mentors(r);
}
