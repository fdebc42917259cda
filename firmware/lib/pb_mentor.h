/* pb_mentor: what a mentor account is assigned to. A mentor sees and
 * reviews the worksheets of its sessions and of its modules (in any
 * session), and reads the learning results of its sessions. */
#ifndef PB_MENTOR_H
#define PB_MENTOR_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define PB_MENTOR_ASSIGN_MAX 200     /* assignments of one mentor */

enum pb_mentor_result {
	PB_MENTOR_OK = 0,
	PB_MENTOR_NO_ACCOUNT,      /* no such account */
	PB_MENTOR_NOT_MENTOR,      /* the account is not a mentor */
	PB_MENTOR_NO_SESSION,
	PB_MENTOR_NO_MODULE,
	PB_MENTOR_TOO_MANY,        /* PB_MENTOR_ASSIGN_MAX */
	PB_MENTOR_NOT_ASSIGNED,    /* unassign: there was no such assignment */
	PB_MENTOR_DB,
};

const char *pb_mentor_strerror(enum pb_mentor_result r);

/* Assign (or, with remove, unassign) the mentor name to a session
 * (kegiatan_id > 0) or a module (module_id, kegiatan_id 0). Assigning
 * twice is one assignment. */
enum pb_mentor_result pb_mentor_assign(sqlite3 *db, const char *name, int64_t kegiatan_id,
				       const char *module_id, int remove);

/* {sessions: [id...], modules: [id...]} of the mentor, or NULL. */
json_t *pb_mentor_assignments(sqlite3 *db, int64_t staff_id);

/* Every mentor account, by name: [{user, kind, disabled, sessions,
 * modules}], or NULL. */
json_t *pb_mentor_list(sqlite3 *db);

/* 1 if the mentor is assigned to the session itself, 0 if not, -1. */
int pb_mentor_has_session(sqlite3 *db, int64_t staff_id, int64_t kegiatan_id);

/* 1 if the submission uid of the session is the mentor's to see (its
 * session or its module assigned), 0 if not or no such one, -1. */
int pb_mentor_has_submission(sqlite3 *db, int64_t staff_id, int64_t kegiatan_id,
			     const char *uid);

#endif
