/* pb_login: staff logins. A login gives a random token (the cookie);
 * only its SHA-256 is stored. Each login has a CSRF token that every
 * state-changing request must send back. Logins end after an idle time
 * and after an absolute time, both counted on the monotonic clock of
 * this boot. Repeated failures lock an account for the client address
 * they come from, and a client address for every account, for a while;
 * many failures to one account from many addresses slow it down to one
 * try per address, but never lock its owner out: a right password from
 * an address that has not failed still logs in. An attempt is counted
 * (and the locks checked) in one transaction before the password is
 * checked, and given back when it was right, so parallel attempts get no
 * more tries than the limits. */
#ifndef PB_LOGIN_H
#define PB_LOGIN_H

#include <sqlite3.h>
#include <stdint.h>

#include "pb_staff.h"

#define PB_LOGIN_TOKEN_BYTES 32
#define PB_LOGIN_TOKEN_HEX   (PB_LOGIN_TOKEN_BYTES * 2)
#define PB_LOGIN_CLIENT_MAX  64
#define PB_LOGIN_USER_MAX    256    /* bytes of a name tried at login */
#define PB_LOGIN_TOUCH_MS    30000  /* "last used" is written at most this often */

struct pb_login_limits {
	unsigned idle_s;              /* no request for this long ends a login */
	unsigned max_s;               /* a login never lasts longer */
	unsigned fail_max_pair;       /* failures to one account from one address
				       * before that address is locked out of it */
	unsigned fail_max_account;    /* failures to one account from anywhere after
				       * which an address that failed on it waits */
	unsigned fail_max_client;     /* failures before a client address is locked */
	unsigned lockout_s;           /* how long a lock lasts (and the counting window) */
};

struct pb_login {
	int64_t id;
	int64_t staff_id;
	char name[PB_STAFF_NAME_MAX + 1];
	char role[16];
	char kind[16];
	char csrf[PB_LOGIN_TOKEN_HEX + 1];
	/* pb_login_start only: the account's hash was below the current cost
	 * and was made again at it (1), or storing that failed (-1); 0 when
	 * there was nothing to do. The login stands either way. */
	int rehashed;
};

enum pb_login_result {
	PB_LOGIN_OK = 0,
	PB_LOGIN_NONE,           /* no such login, or it expired */
	PB_LOGIN_REFUSED,        /* wrong name or password, or disabled */
	PB_LOGIN_LOCKED,         /* too many failures: wait */
	PB_LOGIN_DB,
};

const char *pb_login_strerror(enum pb_login_result r);

/* Check the password and start a login. On success token gets the cookie
 * value and *who the account, and a hash made below the current cost
 * (pb_password_weak) is made again from the password at that cost
 * (who->rehashed says how that went). On PB_LOGIN_LOCKED *retry_s says how long
 * to wait. old_token (may be NULL) is ended first: a login always gets a
 * fresh token. */
enum pb_login_result pb_login_start(sqlite3 *db, const struct pb_login_limits *lim,
				    const char *user, const char *password,
				    const char *client, const char *old_token,
				    char token[PB_LOGIN_TOKEN_HEX + 1],
				    struct pb_login *who, unsigned *retry_s);

/* Find the login of a token and mark it used now. */
enum pb_login_result pb_login_check(sqlite3 *db, const struct pb_login_limits *lim,
				    const char *token, struct pb_login *who);

/* End a login. */
int pb_login_end(sqlite3 *db, const char *token);

/* 1 if the CSRF token sent matches the login's. */
int pb_login_csrf_ok(const struct pb_login *who, const char *sent);

#endif
