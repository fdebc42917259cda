#include "pb_audit.h"

#include "pb_clock.h"
#include "pb_db.h"

#include <string.h>

int pb_audit_add(sqlite3 *db, const char *actor, const char *action, const char *detail,
		 const char *client)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	size_t dlen = detail != NULL ? strlen(detail) : 0;

	if ((st = pb_db_stmt(db, "INSERT INTO audit(at_ms, actor, action, detail, client) "
				 "VALUES (?1, ?2, ?3, ?4, ?5)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pb_clock_wall_ms());
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail != NULL ? detail : "",
			  (int)(dlen > PB_AUDIT_DETAIL_MAX ? PB_AUDIT_DETAIL_MAX : dlen),
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 5, client != NULL ? client : "", -1, SQLITE_STATIC);
	rc = pb_db_write_one(db, st);
	pb_db_stmt_done(st);
	return rc;
}
