/* The admin's view of the uplink and the power supply.
 *
 *   GET  /api/v1/admin/sync       state, last success, pending, bytes, last error
 *   POST /api/v1/admin/sync/now   wake pb-sync at once (CSRF)
 *
 * pb-sync keeps its status in box_meta (sync.*); pb-gpio writes the
 * firmware's throttled flags to box_meta 'power.throttled' (hex). Both
 * routes need an admin login. */
#include "web.h"

#include "pb_audit.h"
#include "pb_db.h"
#include "pb_wake.h"

#include <stdlib.h>
#include <string.h>

#define META_TEXT_MAX 512
#define THROTTLE_UNDERVOLT_NOW    0x1u
#define THROTTLE_THROTTLED_NOW    0x4u
#define THROTTLE_UNDERVOLT_BOOT   0x10000u
#define THROTTLE_THROTTLED_BOOT   0x40000u

/* What each state means, in plain Indonesian words for the page. */
static const struct {
	const char *state;
	const char *message;
} state_words[] = {
	{ "idle", "Semua catatan terkirim; menunggu putaran berikutnya." },
	{ "uploading", "Sedang mengirim catatan ke pusat." },
	{ "offline", "Tidak ada sambungan ke pusat; kotak akan mencoba lagi sendiri." },
	{ "error", "Pengiriman gagal; kotak akan mencoba lagi sendiri." },
	{ "refused", "Pusat menolak kotak ini; perlu tindakan petugas." },
	{ NULL, "pb-sync belum pernah berjalan." },
};

static const char *state_message(const char *state)
{
	int i;

	for (i = 0; state_words[i].state != NULL; i++)
		if (strcmp(state_words[i].state, state) == 0)
			break;
	return state_words[i].message;
}

static json_t *meta_int(sqlite3 *db, const char *key)
{
	char v[32];

	if (pb_db_meta_get(db, key, v, sizeof(v)) != 0 || v[0] == '\0')
		return json_null();
	return json_integer(strtoll(v, NULL, 10));
}

static json_t *meta_text(sqlite3 *db, const char *key)
{
	char v[META_TEXT_MAX];

	if (pb_db_meta_get(db, key, v, sizeof(v)) != 0 || v[0] == '\0')
		return json_null();
	return json_string(v);
}

/* {"flags", "undervoltage_now", "throttled_now", "since_boot", "message"}
 * or null when pb-gpio never wrote the key (not a Pi, or no pb-gpio). */
static json_t *power_json(sqlite3 *db)
{
	char v[32], *end;
	unsigned long f;
	const char *msg;

	if (pb_db_meta_get(db, "power.throttled", v, sizeof(v)) != 0 || v[0] == '\0')
		return json_null();
	f = strtoul(v, &end, 16);
	if (*end != '\0')
		return json_null();
	if (f & (THROTTLE_UNDERVOLT_NOW | THROTTLE_THROTTLED_NOW))
		msg = "Daya listrik kurang sekarang: ganti adaptor atau kabel USB.";
	else if (f & (THROTTLE_UNDERVOLT_BOOT | THROTTLE_THROTTLED_BOOT))
		msg = "Daya listrik sempat kurang sejak kotak menyala: periksa adaptor.";
	else
		msg = "";
	return json_pack("{s:s, s:b, s:b, s:b, s:s}", "flags", v,
			 "undervoltage_now", (f & THROTTLE_UNDERVOLT_NOW) != 0,
			 "throttled_now", (f & THROTTLE_THROTTLED_NOW) != 0,
			 "since_boot", (f & (THROTTLE_UNDERVOLT_BOOT | THROTTLE_THROTTLED_BOOT)) != 0,
			 "message", msg);
}

/* The migrations this program knows that the database does not hold yet,
 * held back while a release is on trial ("188, 189", as pbctl update
 * status names them), or null when none is. */
static json_t *held_json(sqlite3 *db)
{
	char list[META_TEXT_MAX];

	return pb_db_held_migrations(db, 0, list, sizeof(list)) > 0 ? json_string(list) :
		json_null();
}

/* The migrations marked newer only that the commit applied (update.no_return)
 * once one of them is: the root before cannot read the database and
 * rollback refuses. Null before that. */
static json_t *no_return_json(sqlite3 *db)
{
	char list[META_TEXT_MAX];

	if (pb_db_meta_get(db, "update.no_return", list, sizeof(list)) != 0 ||
	    pb_db_any_applied(db, list) != 1)
		return json_null();
	return json_string(list);
}

/* The running version and the software update pb-sync and pbctl update
 * report in box_meta update.* (docs/updates.md); apply_requested while the
 * admin's install request waits to be taken up (admin_update.c). */
static json_t *software_json(struct pb_req *r, sqlite3 *db)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "version", PB_VERSION,
			 "available", meta_text(db, "update.available"),
			 "state", meta_text(db, "update.state"),
			 "pending", meta_text(db, "update.pending"),
			 "error", meta_text(db, "update.error"),
			 "apply_requested", pb_update_apply_requested(&r->web->cfg),
			 "held", held_json(db),
			 "no_return", no_return_json(db));
}

enum MHD_Result pb_handle_admin_sync(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	sqlite3 *db;
	char state[32];
	long long pending, acked;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 0, &who, &ret))
		return ret;
	db = pb_web_db(r->web);
	if (pb_db_meta_get(db, "sync.state", state, sizeof(state)) != 0)
		state[0] = '\0';
	pending = pb_db_count(db, "SELECT count(*) FROM outbox WHERE acked = 0");
	acked = pb_db_count(db, "SELECT count(*) FROM outbox WHERE acked = 1");
	if (pending < 0 || acked < 0)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat dibaca");
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
		"hub", r->web->cfg.sync_hub_url,
		"state", state[0] != '\0' ? state : "never",
		"message", state_message(state),
		"centre", meta_text(db, "sync.centre"),
		"last_success_ms", meta_int(db, "sync.last_success_ms"),
		"pending", (json_int_t)pending, "acknowledged", (json_int_t)acked,
		"bytes_up", meta_int(db, "sync.bytes_up"),
		"bytes_down", meta_int(db, "sync.bytes_down"),
		"last_error", meta_text(db, "sync.last_error"),
		"power", power_json(db),
		"software", software_json(r, db)), NULL);
}

enum MHD_Result pb_handle_admin_sync_now(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	enum pb_wake_result w;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	w = pb_sync_wake(r->web->cfg.data_dir);
	(void)pb_audit_add(pb_web_db(r->web), who.name, "sync.now", pb_wake_strerror(w),
			   r->client);
	if (w == PB_WAKE_NOT_RUNNING)
		return pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "sync_not_running",
					"pb-sync tidak berjalan: periksa layanan pb-sync");
	if (w != PB_WAKE_OK)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "wake_failed",
					"pb-sync tidak dapat dibangunkan");
	return pb_respond_json_with(r, MHD_HTTP_ACCEPTED, json_pack("{s:b}", "woken", 1), NULL);
}
