/* Unit tests: applying hub documents from sync_inbox (pb_inbox) on a real
 * SQLite file: rosters become sessions and participants, a bad document is
 * refused alone (what it did is rolled back), and nothing applies twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "pb_db.h"
#include "pb_inbox.h"

static sqlite3 *open_db(char *path)
{
	char dbpath[128], err[256];
	sqlite3 *db = NULL;

	assert_true(sodium_init() >= 0);
	assert_non_null(mkdtemp(path));
	snprintf(dbpath, sizeof(dbpath), "%s/pb.db", path);
	assert_int_equal(pb_db_open(dbpath, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	return db;
}

static void put(sqlite3 *db, const char *kind, int cursor, const char *doc)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO sync_inbox(kind, cursor, doc, "
					    "received_ms) VALUES (?1, ?2, ?3, 1)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, cursor);
	sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

#define DOC(session, extra, people) \
	"{\"session\":\"" session "\",\"title\":\"Diklat\",\"start_date\":\"2026-11-28\"," \
	"\"days\":2,\"jp_per_day\":8" extra ",\"participants\":[" people "]}"
#define P(n, name) "{\"nuptk\":\"320000000000000" n "\",\"name\":\"" name "\"}"

static void test_roster_documents(void **state)
{
	char path[] = "/tmp/pbunit-inbox-XXXXXX", file[64];
	struct pb_inbox_report rep;
	sqlite3 *db = open_db(path);
	(void)state;

	put(db, "roster", 3, DOC("S-1", "", P("1", "Budi") "," P("2", "Siti")));
	put(db, "roster", 5, DOC("S-2", ",\"mode\":\"kelas\"", P("3", "Ani")));   /* bad mode */
	put(db, "roster", 4, "not json");
	put(db, "roster", 7, DOC("S-1", ",\"title\":\"ignored\"", P("2", "Siti A") ","
				 "{\"nuptk\":\"123\",\"name\":\"X\"}," P("4", "Dewi")));
	put(db, "rates", 1, "{\"item\":\"transport\",\"amount_rp\":50000}");
	assert_int_equal(pb_inbox_apply(db, &rep), 0);
	assert_int_equal(rep.applied, 2);
	assert_int_equal(rep.refused, 3);          /* the rates document too: below */
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM kegiatan"), 1);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM kegiatan WHERE uid = 'S-1' "
				     "AND title = 'Diklat'"), 1);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM roster"), 3);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM roster WHERE name = 'Siti A'"), 1);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM sync_inbox WHERE kind = 'roster' "
				     "AND applied = 1"), 2);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM sync_inbox WHERE cursor IN (4, 5) "
				     "AND applied = -1"), 2);
	/* the claims rule takes rates as a rate file ({"csv": …}): this one has none */
	assert_int_equal(pb_db_count(db, "SELECT applied FROM sync_inbox WHERE kind = 'rates'"), -1);
	/* the refused session left nothing behind; records: one session, two rosters */
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM outbox WHERE type = "
				     "'attendance.session'"), 1);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM outbox WHERE type = "
				     "'attendance.roster' AND json_extract(payload, '$.rejected') = 1"), 1);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM audit WHERE action = "
				     "'inbox.refused'"), 3);
	/* a second run finds nothing to do */
	assert_int_equal(pb_inbox_apply(db, &rep), 0);
	assert_int_equal(rep.applied + rep.refused, 0);
	assert_int_equal(pb_db_count(db, "SELECT count(*) FROM outbox"), 3);
	pb_db_close(db);
	for (const char *const *f = (const char *const[]){ "pb.db-wal", "pb.db-shm", "pb.db",
							    NULL }; *f != NULL; f++) {
		snprintf(file, sizeof(file), "%s/%s", path, *f);
		unlink(file);
	}
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roster_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
