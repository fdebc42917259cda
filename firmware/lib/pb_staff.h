/* pb_staff: staff accounts (admin, fasilitator, mentor) in the box database. */
#ifndef PB_STAFF_H
#define PB_STAFF_H

#include <sqlite3.h>
#include <stdint.h>

#define PB_STAFF_NAME_MAX 32

enum pb_staff_result {
	PB_STAFF_OK = 0,
	PB_STAFF_EXISTS,
	PB_STAFF_NOT_FOUND,
	PB_STAFF_BAD_NAME,
	PB_STAFF_BAD_ROLE,
	PB_STAFF_BAD_KIND,
	PB_STAFF_BAD_PASSWORD,
	PB_STAFF_BAD_IDENTITY,    /* full name or NIP (pb_staff_identity_set) */
	PB_STAFF_DB,
};

const char *pb_staff_strerror(enum pb_staff_result r);

/* role: admin | fasilitator | mentor (reviews worksheets and reads the
 * learning results of the sessions and modules assigned to it, see
 * pb_mentor.h); kind (may be ""): mentor | pengampu | instruktur */
enum pb_staff_result pb_staff_add(sqlite3 *db, const char *name, const char *role,
				  const char *kind, const char *password);
enum pb_staff_result pb_staff_passwd(sqlite3 *db, const char *name, const char *password);
/* The account id's hash made again at the current cost from password,
 * the one just checked against old_hash (a hash below that cost,
 * pb_password_weak). Only old_hash is replaced: a password changed in
 * the meantime stays, and that is PB_STAFF_NOT_FOUND. */
enum pb_staff_result pb_staff_rehash(sqlite3 *db, int64_t id, const char *old_hash,
				     const char *password);
/* How many accounts (disabled ones too) hold a hash below the current
 * cost, into *n. 0, or -1 on a database error. */
int pb_staff_weak_count(sqlite3 *db, long long *n);
enum pb_staff_result pb_staff_set_disabled(sqlite3 *db, const char *name, int disabled);

int pb_staff_name_valid(const char *name);
int pb_staff_role_valid(const char *role);

#endif
