/* pbctl private header: the admin command line. */
#ifndef PB_CTL_H
#define PB_CTL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>

#include "pb_config.h"
#include "pb_store.h"

#define PBCTL_DEFAULT_CONFIG "/etc/pusat-belajar/box.conf"

struct pb_ctl {
	const char *config_path;
	int db_flags;           /* pb_db_open flags besides PB_DB_CREATE */
	struct pb_config cfg;
	sqlite3 *db;
	struct pb_store store;
};

/* Load the config and open the database and store (created if missing). */
int ctl_open(struct pb_ctl *c);
void ctl_close(struct pb_ctl *c);

/* Verbs: each returns the process exit code. */
int cmd_init(struct pb_ctl *c, int argc, char **argv);
int cmd_status(struct pb_ctl *c, int argc, char **argv);
int cmd_content(struct pb_ctl *c, int argc, char **argv);
int cmd_user(struct pb_ctl *c, int argc, char **argv);
int cmd_demo(struct pb_ctl *c, int argc, char **argv);
int cmd_roster(struct pb_ctl *c, int argc, char **argv);
int cmd_rates(struct pb_ctl *c, int argc, char **argv);
int cmd_claims(struct pb_ctl *c, int argc, char **argv);
/* attendance.c: the demo's session of today with a small roster */
int ctl_demo_attendance(struct pb_ctl *c);
int cmd_config_keys(struct pb_ctl *c, int argc, char **argv);
int cmd_net(struct pb_ctl *c, int argc, char **argv);
int cmd_clock(struct pb_ctl *c, int argc, char **argv);
int cmd_sync(struct pb_ctl *c, int argc, char **argv);
int cmd_enrol(struct pb_ctl *c, int argc, char **argv);
int cmd_outbox(struct pb_ctl *c, int argc, char **argv);
/* 1 when this update action must also work on a database that no migration
 * is applied to (one that fails would stop every open): status, rollback. */
int ctl_update_unmigrated(int argc, char **argv);
/* carry.c: pbctl outbox export DIR | import-ack DIR (a USB stick). */
int ctl_outbox_carry(struct pb_ctl *c, int argc, char **argv);
int cmd_purge(struct pb_ctl *c, int argc, char **argv);
int cmd_firstboot(struct pb_ctl *c, int argc, char **argv);
int cmd_data(struct pb_ctl *c, int argc, char **argv);
/* update.c: software releases into the other root (docs/updates.md). */
int cmd_update(struct pb_ctl *c, int argc, char **argv);

/* content.c: import a folder with manifest.json; report goes to out.
 * Returns 0 if everything was imported, 1 if something was refused,
 * -1 if the folder could not be read at all. */
int ctl_content_import(struct pb_ctl *c, const char *dir, FILE *out);

/* The first column of the first row of a constant query, or -1. */
long long ctl_count(sqlite3 *db, const char *sql);
/* A whole regular file of at most max bytes, NUL-terminated (malloc'd),
 * or NULL. */
char *ctl_read_file(const char *path, long max, size_t *len);

/* user.c: one account of a JSON list (a provisioning bundle's
 * facilitators, pbctl user import): name, role, password, kind optional;
 * checked, nothing changed. who and list name it in the message on stderr
 * ("WHO: PATH: LIST[I]: ..."). 0 or -1. */
int ctl_account_check(const char *who, const char *path, const char *list, size_t i,
		      json_t *f);

/* Read one line (a password) from stdin without the newline. */
int ctl_read_secret(char *buf, size_t len);

#endif
