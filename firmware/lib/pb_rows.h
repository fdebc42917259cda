#ifndef PB_ROWS_H
#define PB_ROWS_H

/* Query results as JSON arrays: one object a row. */

#include <jansson.h>
#include <sqlite3.h>

/* Makes the JSON object of the current row of st; NULL on an error. */
typedef json_t *(*pb_row_fn)(sqlite3_stmt *st, void *ctx);

/* Steps st (prepared and bound) to its end, one object a row, and
 * finalizes it whatever happens. NULL on any error, or when st is NULL. */
json_t *pb_rows_json(sqlite3_stmt *st, pb_row_fn row, void *ctx);

#endif
