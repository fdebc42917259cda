/* Unit tests: the login's password check costs one argon2id verify
 * whoever asks (pb_password_verify_or_burn), on the box's real logins
 * (pb_login_start over a real SQLite file). Linked with
 * -Wl,--wrap=crypto_pwhash_str_verify: libsodium's verify is counted
 * here, then done for real, so the test sees the verify taken without
 * timing anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pb_db.h"
#include "pb_login.h"
#include "pb_password.h"
#include "pb_staff.h"

int __real_crypto_pwhash_str_verify(const char *str, const char *passwd,
				    unsigned long long passwdlen);
int __wrap_crypto_pwhash_str_verify(const char *str, const char *passwd,
				    unsigned long long passwdlen);

static unsigned verifies;

int __wrap_crypto_pwhash_str_verify(const char *str, const char *passwd,
				    unsigned long long passwdlen)
{
	verifies++;
	return __real_crypto_pwhash_str_verify(str, passwd, passwdlen);
}

/* The verifies done by one check of password against hash. */
static unsigned burn_verifies(const char *hash, const char *password)
{
	unsigned before = verifies;

	(void)pb_password_verify_or_burn(hash, password);
	return verifies - before;
}

static void test_verify_or_burn(void **state)
{
	char hash[PB_PASSWORD_HASH_LEN];
	(void)state;

	assert_true(sodium_init() >= 0);
	assert_int_equal(pb_password_hash("rahasia-satu", hash), 0);
	assert_int_equal(pb_password_verify_or_burn(hash, "rahasia-satu"), 0);
	assert_int_equal(pb_password_verify_or_burn(hash, "rahasia-dua"), -1);
	assert_int_equal(pb_password_verify_or_burn(NULL, "rahasia-satu"), -1);
	assert_int_equal(pb_password_verify_or_burn(NULL, ""), -1);
	/* one verify each: the account's hash, or the dummy one when there
	 * is no account (made on the first such call, then kept) */
	assert_int_equal(burn_verifies(hash, "rahasia-satu"), 1);
	assert_int_equal(burn_verifies(hash, "salah-salah"), 1);
	assert_int_equal(burn_verifies(NULL, "rahasia-satu"), 1);
	assert_int_equal(burn_verifies(NULL, "lain-lagi"), 1);
}

/* The parameters libsodium writes for the production cost. */
#define PRODUCTION "$argon2id$v=19$m=16384,t=3,p=1$"

static void make_hash(char out[PB_PASSWORD_HASH_LEN], const char *password,
		      unsigned long long ops, size_t mem, int alg)
{
	assert_int_equal(crypto_pwhash_str_alg(out, password, strlen(password), ops, mem, alg),
			 0);
}

/* Which hashes are below the cost new ones are made at: the production
 * cost here (the unit tests run without PB_PASSWORD_COST, main()). */
static void test_weak(void **state)
{
	char h[PB_PASSWORD_HASH_LEN];
	(void)state;

	assert_true(sodium_init() >= 0);
	assert_int_equal(pb_password_hash("rahasia-satu", h), 0);
	assert_int_equal(strncmp(h, PRODUCTION, strlen(PRODUCTION)), 0);
	assert_int_equal(pb_password_weak(h), 0);
	make_hash(h, "rahasia-satu", PB_PASSWORD_TEST_OPSLIMIT, PB_PASSWORD_TEST_MEMLIMIT,
		  crypto_pwhash_ALG_ARGON2ID13);
	assert_int_equal(pb_password_weak(h), 1);
	/* fewer passes, or less memory even with more passes: weak */
	make_hash(h, "rahasia-satu", PB_PASSWORD_OPSLIMIT - 1, PB_PASSWORD_MEMLIMIT,
		  crypto_pwhash_ALG_ARGON2ID13);
	assert_int_equal(pb_password_weak(h), 1);
	make_hash(h, "rahasia-satu", PB_PASSWORD_OPSLIMIT + 1, PB_PASSWORD_MEMLIMIT / 2,
		  crypto_pwhash_ALG_ARGON2ID13);
	assert_int_equal(pb_password_weak(h), 1);
	/* above the cost: never made weaker */
	make_hash(h, "rahasia-satu", PB_PASSWORD_OPSLIMIT + 1, PB_PASSWORD_MEMLIMIT,
		  crypto_pwhash_ALG_ARGON2ID13);
	assert_int_equal(pb_password_weak(h), 0);
	make_hash(h, "rahasia-satu", PB_PASSWORD_OPSLIMIT, PB_PASSWORD_MEMLIMIT * 2,
		  crypto_pwhash_ALG_ARGON2ID13);
	assert_int_equal(pb_password_weak(h), 0);
	/* Argon2i, at any cost, is made again as Argon2id */
	make_hash(h, "rahasia-satu", PB_PASSWORD_OPSLIMIT, PB_PASSWORD_MEMLIMIT,
		  crypto_pwhash_ALG_ARGON2I13);
	assert_int_equal(pb_password_weak(h), 1);
	/* not a hash: nothing logs in with it, nothing to make again */
	assert_int_equal(pb_password_weak(""), 0);
	assert_int_equal(pb_password_weak("$argon2id$v=19$m=8,t=1"), 0);
	assert_int_equal(pb_password_weak("rahasia-satu"), 0);
}

/* A fresh box database in dir (a mkdtemp template). */
static sqlite3 *open_db(char *dir)
{
	char path[64], err[256];
	sqlite3 *db = NULL;

	assert_true(sodium_init() >= 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	assert_int_equal(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	return db;
}

static void close_db(sqlite3 *db, const char *dir)
{
	static const char *const files[] = { "pb.db", "pb.db-wal", "pb.db-shm" };
	char path[64];

	pb_db_close(db);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* A login from one address; *n gets the verifies it did. */
static enum pb_login_result login(sqlite3 *db, const char *user, const char *password,
				  unsigned *n)
{
	static const struct pb_login_limits lim = {
		.idle_s = 600, .max_s = 3600, .fail_max_pair = 100, .fail_max_account = 1000,
		.fail_max_client = 1000, .lockout_s = 60,
	};
	char token[PB_LOGIN_TOKEN_HEX + 1];
	struct pb_login who;
	unsigned retry_s = 0, before = verifies;
	enum pb_login_result r;

	r = pb_login_start(db, &lim, user, password, "192.0.2.7", NULL, token, &who, &retry_s);
	*n = verifies - before;
	return r;
}

/* The box's login: an unknown name, a wrong password and a disabled
 * account (even with its right password) are each refused after exactly
 * one verify, as the right password is. */
static void test_login_always_verifies(void **state)
{
	char dir[] = "/tmp/pb-test-password-XXXXXX";
	sqlite3 *db = open_db(dir);
	unsigned n = 0;
	(void)state;

	assert_int_equal(pb_staff_add(db, "fasil", "fasilitator", "", "rahasia-fasil"),
			 PB_STAFF_OK);
	assert_int_equal(pb_staff_add(db, "mantan", "fasilitator", "", "rahasia-mantan"),
			 PB_STAFF_OK);
	assert_int_equal(pb_staff_set_disabled(db, "mantan", 1), PB_STAFF_OK);

	assert_int_equal(login(db, "fasil", "rahasia-fasil", &n), PB_LOGIN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(login(db, "fasil", "salah-salah", &n), PB_LOGIN_REFUSED);
	assert_int_equal(n, 1);
	assert_int_equal(login(db, "tidak-ada", "rahasia-fasil", &n), PB_LOGIN_REFUSED);
	assert_int_equal(n, 1);
	assert_int_equal(login(db, "mantan", "rahasia-mantan", &n), PB_LOGIN_REFUSED);
	assert_int_equal(n, 1);
	assert_int_equal(login(db, "mantan", "salah-salah", &n), PB_LOGIN_REFUSED);
	assert_int_equal(n, 1);
	/* enabled again, its password works: the refusal was the flag's */
	assert_int_equal(pb_staff_set_disabled(db, "mantan", 0), PB_STAFF_OK);
	assert_int_equal(login(db, "mantan", "rahasia-mantan", &n), PB_LOGIN_OK);

	close_db(db, dir);
}

/* The stored hash of name. */
static void hash_of(sqlite3 *db, const char *name, char out[PB_PASSWORD_HASH_LEN])
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT pw_hash FROM staff WHERE name = ?1", -1,
					    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, PB_PASSWORD_HASH_LEN, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* A hash at the test cost, as a copied database may bring one. */
static void set_weak_hash(sqlite3 *db, const char *name, const char *password)
{
	char h[PB_PASSWORD_HASH_LEN];
	sqlite3_stmt *st = NULL;

	make_hash(h, password, PB_PASSWORD_TEST_OPSLIMIT, PB_PASSWORD_TEST_MEMLIMIT,
		  crypto_pwhash_ALG_ARGON2ID13);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE staff SET pw_hash = ?1 WHERE name = ?2",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A login with the right password makes a weak hash again at the
 * current cost; a wrong one leaves it; a strong one is left as it is;
 * a hash changed since it was checked is not overwritten. */
static void test_login_rehashes_a_weak_hash(void **state)
{
	char dir[] = "/tmp/pb-test-password-XXXXXX", weak[PB_PASSWORD_HASH_LEN],
	     strong[PB_PASSWORD_HASH_LEN], h[PB_PASSWORD_HASH_LEN];
	sqlite3 *db = open_db(dir);
	unsigned n = 0;
	long long count = -1;
	(void)state;

	assert_int_equal(pb_staff_add(db, "fasil", "fasilitator", "", "rahasia-fasil"),
			 PB_STAFF_OK);
	assert_int_equal(pb_staff_add(db, "admin", "admin", "", "rahasia-admin"), PB_STAFF_OK);
	assert_int_equal(pb_staff_weak_count(db, &count), 0);
	assert_int_equal(count, 0);
	set_weak_hash(db, "fasil", "rahasia-fasil");
	set_weak_hash(db, "admin", "rahasia-admin");
	assert_int_equal(pb_staff_weak_count(db, &count), 0);
	assert_int_equal(count, 2);
	hash_of(db, "fasil", weak);

	assert_int_equal(login(db, "fasil", "salah-salah", &n), PB_LOGIN_REFUSED);
	hash_of(db, "fasil", h);
	assert_string_equal(h, weak);
	assert_int_equal(login(db, "fasil", "rahasia-fasil", &n), PB_LOGIN_OK);
	hash_of(db, "fasil", strong);
	assert_int_equal(strncmp(strong, PRODUCTION, strlen(PRODUCTION)), 0);
	assert_int_equal(pb_password_verify(strong, "rahasia-fasil"), 0);
	assert_int_equal(pb_staff_weak_count(db, &count), 0);
	assert_int_equal(count, 1);
	/* at the current cost: logged in, not made again */
	assert_int_equal(login(db, "fasil", "rahasia-fasil", &n), PB_LOGIN_OK);
	hash_of(db, "fasil", h);
	assert_string_equal(h, strong);

	/* only the hash that was checked is replaced: one changed since
	 * (here by the login above) stays */
	assert_int_equal(pb_staff_rehash(db, 1, weak, "rahasia-fasil"), PB_STAFF_NOT_FOUND);
	hash_of(db, "fasil", h);
	assert_string_equal(h, strong);
	hash_of(db, "admin", h);
	assert_int_equal(pb_password_verify(h, "rahasia-admin"), 0);
	assert_int_equal(pb_password_weak(h), 1);
	close_db(db, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_or_burn),
		cmocka_unit_test(test_weak),
		cmocka_unit_test(test_login_always_verifies),
		cmocka_unit_test(test_login_rehashes_a_weak_hash),
	};

	/* the production cost, whoever runs this */
	unsetenv(PB_PASSWORD_COST_ENV);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
