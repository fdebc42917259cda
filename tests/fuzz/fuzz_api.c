/* Fuzz the request bodies of every pb-web route that takes one, through
 * pb-web's own request path: libmicrohttpd parses a real HTTP request
 * handed over on a socket pair (MHD_add_connection, no listening socket,
 * driven by MHD_run in this thread), server.c's on_request collects the
 * body and routes it, and the real handler parses, validates and stores
 * into a real SQLite database in a temporary folder, made at start with a
 * staff login of each role, a session running today with a roster, a rate
 * table, a check-in and a claim.
 *
 * Input: byte 0 picks the route (ROUTES[]: every route with a body, and
 * GET routes), byte 1 who sends it (bits 0-1: nobody, fasilitator, admin;
 * bit 2: without the CSRF token; bit 3: the input starts with header
 * lines, up to an empty line), the rest is the body (for a GET, the query
 * string). In it, @CODE@ becomes the session's current code, @TODAY@
 * today's date and @CHECKIN@ the uid of the stored check-in, so the fuzzer
 * gets past those checks and reaches what comes after.
 *
 * What must hold: an answer comes (a status line with a 3-digit status);
 * no crash, leak or undefined behaviour (sanitizers); a refusal on /api/
 * is a JSON {"error", "message"} (or a page a browser asked for) and not a
 * 500; a refusal, and any GET, leaves every record of the database as it
 * was (only the logs may grow: audit, login failures, the login's last
 * use). After an input that changed the database it is put back as it was
 * at start, so every input meets the same box. At start, every route of
 * pb-web that takes a body must be in ROUTES[], and every row of ROUTES[]
 * must be a route of pb-web: a new route is fuzzed from the day it comes.
 *
 * The one stand-in: pb_password_hash (libsodium Argon2id) is wrapped
 * (-Wl,--wrap) to use libsodium's smallest limits, so a login attempt
 * costs microseconds instead of 16 MB and tens of milliseconds; the check
 * itself is still crypto_pwhash_str_verify. */
#include "fuzzdb.h"

/* pb-web's request path itself (static functions): on_request,
 * on_completed, on_connection, pb_web_db (the body and the path's
 * decoding through pb_http). */
#include "server.c"

#include "pb_attendance.h"
#include "pb_catalog.h"
#include "pb_clock.h"
#include "pb_code.h"
#include "pb_hash.h"
#include "pb_manifest.h"
#include "pb_password.h"
#include "pb_staff.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <time.h>

#define REQ_MAX        (80 * 1024)
#define ANSWER_MAX     (256 * 1024)
#define RUNS_MAX       100000      /* MHD_run rounds before "no answer" */
#define HEAD_MAX       (24 * 1024)
#define EXTRA_MAX      (16 * 1024) /* header lines from the input */
#define QUERY_MAX      4096
#define TOKEN_MAX      160

int __wrap_pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN]);

int __wrap_pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN])
{
	return crypto_pwhash_str_alg(out, password, strlen(password),
				     crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
				     crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

enum { WHO_NOBODY, WHO_FASIL, WHO_ADMIN };

struct route {
	const char *method;
	const char *path;        /* %S: the session id, %C: the claim id, %H: the file,
				  * %M: the module, %A: an attempt or worksheet id (1) */
	const char *ctype;
};

static const struct route ROUTES[] = {
	{ "POST", "/api/v1/portal/accept", "application/x-www-form-urlencoded" },
	{ "POST", "/api/v1/admin/sync/now", "application/json" },
	{ "POST", "/api/v1/login", "application/json" },
	{ "POST", "/api/v1/logout", "application/json" },
	{ "POST", "/api/v1/clock", "application/json" },
	{ "POST", "/api/v1/sessions", "application/json" },
	{ "POST", "/api/v1/sessions/%S/roster", "text/csv" },
	{ "POST", "/api/v1/sessions/%S/marks", "application/json" },
	{ "POST", "/api/v1/sessions/%S/lock", "application/json" },
	{ "POST", "/api/v1/sessions/%S/unlock", "application/json" },
	{ "POST", "/api/v1/sessions/%S/allow", "application/json" },
	{ "POST", "/api/v1/checkin/lookup", "application/json" },
	{ "POST", "/api/v1/checkin", "application/json" },
	{ "POST", "/api/v1/claims", "application/json" },
	{ "POST", "/api/v1/claims/proof", "application/json" },
	{ "POST", "/api/v1/claims/%C/decision", "application/json" },
	{ "POST", "/api/v1/sessions/%S/claims/decisions", "application/json" },
	{ "POST", "/api/v1/sessions/%S/claim-settings", "application/json" },
	{ "POST", "/api/v1/rates", "text/csv" },
	/* GET: the rest of the input is the query string */
	{ "GET", "/healthz", NULL },
	{ "GET", "/api/v1/modules", NULL },
	{ "GET", "/api/v1/modules/fuzz-modul-1", NULL },
	{ "GET", "/f/%H/isi.txt", NULL },
	{ "GET", "/api/captive", NULL },
	{ "GET", "/portal", NULL },
	{ "GET", "/api/v1/portal", NULL },
	{ "GET", "/api/v1/admin/sync", NULL },
	{ "GET", "/api/v1/me", NULL },
	{ "GET", "/api/v1/sessions", NULL },
	{ "GET", "/api/v1/sessions/%S", NULL },
	{ "GET", "/api/v1/sessions/%S/code", NULL },
	{ "GET", "/api/v1/sessions/%S/attendance", NULL },
	{ "GET", "/api/v1/sessions/%S/attendance.csv", NULL },
	{ "GET", "/api/v1/sessions/%S/jp.csv", NULL },
	{ "GET", "/api/v1/attendance/1/signature.svg", NULL },
	{ "GET", "/api/v1/claims", NULL },
	{ "GET", "/api/v1/claims/options", NULL },
	{ "GET", "/api/v1/claims/%C/receipt", NULL },
	{ "GET", "/api/v1/claims/%C/signature.svg", NULL },
	{ "GET", "/api/v1/sessions/%S/claims", NULL },
	{ "GET", "/api/v1/sessions/%S/claims.csv", NULL },
	{ "GET", "/", NULL },
	{ "GET", "/index.html", NULL },
	{ "GET", "/api/v1/admin/wifi", NULL },
	{ "GET", "/admin/wifi/poster", NULL },
	/* the papers: their data, a teacher's bank account, the spreadsheets */
	{ "POST", "/api/v1/sessions/%S/papers", "application/json" },
	{ "POST", "/api/v1/claims/bank", "application/json" },
	{ "GET", "/api/v1/sessions/%S/papers", NULL },
	{ "GET", "/api/v1/sessions/%S/claims.xlsx", NULL },
	{ "GET", "/api/v1/sessions/%S/attendance.xlsx", NULL },
	{ "GET", "/api/v1/sessions/%S/jp.xlsx", NULL },
	{ "POST", "/api/v1/claims/%C/withdraw", "application/json" },
	/* learning: progress, test attempts, worksheets */
	{ "POST", "/api/v1/learning/modules/%M/progress", "application/json" },
	{ "POST", "/api/v1/learning/attempts", "application/json" },
	{ "POST", "/api/v1/learning/attempts/%A/answers", "application/json" },
	{ "POST", "/api/v1/learning/attempts/%A/finish", "application/json" },
	{ "POST", "/api/v1/learning/worksheets", "application/json" },
	{ "POST", "/api/v1/sessions/%S/worksheets/%A/review", "application/json" },
	/* mentors: their assignments, the queue over sessions, worksheet photos */
	{ "POST", "/api/v1/admin/mentors/assign", "application/json" },
	{ "GET", "/api/v1/admin/mentors", NULL },
	{ "GET", "/api/v1/worksheets", NULL },
	{ "GET", "/api/v1/learning/worksheets/%A/photos/1", NULL },
	/* the USB stick's jobs and the modules (admin) */
	{ "POST", "/api/v1/admin/usb/export", "application/json" },
	{ "POST", "/api/v1/admin/usb/import", "application/json" },
	{ "POST", "/api/v1/admin/modules/remove", "application/json" },
	{ "GET", "/api/v1/admin/usb", NULL },
	{ "GET", "/api/v1/admin/modules", NULL },
	/* installing a downloaded release (admin; last, so the seeds above keep their routes) */
	{ "POST", "/api/v1/admin/update/apply", "application/json" },
};
#define NROUTES (sizeof(ROUTES) / sizeof(ROUTES[0]))

/* Tables that may change on a refusal: logs, not records. */
static const char *const LOG_TABLES[] = { "audit", "login_failure", "staff_login", NULL };

static struct pb_web web;
static struct MHD_Daemon *mhd;
static sqlite3 *pristine;                  /* the database as set up */
static unsigned char pristine_digest[FUZZDB_DIGEST_LEN];
static int64_t session_id, claim_id;
static char checkin_uid[PB_ID_HEX_LEN + 1];
static char token[3][TOKEN_MAX], csrf[3][TOKEN_MAX];
static char file_sha[PB_SHA256_HEX_LEN + 1];

static void cleanup(void)
{
	if (mhd != NULL)
		MHD_stop_daemon(mhd);
	mhd = NULL;
	pb_conn_count_free(&web.conn_count);
	pb_modules_cache_free();
	pb_files_cache_free();
	sqlite3_close(pristine);
	pristine = NULL;
}

/* One request through libmicrohttpd and pb-web; the answer's status, the
 * answer (NUL-terminated) in ans. */
static int http(const char *method, const char *path, const char *ctype, const char *extra,
		const char *body, size_t blen, char *ans, size_t alen)
{
	static char head[HEAD_MAX];
	struct sockaddr_in sin;
	size_t sent = 0, got = 0, hlen;
	int sv[2], status = 0, closed = 0, n;
	long runs = 0;

	/* the fuzzer's own Host header, if it sent one, replaces ours */
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\n%sConnection: close\r\n", method,
		     path, strncasecmp(extra, "host:", 5) == 0 || strcasestr(extra, "\nhost:") ?
		     "" : "Host: localhost\r\n");
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(head));
	hlen = (size_t)n;
	if (ctype != NULL) {
		n = snprintf(head + hlen, sizeof(head) - hlen, "Content-Type: %s\r\n"
			     "Content-Length: %zu\r\n", ctype, blen);
		FUZZ_CHECK(n >= 0 && hlen + (size_t)n < sizeof(head));
		hlen += (size_t)n;
	} else {
		blen = 0;               /* a GET has no body */
	}
	n = snprintf(head + hlen, sizeof(head) - hlen, "%s\r\n", extra);
	FUZZ_CHECK(n >= 0 && hlen + (size_t)n < sizeof(head));
	hlen += (size_t)n;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(MHD_add_connection(mhd, sv[0], (const struct sockaddr *)&sin,
				      sizeof(sin)) == MHD_YES);
	while (!closed) {
		FUZZ_CHECK(++runs < RUNS_MAX);
		while (sent < hlen + blen) {
			const char *from = sent < hlen ? head + sent : body + (sent - hlen);
			size_t left = sent < hlen ? hlen - sent : hlen + blen - sent;
			ssize_t w = send(sv[1], from, left, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			sent += (size_t)w;
		}
		MHD_run(mhd);
		for (;;) {
			char sink[4096];
			ssize_t r = got + 1 < alen ? read(sv[1], ans + got, alen - 1 - got) :
						     read(sv[1], sink, sizeof(sink));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				closed = 1;
				break;
			}
			if (r < 0)
				break;
			if (got + 1 < alen)
				got += (size_t)r;
		}
	}
	close(sv[1]);
	MHD_run(mhd);                      /* let it finish the closed connection */
	ans[got] = '\0';
	if (got >= 12 && strncmp(ans, "HTTP/1.1 ", 9) == 0)
		status = (int)strtol(ans + 9, NULL, 10);
	return status;
}

static const char *answer_body(const char *ans)
{
	const char *b = strstr(ans, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

/* A JSON request during setup; the answer body parsed. */
static json_t *setup_call(int who, const char *path, const char *ctype, const char *body,
			  int want)
{
	static char ans[ANSWER_MAX];
	char extra[512] = "";
	json_t *j;
	int st;

	if (who != WHO_NOBODY)
		snprintf(extra, sizeof(extra), "Cookie: pb_sid=%s\r\nX-CSRF-Token: %s\r\n",
			 token[who], csrf[who]);
	st = http("POST", path, ctype, extra, body, strlen(body), ans, sizeof(ans));
	if (st != want) {
		fprintf(stderr, "fuzz-api setup: %s answered %d, not %d:\n%s\n", path, st, want,
			ans);
		abort();
	}
	j = json_loads(answer_body(ans), 0, NULL);
	FUZZ_CHECK(j != NULL);
	return j;
}

static void login(int who, const char *user, const char *role)
{
	static char ans[ANSWER_MAX];
	char body[256];
	const char *c;
	json_t *j;
	sqlite3 *db = pb_web_db(&web);

	FUZZ_CHECK(pb_staff_add(db, user, role, "", "rahasia-fuzz-1") == PB_STAFF_OK);
	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"rahasia-fuzz-1\"}", user);
	FUZZ_CHECK(http("POST", "/api/v1/login", "application/json", "", body, strlen(body),
			ans, sizeof(ans)) == 200);
	c = strstr(ans, "pb_sid=");
	FUZZ_CHECK(c != NULL);
	c += 7;
	snprintf(token[who], sizeof(token[who]), "%.*s", (int)strcspn(c, ";\r"), c);
	j = json_loads(answer_body(ans), 0, NULL);
	FUZZ_CHECK(json_is_string(json_object_get(j, "csrf")));
	snprintf(csrf[who], sizeof(csrf[who]), "%s", json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
}

/* ROUTES[] and pb-web's own table agree (routes.c). */
static void check_routes(void)
{
	pb_http_params params;
	int matched;

	for (size_t i = 0; i < NROUTES; i++) {
		const char *p = ROUTES[i].path;
		char path[256];
		size_t o = 0;
		for (; *p && o + 2 < sizeof(path); p++)
			if (p[0] == '%' && p[1] != '\0') {
				path[o++] = '1';       /* an id; the hash of a file is a segment too */
				p++;
			} else {
				path[o++] = *p;
			}
		path[o] = '\0';
		const struct pb_http_route *rt = pb_http_route_find(pb_web_routes, ROUTES[i].method,
								     path, params, &matched);
		/* only the web app's own pages may land on the catch-all */
		if (rt == NULL || ((rt->flags & ROUTE_PREFIX) && strcmp(path, "/") != 0 &&
				   strstr(path, ".html") == NULL)) {
			fprintf(stderr, "fuzz-api: %s %s is no route of pb-web\n", ROUTES[i].method,
				ROUTES[i].path);
			abort();
		}
	}
	for (const struct pb_http_route *rt = pb_routes; rt->method != NULL; rt++) {
		int found = 0;
		if (!(rt->flags & ROUTE_BODY))
			continue;
		for (size_t i = 0; i < NROUTES && !found; i++) {
			const char *a = ROUTES[i].path, *b = rt->pattern;
			while (*a && *b && (*a == *b || (a[0] == '%' && b[0] == '*'))) {
				a += a[0] == '%' ? 2 : 1;
				b++;
			}
			found = *a == '\0' && *b == '\0' && strcmp(ROUTES[i].method, rt->method) == 0;
		}
		if (!found) {
			fprintf(stderr, "fuzz-api: %s %s takes a body but is not fuzzed: add it to "
				"ROUTES[] in tests/fuzz/fuzz_api.c\n", rt->method, rt->pattern);
			abort();
		}
	}
}

/* One module with one file in the store, as a USB import leaves it. */
static void add_module(const char *dir)
{
	char src[PATH_MAX], manifest[1024], err[256];
	struct pb_manifest m;
	enum pb_catalog_change ch;
	int64_t size = 0;
	FILE *f;

	snprintf(src, sizeof(src), "%s/isi.txt", dir);
	f = fopen(src, "w");
	FUZZ_CHECK(f != NULL);
	for (int i = 0; i < 200; i++)
		fprintf(f, "Baris %d isi modul contoh.\n", i);
	fclose(f);
	FUZZ_CHECK(pb_sha256_file(src, file_sha, &size) == 0);
	FUZZ_CHECK(pb_store_import(&web.store, src, file_sha, &size, err, sizeof(err)) ==
		   PB_STORE_ADDED);
	snprintf(manifest, sizeof(manifest), "{\"format\":1,\"modules\":[{\"id\":\"fuzz-modul-1\","
		 "\"title\":\"Modul Contoh\",\"kk\":\"A\",\"subject\":\"IPA\",\"level\":\"SMP\","
		 "\"description\":\"Untuk pengujian\",\"files\":[{\"path\":\"isi.txt\",\"name\":"
		 "\"Isi\",\"sha256\":\"%s\",\"size\":%lld,\"mime\":\"text/plain\"}]}]}",
		 file_sha, (long long)size);
	memset(&m, 0, sizeof(m));
	FUZZ_CHECK(pb_manifest_parse(manifest, strlen(manifest), &m, err, sizeof(err)) == 0);
	FUZZ_CHECK(m.nmodules == 1 && m.modules[0].error[0] == '\0');
	FUZZ_CHECK(pb_catalog_upsert(pb_web_db(&web), &m.modules[0], "usb", &ch) == 0);
	pb_manifest_free(&m);
}

static void setup(void)
{
	char path[256], body[1024], today[PB_DAY_LEN + 1];
	const char *dir;
	sqlite3 *db;
	json_t *j;
	FILE *f;

	check_routes();
	FUZZ_CHECK(sodium_init() >= 0);
	pb_log_init("fuzz-api");
	pb_log_set_level(getenv("FUZZ_LOG") != NULL ? LOG_DEBUG : LOG_CRIT);
	dir = fuzzdb_make_dir("api");
	atexit(cleanup);
	pb_config_defaults(&web.cfg);
	snprintf(web.cfg.data_dir, sizeof(web.cfg.data_dir), "%s", dir);
	snprintf(web.cfg.webapp_dir, sizeof(web.cfg.webapp_dir), "%s/webapp", PB_SOURCE_DIR);
	snprintf(web.cfg.clock_adjust, sizeof(web.cfg.clock_adjust), "off");
	snprintf(web.cfg.claims_province, sizeof(web.cfg.claims_province), "Jawa Timur");
	/* the phone's DHCP lease (the portal, the Wi-Fi page) and no hostapd:
	 * nothing of the machine running the harness is read */
	snprintf(web.cfg.net_lease_file, sizeof(web.cfg.net_lease_file), "%s/leases", dir);
	snprintf(web.cfg.net_hostapd_ctrl, sizeof(web.cfg.net_hostapd_ctrl), "%s/hostapd", dir);
	/* an install request lands in the harness's folder, not /run */
	snprintf(web.cfg.update_apply_request, sizeof(web.cfg.update_apply_request), "%s/apply", dir);
	f = fopen(web.cfg.net_lease_file, "w");
	FUZZ_CHECK(f != NULL);
	fprintf(f, "%lld 02:00:00:00:00:01 127.0.0.1 ponsel-guru 01:02:00:00:00:00:01\n",
		(long long)time(NULL) + 86400);
	fclose(f);
	FUZZ_CHECK(pb_config_db_path(&web.cfg, web.db_path, sizeof(web.db_path)) == 0);
	FUZZ_CHECK(pb_config_store_path(&web.cfg, path, sizeof(path)) == 0);
	FUZZ_CHECK(pb_db_open(web.db_path, PB_DB_CREATE, &db, body, sizeof(body)) == 0);
	pb_db_close(db);
	FUZZ_CHECK(pb_store_open(&web.store, path) == 0);
	FUZZ_CHECK(pthread_key_create(&web.db_key, close_thread_db) == 0);
	FUZZ_CHECK(pb_conn_count_init(&web.conn_count, web.cfg.max_connections_per_ip) == 0);
	fuzzdb_no_sync(pb_web_db(&web));
	mhd = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, &web,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		PB_WEB_CONN_MEMORY(web.cfg.max_header_bytes),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &web,
		MHD_OPTION_UNESCAPE_CALLBACK, pb_http_unescape, &web,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, &web,
		MHD_OPTION_END);
	FUZZ_CHECK(mhd != NULL);
	__atomic_store_n(&web.serving, 1, __ATOMIC_RELEASE);  /* as main.c once confined */

	/* The box's clock counts as set (as after NTP), whatever the host's
	 * kernel says of its own synchronisation: otherwise the check-ins
	 * below are held for an unconfirmed clock and the claims refused. */
	pb_clock_set_source(PB_CLOCK_NTP);
	login(WHO_FASIL, "fasil", "fasilitator");
	login(WHO_ADMIN, "admin", "admin");
	pb_att_today(today);
	snprintf(body, sizeof(body), "{\"title\":\"Diklat Matematika KK A\",\"mode\":\"tatap_muka\","
		 "\"kk\":\"A\",\"subject\":\"Matematika\",\"start_date\":\"%s\",\"days\":2,"
		 "\"jp_per_day\":8}", today);
	j = setup_call(WHO_FASIL, "/api/v1/sessions", "application/json", body, 201);
	session_id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/sessions/%lld/roster", (long long)session_id);
	json_decref(setup_call(WHO_FASIL, path, "text/csv",
		"NUPTK;Nama;Sekolah\n3200000000000001;Budi Santoso;SMPN 2 Kota Malang\n"
		"3200000000000002;Siti Aminah;SDN 1 Batu\n3200000000000003;Dewi Lestari;SMAN 3\n",
		200));
	snprintf(body, sizeof(body), "tahun,provinsi,item,asal,jumlah\n"
		 "%.4s,Jawa Timur,uang_harian,,150000\n%.4s,Jawa Timur,uang_makan,,50000\n"
		 "%.4s,Jawa Timur,transport,Kota Malang,100000\n"
		 "%.4s,Jawa Timur,penginapan,,300000\n", today, today, today, today);
	json_decref(setup_call(WHO_ADMIN, "/api/v1/rates", "text/csv", body, 201));
	add_module(dir);
	for (int i = 1; i <= 2; i++) {
		char code[PB_CODE_DIGITS_MAX + 1];
		struct pb_kegiatan k;
		FUZZ_CHECK(pb_kegiatan_get(pb_web_db(&web), session_id, &k) == 0);
		pb_code_for(k.secret, pb_code_counter(pb_clock_mono_ms(), web.cfg.code_period_s),
			    pb_guard_code_digits(&web), code);
		snprintf(body, sizeof(body), "{\"session\":%lld,\"nuptk\":\"320000000000000%d\","
			 "\"code\":\"%s\",\"signature\":{\"w\":300,\"h\":150,"
			 "\"s\":[[20,100,10,-5,10,-5]]}}", (long long)session_id, i, code);
		j = setup_call(WHO_NOBODY, "/api/v1/checkin", "application/json", body, 201);
		snprintf(checkin_uid, sizeof(checkin_uid), "%s",
			 json_string_value(json_object_get(j, "uid")));
		json_decref(j);
		snprintf(body, sizeof(body), "{\"session\":%lld,\"nuptk\":\"320000000000000%d\","
			 "\"checkin\":\"%s\",\"item\":\"uang_harian\"}", (long long)session_id, i,
			 checkin_uid);
		j = setup_call(WHO_NOBODY, "/api/v1/claims", "application/json", body, 201);
		claim_id = json_integer_value(json_object_get(j, "id"));
		json_decref(j);
	}
	FUZZ_CHECK(claim_id > 0);
	pristine = fuzzdb_snapshot(pb_web_db(&web));
	fuzzdb_digest(pristine, LOG_TABLES, pristine_digest);
}

/* Bad input gets a clear error: a refusal is a JSON object with an
 * error code and a message (or, asked for by a browser, a page), and
 * never a 500 (the box's own fault). */
static void check_answer(const char *path, int status, const char *ans)
{
	json_t *j;
	int ok;

	if (status < 400 || strncmp(path, "/api/", 5) != 0)
		return;
	/* libmicrohttpd answers a request it cannot parse itself (400, 414,
	 * 431), before pb-web sees it: its fixed text has none of our headers */
	if (strstr(ans, "\r\nX-Content-Type-Options: nosniff\r\n") == NULL &&
	    (status == 400 || status == 414 || status == 431))
		return;
	/* a browser opening the address itself (Accept: text/html) gets a page */
	if (status != 500 && strstr(ans, "\r\nContent-Type: text/html") != NULL)
		return;
	j = json_loads(answer_body(ans), 0, NULL);
	ok = status != 500 && json_is_string(json_object_get(j, "error")) &&
	     json_is_string(json_object_get(j, "message"));
	json_decref(j);
	if (!ok) {
		fprintf(stderr, "fuzz-api: %s answered %d without a clear error:\n%s\n", path,
			status, ans);
		abort();
	}
}

/* Header lines from the input: CR, NUL and leading blanks dropped (no
 * line continues the one before), empty lines and the ones that frame the
 * message (its length, encoding, connection) left out, so the request
 * stays one request answered on a connection that closes. */
static void header_lines(char *out, size_t cap, const char *in, size_t n)
{
	static const char *const framing[] = { "content-length", "transfer-encoding",
					       "connection", "expect", "content-type", NULL };
	size_t o = 0;

	out[0] = '\0';
	while (n > 0) {
		const char *nl = memchr(in, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - in) : n, keep = 0;
		int skip = 0;

		for (int k = 0; framing[k] != NULL; k++)
			skip |= len > strlen(framing[k]) &&
				strncasecmp(in, framing[k], strlen(framing[k])) == 0;
		for (size_t i = 0; i < len && !skip && o + 3 < cap; i++)
			if (in[i] != '\r' && in[i] != '\0' &&
			    (keep > 0 || (in[i] != ' ' && in[i] != '\t'))) {
				out[o++] = in[i];
				keep++;
			}
		if (keep > 0 && o + 3 < cap) {
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (keep > 0) {
			o -= keep;             /* no room: not half a line */
		}
		out[o] = '\0';
		n -= len + (nl != NULL);
		in += len + (nl != NULL);
	}
}

/* The route's path with the ids set up, and for a GET the query: bytes
 * a request line cannot hold are percent-encoded ('%' is left as it is,
 * so the fuzzer makes its own escapes too). */
static void make_path(char *out, size_t cap, const struct route *rt, const char *q, size_t qn)
{
	const char *p = rt->path;
	size_t o = 0;

	while (*p && o + PB_SHA256_HEX_LEN + 2 < cap) {
		if (p[0] == '%' && (p[1] == 'S' || p[1] == 'C')) {
			o += (size_t)snprintf(out + o, cap - o, "%lld",
					      (long long)(p[1] == 'S' ? session_id : claim_id));
			p += 2;
		} else if (p[0] == '%' && p[1] == 'H') {
			o += (size_t)snprintf(out + o, cap - o, "%s", file_sha);
			p += 2;
		} else if (p[0] == '%' && (p[1] == 'M' || p[1] == 'A')) {
			/* the module the harness adds; an attempt id (the first one) */
			o += (size_t)snprintf(out + o, cap - o, "%s", p[1] == 'M' ? "fuzz-modul-1" : "1");
			p += 2;
		} else {
			out[o++] = *p++;
		}
	}
	if (rt->ctype == NULL && qn > 0 && o + 1 < cap)
		out[o++] = '?';
	for (size_t i = 0; rt->ctype == NULL && i < qn && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)q[i];
		if (c > 0x20 && c < 0x7f && c != '#')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char ans[ANSWER_MAX], body[REQ_MAX], extra[EXTRA_MAX], lines[EXTRA_MAX];
	static const char *const names[] = { "@CODE@", "@TODAY@", "@CHECKIN@", NULL };
	char path[QUERY_MAX + 512], code[PB_CODE_DIGITS_MAX + 1], today[PB_DAY_LEN + 1];
	const char *vals[] = { code, today, checkin_uid };
	unsigned char after[FUZZDB_DIGEST_LEN];
	const struct route *rt;
	struct pb_kegiatan k;
	sqlite3 *db;
	const char *b;
	size_t blen;
	int who, status;
	int64_t before;

	if (mhd == NULL)
		setup();
	if (size < 2)
		return 0;
	rt = &ROUTES[data[0] % NROUTES];
	who = data[1] & 3;
	if (who > WHO_ADMIN)
		who = WHO_NOBODY;
	db = pb_web_db(&web);
	FUZZ_CHECK(db != NULL);
	FUZZ_CHECK(pb_kegiatan_get(db, session_id, &k) == 0);
	pb_code_for(k.secret, pb_code_counter(pb_clock_mono_ms(), web.cfg.code_period_s),
		    pb_guard_code_digits(&web), code);
	pb_att_today(today);
	blen = fuzzdb_fill(body, sizeof(body), data + 2, size - 2, names, vals);
	b = body;
	lines[0] = '\0';
	if (data[1] & 8) {
		/* header lines first, up to an empty line */
		const char *end = memmem(body, blen, "\n\n", 2);
		size_t hn = end != NULL ? (size_t)(end - body) : blen;
		header_lines(lines, sizeof(lines), body, hn);
		b = end != NULL ? end + 2 : body + blen;
		blen -= (size_t)(b - body);
	}
	make_path(path, sizeof(path), rt, b, blen < QUERY_MAX ? blen : QUERY_MAX);
	snprintf(extra, sizeof(extra), "%s", lines);
	if (who != WHO_NOBODY)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "Cookie: pb_sid=%s\r\n%s%s%s", token[who],
			 (data[1] & 4) ? "" : "X-CSRF-Token: ", (data[1] & 4) ? "" : csrf[who],
			 (data[1] & 4) ? "" : "\r\n");
	pb_guard_reset();                      /* and the same counts of wrong codes */
	before = sqlite3_total_changes64(db);
	status = http(rt->method, path, rt->ctype, extra, b, blen, ans, sizeof(ans));
	FUZZ_CHECK(status >= 100 && status <= 599);
	if (getenv("FUZZ_LOG") != NULL)
		fprintf(stderr, "%s\n", answer_body(ans));
	check_answer(path, status, ans);
	if (sqlite3_total_changes64(db) == before)
		return 0;
	/* a refusal, and any GET, changes no record */
	if (status >= 400 || rt->ctype == NULL) {
		fuzzdb_digest(db, LOG_TABLES, after);
		if (memcmp(after, pristine_digest, sizeof(after)) != 0) {
			fprintf(stderr, "fuzz-api: %s %s answered %d but changed the records\n%s\n",
				rt->method, path, status, ans);
			abort();
		}
	}
	fuzzdb_copy(db, pristine);             /* the next input meets the same box */
	return 0;
}
