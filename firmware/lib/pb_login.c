#include "pb_login.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hash.h"
#include "pb_password.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

const char *pb_login_strerror(enum pb_login_result r)
{
	switch (r) {
	case PB_LOGIN_OK:        return "ok";
	case PB_LOGIN_NONE:      return "not logged in or login expired";
	case PB_LOGIN_REFUSED:   return "wrong name or password";
	case PB_LOGIN_LOCKED:    return "too many failed logins";
	case PB_LOGIN_DB:        return "database error";
	}
	return "unknown";
}

static void boot_and_now(char boot[PB_BOOT_ID_MAX + 1], int64_t *now)
{
	struct pb_stamp st;

	pb_clock_now(&st);
	memcpy(boot, st.boot_id, sizeof(st.boot_id));
	*now = st.mono_ms;
}

static void token_hash(const char *token, char out[PB_SHA256_HEX_LEN + 1])
{
	pb_sha256_hex(token, strlen(token), out);
}

/* One scope/key's failures in this window, and the seconds left of its
 * lock (0: not locked) and of its window. */
struct failures {
	unsigned fails;
	unsigned locked_s;
	unsigned window_s;
};

static int64_t secs_up(int64_t ms)
{
	return ms <= 0 ? 0 : (ms + 999) / 1000;
}

static int failures_of(sqlite3 *db, const char *scope, const char *key, const char *boot,
		       int64_t now, const struct pb_login_limits *lim, struct failures *f)
{
	sqlite3_stmt *st = NULL;
	int64_t window = (int64_t)lim->lockout_s * 1000;
	int step;

	memset(f, 0, sizeof(*f));
	if ((st = pb_db_stmt(db, "SELECT fails, first_mono, locked_until FROM login_failure "
				 "WHERE scope = ?1 AND key = ?2 AND boot_id = ?3")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, boot, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(st, 1);
		int64_t until = sqlite3_column_int64(st, 2);
		if (now - first <= window) {
			f->fails = (unsigned)sqlite3_column_int64(st, 0);
			f->window_s = (unsigned)secs_up(first + window - now);
		}
		if (until > now && until - now <= window)
			f->locked_s = (unsigned)secs_up(until - now);
	}
	pb_db_stmt_done(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

/* Count one failure; lock when the limit is reached. */
static int count_failure(sqlite3 *db, const char *scope, const char *key, unsigned max,
			 const char *boot, int64_t now, const struct pb_login_limits *lim)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	int64_t window = (int64_t)lim->lockout_s * 1000;

	if ((st = pb_db_stmt(db,
			"INSERT INTO login_failure(scope, key, fails, boot_id, first_mono, locked_until) "
			"VALUES (?1, ?2, 1, ?3, ?4, CASE WHEN ?5 <= 1 THEN ?4 + ?6 ELSE 0 END) "
			"ON CONFLICT(scope, key) DO UPDATE SET "
			"fails = CASE WHEN boot_id <> ?3 OR ?4 - first_mono > ?6 THEN 1 ELSE fails + 1 END, "
			"first_mono = CASE WHEN boot_id <> ?3 OR ?4 - first_mono > ?6 THEN ?4 "
			"  ELSE first_mono END, "
			"locked_until = CASE WHEN (CASE WHEN boot_id <> ?3 OR ?4 - first_mono > ?6 "
			"  THEN 1 ELSE fails + 1 END) >= ?5 THEN ?4 + ?6 ELSE 0 END, "
			"boot_id = ?3")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, max);
	sqlite3_bind_int64(st, 6, window);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

/* Give back a failure counted for an attempt that was right. */
static int uncount_failure(sqlite3 *db, const char *scope, const char *key, unsigned max)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, "UPDATE login_failure SET fails = fails - 1, locked_until = "
				 "CASE WHEN fails - 1 >= ?3 THEN locked_until ELSE 0 END "
				 "WHERE scope = ?1 AND key = ?2 AND fails > 0")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, max);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	pb_db_stmt_done(st);
	return rc;
}

static int clear_failures(sqlite3 *db, const char *scope, const char *key)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, "DELETE FROM login_failure WHERE scope = ?1 AND key = ?2")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	pb_db_stmt_done(st);
	return rc;
}

/* Drop logins and failure counts that can no longer matter. */
static int forget_old(sqlite3 *db, const struct pb_login_limits *lim, const char *boot,
		      int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, "DELETE FROM staff_login WHERE boot_id <> ?1 "
				 "OR ?2 - last_mono > ?3 OR ?2 - created_mono > ?4")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, (int64_t)lim->idle_s * 1000);
	sqlite3_bind_int64(st, 4, (int64_t)lim->max_s * 1000);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	if ((st = pb_db_stmt(db, "DELETE FROM login_failure WHERE boot_id <> ?1 "
				 "OR (?2 - first_mono > ?3 AND locked_until < ?2)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, (int64_t)lim->lockout_s * 1000);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", v != NULL ? (const char *)v : "");
}

/* Before a password is checked, in one transaction: refuse a locked
 * address or account-and-address, else count the attempt as a failure
 * (pb_login_start gives it back when the password was right). Over
 * fail_max_account failures to the account from anywhere, an address
 * that already failed on it waits until its own window ends. */
static enum pb_login_result admit(sqlite3 *db, const struct pb_login_limits *lim,
				  const char *user, const char *client, const char *pair,
				  char boot[PB_BOOT_ID_MAX + 1], int64_t *nowp, unsigned *retry_s)
{
	struct failures p, c, a;
	enum pb_login_result rc = PB_LOGIN_DB;
	int64_t now;

	if (pb_db_begin(db) != 0)
		return PB_LOGIN_DB;
	/* Read the clock under the write lock: attempts are then counted in
	 * time order, and a lock set by the attempt before is never older
	 * than this one's "now" (it would look like a lock from the future). */
	boot_and_now(boot, nowp);
	now = *nowp;
	if (forget_old(db, lim, boot, now) != 0 ||
	    failures_of(db, "pair", pair, boot, now, lim, &p) != 0 ||
	    failures_of(db, "client", client, boot, now, lim, &c) != 0 ||
	    failures_of(db, "account", user, boot, now, lim, &a) != 0)
		goto out;
	if (a.fails >= lim->fail_max_account && p.fails > 0 && p.locked_s < p.window_s)
		p.locked_s = p.window_s;
	if (p.locked_s > 0 || c.locked_s > 0) {
		*retry_s = p.locked_s > c.locked_s ? p.locked_s : c.locked_s;
		rc = PB_LOGIN_LOCKED;
		goto out;
	}
	if (count_failure(db, "pair", pair, lim->fail_max_pair, boot, now, lim) != 0 ||
	    count_failure(db, "client", client, lim->fail_max_client, boot, now, lim) != 0 ||
	    count_failure(db, "account", user, UINT_MAX, boot, now, lim) != 0)
		goto out;
	if (pb_db_commit(db) == 0)
		return PB_LOGIN_OK;
out:
	pb_db_rollback(db);
	return rc;
}

enum pb_login_result pb_login_start(sqlite3 *db, const struct pb_login_limits *lim,
				    const char *user, const char *password,
				    const char *client, const char *old_token,
				    char token[PB_LOGIN_TOKEN_HEX + 1],
				    struct pb_login *who, unsigned *retry_s)
{
	sqlite3_stmt *st = NULL;
	char boot[PB_BOOT_ID_MAX + 1], hash[PB_PASSWORD_HASH_LEN], th[PB_SHA256_HEX_LEN + 1];
	unsigned char raw[PB_LOGIN_TOKEN_BYTES];
	int64_t now;
	char pair[PB_LOGIN_CLIENT_MAX + PB_LOGIN_USER_MAX + 2];
	int found = 0, disabled = 1, good;
	enum pb_login_result rc = PB_LOGIN_DB, lrc;

	*retry_s = 0;
	memset(who, 0, sizeof(*who));
	snprintf(pair, sizeof(pair), "%s %s", client, user);
	lrc = admit(db, lim, user, client, pair, boot, &now, retry_s);
	if (lrc != PB_LOGIN_OK)
		return lrc;
	if ((st = pb_db_stmt(db, "SELECT id, name, role, kind, pw_hash, disabled FROM staff "
				 "WHERE name = ?1")) == NULL)
		return PB_LOGIN_DB;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		who->staff_id = sqlite3_column_int64(st, 0);
		copy_text(who->name, sizeof(who->name), st, 1);
		copy_text(who->role, sizeof(who->role), st, 2);
		copy_text(who->kind, sizeof(who->kind), st, 3);
		copy_text(hash, sizeof(hash), st, 4);
		disabled = sqlite3_column_int(st, 5);
	}
	pb_db_stmt_done(st);
	st = NULL;
	/* The password is checked (slowly) outside any transaction, and
	 * always: an unknown or disabled account costs what a wrong password
	 * does, and is refused after. */
	good = pb_password_verify_or_burn(found ? hash : NULL, password) == 0 && !disabled;

	if (!good) {
		memset(who, 0, sizeof(*who));
		return PB_LOGIN_REFUSED;   /* admit() counted it already */
	}
	if (pb_db_begin(db) != 0)
		return PB_LOGIN_DB;
	if (clear_failures(db, "pair", pair) != 0 ||
	    uncount_failure(db, "client", client, lim->fail_max_client) != 0 ||
	    uncount_failure(db, "account", user, UINT_MAX) != 0)
		goto out;
	if (old_token != NULL && old_token[0] != '\0' && pb_login_end(db, old_token) != 0)
		goto out;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token, PB_LOGIN_TOKEN_HEX + 1, raw, sizeof(raw));
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(who->csrf, sizeof(who->csrf), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	token_hash(token, th);
	if ((st = pb_db_stmt(db, "INSERT INTO staff_login(token_hash, staff_id, csrf, boot_id, "
				 "created_mono, last_mono, client) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, who->staff_id);
	sqlite3_bind_text(st, 3, who->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, client, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	who->id = sqlite3_last_insert_rowid(db);
	rc = PB_LOGIN_OK;
	if (pb_db_commit(db) != 0)
		rc = PB_LOGIN_DB;
out:
	pb_db_stmt_done(st);
	if (rc == PB_LOGIN_DB)
		pb_db_rollback(db);
	if (rc != PB_LOGIN_OK) {
		memset(who, 0, sizeof(*who));
		token[0] = '\0';
		return rc;
	}
	/* The one moment the password is known: a weak hash is made strong
	 * (slowly, outside the login's transaction, which stands whatever
	 * happens here). */
	if (pb_password_weak(hash)) {
		enum pb_staff_result hr = pb_staff_rehash(db, who->staff_id, hash, password);
		who->rehashed = hr == PB_STAFF_OK ? 1 : hr == PB_STAFF_NOT_FOUND ? 0 : -1;
	}
	return rc;
}

enum pb_login_result pb_login_check(sqlite3 *db, const struct pb_login_limits *lim,
				    const char *token, struct pb_login *who)
{
	sqlite3_stmt *st = NULL;
	char boot[PB_BOOT_ID_MAX + 1], th[PB_SHA256_HEX_LEN + 1];
	int64_t now, last = 0;
	enum pb_login_result rc = PB_LOGIN_NONE;

	memset(who, 0, sizeof(*who));
	if (token == NULL || strlen(token) != PB_LOGIN_TOKEN_HEX)
		return PB_LOGIN_NONE;
	boot_and_now(boot, &now);
	token_hash(token, th);
	if ((st = pb_db_stmt(db,
			"SELECT l.id, l.staff_id, l.csrf, s.name, s.role, s.kind, l.last_mono "
			"FROM staff_login l JOIN staff s ON s.id = l.staff_id "
			"WHERE l.token_hash = ?1 AND l.boot_id = ?3 AND s.disabled = 0 "
			"AND ?2 - l.last_mono <= ?4 AND ?2 - l.created_mono <= ?5 AND ?2 >= l.last_mono")) == NULL)
		return PB_LOGIN_DB;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, boot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)lim->idle_s * 1000);
	sqlite3_bind_int64(st, 5, (int64_t)lim->max_s * 1000);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		who->id = sqlite3_column_int64(st, 0);
		who->staff_id = sqlite3_column_int64(st, 1);
		copy_text(who->csrf, sizeof(who->csrf), st, 2);
		copy_text(who->name, sizeof(who->name), st, 3);
		copy_text(who->role, sizeof(who->role), st, 4);
		copy_text(who->kind, sizeof(who->kind), st, 5);
		last = sqlite3_column_int64(st, 6);
		rc = PB_LOGIN_OK;
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = PB_LOGIN_DB;
	}
	pb_db_stmt_done(st);
	/* Mark it used, but write (and fsync) at most every PB_LOGIN_TOUCH_MS:
	 * a facilitator's page polls every few seconds. */
	if (rc == PB_LOGIN_OK && now - last > PB_LOGIN_TOUCH_MS) {
		if ((st = pb_db_stmt(db, "UPDATE staff_login SET last_mono = ?2 WHERE id = ?1")) == NULL)
			return PB_LOGIN_DB;
		sqlite3_bind_int64(st, 1, who->id);
		sqlite3_bind_int64(st, 2, now);
		if (pb_db_write_one(db, st) != 0)
			rc = PB_LOGIN_DB;
		pb_db_stmt_done(st);
	}
	if (rc != PB_LOGIN_OK)
		memset(who, 0, sizeof(*who));
	return rc;
}

int pb_login_end(sqlite3 *db, const char *token)
{
	sqlite3_stmt *st = NULL;
	char th[PB_SHA256_HEX_LEN + 1];
	int rc = -1;

	token_hash(token, th);
	if ((st = pb_db_stmt(db, "DELETE FROM staff_login WHERE token_hash = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
	rc = pb_db_write_one(db, st);
	pb_db_stmt_done(st);
	return rc;
}

int pb_login_csrf_ok(const struct pb_login *who, const char *sent)
{
	if (sent == NULL || strlen(sent) != PB_LOGIN_TOKEN_HEX ||
	    strlen(who->csrf) != PB_LOGIN_TOKEN_HEX)
		return 0;
	return sodium_memcmp(who->csrf, sent, PB_LOGIN_TOKEN_HEX) == 0;
}
