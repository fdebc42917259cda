#include "pb_purge.h"

#include "pb_db.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The personal fields of record payloads (text: what a teacher wrote in
 * a worksheet). Totals (amounts, days, JP, counts, decisions, scores) are
 * not personal and stay. */
#define PERSONAL_PATHS "'$.name', '$.nuptk', '$.no_peserta', '$.signature', '$.receipt_photo', " \
		       "'$.photo', '$.phone', '$.school', '$.client', '$.evidence.sha256', " \
		       "'$.text', '$.photos'"

#define HAS_PERSONAL(col) \
	"(json_type(" col ", '$.name') IS NOT NULL OR json_type(" col ", '$.nuptk') IS NOT NULL " \
	"OR json_type(" col ", '$.no_peserta') IS NOT NULL " \
	"OR json_type(" col ", '$.signature') IS NOT NULL OR " \
	"json_type(" col ", '$.receipt_photo') IS NOT NULL OR json_type(" col ", '$.photo') " \
	"IS NOT NULL OR json_type(" col ", '$.phone') IS NOT NULL OR " \
	"json_type(" col ", '$.school') IS NOT NULL OR json_type(" col ", '$.client') IS NOT NULL " \
	"OR json_type(" col ", '$.evidence.sha256') IS NOT NULL OR " \
	"json_type(" col ", '$.text') IS NOT NULL OR json_type(" col ", '$.photos') IS NOT NULL)"

/* The session a record belongs to, by its type (the same table as the
 * hub's hub_session_keys): attendance records name it "session", the
 * record that creates a session "id", anything else "session_id". */
#define SESSION_OF(type, col) \
	"(CASE WHEN " type " = 'attendance.session' THEN json_extract(" col ", '$.id') " \
	"WHEN " type " LIKE 'attendance.%' THEN coalesce(json_extract(" col ", '$.session'), " \
	"json_extract(" col ", '$.session_id')) ELSE json_extract(" col ", '$.session_id') END)"

/* The box's own session (kegiatan) of ?1, and NUPTKs not yet replaced. */
#define KEGIATAN "(SELECT id FROM kegiatan WHERE uid = ?1)"
#define REAL_NUPTK "nuptk GLOB '[0-9]*'"

/* A receipt photo the hub confirmed it holds (pb-sync records it in
 * receipt_upload); only those may leave the box. */
#define CONFIRMED(col) col " IN (SELECT sha256 FROM receipt_upload)"

/* Rules run in order inside one transaction per session; a purge_sql may
 * hold several statements. temp.purge_alias (NUPTK -> alias) is made by
 * attendance.people and used by claims.people after it; pb_purge drops it
 * before each session. */
const struct pb_purge_rule pb_purge_rules[] = {
	{ "outbox.personal", "outbox",
	  "names, NUPTK, No Peserta, signatures and photos inside acknowledged outbox records",
	  "SELECT count(*) FROM outbox WHERE json_valid(payload) AND "
	  SESSION_OF("type", "payload") " = ?1 AND purged_ms = 0 AND " HAS_PERSONAL("payload"),
	  "UPDATE outbox SET payload = json_remove(payload, " PERSONAL_PATHS "), "
	  "purged_ms = ?2 WHERE json_valid(payload) AND "
	  SESSION_OF("type", "payload") " = ?1 AND purged_ms = 0 AND acked = 1 AND "
	  HAS_PERSONAL("payload") },
	/* Each teacher of the session gets an alias '#' + 15 digits (never a
	 * valid NUPTK, so no one can check in with it), the same in the
	 * roster and in every attendance event, so days present and JP per
	 * teacher, counts and walk-ins stay countable. */
	{ "attendance.people", "attendance",
	  "roster and check-ins: NUPTK replaced by an alias, names, schools, NPSN, "
	  "signatures and device addresses removed",
	  "SELECT (SELECT count(*) FROM attendance WHERE kegiatan_id = " KEGIATAN " AND "
	  REAL_NUPTK ") + (SELECT count(*) FROM roster WHERE kegiatan_id = " KEGIATAN " AND "
	  REAL_NUPTK ")",
	  "CREATE TEMP TABLE IF NOT EXISTS purge_alias(nuptk TEXT PRIMARY KEY, alias TEXT NOT NULL);"
	  "DELETE FROM temp.purge_alias;"
	  "INSERT INTO temp.purge_alias(nuptk, alias) SELECT nuptk, "
	  "  printf('#%015d', row_number() OVER (ORDER BY nuptk)) FROM ("
	  "  SELECT nuptk FROM roster WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK
	  "  UNION SELECT nuptk FROM attendance WHERE kegiatan_id = " KEGIATAN " AND "
	  REAL_NUPTK " UNION SELECT nuptk FROM claim WHERE kegiatan_id = " KEGIATAN " AND "
	  REAL_NUPTK ");"
	  "UPDATE attendance SET nuptk = (SELECT alias FROM temp.purge_alias p "
	  "  WHERE p.nuptk = attendance.nuptk), name = '', school = '', signature = NULL, "
	  "  client = '', device = '' WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ";"
	  "UPDATE roster SET nuptk = (SELECT alias FROM temp.purge_alias p "
	  "  WHERE p.nuptk = roster.nuptk), name = '', npsn = '', school = '' "
	  "  WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK },
	/* Claims keep what the daftar nominatif sums (item, day, amounts,
	 * rate, evidence kind, mode, origin kabupaten/kota, every decision)
	 * under the teacher's alias from attendance.people, so totals per
	 * teacher stay. A teacher the attendance rule did not alias (a session
	 * purged before claims had this rule) takes the alias of the check-in
	 * the claim names, else a new one above the session's highest. */
	{ "claims.people", "claim",
	  "claims: NUPTK replaced by the teacher's alias, names, schools, the signed "
	  "statement of real cost (DPR) and device addresses removed",
	  "SELECT count(*) FROM claim WHERE kegiatan_id = " KEGIATAN " AND (" REAL_NUPTK
	  "  OR name != '' OR school != '' OR dpr_signature IS NOT NULL OR client != '')",
	  "CREATE TEMP TABLE IF NOT EXISTS purge_alias(nuptk TEXT PRIMARY KEY, alias TEXT NOT NULL);"
	  "INSERT OR IGNORE INTO temp.purge_alias(nuptk, alias) SELECT nuptk, coalesce("
	  "  (SELECT a.nuptk FROM attendance a WHERE a.id = c.checkin_id AND a.nuptk GLOB '#*'),"
	  "  printf('#%015d', (SELECT coalesce(max(CAST(substr(nuptk, 2) AS INTEGER)), 0) FROM ("
	  "    SELECT nuptk FROM attendance WHERE kegiatan_id = " KEGIATAN " AND nuptk GLOB '#*' "
	  "    UNION SELECT nuptk FROM roster WHERE kegiatan_id = " KEGIATAN
	  "    AND nuptk GLOB '#*')) + row_number() OVER (ORDER BY nuptk))) "
	  "  FROM (SELECT nuptk, min(checkin_id) AS checkin_id FROM claim WHERE kegiatan_id = "
	  KEGIATAN " AND " REAL_NUPTK " AND nuptk NOT IN (SELECT nuptk FROM temp.purge_alias) "
	  "  GROUP BY nuptk) c;"
	  "UPDATE claim SET nuptk = coalesce((SELECT alias FROM temp.purge_alias p "
	  "  WHERE p.nuptk = claim.nuptk), nuptk), name = '', school = '', dpr_signature = NULL, "
	  "  client = '' WHERE kegiatan_id = " KEGIATAN },
	/* The photo of a receipt leaves only once the hub holds it: the
	 * reference is cleared and the file queued in store_purge; pb_purge
	 * deletes it after the commit unless another record still names the
	 * same hash. Type and size stay (what the evidence was). */
	{ "claims.receipts", "claim",
	  "receipt photos the hub holds: the reference, and the file in the content store",
	  "SELECT count(*) FROM claim WHERE kegiatan_id = " KEGIATAN " AND receipt_sha256 IS NOT "
	  "NULL AND " CONFIRMED("receipt_sha256"),
	  "INSERT OR IGNORE INTO store_purge(sha256, size, queued_ms) SELECT receipt_sha256, "
	  "  max(coalesce(receipt_size, 0)), ?2 FROM claim WHERE kegiatan_id = " KEGIATAN
	  "  AND receipt_sha256 IS NOT NULL AND " CONFIRMED("receipt_sha256")
	  "  GROUP BY receipt_sha256;"
	  "UPDATE claim SET receipt_sha256 = NULL WHERE kegiatan_id = " KEGIATAN
	  "  AND receipt_sha256 IS NOT NULL AND " CONFIRMED("receipt_sha256") },
	/* Worksheet photos leave as receipt photos do, once the hub holds
	 * them: the reference goes and the file is queued in store_purge.
	 * Before learning.people, whose submissions the photos name. */
	{ "learning.photos", "learning_photo",
	  "worksheet photos the hub holds: the reference, and the file in the content store",
	  "SELECT count(*) FROM learning_photo WHERE submission IN (SELECT uid FROM "
	  "learning_submission WHERE kegiatan_id = " KEGIATAN ") AND " CONFIRMED("sha256"),
	  "INSERT OR IGNORE INTO store_purge(sha256, size, queued_ms) SELECT sha256, max(size), "
	  "  ?2 FROM learning_photo WHERE submission IN (SELECT uid FROM learning_submission "
	  "  WHERE kegiatan_id = " KEGIATAN ") AND " CONFIRMED("sha256") " GROUP BY sha256;"
	  "DELETE FROM learning_photo WHERE submission IN (SELECT uid FROM learning_submission "
	  "  WHERE kegiatan_id = " KEGIATAN ") AND " CONFIRMED("sha256") },
	/* Test attempts, progress and worksheet reviews keep their scores
	 * under the teacher's alias from attendance.people (every teacher who
	 * took a test checked in); the answers and worksheet texts go. A teacher without an alias (a
	 * session whose attendance was purged before this rule) becomes
	 * '#000000000000000'; rows that would then collide are dropped. */
	{ "learning.people", "learning_attempt",
	  "test answers and worksheet texts removed; attempts, progress and worksheet reviews: "
	  "NUPTK replaced by the teacher's alias",
	  "SELECT (SELECT count(*) FROM learning_attempt WHERE kegiatan_id = " KEGIATAN " AND "
	  REAL_NUPTK ") + (SELECT count(*) FROM learning_answer WHERE attempt_id IN (SELECT id "
	  "FROM learning_attempt WHERE kegiatan_id = " KEGIATAN ")) + (SELECT count(*) FROM "
	  "learning_progress WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ") + (SELECT "
	  "count(*) FROM learning_submission WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ")",
	  "CREATE TEMP TABLE IF NOT EXISTS purge_alias(nuptk TEXT PRIMARY KEY, alias TEXT NOT NULL);"
	  "DELETE FROM learning_answer WHERE attempt_id IN (SELECT id FROM learning_attempt "
	  "  WHERE kegiatan_id = " KEGIATAN ");"
	  "UPDATE OR IGNORE learning_attempt SET nuptk = coalesce((SELECT alias FROM "
	  "  temp.purge_alias p WHERE p.nuptk = learning_attempt.nuptk), '#000000000000000') "
	  "  WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ";"
	  "DELETE FROM learning_attempt WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ";"
	  "UPDATE OR IGNORE learning_progress SET nuptk = coalesce((SELECT alias FROM "
	  "  temp.purge_alias p WHERE p.nuptk = learning_progress.nuptk), '#000000000000000') "
	  "  WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ";"
	  "DELETE FROM learning_progress WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ";"
	  "UPDATE OR IGNORE learning_submission SET text = '', nuptk = coalesce((SELECT alias "
	  "  FROM temp.purge_alias p WHERE p.nuptk = learning_submission.nuptk), "
	  "  '#000000000000000') WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK ";"
	  "DELETE FROM learning_submission WHERE kegiatan_id = " KEGIATAN " AND " REAL_NUPTK },
	{ "attendance.devices", "proxy_allow",
	  "device addresses allowed extra check-ins",
	  "SELECT count(*) FROM proxy_allow WHERE kegiatan_id = " KEGIATAN,
	  "DELETE FROM proxy_allow WHERE kegiatan_id = " KEGIATAN },
	{ "papers.payee", "roster_payee",
	  "the roster's payee details (NIP, rank, position, NPWP, bank account) and the "
	  "accounts teachers gave on the claim page",
	  "SELECT (SELECT count(*) FROM roster_payee WHERE kegiatan_id = " KEGIATAN ") + "
	  "(SELECT count(*) FROM claim_bank WHERE kegiatan_id = " KEGIATAN ")",
	  "DELETE FROM roster_payee WHERE kegiatan_id = " KEGIATAN ";"
	  "DELETE FROM claim_bank WHERE kegiatan_id = " KEGIATAN },
	{ "audit.personal", "audit",
	  "names, NUPTK and signatures quoted in the audit log",
	  "SELECT count(*) FROM audit WHERE json_valid(detail) AND "
	  SESSION_OF("action", "detail") " = ?1 AND " HAS_PERSONAL("detail"),
	  "UPDATE audit SET detail = json_remove(detail, " PERSONAL_PATHS ") WHERE "
	  "json_valid(detail) AND " SESSION_OF("action", "detail") " = ?1 AND "
	  HAS_PERSONAL("detail") },
	{ NULL, NULL, NULL, NULL, NULL },
};

static int table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;

	if ((st = pb_db_stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
				 "name = ?1")) != NULL) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	pb_db_stmt_done(st);
	return yes;
}

/* Run every statement of sql (?1 the session, ?2 now where used). */
static int exec_all(sqlite3 *db, const char *sql, const char *session, int64_t now_ms)
{
	const char *tail = sql;

	while (tail != NULL && *tail != '\0') {
		sqlite3_stmt *st = NULL;
		int step;

		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK)
			return -1;
		if (st == NULL)
			break;                 /* only white space left */
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_int64(st, 2, now_ms);
		step = sqlite3_step(st);
		sqlite3_finalize(st);
		if (step != SQLITE_DONE && step != SQLITE_ROW)
			return -1;
	}
	return 0;
}

/* The rows a rule changes (count_sql), then with purge set the change. */
static int64_t run_rule(sqlite3 *db, const struct pb_purge_rule *r, const char *session,
			int64_t now_ms, int purge)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if ((st = pb_db_stmt(db, r->count_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	pb_db_stmt_done(st);
	if (n > 0 && purge && exec_all(db, r->purge_sql, session, now_ms) != 0)
		return -1;
	return n;
}

static int log_purge(sqlite3 *db, int64_t now_ms, const char *session, const char *rule,
		     int64_t rows)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, "INSERT INTO purge_log(at_ms, session_id, rule, rows) "
				 "VALUES (?1, ?2, ?3, ?4)")) != NULL) {
		sqlite3_bind_int64(st, 1, now_ms);
		sqlite3_bind_text(st, 2, session, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rule, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, rows);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	pb_db_stmt_done(st);
	if (rc == 0) {
		char detail[PB_PURGE_SESSION_MAX + 96];
		snprintf(detail, sizeof(detail), "session %s: %s, %" PRId64 " rows", session,
			 rule, rows);
		if ((st = pb_db_stmt(db, "INSERT INTO audit(at_ms, actor, action, detail) "
					 "VALUES (?1, 'pbctl', 'purge', ?2)")) != NULL) {
			sqlite3_bind_int64(st, 1, now_ms);
			sqlite3_bind_text(st, 2, detail, -1, SQLITE_TRANSIENT);
			rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		}
		pb_db_stmt_done(st);
	}
	return rc;
}

/* One number from a query on the session (?1). */
static int64_t count_of(sqlite3 *db, const char *sql, const char *session, int64_t *second)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if ((st = pb_db_stmt(db, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		if (second != NULL)
			*second = sqlite3_column_int64(st, 1);
	}
	pb_db_stmt_done(st);
	return n;
}

/* The photos a session's records name (receipts, worksheets): hash and
 * size, one row per naming record. */
#define SESSION_PHOTOS \
	"(SELECT receipt_sha256 AS sha, coalesce(receipt_size, 0) AS size FROM claim " \
	"  WHERE kegiatan_id = " KEGIATAN " AND receipt_sha256 IS NOT NULL UNION ALL " \
	"  SELECT p.sha256, p.size FROM learning_photo p JOIN learning_submission s ON " \
	"  s.uid = p.submission WHERE s.kegiatan_id = " KEGIATAN ")"

/* The photo files of a session that would leave the store (the hub holds
 * them, no record outside the session names them), and the photos kept
 * because the hub has not confirmed them yet. */
static int photo_figures(sqlite3 *db, const char *session, int64_t *files, int64_t *bytes,
			 int64_t *held)
{
	*files = count_of(db,
		"SELECT count(*), coalesce(sum(size), 0) FROM (SELECT sha, max(size) AS size FROM "
		SESSION_PHOTOS " WHERE " CONFIRMED("sha") " GROUP BY sha) "
		"  WHERE sha NOT IN (SELECT receipt_sha256 FROM claim "
		"  WHERE receipt_sha256 IS NOT NULL AND kegiatan_id != " KEGIATAN ") "
		"  AND sha NOT IN (SELECT p.sha256 FROM learning_photo p JOIN learning_submission s "
		"  ON s.uid = p.submission WHERE s.kegiatan_id != " KEGIATAN ") "
		"  AND sha NOT IN (SELECT sha256 FROM module_files) "
		"  AND sha NOT IN (SELECT sha256 FROM html5_entry)", session, bytes);
	*held = count_of(db,
		"SELECT count(DISTINCT sha) FROM " SESSION_PHOTOS " WHERE NOT " CONFIRMED("sha"),
		session, NULL);
	return *files < 0 || *held < 0 ? -1 : 0;
}

/* Delete the files queued in store_purge that no record names any more
 * (a claim of another session, a module file or a file of an HTML5
 * lesson may share the hash).
 * Each under the write lock, so pb-web cannot file the same photo again
 * between the check and the unlink. A file that cannot be removed stays
 * queued for the next run. */
static int purge_files(sqlite3 *db, const struct pb_store *store, FILE *out,
		       struct pb_purge_report *rep)
{
	sqlite3_stmt *q = NULL, *ref = NULL, *del = NULL;
	int rc = -1, step;

	if (store == NULL)
		return 0;
	if ((q = pb_db_stmt(db, "SELECT sha256, size FROM store_purge ORDER BY sha256 LIMIT 1")) == NULL ||
	    (ref = pb_db_stmt(db,
			    "SELECT (SELECT count(*) FROM claim WHERE receipt_sha256 = ?1) "
			    "+ (SELECT count(*) FROM module_files WHERE sha256 = ?1) "
			    "+ (SELECT count(*) FROM html5_entry WHERE sha256 = ?1) + (SELECT "
			    "count(*) FROM learning_photo WHERE sha256 = ?1)")) == NULL ||
	    (del = pb_db_stmt(db, "DELETE FROM store_purge WHERE sha256 = ?1")) == NULL)
		goto out;
	for (int i = 0; i < PB_PURGE_FILES_MAX; i++) {
		char sha[PB_SHA256_HEX_LEN + 1];
		int64_t size, refs = -1;
		int gone = 0;

		if (pb_db_begin(db) != 0)
			goto out;
		sqlite3_reset(q);
		step = sqlite3_step(q);
		if (step == SQLITE_DONE) {
			pb_db_rollback(db);
			break;
		}
		if (step != SQLITE_ROW) {
			pb_db_rollback(db);
			goto out;
		}
		snprintf(sha, sizeof(sha), "%s", (const char *)sqlite3_column_text(q, 0));
		size = sqlite3_column_int64(q, 1);
		sqlite3_reset(q);
		sqlite3_reset(ref);
		sqlite3_bind_text(ref, 1, sha, -1, SQLITE_STATIC);
		if (sqlite3_step(ref) == SQLITE_ROW)
			refs = sqlite3_column_int64(ref, 0);
		sqlite3_reset(ref);
		if (refs < 0) {
			pb_db_rollback(db);
			goto out;
		}
		if (refs == 0) {
			int r = pb_store_remove(store, sha);
			if (r < 0) {
				fprintf(out, "cannot remove photo %s from the content store: %s "
					"(kept for the next run)\n", sha, strerror(errno));
				pb_db_rollback(db);
				break;
			}
			gone = r == 0;
		}
		sqlite3_reset(del);
		sqlite3_bind_text(del, 1, sha, -1, SQLITE_STATIC);
		step = sqlite3_step(del);
		sqlite3_reset(del);
		if (step != SQLITE_DONE || pb_db_commit(db) != 0) {
			pb_db_rollback(db);
			goto out;
		}
		if (gone) {
			rep->files++;
			rep->file_bytes += size;
		}
	}
	rc = 0;
out:
	pb_db_stmt_done(q);
	pb_db_stmt_done(ref);
	pb_db_stmt_done(del);
	return rc;
}

int pb_purge_store(sqlite3 *db, const struct pb_store *store, FILE *out,
		   struct pb_purge_report *rep)
{
	return purge_files(db, store, out, rep);
}

/* One session: every rule, in one transaction. */
static int purge_session(sqlite3 *db, const char *session, int64_t now_ms, int dry_run,
			 FILE *out, int64_t *rows, struct pb_purge_report *rep)
{
	int64_t files = 0, bytes = 0, held = 0;

	*rows = 0;
	/* the aliases of another session must not leak into this one */
	if (pb_db_exec(db, "DROP TABLE IF EXISTS temp.purge_alias") != 0)
		return -1;
	if (table_exists(db, "claim") && table_exists(db, "receipt_upload")) {
		if (photo_figures(db, session, &files, &bytes, &held) != 0)
			return -1;
		if (held > 0)
			fprintf(out, "%s session %s: %" PRId64 " photo(s) kept: the hub has "
				"not confirmed them yet\n", dry_run ? "would keep" : "kept", session,
				held);
		rep->held += held;
		if (dry_run && files > 0) {
			fprintf(out, "would purge session %s: photo files — %" PRId64
				" file(s), %" PRId64 " byte(s) leave the content store\n", session,
				files, bytes);
			rep->files += files;
			rep->file_bytes += bytes;
		}
	}
	if (!dry_run && pb_db_begin(db) != 0)
		return -1;
	for (const struct pb_purge_rule *r = pb_purge_rules; r->name != NULL; r++) {
		int64_t n;

		if (!table_exists(db, r->table))
			continue;
		n = run_rule(db, r, session, now_ms, !dry_run);
		if (n < 0 || (!dry_run && n > 0 && log_purge(db, now_ms, session, r->name, n) != 0)) {
			pb_db_rollback(db);
			return -1;
		}
		if (n > 0)
			fprintf(out, "%s session %s: %s — %" PRId64 " row(s): %s\n",
				dry_run ? "would purge" : "purged", session, r->name, n, r->what);
		*rows += n;
	}
	return dry_run ? 0 : pb_db_commit(db);
}

int pb_purge_run(sqlite3 *db, const struct pb_store *store, int64_t now_ms,
		 unsigned retention_days, int dry_run, FILE *out, struct pb_purge_report *rep)
{
	sqlite3_stmt *st = NULL;
	int64_t cutoff = now_ms - (int64_t)retention_days * 86400000;
	char (*sessions)[PB_PURGE_SESSION_MAX + 1] = NULL;
	int n = 0, cap = 0, rc = -1, step;

	memset(rep, 0, sizeof(*rep));
	/* Sessions whose records are all acknowledged, whose last record and
	 * last acknowledgement are older than the retention, and which ended
	 * (start date + days, UTC midnight) longer than the retention ago. The
	 * acknowledgement time guards against records stamped by a clock that
	 * was not set (a Pi without RTC may start in 1970). */
	if ((st = pb_db_stmt(db, "SELECT " SESSION_OF("type", "payload") " AS sid FROM outbox "
				 "WHERE json_valid(payload) AND sid IS NOT NULL "
				 "GROUP BY sid HAVING sum(acked = 0) = 0 AND max(max(wall_ms), max(acked_ms)) < ?1 "
				 "AND coalesce((SELECT strftime('%s', start_date, '+' || days || ' days') * 1000 "
				 "  FROM kegiatan WHERE uid = sid), 0) < ?1 "
				 "ORDER BY sid")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, cutoff);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *sid = sqlite3_column_text(st, 0);
		if (sid == NULL || strlen((const char *)sid) > PB_PURGE_SESSION_MAX)
			continue;
		if (n == cap) {
			int ncap = cap ? cap * 2 : 16;
			void *p = realloc(sessions, (size_t)ncap * sizeof(*sessions));
			if (p == NULL)
				goto out;
			sessions = p;
			cap = ncap;
		}
		snprintf(sessions[n++], PB_PURGE_SESSION_MAX + 1, "%s", (const char *)sid);
	}
	if (step != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	st = NULL;
	for (int i = 0; i < n; i++) {
		int64_t rows;
		if (purge_session(db, sessions[i], now_ms, dry_run, out, &rows, rep) != 0)
			goto out;
		if (rows > 0)
			rep->sessions++;
		rep->rows += rows;
	}
	/* files queued now or by an earlier run that could not finish */
	if (dry_run && table_exists(db, "store_purge")) {
		int64_t bytes = 0, files = count_of(db,
			"SELECT count(*), coalesce(sum(size), 0) FROM store_purge WHERE sha256 NOT IN "
			"(SELECT receipt_sha256 FROM claim WHERE receipt_sha256 IS NOT NULL) AND sha256 "
			"NOT IN (SELECT sha256 FROM module_files) AND sha256 NOT IN "
			"(SELECT sha256 FROM html5_entry)", NULL, &bytes);
		if (files < 0)
			goto out;
		if (files > 0)
			fprintf(out, "would remove %" PRId64 " photo file(s), %" PRId64
				" byte(s) left queued by an earlier purge\n", files, bytes);
		rep->files += files;
		rep->file_bytes += bytes;
	} else if (!dry_run && table_exists(db, "store_purge") &&
		   purge_files(db, store, out, rep) != 0) {
		goto out;
	}
	rc = 0;
out:
	pb_db_stmt_done(st);
	free(sessions);
	return rc;
}
