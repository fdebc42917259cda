/* Unit test: a box database at any earlier schema (the migrations up to
 * each number, as a box of that software left it) is brought forward by
 * pb_db_open to exactly the schema of a new box, with its foreign keys
 * whole: migrations are forward-only and every released schema can be
 * updated from (docs/updates.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb_db.h"
#include "pb_schema.h"

#define SCHEMA_TEXT_MAX (1 << 20)

/* Every table's, index's and trigger's SQL, sorted, one per line. */
static void schema_of(sqlite3 *db, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	size_t used = 0;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT type || ' ' || name || ': ' || "
					    "coalesce(sql, '') FROM sqlite_master "
					    "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
					    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = snprintf(out + used, len - used, "%s\n", sqlite3_column_text(st, 0));
		assert_true(n > 0 && (size_t)n < len - used);
		used += (size_t)n;
	}
	sqlite3_finalize(st);
}

static void remove_db(const char *path)
{
	char side[512];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void test_every_schema_upgrades(void **state)
{
	/* in memory where there is a tmpfs: a box database syncs every commit */
	char dir[] = "/dev/shm/pb-schema-XXXXXX", path[256], err[PB_DB_ERR_LEN];
	char *fresh = malloc(SCHEMA_TEXT_MAX), *got = malloc(SCHEMA_TEXT_MAX);
	int top = pb_db_schema_version(), tried = 0;
	sqlite3 *db;

	(void)state;
	assert_non_null(fresh);
	assert_non_null(got);
	if (access("/dev/shm", W_OK) != 0)
		memcpy(dir, "/tmp/pb-schema-XXXXXX", sizeof("/tmp/pb-schema-XXXXXX"));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	assert_int_equal(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	schema_of(db, fresh, SCHEMA_TEXT_MAX);
	pb_db_close(db);
	remove_db(path);

	for (int k = 1; k < top; k++) {
		char pragma[64];
		int any = 0;

		/* a box whose software knew the migrations up to k, applied in
		 * number order and counted by user_version, as before the record
		 * of each number existed */
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		for (int v = 1; v <= k; v++)
			for (int i = 0; i < pb_migrations_count; i++) {
				if (pb_migrations[i].version != v)
					continue;
				if (sqlite3_exec(db, pb_migrations[i].sql, NULL, NULL, NULL) !=
				    SQLITE_OK)
					fail_msg("migration %d alone: %s", v, sqlite3_errmsg(db));
				any = 1;
			}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", k);
		assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		if (!any) {
			remove_db(path);
			continue;            /* no migration numbered k: not a schema */
		}
		if (pb_db_open(path, 0, &db, err, sizeof(err)) != 0)
			fail_msg("from schema %d: %s", k, err);
		schema_of(db, got, SCHEMA_TEXT_MAX);
		if (strcmp(got, fresh) != 0)
			fail_msg("from schema %d the database differs from a new one", k);
		{
			sqlite3_stmt *st = NULL;
			assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
							    NULL), SQLITE_OK);
			assert_int_equal(sqlite3_step(st), SQLITE_DONE);
			sqlite3_finalize(st);
		}
		pb_db_close(db);
		remove_db(path);
		tried++;
	}
	assert_true(tried >= 5);
	rmdir(dir);
	free(fresh);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_schema_upgrades),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
