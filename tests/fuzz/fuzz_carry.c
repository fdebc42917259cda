/* Fuzz what pb-hub and pbctl read from a USB stick (pb_carry): the input
 * is handed over, without a NUL, as a manifest and as an acknowledgement
 * file. An accepted manifest is within its limits with safe file names;
 * an acknowledgement is taken only when the fixed hub key signed it for
 * the fixed box (the seeds hold one that was). */
#include "fuzz.h"

#include "pb_carry.h"

#include <string.h>

static const char box[] = "0123456789abcdef0123456789abcdef";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	static char hub[PB_PROTO_PK_HEX_LEN + 1];
	struct pb_carry_manifest m;
	struct pb_carry_ack a;
	char why[128] = "", *copy = malloc(size ? size : 1), *again;
	enum pb_carry_ack_err e;

	FUZZ_CHECK(copy != NULL);
	if (hub[0] == '\0') {
		unsigned char seed[crypto_sign_SEEDBYTES];

		FUZZ_CHECK(sodium_init() >= 0);
		memset(seed, 0x42, sizeof(seed));
		crypto_sign_seed_keypair(pk, sk, seed);
		pb_proto_public_hex(sk, hub);
	}
	memcpy(copy, data, size);
	if (pb_carry_manifest_parse(copy, size, &m, why, sizeof(why)) == 0) {
		FUZZ_CHECK(m.n <= PB_CARRY_BATCHES_MAX);
		FUZZ_CHECK(pb_hex_valid(m.box_id, PB_PROTO_ID_LEN));
		for (size_t i = 0; i < m.n; i++) {
			const struct pb_carry_batch *b = &m.batches[i];
			FUZZ_CHECK(pb_carry_name_ok(b->file) && strchr(b->file, '/') == NULL);
			FUZZ_CHECK(b->first >= 1 && b->first <= b->last);
			FUZZ_CHECK(pb_sha256_hex_valid(b->sha256));
		}
		pb_carry_manifest_free(&m);
	} else {
		FUZZ_CHECK(why[0] != '\0');
	}
	e = pb_carry_ack_check(copy, size, hub, box, &a);
	FUZZ_CHECK(pb_carry_ack_strerror(e)[0] != '\0');
	if (e == PB_CARRY_ACK_OK) {
		/* signed by the hub for this box: signing the same fields again
		 * gives the same signature (Ed25519 is deterministic) */
		char sig[PB_PROTO_SIG_HEX_LEN + 1];

		FUZZ_CHECK(strcmp(a.box_id, box) == 0 && a.acked >= 0);
		memcpy(sig, a.signature, sizeof(sig));
		again = pb_carry_ack_dump(&a, sk);
		FUZZ_CHECK(again != NULL && strcmp(a.signature, sig) == 0);
		free(again);
	}
	free(copy);
	return 0;
}
