/* Linked only into build/tests/pb-web-next: pb-web as a newer release
 * would ship it, knowing this program's migrations and one more that is
 * additive and marked so (a new table and a new column with a default).
 * tests/sync/test_update_ab.py goes back from it to the real pb-web.
 * 189 is in the range reserved for the schema compatibility work and is
 * never used by a real migration. */
#include <stdio.h>
#include <stdlib.h>

#include "pb_db.h"
#include "pb_schema.h"

#define NEXT_VERSION 189
#define NEXT_MIGRATIONS_MAX 512

static struct pb_migration next_list[NEXT_MIGRATIONS_MAX];

__attribute__((constructor)) static void next_schema(void)
{
	int n = 0;

	if (pb_migrations_count + 1 > NEXT_MIGRATIONS_MAX) {
		fprintf(stderr, "pb-web-next: more than %d migrations\n", NEXT_MIGRATIONS_MAX);
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
	pb_db_test_migrations(next_list, n);
}
