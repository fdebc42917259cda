/* Fuzz the documents the hub sends down as pb-sync applies them
 * (pb_inbox_apply, firmware/lib/pb_inbox.c): one row in sync_inbox of the
 * kind byte 0 picks among pb_inbox_rules (roster, rates, payments), the
 * rest of the input its document, applied to a real SQLite database in a
 * temporary folder. The database holds, from the start, a session from
 * the hub ("S-FUZZ-1", running today, three participants), a rate table,
 * a check-in and an approved claim, so later documents meet real data.
 * In the document, @TODAY@ becomes today's date, @YEAR@ its year and
 * @CLAIM@ the approved claim's uid.
 *
 * What must hold: pb_inbox_apply succeeds and settles the row (applied or
 * refused, never left pending); a refused document changes no record (the
 * row is marked -1 and one audit line says why, nothing else); an applied
 * one leaves an outbox chain that verifies. After each input the database
 * is put back as it was. */
#include "fuzzdb.h"

#include "pb_attendance.h"
#include "pb_claims.h"
#include "pb_db.h"
#include "pb_inbox.h"
#include "pb_log.h"
#include "pb_outbox.h"

#define DOC_MAX     (256 * 1024)
#define FUZZ_CURSOR 1000000        /* above every cursor of the setup */

static const char *const LOG_TABLES[] = { "audit", "sync_inbox", NULL };

static sqlite3 *db, *pristine;
static unsigned char pristine_digest[FUZZDB_DIGEST_LEN];
static char claim_uid[PB_ID_HEX_LEN + 1];

static void put(const char *kind, int64_t cursor, const char *doc, size_t len)
{
	sqlite3_stmt *st = NULL;

	FUZZ_CHECK(sqlite3_prepare_v2(db, "INSERT INTO sync_inbox(kind, cursor, doc, received_ms) "
				      "VALUES (?1, ?2, ?3, 1)", -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cursor);
	sqlite3_bind_text(st, 3, doc, (int)len, SQLITE_STATIC);
	FUZZ_CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
}

static void close_db(void)
{
	pb_db_close(db);
	sqlite3_close(pristine);
	db = pristine = NULL;
}

static void setup(void)
{
	char path[PATH_MAX], doc[2048], err[256], today[PB_DAY_LEN + 1];
	char proof[PB_ID_HEX_LEN + 1];
	struct pb_inbox_report rep;
	struct pb_claim_req cr;
	struct pb_kegiatan k;
	enum pb_price_result price;
	json_t *out = NULL;
	int64_t kid, claim_id, bad = 0;

	FUZZ_CHECK(sodium_init() >= 0);
	pb_log_init("fuzz-inbox");
	pb_log_set_level(getenv("FUZZ_LOG") != NULL ? LOG_DEBUG : LOG_CRIT);
	snprintf(path, sizeof(path), "%s/pb.db", fuzzdb_make_dir("inbox"));
	FUZZ_CHECK(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)) == 0);
	atexit(close_db);
	fuzzdb_no_sync(db);
	pb_att_today(today);
	snprintf(doc, sizeof(doc), "{\"session\":\"S-FUZZ-1\",\"title\":\"Diklat PKB Matematika\","
		 "\"mode\":\"tatap_muka\",\"kk\":\"A\",\"subject\":\"Matematika\",\"start_date\":"
		 "\"%s\",\"days\":2,\"jp_per_day\":8,\"participants\":["
		 "{\"nuptk\":\"3200000000000001\",\"name\":\"Budi Santoso\",\"school\":\"SMPN 2\"},"
		 "{\"nuptk\":\"3200000000000002\",\"name\":\"Siti Aminah\",\"school\":\"SDN 1\"},"
		 "{\"nuptk\":\"3200000000000003\",\"name\":\"Dewi Lestari\",\"school\":\"SMAN 3\"}]}",
		 today);
	put("roster", 1, doc, strlen(doc));
	snprintf(doc, sizeof(doc), "{\"csv\":\"tahun,provinsi,item,asal,jumlah\\n"
		 "%.4s,Jawa Timur,uang_harian,,150000\\n%.4s,Jawa Timur,uang_makan,,50000\\n"
		 "%.4s,Jawa Timur,transport,Kota Malang,100000\\n\"}", today, today, today);
	put("rates", 2, doc, strlen(doc));
	FUZZ_CHECK(pb_inbox_apply(db, &rep) == 0 && rep.applied == 2 && rep.refused == 0);

	kid = pb_db_count(db, "SELECT id FROM kegiatan WHERE uid = 'S-FUZZ-1'");
	FUZZ_CHECK(kid > 0 && pb_kegiatan_get(db, kid, &k) == 0);
	fuzzdb_checkin(db, kid, today, "3200000000000001", proof);
	memset(&cr, 0, sizeof(cr));
	cr.kegiatan_id = kid;
	cr.day = today;
	cr.nuptk = "3200000000000001";
	cr.item = PB_ITEM_UANG_HARIAN;
	cr.checkin_uid = proof;
	cr.evidence = "";
	cr.default_province = "Jawa Timur";
	cr.actor = "peserta";
	cr.client = "10.0.0.2";
	{
		json_t *claim = NULL;
		FUZZ_CHECK(pb_claim_submit(db, &cr, &claim, &price) == PB_CLAIM_OK);
		claim_id = json_integer_value(json_object_get(claim, "id"));
		snprintf(claim_uid, sizeof(claim_uid), "%s",
			 json_string_value(json_object_get(claim, "uid")));
		json_decref(claim);
	}
	FUZZ_CHECK(pb_claim_decide(db, &(struct pb_claim_decision){
			.kegiatan_id = kid, .ids = &claim_id, .n = 1, .approve = 1,
			.actor = "fasil", .client = "10.0.0.2" }, &bad, &out) == PB_CLAIM_OK);
	json_decref(out);
	FUZZ_CHECK(strlen(claim_uid) == PB_ID_HEX_LEN);
	pristine = fuzzdb_snapshot(db);
	fuzzdb_digest(pristine, LOG_TABLES, pristine_digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char doc[DOC_MAX];
	static const char *const names[] = { "@TODAY@", "@YEAR@", "@CLAIM@", NULL };
	char today[PB_DAY_LEN + 1], year[5], msg[256];
	const char *vals[] = { today, year, claim_uid };
	unsigned char after[FUZZDB_DIGEST_LEN];
	const struct pb_inbox_rule *rule;
	struct pb_inbox_report rep;
	size_t nrules = 0, len;
	long long audits;

	if (db == NULL)
		setup();
	if (size < 1)
		return 0;
	while (pb_inbox_rules[nrules].kind != NULL)
		nrules++;
	rule = &pb_inbox_rules[data[0] % nrules];
	pb_att_today(today);
	memcpy(year, today, 4);
	year[4] = '\0';
	len = fuzzdb_fill(doc, sizeof(doc), data + 1, size - 1, names, vals);
	audits = pb_db_count(db, "SELECT count(*) FROM audit");
	put(rule->kind, FUZZ_CURSOR, doc, len);
	FUZZ_CHECK(pb_inbox_apply(db, &rep) == 0);
	FUZZ_CHECK(rep.applied + rep.refused == 1);
	snprintf(msg, sizeof(msg), "SELECT applied FROM sync_inbox WHERE cursor = %d", FUZZ_CURSOR);
	if (rep.refused == 1) {
		FUZZ_CHECK(pb_db_count(db, msg) == -1);
		FUZZ_CHECK(pb_db_count(db, "SELECT count(*) FROM audit") == audits + 1);
		fuzzdb_digest(db, LOG_TABLES, after);
		if (memcmp(after, pristine_digest, sizeof(after)) != 0) {
			fprintf(stderr, "fuzz-inbox: a refused %s document changed the records\n",
				rule->kind);
			abort();
		}
	} else {
		int64_t bad_seq = 0;
		FUZZ_CHECK(pb_db_count(db, msg) == 1);
		FUZZ_CHECK(pb_outbox_verify(db, &bad_seq) == 0);
	}
	fuzzdb_copy(db, pristine);
	return 0;
}
