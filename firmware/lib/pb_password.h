/* pb_password: staff passwords, hashed with argon2id (libsodium). */
#ifndef PB_PASSWORD_H
#define PB_PASSWORD_H

#include <sodium.h>

#define PB_PASSWORD_MIN 8
#define PB_PASSWORD_MAX 128
#define PB_PASSWORD_HASH_LEN crypto_pwhash_STRBYTES
/* Cost per hash: ~0.1 s on a Pi 4; 16 MiB so a burst of logins fits. */
#define PB_PASSWORD_OPSLIMIT 3
#define PB_PASSWORD_MEMLIMIT (16u * 1024u * 1024u)
/* For test suites only: PB_PASSWORD_COST=test in the environment hashes
 * at libsodium's smallest Argon2id limits (one pass over 8 KiB) instead,
 * so a suite that makes hundreds of accounts and logs in thousands of
 * times does not spend minutes of processor on it. The stored string
 * names its own limits, so checking such a hash is as cheap in any
 * program; the dummy hash checked for an unknown account is made at the
 * same cost, so a wrong name still costs what a wrong password costs. Any
 * other value, or none, is the production cost above. Never on a box:
 * such a hash gives way to an offline guess at once. */
#define PB_PASSWORD_COST_ENV "PB_PASSWORD_COST"
#define PB_PASSWORD_COST_TEST "test"
#define PB_PASSWORD_TEST_OPSLIMIT crypto_pwhash_argon2id_OPSLIMIT_MIN
#define PB_PASSWORD_TEST_MEMLIMIT crypto_pwhash_argon2id_MEMLIMIT_MIN

/* The parameters of a stored Argon2id string, in the form libsodium
 * writes them: memory in KiB, passes, lanes. */
#define PB_PASSWORD_ARGON2ID_PARAMS "$argon2id$v=19$m=%u,t=%u,p=%u$"

int pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN]);
/* 1 if hash was made below the cost new hashes are made at (fewer passes
 * or less memory than now, or Argon2i), so it should be made again the
 * next time its password is known; 0 if it meets that cost (also when it
 * is above it: a box at the test cost never weakens a hash), or when it
 * is not a password hash at all (no password logs in with it). */
int pb_password_weak(const char *hash);
/* 0 if the password matches the stored hash, -1 otherwise. */
int pb_password_verify(const char *hash, const char *password);

/* The login's check, the same cost whoever asks: one argon2id verify of
 * password against hash, the account's stored hash, or when hash is NULL
 * (no such account) against a hash of a random password made once, so a
 * wrong name takes as long as a wrong password. 0 only if hash is not
 * NULL and matches. The caller decides after it (a disabled account is
 * refused once its password was checked like any other), never instead. */
int pb_password_verify_or_burn(const char *hash, const char *password);

#endif
