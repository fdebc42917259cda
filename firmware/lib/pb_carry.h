/* pb_carry: records carried on a USB stick when a centre has no backhaul
 * (docs/sync-protocol.md §10). The box writes its unacknowledged outbox
 * as the same signed batches it uploads, with a manifest; the hub ingests
 * them and writes back an acknowledgement signed with its own key.
 * Shared by pbctl and pb-hub: the folder layout, atomic writes, the
 * manifest and the acknowledgement file. */
#ifndef PB_CARRY_H
#define PB_CARRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_proto.h"

#define PB_CARRY_DIR          "pb-outbox"       /* DIR/pb-outbox/BOX_ID/ */
#define PB_CARRY_MANIFEST     "manifest.json"
#define PB_CARRY_ACK          "ack.json"
#define PB_CARRY_MANIFEST_MAX (4 * 1024 * 1024)
#define PB_CARRY_ACK_MAX      4096
#define PB_CARRY_BATCHES_MAX  20000             /* batches in one manifest */
/* Separators (pb_proto_json_marks) a manifest may hold: 11 a batch (its
 * object of five members and the comma before it) and a few for the
 * rest. Counted before parsing: 4 MiB of "{}," would take jansson 320 MB. */
#define PB_CARRY_MANIFEST_MARKS_MAX (PB_CARRY_BATCHES_MAX * 11 + 64)
#define PB_CARRY_BOXES_MAX    1000              /* box folders on one stick */
#define PB_CARRY_NAME_MAX     64                /* a batch file's name */

/* DIR/pb-outbox/BOX_ID; 0, or -1 when too long. */
int pb_carry_box_dir(const char *dir, const char *box_id, char *out, size_t len);
/* The same, made where missing (mode 0755). 0/-1 (errno). */
int pb_carry_box_dir_make(const char *dir, const char *box_id, char *out, size_t len);

/* Write name inside dir whole or not at all: a temporary file, fsync,
 * rename, fsync of the folder. 0/-1 (errno). */
int pb_carry_write(const char *dir, const char *name, const void *data, size_t len);
/* Copy the file src to dir/name the same way, checking on the way that
 * its bytes hash to sha256 (NULL: no check); *size gets its length. 0,
 * -1 (errno), or -2 when the SHA-256 differs (nothing is left at
 * dir/name). */
#define PB_CARRY_COPY_CHUNK (64 * 1024)
int pb_carry_copy(const char *src, const char *dir, const char *name, const char *sha256,
		  int64_t *size);
/* fsync a folder, so that its renames and removals are on disk. 0/-1. */
int pb_carry_sync_dir(const char *dir);
/* Read a regular file (not through a symlink) of at most max bytes,
 * NUL-terminated, malloc'd. 0/-1 (errno; EFBIG when larger). */
int pb_carry_read(const char *dir, const char *name, size_t max, char **out, size_t *len);

/* A batch file's name: letters, digits, '-', '_' and '.', not starting
 * with '.', at most PB_CARRY_NAME_MAX. */
int pb_carry_name_ok(const char *name);

/* One batch of a manifest. */
struct pb_carry_batch {
	char file[PB_CARRY_NAME_MAX + 1];
	int64_t first, last;
	char sha256[PB_SHA256_HEX_LEN + 1];
	char signature[PB_PROTO_SIG_HEX_LEN + 1];   /* as X-PB-Signature */
};

struct pb_carry_manifest {
	char box_id[PB_PROTO_ID_LEN + 1];
	int64_t made_ms;
	size_t n;
	struct pb_carry_batch *batches;
};

/* The manifest as JSON text (malloc'd), or NULL. */
char *pb_carry_manifest_dump(const struct pb_carry_manifest *m);
/* Parse and check a manifest's shape; why says what is wrong. 0/-1. */
int pb_carry_manifest_parse(const char *text, size_t len, struct pb_carry_manifest *m,
			    char *why, size_t whylen);
void pb_carry_manifest_free(struct pb_carry_manifest *m);

/* The hub's acknowledgement: it holds every record of box_id up to
 * acked, whose hash is hash (the genesis for 0). Signed over
 * "pb-usb-ack-1\n" box_id "\n" acked "\n" hash "\n" made_ms. */
struct pb_carry_ack {
	char box_id[PB_PROTO_ID_LEN + 1];
	int64_t acked;
	char hash[PB_SHA256_HEX_LEN + 1];
	int64_t made_ms;
	char hub_key[PB_PROTO_PK_HEX_LEN + 1];
	char signature[PB_PROTO_SIG_HEX_LEN + 1];
};

/* Sign a (hub_key and signature are filled) and give the file's text
 * (malloc'd), or NULL. */
char *pb_carry_ack_dump(struct pb_carry_ack *a, const unsigned char sk[crypto_sign_SECRETKEYBYTES]);

enum pb_carry_ack_err {
	PB_CARRY_ACK_OK = 0,
	PB_CARRY_ACK_MALFORMED,
	PB_CARRY_ACK_OTHER_KEY,     /* signed by a key the box does not trust */
	PB_CARRY_ACK_BAD_SIGNATURE,
	PB_CARRY_ACK_OTHER_BOX,
};
/* Check an acknowledgement file against the hub key the box trusts and
 * its own box id; a is filled as far as it could be read. */
enum pb_carry_ack_err pb_carry_ack_check(const char *text, size_t len, const char *hub_key,
					 const char *box_id, struct pb_carry_ack *a);
const char *pb_carry_ack_strerror(enum pb_carry_ack_err e);   /* Indonesian */

#endif
