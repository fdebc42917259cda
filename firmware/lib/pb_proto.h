/* pb_proto: the uplink protocol shared by pb-sync (box) and pb-hub:
 * record hashes, batches (gzipped JSON; the packed version 2 is pb_pack.h),
 * Ed25519 keys and signatures.
 * docs/sync-protocol.md is the specification. No database, no I/O but the
 * key file. */
#ifndef PB_PROTO_H
#define PB_PROTO_H

#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_hash.h"

#define PB_PROTO_VERSION           1
#define PB_PROTO_ID_LEN            32      /* record and box ids: hex */
#define PB_PROTO_TYPE_MAX          48
#define PB_PROTO_PAYLOAD_MAX       (64 * 1024)
#define PB_PROTO_SOURCE_MAX        15
#define PB_PROTO_BOOT_ID_MAX       39
#define PB_PROTO_BATCH_RECORDS_MAX 5000
#define PB_PROTO_BATCH_GZ_MAX      (2 * 1024 * 1024)    /* compressed body */
#define PB_PROTO_BATCH_JSON_MAX    (32 * 1024 * 1024)   /* after inflating */
/* Separators (pb_proto_json_marks) in a batch's JSON text: jansson spends
 * 100 to 250 bytes on each value, so 32 MiB of "{}," would take 2.5 GB;
 * this keeps a parse near 150 MB. A box's batch holds at most
 * PB_PROTO_BATCH_RECORDS_MAX records of 21 (version 1) or 8 plus
 * PB_PACK_PAYLOAD_MARKS_MAX (version 2) separators. */
#define PB_PROTO_BATCH_MARKS_MAX   1000000
#define PB_PROTO_FEED_ITEMS_MAX    500
#define PB_PROTO_TOKEN_MAX         128
#define PB_PROTO_PK_HEX_LEN        (crypto_sign_PUBLICKEYBYTES * 2)
#define PB_PROTO_SIG_HEX_LEN       (crypto_sign_BYTES * 2)
#define PB_PROTO_GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define PB_PROTO_BATCH_MIME        "application/vnd.pb-batch+gzip"
#define PB_PROTO_HDR_BOX           "X-PB-Box"
#define PB_PROTO_HDR_SIG           "X-PB-Signature"
#define PB_PROTO_HDR_TIME          "X-PB-Time"
/* Receipt photos (§4b): POST PB_PROTO_PHOTO_PATH + sha256, the raw image
 * as the body, signed like a batch. */
#define PB_PROTO_PHOTO_PATH        "/v1/photos/"
#define PB_PROTO_PHOTO_MAX         (4 * 1024 * 1024)    /* bytes of one photo */

/* One outbox record as it travels. payload points to the exact stored
 * text (owned by whoever filled the struct). */
struct pb_proto_record {
	int64_t seq;
	char id[PB_PROTO_ID_LEN + 1];
	char type[PB_PROTO_TYPE_MAX + 1];
	const char *payload;
	int64_t wall_ms;
	char clock_source[PB_PROTO_SOURCE_MAX + 1];
	char boot_id[PB_PROTO_BOOT_ID_MAX + 1];
	int64_t mono_ms;
	char prev_hash[PB_SHA256_HEX_LEN + 1];
	char hash[PB_SHA256_HEX_LEN + 1];
};

/* Why a batch or request is refused; each has a wire code, an HTTP
 * status and an Indonesian message. */
enum pb_proto_err {
	PB_PROTO_OK = 0,
	PB_PROTO_TOO_LARGE,
	PB_PROTO_UNKNOWN_BOX,
	PB_PROTO_REVOKED,
	PB_PROTO_BAD_SIGNATURE,
	PB_PROTO_MALFORMED,
	PB_PROTO_BOX_MISMATCH,
	PB_PROTO_BAD_HASH,
	PB_PROTO_BROKEN_CHAIN,
	PB_PROTO_GAP,
	PB_PROTO_CONFLICT,
	PB_PROTO_TOKEN_INVALID,
	PB_PROTO_TOKEN_USED,
	PB_PROTO_BOX_EXISTS,
	PB_PROTO_NOT_FOUND,
	PB_PROTO_INTERNAL,
	PB_PROTO_RATE_LIMITED,   /* 429 with Retry-After */
	PB_PROTO_UNAVAILABLE,    /* 503: the hub's database is down */
};

const char *pb_proto_err_code(enum pb_proto_err e);     /* "bad_signature" */
const char *pb_proto_err_message(enum pb_proto_err e);  /* Indonesian */
const char *pb_proto_err_words(enum pb_proto_err e);    /* English, for status */
unsigned pb_proto_err_http(enum pb_proto_err e);
/* Map a wire code back (unknown codes give PB_PROTO_INTERNAL). */
enum pb_proto_err pb_proto_err_from_code(const char *code);

/* The record hash (docs/sync-protocol.md §3). */
void pb_proto_record_hash(const char *box_id, const struct pb_proto_record *r,
			  char out[PB_SHA256_HEX_LEN + 1]);

/* A record as a JSON object, and back (validating every field; payload
 * then borrows from the JSON object). */
json_t *pb_proto_record_to_json(const struct pb_proto_record *r);
int pb_proto_record_from_json(json_t *o, struct pb_proto_record *r);

/* gzip (RFC 1952) with zlib. gunzip refuses output beyond max. Both
 * return 0 with a malloc'd buffer, or -1. */
int pb_proto_gzip(const void *in, size_t len, unsigned char **out, size_t *out_len);
int pb_proto_gunzip(const void *in, size_t len, size_t max, char **out, size_t *out_len);

/* Build a batch from records[0..n): the gzipped JSON body. Takes as many
 * records as fit in gz_max compressed bytes (at least one); *used says how
 * many. Returns 0 or -1. */
int pb_proto_batch_build(const char *box_id, const struct pb_proto_record *records,
			 size_t n, size_t gz_max, unsigned char **body, size_t *body_len,
			 size_t *used);

/* Build a body with build from as many of records[0..n) as fit in max
 * bytes (at least one; fewer in proportion until it fits); *used says how
 * many. Shared by both batch versions. Returns 0 or -1. */
typedef int (*pb_proto_build_fn)(const char *box_id, const struct pb_proto_record *records,
				 size_t n, unsigned char **body, size_t *body_len);
int pb_proto_batch_fit(pb_proto_build_fn build, const char *box_id,
		       const struct pb_proto_record *records, size_t n, size_t max,
		       unsigned char **body, size_t *body_len, size_t *used);

/* A decoded batch: records in order; payloads borrow from root. */
struct pb_proto_batch {
	json_t *root;
	size_t n;
	struct pb_proto_record *records;
};

/* How many '{', '[', ',' and ':' stand outside strings in a JSON text:
 * a bound on its values and members, known before parsing it. */
size_t pb_proto_json_marks(const char *text, size_t len);

/* For both batch versions: b->root parsed from the JSON text (refused as
 * PB_PROTO_TOO_LARGE past PB_PROTO_BATCH_MARKS_MAX, unparsed); its "v" is
 * version and its "box_id" is box_id; the array under key holds
 * 1..PB_PROTO_BATCH_RECORDS_MAX records, for which b->records is
 * allocated (zeroed) and b->n set. */
enum pb_proto_err pb_proto_batch_open(struct pb_proto_batch *b, const char *text, size_t len,
				      int version, const char *box_id, const char *key, char *why,
				      size_t whylen);

/* Inflate, parse and check a batch body, version 1 (gzip) or 2 (packed,
 * pb_pack.h, told by its first bytes): shape, box id, consecutive seqs,
 * hashes and the chain inside the batch (§4 steps 4 and 5). */
enum pb_proto_err pb_proto_batch_parse(const void *body, size_t len, const char *box_id,
				       struct pb_proto_batch *b, char *why, size_t whylen);
void pb_proto_batch_free(struct pb_proto_batch *b);

/* Keys: the secret key file holds crypto_sign_SECRETKEYBYTES raw bytes,
 * mode 0600. load_or_create makes one when the file does not exist. */
int pb_proto_key_load(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES]);
int pb_proto_key_load_or_create(const char *path,
				unsigned char sk[crypto_sign_SECRETKEYBYTES], int *created);
void pb_proto_public_hex(const unsigned char sk[crypto_sign_SECRETKEYBYTES],
			 char out[PB_PROTO_PK_HEX_LEN + 1]);

/* Detached signatures as hex. verify returns 0 when valid. */
void pb_proto_sign(const unsigned char sk[crypto_sign_SECRETKEYBYTES], const void *data,
		   size_t len, char out[PB_PROTO_SIG_HEX_LEN + 1]);
int pb_proto_verify(const char *pk_hex, const void *data, size_t len, const char *sig_hex);

/* The image type of a receipt photo by its first bytes: "image/jpeg",
 * "image/png", or NULL. */
const char *pb_proto_photo_mime(const unsigned char *data, size_t len);

/* The signed texts for enrolment and GET requests (§2, §5). Return 0/-1
 * (-1 when out is too small). */
int pb_proto_enrol_message(const char *box_id, const char *pk_hex, const char *token,
			   char *out, size_t len);
int pb_proto_get_message(const char *box_id, const char *path, const char *time,
			 char *out, size_t len);

/* For a box↔hub TCP socket on links that drop for a second or two: lost
 * bytes are resent
 * linearly rather than with doubling waits while few packets are in
 * flight (TCP_THIN_LINEAR_TIMEOUTS), and never more than rto_max_ms after
 * the last try (TCP_RTO_MAX_MS, Linux 6.15 or later, 1000..120000; an
 * older kernel refuses it and keeps its own 120 s). Best effort: nothing
 * fails without them. */
void pb_proto_tcp_short_retransmits(int fd, unsigned rto_max_ms);

#endif
