/* pb_purge: retention of personal data (UU PDP No. 27/2022).
 *
 * A session's personal data (names, NUPTK, signatures, receipt photos)
 * is purged once every outbox record of the session has been acknowledged
 * by the hub and the retention period has passed since the session ended
 * (kegiatan start date + days), its last record and its last
 * acknowledgement; totals stay. What is purged is a table of rules, one
 * per kind of record: each names the table it needs (a rule whose table
 * does not exist yet is skipped), a statement counting the rows it would
 * change (the figure reported) and the statements changing them, all for
 * one session (?1, the session's uid) at a time (?2 is the time of the
 * purge in ms). */
#ifndef PB_PURGE_H
#define PB_PURGE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "pb_store.h"

#define PB_PURGE_SESSION_MAX 128
#define PB_PURGE_FILES_MAX   100000  /* photo files removed in one run */

struct pb_purge_rule {
	const char *name;
	const char *table;
	const char *what;          /* what goes, in plain words */
	const char *count_sql;
	const char *purge_sql;     /* one or more statements */
};

extern const struct pb_purge_rule pb_purge_rules[];

struct pb_purge_report {
	int sessions;              /* sessions due */
	int64_t rows;              /* rows changed (or that would be) */
	int64_t files;             /* photo files (receipts, worksheets) deleted (or that would be) */
	int64_t file_bytes;        /* their bytes */
	int64_t held;              /* photos kept: the hub has not confirmed them */
};

/* Purge (or with dry_run only report) every session due as of now_ms with
 * the given retention. One transaction per session. Lines go to out.
 * Receipt photo files taken out of use leave the content store (store;
 * NULL: they stay queued in store_purge for a later run). */
int pb_purge_run(sqlite3 *db, const struct pb_store *store, int64_t now_ms,
		 unsigned retention_days, int dry_run, FILE *out, struct pb_purge_report *rep);

/* Only the files queued in store_purge that nothing names any more (also
 * those a module's removal queued): deleted, counted in rep. 0/-1. */
int pb_purge_store(sqlite3 *db, const struct pb_store *store, FILE *out,
		   struct pb_purge_report *rep);

#endif
