#include "web.h"

#include "pb_clock.h"
#include "pb_db.h"

/* GET /healthz: 200 when the database answers, 503 when it does not. */
enum MHD_Result pb_handle_health(struct pb_req *r)
{
	sqlite3 *db = pb_web_db(r->web);
	sqlite3_stmt *st = NULL;
	int ok = 0, schema = 0;

	if (db != NULL &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		schema = sqlite3_column_int(st, 0);
		ok = 1;
	}
	sqlite3_finalize(st);
	return pb_respond_json(r, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
		json_pack("{s:s, s:s, s:s, s:i, s:s, s:I}",
			  "status", ok ? "ok" : "error",
			  "version", PB_VERSION,
			  "database", ok ? "ok" : "unavailable",
			  "schema", schema,
			  "centre", r->web->cfg.centre_name,
			  "uptime_s", (json_int_t)((pb_clock_mono_ms() - r->web->started_ms) / 1000)));
}
