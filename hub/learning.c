/* The learning loop at the hub: the attempts that boxes send (kept per
 * teacher in learning_attempts by the trigger of schema 40) exported as
 * CSV per teacher, module, session or centre, and each worksheet sending
 * with the photos it names (held in photos once their files arrive);
 * records the hub refused (schema 30) are left out. */
#include "hub.h"

#include <stdio.h>

/* A teacher's NUPTK and No Peserta from a learning record r: its
 * "no_peserta" names a teacher known by a participant number, whose
 * "nuptk" is then the box's key for them, not a NUPTK (records of boxes
 * from before the field: the key stays in the NUPTK column). */
#define PERSON_COLS(nuptk) \
	"CASE WHEN coalesce(r.payload_json->>'no_peserta', '') = '' THEN " nuptk " ELSE '' END, " \
	"coalesce(r.payload_json->>'no_peserta', '')"
/* The export's filter $3: a NUPTK or a No Peserta. */
#define PERSON_IS_3(nuptk) \
	"($3::text IS NULL OR " nuptk " = $3 OR r.payload_json->>'no_peserta' = $3) "

static const char sql_learning[] =
	"SELECT b.centre_id, coalesce(a.session_id, ''), " PERSON_COLS("a.nuptk") ", "
	"a.module_id, a.test_id, "
	"a.kind, a.n, a.score, a.correct, a.total, a.kkm, "
	"CASE WHEN a.passed THEN 'yes' ELSE 'no' END, "
	"CASE WHEN a.timed_out THEN 'yes' ELSE 'no' END, a.finished_ms, a.attempt_id, "
	"a.box_id, a.record_id "
	"FROM learning_attempts a JOIN boxes b USING (box_id) "
	"JOIN records r ON r.box_id = a.box_id AND r.seq = a.seq "
	"WHERE r.refused IS NULL AND ($1::text IS NULL OR b.centre_id = $1) "
	"AND ($2::text IS NULL OR a.session_id = $2) "
	"AND " PERSON_IS_3("a.nuptk")
	"AND ($4::text IS NULL OR a.module_id = $4) "
	"ORDER BY a.nuptk, a.module_id, a.kind DESC, a.test_id, a.n, a.finished_ms";

/* One of the exports below, filtered by centre, session, NUPTK, module. */
static int export(PGconn *pg, const char *sql, const char *head, const char *centre,
		  const char *session, const char *nuptk, const char *module, FILE *out)
{
	const char *params[4] = { centre, session, nuptk, module };
	PGresult *res = PQexecParams(pg, sql, 4, NULL, params, NULL, NULL, 0);

	if (hub_db_ok(res, PGRES_TUPLES_OK, "learning export") != 0) {
		PQclear(res);
		return -1;
	}
	hub_csv_rows(out, head, res, PQnfields(res));
	PQclear(res);
	return 0;
}

int hub_learning_export(PGconn *pg, const char *centre, const char *session,
			const char *nuptk, const char *module, FILE *out)
{
	return export(pg, sql_learning, "centre_id,session_id,nuptk,no_peserta,module_id,"
		      "test_id,kind,attempt,score,correct,total,kkm,passed,timed_out,finished_ms,attempt_id,"
		      "box_id,record_id", centre, session, nuptk, module, out);
}

/* The photos a learning.worksheet record names, as JSON rows {n, sha256}. */
#define WS_PHOTOS "jsonb_array_elements(CASE WHEN jsonb_typeof(r.payload_json->'photos') = " \
		  "'array' THEN r.payload_json->'photos' ELSE '[]'::jsonb END)"

static const char sql_worksheets[] =
	"SELECT b.centre_id, coalesce(r.session_id, ''), "
	PERSON_COLS("r.payload_json->>'nuptk'") ", "
	"r.payload_json->>'module', r.payload_json->>'worksheet', "
	"r.payload_json->>'submission', r.payload_json->>'version', "
	"r.payload_json->>'submitted_ms', "
	"coalesce((SELECT string_agg(e->>'sha256', ' ' ORDER BY e->>'n') FROM " WS_PHOTOS " e), ''), "
	"(SELECT count(*) FROM " WS_PHOTOS " e JOIN photos p ON p.sha256 = e->>'sha256'), "
	"r.box_id, r.id "
	"FROM records r JOIN boxes b USING (box_id) "
	"WHERE r.type = 'learning.worksheet' AND r.refused IS NULL "
	"AND ($1::text IS NULL OR b.centre_id = $1) "
	"AND ($2::text IS NULL OR r.session_id = $2) "
	"AND " PERSON_IS_3("r.payload_json->>'nuptk'")
	"AND ($4::text IS NULL OR r.payload_json->>'module' = $4) "
	"ORDER BY 3, 4, 5, 6, pb_json_bigint(r.payload_json->'version'), r.box_id, r.seq";

int hub_worksheets_export(PGconn *pg, const char *centre, const char *session,
			  const char *nuptk, const char *module, FILE *out)
{
	return export(pg, sql_worksheets, "centre_id,session_id,nuptk,no_peserta,module_id,"
		      "worksheet_id,submission,version,submitted_ms,photos,photos_held,box_id,record_id",
		      centre, session, nuptk, module, out);
}
