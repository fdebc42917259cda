#include "ctl.h"
#include "pb_db.h"

#include "pb_mentor.h"
#include "pb_paper.h"
#include "pb_password.h"
#include "pb_staff.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define USER_IMPORT_MAX_BYTES (256 * 1024)  /* a list of accounts is a few KB */
#define USER_IMPORT_MAX 200                  /* accounts in one list */

static int report(enum pb_staff_result r, const char *name, const char *done)
{
	if (r != PB_STAFF_OK) {
		fprintf(stderr, "pbctl: user %s: %s\n", name, pb_staff_strerror(r));
		return 1;
	}
	printf("%s: %s\n", name, done);
	return 0;
}

static int read_password(char *pw, size_t len)
{
	if (ctl_read_secret(pw, len) != 0) {
		fprintf(stderr, "pbctl: give the password on standard input (8-%d characters)\n",
			PB_PASSWORD_MAX);
		return -1;
	}
	return 0;
}

static int user_list(struct pb_ctl *c)
{
	sqlite3_stmt *st = NULL;

	if ((st = pb_db_stmt(c->db, "SELECT name, role, kind, disabled, display_name, nip "
				    "FROM staff ORDER BY name")) == NULL)
		return 1;
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", sqlite3_column_text(st, 0),
		       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		       sqlite3_column_int(st, 3) ? "nonaktif" : "aktif",
		       sqlite3_column_text(st, 4), sqlite3_column_text(st, 5));
	pb_db_stmt_done(st);
	return 0;
}

/* The full name and NIP the papers print (NULL leaves one as it is). */
static int identity(struct pb_ctl *c, const char *login, const char *full, const char *nip)
{
	enum pb_staff_result rc;

	if (full == NULL && nip == NULL)
		return 0;
	rc = pb_staff_identity_set(c->db, login, full, nip);
	if (rc == PB_STAFF_BAD_IDENTITY)
		fprintf(stderr, "pbctl: user %s: the full name is at most %d bytes of text and the "
			"NIP 18 digits\n", login, PB_PAPER_TEXT_MAX);
	else if (rc != PB_STAFF_OK)
		fprintf(stderr, "pbctl: user %s: %s\n", login, pb_staff_strerror(rc));
	return rc == PB_STAFF_OK ? 0 : 1;
}

/* pbctl user assign|unassign NAME --session ID | --module SLUG */
static int user_assign(struct pb_ctl *c, char **argv)
{
	int remove = strcmp(argv[1], "unassign") == 0;
	long long sid = 0;
	char *end = NULL;
	enum pb_mentor_result r;

	if (strcmp(argv[3], "--session") == 0) {
		sid = strtoll(argv[4], &end, 10);
		if (end == argv[4] || *end != '\0' || sid <= 0) {
			fprintf(stderr, "pbctl: user %s: session must be a session id (pbctl session "
				"list)\n", argv[2]);
			return 2;
		}
	} else if (strcmp(argv[3], "--module") != 0) {
		return -1;
	}
	r = pb_mentor_assign(c->db, argv[2], sid, sid > 0 ? NULL : argv[4], remove);
	if (r != PB_MENTOR_OK) {
		fprintf(stderr, "pbctl: user %s: %s\n", argv[2], pb_mentor_strerror(r));
		return 1;
	}
	printf("%s: %s %s %s\n", argv[2], remove ? "tugas dilepas / unassigned from" :
	       "ditugaskan ke / assigned to", sid > 0 ? "session" : "module", argv[4]);
	return 0;
}

int ctl_account_check(const char *who, const char *path, const char *list, size_t i,
		      json_t *f)
{
	const char *name = NULL, *role = NULL, *kind = "", *pw = NULL;

	if (json_unpack(f, "{s:s, s:s, s?s, s:s}", "name", &name, "role", &role,
			"kind", &kind, "password", &pw) != 0) {
		fprintf(stderr, "%s: %s: %s[%zu]: needs name, role and password\n",
			who, path, list, i);
		return -1;
	}
	if (!pb_staff_name_valid(name) || !pb_staff_role_valid(role) ||
	    strlen(pw) < PB_PASSWORD_MIN || strlen(pw) > PB_PASSWORD_MAX) {
		fprintf(stderr, "%s: %s: %s[%zu] (%s): bad name, role (admin|fasilitator|mentor) "
			"or password (%d-%d characters)\n", who, path, list, i, name,
			PB_PASSWORD_MIN, PB_PASSWORD_MAX);
		return -1;
	}
	return 0;
}

/* The list as text: FILE, or standard input for "-". */
static char *import_text(const char *path, size_t *len)
{
	char *buf;

	if (strcmp(path, "-") != 0)
		return ctl_read_file(path, USER_IMPORT_MAX_BYTES, len);
	buf = malloc(USER_IMPORT_MAX_BYTES + 1);
	if (buf == NULL)
		return NULL;
	*len = fread(buf, 1, USER_IMPORT_MAX_BYTES + 1, stdin);
	if (ferror(stdin) || *len > USER_IMPORT_MAX_BYTES) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* pbctl user import FILE|-: a JSON list of accounts, each {name, role,
 * kind (optional), password} as a provisioning bundle's facilitators. All
 * are checked first and added in one transaction: one refused (a bad
 * field, a name already taken) and none is added. */
static int user_import(struct pb_ctl *c, const char *path)
{
	const char *shown = strcmp(path, "-") == 0 ? "stdin" : path;
	json_error_t je;
	json_t *list = NULL, *f;
	char *text;
	size_t len = 0, i;
	int rc = 1;

	text = import_text(path, &len);
	if (text == NULL) {
		fprintf(stderr, "pbctl user import: %s: unreadable, or more than %d bytes\n",
			shown, USER_IMPORT_MAX_BYTES);
		return 1;
	}
	list = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (list == NULL) {
		fprintf(stderr, "pbctl user import: %s: line %d: %s\n", shown, je.line, je.text);
		goto out;
	}
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > USER_IMPORT_MAX) {
		fprintf(stderr, "pbctl user import: %s: a list of 1 to %d accounts is needed\n",
			shown, USER_IMPORT_MAX);
		goto out;
	}
	json_array_foreach(list, i, f)
		if (ctl_account_check("pbctl user import", shown, "", i, f) != 0)
			goto out;
	if (pb_db_begin(c->db) != 0) {
		fprintf(stderr, "pbctl user import: the database is busy\n");
		goto out;
	}
	json_array_foreach(list, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *kind = json_string_value(json_object_get(f, "kind"));
		enum pb_staff_result r = pb_staff_add(c->db, name,
			json_string_value(json_object_get(f, "role")), kind ? kind : "",
			json_string_value(json_object_get(f, "password")));

		if (r != PB_STAFF_OK) {
			pb_db_rollback(c->db);
			fprintf(stderr, "pbctl user import: user %s: %s; no account was added\n",
				name, pb_staff_strerror(r));
			goto out;
		}
	}
	if (pb_db_commit(c->db) != 0) {
		fprintf(stderr, "pbctl user import: the accounts could not be saved\n");
		goto out;
	}
	json_array_foreach(list, i, f)
		printf("%s: akun dibuat / account created\n",
		       json_string_value(json_object_get(f, "name")));
	rc = 0;
out:
	json_decref(list);
	free(text);
	return rc;
}

/* pbctl user add NAME --role R [--kind K] [--name FULL] [--nip NIP]  (password on stdin)
 * pbctl user set NAME [--name FULL] [--nip NIP]
 * pbctl user import FILE|-                  (a JSON list of accounts)
 * pbctl user passwd NAME                    (password on stdin)
 * pbctl user assign|unassign NAME --session ID | --module SLUG
 * pbctl user disable NAME | enable NAME | list */
int cmd_user(struct pb_ctl *c, int argc, char **argv)
{
	char pw[PB_PASSWORD_MAX + 2];
	const char *role = NULL, *kind = "", *full = NULL, *nip = NULL;
	int rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return user_list(c);
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		return user_import(c, argv[2]);
	if (argc >= 3 && strcmp(argv[1], "add") == 0) {
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
				role = argv[++i];
			else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
				kind = argv[++i];
			else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
				full = argv[++i];
			else if (strcmp(argv[i], "--nip") == 0 && i + 1 < argc)
				nip = argv[++i];
			else
				goto usage;
		}
		if (role == NULL)
			goto usage;
		if (read_password(pw, sizeof(pw)) != 0)
			return 1;
		rc = report(pb_staff_add(c->db, argv[2], role, kind, pw), argv[2],
			    "akun dibuat / account created");
		return rc != 0 ? rc : identity(c, argv[2], full, nip);
	}
	if (argc >= 3 && strcmp(argv[1], "set") == 0) {
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
				full = argv[++i];
			else if (strcmp(argv[i], "--nip") == 0 && i + 1 < argc)
				nip = argv[++i];
			else
				goto usage;
		}
		if (full == NULL && nip == NULL)
			goto usage;
		if (identity(c, argv[2], full, nip) != 0)
			return 1;
		printf("%s: nama lengkap / NIP disimpan / full name / NIP saved\n", argv[2]);
		return 0;
	}
	if (argc == 5 && (strcmp(argv[1], "assign") == 0 || strcmp(argv[1], "unassign") == 0)) {
		rc = user_assign(c, argv);
		if (rc >= 0)
			return rc;
		goto usage;
	}
	if (argc == 3 && strcmp(argv[1], "passwd") == 0) {
		if (read_password(pw, sizeof(pw)) != 0)
			return 1;
		return report(pb_staff_passwd(c->db, argv[2], pw), argv[2],
			      "kata sandi diganti / password changed");
	}
	if (argc == 3 && strcmp(argv[1], "disable") == 0)
		return report(pb_staff_set_disabled(c->db, argv[2], 1), argv[2],
			      "akun dinonaktifkan / account disabled");
	if (argc == 3 && strcmp(argv[1], "enable") == 0)
		return report(pb_staff_set_disabled(c->db, argv[2], 0), argv[2],
			      "akun diaktifkan / account enabled");
usage:
	fprintf(stderr, "usage: pbctl user add NAME --role admin|fasilitator|mentor "
		"[--kind mentor|pengampu|instruktur]\n"
		"              [--name \"FULL NAME\"] [--nip NIP] < password\n"
		"       pbctl user import FILE.json|- (a list of {name, role, kind, password})\n"
		"       pbctl user set NAME [--name \"FULL NAME\"] [--nip NIP]\n"
		"       pbctl user passwd NAME < password\n"
		"       pbctl user assign|unassign NAME --session ID | --module SLUG\n"
		"       pbctl user disable|enable NAME\n       pbctl user list\n");
	return 2;
}
