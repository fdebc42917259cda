/* pb_claims: teachers' transport, meal, daily-allowance and lodging
 * claims, priced against the rate table (pb_rates), decided by a
 * facilitator, and listed as the daftar nominatif.
 *
 * A claim is one row that never changes; what happens to it is a chain
 * of append-only events (submit, approve, reject, paid). Each claim and
 * each event goes to the outbox in the same transaction. Money is int64
 * rupiah; sums are checked for overflow. */
#ifndef PB_CLAIMS_H
#define PB_CLAIMS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_attendance.h"
#include "pb_hash.h"
#include "pb_inbox.h"
#include "pb_rates.h"

#define PB_CLAIM_ABSURD_FACTOR 100      /* at cost above this x the ceiling: refused */
#define PB_CLAIM_AMOUNT_MAX    1000000000000LL /* Rp 1 trillion: no sum can overflow */
#define PB_CLAIM_REASON_MAX    300      /* bytes of a decision's reason */
#define PB_CLAIM_BULK_MAX      500      /* claims decided in one request */
#define PB_CLAIM_WHY_MAX       512      /* bytes of the pricing explanation */
#define PB_RECEIPT_MIN_BYTES   64       /* smaller is no photo */
#define PB_PAID_REF_MAX        128      /* bytes of a payment reference */

/* Transport modes a teacher may name. */
extern const char *const pb_claim_modes[];

/* 1 if mode is one of pb_claim_modes. */
int pb_claim_mode_valid(const char *mode);

enum pb_price_result {
	PB_PRICE_OK = 0,
	PB_PRICE_TYPED,            /* an amount given for a flat (computed) item */
	PB_PRICE_MISSING,          /* no amount for an at-cost item */
	PB_PRICE_NOT_POSITIVE,     /* zero or negative */
	PB_PRICE_ABSURD,           /* over PB_CLAIM_ABSURD_FACTOR x the ceiling */
	PB_PRICE_NO_CEILING,       /* the rate is 0: nothing is paid for it */
};

const char *pb_price_strerror(enum pb_price_result r);

/* Price one claim. Flat items: *pay = rate (has_claimed must be 0).
 * At-cost items: *pay = min(claimed, rate), *capped = 1 when the ceiling
 * applied. */
enum pb_price_result pb_claim_price(int item, int64_t rate, int has_claimed, int64_t claimed,
				    int64_t *pay, int *capped);

/* The Indonesian explanation of a price ("Transport lokal dari KOTA
 * MALANG: diminta Rp 75.000, plafon Rp 50.000, dibayar Rp 50.000"). */
void pb_claim_why(int item, const char *origin, int64_t rate, int64_t claimed, int64_t pay,
		  int capped, char *out, size_t len);

/* The image type of a receipt by its first bytes: "image/jpeg",
 * "image/png", or NULL. */
const char *pb_receipt_sniff(const unsigned char *data, size_t len);

enum pb_claim_result {
	PB_CLAIM_OK = 0,
	PB_CLAIM_EXISTING,         /* same teacher, item and day: the existing claim */
	PB_CLAIM_ELSEWHERE,        /* same teacher, item and day in another session: that claim */
	PB_CLAIM_UNCHANGED,        /* a decision equal to the current one */
	PB_CLAIM_NOT_FOUND,
	PB_CLAIM_BAD_PROOF,        /* the check-in id is not a check-in of this session */
	PB_CLAIM_OTHER_TEACHER,    /* the check-in belongs to another NUPTK */
	PB_CLAIM_NOT_SESSION_DAY,
	PB_CLAIM_NOT_ATTENDED,     /* the teacher was not present that day */
	PB_CLAIM_HELD,             /* checked in while the clock was unconfirmed: no date yet */
	PB_CLAIM_LOCKED,           /* the day is locked */
	PB_CLAIM_NO_PROVINCE,      /* neither the session nor the box names a province */
	PB_CLAIM_NO_RATE,          /* the rate table has no row for it */
	PB_CLAIM_MEALS_IN_KIND,    /* meals are given in kind: no meal allowance */
	PB_CLAIM_NOT_RESIDENTIAL,  /* lodging only for residential sessions */
	PB_CLAIM_PRICE,            /* see the pb_price_result */
	PB_CLAIM_PAID,             /* already paid: no more decisions */
	PB_CLAIM_DECIDED,          /* decided (or withdrawn) already: cannot be withdrawn */
	PB_CLAIM_SUPERSEDED,       /* rejected and filed again: the newer claim is decided */
	PB_CLAIM_STORE,            /* the receipt could not be stored */
	PB_CLAIM_DB,
};

const char *pb_claim_strerror(enum pb_claim_result r);

/* The teacher withdraws a claim still only submitted (proof: their
 * check-in id in that session); claim.withdraw goes upstream. The same item
 * may be filed again that day. *out gets the claim. */
enum pb_claim_result pb_claim_withdraw(sqlite3 *db, int64_t claim_id, const char *checkin_uid,
				       const char *client, json_t **out);

/* Stores the receipt photo once every check has passed (inside the
 * transaction); fills sha with the content store name. 0/-1. */
typedef int (*pb_receipt_store_fn)(void *ctx, char sha[PB_SHA256_HEX_LEN + 1]);

struct pb_claim_req {
	int64_t kegiatan_id;
	const char *day;
	const char *nuptk;
	int item;
	const char *checkin_uid;   /* the proof; NULL when staff file for a teacher */
	const char *mode;          /* transport only */
	const char *origin;        /* transport only */
	int has_amount;
	int64_t amount;            /* at-cost items */
	const char *evidence;      /* "receipt" | "dpr" | "" */
	const char *receipt_mime;
	int64_t receipt_size;
	pb_receipt_store_fn store;
	void *store_ctx;
	const char *dpr_signature; /* canonical strokes (pb_sig) */
	const char *default_province;
	const char *actor;         /* "peserta" or a staff name */
	const char *client;
};

/* File a claim. *out gets the claim as JSON (new, existing, or the one of
 * another session on PB_CLAIM_ELSEWHERE). On
 * PB_CLAIM_PRICE, *price says why. */
enum pb_claim_result pb_claim_submit(sqlite3 *db, const struct pb_claim_req *c, json_t **out,
				     enum pb_price_result *price);

/* A facilitator's decision on a list of claims of one session. */
struct pb_claim_decision {
	int64_t kegiatan_id;
	const int64_t *ids;
	size_t n;
	int approve;               /* 1 approve, 0 reject */
	const char *reason;        /* may be NULL */
	const char *actor;
	const char *client;
};

/* Take decision d, all or nothing. On failure *bad_id names the claim
 * that stopped it. *out gets {"decided": [...claims...], "changed": n}. */
enum pb_claim_result pb_claim_decide(sqlite3 *db, const struct pb_claim_decision *d,
				     int64_t *bad_id, json_t **out);

/* Record a payment reported by upstream (by claim uid). */
enum pb_claim_result pb_claim_paid(sqlite3 *db, const char *claim_uid, const char *ref,
				   const char *actor, json_t **out);

/* pb_inbox rules for what the hub sends down (docs/sync-protocol.md): a
 * "rates" document {"csv": "<rate file>"} becomes the next rate table
 * version; a "payments" document {"claim_id", "status": "paid",
 * "reference"} marks that approved claim paid. Inside the caller's
 * transaction. */
enum pb_inbox_result pb_claims_inbox_rates(sqlite3 *db, const json_t *doc, char *why,
					   size_t len);
enum pb_inbox_result pb_claims_inbox_payment(sqlite3 *db, const json_t *doc, char *why,
					     size_t len);

/* One claim as JSON: 0 found, 1 not, -1 error. */
int pb_claim_get(sqlite3 *db, int64_t id, json_t **out);

/* The kegiatan id and receipt of a claim: 0 found, 1 not, -1 error. */
int pb_claim_receipt(sqlite3 *db, int64_t id, int64_t *kegiatan_id, char sha[PB_SHA256_HEX_LEN + 1],
		     char *mime, size_t mlen);

/* The signed statement of real cost (canonical strokes, malloc'd) of a
 * claim, or NULL if it has none. */
char *pb_claim_dpr_signature(sqlite3 *db, int64_t id);

/* Claims of a session: all, or of one teacher (nuptk), or of one day,
 * with their status. */
/* The explanation of a claim's amount in Indonesian (en = 0) or English. */
void pb_claim_why_lang(int item, const char *origin, int64_t rate, int64_t claimed, int64_t pay,
		       int capped, int en, char *out, size_t len);
/* Rewrite "why" and "item_label" of listed claims in English. */
void pb_claims_why_en(json_t *claims);
json_t *pb_claims_list(sqlite3 *db, int64_t kegiatan_id, const char *nuptk, const char *day);

/* The daftar nominatif of a session: approved (and paid) claims summed per
 * teacher and item, with totals. NULL on error or overflow. */
json_t *pb_claims_nominatif(sqlite3 *db, const struct pb_kegiatan *k);
/* The same as CSV (malloc'd), formula-neutralised. */
char *pb_claims_nominatif_csv(const json_t *nom, size_t *len);

/* Per-session settings: province, meals given in kind, residential, the
 * kind of uang_harian. */
struct pb_claim_setting {
	char province[PB_RATE_PLACE_MAX + 1];
	int meals_in_kind;
	int residential;
	char uang_harian[24];      /* the kind paid: pb_uang_harian_kinds */
};
/* 0 (defaults when never set), -1 error. */
int pb_claim_setting_get(sqlite3 *db, int64_t kegiatan_id, struct pb_claim_setting *s);
int pb_claim_setting_set(sqlite3 *db, const struct pb_kegiatan *k,
			 const struct pb_claim_setting *s, const char *actor, const char *client);

#endif
