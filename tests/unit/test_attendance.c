/* Unit tests: dates of a session and check-ins from many threads at once
 * (pb_attendance group commit) on a real SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <cmocka.h>

#include "pb_attendance.h"
#include "pb_db.h"
#include "pb_outbox.h"

#define THREADS 12
#define PER_THREAD 15

/* Wall time of a local HH:MM today. */
static int64_t at(int h, int m)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = 30;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static void sitting(struct pb_kegiatan *k, int i, int h0, int m0, int h1, int m1, int jp)
{
	k->sittings[i].start_min = h0 * 60 + m0;
	k->sittings[i].end_min = h1 * 60 + m1;
	k->sittings[i].jp = jp;
	k->nsittings = i + 1;
}

/* The sitting of a check-in by the time of day; lateness from its start. */
static void test_sittings(void **state)
{
	struct pb_kegiatan k;
	(void)state;
	memset(&k, 0, sizeof(k));
	k.jp_per_day = 8;
	snprintf(k.start_time, sizeof(k.start_time), "%s", "07:30");
	assert_int_equal(pb_att_sitting_now(&k, at(9, 0)), 0);      /* none: the day */
	assert_true(pb_att_sitting_valid(&k, 0));
	assert_false(pb_att_sitting_valid(&k, 1));
	assert_int_equal(pb_att_sitting_jp(&k, 0), 8);
	assert_true(pb_att_is_late(&k, at(9, 0), 15));
	sitting(&k, 0, 8, 0, 10, 15, 3);
	sitting(&k, 1, 10, 30, 12, 0, 2);
	sitting(&k, 2, 13, 0, 15, 15, 3);
	assert_int_equal(pb_att_sitting_now(&k, at(7, 0)), 1);      /* before the first */
	assert_int_equal(pb_att_sitting_now(&k, at(8, 0)), 1);
	assert_int_equal(pb_att_sitting_now(&k, at(10, 14)), 1);
	assert_int_equal(pb_att_sitting_now(&k, at(10, 20)), 1);    /* a break: the last started */
	assert_int_equal(pb_att_sitting_now(&k, at(10, 30)), 2);
	assert_int_equal(pb_att_sitting_now(&k, at(14, 0)), 3);
	assert_int_equal(pb_att_sitting_now(&k, at(22, 0)), 3);     /* after the last */
	assert_false(pb_att_sitting_valid(&k, 0));
	assert_true(pb_att_sitting_valid(&k, 3));
	assert_false(pb_att_sitting_valid(&k, 4));
	assert_int_equal(pb_att_sitting_jp(&k, 2), 2);
	/* late from the sitting's own start, not the day's */
	assert_false(pb_att_is_late(&k, at(10, 40), 15));
	assert_true(pb_att_is_late(&k, at(10, 50), 15));
	assert_false(pb_att_is_late(&k, at(13, 10), 15));
}

static void test_days(void **state)
{
	struct pb_kegiatan k;
	(void)state;
	assert_true(pb_att_day_valid("2024-02-29"));
	assert_false(pb_att_day_valid("2023-02-29"));
	assert_false(pb_att_day_valid("2100-02-29"));
	assert_true(pb_att_day_valid("2000-02-29"));
	assert_false(pb_att_day_valid("2026-13-01"));
	assert_false(pb_att_day_valid("2026-04-31"));
	assert_false(pb_att_day_valid("2026-4-01"));
	assert_false(pb_att_day_valid("2026-04-01x"));
	assert_false(pb_att_day_valid(NULL));
	memset(&k, 0, sizeof(k));
	snprintf(k.start_date, sizeof(k.start_date), "%s", "2026-02-27");
	k.days = 3;
	assert_int_equal(pb_att_day_index(&k, "2026-02-27"), 0);
	assert_int_equal(pb_att_day_index(&k, "2026-03-01"), 2);   /* across February */
	assert_int_equal(pb_att_day_index(&k, "2026-03-02"), -1);
	assert_int_equal(pb_att_day_index(&k, "2026-02-26"), -1);
	snprintf(k.start_date, sizeof(k.start_date), "%s", "2024-12-31");
	assert_int_equal(pb_att_day_index(&k, "2025-01-02"), 2);   /* across a year */
}

struct worker {
	const char *path;
	struct pb_att_queue *queue;
	int64_t kid;
	const char *day;
	int n;
	int ok, existing, failed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	sqlite3 *db = NULL;
	char err[PB_DB_ERR_LEN], nuptk[17], client[32];
	const char *sig = "{\"h\":10,\"s\":[[1,1,1,1]],\"w\":10}";

	if (pb_db_open(w->path, PB_DB_NOCHECK, &db, err, sizeof(err)) != 0) {
		w->failed = PER_THREAD * 2;
		return NULL;
	}
	snprintf(client, sizeof(client), "10.0.0.%d", w->n + 1);
	for (int i = 0; i < PER_THREAD * 2; i++) {
		struct pb_checkin c;
		json_t *out = NULL;
		enum pb_att_result r;
		/* every teacher twice: the second time is the existing record */
		snprintf(nuptk, sizeof(nuptk), "32%02d%012d", w->n, i % PER_THREAD);
		memset(&c, 0, sizeof(c));
		c.kegiatan_id = w->kid;
		c.day = w->day;
		c.nuptk = nuptk;
		c.name = "Peserta";
		c.school = "SD";
		c.signature = sig;
		c.client = client;
		c.device = "";
		c.per_client_max = 1000;
		r = pb_att_checkin(db, w->queue, &c, &out);
		if (r == PB_ATT_OK)
			w->ok++;
		else if (r == PB_ATT_EXISTING)
			w->existing++;
		else
			w->failed++;
		json_decref(out);
	}
	pb_db_close(db);
	return NULL;
}

static void test_group_commit_threads(void **state)
{
	char path[] = "/tmp/pb-test-attendance-XXXXXX";
	char dbpath[64], err[PB_DB_ERR_LEN], day[PB_DAY_LEN + 1];
	sqlite3 *db = NULL;
	json_t *in;
	const char *bad = NULL;
	int64_t kid = 0, bad_seq = 0, rows = 0;
	pthread_t th[THREADS];
	struct worker w[THREADS];
	struct pb_att_queue queue;
	sqlite3_stmt *st = NULL;
	(void)state;

	assert_int_equal(sodium_init() >= 0, 1);
	assert_non_null(mkdtemp(path));
	snprintf(dbpath, sizeof(dbpath), "%s/pb.db", path);
	assert_int_equal(pb_db_open(dbpath, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	pb_att_today(day);
	in = json_pack("{s:s, s:s, s:i, s:i}", "title", "Uji", "start_date", day, "days", 1,
		       "jp_per_day", 8);
	assert_int_equal(pb_kegiatan_create(db, in, "uji", "", &kid, &bad), PB_ATT_OK);
	json_decref(in);
	assert_int_equal(pb_att_queue_init(&queue), 0);
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].path = dbpath;
		w[i].queue = &queue;
		w[i].kid = kid;
		w[i].day = day;
		w[i].n = i;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failed, 0);
		assert_int_equal(w[i].ok, PER_THREAD);
		assert_int_equal(w[i].existing, PER_THREAD);
	}
	pb_att_queue_destroy(&queue);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM attendance", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(rows, THREADS * PER_THREAD);
	assert_int_equal(pb_outbox_verify(db, &bad_seq), 0);
	pb_db_close(db);
	snprintf(err, sizeof(err), "%s/pb.db-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s/pb.db-shm", path);
	unlink(err);
	unlink(dbpath);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_sittings),
		cmocka_unit_test(test_group_commit_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
