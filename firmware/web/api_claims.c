/* Claims over HTTP: the rate table, teachers' claims (proved by their
 * check-in id), the facilitator's queue and decisions, receipts for staff
 * only, and the daftar nominatif (JSON and CSV). */
#include "web.h"

#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_claims.h"
#include "pb_db.h"
#include "pb_hash.h"
#include "pb_ids.h"
#include "pb_image.h"
#include "pb_log.h"
#include "pb_paper.h"
#include "pb_rates.h"
#include "pb_roster.h"
#include "pb_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#define ERR(r, st, code, msg) pb_respond_error(r, st, code, msg)
#define DB_ERR(r) ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database", \
		      "Basis data tidak dapat dibaca atau ditulis")

/* Only facilitators decide claims (admins set the box up). */
static int require_facilitator(struct pb_req *r, struct pb_login *who, enum MHD_Result *ret)
{
	if (!pb_require_staff(r, PB_NEED_STAFF, 1, who, ret))
		return 0;
	if (strcmp(who->role, "fasilitator") != 0) {
		*ret = ERR(r, MHD_HTTP_FORBIDDEN, "facilitator_only",
			   "Hanya fasilitator yang boleh menyetujui atau menolak klaim");
		return 0;
	}
	return 1;
}

static enum MHD_Result claim_error(struct pb_req *r, enum pb_claim_result cr,
				   enum pb_price_result pr)
{
	switch (cr) {
	case PB_CLAIM_NOT_FOUND:
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Kegiatan atau klaim tidak ditemukan");
	case PB_CLAIM_BAD_PROOF:
		return ERR(r, MHD_HTTP_FORBIDDEN, "bad_proof",
			   "Bukti hadir tidak dikenal untuk kegiatan ini: lakukan presensi dulu");
	case PB_CLAIM_OTHER_TEACHER:
		return ERR(r, MHD_HTTP_FORBIDDEN, "other_teacher",
			   "Bukti hadir ini milik guru lain: klaim hanya untuk diri sendiri");
	case PB_CLAIM_NOT_SESSION_DAY:
		return ERR(r, MHD_HTTP_CONFLICT, "not_session_day",
			   "Kegiatan ini tidak berlangsung pada tanggal tersebut");
	case PB_CLAIM_NOT_ATTENDED:
		return ERR(r, MHD_HTTP_CONFLICT, "not_attended",
			   "Anda tidak tercatat hadir pada hari itu: klaim hanya untuk hari hadir");
	case PB_CLAIM_HELD:
		return ERR(r, MHD_HTTP_CONFLICT, "checkin_held",
			   "Kehadiran Anda tercatat, tetapi jam kotak belum dipastikan: klaim dapat "
			   "diajukan setelah fasilitator membuka halaman fasilitator");
	case PB_CLAIM_LOCKED:
		return ERR(r, MHD_HTTP_CONFLICT, "day_locked",
			   "Hari ini sudah dikunci fasilitator: klaim tidak dapat diubah");
	case PB_CLAIM_NO_PROVINCE:
		return ERR(r, MHD_HTTP_CONFLICT, "no_province",
			   "Provinsi untuk tarif belum diatur: hubungi fasilitator");
	case PB_CLAIM_NO_RATE:
		return ERR(r, MHD_HTTP_CONFLICT, "no_rate",
			   "Tarif (SBM) untuk klaim ini belum ada: hubungi fasilitator");
	case PB_CLAIM_MEALS_IN_KIND:
		return ERR(r, MHD_HTTP_CONFLICT, "meals_in_kind",
			   "Makan sudah disediakan panitia: uang makan tidak dibayarkan");
	case PB_CLAIM_NOT_RESIDENTIAL:
		return ERR(r, MHD_HTTP_CONFLICT, "not_residential",
			   "Penginapan hanya untuk kegiatan yang menginap");
	case PB_CLAIM_PAID:
		return ERR(r, MHD_HTTP_CONFLICT, "already_paid",
			   "Klaim sudah dibayar: keputusan tidak dapat diubah");
	case PB_CLAIM_DECIDED:
		return ERR(r, MHD_HTTP_CONFLICT, "not_withdrawable",
			   "Klaim ini sudah diputuskan atau ditarik: tidak dapat ditarik lagi");
	case PB_CLAIM_SUPERSEDED:
		return ERR(r, MHD_HTTP_CONFLICT, "claim_superseded",
			   "Guru sudah mengajukan klaim baru untuk hari dan jenis ini: putuskan klaim baru itu");
	case PB_CLAIM_STORE:
		return ERR(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "store",
			   "Foto kuitansi tidak dapat disimpan");
	case PB_CLAIM_PRICE:
		switch (pr) {
		case PB_PRICE_TYPED:
			return ERR(r, MHD_HTTP_BAD_REQUEST, "amount_computed",
				   "Jumlah item ini dihitung kotak dari tarif, jangan diisi");
		case PB_PRICE_MISSING:
			return ERR(r, MHD_HTTP_BAD_REQUEST, "amount_required",
				   "Isi jumlah biaya riil dalam rupiah");
		case PB_PRICE_NOT_POSITIVE:
			return ERR(r, MHD_HTTP_BAD_REQUEST, "amount_not_positive",
				   "Jumlah harus lebih dari nol");
		case PB_PRICE_ABSURD:
			return ERR(r, MHD_HTTP_UNPROCESSABLE_CONTENT, "amount_absurd",
				   "Jumlah jauh di atas plafon (lebih dari 100 kali): periksa lagi");
		case PB_PRICE_NO_CEILING:
		default:
			return ERR(r, MHD_HTTP_CONFLICT, "nothing_paid",
				   "Tidak ada pembayaran untuk asal ini menurut tarif");
		}
	default:
		return DB_ERR(r);
	}
}

/* ------------------------------------------------------------------ */
/* POST /api/v1/claims */

/* A claim's body, checked in steps: the proof (or a staff login), then
 * who, where, what and when, then by the item: the amount, the transport's
 * mode and origin, the evidence and the DPR's confirmation. */
struct claim_form {
	const char *checkin;        /* the teacher's proof; NULL: staff file it */
	const char *nuptk;
	json_int_t session;
	const char *item;
	const char *day;            /* NULL: today */
	json_int_t amount;
	const char *mode;
	const char *origin;
	const char *evidence;
	int dpr_confirm;
};

#define CLAIM_ERROR(code, msg) { MHD_HTTP_BAD_REQUEST, code, msg, NULL }
#define PROOF_FORMAT_ERROR CLAIM_ERROR("bad_proof_format", \
	"Bukti hadir (ID check-in) harus 32 huruf heksadesimal")

static int item_code_valid(const char *s)
{
	return pb_item_from_code(s) >= 0;
}

static const struct pb_field claim_proof_fields[] = {
	{ .name = "checkin", .type = PB_FT_STRING, .valid = pb_id_valid,
	  .offset = offsetof(struct claim_form, checkin), .bad = PROOF_FORMAT_ERROR },
};
static const struct pb_fields claim_proof_table = PB_FIELDS(claim_proof_fields);

static const struct pb_field claim_fields[] = {
	{ .name = "nuptk", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .valid = pb_person_typed_valid, .offset = offsetof(struct claim_form, nuptk),
	  .bad = CLAIM_ERROR("bad_nuptk", "Isi NUPTK (16 angka) atau No Peserta") },
	{ .name = "session", .type = PB_FT_INT, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_FIELD_INT_MAX, .offset = offsetof(struct claim_form, session),
	  .bad = CLAIM_ERROR("bad_session", "Pilih kegiatan") },
	{ .name = "item", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .valid = item_code_valid,
	  .offset = offsetof(struct claim_form, item),
	  .bad = CLAIM_ERROR("bad_item",
			     "Jenis klaim harus uang_harian, uang_makan, transport atau penginapan") },
	{ .name = "day", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .valid = pb_att_day_valid, .offset = offsetof(struct claim_form, day),
	  .bad = CLAIM_ERROR("bad_day", "Tanggal harus berbentuk YYYY-MM-DD") },
};
static const struct pb_fields claim_table = PB_FIELDS(claim_fields);

/* An at-cost item: the amount in whole rupiah (its sign is checked after). */
static const struct pb_field at_cost_fields[] = {
	{ .name = "amount", .type = PB_FT_INT, .flags = PB_F_REQUIRED,
	  .offset = offsetof(struct claim_form, amount),
	  .bad = CLAIM_ERROR("amount_not_integer",
			     "Jumlah harus bilangan bulat rupiah (tanpa titik, koma atau desimal)"),
	  .missing = CLAIM_ERROR("amount_required", "Isi jumlah biaya riil dalam rupiah") },
};
static const struct pb_fields at_cost_table = PB_FIELDS(at_cost_fields);

static const struct pb_field transport_fields[] = {
	{ .name = "mode", .type = PB_FT_ENUM, .flags = PB_F_REQUIRED, .choices = pb_claim_modes,
	  .offset = offsetof(struct claim_form, mode),
	  .bad = CLAIM_ERROR("bad_mode", "Pilih moda transport dari daftar") },
	{ .name = "origin", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_RATE_PLACE_MAX, .chars = PB_FC_TEXT, .offset = offsetof(struct claim_form, origin),
	  .bad = CLAIM_ERROR("bad_origin", "Pilih asal (kabupaten/kota)") },
};
static const struct pb_fields transport_table = PB_FIELDS(transport_fields);

static const char *const evidence_kinds[] = { "receipt", "dpr", NULL };
static const struct pb_field evidence_fields[] = {
	{ .name = "evidence", .type = PB_FT_ENUM, .flags = PB_F_REQUIRED, .choices = evidence_kinds,
	  .offset = offsetof(struct claim_form, evidence),
	  .bad = CLAIM_ERROR("evidence_required",
			     "Lampirkan foto kuitansi atau tanda tangani Daftar Pengeluaran Riil") },
};
static const struct pb_fields evidence_table = PB_FIELDS(evidence_fields);

static const struct pb_field dpr_fields[] = {
	{ .name = "dpr_confirm", .type = PB_FT_BOOL, .flags = PB_F_REQUIRED, .min = 1, .max = 1,
	  .offset = offsetof(struct claim_form, dpr_confirm),
	  .bad = CLAIM_ERROR("dpr_unconfirmed", "Centang pernyataan Daftar Pengeluaran Riil") },
};
static const struct pb_fields dpr_table = PB_FIELDS(dpr_fields);

/* The amount of an at-cost item, taken by at_cost_table: more than zero.
 * 0, or -1 with an error. */
static int amount_positive(struct pb_req *r, json_int_t amount, enum MHD_Result *ret)
{
	if (amount < 0) {
		*ret = ERR(r, MHD_HTTP_BAD_REQUEST, "amount_negative", "Jumlah tidak boleh negatif");
		return -1;
	}
	if (amount == 0) {
		*ret = ERR(r, MHD_HTTP_BAD_REQUEST, "amount_zero", "Jumlah tidak boleh nol");
		return -1;
	}
	return 0;
}

/* The evidence of an at-cost item: a receipt photo, or the DPR signed. */
static int take_evidence(struct pb_req *r, const json_t *in, const struct claim_form *f,
			 struct pb_claim_req *c, struct pb_photo *rc, char **sig,
			 enum MHD_Result *ret)
{
	enum pb_sig_result sr;

	if (strcmp(f->evidence, "receipt") == 0) {
		if (pb_photo_take(r, json_object_get(in, "receipt"), PB_PHOTO_RECEIPT, rc, ret) != 0)
			return -1;
		c->store = pb_photo_store;
		c->store_ctx = rc;
		c->receipt_mime = rc->mime;
		c->receipt_size = (int64_t)rc->len;
		return 0;
	}
	if (pb_fields_take(r, in, &dpr_table, NULL, ret) != 0)
		return -1;
	sr = pb_sig_store(json_object_get(in, "signature"), sig);
	if (sr != PB_SIG_OK) {
		*ret = sr == PB_SIG_TOO_LARGE ?
			ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "signature_too_large",
			    "Tanda tangan terlalu besar: hapus dan tanda tangani lagi") :
			ERR(r, MHD_HTTP_BAD_REQUEST, "bad_signature",
			    "Tanda tangan kosong atau tidak sah");
		return -1;
	}
	c->dpr_signature = *sig;
	return 0;
}

enum MHD_Result pb_handle_claim_submit(struct pb_req *r)
{
	struct pb_claim_req c;
	struct claim_form f = { 0 };
	struct pb_login who;
	struct pb_photo rc = { 0 };
	enum MHD_Result ret;
	enum pb_claim_result cr;
	enum pb_price_result pr = PB_PRICE_OK;
	char day[PB_DAY_LEN + 1], key[PB_NUPTK_LEN + 1];
	char *sig = NULL;
	sqlite3 *db = pb_web_db(r->web);
	json_t *in, *out = NULL;

	if (db == NULL)
		return DB_ERR(r);
	if ((in = pb_body_fields(r, &claim_proof_table, &f, &ret)) == NULL)
		return ret;
	memset(&c, 0, sizeof(c));
	if (f.checkin == NULL) {
		/* staff file for a teacher (paper fallback) */
		if (!pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret))
			goto done;
		c.actor = who.name;
	} else {
		c.checkin_uid = f.checkin;
		c.actor = "peserta";
	}
	if (pb_fields_take(r, in, &claim_table, &f, &ret) != 0)
		goto done;
	(void)pb_person_key(f.nuptk, key);
	c.nuptk = key;
	c.item = pb_item_from_code(f.item);
	if (f.day == NULL)
		pb_att_today(day);
	else
		memcpy(day, f.day, PB_DAY_LEN + 1);
	c.day = day;
	c.kegiatan_id = f.session;
	if (!pb_items[c.item].at_cost) {
		if (json_object_get(in, "amount") != NULL || json_object_get(in, "evidence") != NULL) {
			ret = ERR(r, MHD_HTTP_BAD_REQUEST, "amount_computed",
				  "Jumlah item ini dihitung kotak dari tarif, jangan diisi");
			goto done;
		}
	} else {
		if (pb_fields_take(r, in, &at_cost_table, &f, &ret) != 0 ||
		    amount_positive(r, f.amount, &ret) != 0)
			goto done;
		c.amount = f.amount;
		c.has_amount = 1;
		if (c.item == PB_ITEM_TRANSPORT) {
			if (pb_fields_take(r, in, &transport_table, &f, &ret) != 0)
				goto done;
			c.mode = f.mode;
			c.origin = f.origin;
		}
		if (pb_fields_take(r, in, &evidence_table, &f, &ret) != 0 ||
		    take_evidence(r, in, &f, &c, &rc, &sig, &ret) != 0)
			goto done;
	}
	c.evidence = f.evidence != NULL ? f.evidence : "";
	c.default_province = r->web->cfg.claims_province;
	c.client = r->client;
	cr = pb_claim_submit(db, &c, &out, &pr);
	if (cr == PB_CLAIM_OK)
		ret = pb_respond_json_with(r, MHD_HTTP_CREATED, out, NULL);
	else if (cr == PB_CLAIM_EXISTING)
		ret = pb_respond_json_with(r, MHD_HTTP_CONFLICT, json_pack("{s:s, s:s, s:o}",
			"error", "already_claimed", "message",
			"Klaim ini sudah diajukan untuk hari itu", "claim", out), NULL);
	else if (cr == PB_CLAIM_ELSEWHERE)
		ret = pb_respond_json_with(r, MHD_HTTP_CONFLICT, json_pack("{s:s, s:s, s:s, s:o}",
			"error", "claimed_elsewhere", "message", pb_msg(r, "claimed_elsewhere",
			"Klaim jenis ini untuk hari itu sudah diajukan di kegiatan lain: satu hari "
			"dibayar sekali"), "lang", pb_msg_lang(r, "claimed_elsewhere"), "claim", out),
			NULL);
	else
		ret = claim_error(r, cr, pr);
done:
	free(sig);
	pb_photo_free(&rc);
	json_decref(in);
	return ret;
}

/* POST /api/v1/claims/proof {session, nuptk, code}: a teacher on another
 * phone (or after clearing it) gets back the id of their check-in, with
 * the session code of the day like at check-in. */
enum MHD_Result pb_handle_claim_proof(struct pb_req *r)
{
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char day[PB_DAY_LEN + 1], uid[PB_ID_HEX_LEN + 1] = "", name[PB_ROSTER_TEXT_MAX + 1] = "";
	char masked[PB_MASK_MAX];
	sqlite3 *db = pb_web_db(r->web);
	sqlite3_stmt *st = NULL;
	json_t *in;
	const char *dev;
	unsigned wait;
	int step;

	if (db == NULL)
		return DB_ERR(r);
	if ((in = pb_checkin_common(r, db, &k, day, &ret)) == NULL)
		return ret;
	sodium_memzero(k.secret, sizeof(k.secret));
	dev = pb_guard_device(r);        /* NUPTKs without a check-in are counted */
	wait = pb_guard_nuptk_try(r->web, r->client, dev);
	if (wait != 0) {
		json_decref(in);
		return pb_respond_retry(r, MHD_HTTP_TOO_MANY_REQUESTS, "too_many_nuptk_misses",
					"Terlalu banyak NUPTK tanpa presensi. Tunggu sebentar, lalu "
					"coba lagi dengan NUPTK Anda sendiri.", wait);
	}
	if ((st = pb_db_stmt(db, "SELECT uid, name FROM attendance WHERE kegiatan_id = ?1 AND "
				 "nuptk = ?2 AND kind = 'checkin' ORDER BY id DESC LIMIT 1")) == NULL) {
		json_decref(in);
		return DB_ERR(r);
	}
	sqlite3_bind_int64(st, 1, k.id);
	sqlite3_bind_text(st, 2, json_string_value(json_object_get(in, "nuptk")), -1,
			  SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(uid, sizeof(uid), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 1));
	}
	pb_db_stmt_done(st);
	json_decref(in);
	if (step != SQLITE_DONE)         /* a hit (or no answer) is no miss */
		pb_guard_nuptk_ok(r->web, r->client, dev);
	if (step == SQLITE_DONE)
		return ERR(r, MHD_HTTP_NOT_FOUND, "no_checkin",
			   "Anda belum mengisi daftar hadir kegiatan ini: presensi dulu");
	if (step != SQLITE_ROW)
		return DB_ERR(r);
	pb_mask_name(name, masked, sizeof(masked));
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:s, s:s}", "checkin", uid,
								"name", masked), NULL);
}

/* Sum of amounts by status, overflow-checked. */
static json_t *status_totals(const json_t *claims)
{
	int64_t sub = 0, app = 0, rej = 0, paid = 0;
	const json_t *c;
	size_t i;

	json_array_foreach(claims, i, c) {
		const char *s = json_string_value(json_object_get(c, "status"));
		int64_t a = json_integer_value(json_object_get(c, "amount"));
		int64_t *acc = strcmp(s, "approved") == 0 ? &app : strcmp(s, "rejected") == 0 ? &rej :
			       strcmp(s, "paid") == 0 ? &paid : &sub;
		if (strcmp(s, "withdrawn") == 0)
			continue;
		if (__builtin_add_overflow(*acc, a, acc))
			return NULL;
	}
	return json_pack("{s:I, s:I, s:I, s:I}", "submitted", (json_int_t)sub,
			 "approved", (json_int_t)app, "rejected", (json_int_t)rej,
			 "paid", (json_int_t)paid);
}

/* GET /api/v1/claims?session=&nuptk= (the teacher with X-Checkin-Id or
 * ?checkin=, or staff) */
/* The teacher's own check-in proves who asks (or a staff login when
 * staff_ok and there is no proof); nuptk is a key (pb_person_key). 0, or
 * -1 with the answer in *ret. */
static int teacher_proof(struct pb_req *r, sqlite3 *db, const struct pb_kegiatan *k,
			 const char *nuptk, const char *proof, int staff_ok, enum MHD_Result *ret)
{
	struct pb_login who;
	char owner[PB_NUPTK_LEN + 1];
	int found;

	if (!pb_person_valid(nuptk)) {
		*ret = ERR(r, MHD_HTTP_BAD_REQUEST, "bad_nuptk", "Isi NUPTK (16 angka) atau No Peserta");
		return -1;
	}
	if (proof == NULL && staff_ok)
		return pb_require_staff(r, PB_NEED_STAFF, 0, &who, ret) ? 0 : -1;
	if (!pb_id_valid(proof)) {
		*ret = ERR(r, MHD_HTTP_BAD_REQUEST, "bad_proof_format",
			   "Bukti hadir (ID check-in) harus 32 huruf heksadesimal");
		return -1;
	}
	found = pb_att_checkin_of(db, k->id, proof, NULL, owner);
	if (found < 0) {
		*ret = DB_ERR(r);
		return -1;
	}
	if (found == 0 && strcmp(owner, nuptk) == 0)
		return 0;
	*ret = claim_error(r, found > 0 ? PB_CLAIM_BAD_PROOF : PB_CLAIM_OTHER_TEACHER, PB_PRICE_OK);
	return -1;
}

enum MHD_Result pb_handle_claims_teacher(struct pb_req *r)
{
	struct pb_kegiatan k;
	enum MHD_Result ret;
	const char *proof = pb_header(r, PB_PROOF_HEADER);
	char nuptk[PB_NUPTK_LEN + 1] = "";
	sqlite3 *db = pb_web_db(r->web);
	json_t *list, *tot, *bank, *out;

	if (proof == NULL)
		proof = pb_query(r, "checkin");
	if (pb_session_load(r, db, pb_query(r, "session"), &k, &ret) != 0)
		return ret;
	(void)pb_person_key(pb_query(r, "nuptk"), nuptk);      /* checked next */
	if (teacher_proof(r, db, &k, nuptk, proof, 1, &ret) != 0)
		return ret;
	list = pb_claims_list(db, k.id, nuptk, NULL);
	if (list != NULL && pb_req_en(r))
		pb_claims_why_en(list);
	tot = list != NULL ? status_totals(list) : NULL;
	bank = tot != NULL ? pb_payee_bank(db, k.id, nuptk) : NULL;
	if (bank == NULL) {
		json_decref(list);
		json_decref(tot);
		return DB_ERR(r);
	}
	out = json_pack("{s:I, s:s, s:o, s:o, s:o}", "session", (json_int_t)k.id, "nuptk", nuptk,
			"claims", list, "totals", tot, "bank", bank);
	pb_person_json(out, nuptk);
	return pb_respond_json_with(r, MHD_HTTP_OK, out, NULL);
}

/* POST /api/v1/claims/bank {session, nuptk, checkin, bank, rekening,
 * nama_rekening}: the teacher gives or corrects the account they are paid
 * into (staff, without checkin, for them); the papers use it over the
 * roster's, marked. */
/* The account a teacher is paid into. Who and which session are read
 * leniently (a value of another type is no proof, session 0: refused by
 * the session and proof checks); the NUPTK and the account are checked
 * after them. pb_payee_bank_set checks the account's words. */
struct bank_form {
	const char *checkin;
	json_int_t session;
	const char *nuptk;
	const char *bank;
	const char *rekening;
	const char *nama;
};

#define BANK_INCOMPLETE CLAIM_ERROR("bank_incomplete", \
	"Isi nama bank, nomor rekening dan nama pemilik rekening")
#define BANK_TEXT(json, member) \
	{ .name = json, .type = PB_FT_STRING, .flags = PB_F_REQUIRED | PB_F_OTHER_IS_ABSENT, \
	  .offset = offsetof(struct bank_form, member), .bad = BANK_INCOMPLETE }

static const struct pb_field bank_who_fields[] = {
	{ .name = "checkin", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct bank_form, checkin) },
	{ .name = "session", .type = PB_FT_INT, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct bank_form, session) },
	{ .name = "nuptk", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct bank_form, nuptk) },
};
static const struct pb_fields bank_who_table = PB_FIELDS(bank_who_fields);

static const struct pb_field bank_fields[] = {
	{ .name = "nuptk", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .valid = pb_person_typed_valid, .offset = PB_FIELD_NOWHERE,
	  .bad = CLAIM_ERROR("bad_nuptk", "Isi NUPTK (16 angka) atau No Peserta") },
	BANK_TEXT("bank", bank),
	BANK_TEXT("rekening", rekening),
	BANK_TEXT("nama_rekening", nama),
};
static const struct pb_fields bank_table = PB_FIELDS(bank_fields);

enum MHD_Result pb_handle_claim_bank(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	struct bank_form f = { 0 };
	enum MHD_Result ret;
	sqlite3 *db = pb_web_db(r->web);
	const char *code, *msg = "";
	char sid[32], key[PB_NUPTK_LEN + 1];
	json_t *in, *out;

	if ((in = pb_body_fields(r, &bank_who_table, &f, &ret)) == NULL)
		return ret;
	/* without the teacher's proof, staff enter it for them (+ CSRF) */
	if (f.checkin == NULL && !pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret)) {
		json_decref(in);
		return ret;
	}
	snprintf(sid, sizeof(sid), "%lld", (long long)f.session);
	if (pb_person_key(f.nuptk, key) != 0)
		key[0] = '\0';                      /* refused below */
	if (pb_session_load(r, db, sid, &k, &ret) != 0 ||
	    (f.checkin != NULL && teacher_proof(r, db, &k, key, f.checkin, 0, &ret) != 0) ||
	    pb_fields_take(r, in, &bank_table, &f, &ret) != 0) {
		json_decref(in);
		return ret;
	}
	code = pb_payee_bank_set(db, &k, key, f.bank, f.rekening, f.nama,
				 f.checkin != NULL ? "peserta" : who.name, r->client, &msg);
	out = code == NULL ? pb_payee_bank(db, k.id, key) : NULL;
	json_decref(in);
	if (code != NULL && strcmp(code, "db") == 0)
		return DB_ERR(r);
	if (code != NULL)
		return ERR(r, MHD_HTTP_BAD_REQUEST, code, msg);
	return out != NULL ? pb_respond_json_with(r, MHD_HTTP_OK, out, NULL) : DB_ERR(r);
}

/* GET /api/v1/claims/options?session=[&day=]: what may be claimed and at
 * which rate (public: the rate table has no personal data). */
enum MHD_Result pb_handle_claim_options(struct pb_req *r)
{
	struct pb_kegiatan k;
	struct pb_claim_setting set;
	enum MHD_Result ret;
	const char *d = pb_query(r, "day"), *province;
	char day[PB_DAY_LEN + 1];
	sqlite3 *db = pb_web_db(r->web);
	json_t *rates, *items, *origins, *modes, *o;
	size_t i;

	if (pb_session_load(r, db, pb_query(r, "session"), &k, &ret) != 0)
		return ret;
	if (d != NULL && !pb_att_day_valid(d))
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_day", "Tanggal harus berbentuk YYYY-MM-DD");
	if (d != NULL)
		memcpy(day, d, PB_DAY_LEN + 1);
	else
		pb_att_today(day);
	if (pb_claim_setting_get(db, k.id, &set) != 0)
		return DB_ERR(r);
	province = set.province[0] ? set.province : r->web->cfg.claims_province;
	rates = pb_rates_list(db, pb_att_day_year(day), province);
	items = json_array();
	origins = json_array();
	modes = json_array();
	if (rates == NULL || items == NULL || origins == NULL || modes == NULL) {
		json_decref(rates);
		json_decref(items);
		json_decref(origins);
		json_decref(modes);
		return DB_ERR(r);
	}
	for (int it = 0; it < PB_ITEM_COUNT; it++) {
		json_t *row = json_pack("{s:s, s:s, s:s, s:b, s:b}", "code", pb_items[it].code,
			"label", pb_items[it].label_id, "label_en", pb_items[it].label_en,
			"at_cost", pb_items[it].at_cost,
			"offered", !(it == PB_ITEM_UANG_MAKAN && set.meals_in_kind) &&
				   !(it == PB_ITEM_PENGINAPAN && !set.residential));
		json_array_foreach(rates, i, o)
			if (strcmp(json_string_value(json_object_get(o, "item")), pb_items[it].code) == 0 &&
			    !pb_items[it].by_origin &&
			    strcmp(json_string_value(json_object_get(o, "origin")),
				   pb_rate_variant(it, "", set.uang_harian)) == 0)
				json_object_set(row, "rate", json_object_get(o, "amount"));
		if (it == PB_ITEM_UANG_HARIAN)
			json_object_set_new(row, "label", json_string(
				pb_uang_harian_label(set.uang_harian)));
		json_array_append_new(items, row);
	}
	json_array_foreach(rates, i, o)
		if (strcmp(json_string_value(json_object_get(o, "item")), "transport") == 0)
			json_array_append_new(origins, json_pack("{s:O, s:O}",
				"origin", json_object_get(o, "origin"),
				"ceiling", json_object_get(o, "amount")));
	for (i = 0; pb_claim_modes[i] != NULL; i++)
		json_array_append_new(modes, json_string(pb_claim_modes[i]));
	json_decref(rates);
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack(
		"{s:o, s:s, s:s, s:i, s:b, s:b, s:o, s:o, s:o, s:i, s:i, s:i, s:s}",
		"session", pb_kegiatan_json(&k), "day", day, "province", province,
		"rate_version", pb_rates_version(db), "meals_in_kind", set.meals_in_kind,
		"residential", set.residential, "items", items, "origins", origins, "modes", modes,
		"receipt_max_bytes", (int)r->web->cfg.receipt_max_bytes,
		"absurd_factor", PB_CLAIM_ABSURD_FACTOR, "day_index", pb_att_day_index(&k, day),
		"uang_harian", set.uang_harian), NULL);
}

/* ------------------------------------------------------------------ */
/* Decisions */

/* Why a decision on one of the claims was refused: its error code and the
 * Indonesian words for the message. */
static void decision_refused(enum pb_claim_result cr, const char **code, const char **why)
{
	switch (cr) {
	case PB_CLAIM_LOCKED:
		*code = "day_locked";
		*why = "hari sudah dikunci";
		break;
	case PB_CLAIM_PAID:
		*code = "already_paid";
		*why = "sudah dibayar";
		break;
	case PB_CLAIM_DECIDED:
		*code = "claim_withdrawn";
		*why = "sudah ditarik guru";
		break;
	case PB_CLAIM_SUPERSEDED:
		*code = "claim_superseded";
		*why = "guru sudah mengajukan klaim baru untuk hari dan jenis ini, putuskan klaim "
		       "baru itu";
		break;
	case PB_CLAIM_ELSEWHERE:
		*code = "claimed_elsewhere";
		*why = "item hari itu sudah disetujui untuk guru ini di kegiatan lain (satu hari "
		       "dibayar sekali), tolak klaim ini";
		break;
	default:
		*code = "not_found";
		*why = "tidak ditemukan di kegiatan ini";
		break;
	}
}

/* A decision on one claim or many (the reason is read leniently: a value
 * of another type is none). */
struct decision_form {
	const char *decision;
	const char *reason;
};

static const char *const decisions[] = { "approve", "reject", NULL };
static const struct pb_field decision_fields[] = {
	{ .name = "decision", .type = PB_FT_ENUM, .flags = PB_F_REQUIRED, .choices = decisions,
	  .offset = offsetof(struct decision_form, decision),
	  .bad = CLAIM_ERROR("bad_decision", "Keputusan harus approve (setuju) atau reject (tolak)") },
	{ .name = "reason", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .max = PB_CLAIM_REASON_MAX, .chars = PB_FC_TEXT,
	  .offset = offsetof(struct decision_form, reason),
	  .bad = CLAIM_ERROR("bad_reason", "Alasan terlalu panjang atau tidak sah") },
};
static const struct pb_fields decision_table = PB_FIELDS(decision_fields);

static enum MHD_Result decide(struct pb_req *r, const struct pb_login *who, int64_t kegiatan_id,
			      const int64_t *ids, size_t n, const json_t *in)
{
	struct decision_form f = { 0 };
	const char *reason;
	struct pb_claim_decision d;
	enum pb_claim_result cr;
	enum MHD_Result ret;
	int64_t bad = 0;
	json_t *out = NULL;
	int approve;

	if (pb_fields_take(r, in, &decision_table, &f, &ret) != 0)
		return ret;
	approve = strcmp(f.decision, "approve") == 0;
	reason = f.reason;
	if (!approve && (reason == NULL || reason[0] == '\0'))
		return ERR(r, MHD_HTTP_BAD_REQUEST, "reason_required",
			   "Tulis alasan penolakan agar guru mengerti");
	d = (struct pb_claim_decision){
		.kegiatan_id = kegiatan_id, .ids = ids, .n = n, .approve = approve,
		.reason = reason, .actor = who->name, .client = r->client,
	};
	cr = pb_claim_decide(pb_web_db(r->web), &d, &bad, &out);
	if (cr == PB_CLAIM_OK || cr == PB_CLAIM_UNCHANGED)
		return pb_respond_json_with(r, MHD_HTTP_OK, out, NULL);
	if (bad > 0 && cr != PB_CLAIM_DB) {
		char msg[256];
		const char *code, *why;
		unsigned status = cr == PB_CLAIM_NOT_FOUND ? MHD_HTTP_NOT_FOUND : MHD_HTTP_CONFLICT;
		decision_refused(cr, &code, &why);
		snprintf(msg, sizeof(msg), "Klaim %lld: %s. Tidak ada keputusan yang disimpan.",
			 (long long)bad, why);
		ret = pb_respond_json_with(r, status, json_pack("{s:s, s:s, s:I}",
			"error", code, "message", msg, "claim", (json_int_t)bad), NULL);
		return ret;
	}
	return claim_error(r, cr, PB_PRICE_OK);
}

/* POST /api/v1/claims/{id}/decision {decision, reason} (fasilitator, CSRF) */
enum MHD_Result pb_handle_claim_decision(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	int64_t id, kid = 0;
	json_t *in, *cl = NULL;
	int rc;

	if (!require_facilitator(r, &who, &ret))
		return ret;
	if (pb_parse_id(r->params[0], &id) != 0)
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Klaim tidak ditemukan");
	rc = pb_claim_get(pb_web_db(r->web), id, &cl);
	if (rc != 0)
		return rc > 0 ? ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Klaim tidak ditemukan")
			      : DB_ERR(r);
	kid = json_integer_value(json_object_get(cl, "session"));
	json_decref(cl);
	if ((in = pb_body_json(r, &ret)) == NULL)
		return ret;
	ret = decide(r, &who, kid, &id, 1, in);
	json_decref(in);
	return ret;
}

/* A withdrawal's only field, the teacher's proof (a const char *). */
static const struct pb_field withdraw_fields[] = {
	{ .name = "checkin", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .valid = pb_id_valid,
	  .offset = 0, .bad = PROOF_FORMAT_ERROR },
};
static const struct pb_fields withdraw_table = PB_FIELDS(withdraw_fields);

/* POST /api/v1/claims/{id}/withdraw {checkin} (the teacher, with the
 * proof of their check-in): a claim still only submitted is taken back. */
enum MHD_Result pb_handle_claim_withdraw(struct pb_req *r)
{
	enum MHD_Result ret;
	enum pb_claim_result cr;
	const char *proof = NULL;
	int64_t id;
	json_t *in, *out = NULL;

	if (pb_parse_id(r->params[0], &id) != 0)
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Klaim tidak ditemukan");
	if ((in = pb_body_fields(r, &withdraw_table, &proof, &ret)) == NULL)
		return ret;
	cr = pb_claim_withdraw(pb_web_db(r->web), id, proof, r->client, &out);
	json_decref(in);
	if (cr != PB_CLAIM_OK)
		return claim_error(r, cr, PB_PRICE_OK);
	if (pb_req_en(r)) {
		json_t *one = json_pack("[O]", out);
		pb_claims_why_en(one);
		json_decref(one);
	}
	return pb_respond_json_with(r, MHD_HTTP_OK, out, NULL);
}

/* The claims a bulk decision is on (a const json_t *), then decision_table. */
static const struct pb_field claim_id_item = {
	.type = PB_FT_INT, .min = 1, .max = PB_FIELD_INT_MAX,
	.bad = CLAIM_ERROR("bad_ids", "Nomor klaim tidak sah"),
};
static const struct pb_field bulk_fields[] = {
	{ .name = "ids", .type = PB_FT_ARRAY, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_CLAIM_BULK_MAX, .item = &claim_id_item, .offset = 0,
	  .bad = CLAIM_ERROR("bad_ids", "Pilih 1 sampai " PB_WEB_STR(PB_CLAIM_BULK_MAX)
			     " klaim (ids: daftar nomor klaim)") },
};
static const struct pb_fields bulk_table = PB_FIELDS(bulk_fields);

/* POST /api/v1/sessions/{id}/claims/decisions {ids: [...], decision,
 * reason} (fasilitator, CSRF): all or nothing */
enum MHD_Result pb_handle_claim_bulk(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	int64_t *ids = NULL;
	const json_t *arr = NULL, *v;
	json_t *in;
	size_t i, n;

	if (!require_facilitator(r, &who, &ret))
		return ret;
	if (pb_session_load(r, pb_web_db(r->web), r->params[0], &k, &ret) != 0)
		return ret;
	if ((in = pb_body_fields(r, &bulk_table, &arr, &ret)) == NULL)
		return ret;
	n = json_array_size(arr);
	ids = calloc(n, sizeof(*ids));
	if (ids == NULL) {
		json_decref(in);
		return DB_ERR(r);
	}
	json_array_foreach(arr, i, v)
		ids[i] = json_integer_value(v);
	ret = decide(r, &who, k.id, ids, n, in);
	free(ids);
	json_decref(in);
	return ret;
}

/* GET /api/v1/claims/{id}/receipt (staff only; never under /f/) */
enum MHD_Result pb_handle_claim_receipt(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	char sha[PB_SHA256_HEX_LEN + 1], mime[32], path[64];
	int64_t id, kid;
	int rc;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_parse_id(r->params[0], &id) != 0)
		return ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Kuitansi tidak ditemukan");
	rc = pb_claim_receipt(pb_web_db(r->web), id, &kid, sha, mime, sizeof(mime));
	if (rc != 0)
		return rc > 0 ? ERR(r, MHD_HTTP_NOT_FOUND, "not_found", "Kuitansi tidak ditemukan")
			      : DB_ERR(r);
	snprintf(path, sizeof(path), "{\"claim\":%lld}", (long long)id);
	if (pb_audit_add(pb_web_db(r->web), who.name, "claims.receipt_view", path, r->client) != 0)
		return DB_ERR(r);
	return pb_respond_photo(r, sha, mime, "Berkas kuitansi hilang dari kotak");
}

/* GET /api/v1/claims/{id}/signature.svg (staff): the signed statement
 * of real cost */
enum MHD_Result pb_handle_claim_signature(struct pb_req *r)
{
	return pb_respond_signature(r, pb_claim_dpr_signature);
}

/* ------------------------------------------------------------------ */
/* Session views */

/* GET /api/v1/sessions/{id}/claims[?day=&nuptk=] (staff) */
enum MHD_Result pb_handle_session_claims(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	struct pb_claim_setting set;
	enum MHD_Result ret;
	const char *day = pb_query(r, "day"), *nuptk = NULL;
	char key[PB_NUPTK_LEN + 1];
	sqlite3 *db = pb_web_db(r->web);
	json_t *list, *nom, *tot;
	enum pb_day_lock locked = PB_DAY_OPEN;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_session_load(r, db, r->params[0], &k, &ret) != 0)
		return ret;
	if (day != NULL && !pb_att_day_valid(day))
		return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_day", "Tanggal harus berbentuk YYYY-MM-DD");
	if (pb_query(r, "nuptk") != NULL) {
		if (pb_person_key(pb_query(r, "nuptk"), key) != 0)
			return ERR(r, MHD_HTTP_BAD_REQUEST, "bad_nuptk",
				   "Isi NUPTK (16 angka) atau No Peserta");
		nuptk = key;
	}
	if (day != NULL && (locked = pb_att_is_locked(db, k.id, day)) == PB_DAY_LOCK_ERROR)
		return DB_ERR(r);
	if (pb_claim_setting_get(db, k.id, &set) != 0)
		return DB_ERR(r);
	list = pb_claims_list(db, k.id, nuptk, day);
	if (list != NULL && pb_req_en(r))
		pb_claims_why_en(list);
	nom = pb_claims_nominatif(db, &k);
	tot = list != NULL ? status_totals(list) : NULL;
	if (list == NULL || nom == NULL || tot == NULL) {
		json_decref(list);
		json_decref(nom);
		json_decref(tot);
		return DB_ERR(r);
	}
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack(
		"{s:o, s:s?, s:b, s:{s:s, s:b, s:b, s:s}, s:s, s:o, s:o, s:o}",
		"session", pb_kegiatan_json(&k), "day", day, "locked", locked == PB_DAY_LOCKED,
		"settings", "province", set.province[0] ? set.province : r->web->cfg.claims_province,
			"meals_in_kind", set.meals_in_kind, "residential", set.residential,
			"uang_harian", set.uang_harian,
		"centre", r->web->cfg.centre_name,
		"claims", list, "totals", tot, "nominatif", nom), NULL);
}

/* GET /api/v1/sessions/{id}/claims.csv (staff): the daftar nominatif */
enum MHD_Result pb_handle_session_claims_csv(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	enum MHD_Result ret;
	char disp[96], *csv;
	size_t len = 0;
	json_t *nom;

	if (!pb_require_staff(r, PB_NEED_STAFF, 0, &who, &ret))
		return ret;
	if (pb_session_load(r, pb_web_db(r->web), r->params[0], &k, &ret) != 0)
		return ret;
	nom = pb_claims_nominatif(pb_web_db(r->web), &k);
	csv = nom != NULL ? pb_claims_nominatif_csv(nom, &len) : NULL;
	json_decref(nom);
	if (csv == NULL)
		return DB_ERR(r);
	/* personal data and money leave the box: say who took them */
	snprintf(disp, sizeof(disp), "{\"session\":\"%s\"}", k.uid);
	if (pb_audit_add(pb_web_db(r->web), who.name, "claims.export", disp, r->client) != 0) {
		free(csv);
		return DB_ERR(r);
	}
	snprintf(disp, sizeof(disp), "daftar-nominatif-%lld.csv", (long long)k.id);
	return pb_respond_download(r, "text/csv; charset=utf-8", csv, len, disp);
}

/* A session's claim settings. The kind of uang_harian is checked first
 * (its own message); the province (empty or null: none) is normalised
 * after the table, with the same answer as the other fields. */
struct settings_form {
	const char *uang_harian;
	const char *province;
	int meals_in_kind;               /* -1: absent */
	int residential;
};

#define SETTINGS_ERROR CLAIM_ERROR("bad_settings", \
	"Isi provinsi (boleh kosong), meals_in_kind dan residential (true/false)")
static const struct pb_field settings_fields[] = {
	{ .name = "uang_harian", .type = PB_FT_ENUM, .choices = pb_uang_harian_kinds,
	  .offset = offsetof(struct settings_form, uang_harian),
	  .bad = CLAIM_ERROR("bad_settings",
			     "Jenis uang harian: diklat, luar_kota atau dalam_kota_8jam") },
	{ .name = "province", .type = PB_FT_STRING, .flags = PB_F_NULL_IS_ABSENT,
	  .offset = offsetof(struct settings_form, province), .bad = SETTINGS_ERROR },
	{ .name = "meals_in_kind", .type = PB_FT_BOOL,
	  .offset = offsetof(struct settings_form, meals_in_kind), .bad = SETTINGS_ERROR },
	{ .name = "residential", .type = PB_FT_BOOL, .flags = PB_F_REQUIRED,
	  .offset = offsetof(struct settings_form, residential), .bad = SETTINGS_ERROR },
};
static const struct pb_fields settings_table = PB_FIELDS(settings_fields);

/* POST /api/v1/sessions/{id}/claim-settings {province?, meals_in_kind?,
 * residential, uang_harian?} (staff, CSRF). Meals are given in kind by
 * default in a residential session; the kind of uang_harian is kept when
 * left out. */
enum MHD_Result pb_handle_claim_settings(struct pb_req *r)
{
	struct pb_login who;
	struct pb_kegiatan k;
	struct pb_claim_setting s;
	struct settings_form f = { 0 };
	enum MHD_Result ret;
	json_t *in;

	if (!pb_require_staff(r, PB_NEED_STAFF, 1, &who, &ret))
		return ret;
	if (pb_session_load(r, pb_web_db(r->web), r->params[0], &k, &ret) != 0)
		return ret;
	if (pb_claim_setting_get(pb_web_db(r->web), k.id, &s) != 0)
		return DB_ERR(r);
	f.meals_in_kind = -1;                  /* absent: as residential */
	if ((in = pb_body_fields(r, &settings_table, &f, &ret)) == NULL)
		return ret;
	s.province[0] = '\0';
	if (f.uang_harian != NULL)
		snprintf(s.uang_harian, sizeof(s.uang_harian), "%s", f.uang_harian);
	if (f.province != NULL && f.province[0] != '\0' &&
	    pb_place_normalise(f.province, s.province, sizeof(s.province)) != 0) {
		json_decref(in);
		return pb_respond_field(r, &settings_fields[1].bad);
	}
	s.residential = f.residential;
	s.meals_in_kind = f.meals_in_kind >= 0 ? f.meals_in_kind : s.residential;
	json_decref(in);
	if (pb_claim_setting_set(pb_web_db(r->web), &k, &s, who.name, r->client) != 0)
		return DB_ERR(r);
	return pb_respond_json_with(r, MHD_HTTP_OK, json_pack("{s:s, s:b, s:b, s:s}",
		"province", s.province, "meals_in_kind", s.meals_in_kind,
		"residential", s.residential, "uang_harian", s.uang_harian), NULL);
}

/* POST /api/v1/rates (text/csv; admin, CSRF): a new rate table version */
enum MHD_Result pb_handle_rates(struct pb_req *r)
{
	struct pb_login who;
	enum MHD_Result ret;
	enum pb_rates_result rr;
	const char *ct = pb_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	json_t *report = NULL;
	int version = 0;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 1, &who, &ret))
		return ret;
	if (ct == NULL || strncmp(ct, "text/csv", 8) != 0)
		return ERR(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "need_csv",
			   "Kirim tabel tarif sebagai text/csv");
	if (r->body.data == NULL || r->body.len == 0)
		return ERR(r, MHD_HTTP_BAD_REQUEST, "no_body", "Berkas CSV kosong");
	if (r->body.len > PB_RATE_FILE_MAX)
		return ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", "Berkas tarif terlalu besar");
	rr = pb_rates_import(pb_web_db(r->web), r->body.data, r->body.len, "api", who.name, r->client,
			     &version, &report);
	switch (rr) {
	case PB_RATES_OK:
		return pb_respond_json_with(r, MHD_HTTP_CREATED, report, NULL);
	case PB_RATES_REJECTED:
		json_object_set_new(report, "error", json_string("rejected_lines"));
		json_object_set_new(report, "message", json_string(
			"Ada baris yang ditolak: tabel tarif tidak diubah. Perbaiki baris tersebut."));
		return pb_respond_json_with(r, MHD_HTTP_UNPROCESSABLE_CONTENT, report, NULL);
	case PB_RATES_NO_HEADER:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "no_header",
			   "Baris judul kolom tidak ada atau tidak terbaca");
	case PB_RATES_MISSING_COLUMN:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "missing_column",
			   "Baris judul harus memuat kolom tahun, provinsi, item dan jumlah");
	case PB_RATES_NO_ROWS:
		return ERR(r, MHD_HTTP_BAD_REQUEST, "no_rows", "Tidak ada baris tarif");
	case PB_RATES_TOO_MANY_ROWS:
		return ERR(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_many_rows",
			   "Terlalu banyak baris dalam satu berkas");
	default:
		json_decref(report);
		return DB_ERR(r);
	}
}
