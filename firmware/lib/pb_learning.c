#include "pb_learning_int.h"

#include "pb_attendance.h"
#include "pb_catalog.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_html5.h"
#include "pb_manifest.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Import: the manifest's tests and worksheets into their tables */

static int exec_bound(sqlite3 *db, const char *sql, const char *a)
{
	sqlite3_stmt *st = pb_db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	pb_db_stmt_done(st);
	return rc;
}

int pb_learning_store(sqlite3 *db, const char *module_id, const char *learning)
{
	json_t *root = NULL, *t;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	if (exec_bound(db, "DELETE FROM learning_test WHERE module_id = ?1", module_id) != 0 ||
	    exec_bound(db, "DELETE FROM learning_worksheet WHERE module_id = ?1", module_id) != 0)
		return -1;
	if (learning == NULL)
		return 0;
	root = json_loads(learning, 0, NULL);
	if (root == NULL)
		return -1;
	json_array_foreach(json_object_get(root, "tests"), i, t) {
		char *spec = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
		int ok;

		st = pb_db_stmt(db, "INSERT INTO learning_test(module_id, test_id, pos, kind, title, "
				"kkm, time_limit_s, attempts, nitems, spec) "
				"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
		if (st == NULL || spec == NULL) {
			free(spec);
			goto out;
		}
		sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, str(t, "id"), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)i);
		sqlite3_bind_text(st, 4, str(t, "kind"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, str(t, "title"), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, integer(t, "kkm"));
		sqlite3_bind_int(st, 7, integer(t, "time_limit_s"));
		sqlite3_bind_int(st, 8, integer(t, "attempts"));
		sqlite3_bind_int(st, 9, (int)json_array_size(json_object_get(t, "items")));
		sqlite3_bind_text(st, 10, spec, -1, SQLITE_TRANSIENT);
		ok = sqlite3_step(st) == SQLITE_DONE;
		pb_db_stmt_done(st);
		free(spec);
		if (!ok)
			goto out;
	}
	json_array_foreach(json_object_get(root, "worksheets"), i, t) {
		int ok;

		st = pb_db_stmt(db, "INSERT INTO learning_worksheet(module_id, ws_id, pos, title, "
				"instructions, due) VALUES (?1,?2,?3,?4,?5,?6)");
		if (st == NULL)
			goto out;
		sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, str(t, "id"), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)i);
		sqlite3_bind_text(st, 4, str(t, "title"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, str(t, "instructions"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, str(t, "due"), -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		pb_db_stmt_done(st);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* The first column of the row a query finds for ?1 (text) and, when it
 * has one, ?2 (text b, or the number n when b is NULL): 0 found (copied
 * to out), 1 none, -1. */
int pb_learn_one_text(sqlite3 *db, const char *sql, const char *a, const char *b, int64_t n,
		      char *out, size_t len)
{
	sqlite3_stmt *st = pb_db_stmt(db, sql);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	else if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, n);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		snprintf(out, len, "%s", col(st, 0));
	pb_db_stmt_done(st);
	return step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? 1 : -1;
}

json_t *pb_learning_summary(sqlite3 *db, const char *module_id)
{
	sqlite3_stmt *st;
	json_t *tests = json_array(), *sheets = json_array();
	int step = SQLITE_ERROR;

	if (tests == NULL || sheets == NULL)
		goto fail;
	st = pb_db_stmt(db, "SELECT test_id, kind, title, nitems, kkm, time_limit_s, attempts "
			"FROM learning_test WHERE module_id = ?1 ORDER BY pos");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(tests, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i}",
			"id", col(st, 0), "kind", col(st, 1), "title", col(st, 2),
			"items", sqlite3_column_int(st, 3), "kkm", sqlite3_column_int(st, 4),
			"time_limit_s", sqlite3_column_int(st, 5),
			"attempts", sqlite3_column_int(st, 6)));
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	st = pb_db_stmt(db, "SELECT ws_id, title, due FROM learning_worksheet "
			"WHERE module_id = ?1 ORDER BY pos");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(sheets, json_pack("{s:s, s:s, s:s}", "id", col(st, 0),
			"title", col(st, 1), "due", col(st, 2)));
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	return json_pack("{s:o, s:o}", "tests", tests, "worksheets", sheets);
fail:
	json_decref(tests);
	json_decref(sheets);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Tests and attempts */

struct test {
	json_t *spec;            /* the test with its key */
	int attempts;            /* allowed */
	int time_limit_s;
};

struct attempt {
	int64_t id;
	char uid[PB_ID_HEX_LEN + 1];
	char module[PB_LEARN_ID_MAX * 2 + 1];
	char test[PB_LEARN_ID_MAX + 1];
	int n;
	int64_t started_ms, deadline_ms, finished_ms;
	char boot_id[sizeof(((struct pb_stamp *)0)->boot_id)];
	int64_t deadline_mono;
	int timed_out, correct, total, score, passed;
	json_t *layout;          /* [{"i": item id, "o": [option ids in order]}] */
};

static void attempt_clear(struct attempt *a)
{
	if (a != NULL)
		json_decref(a->layout);
}

static void test_clear(struct test *t)
{
	if (t != NULL)
		json_decref(t->spec);
}

/* 0 found, 1 not, -1 error. */
static int test_load(sqlite3 *db, const char *module_id, const char *test_id, struct test *t)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT spec, attempts, time_limit_s FROM learning_test "
				      "WHERE module_id = ?1 AND test_id = ?2");
	int rc = -1, step;

	memset(t, 0, sizeof(*t));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, test_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		t->spec = json_loads(col(st, 0), 0, NULL);
		t->attempts = sqlite3_column_int(st, 1);
		t->time_limit_s = sqlite3_column_int(st, 2);
		rc = t->spec != NULL ? 0 : -1;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

#define ATTEMPT_COLS "id, uid, module_id, test_id, n, layout, started_ms, deadline_ms, " \
		     "finished_ms, timed_out, coalesce(correct, 0), coalesce(total, 0), " \
		     "coalesce(score, 0), coalesce(passed, 0), boot_id, deadline_mono"

static int attempt_row(sqlite3_stmt *st, struct attempt *a)
{
	a->id = sqlite3_column_int64(st, 0);
	snprintf(a->uid, sizeof(a->uid), "%s", col(st, 1));
	snprintf(a->module, sizeof(a->module), "%s", col(st, 2));
	snprintf(a->test, sizeof(a->test), "%s", col(st, 3));
	a->n = sqlite3_column_int(st, 4);
	a->layout = json_loads(col(st, 5), 0, NULL);
	a->started_ms = sqlite3_column_int64(st, 6);
	a->deadline_ms = sqlite3_column_int64(st, 7);
	a->finished_ms = sqlite3_column_int64(st, 8);
	a->timed_out = sqlite3_column_int(st, 9);
	a->correct = sqlite3_column_int(st, 10);
	a->total = sqlite3_column_int(st, 11);
	a->score = sqlite3_column_int(st, 12);
	a->passed = sqlite3_column_int(st, 13);
	snprintf(a->boot_id, sizeof(a->boot_id), "%s", col(st, 14));
	a->deadline_mono = sqlite3_column_int64(st, 15);
	return json_is_array(a->layout) ? 0 : -1;
}

/* The attempt by uid if it is this teacher's: 0, 1 not found, -1. */
static int attempt_by_uid(sqlite3 *db, const struct pb_learner *who, const char *uid,
			  struct attempt *a)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT " ATTEMPT_COLS " FROM learning_attempt "
				      "WHERE uid = ?1 AND kegiatan_id = ?2 AND nuptk = ?3");
	int rc = -1, step;

	memset(a, 0, sizeof(*a));
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, who->kegiatan_id);
	sqlite3_bind_text(st, 3, who->nuptk, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = attempt_row(st, a);
	else if (step == SQLITE_DONE)
		rc = 1;
	pb_db_stmt_done(st);
	return rc;
}

/* The teacher's open attempt of a test: 0, 1 none, -1. */
static int attempt_open(sqlite3 *db, const struct pb_learner *who, const char *module_id,
			const char *test_id, struct attempt *a)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT " ATTEMPT_COLS " FROM learning_attempt "
				      "WHERE kegiatan_id = ?1 AND nuptk = ?2 AND module_id = ?3 "
				      "AND test_id = ?4 AND finished_ms = 0");
	int rc = -1, step;

	memset(a, 0, sizeof(*a));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, who->kegiatan_id);
	sqlite3_bind_text(st, 2, who->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, test_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = attempt_row(st, a);
	else if (step == SQLITE_DONE)
		rc = 1;
	pb_db_stmt_done(st);
	return rc;
}

static const json_t *spec_item(const json_t *spec, const char *item_id)
{
	const json_t *it;
	size_t i;

	json_array_foreach(json_object_get(spec, "items"), i, it)
		if (strcmp(str(it, "id"), item_id) == 0)
			return it;
	return NULL;
}

/* Fisher-Yates over a JSON array, with libsodium's uniform numbers. */
static void shuffle(json_t *arr)
{
	for (size_t i = json_array_size(arr); i > 1; i--) {
		size_t j = randombytes_uniform((uint32_t)i);
		json_t *a = json_incref(json_array_get(arr, i - 1));
		json_t *b = json_incref(json_array_get(arr, j));

		json_array_set_new(arr, i - 1, b);
		json_array_set_new(arr, j, a);
	}
}

static json_t *make_layout(const json_t *spec)
{
	int mix = json_is_true(json_object_get(spec, "shuffle"));
	json_t *layout = json_array(), *it, *o;
	size_t i, k;

	if (layout == NULL)
		return NULL;
	json_array_foreach(json_object_get(spec, "items"), i, it) {
		json_t *opts = json_array();
		json_array_foreach(json_object_get(it, "options"), k, o)
			json_array_append_new(opts, json_string(str(o, "id")));
		if (mix)
			shuffle(opts);
		json_array_append_new(layout, json_pack("{s:s, s:o}", "i", str(it, "id"), "o", opts));
	}
	if (mix)
		shuffle(layout);
	return layout;
}

/* The choice as a sorted list of unique strings, or NULL. */
static int same_set(const json_t *a, const json_t *b)
{
	const json_t *x, *y;
	size_t i, j;

	if (json_array_size(a) != json_array_size(b))
		return 0;
	json_array_foreach(a, i, x) {
		int found = 0;
		json_array_foreach(b, j, y)
			found |= json_equal(x, y);
		if (!found)
			return 0;
	}
	return 1;
}

/* The record that goes upstream for a scored attempt. */
static int attempt_record(sqlite3 *db, const struct pb_learner *who, const struct attempt *a,
			  const json_t *spec, json_t *answers)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:b, s:i, s:i, "
			      "s:i, s:i, s:b, s:O}",
			      "session_id", who->session_uid, "attempt", a->uid, "module", a->module, "test", a->test,
			      "kind", str(spec, "kind"), "n", a->n,
			      "started_ms", (json_int_t)a->started_ms,
			      "finished_ms", (json_int_t)a->finished_ms, "timed_out", a->timed_out,
			      "correct", a->correct, "total", a->total, "score", a->score,
			      "kkm", integer(spec, "kkm"), "passed", a->passed,
			      "answers", answers);

	return pb_learn_record(db, "learning.attempt", p, who->nuptk);
}

int pb_learn_record(sqlite3 *db, const char *type, json_t *p, const char *person)
{
	char nuptk[PB_NUPTK_LEN + 1], no_peserta[PB_NO_PESERTA_MAX + 1];

	if (p != NULL) {
		pb_person_split(person, nuptk, no_peserta);
		json_object_set_new(p, "nuptk", json_string(person));
		json_object_set_new(p, "no_peserta", json_string(no_peserta));
	}
	return pb_att_record(db, type, p, NULL, NULL);
}

/* Score an open attempt against the key, inside the caller's transaction. */
static int finalize(sqlite3 *db, const struct pb_learner *who, struct attempt *a,
		    const struct test *t, int timed_out, int64_t now)
{
	sqlite3_stmt *st;
	json_t *saved = json_object(), *answers = json_array(), *l;
	char activity[PB_LEARN_ACTIVITY_MAX];
	size_t i;
	int rc = -1, step;

	if (saved == NULL || answers == NULL)
		goto out;
	st = pb_db_stmt(db, "SELECT item_id, choice FROM learning_answer WHERE attempt_id = ?1");
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, a->id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(saved, col(st, 0), json_loads(col(st, 1), 0, NULL));
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto out;
	a->correct = 0;
	a->total = 0;
	json_array_foreach(a->layout, i, l) {
		const char *id = str(l, "i");
		const json_t *item = spec_item(t->spec, id);
		json_t *choice = json_object_get(saved, id);
		int ok;

		if (item == NULL)
			continue;           /* the module changed under the attempt */
		ok = json_is_array(choice) && same_set(choice, json_object_get(item, "answer"));
		a->total++;
		a->correct += ok;
		json_array_append_new(answers, json_pack("{s:s, s:o, s:b}", "item", id, "choice",
			choice != NULL ? json_incref(choice) : json_array(), "ok", ok));
		if (choice == NULL)
			continue;
		st = pb_db_stmt(db, "UPDATE learning_answer SET correct = ?3 "
				"WHERE attempt_id = ?1 AND item_id = ?2");
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, ok);
		step = sqlite3_step(st);
		pb_db_stmt_done(st);
		if (step != SQLITE_DONE)
			goto out;
	}
	a->score = a->total > 0 ? (a->correct * 100 + a->total / 2) / a->total : 0;
	a->passed = a->score >= integer(t->spec, "kkm");
	a->finished_ms = now;
	a->timed_out = timed_out;
	st = pb_db_stmt(db, "UPDATE learning_attempt SET finished_ms = ?2, timed_out = ?3, "
			"correct = ?4, total = ?5, score = ?6, passed = ?7 WHERE id = ?1");
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, timed_out);
	sqlite3_bind_int(st, 4, a->correct);
	sqlite3_bind_int(st, 5, a->total);
	sqlite3_bind_int(st, 6, a->score);
	sqlite3_bind_int(st, 7, a->passed);
	step = sqlite3_step(st);
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto out;
	snprintf(activity, sizeof(activity), "test:%s", a->test);
	if (attempt_record(db, who, a, t->spec, answers) != 0 ||
	    pb_learn_progress_set(db, who, a->module, activity, str(t->spec, "title"), "done", now) < 0)
		goto out;
	rc = 0;
out:
	json_decref(saved);
	json_decref(answers);
	return rc;
}

/* Time left before the deadline (negative once past): by the monotonic
 * clock in the boot that started the attempt, so a step of the wall clock
 * (a facilitator's browser setting it) moves nothing; by wall time after
 * a reboot. */
static int64_t left_ms(const struct attempt *a, const struct pb_stamp *now)
{
	if (strcmp(a->boot_id, now->boot_id) == 0)
		return a->deadline_mono - now->mono_ms;
	return a->deadline_ms - now->wall_ms;
}

/* Past the deadline (with the grace for answers in flight)? */
static int late(const struct attempt *a, const struct pb_stamp *now)
{
	return a->finished_ms == 0 && a->deadline_ms != 0 && left_ms(a, now) < -PB_LEARN_GRACE_MS;
}

/* The attempt as a phone sees it: items in its order without the key;
 * the answers saved; once scored the result, and after the last allowed
 * attempt which items were wrong (never which option was right). */
static json_t *attempt_view(sqlite3 *db, const struct attempt *a, const struct test *t,
			    const struct pb_stamp *now)
{
	json_t *v = NULL, *items = json_array(), *answers = json_object(), *l, *oid;
	sqlite3_stmt *st;
	size_t i, k;
	int step;

	if (items == NULL || answers == NULL)
		goto fail;
	json_array_foreach(a->layout, i, l) {
		const json_t *item = spec_item(t->spec, str(l, "i"));
		json_t *opts = json_array();

		if (item == NULL || opts == NULL) {
			json_decref(opts);
			continue;
		}
		json_array_foreach(json_object_get(l, "o"), k, oid) {
			const json_t *o;
			size_t j;
			json_array_foreach(json_object_get(item, "options"), j, o)
				if (json_equal(json_object_get(o, "id"), oid))
					json_array_append_new(opts, json_pack("{s:s, s:s}", "id",
						str(o, "id"), "text", str(o, "text")));
		}
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:o}", "id", str(item, "id"),
			"type", str(item, "type"), "text", str(item, "text"), "options", opts));
	}
	st = pb_db_stmt(db, "SELECT item_id, choice FROM learning_answer WHERE attempt_id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, a->id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(answers, col(st, 0), json_loads(col(st, 1), 0, NULL));
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:b, s:o, s:o}",
		      "attempt", a->uid, "module", a->module, "test", a->test,
		      "kind", str(t->spec, "kind"), "title", str(t->spec, "title"),
		      "instructions", str(t->spec, "instructions"), "n", a->n,
		      "attempts", t->attempts, "time_limit_s", t->time_limit_s,
		      "kkm", integer(t->spec, "kkm"), "finished", a->finished_ms != 0,
		      "items", items, "answers", answers);
	items = answers = NULL;
	if (v == NULL)
		goto fail;
	if (a->finished_ms == 0 && a->deadline_ms != 0)
		json_object_set_new(v, "remaining_ms", json_integer(left_ms(a, now) > 0 ?
								    left_ms(a, now) : 0));
	if (a->finished_ms != 0) {
		json_t *res = json_pack("{s:i, s:i, s:i, s:b, s:b}", "score", a->score,
					"correct", a->correct, "total", a->total,
					"passed", a->passed, "timed_out", a->timed_out);
		if (res != NULL && a->n >= t->attempts) {
			json_t *wrong = json_array(), *right = json_object();

			st = pb_db_stmt(db, "SELECT item_id FROM learning_answer "
					"WHERE attempt_id = ?1 AND correct = 1");
			if (st == NULL || wrong == NULL || right == NULL) {
				json_decref(wrong);
				json_decref(right);
				json_decref(res);
				if (st != NULL)
					pb_db_stmt_done(st);
				goto fail;
			}
			sqlite3_bind_int64(st, 1, a->id);
			while (sqlite3_step(st) == SQLITE_ROW)
				json_object_set_new(right, col(st, 0), json_true());
			pb_db_stmt_done(st);
			json_array_foreach(a->layout, i, l) {
				const json_t *item = spec_item(t->spec, str(l, "i"));
				if (item != NULL && json_object_get(right, str(l, "i")) == NULL)
					json_array_append_new(wrong, json_pack("{s:s, s:s}", "id",
						str(item, "id"), "text", str(item, "text")));
			}
			json_decref(right);
			json_object_set_new(res, "wrong", wrong);
		}
		json_object_set_new(v, "result", res);
	}
	return v;
fail:
	json_decref(items);
	json_decref(answers);
	json_decref(v);
	return NULL;
}

enum pb_learn_result pb_learn_write_end(sqlite3 *db, enum pb_learn_result r)
{
	if ((r == PB_LEARN_OK || r == PB_LEARN_TIME_UP) && pb_db_commit(db) != 0)
		r = PB_LEARN_DB;
	if (r != PB_LEARN_OK && r != PB_LEARN_TIME_UP)
		pb_db_rollback(db);
	return r;
}

enum pb_learn_result pb_learning_start(sqlite3 *db, const struct pb_learner *who,
				       const char *module_id, const char *test_id,
				       json_t **view)
{
	struct test t;
	struct attempt a;
	sqlite3_stmt *st;
	char *layout = NULL, activity[PB_LEARN_ACTIVITY_MAX];
	struct pb_stamp clk;
	int64_t now;
	enum pb_learn_result r = PB_LEARN_DB;
	int rc, used = 0, step;

	*view = NULL;
	memset(&a, 0, sizeof(a));
	pb_clock_now(&clk);
	now = clk.wall_ms;
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	rc = test_load(db, module_id, test_id, &t);
	if (rc != 0) {
		r = rc > 0 ? PB_LEARN_NO_TEST : PB_LEARN_DB;
		goto out;
	}
	rc = attempt_open(db, who, module_id, test_id, &a);
	if (rc < 0)
		goto out;
	if (rc == 0 && late(&a, &clk)) {
		if (finalize(db, who, &a, &t, 1, now) != 0)
			goto out;
		attempt_clear(&a);
		memset(&a, 0, sizeof(a));
		rc = 1;
	}
	if (rc == 1) {
		st = pb_db_stmt(db, "SELECT coalesce(max(n), 0) FROM learning_attempt "
				"WHERE kegiatan_id = ?1 AND nuptk = ?2 AND module_id = ?3 "
				"AND test_id = ?4");
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, who->kegiatan_id);
		sqlite3_bind_text(st, 2, who->nuptk, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, module_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, test_id, -1, SQLITE_STATIC);
		step = sqlite3_step(st);
		used = sqlite3_column_int(st, 0);
		pb_db_stmt_done(st);
		if (step != SQLITE_ROW)
			goto out;
		if (used >= t.attempts) {
			r = PB_LEARN_NO_ATTEMPTS_LEFT;
			goto out;
		}
		a.layout = make_layout(t.spec);
		layout = a.layout != NULL ? json_dumps(a.layout, JSON_COMPACT) : NULL;
		if (layout == NULL)
			goto out;
		pb_id_new(a.uid);
		snprintf(a.module, sizeof(a.module), "%s", module_id);
		snprintf(a.test, sizeof(a.test), "%s", test_id);
		a.n = used + 1;
		a.started_ms = now;
		a.deadline_ms = t.time_limit_s > 0 ? now + (int64_t)t.time_limit_s * 1000 : 0;
		a.deadline_mono = t.time_limit_s > 0 ? clk.mono_ms + (int64_t)t.time_limit_s * 1000 : 0;
		snprintf(a.boot_id, sizeof(a.boot_id), "%s", clk.boot_id);
		st = pb_db_stmt(db, "INSERT INTO learning_attempt(uid, kegiatan_id, nuptk, module_id, "
				"test_id, n, layout, started_ms, deadline_ms, boot_id, deadline_mono) "
				"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
		if (st == NULL)
			goto out;
		sqlite3_bind_text(st, 1, a.uid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, who->kegiatan_id);
		sqlite3_bind_text(st, 3, who->nuptk, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, module_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, test_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, a.n);
		sqlite3_bind_text(st, 7, layout, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, now);
		sqlite3_bind_int64(st, 9, a.deadline_ms);
		sqlite3_bind_text(st, 10, a.boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, a.deadline_mono);
		step = sqlite3_step(st);
		pb_db_stmt_done(st);
		if (step != SQLITE_DONE)
			goto out;
		a.id = sqlite3_last_insert_rowid(db);
		snprintf(activity, sizeof(activity), "test:%s", test_id);
		if (pb_learn_progress_set(db, who, module_id, activity, str(t.spec, "title"), "opened",
				 now) < 0)
			goto out;
	}
	r = PB_LEARN_OK;
out:
	r = pb_learn_write_end(db, r);
	if (r == PB_LEARN_OK && (*view = attempt_view(db, &a, &t, &clk)) == NULL)
		r = PB_LEARN_DB;
	free(layout);
	attempt_clear(&a);
	test_clear(&t);
	return r;
}

/* The common start of view, answer and finish: the attempt of this
 * teacher and its test loaded inside a write transaction, scored first if
 * it is late (then PB_LEARN_TIME_UP). */
static enum pb_learn_result open_attempt(sqlite3 *db, const struct pb_learner *who,
					 const char *uid, struct attempt *a, struct test *t,
					 const struct pb_stamp *now)
{
	int rc = attempt_by_uid(db, who, uid, a);

	memset(t, 0, sizeof(*t));
	if (rc != 0)
		return rc > 0 ? PB_LEARN_NO_ATTEMPT : PB_LEARN_DB;
	rc = test_load(db, a->module, a->test, t);
	if (rc != 0)
		return rc > 0 ? PB_LEARN_NO_TEST : PB_LEARN_DB;
	if (late(a, now))
		return finalize(db, who, a, t, 1, now->wall_ms) == 0 ? PB_LEARN_TIME_UP : PB_LEARN_DB;
	return PB_LEARN_OK;
}

enum pb_learn_result pb_learning_view(sqlite3 *db, const struct pb_learner *who,
				      const char *attempt_uid, json_t **view)
{
	struct attempt a;
	struct test t;
	struct pb_stamp now;
	enum pb_learn_result r;

	*view = NULL;
	pb_clock_now(&now);
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	r = pb_learn_write_end(db, open_attempt(db, who, attempt_uid, &a, &t, &now));
	if (r == PB_LEARN_TIME_UP)
		r = PB_LEARN_OK;
	if (r == PB_LEARN_OK && (*view = attempt_view(db, &a, &t, &now)) == NULL)
		r = PB_LEARN_DB;
	attempt_clear(&a);
	test_clear(&t);
	return r;
}

/* A valid choice for the item as laid out in the attempt: option ids of
 * the item, none twice, at most one for a single-choice item. */
static int choice_ok(const json_t *layout, const json_t *item, const json_t *choice)
{
	const json_t *c, *d, *opts = NULL, *l;
	size_t i, j;

	json_array_foreach(layout, i, l)
		if (json_equal(json_object_get(l, "i"), json_object_get(item, "id")))
			opts = json_object_get(l, "o");
	if (opts == NULL || !json_is_array(choice) ||
	    json_array_size(choice) > PB_LEARN_OPTIONS_MAX)
		return 0;
	if (strcmp(str(item, "type"), "single") == 0 && json_array_size(choice) > 1)
		return 0;
	json_array_foreach(choice, i, c) {
		int found = 0;
		if (!json_is_string(c))
			return 0;
		json_array_foreach(opts, j, d)
			found |= json_equal(c, d);
		if (!found)
			return 0;
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(choice, j), c))
				return 0;
	}
	return 1;
}

enum pb_learn_result pb_learning_answer(sqlite3 *db, const struct pb_learner *who,
					const char *attempt_uid, const char *item_id,
					const json_t *choice, json_t **view)
{
	struct attempt a;
	struct test t;
	const json_t *item;
	sqlite3_stmt *st;
	char *text = NULL;
	struct pb_stamp now;
	enum pb_learn_result r;
	int step;

	*view = NULL;
	pb_clock_now(&now);
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	r = open_attempt(db, who, attempt_uid, &a, &t, &now);
	if (r != PB_LEARN_OK)
		goto out;
	if (a.finished_ms != 0) {
		r = PB_LEARN_FINISHED;
		goto out;
	}
	item = spec_item(t.spec, item_id);
	if (item == NULL) {
		r = PB_LEARN_BAD_ITEM;
		goto out;
	}
	if (!choice_ok(a.layout, item, choice)) {
		r = PB_LEARN_BAD_CHOICE;
		goto out;
	}
	r = PB_LEARN_DB;
	text = json_dumps(choice, JSON_COMPACT);
	st = text != NULL ? pb_db_stmt(db, "INSERT INTO learning_answer(attempt_id, item_id, "
				       "choice, saved_ms) VALUES (?1,?2,?3,?4) "
				       "ON CONFLICT(attempt_id, item_id) DO UPDATE SET "
				       "choice = excluded.choice, saved_ms = excluded.saved_ms") : NULL;
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, a.id);
	sqlite3_bind_text(st, 2, item_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now.wall_ms);
	step = sqlite3_step(st);
	pb_db_stmt_done(st);
	if (step == SQLITE_DONE)
		r = PB_LEARN_OK;
out:
	r = pb_learn_write_end(db, r);
	if (r == PB_LEARN_OK)
		*view = a.deadline_ms != 0 ?
			json_pack("{s:s, s:b, s:I}", "item", item_id, "saved", 1, "remaining_ms",
				  (json_int_t)(left_ms(&a, &now) > 0 ? left_ms(&a, &now) : 0)) :
			json_pack("{s:s, s:b}", "item", item_id, "saved", 1);
	else if (r == PB_LEARN_TIME_UP)
		*view = attempt_view(db, &a, &t, &now);
	free(text);
	attempt_clear(&a);
	test_clear(&t);
	return r;
}

enum pb_learn_result pb_learning_finish(sqlite3 *db, const struct pb_learner *who,
					const char *attempt_uid, json_t **view)
{
	struct attempt a;
	struct test t;
	struct pb_stamp now;
	enum pb_learn_result r;

	*view = NULL;
	pb_clock_now(&now);
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	r = open_attempt(db, who, attempt_uid, &a, &t, &now);
	if (r == PB_LEARN_OK && a.finished_ms == 0 && finalize(db, who, &a, &t, 0, now.wall_ms) != 0)
		r = PB_LEARN_DB;
	if (r == PB_LEARN_TIME_UP)
		r = PB_LEARN_OK;     /* scored as it stood at the deadline */
	r = pb_learn_write_end(db, r);
	if (r == PB_LEARN_OK && (*view = attempt_view(db, &a, &t, &now)) == NULL)
		r = PB_LEARN_DB;
	attempt_clear(&a);
	test_clear(&t);
	return r;
}

/* ------------------------------------------------------------------ */
/* Progress */

/* Set an activity's state ("done" is never taken back to "opened") and
 * record a change upstream. 1 changed, 0 unchanged, -1 error. Inside the
 * caller's transaction. */
int pb_learn_progress_set(sqlite3 *db, const struct pb_learner *who, const char *module_id,
			  const char *activity, const char *title, const char *state, int64_t now)
{
	sqlite3_stmt *st = pb_db_stmt(db, "INSERT INTO learning_progress(kegiatan_id, nuptk, "
				      "module_id, activity, state, wall_ms) VALUES (?1,?2,?3,?4,?5,?6) "
				      "ON CONFLICT DO UPDATE SET state = excluded.state, "
				      "wall_ms = excluded.wall_ms WHERE state = 'opened' AND "
				      "excluded.state = 'done'");
	json_t *p;
	int step, changed;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, who->kegiatan_id);
	sqlite3_bind_text(st, 2, who->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, activity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	step = sqlite3_step(st);
	changed = sqlite3_changes(db) > 0;
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		return -1;
	if (!changed)
		return 0;
	p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "session_id", who->session_uid,
		      "module", module_id, "activity", activity,
		      "title", title, "state", state, "wall_ms", (json_int_t)now);
	return pb_learn_record(db, "learning.progress", p, who->nuptk) == 0 ? 1 : -1;
}

enum pb_learn_result pb_learning_mark(sqlite3 *db, const struct pb_learner *who,
				      const char *module_id, const char *activity,
				      const char *state)
{
	char name[PB_FILE_PATH_MAX + 1] = "";
	long pos;
	char *end;
	enum pb_learn_result r = PB_LEARN_BAD_ACTIVITY;
	int step;

	if (state == NULL || (strcmp(state, "opened") != 0 && strcmp(state, "done") != 0) ||
	    activity == NULL || strncmp(activity, "file:", 5) != 0 ||
	    strlen(activity) >= PB_LEARN_ACTIVITY_MAX)
		return PB_LEARN_BAD_ACTIVITY;
	pos = strtol(activity + 5, &end, 10);
	if (end == activity + 5 || *end != '\0' || pos < 0 || pos >= PB_MODULE_MAX_FILES)
		return PB_LEARN_BAD_ACTIVITY;
	if (pb_db_begin(db) != 0)
		return PB_LEARN_DB;
	step = pb_learn_one_text(db, "SELECT name FROM module_files WHERE module_id = ?1 AND pos = ?2",
			module_id, NULL, pos, name, sizeof(name));
	if (step == 0)
		r = pb_learn_progress_set(db, who, module_id, activity, name, state, pb_clock_wall_ms()) < 0 ?
		    PB_LEARN_DB : PB_LEARN_OK;
	else if (step < 0)
		r = PB_LEARN_DB;
	return pb_learn_write_end(db, r);
}

enum pb_learn_result pb_learning_progress(sqlite3 *db, const struct pb_learner *who,
					  const char *module_id, json_t **out)
{
	sqlite3_stmt *st;
	json_t *acts = json_array(), *tests = json_array(), *summary, *sheets, *mine, *w;
	char title[PB_MODULE_TITLE_MAX * 4 + 1], url[PB_FILE_URL_MAX];
	int step, done = 0, taken = 0, sent = 0, reviewed = 0;
	size_t i;

	*out = NULL;
	if (acts == NULL || tests == NULL)
		goto fail;
	step = pb_learn_one_text(db, "SELECT title FROM modules WHERE id = ?1", module_id, NULL,
			0, title, sizeof(title));
	if (step != 0) {
		json_decref(acts);
		json_decref(tests);
		return step > 0 ? PB_LEARN_NO_MODULE : PB_LEARN_DB;
	}
	st = pb_db_stmt(db, "SELECT 'file:' || f.pos, f.name, coalesce(p.state, ''), f.sha256, "
			"f.kind FROM module_files f LEFT JOIN learning_progress p ON "
			"p.kegiatan_id = ?2 AND p.nuptk = ?3 AND p.module_id = f.module_id AND "
			"p.activity = 'file:' || f.pos WHERE f.module_id = ?1 ORDER BY f.pos");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, who->kegiatan_id);
	sqlite3_bind_text(st, 3, who->nuptk, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		done += strcmp(col(st, 2), "done") == 0;
		/* an HTML5 lesson opens at its page, not as a zip to download */
		if (strcmp(col(st, 4), PB_HTML5_KIND) == 0 ?
		    pb_html5_url(col(st, 3), url, sizeof(url)) != 0 :
		    pb_catalog_file_url(col(st, 3), col(st, 1), url, sizeof(url)) != 0)
			url[0] = '\0';
		json_array_append_new(acts, json_pack("{s:s, s:s, s:s, s:s}", "activity", col(st, 0),
			"name", col(st, 1), "state", col(st, 2), "url", url));
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	st = pb_db_stmt(db, "SELECT t.test_id, t.kind, t.title, t.nitems, t.kkm, t.time_limit_s, "
			"t.attempts, (SELECT count(*) FROM learning_attempt a WHERE a.kegiatan_id = ?2 "
			"AND a.nuptk = ?3 AND a.module_id = t.module_id AND a.test_id = t.test_id), "
			"(SELECT uid FROM learning_attempt a WHERE a.kegiatan_id = ?2 AND a.nuptk = ?3 "
			"AND a.module_id = t.module_id AND a.test_id = t.test_id AND finished_ms = 0), "
			"(SELECT score FROM learning_attempt a WHERE a.kegiatan_id = ?2 AND a.nuptk = ?3 "
			"AND a.module_id = t.module_id AND a.test_id = t.test_id AND finished_ms > 0 "
			"ORDER BY n DESC LIMIT 1), "
			"(SELECT passed FROM learning_attempt a WHERE a.kegiatan_id = ?2 AND a.nuptk = ?3 "
			"AND a.module_id = t.module_id AND a.test_id = t.test_id AND finished_ms > 0 "
			"ORDER BY n DESC LIMIT 1), "
			"(SELECT uid FROM learning_attempt a WHERE a.kegiatan_id = ?2 AND a.nuptk = ?3 "
			"AND a.module_id = t.module_id AND a.test_id = t.test_id AND finished_ms > 0 "
			"ORDER BY n DESC LIMIT 1) "
			"FROM learning_test t WHERE t.module_id = ?1 ORDER BY t.pos");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, module_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, who->kegiatan_id);
	sqlite3_bind_text(st, 3, who->nuptk, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int used = sqlite3_column_int(st, 7), open = sqlite3_column_type(st, 8) != SQLITE_NULL;
		json_t *t = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i}",
			"id", col(st, 0), "kind", col(st, 1), "title", col(st, 2),
			"items", sqlite3_column_int(st, 3), "kkm", sqlite3_column_int(st, 4),
			"time_limit_s", sqlite3_column_int(st, 5),
			"attempts", sqlite3_column_int(st, 6), "used", used,
			"left", sqlite3_column_int(st, 6) - used + open);
		if (t == NULL)
			continue;
		if (open)
			json_object_set_new(t, "open", json_string(col(st, 8)));
		if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
			taken++;
			json_object_set_new(t, "last", json_pack("{s:i, s:b, s:s}",
				"score", sqlite3_column_int(st, 9), "passed", sqlite3_column_int(st, 10),
				"attempt", col(st, 11)));
		}
		json_array_append_new(tests, t);
	}
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE)
		goto fail;
	sheets = pb_learning_summary(db, module_id);
	mine = pb_learning_submissions(db, who, module_id);
	if (sheets == NULL || mine == NULL) {
		json_decref(sheets);
		json_decref(mine);
		goto fail;
	}
	json_array_foreach(json_object_get(sheets, "worksheets"), i, w) {
		json_t *sub = json_object_get(mine, str(w, "id"));
		if (sub == NULL)
			continue;
		sent++;
		reviewed += json_integer_value(json_object_get(sub, "reviewed_ms")) != 0;
		json_object_set(w, "submission", sub);
	}
	json_decref(mine);
	summary = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "activities_done", done,
			    "activities", (int)json_array_size(acts), "tests_taken", taken,
			    "tests", (int)json_array_size(tests), "worksheets_sent", sent,
			    "feedback", reviewed);
	*out = json_pack("{s:s, s:s, s:o, s:o, s:O, s:o}", "module", module_id, "title", title,
			 "activities", acts,
			 "tests", tests, "worksheets", json_object_get(sheets, "worksheets"),
			 "summary", summary);
	json_decref(sheets);
	return *out != NULL ? PB_LEARN_OK : PB_LEARN_DB;
fail:
	json_decref(acts);
	json_decref(tests);
	return PB_LEARN_DB;
}

/* A list query that could not start: the statement back, the JSON freed. */
json_t *pb_learn_give_up(sqlite3_stmt *st, json_t *j)
{
	if (st != NULL)
		pb_db_stmt_done(st);
	json_decref(j);
	return NULL;
}
