/* box.health reports (docs/hub.md#box-health): taken from the stored
 * records at ingest into box_health (history) and box_health_latest, and
 * shown with flags in the office's box list. */
#include "hub.h"

#include "pb_release.h"
#include "pb_throttled.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HEALTH_TEXT(k, n) "CASE WHEN jsonb_typeof(p->'" k "') = 'string' " \
	"THEN left(p->>'" k "', " #n ") END"

int hub_health_ingest(PGconn *pg, const char *box, const char *lo, const char *hi)
{
	const char *params[3] = { box, lo, hi };
	PGresult *res = PQexecParams(pg,
		"WITH kept AS (INSERT INTO box_health(box_id, seq, wall_ms, clock_source, version, "
		"uptime_s, boot_count, free_bytes, total_bytes, written_bytes, throttled, phones, "
		"backlog, last_error, last_error_ms) "
		"SELECT box_id, seq, wall_ms, clock_source, "
		HEALTH_TEXT("v", 32) ", pb_json_bigint(p->'up'), pb_json_bigint(p->'boot'), "
		"pb_json_bigint(p->'df'), pb_json_bigint(p->'dt'), pb_json_bigint(p->'wr'), "
		"pb_json_bigint(p->'thr'), pb_json_bigint(p->'ph'), pb_json_bigint(p->'bl'), "
		HEALTH_TEXT("err", 200) ", pb_json_bigint(p->'et') "
		"FROM (SELECT box_id, seq, wall_ms, clock_source, payload_json AS p FROM records "
		"WHERE box_id = $1 AND seq BETWEEN $2 AND $3 AND type = '" HUB_HEALTH_TYPE "' "
		"AND refused IS NULL AND jsonb_typeof(payload_json) = 'object') r "
		"ON CONFLICT DO NOTHING RETURNING box_id, seq) "
		"INSERT INTO box_health_latest(box_id, seq) SELECT box_id, max(seq) FROM kept "
		"GROUP BY box_id ON CONFLICT (box_id) DO UPDATE SET seq = excluded.seq "
		"WHERE box_health_latest.seq < excluded.seq", 3, NULL, params, NULL, NULL, 0);
	int rc = hub_db_ok(res, PGRES_COMMAND_OK, "ingest: box.health");

	PQclear(res);
	return rc;
}

int hub_version_cmp(const char *a, const char *b)
{
	return pb_release_version_cmp(a, b);
}

static int version_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > HUB_HEALTH_VERSION_MAX || v[0] < '0' || v[0] > '9')
		return 0;
	return strspn(v, "0123456789.") == n;
}

static int arg_uint(struct pb_req *r, const char *name, unsigned lo, unsigned hi,
		    unsigned *out)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	char *end;
	unsigned long x;

	if (v == NULL)
		return 0;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || x < lo || x > hi)
		return -1;
	*out = (unsigned)x;
	return 0;
}

int hub_health_opts_parse(struct pb_req *r, struct hub_health_opts *o)
{
	const char *mv = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
						     "min_version");

	memset(o, 0, sizeof(*o));
	o->silent_days = HUB_HEALTH_SILENT_DAYS;
	o->low_disk_mb = HUB_HEALTH_LOW_DISK_MB;
	if (arg_uint(r, "silent_days", 1, HUB_HEALTH_SILENT_DAYS_MAX, &o->silent_days) != 0 ||
	    arg_uint(r, "low_disk_mb", 0, HUB_HEALTH_LOW_DISK_MB_MAX, &o->low_disk_mb) != 0)
		return -1;
	if (mv != NULL) {
		if (!version_ok(mv))
			return -1;
		snprintf(o->min_version, sizeof(o->min_version), "%s", mv);
	}
	return 0;
}

static json_t *int_or_null(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? json_null() :
	       json_integer((json_int_t)strtoll(PQgetvalue(res, row, c), NULL, 10));
}

/* Columns of the query below, from 3 on as in the report. */
enum { C_BOX, C_QUIET, C_REVOKED, C_RECEIVED, C_WALL, C_CLOCK, C_VERSION, C_UP, C_BOOTS,
       C_FREE, C_TOTAL, C_WRITTEN, C_THROTTLED, C_PHONES, C_BACKLOG, C_ERR, C_ERRAT };

/* The report's fields in the office's answer, by column. */
static const struct {
	const char *name;
	int col;
	int is_int;
} report_fields[] = {
	{ "received_at", C_RECEIVED, 0 }, { "reported_at", C_WALL, 0 },
	{ "clock_source", C_CLOCK, 0 },   { "version", C_VERSION, 0 },
	{ "uptime_s", C_UP, 1 },          { "boot_count", C_BOOTS, 1 },
	{ "free_bytes", C_FREE, 1 },      { "total_bytes", C_TOTAL, 1 },
	{ "written_bytes", C_WRITTEN, 1 },{ "throttled", C_THROTTLED, 1 },
	{ "phones", C_PHONES, 1 },        { "backlog", C_BACKLOG, 1 },
	{ "last_error", C_ERR, 0 },       { "last_error_at", C_ERRAT, 0 },
};

static json_t *report_json(PGresult *res, int i)
{
	json_t *o;

	if (PQgetisnull(res, i, C_RECEIVED))
		return json_null();
	o = json_object();
	for (size_t k = 0; o != NULL && k < sizeof(report_fields) / sizeof(report_fields[0]); k++)
		json_object_set_new(o, report_fields[k].name, report_fields[k].is_int ?
				    int_or_null(res, i, report_fields[k].col) :
				    hub_db_text(res, i, report_fields[k].col));
	return o;
}

static json_t *flags_of(PGresult *res, int i, const struct hub_health_opts *o,
			const char *min_version)
{
	json_t *f = json_array();
	long long quiet = strtoll(PQgetvalue(res, i, C_QUIET), NULL, 10);

	if (f == NULL || PQgetvalue(res, i, C_REVOKED)[0] == 't')
		return f;                        /* a revoked box is meant to be quiet */
	if (quiet > (long long)o->silent_days * 86400)
		json_array_append_new(f, json_string("silent"));
	if (!PQgetisnull(res, i, C_FREE) &&
	    strtoll(PQgetvalue(res, i, C_FREE), NULL, 10) <
	    (long long)o->low_disk_mb * 1024 * 1024)
		json_array_append_new(f, json_string("low_disk"));
	if (!PQgetisnull(res, i, C_THROTTLED) &&
	    (strtoll(PQgetvalue(res, i, C_THROTTLED), NULL, 10) & (long long)(PB_THROTTLED_UNDERVOLT_NOW | PB_THROTTLED_UNDERVOLT_SEEN)))
		json_array_append_new(f, json_string("under_voltage"));
	if (!PQgetisnull(res, i, C_VERSION) && min_version[0] != '\0' &&
	    hub_version_cmp(PQgetvalue(res, i, C_VERSION), min_version) < 0)
		json_array_append_new(f, json_string("old_version"));
	return f;
}

int hub_health_attach(PGconn *pg, json_t *boxes, const struct hub_health_opts *o,
		      json_t **thresholds)
{
	char min_version[HUB_HEALTH_VERSION_MAX + 1];
	PGresult *res = PQexec(pg,
		"SELECT b.box_id, extract(epoch FROM now() - coalesce(h.received_at, "
		"b.last_upload_at, b.enrolled_at))::bigint, b.revoked_at IS NOT NULL, "
		"to_char(h.received_at AT TIME ZONE 'UTC', " HUB_SQL_ISO "), "
		HUB_SQL_MS_ISO("h.wall_ms") ", "
		"h.clock_source, h.version, h.uptime_s, h.boot_count, h.free_bytes, "
		"h.total_bytes, h.written_bytes, h.throttled, h.phones, h.backlog, h.last_error, "
		HUB_SQL_MS_ISO("h.last_error_ms") " "
		"FROM boxes b LEFT JOIN box_health_latest l USING (box_id) "
		"LEFT JOIN box_health h ON h.box_id = l.box_id AND h.seq = l.seq");
	size_t k;
	json_t *b;

	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: box health") != 0) {
		PQclear(res);
		return -1;
	}
	/* without min_version: the newest version any box reported */
	snprintf(min_version, sizeof(min_version), "%s", o->min_version);
	if (min_version[0] == '\0')
		for (int i = 0; i < PQntuples(res); i++)
			if (!PQgetisnull(res, i, C_VERSION) && version_ok(PQgetvalue(res, i, C_VERSION)) &&
			    hub_version_cmp(PQgetvalue(res, i, C_VERSION), min_version) > 0)
				snprintf(min_version, sizeof(min_version), "%s",
					 PQgetvalue(res, i, C_VERSION));
	json_array_foreach(boxes, k, b) {
		const char *id = json_string_value(json_object_get(b, "box_id"));

		for (int i = 0; id != NULL && i < PQntuples(res); i++) {
			if (strcmp(PQgetvalue(res, i, C_BOX), id) != 0)
				continue;
			json_object_set_new(b, "health", report_json(res, i));
			json_object_set_new(b, "quiet_s", int_or_null(res, i, C_QUIET));
			json_object_set_new(b, "flags", flags_of(res, i, o, min_version));
			break;
		}
	}
	PQclear(res);
	*thresholds = json_pack("{sI sI ss}", "silent_days", (json_int_t)o->silent_days,
				"low_disk_mb", (json_int_t)o->low_disk_mb,
				"min_version", min_version);
	return *thresholds != NULL ? 0 : -1;
}
