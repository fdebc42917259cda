/* Linked only into build/tests/pb-web-next, pbctl-next and pb-sync-next:
 * pb-web, pbctl and pb-sync as a newer release would ship them, knowing this
 * program's migrations and one more that is additive and marked so (a new
 * table and a new column with a default). With PB_NEXT_NEWER_ONLY=1 in the
 * environment the release also carries 188, marked newer only (it fills a
 * table from the sessions), which is held back while the release is on
 * trial; with PB_NEXT_NEWER_ONLY=fails that 188 fails on a database that
 * holds a session. tests/sync/test_update_ab.py goes back from it to the real
 * pb-web, or commits it. 188 and 189 are in the range reserved for the
 * schema compatibility work and are never used by a real migration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_db.h"
#include "pb_schema.h"

#define NEXT_VERSION 189
#define NEXT_HELD_VERSION 188
#define NEXT_MIGRATIONS_MAX 512

static struct pb_migration next_list[NEXT_MIGRATIONS_MAX];

__attribute__((constructor)) static void next_schema(void)
{
	const char *held = getenv("PB_NEXT_NEWER_ONLY");
	int n = 0;

	if (pb_migrations_count + 2 > NEXT_MIGRATIONS_MAX) {
		fprintf(stderr, "next: more than %d migrations\n", NEXT_MIGRATIONS_MAX);
		exit(70);
	}
	for (; n < pb_migrations_count; n++)
		next_list[n] = pb_migrations[n];
	next_list[n++] = (struct pb_migration){
		NEXT_VERSION,
		"CREATE TABLE next_note ("
		"  id INTEGER PRIMARY KEY,"
		"  kegiatan_id INTEGER REFERENCES kegiatan(id) ON DELETE CASCADE,"
		"  note TEXT NOT NULL DEFAULT ''"
		");"
		"ALTER TABLE kegiatan ADD COLUMN next_colour TEXT NOT NULL DEFAULT '';",
		PB_MIGRATION_OLDER_OK,
	};
	if (held != NULL && strcmp(held, "1") == 0)
		next_list[n++] = (struct pb_migration){
			NEXT_HELD_VERSION,
			"CREATE TABLE next_held (uid TEXT PRIMARY KEY);"
			"INSERT INTO next_held(uid) SELECT uid FROM kegiatan;",
			PB_MIGRATION_NEWER_ONLY,
		};
	else if (held != NULL && strcmp(held, "fails") == 0)
		next_list[n++] = (struct pb_migration){   /* refused once a session exists */
			NEXT_HELD_VERSION,
			"CREATE TABLE next_held (uid TEXT PRIMARY KEY CHECK (uid = ''));"
			"INSERT INTO next_held(uid) SELECT uid FROM kegiatan;",
			PB_MIGRATION_NEWER_ONLY,
		};
	pb_db_test_migrations(next_list, n);
}
