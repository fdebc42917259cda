/* pb_db: the box database (SQLite, WAL, synchronous=FULL).
 *
 * Opening checks the file (quick_check) and brings the schema up to date
 * with the numbered migrations in pb_schema.c (PRAGMA user_version). */
#ifndef PB_DB_H
#define PB_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define PB_DB_BUSY_TIMEOUT_MS 5000
#define PB_DB_ERR_LEN 512

/* The database and its -wal and -shm files are shared by the box's
 * programs through their common group (pb on the box, where the data
 * folder is set-group-ID): each must be readable and writable by the
 * group. SQLite gives -wal and -shm the database file's mode (and, run as
 * root, its owner), so the database file is made with this mode whatever
 * the umask, and read-write connections keep -wal and -shm when they
 * close (SQLITE_FCNTL_PERSIST_WAL): they are made once, not by whichever
 * program happens to open the database first after each start. */
#define PB_DB_FILE_MODE 0660

enum pb_db_open_flags {
	PB_DB_CREATE   = 1 << 0,  /* create the file if it is missing */
	PB_DB_READONLY = 1 << 1,
	PB_DB_NOCHECK  = 1 << 2,  /* skip quick_check (second handles in one process) */
	PB_DB_NOMIGRATE = 1 << 3, /* apply no migration: the way out when one fails */
};

/* Open, set pragmas, check and migrate (unless PB_DB_NOMIGRATE). Returns 0, or -1 with err set.
 * A read-write open also fails when the database, its -wal or its -shm
 * cannot be written by this process (err names the file, its owner and
 * mode, and the mend: pbctl data mend). */
int pb_db_open(const char *path, int flags, sqlite3 **out, char *err, size_t errlen);
void pb_db_close(sqlite3 *db);

/* Schema version this build knows (the highest migration). */
int pb_db_schema_version(void);

/* The applied migrations this program does not know (a newer version's,
 * each marked safe for older programs, or pb_db_open had refused), as
 * "189, 190" in out: their count, or -1. */
int pb_db_newer_migrations(sqlite3 *db, char *out, size_t len);

/* A release installed into the other root and not yet committed nor given
 * up is on trial (docs/updates.md): pbctl update apply names it in
 * box_meta's update.pending ("1.2.0 on root B"); commit, a failed check
 * and rollback empty it (pb-sync, which writes update.state as releases
 * come, never touches it). While it is set, pb_db_open applies to a
 * database that holds migrations already none marked newer only
 * (PB_MIGRATION_NEWER_ONLY) that is not applied yet, nor any numbered
 * above the first such one (a later migration may build on it): the root
 * gone back to could not read them. The next pb_db_open once it is empty
 * applies what was held. The data partition says it, not the boot
 * partition, so every program (sandboxed or not, of either root) reads
 * the same answer. */
#define PB_UPDATE_TRIAL_KEY "update.pending"

/* The migrations this program knows that the database does not hold yet
 * (held back while a release is on trial), as "205, 206" in out; only those
 * marked newer only when newer_only: their count, or -1. */
int pb_db_held_migrations(sqlite3 *db, int newer_only, char *out, size_t len);

/* 1 when migration v is recorded as applied in the database, 0 when not,
 * -1 on an error. */
int pb_db_migration_applied(sqlite3 *db, int v);

/* 1 when one of the migrations listed ("205, 206", as update.no_return
 * names them) is recorded as applied: the root committed before cannot
 * read the database. 0 when none is (or the list is empty); a record that
 * cannot be read counts as not applied. */
int pb_db_any_applied(sqlite3 *db, const char *list);

#ifdef PB_TEST_HOOKS
struct pb_migration;
/* Tests only (built with PB_TEST_HOOKS, never into the box's programs):
 * the migrations pb_db_open knows from now on, standing for another
 * program's; NULL gives back this program's own (pb_schema.c). */
void pb_db_test_migrations(const struct pb_migration *list, int count);
#endif

/* Small helpers over prepared statements. */
int pb_db_exec(sqlite3 *db, const char *sql);            /* constant SQL only */

/* The one way to write: pb_db_begin takes the process's writer lock
 * (pb_db_writer_lock), then BEGIN IMMEDIATE; the transaction ends with
 * pb_db_commit or pb_db_rollback, which give the lock back. So the
 * writers of one process queue on the mutex, in order, instead of
 * sleeping in SQLite's busy handler; other processes (pbctl, pb-sync)
 * are still ordered by SQLite's file lock and the busy timeout. A COMMIT
 * that fails rolls back: either way the transaction has ended. Every
 * write, even of one statement, goes through a transaction begun here.
 * pb_db_rollback without a transaction does nothing, so a cleanup path
 * may always call it. */
#define PB_DB_TX_PER_THREAD_MAX 4  /* connections of one thread in a write at once */
int pb_db_begin(sqlite3 *db);
int pb_db_commit(sqlite3 *db);
void pb_db_rollback(sqlite3 *db);
/* One prepared write statement run to its end as a change of its own:
 * between pb_db_begin and pb_db_commit when no transaction is open, as
 * part of the caller's transaction when one is. 0, or -1 (rolled back
 * when it was alone). st is reset, not finalized. */
int pb_db_write_one(sqlite3 *db, sqlite3_stmt *st);
/* A change that may run alone or inside a caller's transaction: outside
 * one it is BEGIN IMMEDIATE / COMMIT, inside one a SAVEPOINT named name.
 * *own remembers which. */
int pb_db_begin_nested(sqlite3 *db, const char *name, int *own);
int pb_db_commit_nested(sqlite3 *db, const char *name, int own);
void pb_db_rollback_nested(sqlite3 *db, const char *name, int own);

/* A prepared statement from the connection's own cache (made with
 * SQLITE_PREPARE_PERSISTENT the first time, found again by its SQL text).
 * Never finalize it: call pb_db_stmt_done() when finished, on every path,
 * which resets it and so ends its read. NULL on error. The rule: every
 * statement whose SQL is fixed in the code comes from here, in the library
 * and in the programs (bench/stmt_cache.c: a cached read costs about a
 * fifth of preparing it each time, and about half with every statement
 * of the library cached). Prepared per call are only what runs once per
 * connection (pragmas and migrations while pb_db_open opens it) and SQL
 * not fixed in the code (pb_purge's rule scripts of several statements):
 * caching those would only hold memory. */
sqlite3_stmt *pb_db_stmt(sqlite3 *db, const char *sql);
void pb_db_stmt_done(sqlite3_stmt *st);

/* 0 when this process may read and write path and its -wal and -shm
 * (those that exist), else -1 with err naming the first that it may not. */
int pb_db_files_writable(const char *path, char *err, size_t errlen);

/* The writer lock that pb_db_begin takes. Writers of one process queue
 * on it rather than in SQLite's busy handler, which sleeps in growing
 * steps and makes the slowest writer wait far longer than the write. A
 * thread that holds it may take it again; each take needs its unlock.
 * Take it directly only to hold writers back without writing (a probe). */
void pb_db_writer_lock(void);
void pb_db_writer_unlock(void);
/* The writer lock, waiting at most ms: 0 when taken, -1 when not. */
int pb_db_writer_lock_timed(long ms);

/* Key/value settings of the box (table box_meta). */
int pb_db_meta_get(sqlite3 *db, const char *key, char *out, size_t len);

/* The one integer a fixed query answers (e.g. SELECT count(*) …), -1 on
 * an error. */
long long pb_db_count(sqlite3 *db, const char *sql);
int pb_db_meta_set(sqlite3 *db, const char *key, const char *value);

/* The text a fixed query gives for the row id ?1 (first column), as a
 * malloc'd copy; NULL when there is no such row, it is NULL, or on an
 * error. */
char *pb_db_text_by_id(sqlite3 *db, const char *sql, int64_t id);

/* Result of PRAGMA quick_check: 0 when "ok", -1 with the first message. */
int pb_db_quick_check(sqlite3 *db, char *err, size_t errlen);

#endif
