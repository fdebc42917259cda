/* pb_stick: the box's side of a USB stick (docs/sync-protocol.md §10):
 * the unacknowledged outbox written as signed batches with a manifest,
 * and the hub's signed acknowledgement applied. Used by pbctl (outbox
 * export | import-ack) and by pb-sync for the admin page's jobs, so both
 * write and read a stick the same way. Messages are the caller's. */
#ifndef PB_STICK_H
#define PB_STICK_H

#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_carry.h"
#include "pb_config.h"
#include "pb_outbox.h"

enum pb_stick_err {
	PB_STICK_OK = 0,
	PB_STICK_NO_KEY,        /* the box key cannot be read: not enrolled (sys_errno) */
	PB_STICK_NO_HUB_KEY,    /* the box never learned the hub's key */
	PB_STICK_FULL,          /* no space left on the stick */
	PB_STICK_WRITE,         /* the stick cannot be written (sys_errno) */
	PB_STICK_DB,            /* the database cannot be read or written */
	PB_STICK_BUILD,         /* a batch cannot be built */
	PB_STICK_TOO_MANY,      /* more than PB_CARRY_BATCHES_MAX batches */
	PB_STICK_NO_ACK,        /* no readable ack.json for this box (sys_errno) */
	PB_STICK_ACK_REFUSED,   /* the acknowledgement is refused: nothing changed */
};

/* Indonesian words for the admin page; pbctl says more. */
const char *pb_stick_strerror(enum pb_stick_err e);
/* A short code for the API ("stick_full", ...). */
const char *pb_stick_code(enum pb_stick_err e);

/* Called after each batch or step: done of total. */
typedef void (*pb_stick_progress_fn)(void *arg, int64_t done, int64_t total);

struct pb_stick_export {
	char box_dir[PATH_MAX];          /* DIR/pb-outbox/BOX_ID */
	char key_path[PATH_MAX];
	int64_t pending;                 /* records waiting when it began */
	int64_t records, first, last;    /* written: count, seq range */
	size_t batches;
	int sys_errno;
};

/* Write every unacknowledged record under DIR; the manifest last, then
 * batches it no longer names go. What was on the stick before stays whole
 * when this fails. */
enum pb_stick_err pb_stick_export(sqlite3 *db, const struct pb_config *cfg, const char *dir,
				  pb_stick_progress_fn fn, void *arg,
				  struct pb_stick_export *rep);

struct pb_stick_ack {
	char box_dir[PATH_MAX];
	enum pb_carry_ack_err check;     /* when refused by its signature or box */
	enum pb_outbox_ack result;       /* when checked: what applying it did */
	int64_t acked, marked;
	int sys_errno;
};

/* Apply DIR/pb-outbox/BOX_ID/ack.json. PB_STICK_OK also when the hub held
 * nothing yet (acked 0) or the box knew it already (result ALREADY). */
enum pb_stick_err pb_stick_import_ack(sqlite3 *db, const char *dir, struct pb_stick_ack *rep);

#endif
