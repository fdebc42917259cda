/* The admin asks the box to install the release pb-sync downloaded.
 *
 *   POST /api/v1/admin/update/apply   (admin, CSRF)
 *
 * pb-web runs without privileges and cannot install anything: it only
 * creates the request file [update] apply_request. On the image,
 * pb-update-apply.path sees it and pb-update-apply.service (root) removes
 * it and runs pbctl update apply, which reboots into the release on trial
 * or records why it did not in box_meta update.state / update.error, which
 * GET /api/v1/admin/sync shows (docs/updates.md). Refused (409) while no
 * release is ready, while a session day is open and not locked (the same
 * rule apply keeps), and while an install is already asked for or runs. */
#include "web.h"

#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_db.h"
#include "pb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define UPDATE_VERSION_MAX 64

/* 1 while the request file is there (asked for, not yet taken up). */
int pb_update_apply_requested(const struct pb_config *cfg)
{
	return access(cfg->update_apply_request, F_OK) == 0;
}

/* 409 naming the sessions whose day is open (the page lists them). */
static enum MHD_Result day_open(struct pb_req *r, json_t *days)
{
	json_t *o = pb_http_error_object("update_day_open", pb_msg(r, "update_day_open",
		"Hari kegiatan masih terbuka: fasilitator harus menutup atau mengunci hari itu "
		"dulu, baru pembaruan dapat dipasang"));

	if (o == NULL || json_object_set_new(o, "lang",
			json_string(pb_msg_lang(r, "update_day_open"))) != 0 ||
	    json_object_set(o, "sessions", days) != 0) {
		json_decref(o);
		return MHD_NO;
	}
	return pb_respond_json(r, MHD_HTTP_CONFLICT, o);
}

/* Create the request file, holding the version asked for: 0, 1 when it
 * exists already, -1 (errno) otherwise. */
static int request(const char *path, const char *version)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
	char line[UPDATE_VERSION_MAX + 2];
	int n, rc = 0;

	if (fd < 0)
		return errno == EEXIST ? 1 : -1;
	n = snprintf(line, sizeof(line), "%s\n", version);
	if (write(fd, line, (size_t)n) != n)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

enum MHD_Result pb_handle_admin_update_apply(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	sqlite3 *db;
	char state[32], version[UPDATE_VERSION_MAX], today[PB_DAY_LEN + 1];
	json_t *days;
	int rc;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	db = pb_web_db(r->web);
	if (pb_db_meta_get(db, "update.state", state, sizeof(state)) != 0)
		state[0] = '\0';
	if (pb_db_meta_get(db, "update.available", version, sizeof(version)) != 0)
		version[0] = '\0';
	if (pb_update_apply_requested(&r->web->cfg) || strcmp(state, "installing") == 0 ||
	    strcmp(state, "installed") == 0)
		return pb_respond_error(r, MHD_HTTP_CONFLICT, "update_requested",
					"Pemasangan sudah diminta dan sedang berjalan");
	if (strcmp(state, "ready") != 0 || version[0] == '\0')
		return pb_respond_error(r, MHD_HTTP_CONFLICT, "update_not_ready",
					"Belum ada versi baru yang sudah diunduh dan diperiksa");
	pb_att_today(today);
	if ((days = pb_att_open_days(db, today)) == NULL)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat dibaca");
	if (json_array_size(days) > 0) {
		ret = day_open(r, days);
		json_decref(days);
		return ret;
	}
	json_decref(days);
	rc = request(r->web->cfg.update_apply_request, version);
	if (rc == 1)
		return pb_respond_error(r, MHD_HTTP_CONFLICT, "update_requested",
					"Pemasangan sudah diminta dan sedang berjalan");
	if (rc != 0) {
		pb_err("cannot create %s: %s", r->web->cfg.update_apply_request, strerror(errno));
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "update_request_failed",
					"Permintaan pemasangan tidak dapat dibuat: hubungi teknisi");
	}
	(void)pb_audit_add(db, who.name, "update.apply", version, r->client);
	return pb_respond_json_with(r, MHD_HTTP_ACCEPTED,
				    json_pack("{s:b, s:s}", "requested", 1, "version", version), NULL);
}
