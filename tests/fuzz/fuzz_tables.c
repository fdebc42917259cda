/* Fuzz the two CSV files staff upload, past the generic reader (fuzz_csv):
 * byte 0 even, the rest is a roster file for pb_roster_import (as
 * POST /api/v1/sessions/{id}/roster does it, in a transaction); odd, a
 * rate file for pb_rates_import (POST /api/v1/rates, pbctl rates import).
 * Both run on a real SQLite database in a temporary folder holding one
 * session with a participant and one rate table version.
 *
 * What must hold: the report counts agree with its lines (accepted +
 * rejected = lines, each line accepted or rejected with an error code);
 * after an accepted roster every participant has a 16-digit NUPTK and
 * names within PB_ROSTER_TEXT_MAX; after an accepted rate file there is
 * exactly one new version and its rows are within the years and amounts
 * allowed; a file refused in any way changes no record (rates: all or
 * nothing). The database is put back after each input. */
#include "fuzzdb.h"

#include "pb_attendance.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_rates.h"
#include "pb_roster.h"

static const char *const LOG_TABLES[] = { "audit", NULL };

static sqlite3 *db, *pristine;
static unsigned char pristine_digest[FUZZDB_DIGEST_LEN];
static int64_t kid;
static int base_version;

static void close_db(void)
{
	pb_db_close(db);
	sqlite3_close(pristine);
	db = pristine = NULL;
}

static void setup(void)
{
	static const char roster[] = "NUPTK;Nama;Sekolah\n3200000000000001;Budi Santoso;SMPN 2\n";
	static const char rates[] = "tahun,provinsi,item,asal,jumlah\n"
				    "2026,Jawa Timur,uang_harian,,150000\n"
				    "2026,Jawa Timur,transport,Kota Malang,100000\n";
	char path[PATH_MAX], err[256];
	const char *bad = NULL;
	json_t *in, *rep = NULL;
	int version = 0;

	FUZZ_CHECK(sodium_init() >= 0);
	pb_log_init("fuzz-tables");
	pb_log_set_level(getenv("FUZZ_LOG") != NULL ? LOG_DEBUG : LOG_CRIT);
	snprintf(path, sizeof(path), "%s/pb.db", fuzzdb_make_dir("tables"));
	FUZZ_CHECK(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)) == 0);
	atexit(close_db);
	fuzzdb_no_sync(db);
	in = json_pack("{s:s, s:s, s:i, s:i}", "title", "Diklat", "start_date", "2026-11-28",
		       "days", 2, "jp_per_day", 8);
	FUZZ_CHECK(pb_kegiatan_create(db, in, "fasil", "10.0.0.2", &kid, &bad) == PB_ATT_OK);
	json_decref(in);
	FUZZ_CHECK(pb_db_begin(db) == 0);
	FUZZ_CHECK(pb_roster_import(db, kid, roster, strlen(roster), &rep) == PB_ROSTER_OK);
	FUZZ_CHECK(pb_db_commit(db) == 0);
	json_decref(rep);
	rep = NULL;
	FUZZ_CHECK(pb_rates_import(db, rates, strlen(rates), "api", "admin", "10.0.0.2",
				   &version, &rep) == PB_RATES_OK);
	json_decref(rep);
	base_version = pb_rates_version(db);
	FUZZ_CHECK(base_version == 1);
	pristine = fuzzdb_snapshot(db);
	fuzzdb_digest(pristine, LOG_TABLES, pristine_digest);
}

/* accepted + rejected = lines; each line says which, rejected with a code. */
static void check_report(const json_t *rep, const char *good)
{
	const json_t *lines = json_object_get(rep, "lines"), *l;
	json_int_t acc = json_integer_value(json_object_get(rep, "accepted"));
	json_int_t rej = json_integer_value(json_object_get(rep, "rejected"));
	json_int_t nacc = 0, nrej = 0;
	size_t i;

	FUZZ_CHECK(json_is_array(lines));
	json_array_foreach(lines, i, l) {
		const char *st = json_string_value(json_object_get(l, "status"));
		FUZZ_CHECK(st != NULL);
		if (strcmp(st, good) == 0) {
			nacc++;
		} else {
			FUZZ_CHECK(strcmp(st, "rejected") == 0);
			FUZZ_CHECK(json_is_string(json_object_get(l, "error")));
			nrej++;
		}
	}
	FUZZ_CHECK(acc == nacc && rej == nrej);
}

static void refused_changes_nothing(const char *what, int rc)
{
	unsigned char after[FUZZDB_DIGEST_LEN];

	fuzzdb_digest(db, LOG_TABLES, after);
	if (memcmp(after, pristine_digest, sizeof(after)) != 0) {
		fprintf(stderr, "fuzz-tables: a refused %s file (%d) changed the records\n", what, rc);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *csv;
	json_t *rep = NULL;
	size_t len;

	if (db == NULL)
		setup();
	if (size < 1)
		return 0;
	csv = (const char *)data + 1;      /* no NUL after it, as a body */
	len = size - 1;
	if ((data[0] & 1) == 0) {
		enum pb_roster_result rr;
		FUZZ_CHECK(pb_db_begin(db) == 0);
		rr = pb_roster_import(db, kid, csv, len, &rep);
		FUZZ_CHECK(rr != PB_ROSTER_DB);
		FUZZ_CHECK(pb_roster_strerror(rr) != NULL);
		if (rr == PB_ROSTER_OK) {
			check_report(rep, "accepted");
			FUZZ_CHECK(pb_db_commit(db) == 0);
			FUZZ_CHECK(pb_db_count(db, "SELECT count(*) FROM roster WHERE "
					       "length(nuptk) <> 16 OR nuptk GLOB '*[^0-9]*' OR "
					       "length(CAST(name AS BLOB)) > 200 OR name = '' OR "
					       "length(CAST(school AS BLOB)) > 200") == 0);
		} else {
			pb_db_rollback(db);
			refused_changes_nothing("roster", rr);
		}
	} else {
		int version = 0;
		enum pb_rates_result rr = pb_rates_import(db, csv, len, "api", "admin", "10.0.0.2",
							  &version, &rep);
		FUZZ_CHECK(rr != PB_RATES_DB);
		FUZZ_CHECK(pb_rates_strerror(rr) != NULL);
		if (rr == PB_RATES_OK || rr == PB_RATES_REJECTED)
			check_report(rep, "ok");
		if (rr == PB_RATES_OK) {
			FUZZ_CHECK(version == base_version + 1 && pb_rates_version(db) == version);
			FUZZ_CHECK(pb_db_count(db, "SELECT count(*) FROM rate WHERE version = "
					       "(SELECT max(version) FROM rate_version)") > 0);
			FUZZ_CHECK(pb_db_count(db, "SELECT count(*) FROM rate WHERE year < 2000 OR "
					       "year > 2100 OR amount < 0 OR province = ''") == 0);
		} else {
			refused_changes_nothing("rate", rr);
		}
	}
	json_decref(rep);
	fuzzdb_copy(db, pristine);
	return 0;
}
