/* pb_ticket: what a successful check-in lookup hands the phone. A random
 * token, kept only as its SHA-256, bound to the session, the NUPTK, the day
 * and the phone's pb_dev cookie, valid [attendance] ticket_s seconds of
 * this boot: the check-in takes it in place of the code, so the rotating
 * code cannot expire between "Lanjut" and "Hadir". */
#ifndef PB_TICKET_H
#define PB_TICKET_H

#include <sqlite3.h>
#include <stdint.h>

#include "pb_attendance.h"

#define PB_TICKET_BYTES 16
#define PB_TICKET_HEX   (2 * PB_TICKET_BYTES)

struct pb_ticket {
	int64_t kegiatan_id;
	char nuptk[PB_NUPTK_LEN + 1];
	char day[PB_DAY_LEN + 1];
};

/* A new ticket (out: hex); tickets past their time are removed. 0/-1. */
int pb_ticket_issue(sqlite3 *db, const struct pb_ticket *t, const char *device, unsigned valid_s,
		    char out[PB_TICKET_HEX + 1]);

/* 0 and *t for a ticket of this device still valid in this boot; 1 for
 * none (unknown, expired, another phone); -1 on a database error. */
int pb_ticket_find(sqlite3 *db, const char *ticket, const char *device, struct pb_ticket *t);

/* The ticket is used: remove it. 0/-1. */
int pb_ticket_drop(sqlite3 *db, const char *ticket);

#endif
