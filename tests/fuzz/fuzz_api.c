/* Fuzz the request bodies of every pb-web route that takes one, through
 * pb-web's own request path: libmicrohttpd parses a real HTTP request
 * handed over on a socket pair (MHD_add_connection, no listening socket,
 * driven by MHD_run in this thread), server.c's on_request collects the
 * body and routes it, and the real handler parses, validates and stores
 * into a real SQLite database in a temporary folder, made at start with a
 * staff login of each role, a session running today with a roster, a rate
 * table, a check-in and a claim.
 *
 * Input: byte 0 picks the route (ROUTES[]), byte 1 who sends it (bits 0-1:
 * nobody, fasilitator, admin; bit 2: without the CSRF token), the rest is
 * the body. In the body, @CODE@ becomes the session's current code,
 * @TODAY@ today's date and @CHECKIN@ the uid of the stored check-in, so
 * the fuzzer gets past those checks and reaches what comes after.
 *
 * What must hold: an answer comes (a status line with a 3-digit status);
 * no crash, leak or undefined behaviour (sanitizers); an answer of 400 or
 * more is a JSON {"error", "message"} and not a 500, and it leaves every
 * record of the database as it was (only the logs may
 * grow: audit, login failures, the login's last use). After an input that
 * changed the database it is put back as it was at start, so every input
 * meets the same box.
 *
 * The one stand-in: pb_password_hash (libsodium Argon2id) is wrapped
 * (-Wl,--wrap) to use libsodium's smallest limits, so a login attempt
 * costs microseconds instead of 16 MB and tens of milliseconds; the check
 * itself is still crypto_pwhash_str_verify. */
#include "fuzzdb.h"

/* pb-web's request path itself (static functions): on_request, take_body,
 * unescape, on_completed, on_connection, pb_web_db. */
#include "server.c"

#include "pb_attendance.h"
#include "pb_clock.h"
#include "pb_code.h"
#include "pb_password.h"
#include "pb_staff.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>

#define REQ_MAX        (80 * 1024)
#define ANSWER_MAX     (256 * 1024)
#define RUNS_MAX       100000      /* MHD_run rounds before "no answer" */
#define TOKEN_MAX      160

int __real_pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN]);
int __wrap_pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN]);

int __wrap_pb_password_hash(const char *password, char out[PB_PASSWORD_HASH_LEN])
{
	return crypto_pwhash_str_alg(out, password, strlen(password),
				     crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
				     crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

enum { WHO_NOBODY, WHO_FASIL, WHO_ADMIN };

struct route {
	const char *path;        /* %S: the session id, %C: the claim id */
	const char *ctype;
};

static const struct route ROUTES[] = {
	{ "/api/v1/portal/accept", "application/x-www-form-urlencoded" },
	{ "/api/v1/admin/sync/now", "application/json" },
	{ "/api/v1/login", "application/json" },
	{ "/api/v1/logout", "application/json" },
	{ "/api/v1/clock", "application/json" },
	{ "/api/v1/sessions", "application/json" },
	{ "/api/v1/sessions/%S/roster", "text/csv" },
	{ "/api/v1/sessions/%S/marks", "application/json" },
	{ "/api/v1/sessions/%S/lock", "application/json" },
	{ "/api/v1/sessions/%S/unlock", "application/json" },
	{ "/api/v1/sessions/%S/allow", "application/json" },
	{ "/api/v1/checkin/lookup", "application/json" },
	{ "/api/v1/checkin", "application/json" },
	{ "/api/v1/claims", "application/json" },
	{ "/api/v1/claims/proof", "application/json" },
	{ "/api/v1/claims/%C/decision", "application/json" },
	{ "/api/v1/sessions/%S/claims/decisions", "application/json" },
	{ "/api/v1/sessions/%S/claim-settings", "application/json" },
	{ "/api/v1/rates", "text/csv" },
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

static void cleanup(void)
{
	if (mhd != NULL)
		MHD_stop_daemon(mhd);
	mhd = NULL;
	sqlite3_close(pristine);
	pristine = NULL;
}

/* One request through libmicrohttpd and pb-web; the answer's status, the
 * answer (NUL-terminated) in ans. */
static int http(const char *method, const char *path, const char *ctype, const char *extra,
		const char *body, size_t blen, char *ans, size_t alen)
{
	char head[2048];
	struct sockaddr_in sin;
	size_t sent = 0, got = 0, hlen;
	int sv[2], status = 0, closed = 0;
	long runs = 0;

	hlen = (size_t)snprintf(head, sizeof(head),
		"%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		"Content-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
		method, path, ctype, blen, extra);
	FUZZ_CHECK(hlen < sizeof(head));
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
			size_t n = sent < hlen ? hlen - sent : hlen + blen - sent;
			ssize_t w = send(sv[1], from, n, MSG_NOSIGNAL);
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
		status = atoi(ans + 9);
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

static void setup(void)
{
	char path[256], body[1024], today[PB_DAY_LEN + 1];
	const char *dir;
	sqlite3 *db;
	json_t *j;

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
	FUZZ_CHECK(pb_config_db_path(&web.cfg, web.db_path, sizeof(web.db_path)) == 0);
	FUZZ_CHECK(pb_config_store_path(&web.cfg, path, sizeof(path)) == 0);
	FUZZ_CHECK(pb_db_open(web.db_path, PB_DB_CREATE, &db, body, sizeof(body)) == 0);
	pb_db_close(db);
	FUZZ_CHECK(pb_store_open(&web.store, path) == 0);
	FUZZ_CHECK(pthread_key_create(&web.db_key, close_thread_db) == 0);
	fuzzdb_no_sync(pb_web_db(&web));
	mhd = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, &web,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)web.cfg.max_header_bytes,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &web,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, &web,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, &web,
		MHD_OPTION_END);
	FUZZ_CHECK(mhd != NULL);

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
	for (int i = 1; i <= 2; i++) {
		char code[PB_CODE_DIGITS + 1];
		struct pb_kegiatan k;
		FUZZ_CHECK(pb_kegiatan_get(pb_web_db(&web), session_id, &k) == 0);
		pb_code_for(k.secret, pb_code_counter(pb_clock_mono_ms(), web.cfg.code_period_s),
			    code);
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
 * error code and a message, and never a 500 (the box's own fault). */
static void check_answer(const char *path, int status, const char *ans)
{
	json_t *j;
	int ok;

	if (status < 400)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char ans[ANSWER_MAX], body[REQ_MAX];
	char path[256], extra[512] = "", code[PB_CODE_DIGITS + 1], today[PB_DAY_LEN + 1];
	static const char *const names[] = { "@CODE@", "@TODAY@", "@CHECKIN@", NULL };
	const char *vals[] = { code, today, checkin_uid };
	unsigned char after[FUZZDB_DIGEST_LEN];
	const struct route *rt;
	struct pb_kegiatan k;
	sqlite3 *db;
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
	pb_code_for(k.secret, pb_code_counter(pb_clock_mono_ms(), web.cfg.code_period_s), code);
	pb_att_today(today);
	blen = fuzzdb_fill(body, sizeof(body), data + 2, size - 2, names, vals);
	{
		/* the path, with the ids of the session and the claim set up */
		const char *p = rt->path;
		size_t o = 0;
		while (*p && o + 24 < sizeof(path)) {
			if (p[0] == '%' && (p[1] == 'S' || p[1] == 'C')) {
				o += (size_t)snprintf(path + o, sizeof(path) - o, "%lld",
						      (long long)(p[1] == 'S' ? session_id : claim_id));
				p += 2;
			} else {
				path[o++] = *p++;
			}
		}
		path[o] = '\0';
	}
	if (who != WHO_NOBODY)
		snprintf(extra, sizeof(extra), "Cookie: pb_sid=%s\r\n%s%s%s", token[who],
			 (data[1] & 4) ? "" : "X-CSRF-Token: ", (data[1] & 4) ? "" : csrf[who],
			 (data[1] & 4) ? "" : "\r\n");
	before = sqlite3_total_changes64(db);
	status = http("POST", path, rt->ctype, extra, body, blen, ans, sizeof(ans));
	FUZZ_CHECK(status >= 100 && status <= 599);
	if (getenv("FUZZ_LOG") != NULL)
		fprintf(stderr, "%s\n", answer_body(ans));
	check_answer(path, status, ans);
	if (sqlite3_total_changes64(db) == before)
		return 0;
	if (status >= 400) {
		fuzzdb_digest(db, LOG_TABLES, after);
		if (memcmp(after, pristine_digest, sizeof(after)) != 0) {
			fprintf(stderr, "fuzz-api: %s answered %d but changed the records\n%s\n",
				path, status, ans);
			abort();
		}
	}
	fuzzdb_copy(db, pristine);             /* the next input meets the same box */
	return 0;
}
