#include "pb_password.h"

#include "pb_ids.h"

#include <pthread.h>
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
