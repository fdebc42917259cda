/* Unit tests: the one write path of pb_db. Writers of one process queue
 * on the writer lock that pb_db_begin takes (so none of them meets
 * SQLITE_BUSY, even with no busy timeout at all); the lock is held
 * exactly as long as the transaction; savepoints inside a transaction
 * and a cleanup rollback without one leave it alone. The library's
 * statements come from the connection's cache and are given back reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_db.h"

#include <jansson.h>

#define THREADS 6
#define ROUNDS 40
#define ROWS_PER_ROUND 5
#define PROBE_WAIT_MS 100   /* how long the other thread tries the lock */

struct dbdir {
	char dir[64];
	char path[96];
};

static void dbdir_make(struct dbdir *d)
{
	sqlite3 *db = NULL;
	char err[PB_DB_ERR_LEN];

	snprintf(d->dir, sizeof(d->dir), "%s", "/tmp/pb-test-db-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/pb.db", d->dir);
	assert_int_equal(pb_db_open(d->path, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	assert_int_equal(pb_db_exec(db, "CREATE TABLE t (n INTEGER NOT NULL)"), 0);
	pb_db_close(db);
}

static void dbdir_remove(struct dbdir *d)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[128];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", d->path, suffix[i]);
		unlink(p);
	}
	rmdir(d->dir);
}

static sqlite3 *open_impatient(const struct dbdir *d)
{
	sqlite3 *db = NULL;
	char err[PB_DB_ERR_LEN];

	if (pb_db_open(d->path, PB_DB_NOCHECK, &db, err, sizeof(err)) != 0)
		return NULL;
	sqlite3_busy_timeout(db, 0);     /* SQLITE_BUSY at once, no waiting */
	return db;
}

struct writer {
	const struct dbdir *d;
	int n;
	int failed;
};

static void *write_rounds(void *arg)
{
	struct writer *w = arg;
	sqlite3 *db = open_impatient(w->d);
	sqlite3_stmt *st = NULL;
	char key[32];

	if (db == NULL || sqlite3_prepare_v2(db, "INSERT INTO t(n) VALUES (?1)", -1, &st, NULL)
	    != SQLITE_OK) {
		w->failed = ROUNDS * 2;
		pb_db_close(db);
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		int ok = pb_db_begin(db) == 0;

		for (int j = 0; ok && j < ROWS_PER_ROUND; j++) {
			sqlite3_bind_int(st, 1, w->n);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		if (!ok || pb_db_commit(db) != 0) {
			pb_db_rollback(db);
			w->failed++;
		}
		/* a write of one statement, outside any transaction */
		snprintf(key, sizeof(key), "test.%d", w->n);
		if (pb_db_meta_set(db, key, "x") != 0)
			w->failed++;
	}
	sqlite3_finalize(st);
	pb_db_close(db);
	return NULL;
}

static void test_writers_queue_in_process(void **state)
{
	struct dbdir d;
	struct writer w[THREADS];
	pthread_t th[THREADS];
	sqlite3 *db;
	(void)state;

	dbdir_make(&d);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){ &d, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, write_rounds, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failed, 0);
	}
	db = open_impatient(&d);
	assert_non_null(db);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM t"),
			 THREADS * ROUNDS * ROWS_PER_ROUND);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM box_meta WHERE key LIKE 'test.%'"),
			 THREADS);
	pb_db_close(db);
	dbdir_remove(&d);
}

/* Whether another thread can take the writer lock now. */
static void *probe(void *arg)
{
	int *got = arg;

	*got = pb_db_writer_lock_timed(PROBE_WAIT_MS) == 0;
	if (*got)
		pb_db_writer_unlock();
	return NULL;
}

static int others_can_write(void)
{
	pthread_t th;
	int got = -1;

	assert_int_equal(pthread_create(&th, NULL, probe, &got), 0);
	pthread_join(th, NULL);
	return got;
}

static void test_lock_lasts_as_long_as_the_transaction(void **state)
{
	struct dbdir d;
	sqlite3 *db, *db2;
	int own = -1;
	(void)state;

	dbdir_make(&d);
	db = open_impatient(&d);
	assert_non_null(db);
	assert_int_equal(others_can_write(), 1);

	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(others_can_write(), 0);
	assert_int_equal(pb_db_begin(db), -1);             /* already in one */
	assert_int_equal(others_can_write(), 0);           /* ... and still held once */
	assert_int_equal(pb_db_exec(db, "INSERT INTO t(n) VALUES (1)"), 0);
	assert_int_equal(pb_db_commit(db), 0);
	assert_int_equal(others_can_write(), 1);

	assert_int_equal(pb_db_begin(db), 0);
	pb_db_rollback(db);
	assert_int_equal(others_can_write(), 1);
	pb_db_rollback(db);                                /* nothing to end: harmless */
	assert_int_equal(others_can_write(), 1);

	/* a savepoint inside the caller's transaction takes nothing more */
	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(pb_db_begin_nested(db, "inner", &own), 0);
	assert_int_equal(own, 0);
	assert_int_equal(pb_db_exec(db, "INSERT INTO t(n) VALUES (2)"), 0);
	pb_db_rollback_nested(db, "inner", own);
	assert_int_equal(others_can_write(), 0);
	assert_int_equal(pb_db_commit(db), 0);
	assert_int_equal(others_can_write(), 1);

	/* alone, the nested form is a transaction of its own */
	assert_int_equal(pb_db_begin_nested(db, "alone", &own), 0);
	assert_int_equal(own, 1);
	assert_int_equal(others_can_write(), 0);
	assert_int_equal(pb_db_commit_nested(db, "alone", own), 0);
	assert_int_equal(others_can_write(), 1);

	/* a section that holds the lock keeps it over a rollback with no
	 * transaction, and may begin one itself */
	pb_db_writer_lock();
	pb_db_rollback(db);
	assert_int_equal(others_can_write(), 0);
	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(pb_db_commit(db), 0);
	assert_int_equal(others_can_write(), 0);
	pb_db_writer_unlock();
	assert_int_equal(others_can_write(), 1);

	/* a failed COMMIT ends the transaction and gives the lock back */
	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(pb_db_exec(db, "PRAGMA defer_foreign_keys = ON"), 0);
	assert_int_equal(pb_db_exec(db, "CREATE TABLE p (id INTEGER PRIMARY KEY)"), 0);
	assert_int_equal(pb_db_exec(db, "CREATE TABLE c (p INTEGER REFERENCES p(id))"), 0);
	assert_int_equal(pb_db_exec(db, "INSERT INTO c(p) VALUES (42)"), 0);
	assert_int_equal(pb_db_commit(db), -1);
	assert_int_equal(sqlite3_get_autocommit(db), 1);
	assert_int_equal(others_can_write(), 1);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'c'"), 0);

	/* a transaction that ended behind pb_db's back (as SQLite ends one
	 * on an I/O error) is noticed at the next begin */
	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(pb_db_exec(db, "ROLLBACK"), 0);
	assert_int_equal(pb_db_begin(db), 0);
	assert_int_equal(pb_db_commit(db), 0);
	assert_int_equal(others_can_write(), 1);

	/* closing a connection in a transaction gives its count back */
	db2 = open_impatient(&d);
	assert_non_null(db2);
	assert_int_equal(pb_db_begin(db2), 0);
	assert_int_equal(others_can_write(), 0);
	pb_db_close(db2);
	assert_int_equal(others_can_write(), 1);

	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM t"), 1);
	pb_db_close(db);
	dbdir_remove(&d);
}

/* Statements on the connection: how many, and how many still busy (a
 * read left open: a statement taken and not given back). */
static int statements(sqlite3 *db, int *busy)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	*busy = 0;
	while ((st = sqlite3_next_stmt(db, st)) != NULL) {
		n++;
		*busy += sqlite3_stmt_busy(st) != 0;
	}
	return n;
}

/* One round of library calls that read and write, each run of which
 * should take its statements from the cache. */
static void library_round(sqlite3 *db)
{
	json_t *in = json_pack("{s:s, s:s, s:i}", "title", "Diklat", "start_date", "2026-12-01",
			       "jp_per_day", 8);
	struct pb_kegiatan k;
	const char *bad = NULL;
	char value[16];
	int64_t id = 0;
	json_t *list;

	assert_non_null(in);
	assert_int_equal(pb_db_meta_set(db, "test.key", "v"), 0);
	assert_int_equal(pb_db_meta_get(db, "test.key", value, sizeof(value)), 0);
	assert_string_equal(value, "v");
	assert_int_equal(pb_audit_add(db, "admin", "test", "{}", "127.0.0.1"), 0);
	assert_int_equal(pb_kegiatan_create(db, in, "admin", "127.0.0.1", &id, &bad), PB_ATT_OK);
	assert_int_equal(pb_kegiatan_get(db, id, &k), 0);
	assert_string_equal(k.title, "Diklat");
	list = pb_kegiatan_list(db);
	assert_non_null(list);
	assert_true(json_array_size(list) >= 1);
	json_decref(list);
	json_decref(in);
}

static void test_statements_come_from_the_cache(void **state)
{
	struct dbdir d;
	sqlite3 *db;
	int first, busy;

	(void)state;
	dbdir_make(&d);
	db = open_impatient(&d);
	assert_non_null(db);
	library_round(db);
	first = statements(db, &busy);
	assert_true(first > 0);                  /* kept on the connection */
	assert_int_equal(busy, 0);               /* and every one given back */
	library_round(db);
	library_round(db);
	assert_int_equal(statements(db, &busy), first);   /* found again, none made anew */
	assert_int_equal(busy, 0);
	pb_db_close(db);                         /* finalizes them (ASan: no leak) */
	dbdir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writers_queue_in_process),
		cmocka_unit_test(test_lock_lasts_as_long_as_the_transaction),
		cmocka_unit_test(test_statements_come_from_the_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
