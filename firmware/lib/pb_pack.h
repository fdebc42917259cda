/* pb_pack: the packed batch (docs/sync-protocol.md §4, version 2), what
 * pb-sync sends over the backhaul. Same records, same hashes, same
 * signature over the exact body as version 1; fewer bytes:
 *  - the body is PB_PACK_MAGIC then two zstd frames: the batch's JSON,
 *    compressed with a dictionary both sides build in (pb_pack_dict.c),
 *    then the packed signatures, one a line, on their own (their digits
 *    compress far better without the JSON text around them);
 *  - seq and the hashes are not sent: the batch gives the first seq, the
 *    prev_hash of its first record and the hash of its last ("head"); the
 *    hub computes every hash and the head must match;
 *  - a record is [id, type, payload, wall_ms, clock_source, boot_id,
 *    mono_ms] with the times as differences from the record before and the
 *    clock source and boot id null when unchanged;
 *  - a payload is its exact text (a JSON string) or, when that text is
 *    what jansson writes back, the object itself; its "signature" then
 *    says "~" and is the next line of the signatures' frame (packed by
 *    pb_sig_pack). The box checks that the hub's unpacking gives back the
 *    stored text byte for byte before it sends an object.
 * The hub reads both versions (pb_proto_batch_parse). */
#ifndef PB_PACK_H
#define PB_PACK_H

#include <stddef.h>

#include "pb_proto.h"

#define PB_PACK_VERSION     2
#define PB_PACK_MAGIC       "pbz1"        /* 1: the dictionary's version */
#define PB_PACK_MAGIC_LEN   4
#define PB_PACK_LEVEL       19            /* zstd level: small bodies, slow links */
#define PB_PACK_MIME        "application/vnd.pb-batch+zstd"
/* A payload of more separators than this (its signature packed apart)
 * travels as its text: with it a batch stays within
 * PB_PROTO_BATCH_MARKS_MAX whatever its records hold. */
#define PB_PACK_PAYLOAD_MARKS_MAX 160

/* Build a packed batch from records[0..n) of box_id: as many records as
 * fit in max bytes (at least one); *used says how many. 0 or -1. */
int pb_pack_build(const char *box_id, const struct pb_proto_record *records, size_t n,
		  size_t max, unsigned char **body, size_t *body_len, size_t *used);

/* Whether a body is a packed batch (by its first bytes). */
int pb_pack_is(const void *body, size_t len);

/* Unpack a packed batch into b: records in order with their hashes
 * computed (payloads borrow from b->root). Checks the shape, the box id
 * and the head; pb_proto_batch_parse checks the rest. */
enum pb_proto_err pb_pack_parse(const void *body, size_t len, const char *box_id,
				struct pb_proto_batch *b, char *why, size_t whylen);

/* The shared dictionary (pb_pack_dict.c). */
extern const char pb_pack_dict[];
extern const size_t pb_pack_dict_len;

#endif
