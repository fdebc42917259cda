#include "pb_image.h"

#include <stdio.h>               /* before jpeglib.h, which needs FILE */

#include <jpeglib.h>
#include <png.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Chunks libpng may hold in memory (an ICC profile, compressed text). */
#define PB_IMAGE_PNG_CHUNK_MAX (256 * 1024)

/* One decode at a time: the memory the photos of many phones take at
 * once stays that of one. */
static pthread_mutex_t decode_lock = PTHREAD_MUTEX_INITIALIZER;

const char *pb_image_strerror(enum pb_image_result r)
{
	switch (r) {
	case PB_IMAGE_OK:              return "ok";
	case PB_IMAGE_NOT_IMAGE:       return "not a whole JPEG or PNG";
	case PB_IMAGE_TOO_MANY_PIXELS: return "too many pixels";
	case PB_IMAGE_NO_MEMORY:       return "out of memory";
	}
	return "unknown";
}

/* Decoded pixels: rows of RGB, 3 bytes each. */
struct rgb {
	unsigned char *pix;
	unsigned w, h;
};

static int too_many(unsigned long w, unsigned long h, unsigned long max_pixels)
{
	return w == 0 || h == 0 || w > PB_IMAGE_SIDE_MAX || h > PB_IMAGE_SIDE_MAX ||
	       w * h > max_pixels;
}

/* libjpeg reports errors through error_exit, which must not return, and
 * warnings (a truncated or corrupt stream it would fill with grey)
 * through emit_message with level -1: both end the work here. */
struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
};

static void jpeg_fail(j_common_ptr c)
{
	longjmp(((struct jerr *)(void *)c->err)->jb, 1);
}

static void jpeg_note(j_common_ptr c, int level)
{
	if (level < 0)
		jpeg_fail(c);
}

static void jpeg_scans(j_common_ptr c)
{
	if (c->is_decompressor &&
	    ((j_decompress_ptr)(void *)c)->input_scan_number > PB_IMAGE_SCANS_MAX)
		jpeg_fail(c);
}

static void jerr_init(struct jerr *e)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = jpeg_fail;
	e->pub.emit_message = jpeg_note;
}

static enum pb_image_result decode_jpeg(const unsigned char *in, size_t len,
					unsigned long max_pixels, struct rgb *img)
{
	struct jpeg_decompress_struct d;
	struct jpeg_progress_mgr prog = { .progress_monitor = jpeg_scans };
	struct jerr err;
	volatile enum pb_image_result rc = PB_IMAGE_NOT_IMAGE;

	memset(&d, 0, sizeof(d));
	jerr_init(&err);
	d.err = &err.pub;
	if (setjmp(err.jb) != 0)
		goto out;
	jpeg_create_decompress(&d);
	d.mem->max_memory_to_use = PB_IMAGE_JPEG_MEM_MAX;
	d.progress = &prog;
	jpeg_mem_src(&d, in, (unsigned long)len);
	if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK)
		goto out;
	if (too_many(d.image_width, d.image_height, max_pixels)) {
		rc = PB_IMAGE_TOO_MANY_PIXELS;
		goto out;
	}
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	if (d.output_components != 3)
		goto out;
	img->w = d.output_width;
	img->h = d.output_height;
	img->pix = malloc((size_t)img->w * img->h * 3);
	if (img->pix == NULL) {
		rc = PB_IMAGE_NO_MEMORY;
		goto out;
	}
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = img->pix + (size_t)d.output_scanline * img->w * 3;
		if (jpeg_read_scanlines(&d, &row, 1) != 1)
			goto out;
	}
	jpeg_finish_decompress(&d);
	rc = PB_IMAGE_OK;
out:
	jpeg_destroy_decompress(&d);
	return rc;
}

/* libpng reads from memory; running past the end is an error. */
struct png_src {
	const unsigned char *p;
	size_t len, off;
	jmp_buf jb;
};

static void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	longjmp(((struct png_src *)png_get_error_ptr(png))->jb, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_take(png_structp png, png_bytep out, size_t n)
{
	struct png_src *s = png_get_io_ptr(png);

	if (n > s->len - s->off)
		png_error(png, "truncated");
	memcpy(out, s->p + s->off, n);
	s->off += n;
}

static enum pb_image_result decode_png(const unsigned char *in, size_t len,
				       unsigned long max_pixels, struct rgb *img)
{
	struct png_src src = { .p = in, .len = len };
	png_structp png;
	png_infop info = NULL;
	png_bytep *volatile rows = NULL;
	volatile enum pb_image_result rc = PB_IMAGE_NOT_IMAGE;
	png_uint_32 w, h;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_quiet);
	if (png == NULL)
		return PB_IMAGE_NO_MEMORY;
	info = png_create_info_struct(png);
	if (info == NULL) {
		rc = PB_IMAGE_NO_MEMORY;
		goto out;
	}
	if (setjmp(src.jb) != 0)
		goto out;
	png_set_chunk_malloc_max(png, PB_IMAGE_PNG_CHUNK_MAX);
	png_set_read_fn(png, &src, png_take);
	png_read_info(png, info);     /* libpng refuses sides over 10^6 itself */
	w = png_get_image_width(png, info);
	h = png_get_image_height(png, info);
	if (too_many(w, h, max_pixels)) {
		rc = PB_IMAGE_TOO_MANY_PIXELS;
		goto out;
	}
	png_set_expand(png);          /* palette, low bit depths, tRNS */
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_gray_to_rgb(png);
	(void)png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 3)
		goto out;
	img->w = w;
	img->h = h;
	img->pix = malloc((size_t)w * h * 3);
	rows = malloc(sizeof(*rows) * h);
	if (img->pix == NULL || rows == NULL) {
		rc = PB_IMAGE_NO_MEMORY;
		goto out;
	}
	for (png_uint_32 y = 0; y < h; y++)
		rows[y] = img->pix + (size_t)y * w * 3;
	png_read_image(png, rows);
	png_read_end(png, NULL);      /* the rest, up to IEND, must be whole too */
	rc = PB_IMAGE_OK;
out:
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	return rc;
}

/* The JPEG written goes to a buffer of ours that grows as needed. */
struct out {
	struct jpeg_destination_mgr pub;
	unsigned char *buf;
	size_t cap;
};

static void out_init(j_compress_ptr c)
{
	struct out *o = (struct out *)(void *)c->dest;

	o->pub.next_output_byte = o->buf;
	o->pub.free_in_buffer = o->cap;
}

static boolean out_grow(j_compress_ptr c)
{
	struct out *o = (struct out *)(void *)c->dest;
	unsigned char *nb = realloc(o->buf, o->cap * 2);

	if (nb == NULL)
		jpeg_fail((j_common_ptr)(void *)c);
	o->pub.next_output_byte = nb + o->cap;
	o->pub.free_in_buffer = o->cap;
	o->buf = nb;
	o->cap *= 2;
	return TRUE;
}

static void out_term(j_compress_ptr c)
{
	(void)c;
}

static enum pb_image_result encode_jpeg(const struct rgb *img, int quality,
					unsigned char **out, size_t *out_len)
{
	struct jpeg_compress_struct c;
	struct jerr err;
	struct out o = { .pub = { .init_destination = out_init,
				  .empty_output_buffer = out_grow,
				  .term_destination = out_term } };
	volatile enum pb_image_result rc = PB_IMAGE_NO_MEMORY;

	memset(&c, 0, sizeof(c));
	o.cap = 64 * 1024;
	o.buf = malloc(o.cap);
	if (o.buf == NULL)
		return PB_IMAGE_NO_MEMORY;
	jerr_init(&err);
	c.err = &err.pub;
	if (setjmp(err.jb) != 0)
		goto out;
	jpeg_create_compress(&c);
	c.dest = &o.pub;
	c.image_width = img->w;
	c.image_height = img->h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = img->pix + (size_t)c.next_scanline * img->w * 3;
		(void)jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	*out = o.buf;
	*out_len = o.cap - o.pub.free_in_buffer;
	o.buf = NULL;
	rc = PB_IMAGE_OK;
out:
	jpeg_destroy_compress(&c);
	free(o.buf);
	return rc;
}

enum pb_image_result pb_image_reencode(const unsigned char *in, size_t len,
				       unsigned long max_pixels, size_t max_bytes,
				       unsigned char **out, size_t *out_len)
{
	static const int qualities[] = PB_IMAGE_QUALITIES;
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	struct rgb img = { 0 };
	enum pb_image_result rc = PB_IMAGE_NOT_IMAGE;

	*out = NULL;
	*out_len = 0;
	pthread_mutex_lock(&decode_lock);
	if (len >= 3 && in[0] == 0xff && in[1] == 0xd8 && in[2] == 0xff)
		rc = decode_jpeg(in, len, max_pixels, &img);
	else if (len >= sizeof(png_sig) && memcmp(in, png_sig, sizeof(png_sig)) == 0)
		rc = decode_png(in, len, max_pixels, &img);
	for (size_t i = 0; rc == PB_IMAGE_OK && i < sizeof(qualities) / sizeof(qualities[0]);
	     i++) {
		free(*out);
		*out = NULL;
		*out_len = 0;
		rc = encode_jpeg(&img, qualities[i], out, out_len);
		if (rc == PB_IMAGE_OK && *out_len <= max_bytes)
			break;
	}
	pthread_mutex_unlock(&decode_lock);
	free(img.pix);
	return rc;
}
