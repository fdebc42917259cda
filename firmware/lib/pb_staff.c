#include "pb_staff.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_password.h"

#include <string.h>

const char *pb_staff_strerror(enum pb_staff_result r)
{
	switch (r) {
	case PB_STAFF_OK:           return "ok";
	case PB_STAFF_EXISTS:       return "an account with this name exists";
	case PB_STAFF_NOT_FOUND:    return "no such account";
	case PB_STAFF_BAD_NAME:     return "name must be 1-32 of a-z, 0-9, '.', '_', '-'";
	case PB_STAFF_BAD_ROLE:     return "role must be admin, fasilitator or mentor";
	case PB_STAFF_BAD_KIND:     return "kind must be mentor, pengampu or instruktur";
	case PB_STAFF_BAD_PASSWORD: return "password must be 8-128 characters";
	case PB_STAFF_BAD_IDENTITY: return "full name or NIP not valid";
	case PB_STAFF_DB:           return "database error";
	}
	return "unknown";
}

int pb_staff_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PB_STAFF_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

int pb_staff_role_valid(const char *role)
{
	return strcmp(role, "admin") == 0 || strcmp(role, "fasilitator") == 0 ||
	       strcmp(role, "mentor") == 0;
}

static int password_ok(const char *pw)
{
	size_t n = strlen(pw);
	return n >= PB_PASSWORD_MIN && n <= PB_PASSWORD_MAX;
}

/* One change of an account, as a transaction of its own when the caller
 * has none (pb_db_begin: the one write path). */
static enum pb_staff_result run(sqlite3 *db, sqlite3_stmt *st)
{
	int alone = sqlite3_get_autocommit(db) != 0, step, changes;

	if (alone && pb_db_begin(db) != 0) {
		pb_db_stmt_done(st);
		return PB_STAFF_DB;
	}
	step = sqlite3_step(st);
	changes = sqlite3_changes(db);
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE) {
		if (alone)
			pb_db_rollback(db);
		return step == SQLITE_CONSTRAINT_UNIQUE || step == SQLITE_CONSTRAINT ?
		       PB_STAFF_EXISTS : PB_STAFF_DB;
	}
	if (alone && pb_db_commit(db) != 0)
		return PB_STAFF_DB;
	return changes > 0 ? PB_STAFF_OK : PB_STAFF_NOT_FOUND;
}

enum pb_staff_result pb_staff_add(sqlite3 *db, const char *name, const char *role,
				  const char *kind, const char *password)
{
	char hash[PB_PASSWORD_HASH_LEN];
	sqlite3_stmt *st = NULL;

	if (!pb_staff_name_valid(name))
		return PB_STAFF_BAD_NAME;
	if (!pb_staff_role_valid(role))
		return PB_STAFF_BAD_ROLE;
	if (kind[0] != '\0' && strcmp(kind, "mentor") != 0 &&
	    strcmp(kind, "pengampu") != 0 && strcmp(kind, "instruktur") != 0)
		return PB_STAFF_BAD_KIND;
	if (!password_ok(password))
		return PB_STAFF_BAD_PASSWORD;
	if (pb_password_hash(password, hash) != 0)
		return PB_STAFF_DB;
	if ((st = pb_db_stmt(db, "INSERT INTO staff(name, role, kind, pw_hash, created_at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5)")) == NULL)
		return PB_STAFF_DB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, pb_clock_wall_ms() / 1000);
	return run(db, st);
}

enum pb_staff_result pb_staff_passwd(sqlite3 *db, const char *name, const char *password)
{
	char hash[PB_PASSWORD_HASH_LEN];
	sqlite3_stmt *st = NULL;

	if (!password_ok(password))
		return PB_STAFF_BAD_PASSWORD;
	if (pb_password_hash(password, hash) != 0)
		return PB_STAFF_DB;
	if ((st = pb_db_stmt(db, "UPDATE staff SET pw_hash = ?1 WHERE name = ?2")) == NULL)
		return PB_STAFF_DB;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return run(db, st);
}

enum pb_staff_result pb_staff_rehash(sqlite3 *db, int64_t id, const char *old_hash,
				     const char *password)
{
	char hash[PB_PASSWORD_HASH_LEN];
	sqlite3_stmt *st = NULL;

	if (pb_password_hash(password, hash) != 0)
		return PB_STAFF_DB;
	if ((st = pb_db_stmt(db, "UPDATE staff SET pw_hash = ?1 WHERE id = ?2 AND pw_hash = ?3")) == NULL)
		return PB_STAFF_DB;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, old_hash, -1, SQLITE_STATIC);
	return run(db, st);
}

int pb_staff_weak_count(sqlite3 *db, long long *n)
{
	sqlite3_stmt *st = NULL;
	int step;

	*n = 0;
	if ((st = pb_db_stmt(db, "SELECT pw_hash FROM staff")) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);

		if (h != NULL && pb_password_weak((const char *)h))
			(*n)++;
	}
	pb_db_stmt_done(st);
	return step == SQLITE_DONE ? 0 : -1;
}

enum pb_staff_result pb_staff_set_disabled(sqlite3 *db, const char *name, int disabled)
{
	sqlite3_stmt *st = NULL;

	if ((st = pb_db_stmt(db, "UPDATE staff SET disabled = ?1 WHERE name = ?2")) == NULL)
		return PB_STAFF_DB;
	sqlite3_bind_int(st, 1, disabled ? 1 : 0);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return run(db, st);
}
