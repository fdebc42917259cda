/* Fuzz the HTTP Range header parser: input = 8 bytes of file size, then the
 * header. Every answer must be consistent and inside the file. */
#include "fuzz.h"

#include "pb_range.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_range_set rs;
	uint64_t fsize = 0;
	char *h;

	if (size >= 8) {
		memcpy(&fsize, data, 8);
		data += 8;
		size -= 8;
	}
	fsize %= (uint64_t)1 << 40;    /* keep sizes those of real files */
	h = fuzz_string(data, size);
	pb_range_parse(h, fsize, &rs);
	FUZZ_CHECK(rs.count >= 0 && rs.count <= PB_RANGE_MAX);
	switch (rs.kind) {
	case PB_RANGE_NONE:
	case PB_RANGE_UNSATISFIABLE:
		FUZZ_CHECK(rs.count == 0);
		break;
	case PB_RANGE_SINGLE:
		FUZZ_CHECK(rs.count == 1);
		break;
	case PB_RANGE_MULTI:
		FUZZ_CHECK(rs.count >= 2);
		break;
	default:
		FUZZ_CHECK(0);
	}
	for (int i = 0; i < rs.count; i++)
		FUZZ_CHECK(rs.r[i].first <= rs.r[i].last && rs.r[i].last < fsize);
	free(h);
	return 0;
}
