/* pb_modules: the admin's view of the installed modules: what each takes
 * on the data partition, whether results or a mentor depend on it, and
 * removing one (docs/content.md, "Removing a module"). */
#ifndef PB_MODULES_H
#define PB_MODULES_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_store.h"

#define PB_MODULES_LIST_MAX 2000      /* modules in one answer */

/* {"modules":[{"id","title","kk","subject","files","bytes","uses"}], "bytes"}:
 * bytes counts the module's files and its HTML5 lessons' unpacked files;
 * uses counts learning records and mentor assignments naming it. NULL on
 * a database error. */
json_t *pb_modules_list(sqlite3 *db);

enum pb_modules_remove {
	PB_MODULES_REMOVED = 0,
	PB_MODULES_UNKNOWN,
	PB_MODULES_IN_USE,          /* results or a mentor depend on it: refused */
	PB_MODULES_ERROR,
};
/* Remove module id from the catalogue in one transaction; its files (and
 * its lessons' unpacked files) that nothing else names then leave the
 * store. *uses gets the count that refused it. *freed gets the bytes the
 * store gave back. */
enum pb_modules_remove pb_modules_remove(sqlite3 *db, const struct pb_store *store,
					 const char *id, int64_t now_ms, int64_t *uses,
					 int64_t *freed);

#endif
