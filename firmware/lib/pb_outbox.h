/* pb_outbox: every record that goes upstream, in one table, numbered per
 * box and hash-chained: hash = SHA-256 over the record's fields and the
 * previous record's hash (docs/sync-protocol.md gives the exact bytes). */
#ifndef PB_OUTBOX_H
#define PB_OUTBOX_H

#include <sqlite3.h>
#include <stdint.h>

#include "pb_clock.h"
#include "pb_hash.h"
#include "pb_ids.h"
#include "pb_proto.h"

#define PB_OUTBOX_TYPE_MAX    48
#define PB_OUTBOX_PAYLOAD_MAX (64 * 1024)
#define PB_OUTBOX_GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"

struct pb_outbox_entry {
	int64_t seq;
	char id[PB_ID_HEX_LEN + 1];
	char type[PB_OUTBOX_TYPE_MAX + 1];
	const char *payload;                 /* borrowed */
	struct pb_stamp stamp;
	char prev_hash[PB_SHA256_HEX_LEN + 1];
	char hash[PB_SHA256_HEX_LEN + 1];
};

/* The hash of an entry (all fields but hash must be set). */
void pb_outbox_hash(const char *box_id, const struct pb_outbox_entry *e,
		    char out[PB_SHA256_HEX_LEN + 1]);

/* Append one record. Call inside the caller's transaction so the record
 * and the change it describes commit together. id_out may be NULL. */
int pb_outbox_append(sqlite3 *db, const char *type, const char *payload,
		     int64_t *seq_out, char *id_out);

/* Walk the chain from the first record. Returns 0 if every link holds,
 * -1 with *bad_seq set to the first record that does not. Records purged
 * of personal data (purged_ms) are checked for their links only. */
int pb_outbox_verify(sqlite3 *db, int64_t *bad_seq);

/* The hub holds every record up to acked (pb-sync, on its answer): mark
 * them acked (acked_ms = wall_ms) and any above not acked (the hub may
 * answer lower than the box believed, e.g. after a restore), in one
 * transaction. 0/-1. */
int pb_outbox_set_acked(sqlite3 *db, int64_t acked, int64_t wall_ms);

/* Records as they travel, in seq order: after > 0 loads those above
 * after, after < 0 those from the first record not acked yet; at most max.
 * Free with pb_outbox_loaded_free. 0/-1. */
struct pb_outbox_loaded {
	size_t n;
	struct pb_proto_record *r;
	char **payloads;
};
int pb_outbox_load(sqlite3 *db, int64_t after, size_t max, struct pb_outbox_loaded *l);
void pb_outbox_loaded_free(struct pb_outbox_loaded *l);

/* An acknowledgement that can only move forward (one carried on a USB
 * stick, docs/sync-protocol.md §10): the box's record acked must carry
 * hash; records up to it are marked acked, nothing above is touched.
 * One transaction. */
enum pb_outbox_ack {
	PB_OUTBOX_ACK_DONE = 0,    /* records newly marked */
	PB_OUTBOX_ACK_ALREADY,     /* the box held that acknowledgement already */
	PB_OUTBOX_ACK_UNKNOWN,     /* the box has no record acked */
	PB_OUTBOX_ACK_OTHER,       /* its record acked has another hash */
	PB_OUTBOX_ACK_ERROR,
};
enum pb_outbox_ack pb_outbox_ack_forward(sqlite3 *db, int64_t acked, const char *hash,
					 int64_t wall_ms, int64_t *marked);

/* The box id from box_meta. */
int pb_box_id(sqlite3 *db, char *out, size_t len);

#endif
