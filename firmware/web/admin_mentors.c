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

/* An assignment: the mentor's login, and a session or a module (one of
 * them: checked after the table, with the same answer). A module or
 * remove of another type is as if absent. */
struct assign_form {
	const char *user;
	json_int_t session;             /* 0: none */
	const char *module;
	int remove;
};

#define ASSIGN_ERROR { MHD_HTTP_BAD_REQUEST, "bad_assignment", \
	"Isi nama akun mentor, dan kegiatan (nomor) atau modul, salah satu", NULL }
static const struct pb_field assign_fields[] = {
	{ .name = "user", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .valid = pb_staff_name_valid,
	  .offset = offsetof(struct assign_form, user), .bad = ASSIGN_ERROR },
	{ .name = "session", .type = PB_FT_INT, .min = 1, .max = PB_FIELD_INT_MAX,
	  .offset = offsetof(struct assign_form, session), .bad = ASSIGN_ERROR },
	{ .name = "module", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT, .min = 1,
	  .max = PB_MODULE_ID_MAX, .offset = offsetof(struct assign_form, module),
	  .bad = ASSIGN_ERROR },
	{ .name = "remove", .type = PB_FT_BOOL, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct assign_form, remove) },
};
static const struct pb_fields assign_table = PB_FIELDS(assign_fields);

/* POST /api/v1/admin/mentors/assign {user, session: id | module: slug,
 * remove?: true} (admin + CSRF) */
enum MHD_Result pb_handle_admin_mentor_assign(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	enum pb_mentor_result m;
	struct assign_form f = { 0 };
	char detail[160];
	json_t *in;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	if ((in = pb_body_fields(r, &assign_table, &f, &ret)) == NULL)
		return ret;
	if ((f.session != 0) == (f.module != NULL)) {
		json_decref(in);
		return pb_respond_field(r, &assign_fields[0].bad);
	}
	m = pb_mentor_assign(pb_web_db(r->web), f.user, f.session, f.module, f.remove);
	if (m != PB_MENTOR_OK) {
		json_decref(in);
		return assign_refused(r, m);
	}
	if (f.session != 0)
		snprintf(detail, sizeof(detail), "{\"user\":\"%s\",\"session\":%lld,\"remove\":%s}",
			 f.user, (long long)f.session, f.remove ? "true" : "false");
	else
		snprintf(detail, sizeof(detail), "{\"user\":\"%s\",\"module\":\"%s\",\"remove\":%s}",
			 f.user, f.module, f.remove ? "true" : "false");
	json_decref(in);
	if (pb_audit_add(pb_web_db(r->web), who.name, "mentor.assign", detail, r->client) != 0)
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat ditulis");
	return pb_handle_admin_mentors(r);
}
