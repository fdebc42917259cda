/* Fuzz the signature strokes (JSON from the phone): what pb_sig_validate
 * accepts is canonical (validating it again gives the same text), within
 * PB_SIG_BYTES_MAX, and renders as SVG. */
#include "fuzz.h"

#include "pb_sig.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr), *j2;
	char *canon = NULL, *again = NULL, *svg;
	size_t len = 0;

	if (j == NULL)
		return 0;
	if (pb_sig_validate(j, &canon) == PB_SIG_OK) {
		FUZZ_CHECK(canon != NULL && strlen(canon) <= PB_SIG_BYTES_MAX);
		j2 = json_loads(canon, 0, &jerr);
		FUZZ_CHECK(j2 != NULL);
		FUZZ_CHECK(pb_sig_validate(j2, &again) == PB_SIG_OK);
		FUZZ_CHECK(strcmp(canon, again) == 0);
		svg = pb_sig_svg(canon, &len);
		FUZZ_CHECK(svg != NULL && len == strlen(svg) && strncmp(svg, "<svg", 4) == 0);
		free(svg);
		free(again);
		json_decref(j2);
		free(canon);
	}
	json_decref(j);
	return 0;
}
