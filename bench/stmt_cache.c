/* The statement cache against preparing per call, on the box's own
 * database (pb_db_open: the real schema, WAL): the time of one read of a
 * session row (pb_kegiatan_get's SQL) and one of a check-in (the SQL of
 * pb_att_checkin_of), each
 *   - prepared, stepped and finalized per call (sqlite3_prepare_v2);
 *   - from pb_db_stmt with few statements on the connection;
 *   - from pb_db_stmt with PB_BENCH_OTHER_STMTS more statements cached
 *     after it (what every library statement in the cache would leave
 *     there; the lookup walks past them all).
 * The modes run interleaved, round after round, and each reports its best
 * round: on a loaded machine, read the ratios, not the times.
 *
 *   build/bench/stmt-cache [rounds] [calls per round]
 * (1..PB_BENCH_ROUNDS_MAX rounds, 1..PB_BENCH_CALLS_MAX calls: anything
 * else is said and exits 2). Its scratch folder is made in $TMPDIR (an
 * absolute path, else /tmp) and removed after. */
#include "pb_db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PB_BENCH_OTHER_STMTS 180   /* about the library's count of distinct statements */
#define PB_BENCH_SQL_MAX     200
#define PB_BENCH_ROUNDS_MAX  10000
#define PB_BENCH_CALLS_MAX   10000000
#define PB_BENCH_ROUNDS      20     /* without arguments */
#define PB_BENCH_CALLS       2000

static const char *const reads[] = {
	"SELECT id, uid, title, mode, kk, subject, start_date, days, jp_per_day, code_secret, "
	"facilitators, start_time, sittings FROM kegiatan WHERE id = ?1",
	"SELECT id, nuptk FROM attendance WHERE uid = ?1 AND kegiatan_id = ?2",
};
#define NREADS (sizeof(reads) / sizeof(reads[0]))

static const char *const db_files[] = { "", "-wal", "-shm" };   /* removed after */

enum mode { PER_CALL, CACHED, CACHED_FULL, MODES };
static const char *const mode_names[MODES] = {
	"prepare per call", "cache (few cached)", "cache (" "180 more cached)",
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int one(sqlite3 *db, const char *sql, int cached)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (cached)
		st = pb_db_stmt(db, sql);
	else if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, 1);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (cached)
		pb_db_stmt_done(st);
	else
		sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Best ns per call of mode m on statement s over one round. */
static double round_of(sqlite3 *db, sqlite3 *full, enum mode m, size_t s, int calls)
{
	double t0 = now_ns();

	for (int i = 0; i < calls; i++)
		if (one(m == CACHED_FULL ? full : db, reads[s], m != PER_CALL) != 0)
			return -1;
	return (now_ns() - t0) / calls;
}

/* The count argument text as a number lo..hi in *out: 0, or -1 (said). */
static int count_arg(const char *what, const char *text, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || text[0] < '0' || text[0] > '9' || *end != '\0' || v < lo ||
	    v > hi) {
		fprintf(stderr, "stmt-cache: %s wants a whole number %ld..%ld, not \"%s\"\n"
			"usage: stmt-cache [rounds] [calls per round]\n", what, lo, hi, text);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], path[PATH_MAX + 16], file[PATH_MAX + 32], sql[PB_BENCH_SQL_MAX];
	char err[PB_DB_ERR_LEN];
	int rounds = PB_BENCH_ROUNDS, calls = PB_BENCH_CALLS;
	double best[MODES][NREADS];
	sqlite3 *db = NULL, *full = NULL;
	int rc = 1;

	if (argc > 3 ||
	    (argc > 1 && count_arg("rounds", argv[1], 1, PB_BENCH_ROUNDS_MAX, &rounds) != 0) ||
	    (argc > 2 && count_arg("calls per round", argv[2], 1, PB_BENCH_CALLS_MAX, &calls) != 0)) {
		if (argc > 3)
			fprintf(stderr, "usage: stmt-cache [rounds] [calls per round]\n");
		return 2;
	}
	/* $TMPDIR as the other tools take it: absolute and short enough */
	snprintf(dir, sizeof(dir), "%s/pb-stmt-bench.XXXXXX",
		 tmp != NULL && tmp[0] == '/' && strlen(tmp) < PATH_MAX - 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "stmt-cache: cannot make %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/box.db", dir);
	if (pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)) != 0 ||
	    pb_db_open(path, PB_DB_NOCHECK, &full, err, sizeof(err)) != 0) {
		fprintf(stderr, "stmt-cache: %s\n", err);
		goto out;
	}
	/* the reads first: sqlite3_next_stmt walks the newest first, so the
	 * 180 after them are passed over on every lookup (the worst case) */
	for (size_t s = 0; s < NREADS; s++)
		if (one(full, reads[s], 1) != 0)
			goto out;
	for (int i = 0; i < PB_BENCH_OTHER_STMTS; i++) {
		snprintf(sql, sizeof(sql), "SELECT id FROM kegiatan WHERE id = ?1 + %d", i);
		if (pb_db_stmt(full, sql) == NULL)
			goto out;
	}
	for (int m = 0; m < MODES; m++)
		for (size_t s = 0; s < NREADS; s++)
			best[m][s] = 1e18;
	for (int r = 0; r < rounds; r++) {
		for (int m = 0; m < MODES; m++) {
			for (size_t s = 0; s < NREADS; s++) {
				double t = round_of(db, full, (enum mode)m, s, calls);
				if (t < 0)
					goto out;
				if (t < best[m][s])
					best[m][s] = t;
			}
		}
	}
	printf("%-26s %14s %14s %10s\n", "mode", "session read", "check-in read", "ratio");
	for (int m = 0; m < MODES; m++)
		printf("%-26s %11.0f ns %11.0f ns %9.2fx\n", mode_names[m], best[m][0], best[m][1],
		       (best[m][0] + best[m][1]) / (best[PER_CALL][0] + best[PER_CALL][1]));
	rc = 0;
out:
	pb_db_close(full);
	pb_db_close(db);
	for (size_t i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
		snprintf(file, sizeof(file), "%s%s", path, db_files[i]);
		unlink(file);
	}
	rmdir(dir);
	return rc;
}
