/* pb_schema: the numbered schema migrations of the box database. */
#ifndef PB_SCHEMA_H
#define PB_SCHEMA_H

/* Whether a program that does not know a migration may still read and
 * write a database that holds it (docs/development.md, "Migrations"): the
 * mark is recorded with the migration in the database, so the older
 * program of the other root, which lacks this table's entry, can read it
 * after going back (docs/updates.md). 0 is no mark: tests refuse it. */
enum pb_migration_compat {
	PB_MIGRATION_OLDER_OK = 1,   /* additive: older programs neither see nor break it */
	PB_MIGRATION_NEWER_ONLY = 2, /* changed meaning or layout: older programs refuse */
};

struct pb_migration {
	int version;          /* 1, 2, 3 … in order, never renumbered */
	const char *sql;      /* applied in one transaction */
	enum pb_migration_compat compat;
};

extern const struct pb_migration pb_migrations[];
extern const int pb_migrations_count;

#endif
