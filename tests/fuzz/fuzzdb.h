/* For harnesses that run against a real database: a temporary folder, a
 * snapshot of the database to put back after each input, and a digest of
 * its records to show a refused input changed nothing. */
#ifndef PB_FUZZDB_H
#define PB_FUZZDB_H

#include "fuzz.h"

#include "pb_attendance.h"
#include "pb_sig.h"

#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>

#define FUZZDB_DIGEST_LEN crypto_generichash_BYTES

static char fuzzdb_dir[128];

static void fuzzdb_remove_dir(void)
{
	char cmd[PATH_MAX];

	if (fuzzdb_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzzdb_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fuzzdb_dir);
	fuzzdb_dir[0] = '\0';
}

/* A fresh folder ($TMPDIR or /tmp), removed at exit. */
static inline const char *fuzzdb_make_dir(const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fuzzdb_dir, sizeof(fuzzdb_dir), "%s/pbfuzz-%s-XXXXXX",
		 tmp != NULL ? tmp : "/tmp", name);
	FUZZ_CHECK(mkdtemp(fuzzdb_dir) != NULL);
	atexit(fuzzdb_remove_dir);
	return fuzzdb_dir;
}

/* Durability is not what a fuzzer tests: no fsync per commit, so an input
 * costs CPU, not disk waits. */
static inline void fuzzdb_no_sync(sqlite3 *db)
{
	FUZZ_CHECK(sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL) == SQLITE_OK);
}

/* Hash of the rows of every table but the ones named in skip (NULL-ended). */
static inline void fuzzdb_digest(sqlite3 *db, const char *const *skip,
				 unsigned char out[FUZZDB_DIGEST_LEN])
{
	crypto_generichash_state h;
	sqlite3_stmt *tables = NULL, *st;

	crypto_generichash_init(&h, NULL, 0, FUZZDB_DIGEST_LEN);
	FUZZ_CHECK(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
				      "ORDER BY name", -1, &tables, NULL) == SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(tables, 0);
		char sql[256];
		int skipped = 0;

		for (int i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(t, skip[i]) == 0;
		if (skipped)
			continue;
		crypto_generichash_update(&h, (const unsigned char *)t, strlen(t) + 1);
		/* table names come from sqlite_master, not from the input */
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" ORDER BY 1", t);
		FUZZ_CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_blob(st, c);
				int n = sqlite3_column_bytes(st, c);
				unsigned char type = (unsigned char)sqlite3_column_type(st, c);
				crypto_generichash_update(&h, &type, 1);
				crypto_generichash_update(&h, (const unsigned char *)&n, sizeof(n));
				if (v != NULL)
					crypto_generichash_update(&h, v, (unsigned long long)n);
			}
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(tables);
	crypto_generichash_final(&h, out, FUZZDB_DIGEST_LEN);
}

/* Copy a whole database (SQLite's backup API): snapshot and put back. */
static inline void fuzzdb_copy(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");

	FUZZ_CHECK(b != NULL);
	FUZZ_CHECK(sqlite3_backup_step(b, -1) == SQLITE_DONE);
	FUZZ_CHECK(sqlite3_backup_finish(b) == SQLITE_OK);
}

/* A snapshot of db in memory. */
static inline sqlite3 *fuzzdb_snapshot(sqlite3 *db)
{
	sqlite3 *mem = NULL;

	FUZZ_CHECK(sqlite3_open(":memory:", &mem) == SQLITE_OK);
	fuzzdb_copy(mem, db);
	return mem;
}

/* A teacher's check-in on day, signed with one stroke, from a fixed
 * phone; uid gets the record's uid (a claim's proof). */
static inline void fuzzdb_checkin(sqlite3 *db, int64_t kid, const char *day, const char *nuptk,
				  char uid[PB_ID_HEX_LEN + 1])
{
	struct pb_checkin c;
	json_t *sig = json_loads("{\"w\":300,\"h\":150,\"s\":[[20,100,10,-5,10,-5]]}", 0, NULL);
	json_t *out = NULL;
	char *canon = NULL;

	FUZZ_CHECK(pb_sig_validate(sig, &canon) == PB_SIG_OK);
	json_decref(sig);
	memset(&c, 0, sizeof(c));
	c.kegiatan_id = kid;
	c.day = day;
	c.nuptk = nuptk;
	c.signature = canon;
	c.client = "10.0.0.2";
	c.device = "0123456789abcdef0123456789abcdef";
	c.per_client_max = 10;
	FUZZ_CHECK(pb_att_checkin(db, NULL, &c, &out) == PB_ATT_OK);
	free(canon);
	FUZZ_CHECK(json_is_string(json_object_get(out, "uid")));
	snprintf(uid, PB_ID_HEX_LEN + 1, "%s", json_string_value(json_object_get(out, "uid")));
	json_decref(out);
}

/* Copy of in[0..n) into out (at most cap bytes) with each place holder
 * names[k] replaced by vals[k]; returns the length. */
static inline size_t fuzzdb_fill(char *out, size_t cap, const uint8_t *in, size_t n,
				 const char *const *names, const char *const *vals)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < cap;) {
		int done = 0;
		for (int k = 0; names[k] != NULL && !done; k++) {
			size_t l = strlen(names[k]), vl = strlen(vals[k]);
			if (i + l <= n && memcmp(in + i, names[k], l) == 0 && o + vl <= cap) {
				memcpy(out + o, vals[k], vl);
				o += vl;
				i += l;
				done = 1;
			}
		}
		if (!done)
			out[o++] = (char)in[i++];
	}
	return o;
}

#endif
