/* Unit test: every migration carries its mark for older programs, the
 * database records the marks (also for the migrations of a database made
 * before the marks), and a database a newer program migrated is opened by
 * this program when each migration it does not know is marked safe, and
 * refused, naming the migration, when one is not (docs/updates.md, going
 * back after a schema change). The newer program is this one with a
 * longer migration list, set through pb_db_test_migrations: the real
 * pb_db_open does the work both times. A migration marked newer only is
 * held back while a release is on trial and applied once it is committed;
 * the usual open, with nothing to hold, does not ask whether one is.
 * Numbers 185-189 are reserved for this work and used by no real
 * migration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb_db.h"
#include "pb_schema.h"

#define LIST_MAX 512

static char dir[64], path[256];
static struct pb_migration list[LIST_MAX];

/* The database with its -wal and -shm files. */
static void remove_db(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char file[300];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(file, sizeof(file), "%s%s", path, suffix[i]);
		unlink(file);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s", access("/dev/shm", W_OK) == 0 ?
		 "/dev/shm/pb-compat-XXXXXX" : "/tmp/pb-compat-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pb_db_test_migrations(NULL, 0);
	sqlite3_reset_auto_extension();     /* the trace of a test that failed midway */
	remove_db();
	rmdir(dir);
	return 0;
}

/* This program's migrations and then the given ones: a newer program. */
static int newer(const struct pb_migration *extra, int n)
{
	int k = 0;

	assert_true(pb_migrations_count + n <= LIST_MAX);
	for (; k < pb_migrations_count; k++)
		list[k] = pb_migrations[k];
	for (int i = 0; i < n; i++)
		list[k++] = extra[i];
	pb_db_test_migrations(list, k);
	return k;
}

static int query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The mark recorded for migration v, -1 when v is not recorded. */
static int recorded_mark(sqlite3 *db, int v)
{
	sqlite3_stmt *st = NULL;
	int mark = -1;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT older_ok FROM schema_migration "
					    "WHERE version = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int(st, 1, v);
	if (sqlite3_step(st) == SQLITE_ROW)
		mark = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return mark;
}

/* A session (kegiatan) with this uid, written as the programs write. */
static void add_session(sqlite3 *db, const char *uid)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO kegiatan(uid, title, mode, "
					    "start_date, days, jp_per_day, code_secret, created_by, "
					    "created_ms) VALUES (?1, 'Pelatihan', 'tatap_muka', "
					    "'2026-01-05', 2, 8, x'00', 'admin', 0)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(pb_db_commit(db), 0);
}

static void open_ok(sqlite3 **db)
{
	char err[PB_DB_ERR_LEN];

	if (pb_db_open(path, PB_DB_CREATE, db, err, sizeof(err)) != 0)
		fail_msg("open: %s", err);
}

static void test_every_migration_marked(void **state)
{
	sqlite3 *db;

	(void)state;
	for (int i = 0; i < pb_migrations_count; i++)
		if (pb_migrations[i].compat != PB_MIGRATION_OLDER_OK &&
		    pb_migrations[i].compat != PB_MIGRATION_NEWER_ONLY)
			fail_msg("migration %d has no mark for older programs (pb_schema.h)",
				 pb_migrations[i].version);
	/* and a new database records each mark */
	open_ok(&db);
	for (int i = 0; i < pb_migrations_count; i++)
		assert_int_equal(recorded_mark(db, pb_migrations[i].version),
				 pb_migrations[i].compat == PB_MIGRATION_OLDER_OK);
	pb_db_close(db);
	remove_db();
}

/* A database of the program before the marks: schema_migration without
 * its column. The marks are written at the first open; a number this
 * program does not know stays unsafe. */
static void test_marks_given_on_upgrade(void **state)
{
	static const char *old_table =
		"CREATE TABLE m_old (version INTEGER PRIMARY KEY);"
		"INSERT INTO m_old SELECT version FROM schema_migration;"
		"DROP TABLE schema_migration;"
		"ALTER TABLE m_old RENAME TO schema_migration;";
	char err[PB_DB_ERR_LEN];
	sqlite3 *db;

	(void)state;
	open_ok(&db);
	assert_int_equal(pb_db_exec(db, old_table), 0);
	pb_db_close(db);
	open_ok(&db);
	for (int i = 0; i < pb_migrations_count; i++)
		assert_int_equal(recorded_mark(db, pb_migrations[i].version),
				 pb_migrations[i].compat == PB_MIGRATION_OLDER_OK);
	/* the same, holding a number of a newer program that knew no marks */
	assert_int_equal(pb_db_exec(db, old_table), 0);
	assert_int_equal(pb_db_exec(db, "INSERT INTO schema_migration VALUES (187)"), 0);
	pb_db_close(db);
	assert_int_equal(pb_db_open(path, 0, &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "migration 187"));
	remove_db();
}

static void test_newer_safe_migration_opens(void **state)
{
	static const struct pb_migration safe[] = {
		{ 189, "CREATE TABLE newer_note (id INTEGER PRIMARY KEY, note TEXT);"
		       "ALTER TABLE kegiatan ADD COLUMN newer_colour TEXT NOT NULL DEFAULT '';",
		  PB_MIGRATION_OLDER_OK },
	};
	/* the next release: one more, numbered below what is applied */
	static const struct pb_migration later[] = {
		{ 185, "CREATE TABLE later_note (id INTEGER PRIMARY KEY);",
		  PB_MIGRATION_OLDER_OK },
		safe[0],
	};
	char text[64];
	sqlite3 *db;

	(void)state;
	open_ok(&db);                       /* this program's database */
	pb_db_close(db);
	newer(safe, 1);                     /* the update starts */
	open_ok(&db);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 189);
	assert_int_equal(recorded_mark(db, 189), 1);
	assert_int_equal(pb_db_exec(db, "INSERT INTO newer_note(note) VALUES ('baru')"), 0);
	pb_db_close(db);

	pb_db_test_migrations(NULL, 0);     /* back to this program */
	open_ok(&db);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 189);
	assert_int_equal(pb_db_newer_migrations(db, text, sizeof(text)), 1);
	assert_string_equal(text, "189");
	/* it writes as before: the new column's default fills in */
	add_session(db, "K1");
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM kegiatan WHERE uid = 'K1' AND "
				   "newer_colour = ''"), 1);
	pb_db_close(db);

	newer(later, 2);                    /* forward again, to a later release */
	open_ok(&db);
	assert_int_equal(recorded_mark(db, 185), 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM later_note"), 0);
	/* 189 was not applied twice (its table would already exist) */
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM newer_note"), 1);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 189);
	pb_db_close(db);
	remove_db();
}

static void test_newer_unsafe_migration_refused(void **state)
{
	static const struct pb_migration unsafe[] = {
		{ 188, "CREATE TABLE kegiatan_new AS SELECT * FROM kegiatan;",
		  PB_MIGRATION_NEWER_ONLY },
		{ 189, "CREATE TABLE newer_note (id INTEGER PRIMARY KEY);",
		  PB_MIGRATION_OLDER_OK },
	};
	char err[PB_DB_ERR_LEN];
	sqlite3 *db;

	(void)state;
	newer(unsafe, 2);
	open_ok(&db);
	assert_int_equal(recorded_mark(db, 188), 0);
	pb_db_close(db);
	pb_db_test_migrations(NULL, 0);
	err[0] = '\0';
	assert_int_equal(pb_db_open(path, 0, &db, err, sizeof(err)), -1);
	assert_null(db);
	if (strstr(err, "migration 188") == NULL || strstr(err, "install") == NULL)
		fail_msg("unclear refusal: %s", err);
	/* the newer program itself still opens it */
	newer(unsafe, 2);
	open_ok(&db);
	assert_int_equal(pb_db_newer_migrations(db, err, sizeof(err)), 0);
	pb_db_close(db);
	remove_db();
}

/* While a release is on trial (update.pending names it) a migration
 * marked newer only is held back, and every one numbered above it; those
 * below are applied. The older program keeps reading the database, with
 * what was written during the trial; once the release is committed the
 * next open applies what was held, over those records too. */
static void test_newer_only_held_during_trial(void **state)
{
	static const struct pb_migration release[] = {
		{ 185, "CREATE TABLE trial_note (id INTEGER PRIMARY KEY);", PB_MIGRATION_OLDER_OK },
		{ 188, "CREATE TABLE held_note (id INTEGER PRIMARY KEY, kegiatan_uid TEXT NOT NULL);"
		       "INSERT INTO held_note(kegiatan_uid) SELECT uid FROM kegiatan;",
		  PB_MIGRATION_NEWER_ONLY },
		/* builds on 188: held with it */
		{ 189, "ALTER TABLE held_note ADD COLUMN colour TEXT NOT NULL DEFAULT '';",
		  PB_MIGRATION_OLDER_OK },
	};
	char text[64], err[PB_DB_ERR_LEN];
	sqlite3 *db;

	(void)state;
	open_ok(&db);                       /* the committed root's database */
	assert_int_equal(pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, "1.2.0 on root B"), 0);
	pb_db_close(db);

	newer(release, 3);                  /* the release starts on trial */
	open_ok(&db);
	assert_int_equal(recorded_mark(db, 185), 1);
	assert_int_equal(recorded_mark(db, 188), -1);
	assert_int_equal(recorded_mark(db, 189), -1);
	assert_int_equal(pb_db_migration_applied(db, 188), 0);
	assert_int_equal(pb_db_held_migrations(db, 0, text, sizeof(text)), 2);
	assert_string_equal(text, "188, 189");
	assert_int_equal(pb_db_held_migrations(db, 1, text, sizeof(text)), 1);
	assert_string_equal(text, "188");
	/* a record made during the trial */
	add_session(db, "K-TRIAL");
	pb_db_close(db);
	open_ok(&db);                       /* opened again on trial: still held */
	assert_int_equal(pb_db_migration_applied(db, 188), 0);
	pb_db_close(db);

	pb_db_test_migrations(NULL, 0);     /* the trial fails: back to the older program */
	open_ok(&db);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM kegiatan WHERE uid = 'K-TRIAL'"), 1);
	assert_int_equal(pb_db_newer_migrations(db, text, sizeof(text)), 1);
	assert_string_equal(text, "185");
	pb_db_close(db);

	newer(release, 3);                  /* tried again, and committed */
	open_ok(&db);
	assert_int_equal(pb_db_migration_applied(db, 188), 0);
	/* what pb-sync writes as releases come does not end the hold */
	assert_int_equal(pb_db_meta_set(db, "update.state", "downloading"), 0);
	pb_db_close(db);
	open_ok(&db);
	assert_int_equal(pb_db_migration_applied(db, 188), 0);
	assert_int_equal(pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, ""), 0);
	pb_db_close(db);
	open_ok(&db);
	assert_int_equal(recorded_mark(db, 188), 0);
	assert_int_equal(recorded_mark(db, 189), 1);
	assert_int_equal(pb_db_held_migrations(db, 0, text, sizeof(text)), 0);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM held_note WHERE "
				   "kegiatan_uid = 'K-TRIAL' AND colour = ''"), 1);
	pb_db_close(db);

	/* from now on the older program refuses it, as without the hold */
	pb_db_test_migrations(NULL, 0);
	err[0] = '\0';
	assert_int_equal(pb_db_open(path, 0, &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "migration 188"));
	remove_db();
}

/* Whether a release is on trial cannot be read (here: box_meta's column
 * renamed): the open fails, saying why, and applies nothing marked newer
 * only, rather than count it as "not on trial". */
static void test_unreadable_trial_fails_closed(void **state)
{
	static const struct pb_migration release[] = {
		{ 188, "CREATE TABLE held_note (id INTEGER PRIMARY KEY);", PB_MIGRATION_NEWER_ONLY },
	};
	char err[PB_DB_ERR_LEN];
	sqlite3 *db;

	(void)state;
	open_ok(&db);
	assert_int_equal(pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, "1.2.0 on root B"), 0);
	assert_int_equal(pb_db_exec(db, "ALTER TABLE box_meta RENAME COLUMN value TO gone"), 0);
	pb_db_close(db);

	newer(release, 1);
	err[0] = '\0';
	assert_int_equal(pb_db_open(path, 0, &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "on trial"));
	assert_int_equal(pb_db_open(path, PB_DB_NOMIGRATE, &db, err, sizeof(err)), 0);
	assert_int_equal(pb_db_migration_applied(db, 188), 0);
	pb_db_close(db);
}

/* Statements SQLite ran on every connection opened since count_reset:
 * all of them, and those reading box_meta. SQLite's own tracing, set on
 * each new connection by its automatic extension hook, sees what
 * pb_db_open runs before it returns the handle. */
static int traced_all, traced_meta;

static int count_statement(unsigned mask, void *ctx, void *stmt, void *sql)
{
	(void)mask;
	(void)ctx;
	(void)stmt;
	traced_all++;
	if (strstr((const char *)sql, "box_meta") != NULL)
		traced_meta++;
	return 0;
}

static int trace_connection(sqlite3 *db, char **msg, const struct sqlite3_api_routines *api)
{
	(void)msg;
	(void)api;
	return sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_statement, NULL);
}

static void count_reset(void)
{
	traced_all = 0;
	traced_meta = 0;
}

/* The usual open, every migration applied, does not read box_meta to ask
 * whether a release is on trial, even while one is: no migration could
 * wait. Nor does one that applies only migrations safe for older
 * programs. One with a migration marked newer only to apply still asks,
 * and holds it back. */
static void test_usual_open_reads_no_trial(void **state)
{
	static const struct pb_migration safe[] = {
		{ 185, "CREATE TABLE trial_note (id INTEGER PRIMARY KEY);", PB_MIGRATION_OLDER_OK },
	};
	static const struct pb_migration held[] = {
		{ 185, "CREATE TABLE trial_note (id INTEGER PRIMARY KEY);", PB_MIGRATION_OLDER_OK },
		{ 188, "CREATE TABLE held_note (id INTEGER PRIMARY KEY);", PB_MIGRATION_NEWER_ONLY },
	};
	sqlite3 *db;

	(void)state;
	open_ok(&db);
	assert_int_equal(pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, "1.2.0 on root B"), 0);
	pb_db_close(db);
	assert_int_equal(sqlite3_auto_extension((void (*)(void))trace_connection), SQLITE_OK);

	count_reset();
	open_ok(&db);
	pb_db_close(db);
	printf("usual open: %d statements, %d of them on box_meta\n", traced_all, traced_meta);
	assert_true(traced_all > 0);                /* the trace sees the open */
	assert_int_equal(traced_meta, 0);

	newer(safe, 1);
	count_reset();
	open_ok(&db);
	assert_int_equal(traced_meta, 0);
	assert_int_equal(pb_db_migration_applied(db, 185), 1);
	pb_db_close(db);

	newer(held, 2);
	count_reset();
	open_ok(&db);
	assert_true(traced_meta > 0);
	assert_int_equal(pb_db_migration_applied(db, 188), 0);
	pb_db_close(db);

	assert_int_equal(sqlite3_cancel_auto_extension((void (*)(void))trace_connection), 1);
	remove_db();
}

/* A new database is made whole whatever the state: no older root used it. */
static void test_new_database_not_held(void **state)
{
	static const struct pb_migration release[] = {
		{ 188, "CREATE TABLE held_note (id INTEGER PRIMARY KEY);", PB_MIGRATION_NEWER_ONLY },
	};
	sqlite3 *db;

	(void)state;
	newer(release, 1);
	open_ok(&db);
	assert_int_equal(pb_db_migration_applied(db, 188), 1);
	pb_db_close(db);
	remove_db();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_migration_marked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_given_on_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_safe_migration_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_unsafe_migration_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_only_held_during_trial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_database_not_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_trial_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usual_open_reads_no_trial, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
