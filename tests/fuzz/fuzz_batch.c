/* Fuzz the sync batch as pb-hub reads it (pb_proto_batch_parse). The first
 * byte picks the layer: odd, the rest is the JSON, gzipped here so the
 * fuzzer works on the records; even, the rest is the body as sent (gzip
 * and all). A batch it accepts must be a real chain: consecutive seqs,
 * every hash recomputed, every prev_hash the hash before. */
#include "fuzz.h"

#include "pb_proto.h"

#include <string.h>

#define FUZZ_BOX "0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_proto_batch b;
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	char why[256], hash[PB_SHA256_HEX_LEN + 1];
	enum pb_proto_err e;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (pb_proto_gzip(data + 1, size - 1, &gz, &gzlen) != 0)
			return 0;
		e = pb_proto_batch_parse(gz, gzlen, FUZZ_BOX, &b, why, sizeof(why));
	} else {
		e = pb_proto_batch_parse(data + 1, size - 1, FUZZ_BOX, &b, why, sizeof(why));
	}
	if (e == PB_PROTO_OK) {
		FUZZ_CHECK(b.n <= PB_PROTO_BATCH_RECORDS_MAX);
		for (size_t i = 0; i < b.n; i++) {
			const struct pb_proto_record *r = &b.records[i];
			pb_proto_record_hash(FUZZ_BOX, r, hash);
			FUZZ_CHECK(strcmp(hash, r->hash) == 0);
			if (i > 0) {
				FUZZ_CHECK(r->seq == b.records[i - 1].seq + 1);
				FUZZ_CHECK(strcmp(r->prev_hash, b.records[i - 1].hash) == 0);
			}
		}
		pb_proto_batch_free(&b);
	} else {
		FUZZ_CHECK(pb_proto_err_code(e) != NULL);
	}
	free(gz);
	return 0;
}
