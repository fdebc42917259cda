#include "pb_password.h"

#include <string.h>

int pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN])
{
	return crypto_pwhash_str_alg(out, password, strlen(password),
				     PB_PASSWORD_OPSLIMIT, PB_PASSWORD_MEMLIMIT,
				     crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

int pb_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : -1;
}
