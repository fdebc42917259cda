#include "ctl.h"

#include "pb_db.h"
#include "pb_staff.h"

#include <stdio.h>

int cmd_init(struct pb_ctl *c, int argc, char **argv)
{
	char box_id[64];

	(void)argc;
	(void)argv;
	if (pb_db_meta_get(c->db, "box_id", box_id, sizeof(box_id)) != 0) {
		fprintf(stderr, "pbctl: the database has no box id\n");
		return 1;
	}
	printf("kotak siap / box ready: %s (box id %s, schema %d)\n", c->cfg.data_dir,
	       box_id, pb_db_schema_version());
	return 0;
}

long long ctl_count(sqlite3 *db, const char *sql)
{
	return pb_db_count(db, sql);
}

int cmd_status(struct pb_ctl *c, int argc, char **argv)
{
	char box_id[64] = "?";
	long long weak;

	(void)argc;
	(void)argv;
	pb_db_meta_get(c->db, "box_id", box_id, sizeof(box_id));
	printf("centre:   %s (%s)\n", c->cfg.centre_name, c->cfg.centre_id);
	printf("box id:   %s\n", box_id);
	printf("data:     %s\n", c->cfg.data_dir);
	printf("modules:  %lld\n", ctl_count(c->db, "SELECT count(*) FROM modules"));
	printf("files:    %lld (%lld bytes)\n",
	       ctl_count(c->db, "SELECT count(DISTINCT sha256) FROM module_files"),
	       ctl_count(c->db, "SELECT coalesce(sum(size), 0) FROM "
			    "(SELECT DISTINCT sha256, size FROM module_files)"));
	printf("staff:    %lld\n", ctl_count(c->db, "SELECT count(*) FROM staff WHERE disabled = 0"));
	/* how many, never whose: each is made again at its owner's next login */
	if (pb_staff_weak_count(c->db, &weak) != 0)
		printf("weak:     ? (the accounts cannot be read: %s)\n", sqlite3_errmsg(c->db));
	else
		printf("weak:     %lld password hash(es) below the current cost%s\n", weak,
		       weak > 0 ? " (each made again at its next login)" : "");
	printf("rates:    version %lld (%lld rows)\n",
	       ctl_count(c->db, "SELECT coalesce(max(version), 0) FROM rate_version"),
	       ctl_count(c->db, "SELECT count(*) FROM rate WHERE version = "
			    "(SELECT max(version) FROM rate_version)"));
	printf("claims:   %lld (%lld waiting for a decision)\n",
	       ctl_count(c->db, "SELECT count(*) FROM claim"),
	       ctl_count(c->db, "SELECT count(*) FROM claim c WHERE (SELECT kind FROM claim_event "
			    "WHERE claim_id = c.id ORDER BY id DESC LIMIT 1) = 'submit'"));
	printf("outbox:   %lld records, %lld not yet acknowledged\n",
	       ctl_count(c->db, "SELECT count(*) FROM outbox"),
	       ctl_count(c->db, "SELECT count(*) FROM outbox WHERE acked = 0"));
	return 0;
}
