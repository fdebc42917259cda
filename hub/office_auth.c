/* The office's accounts on the hub: argon2id passwords (pb_password),
 * roles kantor and kantor-admin, logins as a cookie (only its SHA-256 is
 * kept), each with a CSRF token every state-changing request sends back
 * as X-CSRF-Token (the box's rule, firmware/web/auth.c). A login ends
 * after an idle time and after an absolute time.
 *
 * Wrong passwords are counted as on the box (firmware/lib/pb_login.c):
 * an address that failed fail_max_pair times on an account is locked out
 * of it, an address that failed fail_max_client times on any is locked
 * out of all, for lockout_s; past fail_max_account failures to one
 * account from anywhere, an address that already failed on it waits, but
 * its owner's right password from another address still logs in. An
 * attempt is counted (and the locks checked) in one transaction under a
 * lock before the password is checked, and given back when it was right,
 * so parallel attempts get no more tries than the limits. The counts are
 * in PostgreSQL: every pb-hub process on the database shares them.
 *
 *   pb-hub user add NAME --role kantor|kantor-admin [--generate]
 *   pb-hub user passwd NAME [--generate] | disable NAME | enable NAME
 *   pb-hub user role NAME kantor|kantor-admin | list
 * The password is read from standard input (one line) or, with
 * --generate, made and printed. */
#include "hub.h"

#include "pb_ids.h"
#include "pb_log.h"
#include "pb_password.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define OFFICE_TOKEN_BYTES 32
#define OFFICE_TOKEN_HEX   (OFFICE_TOKEN_BYTES * 2)
#define OFFICE_PAIR_MAX    (PB_HTTP_ADDR_MAX + HUB_OFFICE_FIELD_MAX + 2)
#define OFFICE_GEN_LEN     16     /* characters of a generated password */
/* The key of the advisory lock that orders login attempts. */
#define OFFICE_LOGIN_LOCK  "7201"

static const struct {
	const char *name;
	size_t off;
	unsigned lo, hi, def;
} limit_keys[] = {
	{ "idle_s", offsetof(struct hub_office_limits, idle_s), 60, 86400, 1800 },
	{ "max_s", offsetof(struct hub_office_limits, max_s), 300, 604800, 43200 },
	{ "fail_max", offsetof(struct hub_office_limits, fail_max_pair), 1, 100, 5 },
	{ "fail_max_account", offsetof(struct hub_office_limits, fail_max_account), 1, 100000,
	  20 },
	{ "fail_max_client", offsetof(struct hub_office_limits, fail_max_client), 1, 1000, 20 },
	{ "lockout_s", offsetof(struct hub_office_limits, lockout_s), 1, 86400, 300 },
};
#define NLIMITS (sizeof(limit_keys) / sizeof(limit_keys[0]))

static unsigned *limit_at(struct hub_office_limits *l, size_t i)
{
	return (unsigned *)(void *)((char *)l + limit_keys[i].off);
}

void hub_office_defaults(struct hub_office_limits *l)
{
	for (size_t i = 0; i < NLIMITS; i++)
		*limit_at(l, i) = limit_keys[i].def;
}

int hub_office_set(struct hub_office_limits *l, const char *spec)
{
	const char *eq = strchr(spec, '=');
	unsigned long v;
	char *end;

	if (eq == NULL)
		return -1;
	for (size_t i = 0; i < NLIMITS; i++) {
		if (strlen(limit_keys[i].name) != (size_t)(eq - spec) ||
		    strncmp(spec, limit_keys[i].name, (size_t)(eq - spec)) != 0)
			continue;
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (errno != 0 || eq[1] < '0' || eq[1] > '9' || *end != '\0' ||
		    v < limit_keys[i].lo || v > limit_keys[i].hi)
			return -1;
		*limit_at(l, i) = (unsigned)v;
		return 0;
	}
	return -1;
}

int hub_office_role_ok(const char *role)
{
	return role != NULL && (strcmp(role, "kantor") == 0 || strcmp(role, "kantor-admin") == 0);
}

int hub_office_audit(PGconn *pg, const char *actor, const char *action, const char *target,
		     const char *client)
{
	const char *params[4] = { actor, action, target != NULL ? target : "",
				  client != NULL ? client : "" };
	PGresult *res = PQexecParams(pg, "INSERT INTO office_audit(actor, action, target, client) "
				     "VALUES ($1, $2, $3, $4)", 4, NULL, params, NULL, NULL, 0);
	int rc = hub_db_ok(res, PGRES_COMMAND_OK, "office: audit");

	PQclear(res);
	return rc;
}

/* ---- failures, as pb_login.c counts them ---- */

struct failures {
	unsigned fails;
	unsigned locked_s;      /* seconds left of its lock, 0: none */
	unsigned window_s;      /* seconds left of its counting window */
};

static int failures_of(PGconn *pg, const char *scope, const char *key,
		       const struct hub_office_limits *lim, struct failures *f)
{
	char win[16];
	const char *params[3] = { scope, key, win };
	PGresult *res;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	snprintf(win, sizeof(win), "%u", lim->lockout_s);
	res = PQexecParams(pg,
		"SELECT CASE WHEN now() - first_at <= make_interval(secs => $3::int) "
		"  THEN fails ELSE 0 END, "
		"  CASE WHEN locked_until > now() THEN "
		"    ceil(extract(epoch FROM locked_until - now()))::int ELSE 0 END, "
		"  greatest(0, ceil(extract(epoch FROM first_at + make_interval(secs => $3::int) "
		"    - now())))::int "
		"FROM office_login_failures WHERE scope = $1 AND key = $2",
		3, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: failures") != 0)
		goto out;
	if (PQntuples(res) == 1) {
		f->fails = (unsigned)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
		f->locked_s = (unsigned)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
		f->window_s = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Count one failure; lock when max is reached. */
static int count_failure(PGconn *pg, const char *scope, const char *key, unsigned max,
			 const struct hub_office_limits *lim)
{
	char m[16], win[16];
	const char *params[4] = { scope, key, m, win };
	PGresult *res;
	int rc;

	snprintf(m, sizeof(m), "%u", max);
	snprintf(win, sizeof(win), "%u", lim->lockout_s);
	res = PQexecParams(pg,
		"INSERT INTO office_login_failures AS f (scope, key, fails, first_at, locked_until) "
		"VALUES ($1, $2, 1, now(), CASE WHEN $3::bigint <= 1 "
		"  THEN now() + make_interval(secs => $4::int) END) "
		"ON CONFLICT (scope, key) DO UPDATE SET "
		"fails = CASE WHEN now() - f.first_at > make_interval(secs => $4::int) "
		"  THEN 1 ELSE f.fails + 1 END, "
		"first_at = CASE WHEN now() - f.first_at > make_interval(secs => $4::int) "
		"  THEN now() ELSE f.first_at END, "
		"locked_until = CASE WHEN (CASE WHEN now() - f.first_at > "
		"  make_interval(secs => $4::int) THEN 1 ELSE f.fails + 1 END) >= $3::bigint "
		"  THEN now() + make_interval(secs => $4::int) END",
		4, NULL, params, NULL, NULL, 0);
	rc = hub_db_ok(res, PGRES_COMMAND_OK, "office: count failure");
	PQclear(res);
	return rc;
}

/* Give back a failure counted for an attempt that was right. */
static int uncount_failure(PGconn *pg, const char *scope, const char *key, unsigned max)
{
	char m[16];
	const char *params[3] = { scope, key, m };
	PGresult *res;
	int rc;

	snprintf(m, sizeof(m), "%u", max);
	res = PQexecParams(pg, "UPDATE office_login_failures SET fails = fails - 1, "
			   "locked_until = CASE WHEN fails - 1 >= $3::bigint THEN locked_until END "
			   "WHERE scope = $1 AND key = $2 AND fails > 0",
			   3, NULL, params, NULL, NULL, 0);
	rc = hub_db_ok(res, PGRES_COMMAND_OK, "office: uncount failure");
	PQclear(res);
	return rc;
}

static int run(PGconn *pg, const char *sql, int n, const char *const *params,
	       const char *what)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	int rc = hub_db_ok(res, PGRES_COMMAND_OK, what);

	PQclear(res);
	return rc;
}

/* Drop logins and failure counts that can no longer matter. */
static int forget_old(PGconn *pg, const struct hub_office_limits *lim)
{
	char idle[16], max[16], win[16];
	const char *p2[2] = { idle, max }, *p1[1] = { win };

	snprintf(idle, sizeof(idle), "%u", lim->idle_s);
	snprintf(max, sizeof(max), "%u", lim->max_s);
	snprintf(win, sizeof(win), "%u", lim->lockout_s);
	if (run(pg, "DELETE FROM office_sessions WHERE now() - last_at > "
		"make_interval(secs => $1::int) OR now() - created_at > "
		"make_interval(secs => $2::int)", 2, p2, "office: old logins") != 0)
		return -1;
	return run(pg, "DELETE FROM office_login_failures WHERE now() - first_at > "
		   "make_interval(secs => $1::int) AND (locked_until IS NULL OR "
		   "locked_until < now())", 1, p1, "office: old failures");
}

static enum hub_office_login admit(PGconn *pg, const struct hub_office_limits *lim,
				   const char *user, const char *client, const char *pair,
				   unsigned *retry_s)
{
	struct failures p, c, a;
	enum hub_office_login rc = HUB_OFFICE_LOGIN_DB;

	PGresult *res;
	int locked;

	if (hub_db_exec(pg, "BEGIN") != 0)
		return HUB_OFFICE_LOGIN_DB;
	res = PQexec(pg, "SELECT pg_advisory_xact_lock(" OFFICE_LOGIN_LOCK ")");
	locked = hub_db_ok(res, PGRES_TUPLES_OK, "office: login lock") == 0;
	PQclear(res);
	if (!locked || forget_old(pg, lim) != 0 ||
	    failures_of(pg, "pair", pair, lim, &p) != 0 ||
	    failures_of(pg, "client", client, lim, &c) != 0 ||
	    failures_of(pg, "account", user, lim, &a) != 0)
		goto out;
	if (a.fails >= lim->fail_max_account && p.fails > 0 && p.locked_s < p.window_s)
		p.locked_s = p.window_s;
	if (p.locked_s > 0 || c.locked_s > 0) {
		*retry_s = p.locked_s > c.locked_s ? p.locked_s : c.locked_s;
		rc = HUB_OFFICE_LOGIN_LOCKED;
		goto out;
	}
	if (count_failure(pg, "pair", pair, lim->fail_max_pair, lim) != 0 ||
	    count_failure(pg, "client", client, lim->fail_max_client, lim) != 0 ||
	    count_failure(pg, "account", user, INT_MAX, lim) != 0)
		goto out;
	if (hub_db_exec(pg, "COMMIT") == 0)
		return HUB_OFFICE_LOGIN_OK;
out:
	hub_db_exec(pg, "ROLLBACK");
	return rc;
}

/* The account's hash, below the current cost (pb_password_weak), made
 * again at it from password, the one just checked against old; stored
 * only over old and audited in the same statement. 0 when stored, 1 when
 * the password was changed meanwhile (that one stays), -1 when it could
 * not be made or stored. */
static int rehash(PGconn *pg, const char *user, const char *old, const char *password,
		  const char *client)
{
	char hash[PB_PASSWORD_HASH_LEN];
	const char *params[4] = { hash, user, old, client };
	PGresult *res;
	int rc;

	if (pb_password_hash(password, hash) != 0)
		return -1;
	res = PQexecParams(pg, "WITH u AS (UPDATE office_users SET pw_hash = $1 "
			   "WHERE name = $2 AND pw_hash = $3 RETURNING name) "
			   "INSERT INTO office_audit(actor, action, target, client) "
			   "SELECT name, 'password_rehashed', '', $4 FROM u", 4, NULL, params,
			   NULL, NULL, 0);
	rc = hub_db_ok(res, PGRES_COMMAND_OK, "office: password hash");
	if (rc == 0 && strcmp(PQcmdTuples(res), "1") != 0)
		rc = 1;
	PQclear(res);
	return rc;
}

static void random_hex(char out[OFFICE_TOKEN_HEX + 1])
{
	unsigned char raw[OFFICE_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, OFFICE_TOKEN_HEX + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

enum hub_office_login hub_office_login_start(PGconn *pg, const struct hub_office_limits *lim,
					     const char *user, const char *password,
					     const char *client, const char *old_token,
					     char token[HUB_OFFICE_TOKEN_MAX + 1],
					     struct hub_office_who *who, unsigned *retry_s)
{
	char pair[OFFICE_PAIR_MAX], hash[PB_PASSWORD_HASH_LEN], th[PB_SHA256_HEX_LEN + 1];
	char oh[PB_SHA256_HEX_LEN + 1];
	const char *params[4];
	PGresult *res;
	int found = 0, disabled = 1, good;
	enum hub_office_login rc;

	*retry_s = 0;
	memset(who, 0, sizeof(*who));
	snprintf(pair, sizeof(pair), "%s %s", client, user);
	rc = admit(pg, lim, user, client, pair, retry_s);
	if (rc != HUB_OFFICE_LOGIN_OK)
		return rc;
	params[0] = user;
	res = PQexecParams(pg, "SELECT role, pw_hash, disabled FROM office_users WHERE name = $1",
			   1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: account") != 0) {
		PQclear(res);
		return HUB_OFFICE_LOGIN_DB;
	}
	if (PQntuples(res) == 1) {
		found = 1;
		snprintf(who->name, sizeof(who->name), "%s", user);
		snprintf(who->role, sizeof(who->role), "%s", PQgetvalue(res, 0, 0));
		snprintf(hash, sizeof(hash), "%s", PQgetvalue(res, 0, 1));
		disabled = PQgetvalue(res, 0, 2)[0] == 't';
	}
	PQclear(res);
	/* The password is checked (slowly) outside any transaction, and
	 * always: an unknown or disabled account costs what a wrong password
	 * does, and is refused after. */
	good = pb_password_verify_or_burn(found ? hash : NULL, password) == 0 && !disabled;
	if (!good) {
		memset(who, 0, sizeof(*who));
		return HUB_OFFICE_LOGIN_REFUSED;   /* admit() counted it already */
	}
	random_hex(token);
	random_hex(who->csrf);
	pb_sha256_hex(token, strlen(token), th);
	if (hub_db_exec(pg, "BEGIN") != 0)
		return HUB_OFFICE_LOGIN_DB;
	params[0] = pair;
	if (run(pg, "DELETE FROM office_login_failures WHERE scope = 'pair' AND key = $1", 1,
		params, "office: clear failures") != 0 ||
	    uncount_failure(pg, "client", client, lim->fail_max_client) != 0 ||
	    uncount_failure(pg, "account", user, INT_MAX) != 0)
		goto fail;
	/* a login always gets a fresh token: the one it came with ends */
	if (old_token != NULL && strlen(old_token) <= HUB_OFFICE_TOKEN_MAX) {
		pb_sha256_hex(old_token, strlen(old_token), oh);
		params[0] = oh;
		if (run(pg, "DELETE FROM office_sessions WHERE token_sha256 = $1", 1, params,
			"office: old login") != 0)
			goto fail;
	}
	params[0] = th;
	params[1] = user;
	params[2] = who->csrf;
	params[3] = client;
	if (run(pg, "INSERT INTO office_sessions(token_sha256, name, csrf, client) "
		"VALUES ($1, $2, $3, $4)", 4, params, "office: login") != 0 ||
	    hub_office_audit(pg, user, "login", "", client) != 0 ||
	    hub_db_exec(pg, "COMMIT") != 0)
		goto fail;
	/* the one moment the password is known: a weak hash is made strong,
	 * and the login stands whatever happens to that */
	if (pb_password_weak(hash)) {
		int hr = rehash(pg, user, hash, password, client);

		if (hr == 0)
			pb_notice("office login %s: password hash was below the current cost, "
				  "made again at it", user);
		else if (hr < 0)
			pb_warn("office login %s: password hash is below the current cost and "
				"could not be stored anew (it stays as it was)", user);
	}
	return HUB_OFFICE_LOGIN_OK;
fail:
	hub_db_exec(pg, "ROLLBACK");
	sodium_memzero(token, HUB_OFFICE_TOKEN_MAX + 1);
	return HUB_OFFICE_LOGIN_DB;
}

enum hub_office_login hub_office_login_check(PGconn *pg, const struct hub_office_limits *lim,
					     const char *token, struct hub_office_who *who)
{
	char th[PB_SHA256_HEX_LEN + 1], idle[16], max[16];
	const char *params[3] = { th, idle, max };
	PGresult *res;
	enum hub_office_login rc = HUB_OFFICE_LOGIN_NONE;

	memset(who, 0, sizeof(*who));
	if (token == NULL || strlen(token) != OFFICE_TOKEN_HEX)
		return HUB_OFFICE_LOGIN_NONE;
	pb_sha256_hex(token, strlen(token), th);
	snprintf(idle, sizeof(idle), "%u", lim->idle_s);
	snprintf(max, sizeof(max), "%u", lim->max_s);
	/* a disabled account's logins end with it */
	res = PQexecParams(pg, "UPDATE office_sessions s SET last_at = now() FROM office_users u "
			   "WHERE s.token_sha256 = $1 AND u.name = s.name AND NOT u.disabled "
			   "AND now() - s.last_at <= make_interval(secs => $2::int) "
			   "AND now() - s.created_at <= make_interval(secs => $3::int) "
			   "RETURNING s.name, u.role, s.csrf", 3, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "office: login check") != 0)
		rc = HUB_OFFICE_LOGIN_DB;
	else if (PQntuples(res) == 1) {
		snprintf(who->name, sizeof(who->name), "%s", PQgetvalue(res, 0, 0));
		snprintf(who->role, sizeof(who->role), "%s", PQgetvalue(res, 0, 1));
		snprintf(who->csrf, sizeof(who->csrf), "%s", PQgetvalue(res, 0, 2));
		rc = HUB_OFFICE_LOGIN_OK;
	}
	PQclear(res);
	return rc;
}

int hub_office_login_end(PGconn *pg, const char *token)
{
	char th[PB_SHA256_HEX_LEN + 1];
	const char *params[1] = { th };

	if (token == NULL || strlen(token) > HUB_OFFICE_TOKEN_MAX)
		return 0;
	pb_sha256_hex(token, strlen(token), th);
	return run(pg, "DELETE FROM office_sessions WHERE token_sha256 = $1", 1, params,
		   "office: logout");
}

int hub_office_csrf_ok(const struct hub_office_who *who, const char *sent)
{
	size_t n = strlen(who->csrf);

	return n == OFFICE_TOKEN_HEX && sent != NULL && strlen(sent) == n &&
	       sodium_memcmp(who->csrf, sent, n) == 0;
}

/* ---- pb-hub user ---- */

/* One line of standard input, or a generated password (printed). */
static int get_password(int generate, char *pw, size_t len)
{
	size_t n;

	if (generate) {
		pb_password_generate(pw, OFFICE_GEN_LEN);
		printf("%s\n", pw);
		return 0;
	}
	if (fgets(pw, (int)len, stdin) == NULL) {
		fprintf(stderr, "pb-hub: give the password on standard input, or --generate\n");
		return -1;
	}
	n = strcspn(pw, "\r\n");
	if (pw[n] == '\0' && !feof(stdin)) {
		fprintf(stderr, "pb-hub: password longer than %d characters\n", PB_PASSWORD_MAX);
		return -1;
	}
	pw[n] = '\0';
	if (n < PB_PASSWORD_MIN || n > PB_PASSWORD_MAX) {
		fprintf(stderr, "pb-hub: a password has %d to %d characters\n", PB_PASSWORD_MIN,
			PB_PASSWORD_MAX);
		return -1;
	}
	return 0;
}

/* One statement about one account, in a transaction with its audit row;
 * 0, 1 (it changed no row: missing is said) or -1. */
static int user_change(PGconn *pg, const char *sql, int n, const char *const *params,
		       const char *action, const char *missing)
{
	PGresult *res;
	int rc = -1;

	if (hub_db_exec(pg, "BEGIN") != 0)
		return -1;
	res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_COMMAND_OK, "user") != 0)
		goto out;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		fprintf(stderr, "pb-hub: office account %s: %s\n", params[0], missing);
		rc = 1;
		goto out;
	}
	PQclear(res);
	res = NULL;
	/* a changed password, a role or a disabled account: its logins end */
	if (run(pg, "DELETE FROM office_sessions WHERE name = $1", 1, params,
		"user: logins") != 0 ||
	    hub_office_audit(pg, "pb-hub", action, params[0], "") != 0 ||
	    hub_db_exec(pg, "COMMIT") != 0)
		goto out;
	return 0;
out:
	PQclear(res);
	hub_db_exec(pg, "ROLLBACK");
	return rc;
}

static int user_list(PGconn *pg)
{
	PGresult *res = PQexec(pg, "SELECT name, role, CASE WHEN disabled THEN 'disabled' "
			       "ELSE 'active' END, to_char(created_at AT TIME ZONE 'UTC', "
			       HUB_SQL_ISO "), pw_hash FROM office_users ORDER BY name");
	int weak = 0;

	if (hub_db_ok(res, PGRES_TUPLES_OK, "user list") != 0) {
		PQclear(res);
		return 1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		printf("%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
		weak += pb_password_weak(PQgetvalue(res, i, 4));
	}
	PQclear(res);
	/* how many, never whose: each is made again at its next login */
	if (weak > 0)
		fprintf(stderr, "pb-hub: %d password hash(es) below the current cost (each made "
			"again at its next login)\n", weak);
	return 0;
}

static int has_flag(int argc, char **argv, int from, const char *flag)
{
	for (int i = from; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

int hub_cmd_user(struct hub *h, PGconn *pg, int argc, char **argv)
{
	char pw[PB_PASSWORD_MAX + 2], hash[PB_PASSWORD_HASH_LEN];
	const char *role = NULL, *params[3];
	int generate, rc = 2;

	(void)h;
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return user_list(pg);
	if (argc < 3 || !hub_ident_ok(argv[2]))
		goto usage;
	generate = has_flag(argc, argv, 3, "--generate");
	params[0] = argv[2];
	if (strcmp(argv[1], "add") == 0) {
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
				role = argv[++i];
			else if (strcmp(argv[i], "--generate") != 0)
				goto usage;
		}
		if (!hub_office_role_ok(role))
			goto usage;
		if (get_password(generate, pw, sizeof(pw)) != 0 ||
		    pb_password_hash(pw, hash) != 0) {
			rc = 1;
			goto out;
		}
		params[1] = role;
		params[2] = hash;
		rc = user_change(pg, "INSERT INTO office_users(name, role, pw_hash) "
				 "VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", 3, params,
				 "user.add", "exists already (pb-hub user passwd NAME)");
	} else if (strcmp(argv[1], "passwd") == 0 && (argc == 3 || (argc == 4 && generate))) {
		if (get_password(generate, pw, sizeof(pw)) != 0 ||
		    pb_password_hash(pw, hash) != 0) {
			rc = 1;
			goto out;
		}
		params[1] = hash;
		rc = user_change(pg, "UPDATE office_users SET pw_hash = $2, changed_at = now() "
				 "WHERE name = $1", 2, params, "user.passwd", "no such account");
		/* a new password also lifts the account's locks */
		if (rc == 0)
			rc = run(pg, "DELETE FROM office_login_failures WHERE (scope = 'account' "
				 "AND key = $1) OR (scope = 'pair' AND right(key, length($1) + 1) = ' ' || $1)", 1,
				 params, "user: locks") == 0 ? 0 : 1;
	} else if ((strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0) &&
		   argc == 3) {
		params[1] = strcmp(argv[1], "disable") == 0 ? "t" : "f";
		rc = user_change(pg, "UPDATE office_users SET disabled = $2::boolean, "
				 "changed_at = now() WHERE name = $1", 2, params,
				 params[1][0] == 't' ? "user.disable" : "user.enable",
				 "no such account");
	} else if (strcmp(argv[1], "role") == 0 && argc == 4 && hub_office_role_ok(argv[3])) {
		params[1] = argv[3];
		rc = user_change(pg, "UPDATE office_users SET role = $2, changed_at = now() "
				 "WHERE name = $1", 2, params, "user.role", "no such account");
	} else {
		goto usage;
	}
	if (rc == 0)
		fprintf(stderr, "office account %s: %s\n", argv[2], argv[1]);
	rc = rc < 0 ? 1 : rc;
out:
	sodium_memzero(pw, sizeof(pw));
	return rc;
usage:
	fprintf(stderr, "usage: pb-hub user add NAME --role kantor|kantor-admin [--generate]\n"
		"       pb-hub user passwd NAME [--generate]\n"
		"       pb-hub user disable NAME | enable NAME\n"
		"       pb-hub user role NAME kantor|kantor-admin\n"
		"       pb-hub user list\n"
		"  (the password on standard input, one line; --generate makes one and prints it)\n");
	return 2;
}
