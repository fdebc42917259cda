/* pb_learning: the learning loop on the box — module tests and worksheets
 * stored from the manifest, teachers' test attempts (items and options
 * shuffled per attempt, answers saved one by one, the deadline kept here,
 * scored here against a key that never goes to a phone) and progress per
 * module activity (pb_learning.c), worksheets sent and reviewed
 * (pb_learning_ws.c), and the results of a session
 * (pb_learning_results.c). Every scored attempt, progress mark, worksheet
 * and review goes to the outbox in the same transaction. */
#ifndef PB_LEARNING_H
#define PB_LEARNING_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_hash.h"
#include "pb_ids.h"
#include "pb_learnspec.h"
#include "pb_roster.h"

#define PB_LEARN_ACTIVITY_MAX 80     /* bytes of an activity name */
/* A deadline is met by answers that arrive up to this late (the request
 * was on its way when time ran out). */
#define PB_LEARN_GRACE_MS     2000

enum pb_learn_result {
	PB_LEARN_OK = 0,
	PB_LEARN_NO_MODULE,
	PB_LEARN_NO_TEST,        /* no such module test */
	PB_LEARN_NO_ATTEMPT,     /* no such attempt for this teacher */
	PB_LEARN_NO_ATTEMPTS_LEFT,
	PB_LEARN_FINISHED,       /* the attempt is already scored */
	PB_LEARN_TIME_UP,        /* the box's deadline passed: scored as it stood */
	PB_LEARN_BAD_ITEM,       /* the item is not in this attempt */
	PB_LEARN_BAD_CHOICE,     /* an option not of the item, or two for a single-choice */
	PB_LEARN_BAD_ACTIVITY,
	PB_LEARN_NO_WORKSHEET,   /* no such worksheet in the module */
	PB_LEARN_BAD_TEXT,       /* empty, too long, not text */
	PB_LEARN_ACCEPTED,       /* the worksheet was accepted: no more sending */
	PB_LEARN_NO_SUBMISSION,
	PB_LEARN_BAD_REVIEW,     /* status, score or comment not acceptable */
	PB_LEARN_TOO_MANY_PHOTOS,
	PB_LEARN_DB,
};

/* A teacher as the box knows them: a session and a NUPTK (the caller
 * checked the proof). */
struct pb_learner {
	int64_t kegiatan_id;
	const char *session_uid;
	const char *nuptk;
};

/* Replace a module's tests and worksheets with those of its manifest
 * (learning: pb_learnspec's JSON or NULL). Inside the caller's
 * transaction (the catalogue's upsert). */
int pb_learning_store(sqlite3 *db, const char *module_id, const char *learning);

/* What a module has, for the catalogue: {"tests":[{id, kind, title, items,
 * kkm, time_limit_s, attempts}], "worksheets":[{id, title, due}]}; never
 * items or keys. NULL on a database error. */
json_t *pb_learning_summary(sqlite3 *db, const char *module_id);

/* Start an attempt, or give back the open one (a second phone, a reopened
 * page). *view: the attempt as a phone sees it. */
enum pb_learn_result pb_learning_start(sqlite3 *db, const struct pb_learner *who,
				       const char *module_id, const char *test_id,
				       json_t **view);
/* An attempt of this teacher (scored first if its deadline passed). */
enum pb_learn_result pb_learning_view(sqlite3 *db, const struct pb_learner *who,
				      const char *attempt_uid, json_t **view);
/* Save one answer (choice: a list of option ids; empty clears it). */
enum pb_learn_result pb_learning_answer(sqlite3 *db, const struct pb_learner *who,
					const char *attempt_uid, const char *item_id,
					const json_t *choice, json_t **view);
/* Score the attempt now. */
enum pb_learn_result pb_learning_finish(sqlite3 *db, const struct pb_learner *who,
					const char *attempt_uid, json_t **view);

/* Mark a module activity ("file:NAME" of the module's files) opened or done. */
enum pb_learn_result pb_learning_mark(sqlite3 *db, const struct pb_learner *who,
				      const char *module_id, const char *activity,
				      const char *state);
/* "Progres saya" for one module: activities, tests (attempts used and
 * left, last score, the open attempt), worksheets. */
enum pb_learn_result pb_learning_progress(sqlite3 *db, const struct pb_learner *who,
					  const char *module_id, json_t **out);

/* ---- worksheets ---- */
#define PB_LEARN_ANSWER_TEXT_MAX 4000    /* characters of a worksheet answer */
#define PB_LEARN_COMMENT_MAX     1000    /* characters of a review comment */
#define PB_LEARN_QUEUE_MAX       500     /* submissions in one queue answer */

/* Photos of one worksheet submission: [learning] worksheet_photos_max
 * takes at most this many. */
#define PB_LEARN_PHOTOS_MAX      10

/* A worksheet as sent: the text and its photos (already checked and
 * encoded anew by the caller). store writes photo i into the content
 * store once every check has passed, inside the write transaction, and
 * sets its hash. */
struct pb_learn_sheet {
	const char *module_id;
	const char *ws_id;
	const char *text;
	size_t n_photos;
	const char *photo_mime[PB_LEARN_PHOTOS_MAX];
	int64_t photo_size[PB_LEARN_PHOTOS_MAX];
	int (*store)(void *ctx, size_t i, char sha[PB_SHA256_HEX_LEN + 1]);
	void *store_ctx;
};

/* Send (or send again, until accepted) a worksheet; sending again
 * replaces the text and the photos (each version keeps its own, as the
 * records upstream name them). *out: the submission as the teacher sees
 * it, "photos": [{n, sha256, mime, size}] of its latest version. */
enum pb_learn_result pb_learning_submit(sqlite3 *db, const struct pb_learner *who,
					const struct pb_learn_sheet *sheet, json_t **out);
/* The photo n (1-based) of a submission's latest version: 0 found (sha
 * and mime set, *kegiatan_id and owner, the teacher's NUPTK, too), 1
 * none, -1 error. */
int pb_learning_photo(sqlite3 *db, const char *uid, int n, int64_t *kegiatan_id,
		      char owner[PB_NUPTK_LEN + 1], char sha[PB_SHA256_HEX_LEN + 1],
		      char *mime, size_t mime_len);
/* A mentor's review: status "revise" (perlu revisi) or "accepted"
 * (diterima), a rubric score 0-100 or -1, a comment. */
enum pb_learn_result pb_learning_review(sqlite3 *db, int64_t kegiatan_id, const char *uid,
					const char *status, int score, const char *comment,
					const char *reviewer, json_t **out);
/* Which submissions a review queue holds. */
struct pb_learn_queue_filter {
	int64_t kegiatan_id;      /* a session, 0 = every session */
	const char *module_id;    /* NULL = every module */
	const char *status;       /* NULL = waiting ("sent") */
	int64_t mentor_id;        /* > 0: only what this mentor is assigned to */
};
/* The review queue, oldest first; each row with its session, the
 * worksheet's due date and overdue (due passed, not accepted). */
json_t *pb_learning_queue(sqlite3 *db, const struct pb_learn_queue_filter *f);
/* This teacher's submission of each worksheet of a module, by worksheet
 * id ({} when none). */
json_t *pb_learning_submissions(sqlite3 *db, const struct pb_learner *who,
				const char *module_id);

/* Results of a session (staff): per teacher the pre and post scores, per
 * test and item how many got it wrong, per worksheet how many sent it and
 * how many of the roster have not (overdue past its due date). NULL on
 * error. */
json_t *pb_learning_results(sqlite3 *db, int64_t kegiatan_id);
/* The same results as a book (pb_xlsx.h): sheets "Guru" (per teacher and
 * module: NUPTK or No Peserta, pre, post, activities done of how many,
 * worksheets overdue),
 * "Soal" (per test item: missed by how many) and "Lembar kerja"; each
 * sheet's "keys" are its column names in the CSV. NULL on error. */
#define PB_LEARN_BOOK_COLS_MAX 9    /* columns of a sheet of the book */
json_t *pb_learning_book(const json_t *results);

#endif
