/* pb_schema: the numbered schema migrations of the box database. */
#ifndef PB_SCHEMA_H
#define PB_SCHEMA_H

struct pb_migration {
	int version;          /* 1, 2, 3 … in order, never renumbered */
	const char *sql;      /* applied in one transaction */
};

extern const struct pb_migration pb_migrations[];
extern const int pb_migrations_count;

#endif
