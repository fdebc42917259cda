/* Fuzz the roster CSV reader (both delimiters, as the sniffer picks): every
 * record it accepts has at most PB_CSV_FIELDS_MAX fields, each terminated
 * and within PB_CSV_FIELD_MAX, and the reader always moves forward. */
#include "fuzz.h"

#include "pb_csv.h"

#include <string.h>

static struct pb_csv rd;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_csv_record rec;
	enum pb_csv_result r;
	char *copy = malloc(size ? size : 1);
	unsigned last_line = 0;
	long records = 0;

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);          /* no NUL after it, as read from a body */
	pb_csv_init(&rd, copy, size, pb_csv_sniff(copy, size));
	while ((r = pb_csv_next(&rd, &rec)) != PB_CSV_END) {
		FUZZ_CHECK(++records <= (long)size + 1);
		FUZZ_CHECK(rd.line >= last_line);
		last_line = rd.line;
		if (r != PB_CSV_OK) {
			FUZZ_CHECK(pb_csv_strerror(r) != NULL);
			continue;
		}
		FUZZ_CHECK(rec.nfields >= 0 && rec.nfields <= PB_CSV_FIELDS_MAX);
		for (int i = 0; i < rec.nfields; i++)
			FUZZ_CHECK(strlen(rec.field[i]) <= PB_CSV_FIELD_MAX);
	}
	free(copy);
	return 0;
}
