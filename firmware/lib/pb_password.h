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

int pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN]);
/* 0 if the password matches the stored hash, -1 otherwise. */
int pb_password_verify(const char *hash, const char *password);

#endif
