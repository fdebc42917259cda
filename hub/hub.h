/* pb-hub private header: the upstream reference server.
 *
 * Stateless HTTP front (libmicrohttpd) over one PostgreSQL database
 * (libpq); any number of pb-hub processes may serve the same database.
 * Links only pb_proto, pb_hash, pb_range, pb_manifest, pb_mime, pb_log,
 * pb_sandbox, pb_carry and pb_http (the HTTP layer pb-web shares) of
 * firmware/lib. */
#ifndef PB_HUB_H
#define PB_HUB_H

#include <libpq-fe.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pb_http.h"
#include "pb_proto.h"
#include "request.h"

/* A limit's value as a string literal, for messages and SQL: "at most "
 * HUB_XSTR(HUB_OFFICE_LIST_MAX) */
#define HUB_STR(x)  #x
#define HUB_XSTR(x) HUB_STR(x)

#define HUB_CONNINFO_MAX     1024
#define HUB_THREADS_DEFAULT  4
#define HUB_THREADS_MAX      64
#define HUB_ENROL_BODY_MAX   4096
#define HUB_CONN_TIMEOUT_S   30     /* a connection silent this long is closed */
#define HUB_MAX_CONNECTIONS  2000
/* Bodies (http.c): every body's declared length is taken from a budget
 * shared by all connections before a byte of it is read; over it, 503
 * with Retry-After. -M MIB changes it. */
#define HUB_BODY_BUDGET_MIB_DEFAULT 64
#define HUB_BODY_BUDGET_MIB_MAX     4096
#define HUB_BUSY_RETRY_S     5      /* Retry-After while the budget is spent */
/* A body must keep coming: after HUB_BODY_GRACE_S it must average at least
 * HUB_BODY_MIN_BPS bytes a second over the time past the grace. */
#define HUB_BODY_GRACE_S     10
#define HUB_BODY_MIN_BPS     1024
/* Connections open at once from one client address (-A N, 0: no limit). */
#define HUB_ADDR_CONNECTIONS_DEFAULT 64
#define HUB_ADDR_CONNECTIONS_MAX     HUB_MAX_CONNECTIONS
#define HUB_PATH_MAX         512
#define HUB_PEM_MAX          (64 * 1024)
#define HUB_REFERENCE_MAX    200
#define HUB_PUBLISH_ITEMS_MAX 10000  /* documents in one list given to pb-hub publish */
/* to_char() format of time stamps in JSON answers: UTC, ISO 8601. */
#define HUB_SQL_ISO          "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
/* A box's clock reading in ms (a bigint column), as HUB_SQL_ISO text; NULL
 * outside 1970 .. 9999 (HUB_SQL_MS_MAX): a box may send any int64, and
 * PostgreSQL's timestamps end in 294276, where to_timestamp() is an error
 * that would fail the whole answer. */
#define HUB_SQL_MS_MAX       "253402300799999"
#define HUB_SQL_MS_ISO(col) \
	"to_char(to_timestamp(CASE WHEN " col " BETWEEN 0 AND " HUB_SQL_MS_MAX " THEN " col \
	" END / 1000.0) AT TIME ZONE 'UTC', " HUB_SQL_ISO ")"
#define HUB_UNAVAILABLE_RETRY_S 5   /* Retry-After while the database is down */
/* Memory freed by requests is given back to the system (malloc_trim) at
 * most this often, once requests ended since the last time: glibc keeps
 * freed blocks between live ones (each connection's buffers, a few KB
 * used of 32 KB each) resident otherwise, and a flood of connections left
 * pb-hub holding 2.5 times its idle memory (docs/hub.md). */
#define HUB_TRIM_EVERY_S     2

/* Rate limits (ratelimit.c, docs/hub.md): requests per minute and burst,
 * per process. -L NAME=PER_MIN[/BURST] changes one; PER_MIN 0 turns it off. */
#define HUB_RATE_BOX_PER_MIN    1200  /* authenticated requests of one box */
#define HUB_RATE_BOX_BURST      600
#define HUB_RATE_ENROL_PER_MIN  10    /* refused enrolments from one address */
#define HUB_RATE_ENROL_BURST    10
#define HUB_RATE_UNAUTH_PER_MIN 60    /* refused authentications from one address */
#define HUB_RATE_UNAUTH_BURST   30
#define HUB_RATE_PER_MIN_MAX    1000000
#define HUB_RATE_RETRY_MAX_S    3600  /* longest Retry-After given */
#define HUB_RATE_KEY_MAX        128

enum hub_rate_kind {
	HUB_RATE_BOX = 0,       /* key: box id, after its signature verified */
	HUB_RATE_ENROL,         /* key: client address, charged per refused enrolment */
	HUB_RATE_UNAUTH,        /* key: client address, charged per refused box or
				 * office authentication */
	HUB_RATE_KINDS,
};

struct hub_rate_limit {
	unsigned per_min;
	unsigned burst;
};

struct hub_rate;

/* The export worker (xlsx_worker.c): a process started before the filter
 * that writes the office's XLSX files for pb-hub, which may write none.
 * A book's description (JSON) goes to it and the file's bytes come back,
 * each after its length; one request at a time, under lock. */
#define HUB_XLSX_BOOK_KIB_DEFAULT (64 * 1024)  /* -X KIB: largest book description */
#define HUB_XLSX_BOOK_KIB_MAX     (1024 * 1024)
#define HUB_XLSX_FILE_MAX   (256u << 20)   /* largest XLSX the worker may send back */
#define HUB_XLSX_WAIT_S     60      /* waiting for another request's turn: then 503 busy */
#define HUB_XLSX_TIMEOUT_S  300     /* the worker silent this long is given up for good */
#define HUB_XLSX_BUSY_RETRY_S 10    /* Retry-After while another export runs */
#define HUB_XLSX_STARTS_MAX  5      /* workers started (the first too) in ... */
#define HUB_XLSX_STARTS_WINDOW_S 60 /* ... this long; past it XLSX answers 503 */

struct hub_xlsx_worker {
	pthread_mutex_t lock;
	int fd;                          /* pb-hub's end, -1: none or given up */
	int pid;                         /* the worker, 0: none */
	int silent;                      /* the one given up went silent */
	int ctl;                         /* pb-hub's end to the keeper, -1: gone */
	int keeper;                      /* the keeper that starts workers, 0: none */
	long window_start;               /* CLOCK_MONOTONIC s: the starts counted since */
	int starts;
	size_t book_max;                 /* bytes of a book's description (-X) */
};

enum hub_xlsx_result {
	HUB_XLSX_OK = 0,
	HUB_XLSX_TOO_LARGE,              /* the book's description is over book_max,
					  * or a sheet over PB_XLSX_ROWS_MAX rows */
	HUB_XLSX_FAILED,                 /* the worker could not write this book */
	HUB_XLSX_BUSY,                   /* another export held it past HUB_XLSX_WAIT_S */
	HUB_XLSX_GONE,                   /* no worker: its keeper is gone, or too many
					  * were started of late (HUB_XLSX_STARTS_MAX) */
};

/* The office's web view (office_auth.c, office_web.c; docs/hub.md). */
#define HUB_OFFICE_NAME_MAX   64      /* an office account's name */
#define HUB_OFFICE_TOKEN_MAX  64      /* a login cookie's value */
#define HUB_OFFICE_FIELD_MAX  256     /* bytes of a name or password sent to log in */
#define HUB_OFFICE_BODY_MAX   (64 * 1024)   /* a /v1/kantor/ request's body */
#define HUB_OFFICE_LOGIN_BODY_MAX (4 * 1024) /* .../login's: two fields, escaped */
#define HUB_OFFICE_BULK_MAX   500     /* claims marked paid in one request */
#define HUB_OFFICE_LIST_MAX   5000    /* rows of a list page */
#define HUB_OFFICE_NOTE_MAX   500     /* bytes of a conflict's note */
#define HUB_OFFICE_PAGE_MAX   (1024 * 1024)  /* bytes of one of the pages' files */
/* A stick's pb-outbox/ uploaded as a zip: bigger sticks go through
 * pb-hub import DIR. Taken from the body budget (-M) like every body. */
#define HUB_OFFICE_IMPORT_MAX (32u << 20)
#define HUB_OFFICE_IMPORT_ENTRIES_MAX 100000   /* files and folders in that zip */

/* -O NAME=N: the logins' lifetimes and the wrong-password locks. */
struct hub_office_limits {
	unsigned idle_s;              /* no request for this long ends a login */
	unsigned max_s;               /* a login never lasts longer */
	unsigned fail_max_pair;       /* "fail_max": failures to one account from one
				       * address before it is locked out of it */
	unsigned fail_max_account;    /* failures to one account from anywhere after
				       * which an address that failed on it waits */
	unsigned fail_max_client;     /* failures before an address is locked out */
	unsigned lockout_s;           /* how long a lock lasts (and the counting window) */
};

struct hub_office_who {
	char name[HUB_OFFICE_NAME_MAX + 1];
	char role[16];
	char csrf[HUB_OFFICE_TOKEN_MAX + 1];
};

enum hub_office_login {
	HUB_OFFICE_LOGIN_OK = 0,
	HUB_OFFICE_LOGIN_NONE,        /* no such login, or it ended */
	HUB_OFFICE_LOGIN_REFUSED,     /* wrong name or password, or disabled */
	HUB_OFFICE_LOGIN_LOCKED,      /* too many failures: wait */
	HUB_OFFICE_LOGIN_DB,
};

struct hub_web_file;

struct hub {
	char conninfo[HUB_CONNINFO_MAX];
	char files_dir[PATH_MAX];
	char listen_host[64];
	unsigned listen_port;
	unsigned threads;
	char *tls_cert;                  /* PEM, NULL: plain HTTP */
	char *tls_key;
	const char *run_user;            /* -u: switch to this user when root */
	int no_seccomp;                  /* -S: serve without the seccomp filter */
	int serving;                     /* set (atomically) once confined: before
					  * it, every request gets 503 */

	/* a fixed pool of database connections, one per worker thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned nconn;
	PGconn *conns[HUB_THREADS_MAX];
	int busy[HUB_THREADS_MAX];
	struct MHD_Daemon *mhd;

	struct hub_rate_limit limits[HUB_RATE_KINDS];
	struct hub_rate *rate;           /* the buckets, NULL: no limits */

	size_t body_budget;              /* bytes of bodies held at once (-M) */
	size_t body_held;                /* taken from it now (atomic) */
	int freed;                       /* requests ended since the last trim (atomic) */
	unsigned addr_connections;       /* per client address (-A), 0: no limit */

	/* -k: the hub's own Ed25519 key, signing the acknowledgements carried
	 * back on USB sticks; its public half is given to boxes at enrolment */
	int has_sign_key;
	unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
	struct hub_xlsx_worker xlsx;     /* the export worker */

	struct hub_office_limits office; /* -O */
	const char *web_dir;             /* -w: the office's pages (NULL: none) */
	struct hub_web_file *web_files;  /* read from it before serving */
	size_t nweb_files;
};

/* One HTTP request. */
struct pb_req {
	struct hub *hub;
	struct MHD_Connection *conn;
	const struct pb_http_route *route;     /* NULL: none (404) */
	const char *method;
	const char *url;
	pb_http_params params;           /* the route's '*' segments */
	struct pb_http_body body;        /* body.max: what the budget granted */
	size_t body_max;                 /* the route's limit (hub_body_max) */
	size_t body_reserved;            /* taken from the hub's body budget */
	char addr[PB_HTTP_ADDR_MAX];     /* the client's address */
	unsigned retry_after_s;          /* > 0: answers carry Retry-After */
	int other_method;                /* route names the path for another method */
	/* An office route with a body: the login (and its CSRF token and role)
	 * hub_office_web_admit checked from the headers, before the body; the
	 * route's handler takes it from here instead of asking again. */
	struct hub_office_who office;
	int office_admitted;
};

/* ratelimit.c: token buckets in this process's memory. */
extern const char *const hub_rate_names[HUB_RATE_KINDS];
void hub_rate_defaults(struct hub *h);
/* "NAME=PER_MIN[/BURST]"; 0 or -1 for a bad spec. */
int hub_rate_set(struct hub *h, const char *spec);
int hub_rate_init(struct hub *h);
void hub_rate_free(struct hub *h);
/* 0: allowed (take also takes a token); else seconds to wait. */
unsigned hub_rate_take(struct hub *h, enum hub_rate_kind kind, const char *key,
		       unsigned *refused);   /* refusals in a row, NULL: not wanted */
/* take for a box's own limit, warning when it keeps coming back early. */
unsigned hub_rate_box(struct hub *h, const char *box);
/* The same before a request is read (nothing taken: the box has not
 * signed yet); a refusal counts as one in a row. */
unsigned hub_rate_box_ready(struct hub *h, const char *box);
unsigned hub_rate_peek(struct hub *h, enum hub_rate_kind kind, const char *key);
/* The monotonic clock the buckets run on, in ms. */
int64_t hub_rate_now_ms(void);
/* A refused attempt: always costs a token. */
void hub_rate_charge(struct hub *h, enum hub_rate_kind kind, const char *key);

/* db.c: connections and migrations. */
PGconn *hub_db_connect(const char *conninfo, char *err, size_t errlen);
int hub_db_migrate(PGconn *pg, char *err, size_t errlen);
int hub_db_schema_ok(PGconn *pg, char *err, size_t errlen);
/* Warn when the database may lose commits the hub has answered for. */
void hub_db_check_durable(PGconn *pg);
PGconn *hub_db_get(struct hub *h);
void hub_db_put(struct hub *h, PGconn *pg);
void hub_db_pool_free(struct hub *h);
/* Run a statement; 0 if its status is the expected one, else -1 (logged). */
int hub_db_ok(PGresult *res, ExecStatusType want, const char *what);
int hub_db_exec(PGconn *pg, const char *sql);
/* A nullable text column of a result as JSON: a string, or null. */
json_t *hub_db_text(PGresult *res, int row, int c);

/* schema.c: the numbered migrations. */
struct hub_migration {
	int version;
	const char *sql;
};
extern const struct hub_migration hub_migrations[];
extern const int hub_migrations_count;
/* The highest migration number this pb-hub knows. */
int hub_schema_top(void);

/* sandbox.c: serving without privilege. Started as root, switch to user
 * (-u) for good; refuse root without it. 0 or -1 (logged). */
int hub_run_as(const char *user);
/* The seccomp filter on every thread (TSYNC); 0 or -1 (logged). */
int hub_sandbox_enter(void);
/* The export worker's own filter: files, no new sockets. 0 or -1 (logged). */
int hub_sandbox_enter_worker(void);

/* xlsx_worker.c: start the export worker's keeper and its first worker
 * (after the switch to -u USER, before any database connection, thread
 * or filter; lfd, the listening socket, is closed in them). A worker that
 * dies is replaced at the next XLSX request. 0, or -1 (logged). */
int hub_xlsx_worker_start(struct hub *h, int lfd);
/* The book as an XLSX file: *out (malloc'd) and *len on HUB_XLSX_OK. */
enum hub_xlsx_result hub_xlsx_worker_make(struct hub *h, const json_t *book, char **out,
					  size_t *len);
/* Close pb-hub's ends (the worker then cleans up and exits, then the
 * keeper) and reap the keeper. */
void hub_xlsx_worker_stop(struct hub *h);

/* http.c: the server, its routes and response helpers. */
int hub_serve(struct hub *h);
/* pb-hub's route flags (struct pb_http_route.flags), beside PB_HTTP_PREFIX:
 * the body a route takes (hub_body_max: HUB_ENROL_BODY_MAX without one of
 * these), and an upload whose box is checked before its body is read. */
enum hub_route_flags {
	HUB_ROUTE_BODY_BATCH = 1 << 0,   /* PB_PROTO_BATCH_GZ_MAX */
	HUB_ROUTE_BODY_PHOTO = 1 << 1,   /* PB_PROTO_PHOTO_MAX */
	HUB_ROUTE_UPLOAD = 1 << 2,       /* a box's upload (precheck_box) */
	HUB_ROUTE_BODY_OFFICE = 1 << 3,  /* HUB_OFFICE_BODY_MAX */
	HUB_ROUTE_BODY_IMPORT = 1 << 4,  /* HUB_OFFICE_IMPORT_MAX */
	/* the handler also answers its path asked with another method
	 * (other_method set): its own 404 or 405, after its own checks */
	HUB_ROUTE_OWN_REFUSAL = 1 << 5,
	/* an office login's route: the login each needs (office_web.c),
	 * checked from the headers before a byte of its body is read or
	 * taken from the budget (hub_office_web_admit) */
	HUB_ROUTE_OFFICE_LOGIN = 1 << 6, /* any office account */
	HUB_ROUTE_OFFICE_CSRF = 1 << 7,  /* ... with its CSRF token */
	HUB_ROUTE_OFFICE_ADMIN = 1 << 8, /* kantor-admin, with its CSRF token */
	HUB_ROUTE_BODY_LOGIN = 1 << 9,   /* HUB_OFFICE_LOGIN_BODY_MAX */
};
/* The route table, and the tables pb-hub answers in order (hub_routes
 * first, then the office token's, hub_office_routes in office.c, then the
 * office pages', hub_office_web_routes in office_web.c). */
extern const struct pb_http_route hub_routes[];
extern const struct pb_http_route hub_office_routes[];
extern const struct pb_http_route hub_office_web_routes[];
extern pb_http_routes hub_http_routes;
size_t hub_body_max(const struct pb_http_route *rt);
enum MHD_Result hub_json(struct pb_req *r, unsigned status, const char *text);
enum MHD_Result hub_error(struct pb_req *r, enum pb_proto_err e, int64_t acked,
			  const char *detail);
/* 429 rate_limited with Retry-After: seconds. */
enum MHD_Result hub_too_many(struct pb_req *r, unsigned seconds, const char *detail);
/* 503 unavailable with Retry-After: the database cannot be reached. */
enum MHD_Result hub_unavailable(struct pb_req *r);
const char *hub_header(struct pb_req *r, const char *name);
/* A refused authentication (box or office): charged to the client
 * address's "unauth" limit; e, or PB_PROTO_RATE_LIMITED (r->retry_after_s
 * set) once the address is over it. */
enum pb_proto_err hub_auth_refused(struct pb_req *r, enum pb_proto_err e);
/* Check the signed GET headers; on success fills box_id and centre_id.
 * A refusal goes through hub_auth_refused; whether the box is revoked is
 * told only to a request it signed. Success takes a token of the box's
 * limit (PB_PROTO_RATE_LIMITED, with r->retry_after_s set, when there is
 * none). */
enum pb_proto_err hub_auth_get(struct pb_req *r, PGconn *pg, char *box_id, size_t blen,
			       char *centre_id, size_t clen);

/* Check an upload's box (enrolled, not revoked) and its X-PB-Signature
 * over the exact body; last_seq (may be NULL) gets the box's highest seq
 * once the signature is good (else it is left alone). */
enum pb_proto_err hub_auth_body(struct pb_req *r, PGconn *pg, const char *box,
				int64_t *last_seq);

/* Steps 4 to 7 of an upload (docs/sync-protocol.md §4) for a batch whose
 * box and signature were checked: the same for HTTP and a USB stick,
 * whose manifest names the batch's seqs first..last (0, 0: not named;
 * a batch holding others is refused, PB_PROTO_MALFORMED).
 * out->acked is the box's highest stored seq where known (else -1);
 * out->refused (json_decref it) on success. */
struct hub_ingest_result {
	int64_t acked;
	size_t stored, duplicates;
	json_t *refused;
};
enum pb_proto_err hub_ingest_batch(PGconn *pg, const char *box, const void *body, size_t len,
				   int64_t first, int64_t last,
				   struct hub_ingest_result *out, char *why, size_t whylen);

/* carry.c: pb-hub import DIR, batches carried on a USB stick (§10), and
 * export-content DIR --centre ID, modules carried back. */
int hub_cmd_import(struct hub *h, PGconn *pg, int argc, char **argv);
struct pb_carry_batch;
/* The box as enrolled: its public key into pk, or a refusal. */
enum pb_proto_err hub_carry_box_key(PGconn *pg, const char *box, char *pk, size_t pklen);
/* One carried batch (body: its file's bytes): the manifest's SHA-256 and
 * the box's signature checked, then stored as an upload. */
enum pb_proto_err hub_carry_batch(PGconn *pg, const char *box, const char *pk,
				  const struct pb_carry_batch *b, const char *body, size_t len,
				  struct hub_ingest_result *got, char *why, size_t whylen);
/* What the hub holds of box now, as the text of its signed ack.json
 * (malloc'd; needs -k), or NULL; *acked the highest seq it holds. */
char *hub_carry_ack(struct hub *h, PGconn *pg, const char *box, int64_t *acked);
int hub_cmd_export_content(struct hub *h, PGconn *pg, int argc, char **argv);

/* Handlers. */
enum MHD_Result hub_enrol(struct pb_req *r);
enum MHD_Result hub_ingest(struct pb_req *r);

/* health.c: box.health reports (docs/hub.md#box-health). */
#define HUB_HEALTH_TYPE            "box.health"
#define HUB_HEALTH_SILENT_DAYS     3       /* ?silent_days=N: no report for longer */
#define HUB_HEALTH_SILENT_DAYS_MAX 3650
#define HUB_HEALTH_LOW_DISK_MB     1024    /* ?low_disk_mb=N: less free on the data partition */
#define HUB_HEALTH_LOW_DISK_MB_MAX (1024 * 1024)
#define HUB_HEALTH_VERSION_MAX     32      /* ?min_version=X.Y.Z */
struct hub_health_opts {
	unsigned silent_days;
	unsigned low_disk_mb;
	char min_version[HUB_HEALTH_VERSION_MAX + 1];   /* empty: the newest reported */
};
/* Keep the box.health records among the stored seq lo..hi of box (inside
 * the ingest transaction). 0/-1. */
int hub_health_ingest(PGconn *pg, const char *box, const char *lo, const char *hi);
/* -1 on a bad ?silent_days, ?low_disk_mb or ?min_version. */
int hub_health_opts_parse(struct pb_req *r, struct hub_health_opts *o);
/* Add "health", "quiet_s" and "flags" to each box of the list; the limits
 * used in *thresholds. 0/-1. */
int hub_health_attach(PGconn *pg, json_t *boxes, const struct hub_health_opts *o,
		      json_t **thresholds);
/* Dotted version numbers: <0, 0, >0. */
int hub_version_cmp(const char *a, const char *b);
enum MHD_Result hub_feed(struct pb_req *r, const char *kind);
enum MHD_Result hub_file(struct pb_req *r, const char *sha256);

/* admin.c: the command-line verbs; each returns an exit code. */
/* A centre id or a name of a token or an office account: 1 to 64 of
 * A-Z a-z 0-9 . _ - (HUB_OFFICE_NAME_MAX). */
int hub_ident_ok(const char *s);
int hub_cmd_token(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_revoke(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_publish(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_catalogue(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_paid(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_export(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_verify(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_boxes(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_conflicts(struct hub *h, PGconn *pg, int argc, char **argv);
int hub_cmd_office_token(struct hub *h, PGconn *pg, int argc, char **argv);

/* Shared by the verbs and the office's HTTP routes (office.c). */
enum hub_paid_result {
	HUB_PAID_OK = 0,
	HUB_PAID_UNKNOWN,
	HUB_PAID_ALREADY,
	HUB_PAID_BAD,
	HUB_PAID_ERROR,
};
/* Revoke a box (its stored records stay); at gets the time of the first
 * revocation (UTC, ISO 8601). */
enum hub_revoke_result {
	HUB_REVOKE_OK = 0,
	HUB_REVOKE_ALREADY,
	HUB_REVOKE_UNKNOWN,
	HUB_REVOKE_ERROR,
};
enum hub_revoke_result hub_revoke_box(PGconn *pg, const char *box, char *at, size_t atlen);
const char *hub_revoke_strerror(enum hub_revoke_result r);
/* by: the office account that marks it (kept and audited), NULL for a
 * verb or a token. */
enum hub_paid_result hub_mark_paid(PGconn *pg, const char *claim, const char *reference,
				   const char *by);
const char *hub_paid_strerror(enum hub_paid_result r);
/* Which payload key names the session, by record type prefix (the
 * first match wins; "session_id" when none does). Kept in the records'
 * session_id column at ingest, which the exports filter on. */
#define HUB_SESSION_ID_MAX 128
struct hub_session_key {
	const char *prefix;
	const char *key;
};
extern const struct hub_session_key hub_session_keys[];
/* The session a record belongs to (borrowed from payload), or NULL. */
const char *hub_session_of(const char *type, json_t *payload);

/* The rows of an export (PQclear them) and its CSV header, whose first
 * ncsv columns the CSV carries; NULL on error (*unknown: no such kind). */
PGresult *hub_export_rows(PGconn *pg, const char *kind, const char *centre,
			  const char *session, const char **head, int *ncsv, int *unknown);
/* The same as a workbook description for pb_xlsx (xlsx.c): claims with
 * sheets by kabupaten/kota, by activity and by payment status; NULL on
 * error (*unknown: no such kind, of "claims" and "attendance"). */
json_t *hub_export_book(PGconn *pg, const char *kind, const char *centre,
			const char *session, int *unknown);
/* That book as a spreadsheet in path. 0, -1, -2 unknown kind. */
int hub_export_xlsx(PGconn *pg, const char *kind, const char *centre, const char *session,
		    const char *path);
/* CSV of "attendance", "claims" or "learning"; centre/session NULL: all.
 * 0, -1 on a database error, -2 for an unknown kind. */
int hub_export(PGconn *pg, const char *kind, const char *centre, const char *session,
	       FILE *out);
/* A header line, then the first cols columns of every row of a query
 * result as CSV (a field that begins with = + - @ tab or CR is
 * neutralised for spreadsheets). */
void hub_csv_rows(FILE *out, const char *head, PGresult *res, int cols);
/* learning.c: scored test attempts as CSV, each filter NULL for all. 0/-1. */
int hub_learning_export(PGconn *pg, const char *centre, const char *session,
			const char *nuptk, const char *module, FILE *out);
/* Each worksheet sending, with the photos its record names (SHA-256s,
 * space separated) and how many of them the hub holds. 0/-1. */
int hub_worksheets_export(PGconn *pg, const char *centre, const char *session,
			  const char *nuptk, const char *module, FILE *out);
/* GET .../export/NAME (attendance.csv, claims.xlsx…): 1 and the answer
 * in *ret when NAME is an export, else 0. */
int hub_office_export(struct pb_req *r, PGconn *pg, const char *name, enum MHD_Result *ret);
/* 1 when rest and every query argument of r are text (hub_text_ok). */
int hub_office_text_ok(struct pb_req *r, const char *rest);
/* The boxes with their health, as GET /v1/office/boxes answers. */
enum MHD_Result hub_office_boxes(struct pb_req *r, PGconn *pg);
/* {"error", "message"} for the office routes. */
enum MHD_Result hub_office_error(struct pb_req *r, unsigned status, const char *code,
				 const char *message);

/* office_auth.c: office accounts and their logins. */
void hub_office_defaults(struct hub_office_limits *l);
/* "NAME=N" of -O; -1 for an unknown name or a value out of its range. */
int hub_office_set(struct hub_office_limits *l, const char *spec);
int hub_office_role_ok(const char *role);
/* Check the password and start a login: token gets the cookie's value.
 * old_token (may be NULL) ends first. *retry_s on HUB_OFFICE_LOGIN_LOCKED. */
enum hub_office_login hub_office_login_start(PGconn *pg, const struct hub_office_limits *lim,
					     const char *user, const char *password,
					     const char *client, const char *old_token,
					     char token[HUB_OFFICE_TOKEN_MAX + 1],
					     struct hub_office_who *who, unsigned *retry_s);
/* The login of a cookie's token, marked used now. */
enum hub_office_login hub_office_login_check(PGconn *pg, const struct hub_office_limits *lim,
					     const char *token, struct hub_office_who *who);
int hub_office_login_end(PGconn *pg, const char *token);
/* 1 when sent is the login's CSRF token. */
int hub_office_csrf_ok(const struct hub_office_who *who, const char *sent);
/* A row of office_audit (in the caller's transaction, if any). 0/-1. */
int hub_office_audit(PGconn *pg, const char *actor, const char *action, const char *target,
		     const char *client);
int hub_cmd_user(struct hub *h, PGconn *pg, int argc, char **argv);

/* office_web.c: the office's pages and their JSON routes under /v1/kantor/.
 * Read the pages' files from h->web_dir (before serving, while the files
 * may still be read). 0, or -1 (logged: the pages are then not served). */
int hub_office_web_load(struct hub *h);
void hub_office_web_free(struct hub *h);
/* An answer (o is taken) with the pages' security headers and the
 * cookie if any; an error {"error", "message"} the same way. */
enum MHD_Result hub_web_reply(struct pb_req *r, unsigned status, json_t *o, const char *cookie);
enum MHD_Result hub_web_fail(struct pb_req *r, unsigned status, const char *code,
			     const char *message);
/* Before the body of an office route that needs a login: 0 to read it,
 * -1 when an answer was queued (401, 403 csrf or admin_only, 503). */
int hub_office_web_admit(struct pb_req *r, enum MHD_Result *ret);
/* office_import.c: POST /v1/kantor/import, a zip of a USB stick's
 * pb-outbox/ folder, taken as pb-hub import DIR takes it. */
enum MHD_Result hub_office_import(struct pb_req *r, PGconn *pg,
				  const struct hub_office_who *w, const char *id);

/* photos.c: receipt photos uploaded by boxes (POST /v1/photos/SHA256),
 * and served to the office by hash or by claim id (claim != NULL). */
enum MHD_Result hub_photo_put(struct pb_req *r, const char *sha256);
enum MHD_Result hub_photo_get(struct pb_req *r, PGconn *pg, const char *sha256,
			      const char *claim);

/* Path of a module file in the hub's file folder (same layout as the
 * box's content store: DIR/ab/abcdef…). */
int hub_file_path(const struct hub *h, const char *sha256, char *out, size_t len);
/* Copy src into the hub's file folder under its SHA-256, checked on the
 * way (admin.c). 0/-1 (said on stderr when the hash differs). */
int hub_put_file(const struct hub *h, const char *src, const char *sha, int64_t *size);

/* release.c: box software releases (docs/updates.md). "release key FILE"
 * needs no database; "release add|list" do. Each returns an exit code. */
int hub_cmd_release_key(int argc, char **argv);
int hub_cmd_release(struct hub *h, PGconn *pg, int argc, char **argv);

#endif
