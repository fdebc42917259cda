/* Unit test: a power cut at any moment while a migration held back during
 * a trial is applied at the commit leaves the database as it was before
 * the migration or as it is after it, never between, with every record
 * written before (also those of the trial) and the outbox chain whole
 * (docs/updates.md, "Going back after a schema change").
 *
 * The box's history runs on the power-cut VFS (tests/crash/crashvfs.c):
 * the database made by this program, records, the release on trial (188
 * marked newer only, a table made anew over the audit rows: held back),
 * records of the trial, the commit, and the open that applies 188. The
 * cut falls at every one of the migration's writes and syncs in turn (or
 * at PB_HOLD_CUTS of them, evenly spread), each with its own choice of
 * which unsynced writes reach the disk, torn or whole. The files left are
 * reopened with the plain VFS. 188 is in the range reserved for the
 * schema compatibility work and used by no real migration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashvfs.h"
#include "pb_db.h"
#include "pb_outbox.h"
#include "pb_schema.h"

#define LIST_MAX        512
#define ROWS_BEFORE     300    /* audit rows and outbox records before the trial */
#define ROWS_TRIAL      40     /* and during it */
#define CUTS_DEFAULT    40
#define HELD_VERSION    188

static const struct pb_migration held = {
	HELD_VERSION,
	"CREATE TABLE audit_new AS SELECT *, 'staff' AS kind FROM audit;"
	"DROP TABLE audit;"
	"ALTER TABLE audit_new RENAME TO audit;",
	PB_MIGRATION_NEWER_ONLY,
};

static struct pb_migration list[LIST_MAX];
static int list_count;
static char dir[64], path[256];

static void remove_db(const char *folder)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char file[300];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(file, sizeof(file), "%s/pb.db%s", folder, suffix[i]);
		unlink(file);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s", access("/dev/shm", W_OK) == 0 ?
		 "/dev/shm/pb-hold-XXXXXX" : "/tmp/pb-hold-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	assert_true(pb_migrations_count + 1 <= LIST_MAX);
	for (; list_count < pb_migrations_count; list_count++)
		list[list_count] = pb_migrations[list_count];
	list[list_count++] = held;
	return crashvfs_register() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char out[128];

	(void)state;
	crashvfs_unregister();
	pb_db_test_migrations(NULL, 0);
	snprintf(out, sizeof(out), "%s/out", dir);
	remove_db(out);
	rmdir(out);
	remove_db(dir);
	rmdir(dir);
	return 0;
}

/* n audit rows and outbox records, each pair in one transaction; 0/-1. */
static int add_records(sqlite3 *db, int from, int n)
{
	char detail[160], payload[96];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO audit(at_ms, actor, action, detail) VALUES "
			       "(?1, 'fasil', 'checkin.mark', ?2)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (int i = from; i < from + n; i++) {
		snprintf(detail, sizeof(detail), "record %06d: a mark made by the facilitator, "
			 "with enough words that the table spans many pages", i);
		snprintf(payload, sizeof(payload), "{\"n\":%d}", i);
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
		if (pb_db_begin(db) != 0)
			goto out;
		if (sqlite3_step(st) != SQLITE_DONE ||
		    pb_outbox_append(db, "test.record", payload, NULL, NULL) != 0 ||
		    pb_db_commit(db) != 0) {
			pb_db_rollback(db);
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* The box's history up to the held migration, whose open (and the
 * checkpoint at its close) is cut after cut operations (< 0: not cut);
 * *len is how many it made. 0 when all of
 * it ran, -1 when the power went (or it failed). */
static int history(int64_t cut, int64_t *len)
{
	char err[PB_DB_ERR_LEN];
	sqlite3 *db = NULL;
	int64_t start;
	int rc = -1;

	remove_db(dir);
	crashvfs_reset(-1);
	pb_db_test_migrations(NULL, 0);                  /* the committed root */
	if (pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)) != 0 ||
	    add_records(db, 0, ROWS_BEFORE) != 0 ||
	    pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, "1.2.0 on root B") != 0)
		goto out;
	pb_db_close(db);
	db = NULL;
	pb_db_test_migrations(list, list_count);         /* the release, on trial */
	if (pb_db_open(path, 0, &db, err, sizeof(err)) != 0 ||
	    pb_db_migration_applied(db, HELD_VERSION) != 0 ||
	    add_records(db, ROWS_BEFORE, ROWS_TRIAL) != 0 ||
	    pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, "") != 0)
		goto out;
	pb_db_close(db);
	db = NULL;
	start = crashvfs_ops();
	crashvfs_cut_after(cut);
	rc = pb_db_open(path, PB_DB_NOCHECK, &db, err, sizeof(err));    /* applies 188 */
	pb_db_close(db);                                 /* and checkpoints */
	db = NULL;
	*len = crashvfs_ops() - start;
out:
	pb_db_close(db);
	return rc;
}

static long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The files a cut left in out, reopened with the plain VFS: 1 when the
 * migration is there whole, 0 when not at all; fails the test otherwise. */
static int judge(const char *out, int64_t cut)
{
	char db_path[300], err[PB_DB_ERR_LEN];
	sqlite3 *db = NULL;
	int64_t bad = 0;
	int applied, kind, half;

	snprintf(db_path, sizeof(db_path), "%s/pb.db", out);
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (one(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'")
	    != 1)
		fail_msg("cut at %lld: integrity_check fails", (long long)cut);
	applied = (int)one(db, "SELECT count(*) FROM schema_migration WHERE version = 188");
	kind = (int)one(db, "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'kind'");
	half = (int)one(db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_new'");
	if (applied != kind || half != 0 ||
	    (applied == 1) != (one(db, "PRAGMA user_version") == HELD_VERSION))
		fail_msg("cut at %lld: the migration is half there (recorded %d, new column %d, "
			 "new table %d)", (long long)cut, applied, kind, half);
	assert_int_equal(one(db, "SELECT count(*) FROM audit"), ROWS_BEFORE + ROWS_TRIAL);
	assert_int_equal(one(db, "SELECT count(*) FROM outbox"), ROWS_BEFORE + ROWS_TRIAL);
	if (pb_outbox_verify(db, &bad) != 0)
		fail_msg("cut at %lld: the outbox chain breaks at %lld", (long long)cut,
			 (long long)bad);
	pb_db_close(db);                    /* also the statements pb_outbox_verify keeps */
	db = NULL;

	/* the release's next open finishes what the cut stopped, keeping all */
	pb_db_test_migrations(list, list_count);
	if (pb_db_open(db_path, 0, &db, err, sizeof(err)) != 0)
		fail_msg("cut at %lld: the release cannot open it: %s", (long long)cut, err);
	assert_int_equal(pb_db_migration_applied(db, HELD_VERSION), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM audit WHERE kind = 'staff'"),
			 ROWS_BEFORE + ROWS_TRIAL);
	assert_int_equal(one(db, "SELECT count(*) FROM outbox"), ROWS_BEFORE + ROWS_TRIAL);
	pb_db_close(db);
	return applied;
}

static void test_power_cut_while_the_held_migration_applies(void **state)
{
	const char *env = getenv("PB_HOLD_CUTS");
	long cuts = env != NULL ? strtol(env, NULL, 10) : CUTS_DEFAULT;
	int64_t total = -1, step;
	char out[128];
	int before = 0, after = 0;

	(void)state;
	assert_int_equal(history(-1, &total), 0);
	assert_true(total > 0);
	if (cuts < 1)
		cuts = 1;
	step = total / cuts > 0 ? total / cuts : 1;
	snprintf(out, sizeof(out), "%s/out", dir);
	mkdir(out, 0700);
	for (int64_t cut = 0; cut < total; cut += step) {
		int64_t made = -1;

		(void)history(cut, &made);
		assert_true(made >= 0 && made <= cut);   /* the cut is inside the migration */
		remove_db(out);
		assert_int_equal(crashvfs_materialize(out, (uint64_t)cut * 7919u + 1), 0);
		crashvfs_unregister();
		if (judge(out, cut))
			after++;
		else
			before++;
		assert_int_equal(crashvfs_register(), 0);
	}
	printf("held migration: %lld operations, cuts left it before %d times and after %d "
	       "times\n", (long long)total, before, after);
	/* the cuts fell on both sides of its commit */
	assert_true(before > 0 && after > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_power_cut_while_the_held_migration_applies,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
