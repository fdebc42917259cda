#include "pb_inbox.h"

#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_claims.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_outbox.h"
#include "pb_roster.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INBOX_ACTOR "hub"

/* The claims code adds its kinds here ("rates", "payments"). */
const struct pb_inbox_rule pb_inbox_rules[] = {
	{ "roster", pb_inbox_apply_roster },
	{ "rates", pb_claims_inbox_rates },
	{ "payments", pb_claims_inbox_payment },
	{ NULL, NULL },
};

enum pb_inbox_result pb_inbox_apply_roster(sqlite3 *db, const json_t *doc, char *why,
					   size_t len)
{
	const char *bad = NULL;
	int64_t kid = 0;
	enum pb_att_result ar;
	enum pb_roster_result rr;
	json_t *report = NULL, *payload;
	char *text;
	int rc;

	if (!json_is_object(doc)) {
		snprintf(why, len, "roster document is not an object");
		return PB_INBOX_REFUSED;
	}
	ar = pb_kegiatan_adopt(db, doc, INBOX_ACTOR, &kid, &bad);
	if (ar == PB_ATT_BAD_INPUT) {
		snprintf(why, len, "roster: bad field \"%s\"", bad != NULL ? bad : "?");
		return PB_INBOX_REFUSED;
	}
	if (ar != PB_ATT_OK && ar != PB_ATT_EXISTING)
		return PB_INBOX_DB;
	rr = pb_roster_import_json(db, kid, json_object_get(doc, "participants"), &report);
	if (rr == PB_ROSTER_DB)
		return PB_INBOX_DB;
	if (rr != PB_ROSTER_OK) {
		snprintf(why, len, "roster participants: %s", pb_roster_strerror(rr));
		return PB_INBOX_REFUSED;
	}
	payload = json_pack("{s:O, s:O, s:O, s:O, s:s}", "session", json_object_get(doc, "session"),
			    "accepted", json_object_get(report, "accepted"),
			    "rejected", json_object_get(report, "rejected"),
			    "withdrawn", json_object_get(report, "withdrawn"), "by", INBOX_ACTOR);
	json_decref(report);
	text = payload != NULL ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(payload);
	rc = text != NULL && pb_outbox_append(db, "attendance.roster", text, NULL, NULL) == 0 &&
	     pb_audit_add(db, INBOX_ACTOR, "attendance.roster", text, "") == 0;
	free(text);
	return rc ? PB_INBOX_APPLIED : PB_INBOX_DB;
}

static int mark(sqlite3 *db, const char *kind, int64_t cursor, int applied)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, "UPDATE sync_inbox SET applied = ?3 WHERE kind = ?1 AND "
				 "cursor = ?2")) != NULL) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cursor);
		sqlite3_bind_int(st, 3, applied);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	pb_db_stmt_done(st);
	return rc;
}

/* One row: apply and mark in one transaction. A refusal rolls back what
 * the rule did, then marks the row refused and audits why. */
static int apply_row(sqlite3 *db, const struct pb_inbox_rule *rule, int64_t cursor,
		     const char *text, struct pb_inbox_report *rep)
{
	char why[PB_INBOX_WHY_MAX] = "";
	json_t *doc = json_loads(text, 0, NULL);
	enum pb_inbox_result r = PB_INBOX_REFUSED;

	if (pb_db_begin(db) != 0) {
		json_decref(doc);
		return -1;
	}
	if (doc == NULL)
		snprintf(why, sizeof(why), "%s document is not JSON", rule->kind);
	else
		r = rule->apply(db, doc, why, sizeof(why));
	json_decref(doc);
	if (r == PB_INBOX_REFUSED) {
		char detail[PB_INBOX_WHY_MAX + 64];
		pb_db_rollback(db);
		snprintf(detail, sizeof(detail), "%s #%lld: %s", rule->kind, (long long)cursor, why);
		if (pb_db_begin(db) != 0 || mark(db, rule->kind, cursor, -1) != 0 ||
		    pb_audit_add(db, INBOX_ACTOR, "inbox.refused", detail, "") != 0 ||
		    pb_db_commit(db) != 0) {
			pb_db_rollback(db);
			return -1;
		}
		pb_warn("hub document refused: %s", detail);
		rep->refused++;
		return 0;
	}
	if (r != PB_INBOX_APPLIED || mark(db, rule->kind, cursor, 1) != 0 ||
	    pb_db_commit(db) != 0) {
		pb_db_rollback(db);
		return -1;
	}
	rep->applied++;
	return 0;
}

int pb_inbox_apply(sqlite3 *db, struct pb_inbox_report *rep)
{
	rep->applied = rep->refused = 0;
	for (const struct pb_inbox_rule *rule = pb_inbox_rules; rule->kind != NULL; rule++) {
		for (;;) {
			sqlite3_stmt *st = NULL;
			int64_t cursors[PB_INBOX_BATCH];
			char *docs[PB_INBOX_BATCH];
			int n = 0, step, rc = 0;

			if ((st = pb_db_stmt(db,
					"SELECT cursor, doc FROM sync_inbox WHERE kind = ?1 "
					"AND applied = 0 ORDER BY cursor LIMIT ?2")) == NULL)
				return -1;
			sqlite3_bind_text(st, 1, rule->kind, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, PB_INBOX_BATCH);
			while ((step = sqlite3_step(st)) == SQLITE_ROW) {
				cursors[n] = sqlite3_column_int64(st, 0);
				docs[n] = strdup((const char *)sqlite3_column_text(st, 1));
				if (docs[n] == NULL) {
					step = SQLITE_NOMEM;
					break;
				}
				n++;
			}
			pb_db_stmt_done(st);
			if (step != SQLITE_DONE)
				rc = -1;
			for (int i = 0; i < n; i++) {
				if (rc == 0)
					rc = apply_row(db, rule, cursors[i], docs[i], rep);
				free(docs[i]);
			}
			if (rc != 0)
				return -1;
			if (n < PB_INBOX_BATCH)
				break;
		}
	}
	return 0;
}
