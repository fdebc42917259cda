#include "pb_password.h"

#include "pb_ids.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Letters of the random password behind the dummy hash. */
#define PB_PASSWORD_DUMMY_LEN 16

/* The cost new hashes are made at, read once from the environment. */
static pthread_once_t cost_once = PTHREAD_ONCE_INIT;
static unsigned long long cost_ops = PB_PASSWORD_OPSLIMIT;
static size_t cost_mem = PB_PASSWORD_MEMLIMIT;

static void read_cost(void)
{
	const char *e = getenv(PB_PASSWORD_COST_ENV);

	if (e != NULL && strcmp(e, PB_PASSWORD_COST_TEST) == 0) {
		cost_ops = PB_PASSWORD_TEST_OPSLIMIT;
		cost_mem = PB_PASSWORD_TEST_MEMLIMIT;
	}
}

int pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN])
{
	pthread_once(&cost_once, read_cost);
	return crypto_pwhash_str_alg(out, password, strlen(password), cost_ops, cost_mem,
				     crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

/* The first letters of a hash libsodium writes, its terminating NUL not
 * counted. */
#define PREFIX_LEN(p) (sizeof(p) - 1)

int pb_password_weak(const char *hash)
{
	unsigned m_kib, t, p;

	pthread_once(&cost_once, read_cost);
	if (strncmp(hash, crypto_pwhash_argon2i_STRPREFIX,
		    PREFIX_LEN(crypto_pwhash_argon2i_STRPREFIX)) == 0)
		/* Argon2i, which verify takes too: made again as Argon2id */
		return crypto_pwhash_argon2i_str_needs_rehash(hash, cost_ops, cost_mem) >= 0;
	if (crypto_pwhash_argon2id_str_needs_rehash(hash, cost_ops, cost_mem) != 1)
		return 0;                 /* this very cost, or not a hash at all */
	/* libsodium says only that the limits differ: weaker or stronger is
	 * read from the string it has just decoded */
	if (sscanf(hash, PB_PASSWORD_ARGON2ID_PARAMS, &m_kib, &t, &p) != 3)
		return 0;
	return t < cost_ops || (unsigned long long)m_kib * 1024u < cost_mem;
}

int pb_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : -1;
}

/* The hash checked when the account does not exist, made on first use. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[PB_PASSWORD_HASH_LEN];

static void make_dummy(void)
{
	char pw[PB_PASSWORD_DUMMY_LEN + 1];

	pb_password_generate(pw, PB_PASSWORD_DUMMY_LEN);
	if (pb_password_hash(pw, dummy_hash) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

int pb_password_verify_or_burn(const char *hash, const char *password)
{
	if (hash != NULL)
		return pb_password_verify(hash, password);
	pthread_once(&dummy_once, make_dummy);
	if (dummy_hash[0] != '\0')
		(void)pb_password_verify(dummy_hash, password);
	return -1;
}
