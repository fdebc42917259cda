/* pb_inbox: applying what the hub sent down (docs/sync-protocol.md §5).
 *
 * pb-sync stores every feed item in sync_inbox (kind, cursor, doc,
 * applied = 0). Applying is a table of rules, one per kind: the rows of
 * that kind with applied = 0 are taken in cursor order, each in its own
 * transaction that also sets applied (1 applied, -1 refused: the document
 * was not usable; it is kept, logged and audited, and never retried). A
 * kind without a rule stays unapplied until its code is there. */
#ifndef PB_INBOX_H
#define PB_INBOX_H

#include <jansson.h>
#include <sqlite3.h>

#define PB_INBOX_WHY_MAX  160   /* bytes of a refusal reason */
#define PB_INBOX_BATCH    200   /* rows read per kind per call */

enum pb_inbox_result {
	PB_INBOX_APPLIED = 0,
	PB_INBOX_REFUSED,          /* the document is not usable; why says so */
	PB_INBOX_DB,               /* try again later */
};

struct pb_inbox_rule {
	const char *kind;
	/* Apply one document inside the caller's transaction. */
	enum pb_inbox_result (*apply)(sqlite3 *db, const json_t *doc, char *why, size_t len);
};

extern const struct pb_inbox_rule pb_inbox_rules[];

struct pb_inbox_report {
	int applied;
	int refused;
};

/* Apply every pending row of every kind with a rule. 0, or -1 on a
 * database error (what was applied before it stays applied). */
int pb_inbox_apply(sqlite3 *db, struct pb_inbox_report *rep);

/* The roster rule: {"session": ID, "title", "mode", "kk", "subject",
 * "start_date", "days", "jp_per_day", "facilitators",
 * "participants": [{"nuptk", "name", "npsn", "school", "subject"}]}. */
enum pb_inbox_result pb_inbox_apply_roster(sqlite3 *db, const json_t *doc, char *why,
					   size_t len);

#endif
