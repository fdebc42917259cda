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
	char dir[] = "/tmp/pb-test-password-XXXXXX", path[64], err[256];
	sqlite3 *db = NULL;
	unsigned n = 0;
	(void)state;

	assert_true(sodium_init() >= 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	assert_int_equal(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)), 0);
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

	pb_db_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pb.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pb.db-shm", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_or_burn),
		cmocka_unit_test(test_login_always_verifies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
