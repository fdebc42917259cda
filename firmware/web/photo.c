/* Photos from phones (claim receipts, worksheet photos): one JSON member
 * {"type": "image/jpeg" | "image/png", "data": base64} checked against
 * [claims] receipt_max_bytes / receipt_max_pixels, decoded and encoded
 * anew by pb_image (no EXIF, no GPS position, nothing crafted for a
 * reviewer's browser), written to the content store by its SHA-256, and
 * served back from there to those allowed to see it. */
#include "web.h"

#include "pb_claims.h"
#include "pb_hash.h"
#include "pb_image.h"
#include "pb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define PHOTO_TYPE_MAX 32      /* bytes of a declared image type */

/* The refusals, by kind of photo: code and Indonesian message (English
 * in lang.c by code). */
enum photo_refusal {
	R_MISSING, R_TYPE, R_TOO_LARGE, R_ENCODING, R_NOT_IMAGE, R_MISMATCH, R_PIXELS, R_BROKEN,
	R_COUNT
};

struct photo_words {
	const char *code[R_COUNT];
	const char *msg[R_COUNT];
};

static const struct photo_words words[] = {
	[PB_PHOTO_RECEIPT] = {
		{ "receipt_missing", "receipt_type", "receipt_too_large", "receipt_encoding",
		  "receipt_not_image", "receipt_type_mismatch", "receipt_too_many_pixels",
		  "receipt_not_image" },
		{ "Lampirkan foto kuitansi (jenis dan isi)",
		  "Foto kuitansi harus JPEG atau PNG",
		  "Foto kuitansi terlalu besar: ambil ulang dengan ukuran lebih kecil",
		  "Isi foto kuitansi bukan base64 yang sah",
		  "Berkas kuitansi bukan foto JPEG atau PNG",
		  "Jenis foto yang disebut tidak sama dengan isinya",
		  "Foto kuitansi terlalu besar (piksel): ambil ulang dengan ukuran lebih kecil",
		  "Berkas kuitansi bukan foto JPEG atau PNG yang utuh" },
	},
	[PB_PHOTO_WORKSHEET] = {
		{ "photo_missing", "photo_type", "photo_too_large", "photo_encoding",
		  "photo_not_image", "photo_type_mismatch", "photo_too_many_pixels",
		  "photo_not_image" },
		{ "Setiap foto lembar kerja perlu jenis dan isi",
		  "Foto lembar kerja harus JPEG atau PNG",
		  "Foto lembar kerja terlalu besar: ambil ulang dengan ukuran lebih kecil",
		  "Isi foto lembar kerja bukan base64 yang sah",
		  "Berkas lembar kerja bukan foto JPEG atau PNG",
		  "Jenis foto yang disebut tidak sama dengan isinya",
		  "Foto lembar kerja terlalu besar (piksel): ambil ulang dengan ukuran lebih "
		  "kecil",
		  "Berkas lembar kerja bukan foto JPEG atau PNG yang utuh" },
	},
};

/* 1 when storing up to len more bytes could leave the data folder's file
 * system with less than [claims] photo_reserve_mb free: a phone sending
 * photo after photo (a worksheet sent again and again keeps every
 * version's photos) would otherwise fill it, and then no check-in could
 * be written. Unknown (statvfs failed): not short. */
static int store_short(const struct pb_req *r, size_t len)
{
	struct statvfs v;
	uint64_t reserve = (uint64_t)r->web->cfg.photo_reserve_mb * 1024 * 1024;

	if (reserve == 0 || statvfs(r->web->store.dir, &v) != 0)
		return 0;
	return (uint64_t)v.f_bavail * v.f_frsize < reserve + len;
}

static int refuse(struct pb_req *r, enum pb_photo_kind kind, enum photo_refusal why,
		  unsigned status, enum MHD_Result *ret)
{
	*ret = pb_respond_error(r, status, words[kind].code[why], words[kind].msg[why]);
	return -1;
}

/* A photo's declared type and base64 data; a failure answers in the
 * words of the photo's kind (R_MISSING), so the table's errors are unset. */
struct photo_form {
	const char *type;
	const char *data;
};

static const struct pb_field photo_fields[] = {
	{ .name = "type", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .max = PHOTO_TYPE_MAX,
	  .offset = offsetof(struct photo_form, type) },
	{ .name = "data", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .offset = offsetof(struct photo_form, data) },
};
static const struct pb_fields photo_table = PB_FIELDS(photo_fields);

int pb_photo_take(struct pb_req *r, const json_t *j, enum pb_photo_kind kind,
		  struct pb_photo *p, enum MHD_Result *ret)
{
	struct photo_form f = { 0 };
	const struct pb_field_error *e;
	const char *type, *data, *sniffed;
	size_t max = r->web->cfg.receipt_max_bytes, dlen, bin_len = 0, clean_len;
	unsigned char *clean;
	enum pb_image_result ir;

	if (pb_fields_check(&photo_table, j, &f, &e, NULL) != 0)
		return refuse(r, kind, R_MISSING, MHD_HTTP_BAD_REQUEST, ret);
	type = f.type;
	data = f.data;
	if (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0)
		return refuse(r, kind, R_TYPE, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, ret);
	dlen = strlen(data);
	if (dlen / 4 * 3 > max + 3)
		return refuse(r, kind, R_TOO_LARGE, MHD_HTTP_CONTENT_TOO_LARGE, ret);
	p->data = malloc(dlen / 4 * 3 + 3);
	if (p->data == NULL) {
		*ret = pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat dibaca atau ditulis");
		return -1;
	}
	if (sodium_base642bin(p->data, dlen / 4 * 3 + 3, data, dlen, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return refuse(r, kind, R_ENCODING, MHD_HTTP_BAD_REQUEST, ret);
	p->len = bin_len;
	if (p->len > max)
		return refuse(r, kind, R_TOO_LARGE, MHD_HTTP_CONTENT_TOO_LARGE, ret);
	sniffed = p->len >= PB_RECEIPT_MIN_BYTES ? pb_receipt_sniff(p->data, p->len) : NULL;
	if (sniffed == NULL)
		return refuse(r, kind, R_NOT_IMAGE, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, ret);
	if (strcmp(sniffed, type) != 0)
		return refuse(r, kind, R_MISMATCH, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, ret);
	if (store_short(r, max)) {
		pb_warn("photo from %s refused: less than [claims] photo_reserve_mb (%u) would "
			"stay free in %s", r->client, r->web->cfg.photo_reserve_mb,
			r->web->store.dir);
		*ret = pb_respond_error(r, MHD_HTTP_INSUFFICIENT_STORAGE, "store_full",
					"Penyimpanan kotak hampir penuh: foto tidak dapat diterima "
					"sekarang. Beri tahu fasilitator");
		return -1;
	}
	/* Decoded and stored anew: only its pixels are kept. */
	ir = pb_image_reencode(p->data, p->len, r->web->cfg.receipt_max_pixels, max, &clean,
			       &clean_len);
	if (ir == PB_IMAGE_TOO_MANY_PIXELS)
		return refuse(r, kind, R_PIXELS, MHD_HTTP_CONTENT_TOO_LARGE, ret);
	if (ir != PB_IMAGE_OK) {
		pb_info("photo from %s: %s", r->client, pb_image_strerror(ir));
		if (ir == PB_IMAGE_NO_MEMORY) {
			*ret = pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
						"Basis data tidak dapat dibaca atau ditulis");
			return -1;
		}
		return refuse(r, kind, R_BROKEN, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, ret);
	}
	free(p->data);
	p->data = clean;
	p->len = clean_len;
	p->mime = "image/jpeg";
	p->store = &r->web->store;
	pb_sha256_hex(p->data, p->len, p->sha);
	return 0;
}

int pb_photo_store(void *ctx, char sha[PB_SHA256_HEX_LEN + 1])
{
	struct pb_photo *p = ctx;
	char tmp[PATH_MAX], err[256];
	enum pb_store_result sr;
	size_t off = 0;
	int fd;

	memcpy(sha, p->sha, sizeof(p->sha));
	if (pb_store_has(p->store, sha, (int64_t)p->len))
		return 0;
	if (pb_store_tmp_path(p->store, tmp, sizeof(tmp)) != 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		pb_err("photo: cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < p->len) {
		ssize_t w = write(fd, p->data + off, p->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pb_err("photo: write failed: %s", strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		unlink(tmp);
		return -1;
	}
	sr = pb_store_adopt(p->store, tmp, sha, err, sizeof(err));
	if (sr != PB_STORE_ADDED && sr != PB_STORE_PRESENT) {
		pb_err("photo: %s", err);
		return -1;
	}
	return 0;
}

void pb_photo_free(struct pb_photo *p)
{
	if (p == NULL)
		return;
	free(p->data);
	p->data = NULL;
	p->len = 0;
}

enum MHD_Result pb_respond_photo(struct pb_req *r, const char *sha, const char *mime,
				 const char *missing)
{
	struct MHD_Response *resp;
	struct stat sb;
	char path[PATH_MAX];
	int fd;

	if (pb_store_path(&r->web->store, sha, path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", missing);
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Basis data tidak dapat dibaca atau ditulis");
	}
	resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
	return pb_queue(r, MHD_HTTP_OK, resp);
}
