#include "pb_rows.h"
#include "pb_db.h"

json_t *pb_rows_json(sqlite3_stmt *st, pb_row_fn row, void *ctx)
{
	json_t *arr = NULL;
	int step;

	if (st == NULL)
		return NULL;
	arr = json_array();
	if (arr == NULL)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = row(st, ctx);

		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto fail;
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(st);
	return arr;
fail:
	pb_db_stmt_done(st);
	json_decref(arr);
	return NULL;
}
