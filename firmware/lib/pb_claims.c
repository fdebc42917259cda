#include "pb_claims.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_csv.h"
#include "pb_db.h"
#include "pb_rows.h"
#include "pb_ids.h"
#include "pb_inbox.h"
#include "pb_outbox.h"
#include "pb_proto.h"
#include "pb_roster.h"
#include "pb_terbilang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const pb_claim_modes[] = {
	"angkutan_umum", "ojek", "motor", "mobil", "kapal", "jalan_kaki", "lainnya", NULL,
};

int pb_claim_mode_valid(const char *mode)
{
	for (size_t i = 0; mode != NULL && pb_claim_modes[i] != NULL; i++)
		if (strcmp(mode, pb_claim_modes[i]) == 0)
			return 1;
	return 0;
}

const char *pb_price_strerror(enum pb_price_result r)
{
	switch (r) {
	case PB_PRICE_OK:           return "ok";
	case PB_PRICE_TYPED:        return "the amount of this item is computed, not typed";
	case PB_PRICE_MISSING:      return "an amount is needed";
	case PB_PRICE_NOT_POSITIVE: return "the amount must be more than zero";
	case PB_PRICE_ABSURD:       return "the amount is far above the ceiling";
	case PB_PRICE_NO_CEILING:   return "nothing is paid for this";
	}
	return "unknown";
}

enum pb_price_result pb_claim_price(int item, int64_t rate, int has_claimed, int64_t claimed,
				    int64_t *pay, int *capped)
{
	*pay = 0;
	*capped = 0;
	if (item < 0 || item >= PB_ITEM_COUNT || rate < 0)
		return PB_PRICE_NO_CEILING;
	if (!pb_items[item].at_cost) {
		if (has_claimed)
			return PB_PRICE_TYPED;
		*pay = rate;
		return PB_PRICE_OK;
	}
	if (!has_claimed)
		return PB_PRICE_MISSING;
	if (claimed <= 0)
		return PB_PRICE_NOT_POSITIVE;
	if (rate == 0)
		return PB_PRICE_NO_CEILING;
	/* rate <= PB_RATE_..._MAX (checked on import), so the product fits */
	if (claimed > PB_CLAIM_AMOUNT_MAX || rate > PB_CLAIM_AMOUNT_MAX / PB_CLAIM_ABSURD_FACTOR ||
	    claimed > rate * PB_CLAIM_ABSURD_FACTOR)
		return PB_PRICE_ABSURD;
	if (claimed > rate) {
		*pay = rate;
		*capped = 1;
	} else {
		*pay = claimed;
	}
	return PB_PRICE_OK;
}

void pb_claim_why_lang(int item, const char *origin, int64_t rate, int64_t claimed, int64_t pay,
		       int capped, int en, char *out, size_t len)
{
	char r[PB_RUPIAH_TEXT_MAX], c[PB_RUPIAH_TEXT_MAX], p[PB_RUPIAH_TEXT_MAX];
	const char *label, *from = en ? " from " : " dari ";

	if (item < 0 || item >= PB_ITEM_COUNT) {
		snprintf(out, len, "?");
		return;
	}
	label = en ? pb_items[item].label_en : pb_items[item].label_id;
	pb_rupiah(rate, r, sizeof(r));
	pb_rupiah(claimed, c, sizeof(c));
	pb_rupiah(pay, p, sizeof(p));
	if (origin == NULL || origin[0] == '\0')
		origin = from = "";
	if (!pb_items[item].at_cost)
		snprintf(out, len, en ? "%s: fixed rate %s per day" : "%s: tarif tetap %s per hari",
			 label, r);
	else if (capped)
		snprintf(out, len, en ? "%s%s%s: asked %s, ceiling %s, paid %s (capped at the ceiling)" :
			 "%s%s%s: diminta %s, plafon %s, dibayar %s (dibatasi plafon)",
			 label, from, origin, c, r, p);
	else
		snprintf(out, len, en ? "%s%s%s: asked %s, ceiling %s, paid the actual cost %s" :
			 "%s%s%s: diminta %s, plafon %s, dibayar sesuai biaya riil %s",
			 label, from, origin, c, r, p);
}

void pb_claim_why(int item, const char *origin, int64_t rate, int64_t claimed, int64_t pay,
		  int capped, char *out, size_t len)
{
	pb_claim_why_lang(item, origin, rate, claimed, pay, capped, 0, out, len);
}

void pb_claims_why_en(json_t *claims)
{
	json_t *c;
	size_t i;
	char why[PB_CLAIM_WHY_MAX];

	json_array_foreach(claims, i, c) {
		const char *code = json_string_value(json_object_get(c, "item"));
		int item = pb_item_from_code(code != NULL ? code : "");
		pb_claim_why_lang(item, json_string_value(json_object_get(c, "origin")),
				  json_integer_value(json_object_get(json_object_get(c, "rate"), "amount")),
				  json_integer_value(json_object_get(c, "claimed")),
				  json_integer_value(json_object_get(c, "amount")),
				  json_is_true(json_object_get(c, "capped")), 1, why, sizeof(why));
		json_object_set_new(c, "why", json_string(why));
		if (item >= 0)
			json_object_set_new(c, "item_label", json_string(pb_items[item].label_en));
	}
}

const char *pb_receipt_sniff(const unsigned char *d, size_t len)
{
	return pb_proto_photo_mime(d, len);      /* the hub checks the same way */
}

const char *pb_claim_strerror(enum pb_claim_result r)
{
	switch (r) {
	case PB_CLAIM_OK:              return "ok";
	case PB_CLAIM_EXISTING:        return "already claimed";
	case PB_CLAIM_ELSEWHERE:       return "already claimed in another session";
	case PB_CLAIM_UNCHANGED:       return "decision unchanged";
	case PB_CLAIM_NOT_FOUND:       return "not found";
	case PB_CLAIM_BAD_PROOF:       return "not a check-in of this session";
	case PB_CLAIM_OTHER_TEACHER:   return "the check-in belongs to another teacher";
	case PB_CLAIM_NOT_SESSION_DAY: return "not a day of the session";
	case PB_CLAIM_NOT_ATTENDED:    return "not present that day";
	case PB_CLAIM_HELD:            return "the check-in waits for the clock to be confirmed";
	case PB_CLAIM_LOCKED:          return "the day is locked";
	case PB_CLAIM_NO_PROVINCE:     return "no province set for pricing";
	case PB_CLAIM_NO_RATE:         return "no rate for this claim";
	case PB_CLAIM_MEALS_IN_KIND:   return "meals are given in kind";
	case PB_CLAIM_NOT_RESIDENTIAL: return "the session is not residential";
	case PB_CLAIM_PRICE:           return "the amount cannot be priced";
	case PB_CLAIM_PAID:            return "already paid";
	case PB_CLAIM_DECIDED:         return "already decided or withdrawn";
	case PB_CLAIM_SUPERSEDED:      return "filed again after its rejection";
	case PB_CLAIM_STORE:           return "the receipt cannot be stored";
	case PB_CLAIM_DB:              return "database error";
	}
	return "unknown";
}

static void col_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", v != NULL ? (const char *)v : "");
}

static const char *col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v != NULL ? (const char *)v : "";
}

/* Teachers' own records are not staff actions: no audit line. */
static const char *peserta_null(const char *actor)
{
	return actor != NULL && strcmp(actor, "peserta") == 0 ? NULL : actor;
}

/* ------------------------------------------------------------------ */
/* Reading claims */

#define CLAIM_COLS \
	"c.id, c.uid, c.kegiatan_id, c.day, c.nuptk, c.item, c.name, c.school, c.mode, " \
	"c.origin, c.claimed, c.amount, c.capped, c.rate_id, c.rate_version, c.rate_amount, " \
	"c.evidence, c.receipt_sha256 IS NOT NULL, c.dpr_signature IS NOT NULL, c.wall_ms, " \
	"e.kind, e.reason, e.actor, e.wall_ms, e.ref, c.actor"
#define CLAIM_FROM \
	" FROM claim c LEFT JOIN claim_event e ON e.id = (SELECT MAX(id) FROM claim_event " \
	"WHERE claim_id = c.id) "

static const char *status_of(const char *kind)
{
	if (kind == NULL || strcmp(kind, "submit") == 0)
		return "submitted";
	if (strcmp(kind, "approve") == 0)
		return "approved";
	if (strcmp(kind, "reject") == 0)
		return "rejected";
	if (strcmp(kind, "withdraw") == 0)
		return "withdrawn";
	return "paid";
}

static json_t *claim_row_json(sqlite3_stmt *st)
{
	int item = pb_item_from_code(col_str(st, 5));
	char why[PB_CLAIM_WHY_MAX];
	json_t *o;

	pb_claim_why(item, col_str(st, 9), sqlite3_column_int64(st, 15),
		     sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 11),
		     sqlite3_column_int(st, 12), why, sizeof(why));
	o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, "
		      "s:{s:I, s:i, s:I}, s:s, s:b, s:b, s:I, s:s, s:s, s:s}",
		"id", (json_int_t)sqlite3_column_int64(st, 0),
		"uid", col_str(st, 1),
		"session", (json_int_t)sqlite3_column_int64(st, 2),
		"day", col_str(st, 3),
		"nuptk", col_str(st, 4),
		"item", col_str(st, 5),
		"item_label", item >= 0 ? pb_items[item].label_id : "",
		"name", col_str(st, 6),
		"school", col_str(st, 7),
		"mode", col_str(st, 8),
		"origin", col_str(st, 9),
		"claimed", (json_int_t)sqlite3_column_int64(st, 10),
		"amount", (json_int_t)sqlite3_column_int64(st, 11),
		"capped", sqlite3_column_int(st, 12),
		"rate", "id", (json_int_t)sqlite3_column_int64(st, 13),
			"version", sqlite3_column_int(st, 14),
			"amount", (json_int_t)sqlite3_column_int64(st, 15),
		"evidence", col_str(st, 16),
		"receipt", sqlite3_column_int(st, 17),
		"dpr_signed", sqlite3_column_int(st, 18),
		"wall_ms", (json_int_t)sqlite3_column_int64(st, 19),
		"status", status_of((const char *)sqlite3_column_text(st, 20)),
		"why", why,
		"by", col_str(st, 25));
	if (o == NULL)
		return NULL;
	pb_person_json(o, col_str(st, 4));
	if (sqlite3_column_type(st, 20) != SQLITE_NULL &&
	    strcmp(col_str(st, 20), "submit") != 0)
		json_object_set_new(o, "decision", json_pack("{s:s, s:s, s:s, s:I, s:s}",
			"kind", col_str(st, 20), "reason", col_str(st, 21),
			"by", col_str(st, 22), "wall_ms", (json_int_t)sqlite3_column_int64(st, 23),
			"ref", col_str(st, 24)));
	return o;
}

int pb_claim_get(sqlite3 *db, int64_t id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	*out = NULL;
	if ((st = pb_db_stmt(db, "SELECT " CLAIM_COLS CLAIM_FROM "WHERE c.id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*out = claim_row_json(st);
		rc = *out != NULL ? 0 : -1;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

static json_t *claim_row_cb(sqlite3_stmt *st, void *ctx)
{
	(void)ctx;
	return claim_row_json(st);
}

json_t *pb_claims_list(sqlite3 *db, int64_t kegiatan_id, const char *nuptk, const char *day)
{
	sqlite3_stmt *st = NULL;

	if ((st = pb_db_stmt(db, "SELECT " CLAIM_COLS CLAIM_FROM
				 "WHERE c.kegiatan_id = ?1 AND (?2 IS NULL OR c.nuptk = ?2) "
				 "AND (?3 IS NULL OR c.day = ?3) "
				 "ORDER BY c.day, c.name COLLATE NOCASE, c.nuptk, c.item, c.id")) == NULL) {
		pb_db_stmt_done(st);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, kegiatan_id);
	if (nuptk != NULL)
		sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
	if (day != NULL)
		sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	return pb_rows_json(st, claim_row_cb, NULL);
}

int pb_claim_receipt(sqlite3 *db, int64_t id, int64_t *kegiatan_id, char sha[PB_SHA256_HEX_LEN + 1],
		     char *mime, size_t mlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if ((st = pb_db_stmt(db, "SELECT kegiatan_id, receipt_sha256, receipt_mime FROM claim "
				 "WHERE id = ?1 AND receipt_sha256 IS NOT NULL")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*kegiatan_id = sqlite3_column_int64(st, 0);
		col_text(sha, 65, st, 1);
		col_text(mime, mlen, st, 2);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

char *pb_claim_dpr_signature(sqlite3 *db, int64_t id)
{
	return pb_db_text_by_id(db, "SELECT dpr_signature FROM claim WHERE id = ?1", id);
}

/* ------------------------------------------------------------------ */
/* Settings */

int pb_claim_setting_get(sqlite3 *db, int64_t kegiatan_id, struct pb_claim_setting *s)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	memset(s, 0, sizeof(*s));
	snprintf(s->uang_harian, sizeof(s->uang_harian), "%s", PB_UH_KIND_DEFAULT);
	if ((st = pb_db_stmt(db,
			"SELECT province, meals_in_kind, residential, uang_harian FROM "
			"claim_setting WHERE kegiatan_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		col_text(s->province, sizeof(s->province), st, 0);
		s->meals_in_kind = sqlite3_column_int(st, 1);
		s->residential = sqlite3_column_int(st, 2);
		col_text(s->uang_harian, sizeof(s->uang_harian), st, 3);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 0;
	}
	pb_db_stmt_done(st);
	return rc;
}

int pb_claim_setting_set(sqlite3 *db, const struct pb_kegiatan *k,
			 const struct pb_claim_setting *s, const char *actor, const char *client)
{
	sqlite3_stmt *st = NULL;
	struct pb_stamp now;
	int rc = -1;

	pb_clock_now(&now);
	if (pb_db_begin(db) != 0)
		return -1;
	if ((st = pb_db_stmt(db, "INSERT INTO claim_setting(kegiatan_id, province, "
				 "meals_in_kind, residential, set_by, wall_ms, uang_harian) "
				 "VALUES (?1,?2,?3,?4,?5,?6,?7) "
				 "ON CONFLICT(kegiatan_id) DO UPDATE SET province = excluded.province, "
				 "meals_in_kind = excluded.meals_in_kind, residential = "
				 "excluded.residential, set_by = excluded.set_by, wall_ms = "
				 "excluded.wall_ms, uang_harian = excluded.uang_harian")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_text(st, 2, s->province, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, s->meals_in_kind != 0);
	sqlite3_bind_int(st, 4, s->residential != 0);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now.wall_ms);
	sqlite3_bind_text(st, 7, s->uang_harian, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if (pb_att_record(db, "claim.settings", json_pack("{s:s, s:s, s:b, s:b, s:s, s:s, s:o}",
		   "session", k->uid, "province", s->province, "meals_in_kind", s->meals_in_kind,
		   "residential", s->residential, "uang_harian", s->uang_harian, "by", actor,
			"stamp", pb_att_stamp_json(&now)),
		   actor, client) != 0)
		goto out;
	if (pb_db_commit(db) != 0)
		goto out;
	rc = 0;
out:
	pb_db_stmt_done(st);
	if (rc != 0)
		pb_db_rollback(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Submitting */

/* Was the teacher present that day (in any sitting, by the latest
 * attendance event of each)? 1 yes (name and school filled), 0 no, -1
 * error. */
static int attended(sqlite3 *db, int64_t kegiatan_id, const char *day, const char *nuptk,
		    char *name, size_t nlen, char *school, size_t slen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if ((st = pb_db_stmt(db,
			"SELECT a.status, COALESCE(r.name, a.name), COALESCE(NULLIF(r.school, ''), "
			"  NULLIF(a.school, ''), r.npsn, '') FROM attendance a "
			"LEFT JOIN roster r ON r.kegiatan_id = a.kegiatan_id AND r.nuptk = a.nuptk "
			"WHERE a.id IN (SELECT MAX(id) FROM attendance WHERE kegiatan_id = ?1 AND day = ?2 "
			"  AND nuptk = ?3 GROUP BY sitting) "
			"ORDER BY a.status = 'present' DESC, a.id DESC LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nuptk, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		rc = strcmp(col_str(st, 0), "present") == 0;
		col_text(name, nlen, st, 1);
		col_text(school, slen, st, 2);
	} else if (step == SQLITE_DONE) {
		rc = 0;
	}
	pb_db_stmt_done(st);
	return rc;
}

/* 1 if the teacher has a check-in of this session held without a date
 * (the box's clock was unconfirmed: pb_att_day_held), 0 if not, -1. */
static int held_checkin(sqlite3 *db, int64_t kegiatan_id, const char *nuptk)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if ((st = pb_db_stmt(db,
			"SELECT 1 FROM attendance WHERE kegiatan_id = ?1 AND nuptk = ?2 "
			"AND substr(day, 1, 1) = '?' LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = 1;
	else if (step == SQLITE_DONE)
		rc = 0;
	pb_db_stmt_done(st);
	return rc;
}

/* A claim blocks another of the same teacher, item and day unless it was
 * withdrawn or its latest decision is a rejection (the teacher may then
 * file a corrected one). Both queries run inside the caller's write
 * transaction, so two filings cannot both pass the check. */
#define CLAIM_BLOCKS \
	"c.withdrawn = 0 AND COALESCE((SELECT kind FROM claim_event WHERE claim_id = c.id " \
	"ORDER BY id DESC LIMIT 1), 'submit') NOT IN ('reject', 'withdraw')"

static int64_t first_id(sqlite3_stmt *st)
{
	int64_t id = -1;

	switch (sqlite3_step(st)) {
	case SQLITE_ROW: id = sqlite3_column_int64(st, 0); break;
	case SQLITE_DONE: id = 0; break;
	}
	pb_db_stmt_done(st);
	return id;
}

/* Id of the claim that blocks a new one for this teacher, item and day;
 * 0 none, -1 error. A claim in another session of the box blocks it too
 * (a teacher in a morning and an afternoon session: one day is paid once);
 * *elsewhere says so. This session's claim comes first. */
static int64_t existing_claim(sqlite3 *db, int64_t kegiatan_id, const char *day,
			      const char *nuptk, const char *item, int *elsewhere)
{
	sqlite3_stmt *st = NULL;
	int64_t id = -1;

	*elsewhere = 0;
	if ((st = pb_db_stmt(db, "SELECT c.id, c.kegiatan_id <> ?1 FROM claim c WHERE "
				 "c.day = ?2 AND c.nuptk = ?3 AND c.item = ?4 AND " CLAIM_BLOCKS
				 " ORDER BY c.kegiatan_id <> ?1, c.id DESC LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, item, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		id = sqlite3_column_int64(st, 0);
		*elsewhere = sqlite3_column_int(st, 1);
		break;
	case SQLITE_DONE:
		id = 0;
		break;
	}
	pb_db_stmt_done(st);
	return id;
}

/* Id of another claim of the same teacher, item and day as claim_id that
 * blocks it: in its session, one filed after it was rejected; elsewhere
 * (another session of the box), one approved or paid, which approving this
 * one would pay twice (both filed before a day was paid once across
 * sessions). 0 none, -1 error. */
static int64_t rival_claim(sqlite3 *db, int64_t claim_id, int elsewhere)
{
	sqlite3_stmt *st = NULL;

	if ((st = pb_db_stmt(db, elsewhere ?
			"SELECT c.id FROM claim o JOIN claim c ON c.kegiatan_id <> o.kegiatan_id "
			"AND c.day = o.day AND c.nuptk = o.nuptk AND c.item = o.item WHERE o.id = ?1 "
			"AND c.withdrawn = 0 AND (SELECT kind FROM claim_event WHERE claim_id = c.id "
			"ORDER BY id DESC LIMIT 1) IN ('approve', 'paid') LIMIT 1" :
			"SELECT c.id FROM claim o JOIN claim c ON "
			"c.kegiatan_id = o.kegiatan_id AND c.day = o.day AND c.nuptk = o.nuptk "
			"AND c.item = o.item AND c.id <> o.id WHERE o.id = ?1 AND " CLAIM_BLOCKS
			" LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, claim_id);
	return first_id(st);
}

/* One event of a claim's chain as insert_event stores it. */
struct claim_event {
	int64_t claim_id;
	const char *claim_uid;
	const char *session_uid;
	const char *kind;         /* submit | approve | reject | paid | withdraw */
	int64_t amount;           /* rupiah */
	const char *reason;       /* may be NULL */
	const char *ref;          /* a payment's reference; may be NULL */
	const char *actor;
	const char *client;       /* may be NULL */
	const char *type;         /* the outbox record's type; NULL: none */
};

static int insert_event(sqlite3 *db, const struct claim_event *e)
{
	const char *reason = e->reason != NULL ? e->reason : "";
	const char *ref = e->ref != NULL ? e->ref : "";
	sqlite3_stmt *st = NULL;
	struct pb_stamp now;
	char uid[PB_ID_HEX_LEN + 1];
	int rc = -1;

	pb_clock_now(&now);
	pb_id_new(uid);
	if ((st = pb_db_stmt(db, "INSERT INTO claim_event(uid, claim_id, kind, amount, reason, "
				 "ref, actor, client, wall_ms, clock_source, boot_id, mono_ms) "
				 "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->claim_id);
	sqlite3_bind_text(st, 3, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, e->amount);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, e->client != NULL ? e->client : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now.wall_ms);
	sqlite3_bind_text(st, 10, pb_clock_source_name(now.source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, now.boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, now.mono_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if (e->type != NULL)
		/* claim_id, session_id, amount_rp: the names pb-hub reads */
		rc = pb_att_record(db, e->type, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, "
			"s:s, s:s, s:s, s:o}",
			"id", uid, "claim", e->claim_uid, "claim_id", e->claim_uid,
			"session", e->session_uid, "session_id", e->session_uid, "decision", e->kind,
			"amount", (json_int_t)e->amount, "amount_rp", (json_int_t)e->amount,
			"reason", reason, "ref", ref, "by", e->actor,
			"stamp", pb_att_stamp_json(&now)),
			e->actor, e->client);
	else
		rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

enum pb_claim_result pb_claim_submit(sqlite3 *db, const struct pb_claim_req *c, json_t **out,
				     enum pb_price_result *price)
{
	struct pb_kegiatan k;
	struct pb_claim_setting set;
	struct pb_rate rate;
	struct pb_stamp now;
	sqlite3_stmt *st = NULL;
	char pnuptk[PB_NUPTK_LEN + 1], name[PB_ROSTER_TEXT_MAX + 1], school[PB_ROSTER_TEXT_MAX + 1];
	char origin[PB_RATE_PLACE_MAX + 1] = "", uid[PB_ID_HEX_LEN + 1];
	char sha[PB_SHA256_HEX_LEN + 1] = "";
	char why[PB_CLAIM_WHY_MAX];
	const char *province, *code;
	int64_t checkin_id = 0, id, pay = 0;
	enum pb_day_lock locked;
	int capped = 0, found, elsewhere;
	enum pb_claim_result rc = PB_CLAIM_DB;
	json_t *payload, *evidence;

	*out = NULL;
	*price = PB_PRICE_OK;
	if (c->item < 0 || c->item >= PB_ITEM_COUNT)
		return PB_CLAIM_NO_RATE;
	code = pb_items[c->item].code;
	if (pb_db_begin(db) != 0)
		return PB_CLAIM_DB;
	found = pb_kegiatan_get(db, c->kegiatan_id, &k);
	if (found != 0) {
		rc = found > 0 ? PB_CLAIM_NOT_FOUND : PB_CLAIM_DB;
		goto out;
	}
	sodium_memzero(k.secret, sizeof(k.secret));
	if (c->checkin_uid != NULL) {
		found = pb_att_checkin_of(db, k.id, c->checkin_uid, &checkin_id, pnuptk);
		if (found != 0) {
			rc = found > 0 ? PB_CLAIM_BAD_PROOF : PB_CLAIM_DB;
			goto out;
		}
		if (strcmp(pnuptk, c->nuptk) != 0) {
			rc = PB_CLAIM_OTHER_TEACHER;
			goto out;
		}
	}
	if (pb_att_day_index(&k, c->day) < 0) {
		rc = PB_CLAIM_NOT_SESSION_DAY;
		goto out;
	}
	found = attended(db, k.id, c->day, c->nuptk, name, sizeof(name), school, sizeof(school));
	if (found == 0) {  /* told "tercatat hadir" but not dated yet: say so */
		found = held_checkin(db, k.id, c->nuptk);
		rc = found == 0 ? PB_CLAIM_NOT_ATTENDED : found > 0 ? PB_CLAIM_HELD : PB_CLAIM_DB;
		goto out;
	}
	if (found < 0)
		goto out;
	id = existing_claim(db, k.id, c->day, c->nuptk, code, &elsewhere);
	if (id < 0)
		goto out;
	if (id > 0) {
		rc = pb_claim_get(db, id, out) != 0 ? PB_CLAIM_DB :
		     elsewhere ? PB_CLAIM_ELSEWHERE : PB_CLAIM_EXISTING;
		goto out;
	}
	locked = pb_att_is_locked(db, k.id, c->day);
	if (locked != PB_DAY_OPEN) {
		rc = locked == PB_DAY_LOCKED ? PB_CLAIM_LOCKED : PB_CLAIM_DB;
		goto out;
	}
	if (pb_claim_setting_get(db, k.id, &set) != 0)
		goto out;
	if (c->item == PB_ITEM_UANG_MAKAN && set.meals_in_kind) {
		rc = PB_CLAIM_MEALS_IN_KIND;
		goto out;
	}
	if (c->item == PB_ITEM_PENGINAPAN && !set.residential) {
		rc = PB_CLAIM_NOT_RESIDENTIAL;
		goto out;
	}
	province = set.province[0] ? set.province : c->default_province;
	if (province == NULL || province[0] == '\0') {
		rc = PB_CLAIM_NO_PROVINCE;
		goto out;
	}
	if (pb_items[c->item].by_origin &&
	    pb_place_normalise(c->origin, origin, sizeof(origin)) != 0) {
		rc = PB_CLAIM_NO_RATE;
		goto out;
	}
	found = pb_rate_find(db, pb_att_day_year(c->day), province, c->item,
			     c->item == PB_ITEM_UANG_HARIAN ? set.uang_harian : origin, &rate);
	if (found != 0) {
		rc = found > 0 ? PB_CLAIM_NO_RATE : PB_CLAIM_DB;
		goto out;
	}
	*price = pb_claim_price(c->item, rate.amount, c->has_amount, c->amount, &pay, &capped);
	if (*price != PB_PRICE_OK) {
		rc = PB_CLAIM_PRICE;
		goto out;
	}
	if (c->store != NULL && c->store(c->store_ctx, sha) != 0) {
		rc = PB_CLAIM_STORE;
		goto out;
	}
	pb_clock_now(&now);
	pb_id_new(uid);
	if ((st = pb_db_stmt(db,
			"INSERT INTO claim(uid, kegiatan_id, day, nuptk, item, name, school, mode, origin, "
			"claimed, amount, capped, rate_id, rate_version, rate_amount, evidence, "
			"receipt_sha256, receipt_mime, receipt_size, dpr_signature, checkin_id, actor, client, "
			"wall_ms, clock_source, boot_id, mono_ms) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
			"?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, k.id);
	sqlite3_bind_text(st, 3, c->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, school, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->mode != NULL ? c->mode : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, pb_items[c->item].at_cost ? c->amount : rate.amount);
	sqlite3_bind_int64(st, 11, pay);
	sqlite3_bind_int(st, 12, capped);
	sqlite3_bind_int64(st, 13, rate.id);
	sqlite3_bind_int(st, 14, rate.version);
	sqlite3_bind_int64(st, 15, rate.amount);
	sqlite3_bind_text(st, 16, c->evidence != NULL ? c->evidence : "", -1, SQLITE_STATIC);
	if (sha[0] != '\0') {
		sqlite3_bind_text(st, 17, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 18, c->receipt_mime, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 19, c->receipt_size);
	}
	if (c->dpr_signature != NULL)
		sqlite3_bind_text(st, 20, c->dpr_signature, -1, SQLITE_STATIC);
	if (checkin_id > 0)
		sqlite3_bind_int64(st, 21, checkin_id);
	sqlite3_bind_text(st, 22, c->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 23, c->client != NULL ? c->client : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 24, now.wall_ms);
	sqlite3_bind_text(st, 25, pb_clock_source_name(now.source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 26, now.boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 27, now.mono_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	id = sqlite3_last_insert_rowid(db);
	pb_claim_why(c->item, origin, rate.amount, c->amount, pay, capped, why, sizeof(why));
	evidence = json_pack("{s:s}", "kind", c->evidence != NULL ? c->evidence : "");
	if (evidence != NULL && sha[0] != '\0') {
		json_object_set_new(evidence, "sha256", json_string(sha));
		json_object_set_new(evidence, "mime", json_string(c->receipt_mime));
		json_object_set_new(evidence, "size", json_integer(c->receipt_size));
	}
	/* personal fields (name, nuptk, school, signature) at the top level,
	 * where the retention purge looks for them */
	payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, "
			    "s:I, s:b, s:{s:I, s:i, s:I}, s:o, s:o, s:s, s:s, s:o}",
		"id", uid, "claim_id", uid, "session", k.uid, "session_id", k.uid,
		"day", c->day, "nuptk", c->nuptk, "name", name,
		"school", school, "item", code, "mode", c->mode != NULL ? c->mode : "",
		"origin", origin,
		"claimed", (json_int_t)(pb_items[c->item].at_cost ? c->amount : rate.amount),
		"amount", (json_int_t)pay, "amount_rp", (json_int_t)pay, "capped", capped,
		"rate", "id", (json_int_t)rate.id, "version", rate.version,
			"amount", (json_int_t)rate.amount,
		"evidence", evidence,
		"signature", c->dpr_signature != NULL ? json_loads(c->dpr_signature, 0, NULL) :
			     json_null(),
		"why", why, "by", c->actor, "stamp", pb_att_stamp_json(&now));
	pb_person_json(payload, c->nuptk);
	if (pb_att_record(db, "claim.submit", payload, peserta_null(c->actor), c->client) != 0)
		goto out;
	if (insert_event(db, &(struct claim_event){
			.claim_id = id, .claim_uid = uid, .session_uid = k.uid, .kind = "submit",
			.amount = pay, .actor = c->actor, .client = c->client }) != 0)
		goto out;
	if (pb_db_commit(db) != 0)
		goto out;
	pb_db_stmt_done(st);
	return pb_claim_get(db, id, out) == 0 ? PB_CLAIM_OK : PB_CLAIM_DB;
out:
	pb_db_stmt_done(st);
	pb_db_rollback(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Decisions and payments */

struct claim_state {
	int64_t id;
	char uid[PB_ID_HEX_LEN + 1];
	char session_uid[PB_ID_HEX_LEN + 1];
	int64_t kegiatan_id;
	char day[PB_DAY_LEN + 1];
	int64_t amount;
	char kind[16];            /* latest event */
	char reason[PB_CLAIM_REASON_MAX + 1];
};

/* 0 found, 1 not, -1 error. by_uid: look up by uid instead of id. */
static int claim_state(sqlite3 *db, int64_t id, const char *uid, struct claim_state *s)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if ((st = pb_db_stmt(db,
			"SELECT c.id, c.uid, k.uid, c.kegiatan_id, c.day, c.amount, e.kind, e.reason "
			"FROM claim c JOIN kegiatan k ON k.id = c.kegiatan_id "
			"JOIN claim_event e ON e.id = (SELECT MAX(id) FROM claim_event WHERE claim_id = c.id) "
			"WHERE (?1 IS NOT NULL AND c.id = ?1) OR (?2 IS NOT NULL AND c.uid = ?2)")) == NULL)
		return -1;
	if (uid == NULL)
		sqlite3_bind_int64(st, 1, id);
	else
		sqlite3_bind_text(st, 2, uid, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		s->id = sqlite3_column_int64(st, 0);
		col_text(s->uid, sizeof(s->uid), st, 1);
		col_text(s->session_uid, sizeof(s->session_uid), st, 2);
		s->kegiatan_id = sqlite3_column_int64(st, 3);
		col_text(s->day, sizeof(s->day), st, 4);
		s->amount = sqlite3_column_int64(st, 5);
		col_text(s->kind, sizeof(s->kind), st, 6);
		col_text(s->reason, sizeof(s->reason), st, 7);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

enum pb_claim_result pb_claim_decide(sqlite3 *db, const struct pb_claim_decision *d,
				     int64_t *bad_id, json_t **out)
{
	const char *kind = d->approve ? "approve" : "reject";
	const char *reason = d->reason != NULL ? d->reason : "";
	struct claim_state s;
	json_t *decided = NULL;
	enum pb_claim_result rc = PB_CLAIM_DB;
	enum pb_day_lock locked;
	int changed = 0, found;

	*out = NULL;
	*bad_id = 0;
	if (pb_db_begin(db) != 0)
		return PB_CLAIM_DB;
	for (size_t i = 0; i < d->n; i++) {
		found = claim_state(db, d->ids[i], NULL, &s);
		if (found != 0 || s.kegiatan_id != d->kegiatan_id) {
			*bad_id = d->ids[i];
			rc = found < 0 ? PB_CLAIM_DB : PB_CLAIM_NOT_FOUND;
			goto out;
		}
		locked = pb_att_is_locked(db, s.kegiatan_id, s.day);
		if (locked != PB_DAY_OPEN) {
			*bad_id = d->ids[i];
			rc = locked == PB_DAY_LOCKED ? PB_CLAIM_LOCKED : PB_CLAIM_DB;
			goto out;
		}
		if (strcmp(s.kind, "paid") == 0) {
			*bad_id = d->ids[i];
			rc = PB_CLAIM_PAID;
			goto out;
		}
		if (strcmp(s.kind, "withdraw") == 0) {
			*bad_id = d->ids[i];
			rc = PB_CLAIM_DECIDED;
			goto out;
		}
		if (strcmp(s.kind, kind) == 0 && strcmp(s.reason, reason) == 0)
			continue;                      /* the same decision again: no event */
		if (d->approve && strcmp(s.kind, "reject") == 0) {
			/* approving a rejected claim the teacher has filed again
			 * would pay the same item and day twice */
			int64_t rival = rival_claim(db, s.id, 0);
			if (rival != 0) {
				*bad_id = d->ids[i];
				rc = rival > 0 ? PB_CLAIM_SUPERSEDED : PB_CLAIM_DB;
				goto out;
			}
		}
		if (d->approve) {
			int64_t rival = rival_claim(db, s.id, 1);
			if (rival != 0) {
				*bad_id = d->ids[i];
				rc = rival > 0 ? PB_CLAIM_ELSEWHERE : PB_CLAIM_DB;
				goto out;
			}
		}
		if (insert_event(db, &(struct claim_event){
				.claim_id = s.id, .claim_uid = s.uid, .session_uid = s.session_uid,
				.kind = kind, .amount = d->approve ? s.amount : 0, .reason = reason,
				.actor = d->actor, .client = d->client,
				.type = "claim.decision" }) != 0)
			goto out;
		changed++;
	}
	if (pb_db_commit(db) != 0)
		goto out;
	decided = json_array();
	for (size_t i = 0; decided != NULL && i < d->n; i++) {
		json_t *o = NULL;
		if (pb_claim_get(db, d->ids[i], &o) == 0)
			json_array_append_new(decided, o);
	}
	*out = json_pack("{s:o, s:i}", "decided", decided != NULL ? decided : json_array(),
			 "changed", changed);
	return *out != NULL ? (changed > 0 ? PB_CLAIM_OK : PB_CLAIM_UNCHANGED) : PB_CLAIM_DB;
out:
	pb_db_rollback(db);
	return rc;
}

enum pb_claim_result pb_claim_paid(sqlite3 *db, const char *claim_uid, const char *ref,
				   const char *actor, json_t **out)
{
	struct claim_state s;
	enum pb_claim_result rc = PB_CLAIM_DB;
	int found, own;

	*out = NULL;
	if (pb_db_begin_nested(db, "claim_paid", &own) != 0)
		return PB_CLAIM_DB;
	found = claim_state(db, 0, claim_uid, &s);
	if (found != 0) {
		rc = found > 0 ? PB_CLAIM_NOT_FOUND : PB_CLAIM_DB;
		goto out;
	}
	if (strcmp(s.kind, "paid") == 0) {
		rc = PB_CLAIM_UNCHANGED;
		goto out;
	}
	if (strcmp(s.kind, "approve") != 0) {      /* only approved claims are paid */
		rc = PB_CLAIM_NOT_FOUND;
		goto out;
	}
	if (insert_event(db, &(struct claim_event){
			.claim_id = s.id, .claim_uid = s.uid, .session_uid = s.session_uid,
			.kind = "paid", .amount = s.amount, .ref = ref, .actor = actor,
			.type = "claim.paid" }) != 0 ||
	    pb_db_commit_nested(db, "claim_paid", own) != 0)
		goto out;
	return pb_claim_get(db, s.id, out) == 0 ? PB_CLAIM_OK : PB_CLAIM_DB;
out:
	pb_db_rollback_nested(db, "claim_paid", own);
	return rc;
}

enum pb_inbox_result pb_claims_inbox_rates(sqlite3 *db, const json_t *doc, char *why,
					   size_t len)
{
	const char *csv = json_string_value(json_object_get(doc, "csv"));
	enum pb_rates_result rr;
	json_t *rep = NULL;
	int version = 0;

	if (csv == NULL) {
		snprintf(why, len, "rates document has no \"csv\" text");
		return PB_INBOX_REFUSED;
	}
	rr = pb_rates_import(db, csv, strlen(csv), "hub", "hub", "", &version, &rep);
	json_decref(rep);
	if (rr == PB_RATES_OK)
		return PB_INBOX_APPLIED;
	if (rr == PB_RATES_DB)
		return PB_INBOX_DB;
	snprintf(why, len, "rate table refused: %s", pb_rates_strerror(rr));
	return PB_INBOX_REFUSED;
}

enum pb_inbox_result pb_claims_inbox_payment(sqlite3 *db, const json_t *doc, char *why,
					     size_t len)
{
	const char *claim = json_string_value(json_object_get(doc, "claim_id"));
	const char *ref = json_string_value(json_object_get(doc, "reference"));
	enum pb_claim_result cr;
	json_t *out = NULL;

	if (claim == NULL || strlen(claim) != PB_ID_HEX_LEN ||
	    (ref != NULL && strlen(ref) > PB_PAID_REF_MAX)) {
		snprintf(why, len, "payment names no claim of this box");
		return PB_INBOX_REFUSED;
	}
	cr = pb_claim_paid(db, claim, ref != NULL ? ref : "", "hub", &out);
	json_decref(out);
	if (cr == PB_CLAIM_OK || cr == PB_CLAIM_UNCHANGED)
		return PB_INBOX_APPLIED;
	if (cr == PB_CLAIM_DB)
		return PB_INBOX_DB;
	snprintf(why, len, "no approved claim %s on this box", claim);
	return PB_INBOX_REFUSED;
}

/* ------------------------------------------------------------------ */
/* Daftar nominatif */

struct nom_row {
	char nuptk[PB_NUPTK_LEN + 1];
	json_t *o;                       /* the row being built */
	int64_t items[PB_ITEM_COUNT];
	int64_t total;
};

static int add_checked(int64_t *acc, int64_t v)
{
	return __builtin_add_overflow(*acc, v, acc) ? -1 : 0;
}

json_t *pb_claims_nominatif(sqlite3 *db, const struct pb_kegiatan *k)
{
	sqlite3_stmt *st = NULL;
	json_t *rows = json_array(), *res = NULL, *cur = NULL, *days = NULL;
	int64_t items[PB_ITEM_COUNT] = { 0 }, total = 0, grand[PB_ITEM_COUNT] = { 0 }, gtotal = 0;
	int64_t nclaims = 0;
	char nuptk[PB_NUPTK_LEN + 1] = "", last_day[PB_DAY_LEN + 1] = "";
	char words[PB_TERBILANG_LEN];
	int step, ndays = 0;

	if (rows == NULL)
		return NULL;
	/* approved or paid claims with the amount of their latest approve event */
	if ((st = pb_db_stmt(db,
			"SELECT c.nuptk, c.name, c.school, c.day, c.item, a.amount FROM claim c "
			"JOIN claim_event l ON l.id = (SELECT MAX(id) FROM claim_event WHERE claim_id = c.id) "
			"JOIN claim_event a ON a.id = (SELECT MAX(id) FROM claim_event WHERE claim_id = c.id "
			"  AND kind = 'approve') "
			"WHERE c.kegiatan_id = ?1 AND l.kind IN ('approve', 'paid') "
			/* one row per teacher even if the roster renamed them between claims */
			"ORDER BY (MIN(c.name) OVER (PARTITION BY c.nuptk)) COLLATE NOCASE, c.nuptk, c.day")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, k->id);
	for (;;) {
		const char *n;
		int item;
		step = sqlite3_step(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto fail;
		n = step == SQLITE_ROW ? col_str(st, 0) : "";
		if (cur != NULL && (step == SQLITE_DONE || strcmp(n, nuptk) != 0)) {
			json_t *it;
			if (pb_terbilang_rupiah(total, words, sizeof(words)) != 0)
				goto fail;
			it = json_object();
			for (int i = 0; it != NULL && i < PB_ITEM_COUNT; i++) {
				json_object_set_new(it, pb_items[i].code, json_integer(items[i]));
				if (add_checked(&grand[i], items[i]) != 0)
					goto fail;
			}
			if (add_checked(&gtotal, total) != 0)
				goto fail;
			json_object_set_new(cur, "items", it);
			json_object_set_new(cur, "total", json_integer(total));
			json_object_set_new(cur, "terbilang", json_string(words));
			json_object_set_new(cur, "days", json_integer(ndays));
			json_object_set_new(cur, "dates", days);
			days = NULL;
			json_array_append_new(rows, cur);
			cur = NULL;
		}
		if (step == SQLITE_DONE)
			break;
		if (cur == NULL) {
			snprintf(nuptk, sizeof(nuptk), "%s", n);
			cur = json_pack("{s:s, s:s, s:s}", "nuptk", n, "name", col_str(st, 1),
					"school", col_str(st, 2));
			pb_person_json(cur, n);
			days = json_array();
			if (cur == NULL || days == NULL)
				goto fail;
			memset(items, 0, sizeof(items));
			total = 0;
			ndays = 0;
			last_day[0] = '\0';
		}
		if (strcmp(last_day, col_str(st, 3)) != 0) {
			snprintf(last_day, sizeof(last_day), "%s", col_str(st, 3));
			json_array_append_new(days, json_string(last_day));
			ndays++;
		}
		item = pb_item_from_code(col_str(st, 4));
		if (item < 0 || add_checked(&items[item], sqlite3_column_int64(st, 5)) != 0 ||
		    add_checked(&total, sqlite3_column_int64(st, 5)) != 0)
			goto fail;
		nclaims++;
	}
	pb_db_stmt_done(st);
	st = NULL;
	{
		json_t *gt = json_object(), *labels = json_object();
		for (int i = 0; gt != NULL && labels != NULL && i < PB_ITEM_COUNT; i++) {
			json_object_set_new(gt, pb_items[i].code, json_integer(grand[i]));
			json_object_set_new(labels, pb_items[i].code, json_string(pb_items[i].label_id));
		}
		struct pb_claim_setting set;
		char dasar[PB_RATE_DASAR_MAX + 1];
		if (pb_terbilang_rupiah(gtotal, words, sizeof(words)) != 0 ||
		    pb_claim_setting_get(db, k->id, &set) != 0 ||
		    pb_rates_dasar(db, dasar, sizeof(dasar)) != 0) {
			json_decref(gt);
			json_decref(labels);
			goto fail;
		}
		/* the session's kind of uang_harian names its column */
		json_object_set_new(labels, pb_items[PB_ITEM_UANG_HARIAN].code,
				    json_string(pb_uang_harian_label(set.uang_harian)));
		res = json_pack("{s:o, s:o, s:{s:o, s:I, s:I, s:s}, s:o, s:s, s:s}", "session",
				pb_kegiatan_json(k), "rows", rows, "totals", "items", gt, "total",
				(json_int_t)gtotal, "claims", (json_int_t)nclaims, "terbilang", words,
				"labels", labels, "uang_harian", set.uang_harian, "dasar", dasar);
	}
	return res;
fail:
	pb_db_stmt_done(st);
	json_decref(cur);
	json_decref(days);
	json_decref(rows);
	return NULL;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

char *pb_claims_nominatif_csv(const json_t *nom, size_t *len)
{
	char *buf = NULL;
	size_t blen = 0, i;
	FILE *f = open_memstream(&buf, &blen);
	const json_t *r, *tot = json_object_get(nom, "totals");
	char no[16], days[16], amt[PB_ITEM_COUNT][24], total[24];
	const char *head[PB_ITEM_COUNT + 9], *cells[PB_ITEM_COUNT + 9];
	int h = 0;

	if (f == NULL)
		return NULL;
	head[h++] = "No";
	head[h++] = "NUPTK";
	head[h++] = "No Peserta";
	head[h++] = "Nama";
	head[h++] = "Sekolah";
	head[h++] = "Hari";
	/* the session's own labels (its kind of uang_harian) */
	for (int it = 0; it < PB_ITEM_COUNT; it++)
		head[h++] = jstr(json_object_get(nom, "labels"), pb_items[it].code)[0] ?
			    jstr(json_object_get(nom, "labels"), pb_items[it].code) :
			    pb_items[it].label_id;
	head[h++] = "Jumlah (Rp)";
	head[h++] = "Tanda tangan";
	head[h] = NULL;
	pb_csv_write_row(f, head);
	json_array_foreach(json_object_get(nom, "rows"), i, r) {
		int c = 0;
		snprintf(no, sizeof(no), "%zu", i + 1);
		snprintf(days, sizeof(days), "%lld",
			 (long long)json_integer_value(json_object_get(r, "days")));
		cells[c++] = no;
		cells[c++] = jstr(r, "nuptk");
		cells[c++] = jstr(r, "no_peserta");
		cells[c++] = jstr(r, "name");
		cells[c++] = jstr(r, "school");
		cells[c++] = days;
		for (int it = 0; it < PB_ITEM_COUNT; it++) {
			snprintf(amt[it], sizeof(amt[it]), "%lld", (long long)json_integer_value(
				json_object_get(json_object_get(r, "items"), pb_items[it].code)));
			cells[c++] = amt[it];
		}
		snprintf(total, sizeof(total), "%lld",
			 (long long)json_integer_value(json_object_get(r, "total")));
		cells[c++] = total;
		cells[c++] = "";
		cells[c] = NULL;
		pb_csv_write_row(f, cells);
	}
	{
		int c = 0;
		cells[c++] = "";
		cells[c++] = "";
		cells[c++] = "";
		cells[c++] = "JUMLAH";
		cells[c++] = "";
		cells[c++] = "";
		for (int it = 0; it < PB_ITEM_COUNT; it++) {
			snprintf(amt[it], sizeof(amt[it]), "%lld", (long long)json_integer_value(
				json_object_get(json_object_get(tot, "items"), pb_items[it].code)));
			cells[c++] = amt[it];
		}
		snprintf(total, sizeof(total), "%lld",
			 (long long)json_integer_value(json_object_get(tot, "total")));
		cells[c++] = total;
		cells[c++] = "";
		cells[c] = NULL;
		pb_csv_write_row(f, cells);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = blen;
	return buf;
}

/* ------------------------------------------------------------------ */
/* A teacher withdraws a claim */

static enum pb_claim_result withdraw_in_tx(sqlite3 *db, int64_t claim_id, const char *proof,
					   const char *client)
{
	struct claim_state s;
	sqlite3_stmt *st = NULL;
	char who[PB_NUPTK_LEN + 1], owner[PB_NUPTK_LEN + 1] = "";
	enum pb_day_lock locked;
	int found;

	found = claim_state(db, claim_id, NULL, &s);
	if (found != 0)
		return found < 0 ? PB_CLAIM_DB : PB_CLAIM_NOT_FOUND;
	found = pb_att_checkin_of(db, s.kegiatan_id, proof, NULL, who);
	if (found != 0)
		return found < 0 ? PB_CLAIM_DB : PB_CLAIM_BAD_PROOF;
	if ((st = pb_db_stmt(db, "SELECT nuptk FROM claim WHERE id = ?1")) == NULL)
		return PB_CLAIM_DB;
	sqlite3_bind_int64(st, 1, s.id);
	if (sqlite3_step(st) == SQLITE_ROW)
		col_text(owner, sizeof(owner), st, 0);
	pb_db_stmt_done(st);
	if (strcmp(owner, who) != 0)
		return PB_CLAIM_OTHER_TEACHER;
	if (strcmp(s.kind, "submit") != 0)
		return strcmp(s.kind, "paid") == 0 ? PB_CLAIM_PAID : PB_CLAIM_DECIDED;
	locked = pb_att_is_locked(db, s.kegiatan_id, s.day);
	if (locked != PB_DAY_OPEN)
		return locked == PB_DAY_LOCKED ? PB_CLAIM_LOCKED : PB_CLAIM_DB;
	if ((st = pb_db_stmt(db, "UPDATE claim SET withdrawn = 1 WHERE id = ?1")) == NULL)
		return PB_CLAIM_DB;
	sqlite3_bind_int64(st, 1, s.id);
	found = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	pb_db_stmt_done(st);
	if (found != 0 || insert_event(db, &(struct claim_event){
			.claim_id = s.id, .claim_uid = s.uid, .session_uid = s.session_uid,
			.kind = "withdraw", .reason = "ditarik oleh guru", .actor = "peserta",
			.client = client, .type = "claim.withdraw" }) != 0)
		return PB_CLAIM_DB;
	return PB_CLAIM_OK;
}

enum pb_claim_result pb_claim_withdraw(sqlite3 *db, int64_t claim_id, const char *checkin_uid,
				       const char *client, json_t **out)
{
	enum pb_claim_result rc = PB_CLAIM_DB;

	*out = NULL;
	if (pb_db_begin(db) == 0) {
		rc = withdraw_in_tx(db, claim_id, checkin_uid, client);
		if (rc != PB_CLAIM_OK || pb_db_commit(db) != 0) {
			pb_db_rollback(db);
			if (rc == PB_CLAIM_OK)
				rc = PB_CLAIM_DB;
		}
	}
	if (rc == PB_CLAIM_OK && pb_claim_get(db, claim_id, out) != 0)
		rc = PB_CLAIM_DB;
	return rc;
}

