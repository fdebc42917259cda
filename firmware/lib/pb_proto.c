#include "pb_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Linux 6.15's cap on TCP's retransmission timer (linux/tcp.h), not yet
 * in every C library's headers. */
#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 44
#endif

#include "pb_pack.h"

struct err_row {
	const char *code;
	unsigned http;
	const char *id;
	const char *en;
};

/* Indexed by enum pb_proto_err. */
static const struct err_row errs[] = {
	[PB_PROTO_OK]            = { "ok", 200, "Berhasil.", "ok" },
	[PB_PROTO_TOO_LARGE]     = { "too_large", 413, "Kiriman terlalu besar.",
				     "batch too large" },
	[PB_PROTO_UNKNOWN_BOX]   = { "unknown_box", 403, "Kotak ini belum terdaftar di hub.",
				     "box not enrolled at the hub" },
	[PB_PROTO_REVOKED]       = { "revoked", 403, "Kotak ini telah dicabut oleh hub.",
				     "box revoked by the hub" },
	[PB_PROTO_BAD_SIGNATURE] = { "bad_signature", 401, "Tanda tangan kiriman tidak sah.",
				     "signature does not verify" },
	[PB_PROTO_MALFORMED]     = { "malformed", 400, "Format kiriman tidak dapat dibaca.",
				     "malformed batch" },
	[PB_PROTO_BOX_MISMATCH]  = { "box_mismatch", 400,
				     "Kiriman ini milik kotak lain.",
				     "batch names another box" },
	[PB_PROTO_BAD_HASH]      = { "bad_hash", 400,
				     "Isi catatan tidak cocok dengan hash-nya.",
				     "record content does not match its hash" },
	[PB_PROTO_BROKEN_CHAIN]  = { "broken_chain", 409,
				     "Rantai hash catatan terputus.",
				     "hash chain broken" },
	[PB_PROTO_GAP]           = { "gap", 409,
				     "Ada nomor catatan yang terlewat; kirim ulang dari yang diakui.",
				     "gap in the sequence" },
	[PB_PROTO_CONFLICT]      = { "conflict", 409,
				     "Nomor catatan sudah tersimpan dengan isi berbeda; disimpan "
				     "sebagai konflik untuk diperiksa petugas.",
				     "same sequence number stored with different content" },
	[PB_PROTO_TOKEN_INVALID] = { "token_invalid", 403, "Token pendaftaran tidak dikenal.",
				     "unknown enrolment token" },
	[PB_PROTO_TOKEN_USED]    = { "token_used", 403, "Token pendaftaran sudah dipakai.",
				     "enrolment token already used" },
	[PB_PROTO_BOX_EXISTS]    = { "box_exists", 409,
				     "Kotak ini sudah terdaftar dengan kunci lain.",
				     "box already enrolled with another key" },
	[PB_PROTO_NOT_FOUND]     = { "not_found", 404, "Tidak ditemukan.", "not found" },
	[PB_PROTO_INTERNAL]      = { "internal", 500, "Kesalahan di hub; coba lagi nanti.",
				     "hub error" },
	[PB_PROTO_RATE_LIMITED]  = { "rate_limited", 429,
				     "Terlalu banyak permintaan; coba lagi setelah waktu tunggu.",
				     "too many requests, the hub asked to wait" },
	[PB_PROTO_UNAVAILABLE]   = { "unavailable", 503,
				     "Hub sedang sibuk atau basis datanya tidak tersedia; coba lagi "
				     "sebentar lagi.",
				     "hub busy or its database unavailable" },
};

#define NERRS (sizeof(errs) / sizeof(errs[0]))

static const struct err_row *err_row(enum pb_proto_err e)
{
	return ((size_t)e < NERRS) ? &errs[e] : &errs[PB_PROTO_INTERNAL];
}

const char *pb_proto_err_code(enum pb_proto_err e) { return err_row(e)->code; }
const char *pb_proto_err_message(enum pb_proto_err e) { return err_row(e)->id; }
const char *pb_proto_err_words(enum pb_proto_err e) { return err_row(e)->en; }
unsigned pb_proto_err_http(enum pb_proto_err e) { return err_row(e)->http; }

enum pb_proto_err pb_proto_err_from_code(const char *code)
{
	for (size_t i = 0; code != NULL && i < NERRS; i++)
		if (strcmp(errs[i].code, code) == 0)
			return (enum pb_proto_err)i;
	return PB_PROTO_INTERNAL;
}

static void hash_field(struct pb_sha256 *h, const char *s)
{
	pb_sha256_update(h, s, strlen(s));
	pb_sha256_update(h, "\n", 1);
}

static void hash_int(struct pb_sha256 *h, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	hash_field(h, buf);
}

void pb_proto_record_hash(const char *box_id, const struct pb_proto_record *r,
			  char out[PB_SHA256_HEX_LEN + 1])
{
	struct pb_sha256 h;

	pb_sha256_init(&h);
	hash_field(&h, "pb-outbox-1");
	hash_field(&h, box_id);
	hash_int(&h, r->seq);
	hash_field(&h, r->id);
	hash_field(&h, r->type);
	hash_int(&h, r->wall_ms);
	hash_field(&h, r->clock_source);
	hash_field(&h, r->boot_id);
	hash_int(&h, r->mono_ms);
	hash_field(&h, r->prev_hash);
	pb_sha256_update(&h, r->payload, strlen(r->payload));
	pb_sha256_final_hex(&h, out);
}

json_t *pb_proto_record_to_json(const struct pb_proto_record *r)
{
	return json_pack("{sI ss ss ss sI ss ss sI ss ss}",
			 "seq", (json_int_t)r->seq, "id", r->id, "type", r->type,
			 "payload", r->payload, "wall_ms", (json_int_t)r->wall_ms,
			 "clock_source", r->clock_source, "boot_id", r->boot_id,
			 "mono_ms", (json_int_t)r->mono_ms, "prev_hash", r->prev_hash,
			 "hash", r->hash);
}

static int copy_str(json_t *o, const char *key, char *dst, size_t size, size_t min)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return -1;
	n = json_string_length(v);
	if (n < min || n >= size || strlen(json_string_value(v)) != n)
		return -1;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int type_valid(const char *t)
{
	if (*t == '\0')
		return 0;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '.' ||
		      *t == '_' || *t == '-'))
			return 0;
	return 1;
}

int pb_proto_record_from_json(json_t *o, struct pb_proto_record *r)
{
	json_t *p;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return -1;
	if (get_int(o, "seq", &r->seq) != 0 || r->seq < 1 ||
	    get_int(o, "wall_ms", &r->wall_ms) != 0 ||
	    get_int(o, "mono_ms", &r->mono_ms) != 0)
		return -1;
	if (copy_str(o, "id", r->id, sizeof(r->id), 1) != 0 ||
	    copy_str(o, "type", r->type, sizeof(r->type), 1) != 0 || !type_valid(r->type) ||
	    copy_str(o, "clock_source", r->clock_source, sizeof(r->clock_source), 1) != 0 ||
	    copy_str(o, "boot_id", r->boot_id, sizeof(r->boot_id), 0) != 0 ||
	    copy_str(o, "prev_hash", r->prev_hash, sizeof(r->prev_hash), 0) != 0 ||
	    copy_str(o, "hash", r->hash, sizeof(r->hash), 0) != 0)
		return -1;
	if (!pb_hex_valid(r->id, PB_PROTO_ID_LEN) ||
	    !pb_sha256_hex_valid(r->prev_hash) || !pb_sha256_hex_valid(r->hash))
		return -1;
	p = json_object_get(o, "payload");
	if (!json_is_string(p) || json_string_length(p) > PB_PROTO_PAYLOAD_MAX ||
	    strlen(json_string_value(p)) != json_string_length(p))
		return -1;
	r->payload = json_string_value(p);
	return 0;
}

int pb_proto_gzip(const void *in, size_t len, unsigned char **out, size_t *out_len)
{
	z_stream zs;
	unsigned char *buf;
	uLong cap;
	int rc;

	*out = NULL;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&zs, (uLong)len) + 32;
	buf = malloc(cap);
	if (buf == NULL) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	rc = deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int pb_proto_gunzip(const void *in, size_t len, size_t max, char **out, size_t *out_len)
{
	z_stream zs;
	char *buf = NULL, *nb;
	size_t cap = len * 4 + 1024, used = 0;
	int rc = Z_OK;

	*out = NULL;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (cap > max + 1)
			cap = max + 1;
		nb = realloc(buf, cap + 1);
		if (nb == NULL)
			goto fail;
		buf = nb;
		zs.next_out = (Bytef *)buf + used;
		zs.avail_out = (uInt)(cap - used);
		rc = inflate(&zs, Z_NO_FLUSH);
		used = zs.total_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			goto fail;
		if (used > max)
			goto fail;
		if (zs.avail_out != 0)     /* input ended before the stream did */
			goto fail;
		cap *= 2;
	}
	/* Nothing may follow the gzip member. */
	if (used > max || zs.avail_in != 0)
		goto fail;
	inflateEnd(&zs);
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return 0;
fail:
	inflateEnd(&zs);
	free(buf);
	return -1;
}

static int build_n(const char *box_id, const struct pb_proto_record *records, size_t n,
		   unsigned char **body, size_t *body_len)
{
	json_t *root, *arr;
	char *text = NULL;
	int rc = -1;

	root = json_pack("{si ss s[]}", "v", PB_PROTO_VERSION, "box_id", box_id, "records");
	if (root == NULL)
		return -1;
	arr = json_object_get(root, "records");
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, pb_proto_record_to_json(&records[i])) != 0)
			goto out;
	text = json_dumps(root, JSON_COMPACT);
	if (text == NULL)
		goto out;
	rc = pb_proto_gzip(text, strlen(text), body, body_len);
out:
	free(text);
	json_decref(root);
	return rc;
}

int pb_proto_batch_fit(pb_proto_build_fn build, const char *box_id,
		       const struct pb_proto_record *records, size_t n, size_t max,
		       unsigned char **body, size_t *body_len, size_t *used)
{
	*body = NULL;
	if (n == 0)
		return -1;
	for (;;) {
		if (build(box_id, records, n, body, body_len) != 0)
			return -1;
		if (*body_len <= max || n == 1)
			break;
		free(*body);
		*body = NULL;
		/* Shrink in proportion, and always by at least one record. */
		size_t next = (size_t)((double)n * (double)max / (double)*body_len * 0.95);
		n = (next >= n) ? n - 1 : (next == 0 ? 1 : next);
	}
	*used = n;
	return 0;
}

int pb_proto_batch_build(const char *box_id, const struct pb_proto_record *records,
			 size_t n, size_t gz_max, unsigned char **body, size_t *body_len,
			 size_t *used)
{
	return pb_proto_batch_fit(build_n, box_id, records, n, gz_max, body, body_len, used);
}

void pb_proto_batch_free(struct pb_proto_batch *b)
{
	if (b == NULL)
		return;
	free(b->records);
	json_decref(b->root);
	memset(b, 0, sizeof(*b));
}

size_t pb_proto_json_marks(const char *text, size_t len)
{
	size_t n = 0;
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[' || c == ',' || c == ':') {
			n++;
		}
	}
	return n;
}

enum pb_proto_err pb_proto_batch_open(struct pb_proto_batch *b, const char *text, size_t len,
				      int version, const char *box_id, const char *key, char *why,
				      size_t whylen)
{
	json_error_t jerr;
	json_t *v, *arr;
	size_t marks = pb_proto_json_marks(text, len);

	if (marks > PB_PROTO_BATCH_MARKS_MAX) {
		snprintf(why, whylen, "%zu JSON values and members (at most %d)", marks,
			 PB_PROTO_BATCH_MARKS_MAX);
		return PB_PROTO_TOO_LARGE;
	}
	b->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (b->root == NULL) {
		snprintf(why, whylen, "JSON: %s", jerr.text);
		return PB_PROTO_MALFORMED;
	}
	v = json_object_get(b->root, "v");
	arr = json_object_get(b->root, key);
	if (!json_is_integer(v) || json_integer_value(v) != version) {
		snprintf(why, whylen, "version is not %d", version);
		return PB_PROTO_MALFORMED;
	}
	v = json_object_get(b->root, "box_id");
	if (!json_is_string(v)) {
		snprintf(why, whylen, "no box_id");
		return PB_PROTO_MALFORMED;
	}
	if (strcmp(json_string_value(v), box_id) != 0) {
		snprintf(why, whylen, "box_id %.40s", json_string_value(v));
		return PB_PROTO_BOX_MISMATCH;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		snprintf(why, whylen, "no records");
		return PB_PROTO_MALFORMED;
	}
	if (json_array_size(arr) > PB_PROTO_BATCH_RECORDS_MAX) {
		snprintf(why, whylen, "%zu records", json_array_size(arr));
		return PB_PROTO_TOO_LARGE;
	}
	b->n = json_array_size(arr);
	b->records = calloc(b->n, sizeof(*b->records));
	return b->records != NULL ? PB_PROTO_OK : PB_PROTO_INTERNAL;
}

/* A version 1 body: gzipped JSON with every field of every record. */
static enum pb_proto_err parse_v1(const void *body, size_t len, const char *box_id,
				  struct pb_proto_batch *b, char *why, size_t whylen)
{
	char *text = NULL;
	size_t tlen;
	json_t *arr;
	enum pb_proto_err e = PB_PROTO_MALFORMED;

	if (pb_proto_gunzip(body, len, PB_PROTO_BATCH_JSON_MAX, &text, &tlen) != 0) {
		snprintf(why, whylen, "not gzip, or more than %d bytes inflated",
			 PB_PROTO_BATCH_JSON_MAX);
		goto out;
	}
	e = pb_proto_batch_open(b, text, tlen, PB_PROTO_VERSION, box_id, "records", why, whylen);
	if (e != PB_PROTO_OK)
		goto out;
	e = PB_PROTO_MALFORMED;
	arr = json_object_get(b->root, "records");
	for (size_t i = 0; i < b->n; i++)
		if (pb_proto_record_from_json(json_array_get(arr, i), &b->records[i]) != 0) {
			snprintf(why, whylen, "record %zu: missing or bad field", i);
			goto out;
		}
	e = PB_PROTO_OK;
out:
	free(text);
	return e;
}

enum pb_proto_err pb_proto_batch_parse(const void *body, size_t len, const char *box_id,
				       struct pb_proto_batch *b, char *why, size_t whylen)
{
	char want[PB_SHA256_HEX_LEN + 1];
	enum pb_proto_err e;

	memset(b, 0, sizeof(*b));
	why[0] = '\0';
	if (len > PB_PROTO_BATCH_GZ_MAX) {
		snprintf(why, whylen, "body of %zu bytes", len);
		return PB_PROTO_TOO_LARGE;
	}
	e = pb_pack_is(body, len) ? pb_pack_parse(body, len, box_id, b, why, whylen) :
				    parse_v1(body, len, box_id, b, why, whylen);
	if (e != PB_PROTO_OK)
		goto out;
	for (size_t i = 0; i < b->n; i++) {
		struct pb_proto_record *r = &b->records[i];

		if (i > 0 && r->seq != b->records[i - 1].seq + 1) {
			snprintf(why, whylen, "seq %" PRId64 " follows %" PRId64, r->seq,
				 b->records[i - 1].seq);
			e = PB_PROTO_GAP;
			goto out;
		}
		if (i > 0 && strcmp(r->prev_hash, b->records[i - 1].hash) != 0) {
			snprintf(why, whylen, "seq %" PRId64 ": prev_hash", r->seq);
			e = PB_PROTO_BROKEN_CHAIN;
			goto out;
		}
		if (r->seq == 1 && strcmp(r->prev_hash, PB_PROTO_GENESIS) != 0) {
			snprintf(why, whylen, "seq 1 does not start from the genesis");
			e = PB_PROTO_BROKEN_CHAIN;
			goto out;
		}
		pb_proto_record_hash(box_id, r, want);
		if (strcmp(want, r->hash) != 0) {
			snprintf(why, whylen, "seq %" PRId64 ": hash", r->seq);
			e = PB_PROTO_BAD_HASH;
			goto out;
		}
	}
out:
	if (e != PB_PROTO_OK)
		pb_proto_batch_free(b);
	return e;
}

int pb_proto_key_load(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	struct stat sb;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || sb.st_size != crypto_sign_SECRETKEYBYTES) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	n = read(fd, sk, crypto_sign_SECRETKEYBYTES);
	close(fd);
	if (n != crypto_sign_SECRETKEYBYTES) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int pb_proto_key_load_or_create(const char *path,
				unsigned char sk[crypto_sign_SECRETKEYBYTES], int *created)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	int fd;
	ssize_t n;

	*created = 0;
	if (pb_proto_key_load(path, sk) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	crypto_sign_keypair(pk, sk);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, sk, crypto_sign_SECRETKEYBYTES);
	if (n != crypto_sign_SECRETKEYBYTES || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0)
		return -1;
	*created = 1;
	return 0;
}

void pb_proto_public_hex(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
			 char out[PB_PROTO_PK_HEX_LEN + 1])
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_bin2hex(out, PB_PROTO_PK_HEX_LEN + 1, pk, sizeof(pk));
}

void pb_proto_sign(const unsigned char sk[crypto_sign_SECRETKEYBYTES], const void *data,
		   size_t len, char out[PB_PROTO_SIG_HEX_LEN + 1])
{
	unsigned char sig[crypto_sign_BYTES];

	crypto_sign_detached(sig, NULL, data, len, sk);
	sodium_bin2hex(out, PB_PROTO_SIG_HEX_LEN + 1, sig, sizeof(sig));
}

int pb_proto_verify(const char *pk_hex, const void *data, size_t len, const char *sig_hex)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];

	if (!pb_hex_valid(pk_hex, PB_PROTO_PK_HEX_LEN) ||
	    !pb_hex_valid(sig_hex, PB_PROTO_SIG_HEX_LEN))
		return -1;
	if (sodium_hex2bin(pk, sizeof(pk), pk_hex, PB_PROTO_PK_HEX_LEN, NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(sig, sizeof(sig), sig_hex, PB_PROTO_SIG_HEX_LEN, NULL, NULL, NULL) != 0)
		return -1;
	return crypto_sign_verify_detached(sig, data, len, pk) == 0 ? 0 : -1;
}

int pb_proto_enrol_message(const char *box_id, const char *pk_hex, const char *token,
			   char *out, size_t len)
{
	int n = snprintf(out, len, "pb-enrol-1\n%s\n%s\n%s", box_id, pk_hex, token);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_proto_get_message(const char *box_id, const char *path, const char *time,
			 char *out, size_t len)
{
	int n = snprintf(out, len, "pb-get-1\n%s\n%s\n%s", box_id, path, time);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

const char *pb_proto_photo_mime(const unsigned char *d, size_t len)
{
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	return NULL;
}

void pb_proto_tcp_short_retransmits(int fd, unsigned rto_max_ms)
{
	int one = 1, ms = (int)rto_max_ms;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &ms, sizeof(ms));
}
