/* pb_image: photos from phones (receipts, worksheets), decoded with
 * libjpeg-turbo and libpng and encoded anew as a plain JPEG. Nothing of
 * the input but its pixels survives: no EXIF (a phone's GPS position), no comments, no
 * extra chunks, no crafted structure for a browser to parse later. */
#ifndef PB_IMAGE_H
#define PB_IMAGE_H

#include <stddef.h>

#define PB_IMAGE_SIDE_MAX     20000          /* pixels of either side */
#define PB_IMAGE_JPEG_MEM_MAX (48L * 1024 * 1024) /* libjpeg's own working memory */
#define PB_IMAGE_SCANS_MAX    100            /* scans of a progressive JPEG */
/* Qualities of the JPEG written, tried in turn until one fits max_bytes */
#define PB_IMAGE_QUALITIES    { 82, 70, 55, 40 }

enum pb_image_result {
	PB_IMAGE_OK = 0,
	PB_IMAGE_NOT_IMAGE,           /* not a whole, valid JPEG or PNG */
	PB_IMAGE_TOO_MANY_PIXELS,     /* over max_pixels (checked before decoding) */
	PB_IMAGE_NO_MEMORY,
};

const char *pb_image_strerror(enum pb_image_result r);

/* Decode a JPEG or PNG (told apart by its first bytes) of at most
 * max_pixels and encode it as a baseline JPEG without metadata, at the
 * best of PB_IMAGE_QUALITIES that fits max_bytes (else the lowest). On
 * PB_IMAGE_OK *out (malloc'd, the caller frees it) and *out_len hold it.
 * One image is decoded at a time in the process, so the memory it takes
 * is bounded by max_pixels (3 bytes each) plus PB_IMAGE_JPEG_MEM_MAX. */
enum pb_image_result pb_image_reencode(const unsigned char *in, size_t len,
				       unsigned long max_pixels, size_t max_bytes,
				       unsigned char **out, size_t *out_len);

#endif
