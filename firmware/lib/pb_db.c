#include "pb_db.h"
#include "pb_clock.h"
#include "pb_log.h"
#include "pb_schema.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The migrations this program knows. Under PB_TEST_HOOKS (tests only, see
 * the Makefile) a test may set another list that stands for a newer
 * program's (pb_db_test_migrations). */
#ifdef PB_TEST_HOOKS
static const struct pb_migration *test_list;
static int test_count;

void pb_db_test_migrations(const struct pb_migration *list, int count)
{
	test_list = list;
	test_count = count;
}
#define KNOWN (test_list != NULL ? test_list : pb_migrations)
#define KNOWN_COUNT (test_list != NULL ? test_count : pb_migrations_count)
#else
#define KNOWN pb_migrations
#define KNOWN_COUNT pb_migrations_count
#endif

/* The writer lock: one mutex per process. A thread may take it again
 * while it holds it (writer_depth counts how often), so a transaction
 * begun inside a section that already holds it does not wait on itself.
 * tx_db lists the connections of this thread whose transaction (begun by
 * pb_db_begin) holds one count of it, given back when that transaction
 * ends. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local unsigned writer_depth;
static _Thread_local sqlite3 *tx_db[PB_DB_TX_PER_THREAD_MAX];

void pb_db_writer_lock(void)
{
	if (writer_depth++ == 0)
		pthread_mutex_lock(&writer);
}

void pb_db_writer_unlock(void)
{
	if (writer_depth > 0 && --writer_depth == 0)
		pthread_mutex_unlock(&writer);
}

int pb_db_writer_lock_timed(long ms)
{
	struct timespec until;

	if (writer_depth > 0) {
		writer_depth++;
		return 0;
	}
	pb_clock_after(CLOCK_REALTIME, ms, &until);
	if (pthread_mutex_timedlock(&writer, &until) != 0)
		return -1;
	writer_depth = 1;
	return 0;
}

/* The slot of db in tx_db (NULL: a free one), or -1. */
static int tx_slot(const sqlite3 *db)
{
	for (int i = 0; i < PB_DB_TX_PER_THREAD_MAX; i++)
		if (tx_db[i] == db)
			return i;
	return -1;
}

/* The transaction of db has ended: give back the count it held. */
static void tx_ended(const sqlite3 *db)
{
	int i = db != NULL ? tx_slot(db) : -1;

	if (i < 0)
		return;
	tx_db[i] = NULL;
	pb_db_writer_unlock();
}

int pb_db_files_writable(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[4096];
	struct stat sb;

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		int n = snprintf(p, sizeof(p), "%s%s", path, suffix[i]);

		if (n < 0 || (size_t)n >= sizeof(p) || lstat(p, &sb) != 0)
			continue;
		if (S_ISREG(sb.st_mode) && faccessat(AT_FDCWD, p, R_OK | W_OK, AT_EACCESS) == 0)
			continue;
		snprintf(err, errlen, "%s cannot be written by uid %u gid %u (owner %u, group %u, "
			 "mode %04o): run `pbctl data mend` as root", p, (unsigned)geteuid(),
			 (unsigned)getegid(), (unsigned)sb.st_uid, (unsigned)sb.st_gid,
			 (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* A new database file gets PB_DB_FILE_MODE whatever the umask (SQLite
 * would make it 0644 less the umask, and its -wal and -shm after it). An
 * empty file is an empty database to SQLite. */
static int create_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, PB_DB_FILE_MODE);

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, PB_DB_FILE_MODE) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void set_err(char *err, size_t errlen, const char *what, sqlite3 *db)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what,
			 db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

int pb_db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int pb_db_begin(sqlite3 *db)
{
	int i;

	if (db == NULL)
		return -1;
	/* A transaction SQLite ended by itself (an I/O error, a full disk)
	 * that nobody rolled back still holds its count: give it back. */
	if (tx_slot(db) >= 0 && sqlite3_get_autocommit(db))
		tx_ended(db);
	i = tx_slot(NULL);
	if (i < 0 || tx_slot(db) >= 0)
		return -1;
	pb_db_writer_lock();
	if (pb_db_exec(db, "BEGIN IMMEDIATE") != 0) {
		pb_db_writer_unlock();
		return -1;
	}
	tx_db[i] = db;
	return 0;
}

int pb_db_commit(sqlite3 *db)
{
	if (pb_db_exec(db, "COMMIT") == 0) {
		tx_ended(db);
		return 0;
	}
	pb_db_rollback(db);
	return -1;
}

void pb_db_rollback(sqlite3 *db)
{
	if (db != NULL && !sqlite3_get_autocommit(db))
		(void)pb_db_exec(db, "ROLLBACK");
	tx_ended(db);
}

int pb_db_write_one(sqlite3 *db, sqlite3_stmt *st)
{
	int alone = sqlite3_get_autocommit(db) != 0, rc;

	if (alone && pb_db_begin(db) != 0)
		return -1;
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	if (!alone)
		return rc;
	if (rc == 0)
		return pb_db_commit(db);
	pb_db_rollback(db);
	return -1;
}

/* name is a constant identifier chosen by the caller, never input */
static int savepoint(sqlite3 *db, const char *verb, const char *name)
{
	char sql[96];
	int n = snprintf(sql, sizeof(sql), "%s %s", verb, name);

	return n > 0 && (size_t)n < sizeof(sql) ? pb_db_exec(db, sql) : -1;
}

int pb_db_begin_nested(sqlite3 *db, const char *name, int *own)
{
	*own = sqlite3_get_autocommit(db) != 0;
	return *own ? pb_db_begin(db) : savepoint(db, "SAVEPOINT", name);
}

int pb_db_commit_nested(sqlite3 *db, const char *name, int own)
{
	return own ? pb_db_commit(db) : savepoint(db, "RELEASE", name);
}

void pb_db_rollback_nested(sqlite3 *db, const char *name, int own)
{
	if (own) {
		pb_db_rollback(db);
	} else if (savepoint(db, "ROLLBACK TO", name) == 0) {
		(void)savepoint(db, "RELEASE", name);
	}
}

int pb_db_schema_version(void)
{
	int v = 0;

	for (int i = 0; i < KNOWN_COUNT; i++)
		if (KNOWN[i].version > v)
			v = KNOWN[i].version;
	return v;
}

/* The migration with the smallest version above `after`, or NULL. The table
 * is searched rather than walked in order, so its entries may stand in any
 * order; two entries with one number are refused by migrate(). */
static const struct pb_migration *next_migration(int after)
{
	const struct pb_migration *best = NULL;

	for (int i = 0; i < KNOWN_COUNT; i++)
		if (KNOWN[i].version > after &&
		    (best == NULL || KNOWN[i].version < best->version))
			best = &KNOWN[i];
	return best;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int pb_db_quick_check(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *msg;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK) {
		set_err(err, errlen, "quick_check", db);
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		set_err(err, errlen, "quick_check", db);
		goto out;
	}
	msg = sqlite3_column_text(st, 0);
	if (msg == NULL || strcmp((const char *)msg, "ok") != 0) {
		snprintf(err, errlen, "database is damaged: %s",
			 msg != NULL ? (const char *)msg : "(no answer)");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Which migrations a database holds is kept in schema_migration, one row
 * per applied number, so numbers may land out of order (4 before 3): each
 * missing one is applied by itself. A database made before that table
 * existed holds every migration up to user_version (they were applied in
 * order; numbers are not consecutive, reserved ranges leave gaps).
 * older_ok is the migration's mark (pb_schema.h), written by the program
 * that applied it, so that an older program, which does not know that
 * migration, can tell whether it may still use the database. Rows written
 * before the column existed get the marks this program knows; a number it
 * does not know keeps 0, not safe. */
#define SCHEMA_MIGRATION_SQL "CREATE TABLE IF NOT EXISTS schema_migration (" \
	"version INTEGER PRIMARY KEY, older_ok INTEGER NOT NULL DEFAULT 0)"

static int older_ok(const struct pb_migration *m)
{
	return m->compat == PB_MIGRATION_OLDER_OK;
}

/* 1 if schema_migration has its older_ok column, 0 if not (or no table). */
static int marks_recorded(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_prepare_v2(db, "SELECT older_ok FROM schema_migration LIMIT 0", -1,
				    &st, NULL) == SQLITE_OK;

	sqlite3_finalize(st);
	return ok;
}

/* Inside the caller's transaction: the table, its marks column, and the
 * rows of a database older than either. */
static int migrations_table(sqlite3 *db, int have)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, n = 0, marks;

	if (pb_db_exec(db, SCHEMA_MIGRATION_SQL) != 0)
		return -1;
	marks = marks_recorded(db);
	if (!marks && pb_db_exec(db, "ALTER TABLE schema_migration ADD COLUMN "
				 "older_ok INTEGER NOT NULL DEFAULT 0") != 0)
		return -1;
	if (pragma_int(db, "SELECT COUNT(*) FROM schema_migration", &n) != 0)
		return -1;
	if (!marks && n > 0) {
		if (sqlite3_prepare_v2(db, "UPDATE schema_migration SET older_ok = ?2 "
				       "WHERE version = ?1", -1, &st, NULL) != SQLITE_OK)
			return -1;
	} else if (n == 0 && have > 0) {
		if (sqlite3_prepare_v2(db, "INSERT INTO schema_migration(version, older_ok) "
				       "VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
			return -1;
	} else {
		return 0;
	}
	for (int i = 0; i < KNOWN_COUNT; i++) {
		if (n == 0 && KNOWN[i].version > have)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, KNOWN[i].version);
		sqlite3_bind_int(st, 2, older_ok(&KNOWN[i]));
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int known_migration(int v)
{
	for (int i = 0; i < KNOWN_COUNT; i++)
		if (KNOWN[i].version == v)
			return 1;
	return 0;
}

/* The applied migrations this build does not know, left there by a newer
 * program (this one was gone back to, docs/updates.md): 0 when each is
 * marked safe for older programs (each logged), -1 with err naming the
 * first that is not. */
static atomic_int newer_told;

static int migrations_unknown(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, marks = marks_recorded(db), step, told = 0;

	if (sqlite3_prepare_v2(db, marks ? "SELECT version, older_ok FROM schema_migration "
			       "ORDER BY version" : "SELECT version, 0 FROM schema_migration "
			       "ORDER BY version", -1, &st, NULL) != SQLITE_OK) {
		set_err(err, errlen, "reading applied migrations", db);
		return -1;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int v = sqlite3_column_int(st, 0);

		if (known_migration(v))
			continue;
		if (sqlite3_column_int(st, 1) != 1) {
			snprintf(err, errlen, "database has migration %d of a newer version, "
				 "marked as one older programs may not use: install that version "
				 "(or a later one) again", v);
			goto out;
		}
		if (atomic_load(&newer_told) == 0)
			pb_log(LOG_NOTICE, "database has migration %d of a newer version, "
			       "marked safe for older programs: using it as it is", v);
		told = 1;
	}
	if (told)
		atomic_store(&newer_told, 1);   /* once a process, not at every open */
	if (step != SQLITE_DONE) {
		set_err(err, errlen, "reading applied migrations", db);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* 1 if migration v is recorded as applied, 0 if not, -1 on error. */
static int migration_applied(sqlite3 *db, int v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migration WHERE version = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, v);
	step = sqlite3_step(st);
	rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int pb_db_migration_applied(sqlite3 *db, int v)
{
	return migration_applied(db, v);
}

int pb_db_any_applied(sqlite3 *db, const char *list)
{
	const char *p = list;
	char *end;

	while (*p != '\0') {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0 && v <= INT_MAX && migration_applied(db, (int)v) == 1)
			return 1;
		p = end + strspn(end, ", ");
	}
	return 0;
}

/* 1 if every migration this build knows numbered below `below` is
 * recorded as applied. */
static int migrations_all_applied(sqlite3 *db, int below)
{
	for (int i = 0; i < KNOWN_COUNT; i++)
		if (KNOWN[i].version < below && migration_applied(db, KNOWN[i].version) != 1)
			return 0;
	return 1;
}

static atomic_int held_told;

/* 1 while box_meta names a release on trial (PB_UPDATE_TRIAL_KEY), 0 if
 * not, -1 when it cannot be read. */
static int on_trial(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int trial = -1, step;

	if (sqlite3_prepare_v2(db, "SELECT value <> '' FROM box_meta WHERE key = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, PB_UPDATE_TRIAL_KEY, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
		trial = step == SQLITE_ROW ? sqlite3_column_int(st, 0) == 1 :
			step == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return trial;
}

/* The number from which migrations wait (the smallest one marked newer
 * only that the database does not hold yet), INT_MAX when none waits: no
 * such migration, no release on trial, or a database without migrations
 * (a new one, which no older root has used); -1 when whether a release is
 * on trial cannot be read. A migration whose record cannot be read counts
 * as not applied: held rather than applied by mistake. The migration list
 * comes first, so box_meta is read only when some migration could wait. */
static int held_from(sqlite3 *db, int have)
{
	int from = INT_MAX, trial;

	if (have == 0)
		return INT_MAX;
	for (int i = 0; i < KNOWN_COUNT; i++)
		if (KNOWN[i].compat == PB_MIGRATION_NEWER_ONLY && KNOWN[i].version < from &&
		    migration_applied(db, KNOWN[i].version) != 1)
			from = KNOWN[i].version;
	if (from == INT_MAX)
		return INT_MAX;
	if ((trial = on_trial(db)) <= 0)
		return trial < 0 ? -1 : INT_MAX;
	if (atomic_exchange(&held_told, 1) == 0)
		pb_log(LOG_NOTICE, "migration %d is marked newer only: it and every later one "
		       "wait until the release on trial is committed", from);
	return from;
}

int pb_db_held_migrations(sqlite3 *db, int newer_only, char *out, size_t len)
{
	size_t used = 0;
	int n = 0;

	out[0] = '\0';
	for (const struct pb_migration *m = next_migration(0); m != NULL;
	     m = next_migration(m->version)) {
		int applied = migration_applied(db, m->version), w;

		if (applied < 0)
			return -1;
		if (applied || (newer_only && m->compat != PB_MIGRATION_NEWER_ONLY))
			continue;
		w = snprintf(out + used, len - used, "%s%d", n > 0 ? ", " : "", m->version);
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;              /* else the list is cut: still a count */
		n++;
	}
	return n;
}

static int migrate(sqlite3 *db, char *err, size_t errlen)
{
	int have = 0, applied, top, done, from;
	char sql[80];

	if (pragma_int(db, "PRAGMA user_version", &have) != 0) {
		set_err(err, errlen, "reading user_version", db);
		return -1;
	}
	/* A newer program records each number it applied (and its mark):
	 * without that record a higher user_version cannot be judged. */
	if (have > pb_db_schema_version() && migration_applied(db, have) != 1) {
		snprintf(err, errlen, "database schema %d is newer than this "
			 "program (%d): install the newer version", have,
			 pb_db_schema_version());
		return -1;
	}
	for (int i = 0; i < KNOWN_COUNT; i++)
		for (int j = i + 1; j < KNOWN_COUNT; j++)
			if (KNOWN[i].version == KNOWN[j].version) {
				snprintf(err, errlen, "two schema migrations are numbered %d",
					 KNOWN[i].version);
				return -1;
			}
	/* The usual open (every one after the first): nothing to apply, found
	 * with reads alone, so opening a handle never waits for the write
	 * lock another connection holds. With every known migration applied
	 * none can wait, and whether a release is on trial is not read. */
	done = have > 0 && marks_recorded(db) && migrations_all_applied(db, INT_MAX);
	if (!done && have > 0 && (from = held_from(db, have)) >= 0)
		done = marks_recorded(db) && migrations_all_applied(db, from);
	if (have > 0) {
		if (!done && (pb_db_begin(db) != 0 || migrations_table(db, have) != 0 ||
			      pb_db_commit(db) != 0)) {
			set_err(err, errlen, "recording applied migrations", db);
			pb_db_rollback(db);
			return -1;
		}
		if (migrations_unknown(db, err, errlen) != 0)
			return -1;
	}
	if (done)
		return 0;
	if ((from = held_from(db, have)) < 0) {
		set_err(err, errlen, "reading whether a release is on trial", db);
		return -1;
	}
	/* every number not yet applied, smallest first, also below user_version,
	 * up to the first one held back */
	for (const struct pb_migration *m = next_migration(0); m != NULL && m->version < from;
	     m = next_migration(m->version)) {
		if (pb_db_begin(db) != 0) {
			set_err(err, errlen, "starting migration", db);
			return -1;
		}
		if (migrations_table(db, 0) != 0 || (applied = migration_applied(db, m->version)) < 0) {
			set_err(err, errlen, "reading applied migrations", db);
			pb_db_rollback(db);
			return -1;
		}
		if (applied) {
			pb_db_rollback(db);
			continue;
		}
		top = m->version > have ? m->version : have;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", top);
		if (pb_db_exec(db, m->sql) != 0 || pb_db_exec(db, sql) != 0) {
			char what[64];
			snprintf(what, sizeof(what), "migration %d", m->version);
			set_err(err, errlen, what, db);
			pb_db_rollback(db);
			return -1;
		}
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migration(version, older_ok) "
			 "VALUES (%d, %d)", m->version, older_ok(m));
		if (pb_db_exec(db, sql) != 0 || pb_db_commit(db) != 0) {
			set_err(err, errlen, "committing migration", db);
			pb_db_rollback(db);
			return -1;
		}
		have = top;
	}
	return 0;
}

int pb_db_newer_migrations(sqlite3 *db, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	size_t used = 0;
	int n = 0, step;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_migration ORDER BY version", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int v = sqlite3_column_int(st, 0), w;

		if (known_migration(v))
			continue;
		w = snprintf(out + used, len - used, "%s%d", n > 0 ? ", " : "", v);
		if (w < 0 || (size_t)w >= len - used)
			break;                          /* the list is cut: still a count */
		used += (size_t)w;
		n++;
	}
	sqlite3_finalize(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? n : -1;
}

int pb_db_open(const char *path, int flags, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int oflags = SQLITE_OPEN_NOMUTEX;
	int mode_ok = 0, persist = 1;
	sqlite3_stmt *st = NULL;

	*out = NULL;
	if ((flags & PB_DB_CREATE) && !(flags & PB_DB_READONLY) &&
	    create_file(path, err, errlen) != 0)
		return -1;
	if (flags & PB_DB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE;
	if (flags & PB_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	/* SQLite opens a file it may not write read-only (or not at all) and
	 * says so only at the first write, without naming it: say it now. */
	if (!(flags & PB_DB_READONLY) && pb_db_files_writable(path, err, errlen) != 0)
		return -1;
	if (sqlite3_open_v2(path, &db, oflags, NULL) != SQLITE_OK) {
		set_err(err, errlen, path, db);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, PB_DB_BUSY_TIMEOUT_MS);
	if (pb_db_exec(db, "PRAGMA foreign_keys = ON") != 0 ||
	    pb_db_exec(db, "PRAGMA synchronous = FULL") != 0) {
		set_err(err, errlen, "setting pragmas", db);
		goto fail;
	}
	if (!(flags & PB_DB_NOCHECK) && pb_db_quick_check(db, err, errlen) != 0)
		goto fail;
	if (flags & PB_DB_READONLY) {
		*out = db;
		return 0;
	}
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist) != SQLITE_OK) {
		set_err(err, errlen, "keeping the WAL", db);
		goto fail;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0)
		mode_ok = 1;
	sqlite3_finalize(st);
	if (!mode_ok) {
		set_err(err, errlen, "switching to WAL", db);
		goto fail;
	}
	if (sqlite3_db_readonly(db, "main") == 1) {
		snprintf(err, errlen, "%s is open read-only", path);
		goto fail;
	}
	if (!(flags & PB_DB_NOMIGRATE) && migrate(db, err, errlen) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

sqlite3_stmt *pb_db_stmt(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(db, st)) != NULL) {
		const char *have = sqlite3_sql(st);
		if (have != NULL && !sqlite3_stmt_busy(st) && strcmp(have, sql) == 0) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

void pb_db_stmt_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

void pb_db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (db == NULL)
		return;
	pb_db_rollback(db);
	while ((st = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(st);
	sqlite3_close(db);
}

int pb_db_meta_get(sqlite3 *db, const char *key, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	const unsigned char *v;

	if ((st = pb_db_stmt(db, "SELECT value FROM box_meta WHERE key = ?1")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	v = sqlite3_column_text(st, 0);
	if (v == NULL || strlen((const char *)v) >= len)
		goto out;
	memcpy(out, v, strlen((const char *)v) + 1);
	rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

int pb_db_meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db,
			"INSERT INTO box_meta(key, value) VALUES (?1, ?2) "
			"ON CONFLICT(key) DO UPDATE SET value = excluded.value")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = pb_db_write_one(db, st);
out:
	pb_db_stmt_done(st);
	return rc;
}

char *pb_db_text_by_id(sqlite3 *db, const char *sql, int64_t id)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *text;
	char *out = NULL;

	if ((st = pb_db_stmt(db, sql)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && (text = sqlite3_column_text(st, 0)) != NULL)
		out = strdup((const char *)text);
out:
	pb_db_stmt_done(st);
	return out;
}

long long pb_db_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if ((st = pb_db_stmt(db, sql)) != NULL &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	pb_db_stmt_done(st);
	return n;
}
