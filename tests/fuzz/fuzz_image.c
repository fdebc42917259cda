/* Fuzz the receipt decoder (pb_image: libjpeg-turbo and libpng on bytes
 * from phones). What must hold: no crash, leak or undefined behaviour; a
 * refusal leaves no output; a success is a JPEG with no EXIF, whose
 * pixels are within the limit. */
#include "fuzz.h"

#include "pb_image.h"

#include <string.h>

#define MAX_PIXELS (1024UL * 1024)   /* small: keep each input quick */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	size_t out_len = 0;
	enum pb_image_result r = pb_image_reencode(data, size, MAX_PIXELS, size, &out, &out_len);

	if (r != PB_IMAGE_OK) {
		FUZZ_CHECK(out == NULL && out_len == 0);
		return 0;
	}
	FUZZ_CHECK(out != NULL && out_len > 4);
	FUZZ_CHECK(out[0] == 0xff && out[1] == 0xd8 && out[2] == 0xff);
	FUZZ_CHECK(out[out_len - 2] == 0xff && out[out_len - 1] == 0xd9);
	FUZZ_CHECK(memmem(out, out_len, "Exif", 4) == NULL);
	free(out);
	return 0;
}
