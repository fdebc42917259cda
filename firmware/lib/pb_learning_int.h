/* Shared by the files of the learning module (pb_learning.c: tests,
 * attempts and progress; pb_learning_ws.c: worksheets;
 * pb_learning_results.c: the results of a session). Not an interface. */
#ifndef PB_LEARNING_INT_H
#define PB_LEARNING_INT_H

#include "pb_learning.h"

/* A text member of a JSON object ("" when absent), an integer member. */
static inline const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "";
}

static inline int integer(const json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

/* A text column ("" for NULL). */
static inline const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v != NULL ? (const char *)v : "";
}

/* The first column of the row a query finds for ?1 (text) and, when it
 * has one, ?2 (text b, or the number n when b is NULL): 0 found (copied
 * to out), 1 none, -1. */
int pb_learn_one_text(sqlite3 *db, const char *sql, const char *a, const char *b, int64_t n,
		      char *out, size_t len);
/* The end of a write begun with pb_db_begin: commits on PB_LEARN_OK and
 * PB_LEARN_TIME_UP, else rolls back. */
enum pb_learn_result pb_learn_write_end(sqlite3 *db, enum pb_learn_result r);
/* Set an activity's state ("done" is never taken back to "opened") and
 * record a change upstream, inside the caller's transaction. 1 changed,
 * 0 unchanged, -1 error. */
int pb_learn_progress_set(sqlite3 *db, const struct pb_learner *who, const char *module_id,
			  const char *activity, const char *title, const char *state,
			  int64_t now);
/* Append a learning record for the teacher `person` (the box's person
 * key) to the outbox, inside the caller's transaction: p gets "nuptk",
 * the key (the hub keeps a teacher's results together by it), and
 * "no_peserta", the participant number of a teacher known by one ("" for
 * a NUPTK), as claims name them. Takes p (NULL: -1). 0 or -1. */
int pb_learn_record(sqlite3 *db, const char *type, json_t *p, const char *person);
/* A list query that could not start: the statement back, the JSON freed;
 * NULL. */
json_t *pb_learn_give_up(sqlite3_stmt *st, json_t *j);

#endif
