/* The admin's USB stick and modules (docs/api.md):
 *
 *   GET  /api/v1/admin/usb              the stick, the data partition, the latest job
 *   POST /api/v1/admin/usb/export       queue "Ekspor ke USB" for pb-sync (CSRF)
 *   POST /api/v1/admin/usb/import       queue "Impor dari USB" for pb-sync (CSRF)
 *   GET  /api/v1/admin/modules          installed modules with their sizes
 *   POST /api/v1/admin/modules/remove   {"id"}: remove a module (CSRF)
 *
 * pb-web cannot read the box key: it queues the job (pb_usb) and wakes
 * pb-sync, which does it and writes its progress; the page polls. All
 * routes need an admin login. */
#include "web.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_manifest.h"
#include "pb_modules.h"
#include "pb_usb.h"
#include "pb_wake.h"

#include <stddef.h>
#include <stdlib.h>
#include <sys/statvfs.h>

#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)

/* {"free_bytes","total_bytes"} of the file system holding dir, or null. */
static json_t *space_json(const char *dir)
{
	struct statvfs v;

	if (statvfs(dir, &v) != 0)
		return json_null();
	return json_pack("{s:I, s:I}",
			 "free_bytes", (json_int_t)((int64_t)v.f_bavail * (int64_t)v.f_frsize),
			 "total_bytes", (json_int_t)((int64_t)v.f_blocks * (int64_t)v.f_frsize));
}

static json_t *stick_json(const struct pb_config *cfg)
{
	struct pb_usb_stick st;

	if (pb_usb_stick(cfg->sync_usb_dir, &st) != 0 || !st.present)
		return json_pack("{s:b, s:s}", "present", 0, "dir", cfg->sync_usb_dir);
	return json_pack("{s:b, s:s, s:I, s:I}", "present", 1, "dir", cfg->sync_usb_dir,
			 "free_bytes", (json_int_t)st.free_bytes,
			 "total_bytes", (json_int_t)st.total_bytes);
}

enum MHD_Result pb_handle_admin_usb(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	json_t *job;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 0, &who, &ret))
		return ret;
	job = pb_usb_latest(pb_web_db(r->web));
	if (job == NULL)
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat dibaca");
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:o, s:o, s:o}",
		"stick", stick_json(&r->web->cfg), "data", space_json(r->web->cfg.data_dir),
		"job", job), NULL);
}

static enum MHD_Result usb_request(struct pb_req *r, enum pb_usb_kind kind)
{
	struct pb_usb_stick st;
	struct pb_login who;
	enum MHD_Result ret;
	enum pb_wake_result w;
	sqlite3 *db;
	int64_t id = 0;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	db = pb_web_db(r->web);
	if (pb_usb_stick(r->web->cfg.sync_usb_dir, &st) != 0 || !st.present)
		return ERR(r, MHD_HTTP_CONFLICT, "no_stick", "Tidak ada flashdisk terpasang.");
	switch (pb_usb_request(db, kind, who.name, pb_clock_wall_ms(), &id)) {
	case PB_USB_QUEUED:
		break;
	case PB_USB_BUSY:
		return ERR(r, MHD_HTTP_CONFLICT, "usb_busy",
			   "Pekerjaan flashdisk lain sedang berjalan; tunggu sampai selesai.");
	default:
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat ditulis");
	}
	(void)pb_audit_add(db, who.name, kind == PB_USB_EXPORT ? "usb.export" : "usb.import",
			   "", r->client);
	w = pb_sync_wake(r->web->cfg.data_dir);
	if (w != PB_WAKE_OK) {
		/* nobody would take it: the page must not wait for it */
		(void)pb_usb_finish(db, id, "sync_not_running",
				    "pb-sync tidak berjalan: periksa layanan pb-sync.", "",
				    pb_clock_wall_ms());
		return ERR(r, MHD_HTTP_SERVICE_UNAVAILABLE, "sync_not_running",
			   "pb-sync tidak berjalan: periksa layanan pb-sync");
	}
	return pb_respond_json_with(r, MHD_HTTP_ACCEPTED, json_pack("{s:I, s:s}", "id",
				    (json_int_t)id, "kind", pb_usb_kind_name(kind)), NULL);
}

enum MHD_Result pb_handle_admin_usb_export(struct pb_req *r)
{
	return usb_request(r, PB_USB_EXPORT);
}

enum MHD_Result pb_handle_admin_usb_import(struct pb_req *r)
{
	return usb_request(r, PB_USB_IMPORT);
}

enum MHD_Result pb_handle_admin_modules(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	json_t *list;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 0, &who, &ret))
		return ret;
	list = pb_modules_list(pb_web_db(r->web));
	if (list == NULL)
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat dibaca");
	json_object_set_new(list, "data", space_json(r->web->cfg.data_dir));
	return pb_respond_json_with(r, MHD_HTTP_OK, list, NULL);
}

/* {"id": the module to remove} */
struct remove_form {
	const char *id;
};

static const struct pb_field remove_fields[] = {
	{ .name = "id", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_MODULE_ID_MAX, .offset = offsetof(struct remove_form, id),
	  .bad = { MHD_HTTP_BAD_REQUEST, "bad_module", "Pilih modul yang akan dihapus", "id" } },
};
static const struct pb_fields remove_table = PB_FIELDS(remove_fields);

enum MHD_Result pb_handle_admin_module_remove(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	struct remove_form f = { 0 };
	const char *id;
	char *detail = NULL;
	int64_t uses = 0, freed = 0;
	int audit;
	json_t *audit_doc;
	enum pb_modules_remove m;
	json_t *in;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	if ((in = pb_body_fields(r, &remove_table, &f, &ret)) == NULL)
		return ret;
	id = f.id;
	m = pb_modules_remove(pb_web_db(r->web), &r->web->store, id, pb_clock_wall_ms(),
			      &uses, &freed);
	switch (m) {
	case PB_MODULES_REMOVED:
		break;
	case PB_MODULES_UNKNOWN:
		json_decref(in);
		return ERR(r, MHD_HTTP_NOT_FOUND, "unknown_module", "Modul tidak ada di kotak ini");
	case PB_MODULES_IN_USE:
		json_decref(in);
		return ERR(r, MHD_HTTP_CONFLICT, "module_in_use",
			   "Modul ini dipakai: ada hasil belajar peserta atau mentor yang "
			   "ditugaskan padanya. Modul tidak dihapus.");
	default:
		json_decref(in);
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat ditulis");
	}
	audit_doc = json_pack("{s:s, s:I}", "id", id, "freed", (json_int_t)freed);
	detail = audit_doc != NULL ? json_dumps(audit_doc, JSON_COMPACT) : NULL;
	json_decref(audit_doc);
	audit = detail != NULL ? pb_audit_add(pb_web_db(r->web), who.name, "module.remove",
					      detail, r->client) : -1;
	free(detail);
	if (audit != 0) {
		json_decref(in);
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
			   "Basis data tidak dapat ditulis");
	}
	ret = pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:s, s:I}", "removed", id,
				   "freed_bytes", (json_int_t)freed), NULL);
	json_decref(in);
	return ret;
}
