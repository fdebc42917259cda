#include "pb_modules.h"

#include "pb_db.h"
#include "pb_purge.h"

#include <stdio.h>
#include <string.h>

/* What depends on a module: the results of any session and the mentors
 * assigned to it (both would lose their tests' definitions). */
#define USES_OF(m) \
	"(SELECT count(*) FROM learning_attempt WHERE module_id = " m ") + " \
	"(SELECT count(*) FROM learning_progress WHERE module_id = " m ") + " \
	"(SELECT count(*) FROM learning_submission WHERE module_id = " m ") + " \
	"(SELECT count(*) FROM mentor_assignment WHERE module_id = " m ")"

json_t *pb_modules_list(sqlite3 *db)
{
	sqlite3_stmt *q = NULL;
	json_t *arr = json_array(), *res = NULL;
	int64_t total = 0;
	int step, n = 0;

	if (arr == NULL || sqlite3_prepare_v2(db,
		"SELECT m.id, m.title, m.kk, m.subject, "
		"  (SELECT count(*) FROM module_files f WHERE f.module_id = m.id), "
		"  (SELECT coalesce(sum(f.size), 0) FROM module_files f WHERE f.module_id = m.id) + "
		"  (SELECT coalesce(sum(e.size), 0) FROM html5_entry e WHERE e.zip_sha256 IN "
		"    (SELECT f.sha256 FROM module_files f WHERE f.module_id = m.id)), "
		"  " USES_OF("m.id") " "
		"FROM modules m ORDER BY m.kk, m.title, m.id LIMIT ?1", -1, &q, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int(q, 1, PB_MODULES_LIST_MAX);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t bytes = sqlite3_column_int64(q, 5);

		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
			"id", (const char *)sqlite3_column_text(q, 0),
			"title", (const char *)sqlite3_column_text(q, 1),
			"kk", (const char *)sqlite3_column_text(q, 2),
			"subject", (const char *)sqlite3_column_text(q, 3),
			"files", (json_int_t)sqlite3_column_int64(q, 4),
			"bytes", (json_int_t)bytes,
			"uses", (json_int_t)sqlite3_column_int64(q, 6))) != 0)
			goto out;
		total += bytes;
		n++;
	}
	if (step != SQLITE_DONE)
		goto out;
	res = json_pack("{s:O, s:I, s:i}", "modules", arr, "bytes", (json_int_t)total,
			"count", n);
out:
	sqlite3_finalize(q);
	json_decref(arr);
	return res;
}

/* The removal, in order, ?1 the module, ?2 the time: files queued for the
 * store's purge (pb_purge deletes only what nothing names any more), the
 * lessons' indexes no other module's zip keeps, then the module. */
static const char *const remove_sql[] = {
	"INSERT OR IGNORE INTO store_purge(sha256, size, queued_ms) SELECT sha256, max(size), ?2 "
	"FROM module_files WHERE module_id = ?1 GROUP BY sha256",
	"INSERT OR IGNORE INTO store_purge(sha256, size, queued_ms) SELECT e.sha256, "
	"max(e.size), ?2 FROM html5_entry e WHERE e.zip_sha256 IN (SELECT sha256 FROM "
	"module_files WHERE module_id = ?1) AND e.zip_sha256 NOT IN (SELECT sha256 FROM "
	"module_files WHERE module_id != ?1) GROUP BY e.sha256",
	"DELETE FROM html5_entry WHERE zip_sha256 IN (SELECT sha256 FROM module_files WHERE "
	"module_id = ?1) AND zip_sha256 NOT IN (SELECT sha256 FROM module_files WHERE "
	"module_id != ?1)",
	"DELETE FROM learning_test WHERE module_id = ?1",
	"DELETE FROM learning_worksheet WHERE module_id = ?1",
	"DELETE FROM module_files WHERE module_id = ?1",
	"DELETE FROM modules WHERE id = ?1",
	"INSERT INTO box_meta(key, value) VALUES ('catalog.version', '1') "
	"ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
	NULL,
};

static int64_t count_bound(sqlite3 *db, const char *sql, const char *id)
{
	sqlite3_stmt *q = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

enum pb_modules_remove pb_modules_remove(sqlite3 *db, const struct pb_store *store,
					 const char *id, int64_t now_ms, int64_t *uses,
					 int64_t *freed)
{
	struct pb_purge_report rep;
	sqlite3_stmt *st = NULL;
	enum pb_modules_remove r = PB_MODULES_ERROR;
	int64_t have;

	*uses = 0;
	*freed = 0;
	if (pb_db_begin(db) != 0)
		return PB_MODULES_ERROR;
	have = count_bound(db, "SELECT count(*) FROM modules WHERE id = ?1", id);
	*uses = count_bound(db, "SELECT " USES_OF("?1"), id);
	if (have < 0 || *uses < 0)
		goto out;
	if (have == 0) {
		r = PB_MODULES_UNKNOWN;
		goto out;
	}
	if (*uses > 0) {
		r = PB_MODULES_IN_USE;
		goto out;
	}
	for (int i = 0; remove_sql[i] != NULL; i++) {
		if (sqlite3_prepare_v2(db, remove_sql[i], -1, &st, NULL) != SQLITE_OK)
			goto out;
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_int64(st, 2, now_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (pb_db_commit(db) != 0)
		goto out;
	r = PB_MODULES_REMOVED;
	/* the files go after the commit, each checked again under the lock;
	 * one that cannot go now stays queued for the next purge */
	memset(&rep, 0, sizeof(rep));
	if (pb_purge_store(db, store, stderr, &rep) == 0)
		*freed = rep.file_bytes;
	return r;
out:
	sqlite3_finalize(st);
	pb_db_rollback(db);
	return r;
}
