/* pb-web private header: the HTTP server on the hotspot. */
#ifndef PB_WEB_H
#define PB_WEB_H

#include <jansson.h>
#include <string.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_attendance.h"
#include "pb_config.h"
#include "pb_fields.h"
#include "pb_http.h"
#include "pb_login.h"
#include "pb_store.h"

#define PB_WEB_STATIC_MAX    (1024 * 1024)  /* web app files served from memory */
#define PB_WEB_STATIC_PATH_MAX 200   /* bytes of a web app path */
#define PB_WEB_GZIP_MIN      1024    /* smaller bodies are sent as they are */
#define PB_WEB_PORTAL_PAGE_MAX 160   /* path of the captive portal page */
/* Connections accepted beyond [web] max_connections, only to answer 503;
 * past this the kernel's listen queue holds them. */
#define PB_WEB_CONN_HEADROOM 64
/* Threads that run the handlers which may wait (database writes, password
 * hashes, staff views), so the event-loop threads never wait behind them. */
#define PB_WEB_POOL_THREADS  4
/* Memory freed by the pool's handlers goes back to the system at most this
 * often (seconds), when the pool is idle. */
#define PB_WEB_TRIM_EVERY_S  2
/* Connections still waiting for a whole request head after [web]
 * connection_timeout are looked for this often (seconds), by the pool. */
#define PB_WEB_REAP_EVERY_S  1
/* Request bodies by route (the route's flags): a JSON form, a JSON form
 * carrying a signature (or a list of decisions), and what a receipt photo
 * adds to its claim as base64 on top of that. CSV files take [web]
 * max_body_bytes, receipts [claims] receipt_max_bytes. */
#define PB_WEB_JSON_BODY_MAX   (8 * 1024)
#define PB_WEB_SIGNED_BODY_MAX (96 * 1024)
/* Seconds a client is told to wait (Retry-After) when the bytes held for
 * request bodies reach [web] body_budget_bytes. */
#define PB_WEB_BUDGET_RETRY_S  5
/* Clients (stations, or addresses without a lease) holding request bodies
 * at once, each counted against [web] body_budget_per_client_bytes; one
 * more waits (503) for a slot. */
#define PB_WEB_BUDGET_CLIENTS_MAX 1024
/* Query parameters in one request: more gets 414 at once (libmicrohttpd
 * would otherwise run out of its per-connection memory on them, and leave
 * the connection hanging until its timeout). */
#define PB_WEB_QUERY_PARAMS_MAX 64
/* libmicrohttpd keeps, in one block of memory per connection, the request
 * head, a copy of its Cookie header, its bookkeeping for each header line
 * and each cookie (about 56 bytes each) and the answer's head; when the
 * answer's head does not fit it closes the connection with no answer at
 * all. The block is twice [web] max_header_bytes (the head and the cookie
 * copy) plus PB_WEB_HEAD_MARGIN: bookkeeping for PB_WEB_HEADER_LINES_MAX
 * lines and PB_WEB_COOKIES_MAX cookies, and the largest answer head pb-web
 * sends (a redirect's Location of up to 4 KiB, redirect.c, with the
 * security headers). So every head within those limits is answered, and
 * one over them gets pb-web's own 431 (docs/configuration.md, "Request
 * heads"). */
#define PB_WEB_HEADER_LINES_MAX 64
#define PB_WEB_COOKIES_MAX      64
#define PB_WEB_HEAD_MARGIN \
	((PB_WEB_HEADER_LINES_MAX + PB_WEB_COOKIES_MAX) * 64 + 6 * 1024)
/* The block, rounded up to whole pages as libmicrohttpd rounds the larger
 * ones itself, so that the size set is the size used. */
#define PB_WEB_CONN_MEMORY(max_header_bytes) \
	((2 * (size_t)(max_header_bytes) + PB_WEB_HEAD_MARGIN + 4095) & ~(size_t)4095)
#define PB_WEB_STR_(x) #x
#define PB_WEB_STR(x)  PB_WEB_STR_(x)            /* a limit as text */

/* Event loops at most: [web] threads, or one per online core. */
#define PB_WEB_LOOPS_MAX 64

/* Whose a client address is (stations.c): the station the DHCP lease
 * file gives it, the hotspot's addresses without a lease together (when
 * the box's DHCP serves the hotspot), or the address alone. */
#define PB_STATION_LEASES_MAX 4096   /* leases (and lease file lines) read */
#define PB_STATION_RACY_MS    50     /* a lease file written this recently is read again */
#define PB_CLIENT_NAME_MAX    48     /* pb_client_name's text */
enum pb_client_kind {
	PB_CLIENT_ADDRESS = 0,
	PB_CLIENT_STATION,
	PB_CLIENT_UNLEASED,
};
struct pb_client {
	unsigned char kind;              /* enum pb_client_kind */
	unsigned char len;               /* bytes: 4 or 16 (address), 6 (MAC), 0 */
	unsigned char bytes[16];
};
/* The hotspot's network and the lease file, from [net]. */
int pb_stations_init(const struct pb_config *cfg);
/* The client of a socket address or of an address as text: 0, or -1 for
 * none (another family, not an address). */
int pb_client_of(const struct sockaddr *sa, struct pb_client *out);
int pb_client_of_text(const char *ip, struct pb_client *out);
/* "station 02:…", "the hotspot's addresses without a lease" or the address. */
void pb_client_name(const struct pb_client *c, char *out, size_t len);
/* The MAC the lease file gives ip (as pb_lease_mac, from the table read
 * once): 0 with mac[18], or -1. */
int pb_station_mac(const char *ip, char mac[18]);

/* Open connections per client (a station, the hotspot's addresses without
 * a lease, or an address: pb_client_of) over every event loop, how long
 * each has waited for a request head, and how fast it takes its answer
 * (conncount.c). */
struct pb_conn;
struct pb_conn_count {
	pthread_mutex_t lock;
	void *root;                      /* tsearch tree of clients */
	unsigned per_addr_max;           /* [web] max_connections_per_ip */
	struct pb_conn *conns;           /* every open connection */
};

int pb_conn_count_init(struct pb_conn_count *cc, unsigned per_addr_max);
void pb_conn_count_free(struct pb_conn_count *cc);
/* libmicrohttpd's accept policy: MHD_NO for an address at its limit. */
enum MHD_Result pb_conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* From the connection notification: count it, or mark it refused. */
void pb_conn_started(struct pb_conn_count *cc, struct MHD_Connection *c, void **socket_context);
void pb_conn_closed(struct pb_conn_count *cc, void **socket_context);
/* Was this connection found over the limit once started? Close it. */
int pb_conn_refused(struct MHD_Connection *c);
/* The connection's request head has come (in = 1), or its answer is done
 * and it waits for the next head (in = 0). */
void pb_conn_in_request(struct pb_conn_count *cc, struct MHD_Connection *c, int in);
/* What pb_conn_reap closes: a connection that has waited more than
 * head_max_ms for a whole request head; and one whose client, while bytes
 * of its answer wait for it, took fewer than min_rate bytes a second over
 * a window of window_ms (0: not looked at). */
struct pb_reap_limits {
	int64_t head_max_ms;
	int64_t window_ms;
	unsigned min_rate;
};
struct pb_reaped {
	unsigned heads, answers;
};
/* Shut the sockets of those connections (libmicrohttpd then closes them). */
void pb_conn_reap(struct pb_conn_count *cc, int64_t now_ms, const struct pb_reap_limits *lim,
		  struct pb_reaped *out);

struct pb_web {
	struct pb_config cfg;
	char db_path[PATH_MAX];
	struct pb_store store;
	/* The libmicrohttpd daemons: one per event loop, each with its own
	 * listening socket, or one with a pool of loops sharing one socket. */
	struct MHD_Daemon *mhd[PB_WEB_LOOPS_MAX];
	unsigned n_mhd;
	struct pb_conn_count conn_count;
	pthread_key_t db_key;            /* one SQLite handle per server thread */
	int64_t started_ms;
	long open_connections;           /* updated atomically */
	size_t body_bytes;               /* held for request bodies (atomically),
					  * at most [web] body_budget_bytes */
	int serving;                     /* set (atomically) once confined: before
					  * it, every request gets 503 "starting" */
	char portal_page[PB_WEB_PORTAL_PAGE_MAX]; /* where the portal sends phones */
	struct pb_pool *pool;            /* server.c: handlers that may wait */
	struct pb_health *health;        /* health.c: the write probe */
	struct pb_att_queue checkin_queue; /* the group commit of check-ins */
};

/* One request, from the first callback to completion. */
struct pb_req {
	struct pb_web *web;
	struct MHD_Connection *conn;
	const struct pb_http_route *route;
	const char *method;
	const char *url;
	char client[PB_HTTP_ADDR_MAX];   /* client address as text */
	int is_head;
	pb_http_params params;           /* the route's '*' segments */
	struct pb_http_body body;        /* up to the route's limit (pb_route_body_max) */
	size_t body_held;                /* counted in web->body_bytes */
	char budget_key[PB_HTTP_ADDR_MAX]; /* whose share it takes (server.c) */
	/* ROUTE_STAFF: the login (and its CSRF token) server.c checked before
	 * the body; pb_require_staff takes it from here. */
	struct pb_login login;
	int login_checked;
	int too_many_params;             /* seen in the raw URI (server.c) */
	size_t target_len;               /* bytes of the raw request target */
	/* A handler run in the pool (server.c) leaves its answer here; the
	 * event loop queues it when the connection resumes. */
	int in_pool;
	int pool_done;
	struct MHD_Response *answer;
	unsigned answer_status;
	struct pb_req *pool_next;
};

/* pb-web's route flags (struct pb_http_route.flags), beside the layer's
 * PB_HTTP_PREFIX. */
enum pb_route_flags {
	ROUTE_BODY = 1 << 0,             /* takes a JSON form (PB_WEB_JSON_BODY_MAX) */
	ROUTE_PREFIX = PB_HTTP_PREFIX,   /* pattern matches any path below it */
	ROUTE_QUICK = 1 << 2,            /* never waits: run in the event loop, not the pool */
	ROUTE_SANDBOX = 1 << 6,          /* content not the box's own: pb_http_sandbox_headers */
	/* Needs a staff login and its CSRF token (pb_require_staff), checked
	 * by server.c before a byte of the body is taken and kept in the
	 * request (r->login); the handler's pb_require_staff takes it from
	 * there, and checks anything finer (fasilitator only). */
	ROUTE_STAFF = 1 << 7,
	ROUTE_ADMIN = ROUTE_STAFF | 1 << 8,        /* ... and the admin role */
	ROUTE_LOGIN = ROUTE_STAFF | 1 << 9,        /* ... a mentor too (PB_NEED_LOGIN) */
	/* Bodies larger than a JSON form (pb_route_body_max) */
	ROUTE_BODY_SIGNED = ROUTE_BODY | 1 << 3,   /* PB_WEB_SIGNED_BODY_MAX */
	ROUTE_BODY_RECEIPT = ROUTE_BODY | 1 << 4,  /* a receipt in base64 plus that */
	ROUTE_BODY_FILE = ROUTE_BODY | 1 << 5,     /* [web] max_body_bytes: CSV imports */
	/* [learning] worksheet_photos_max receipts' worth in base64 plus that */
	ROUTE_BODY_WORKSHEET = ROUTE_BODY | 1 << 10,
};

/* routes.c: pb-web's route table, and the tables it answers (pb_routes
 * first, then any other NULL-terminated table a part of pb-web adds). */
extern const struct pb_http_route pb_routes[];
extern pb_http_routes pb_web_routes;
/* Bytes of body the route takes: 0 without ROUTE_BODY. */
size_t pb_route_body_max(const struct pb_http_route *rt, const struct pb_config *cfg);

/* server.c */
int pb_server_start(struct pb_web *w);
void pb_server_stop(struct pb_web *w);
sqlite3 *pb_web_db(struct pb_web *w);    /* this thread's handle, or NULL */

/* respond.c */
enum MHD_Result pb_queue(struct pb_req *r, unsigned status, struct MHD_Response *resp);
enum MHD_Result pb_respond_json(struct pb_req *r, unsigned status, json_t *body);
/* lang.c: 1 when the request asks for English (?lang=en, or an
 * Accept-Language whose first language is English). */
int pb_req_en(struct pb_req *r);
/* The message for an error code in the request's language: id, or its
 * English text. */
const char *pb_msg(struct pb_req *r, const char *code, const char *id);
/* The language pb_msg answers for code: "en" or "id" (the "lang" of an
 * error answer, so that a page shows only messages in its language). */
const char *pb_msg_lang(struct pb_req *r, const char *code);
/* The language of a message written for this request in both languages. */
#define PB_LANG(r) (pb_req_en(r) ? "en" : "id")

enum MHD_Result pb_respond_error(struct pb_req *r, unsigned status, const char *code,
				 const char *message);
/* The same with the English of lang.c's key ("login_required.admin"), for
 * a code whose words differ by route. */
enum MHD_Result pb_respond_error_as(struct pb_req *r, unsigned status, const char *code,
				    const char *key, const char *message);
enum MHD_Result pb_respond_buffer(struct pb_req *r, unsigned status, const char *mime,
				  void *data, size_t len, int free_it);
struct MHD_Response *pb_buffer_response(struct pb_req *r, const char *mime,
					void *data, size_t len, int free_it);
/* 200 with data (malloc'd, taken) as a file to save under filename,
 * never cached (exports of personal data and money). */
enum MHD_Result pb_respond_download(struct pb_req *r, const char *mime, void *data, size_t len,
				    const char *filename);
enum MHD_Result pb_respond_busy(struct pb_req *r);
enum MHD_Result pb_respond_starting(struct pb_req *r);
enum MHD_Result pb_respond_body_budget(struct pb_req *r);
/* An error with "retry_after_s" and the Retry-After header (429, 503). */
enum MHD_Result pb_respond_retry(struct pb_req *r, unsigned status, const char *code,
				 const char *message, unsigned retry_s);
enum MHD_Result pb_respond_page_error(struct pb_req *r, unsigned status,
				      const char *title, const char *text);
/* pb_queue adds pb_http_security_headers, or pb_http_sandbox_headers on
 * ROUTE_SANDBOX routes (module and lesson files); a handler queueing by
 * itself adds them itself. */
int pb_accepts_gzip(struct pb_req *r);
void *pb_gzip(const void *in, size_t len, size_t *out_len);   /* malloc'd or NULL */
const char *pb_header(struct pb_req *r, const char *name);
/* The header a teacher's page sends its check-in id in, as proof of who
 * asks (claims, learning). */
#define PB_PROOF_HEADER "X-Checkin-Id"
const char *pb_query(struct pb_req *r, const char *name);
/* A decimal record id from a path or query (1 .. 10^15), 0/-1. */
int pb_parse_id(const char *s, int64_t *out);
int pb_etag_matches(const char *if_none_match, const char *etag);

/* auth.c: staff logins, the "require staff + CSRF" gate, the clock step */
#define PB_CLOCK_WARN_MS      (5 * 60 * 1000)   /* staff pages warn from this difference,
							  and a staff browser steps the clock */
#define PB_DEVICE_COOKIE_MAX_AGE (400 * 24 * 3600)
enum pb_staff_need {
	PB_NEED_STAFF = 0,       /* fasilitator or admin: a mentor gets 403 mentor_not_allowed */
	PB_NEED_ADMIN,
	PB_NEED_LOGIN,           /* any staff login, a mentor too: its own login,
				  * worksheet reviews and learning results (the
				  * handler narrows a mentor to its assignments,
				  * pb_mentor.h) */
};
/* A mentor's login: the handler limits what it sees to its assignments. */
#define PB_IS_MENTOR(who) (strcmp((who)->role, "mentor") == 0)
/* 1 if the request comes from a logged-in staff member with the role (and,
 * if need_csrf, the login's X-CSRF-Token); else 0 with an error response
 * already queued in *ret. On a ROUTE_STAFF route the login was checked
 * (with its token) before the body, and is not asked for again. */
int pb_require_staff(struct pb_req *r, enum pb_staff_need need, int need_csrf,
		     struct pb_login *who, enum MHD_Result *ret);
/* JSON response with extra headers: pairs of name, value, then NULL. */
enum MHD_Result pb_respond_json_with(struct pb_req *r, unsigned status, json_t *body,
				     const char *const *headers);
/* The request body as a JSON object, or NULL with an error queued in *ret. */
json_t *pb_body_json(struct pb_req *r, enum MHD_Result *ret);
/* fields.c: bodies checked against a field table (pb_fields.h). The
 * answer for a failed field: its error, with "field" when it names one. */
enum MHD_Result pb_respond_field(struct pb_req *r, const struct pb_field_error *e);
/* in checked against t, values into out: 0, or -1 with the first failing
 * field's answer queued in *ret. */
int pb_fields_take(struct pb_req *r, const json_t *in, const struct pb_fields *t, void *out,
		   enum MHD_Result *ret);
/* pb_body_json, then pb_fields_take: the body (the caller's), or NULL
 * with the answer queued in *ret. */
json_t *pb_body_fields(struct pb_req *r, const struct pb_fields *t, void *out,
		       enum MHD_Result *ret);
/* Load the clock offset kept by [attendance] clock_adjust = offset. */
void pb_clock_restore(struct pb_web *w, sqlite3 *db);
enum MHD_Result pb_handle_login(struct pb_req *r);
enum MHD_Result pb_handle_logout(struct pb_req *r);
enum MHD_Result pb_handle_me(struct pb_req *r);
enum MHD_Result pb_handle_clock(struct pb_req *r);

/* admin_sync.c */
enum MHD_Result pb_handle_admin_sync(struct pb_req *r);
enum MHD_Result pb_handle_admin_sync_now(struct pb_req *r);
enum MHD_Result pb_handle_admin_update_apply(struct pb_req *r);
/* 1 while the admin's install request waits for pb-update-apply (admin_update.c). */
int pb_update_apply_requested(const struct pb_config *cfg);
/* admin_usb.c: the USB stick's jobs and the installed modules */
enum MHD_Result pb_handle_admin_usb(struct pb_req *r);
enum MHD_Result pb_handle_admin_usb_export(struct pb_req *r);
enum MHD_Result pb_handle_admin_usb_import(struct pb_req *r);
enum MHD_Result pb_handle_admin_modules(struct pb_req *r);
enum MHD_Result pb_handle_admin_module_remove(struct pb_req *r);

/* api_attendance.c */
enum MHD_Result pb_handle_sessions_list(struct pb_req *r);
enum MHD_Result pb_handle_session_create(struct pb_req *r);
enum MHD_Result pb_handle_session_get(struct pb_req *r);
enum MHD_Result pb_handle_roster(struct pb_req *r);
enum MHD_Result pb_handle_code(struct pb_req *r);
enum MHD_Result pb_handle_checkin_lookup(struct pb_req *r);
enum MHD_Result pb_handle_checkin(struct pb_req *r);
enum MHD_Result pb_handle_attendance(struct pb_req *r);
/* The session whose id is sid (a path parameter or query value), with its
 * secret wiped: 0, or -1 with the error answer (404 no_session, or the
 * database error) queued in *ret. */
int pb_session_load(struct pb_req *r, sqlite3 *db, const char *sid, struct pb_kegiatan *k,
		    enum MHD_Result *ret);
enum MHD_Result pb_handle_attendance_csv(struct pb_req *r);
enum MHD_Result pb_handle_jp_csv(struct pb_req *r);
enum MHD_Result pb_handle_mark(struct pb_req *r);
enum MHD_Result pb_handle_lock(struct pb_req *r);
enum MHD_Result pb_handle_unlock(struct pb_req *r);
enum MHD_Result pb_handle_allow(struct pb_req *r);
enum MHD_Result pb_handle_signature(struct pb_req *r);
enum MHD_Result pb_handle_session_qr(struct pb_req *r);
/* The check-in address for one session (http://short_name/presensi.html?s=ID). */
#define PB_CHECKIN_URL_MAX 200
int pb_checkin_url(const struct pb_web *w, int64_t session, char *out, size_t len);
/* Staff only: the strokes load() finds for the id in the path, as SVG. */
enum MHD_Result pb_respond_signature(struct pb_req *r, char *(*load)(sqlite3 *db, int64_t id));
/* The common part of lookup, check-in and the claims proof: the body
 * {session, nuptk, code} checked (today a session day, the code valid);
 * returns the body, or NULL with an error queued in *ret. */
json_t *pb_checkin_common(struct pb_req *r, sqlite3 *db, struct pb_kegiatan *k,
			  char day[PB_DAY_LEN + 1], enum MHD_Result *ret);

/* photo.c: photos from phones (claim receipts, worksheet photos). */
enum pb_photo_kind { PB_PHOTO_RECEIPT, PB_PHOTO_WORKSHEET };
struct pb_photo {
	struct pb_store *store;
	unsigned char *data;             /* the JPEG encoded anew (malloc'd) */
	size_t len;
	const char *mime;
	char sha[PB_SHA256_HEX_LEN + 1];
};
/* Check {"type", "data": base64} against [claims] receipt_max_bytes and
 * receipt_max_pixels and encode it anew (pb_image): 0, or -1 with a
 * refusal in the words of that kind of photo queued in *ret. */
int pb_photo_take(struct pb_req *r, const json_t *j, enum pb_photo_kind kind,
		  struct pb_photo *p, enum MHD_Result *ret);
/* Write a taken photo (ctx) into the content store: 0 (sha set) or -1. */
int pb_photo_store(void *ctx, char sha[PB_SHA256_HEX_LEN + 1]);
void pb_photo_free(struct pb_photo *p);
/* 200 with the store's file of that hash, never cached; 404 (missing:
 * the message) when the store has lost it. */
enum MHD_Result pb_respond_photo(struct pb_req *r, const char *sha, const char *mime,
				 const char *missing);

/* api_claims.c */
enum MHD_Result pb_handle_claim_submit(struct pb_req *r);
enum MHD_Result pb_handle_claim_withdraw(struct pb_req *r);
enum MHD_Result pb_handle_claims_teacher(struct pb_req *r);
enum MHD_Result pb_handle_claim_options(struct pb_req *r);
enum MHD_Result pb_handle_claim_decision(struct pb_req *r);
enum MHD_Result pb_handle_claim_bulk(struct pb_req *r);
enum MHD_Result pb_handle_claim_receipt(struct pb_req *r);
enum MHD_Result pb_handle_claim_signature(struct pb_req *r);
enum MHD_Result pb_handle_session_claims(struct pb_req *r);
enum MHD_Result pb_handle_session_claims_csv(struct pb_req *r);
enum MHD_Result pb_handle_claim_settings(struct pb_req *r);
enum MHD_Result pb_handle_claim_bank(struct pb_req *r);
/* api_papers.c */
enum MHD_Result pb_handle_papers(struct pb_req *r);
enum MHD_Result pb_handle_papers_set(struct pb_req *r);
/* api_xlsx.c */
enum MHD_Result pb_handle_claims_xlsx(struct pb_req *r);
enum MHD_Result pb_handle_attendance_xlsx(struct pb_req *r);
enum MHD_Result pb_handle_jp_xlsx(struct pb_req *r);
enum MHD_Result pb_handle_rates(struct pb_req *r);
enum MHD_Result pb_handle_claim_proof(struct pb_req *r);

/* api_learning.c */
enum MHD_Result pb_handle_learning_module(struct pb_req *r);
enum MHD_Result pb_handle_learning_progress(struct pb_req *r);
enum MHD_Result pb_handle_learning_start(struct pb_req *r);
enum MHD_Result pb_handle_learning_attempt(struct pb_req *r);
enum MHD_Result pb_handle_learning_answer(struct pb_req *r);
enum MHD_Result pb_handle_learning_finish(struct pb_req *r);
enum MHD_Result pb_handle_learning_results(struct pb_req *r);
enum MHD_Result pb_handle_learning_results_csv(struct pb_req *r);
enum MHD_Result pb_handle_learning_submit(struct pb_req *r);
enum MHD_Result pb_handle_learning_photo(struct pb_req *r);
enum MHD_Result pb_handle_learning_queue(struct pb_req *r);
enum MHD_Result pb_handle_learning_queue_all(struct pb_req *r);
enum MHD_Result pb_handle_learning_xlsx(struct pb_req *r);
enum MHD_Result pb_handle_admin_mentors(struct pb_req *r);
enum MHD_Result pb_handle_admin_mentor_assign(struct pb_req *r);
enum MHD_Result pb_handle_learning_review(struct pb_req *r);

/* health.c: the write probe behind /healthz (its own thread and
 * connection; the first probe runs before pb_health_start returns) */
struct pb_health;
struct pb_health *pb_health_start(const char *db_path);
void pb_health_stop(struct pb_health *h);

/* handlers */
enum MHD_Result pb_handle_health(struct pb_req *r);
enum MHD_Result pb_handle_modules(struct pb_req *r);
void pb_modules_cache_free(void);
enum MHD_Result pb_handle_module(struct pb_req *r);
enum MHD_Result pb_handle_file(struct pb_req *r);
enum MHD_Result pb_handle_lesson(struct pb_req *r);
void pb_files_cache_free(void);
enum MHD_Result pb_handle_static(struct pb_req *r);
/* redirect.c: the new name of a page renamed (rel: below the web app,
 * no leading '/'), NULL for any other path; and its 301 answer, the query
 * string kept. */
const char *pb_redirect_find(const char *rel);
enum MHD_Result pb_redirect_answer(struct pb_req *r, const char *now);

/* portal.c: the captive portal. The hook runs before routing: requests
 * for a Host that is not the box are answered by pb_portal_answer. */
void pb_portal_setup(struct pb_web *w);      /* provisioned Wi-Fi, setup page */
int pb_portal_foreign_host(struct pb_req *r);
enum MHD_Result pb_portal_answer(struct pb_req *r);
enum MHD_Result pb_handle_captive_api(struct pb_req *r);
enum MHD_Result pb_handle_portal_info(struct pb_req *r);
enum MHD_Result pb_handle_portal_accept(struct pb_req *r);
enum MHD_Result pb_handle_portal_page(struct pb_req *r);
/* admin_wifi.c */
enum MHD_Result pb_handle_admin_wifi(struct pb_req *r);
enum MHD_Result pb_handle_admin_wifi_poster(struct pb_req *r);

/* guard.c: wrong session codes per client address, device and session
 * ([attendance] code_fail_max, code_fail_max_session, code_fail_window_s),
 * and box-wide (code_long_after: long codes for code_long_s),
 * and NUPTKs without a check-in tried with a right code per address and
 * device ([attendance] nuptk_miss_max in the same window) */
#define PB_DEVICE_COOKIE      "pb_dev"  /* a phone's lasting id (check-in) */
#define PB_GUARD_KEY_MAX      64     /* bytes of an address or device id */
#define PB_GUARD_CLIENTS_MAX  1024   /* addresses (and devices) counted at once */
#define PB_GUARD_SESSIONS_MAX 256    /* sessions counted at once */
#define PB_GUARD_ANY_SESSION  0      /* a code typed without a session (the code picks it) */
/* Before a code is checked: 0 (the attempt now counts as a wrong code),
 * or the seconds this client must wait (answer 429). device may be NULL.
 * *digits gets the length codes have for this attempt. */
unsigned pb_guard_code_try(struct pb_web *w, const char *client, const char *device,
			   int64_t session, unsigned *digits);
/* The length session codes have now: PB_CODE_DIGITS, or PB_CODE_LONG_DIGITS
 * for [attendance] code_long_s after code_long_after wrong codes box-wide
 * within code_long_s. */
unsigned pb_guard_code_digits(struct pb_web *w);
/* The code was right (or no guess): give the attempt back. */
void pb_guard_code_ok(struct pb_web *w, const char *client, const char *device,
		      int64_t session);
/* Wrong codes and refused attempts for a session since pb-web started. */
void pb_guard_code_stats(int64_t session, unsigned *wrong, unsigned *refused);
/* The phone's device id (cookie PB_DEVICE_COOKIE), or NULL. */
const char *pb_guard_device(struct pb_req *r);
/* Before a NUPTK is looked up: 0 (the attempt now counts as a miss), or
 * the seconds this client must wait (answer 429). device may be NULL. */
unsigned pb_guard_nuptk_try(struct pb_web *w, const char *client, const char *device);
/* The NUPTK had a check-in: give the attempt back. */
void pb_guard_nuptk_ok(struct pb_web *w, const char *client, const char *device);
/* Before a lookup makes a ticket: 0 (counted), or the seconds this client
 * must wait ([attendance] lookup_max in code_fail_window_s; answer 429). */
unsigned pb_guard_lookup_try(struct pb_web *w, const char *client);
void pb_guard_reset(void);               /* forget every count (harnesses) */

/* sandbox.c: the seccomp filter for every thread ([web] seccomp); 0/-1 */
int pb_sandbox_enter(void);

/* webpath.c: 1 if a (decoded) web app path may be opened below webapp_dir */
int pb_static_path_ok(const char *p);

#endif
