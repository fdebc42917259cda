/* pb_audit: the log of staff actions (who, what, when, from where). */
#ifndef PB_AUDIT_H
#define PB_AUDIT_H

#include <sqlite3.h>

#define PB_AUDIT_DETAIL_MAX 2048

/* Add one line; call inside the transaction of the action itself. */
int pb_audit_add(sqlite3 *db, const char *actor, const char *action, const char *detail,
		 const char *client);

#endif
