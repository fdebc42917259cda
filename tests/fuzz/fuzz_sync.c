/* Fuzz the hub's answers as the box reads them: pb-sync's own steps
 * (firmware/sync/upload.c, download.c: enrolment, upload and its
 * acknowledgement, receipt photos, the four feeds and pb_inbox applying what they brought,
 * module file downloads with Range resume) talk over libcurl to a hub in
 * this process, a thread on a loopback TCP port that answers each request
 * with the next answer taken from the input. The box is a real SQLite
 * database and content store in a temporary folder, with five outbox
 * records, one module the hub's catalogue feed brought at setup, and a
 * claim whose receipt photo waits to go up.
 *
 * Input: byte 0 picks the step (enrol, upload, feeds + apply, files,
 * receipt photos);
 * byte 1 bit 0: the answers are raw HTTP (status line, headers and all)
 * rather than bodies the hub thread wraps; the rest is the answers, split
 * at "@NEXT@". A wrapped answer's first byte picks its status from
 * STATUSES[], the rest is its JSON body. Once the answers run out, a
 * request gets a closed connection. In an answer, @SHA@ becomes the
 * module file's SHA-256, @FILE@ its content and @PHOTO@ the receipt
 * photo's SHA-256.
 *
 * What must hold: no crash, leak or undefined behaviour; the outbox chain
 * verifies; acknowledged records form a prefix of the outbox; every
 * sync_inbox row is of a feed kind and none of a kind with a rule is left
 * pending after applying; a photo is recorded as held by the hub only if
 * an answer named its hash; every file in the store hashes to its name. The
 * database and the store are put back after each input. */
#include "fuzzdb.h"

#include "pb_attendance.h"
#include "pb_catalog.h"
#include "pb_claims.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hash.h"
#include "pb_inbox.h"
#include "pb_log.h"
#include "pb_outbox.h"
#include "../../firmware/sync/sync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define ANSWERS_MAX   32
#define ANSWER_BYTES  (512 * 1024)
#define REQUEST_MAX   (4 * 1024 * 1024)   /* an upload batch fits */
#define OUTBOX_RECORDS 5
#define FILE_REPEAT   60

static const unsigned STATUSES[] = { 200, 206, 304, 400, 401, 403, 404, 409, 413, 416,
				     429, 500, 503 };
#define NSTATUSES (sizeof(STATUSES) / sizeof(STATUSES[0]))
static const char *const FEED_KINDS[] = { "roster", "rates", "payments", "catalogue", NULL };

/* The hub thread's queue of answers, set for each input. */
static struct {
	pthread_mutex_t lock;
	char *text[ANSWERS_MAX];
	size_t len[ANSWERS_MAX];
	int n, next;
} hub = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct pb_sync s;
static volatile sig_atomic_t stop_flag;
static sqlite3 *pristine;
static int listen_fd = -1;
static char file_sha[PB_SHA256_HEX_LEN + 1];
static char file_text[FILE_REPEAT * 16 + 1];
static char photo_sha[PB_SHA256_HEX_LEN + 1];

/* Read one request (head and Content-Length body) and drop it. */
static int read_request(int fd)
{
	static char buf[REQUEST_MAX];
	size_t got = 0, need = 0;
	char *end = NULL;

	while (end == NULL || got < need) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf);
			if (cl != NULL && cl < end)
				need += strtoul(cl + 17, NULL, 10);
			if (need >= sizeof(buf))
				return -1;
		}
	}
	return 0;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *hub_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		if (read_request(fd) == 0) {
			pthread_mutex_lock(&hub.lock);
			if (hub.next < hub.n) {
				write_all(fd, hub.text[hub.next], hub.len[hub.next]);
				hub.next++;
			}
			pthread_mutex_unlock(&hub.lock);
		}
		close(fd);
	}
}

static void hub_clear(void)
{
	pthread_mutex_lock(&hub.lock);
	for (int i = 0; i < hub.n; i++)
		free(hub.text[i]);
	hub.n = hub.next = 0;
	pthread_mutex_unlock(&hub.lock);
}

/* Queue one answer: raw as it is, or a body wrapped with a status. */
static void hub_add(const char *p, size_t n, int raw)
{
	static const char *const names[] = { "@SHA@", "@FILE@", "@PHOTO@", NULL };
	const char *vals[] = { file_sha, file_text, photo_sha };
	static char body[ANSWER_BYTES];
	char head[256];
	size_t blen, hlen = 0;
	unsigned status = 200;
	char *out;

	if (hub.n >= ANSWERS_MAX)
		return;
	if (!raw && n > 0) {
		status = STATUSES[(unsigned char)p[0] % NSTATUSES];
		p++;
		n--;
	}
	blen = fuzzdb_fill(body, sizeof(body), (const uint8_t *)p, n, names, vals);
	if (!raw)
		hlen = (size_t)snprintf(head, sizeof(head), "HTTP/1.1 %u X\r\nContent-Type: "
					"application/json\r\nContent-Length: %zu\r\n"
					"Connection: close\r\n\r\n", status, blen);
	out = malloc(hlen + blen + 1);
	FUZZ_CHECK(out != NULL);
	memcpy(out, head, hlen);
	memcpy(out + hlen, body, blen);
	pthread_mutex_lock(&hub.lock);
	hub.text[hub.n] = out;
	hub.len[hub.n] = hlen + blen;
	hub.n++;
	pthread_mutex_unlock(&hub.lock);
}

static void hub_start(char *url, size_t len)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	pthread_t t;

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(listen_fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	FUZZ_CHECK(listen(listen_fd, 16) == 0);
	FUZZ_CHECK(getsockname(listen_fd, (struct sockaddr *)&sin, &sl) == 0);
	snprintf(url, len, "http://127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
	FUZZ_CHECK(pthread_create(&t, NULL, hub_thread, NULL) == 0);
	pthread_detach(t);
}

static void cleanup(void)
{
	pb_hubc_free(&s.hc);
	pb_db_close(s.db);
	sqlite3_close(pristine);
	s.db = pristine = NULL;
	hub_clear();
}

/* Remove what a download left in the store (parts, adopted files). */
static void store_reset(void)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/tmp/%s.part", s.store.dir, file_sha);
	unlink(p);
	if (pb_store_path(&s.store, file_sha, p, sizeof(p)) == 0)
		unlink(p);
}

/* The claims' receipt photos pb-sync sends up (sync_photos): a session
 * from the hub, a check-in, and a transport claim with a PNG receipt in
 * the store. */
static int keep_photo(void *ctx, char sha[65])
{
	(void)ctx;
	memcpy(sha, photo_sha, sizeof(photo_sha));
	return 0;
}

static void add_photo_claim(const char *dir)
{
	static const char png_magic[] = "\x89PNG\r\n\x1a\n";
	char path[PATH_MAX], doc[1024], err[256], today[PB_DAY_LEN + 1];
	char proof[PB_ID_HEX_LEN + 1];
	struct pb_inbox_report rep;
	struct pb_claim_req cr;
	enum pb_price_result price;
	json_t *out = NULL;
	int64_t kid, size = 0;
	int version = 0;
	FILE *f;

	pb_att_today(today);
	snprintf(doc, sizeof(doc), "{\"session\":\"S-SYNC-1\",\"title\":\"Diklat IPA\","
		 "\"start_date\":\"%s\",\"days\":1,\"jp_per_day\":6,\"participants\":"
		 "[{\"nuptk\":\"3200000000000007\",\"name\":\"Rina Wati\"}]}", today);
	{
		sqlite3_stmt *st = NULL;
		FUZZ_CHECK(sqlite3_prepare_v2(s.db, "INSERT INTO sync_inbox(kind, cursor, doc, "
					      "received_ms) VALUES ('roster', 1, ?1, 1)", -1, &st,
					      NULL) == SQLITE_OK);
		sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
		FUZZ_CHECK(sqlite3_step(st) == SQLITE_DONE);
		sqlite3_finalize(st);
	}
	FUZZ_CHECK(pb_inbox_apply(s.db, &rep) == 0 && rep.applied == 1);
	kid = pb_db_count(s.db, "SELECT id FROM kegiatan WHERE uid = 'S-SYNC-1'");
	FUZZ_CHECK(kid > 0);
	snprintf(doc, sizeof(doc), "tahun,provinsi,item,asal,jumlah\n"
		 "%.4s,Jawa Timur,transport,Kota Malang,100000\n", today);
	FUZZ_CHECK(pb_rates_import(s.db, doc, strlen(doc), "api", "admin", "", &version, &out) ==
		   PB_RATES_OK);
	json_decref(out);
	fuzzdb_checkin(s.db, kid, today, "3200000000000007", proof);

	snprintf(path, sizeof(path), "%s/kuitansi.png", dir);
	f = fopen(path, "wb");
	FUZZ_CHECK(f != NULL);
	fwrite(png_magic, 1, sizeof(png_magic) - 1, f);
	for (int i = 0; i < 100; i++)
		fputc(i, f);
	fclose(f);
	FUZZ_CHECK(pb_sha256_file(path, photo_sha, &size) == 0);
	FUZZ_CHECK(pb_store_import(&s.store, path, photo_sha, &size, err, sizeof(err)) ==
		   PB_STORE_ADDED);
	memset(&cr, 0, sizeof(cr));
	cr.kegiatan_id = kid;
	cr.day = today;
	cr.nuptk = "3200000000000007";
	cr.item = PB_ITEM_TRANSPORT;
	cr.checkin_uid = proof;
	cr.mode = "angkutan_umum";
	cr.origin = "Kota Malang";
	cr.has_amount = 1;
	cr.amount = 50000;
	cr.evidence = "receipt";
	cr.receipt_mime = "image/png";
	cr.receipt_size = size;
	cr.store = keep_photo;
	cr.default_province = "Jawa Timur";
	cr.actor = "peserta";
	cr.client = "10.0.0.3";
	{
		json_t *claim = NULL;
		enum pb_claim_result r = pb_claim_submit(s.db, &cr, &claim, &price);
		if (r != PB_CLAIM_OK)
			fprintf(stderr, "fuzz-sync setup: claim: %s\n", pb_claim_strerror(r));
		FUZZ_CHECK(r == PB_CLAIM_OK);
		json_decref(claim);
	}
	FUZZ_CHECK(pb_db_count(s.db, "SELECT count(*) FROM claim WHERE receipt_sha256 IS NOT "
			       "NULL") == 1);
}

static void setup(void)
{
	char path[PATH_MAX], key[PATH_MAX], err[256], doc[1024];
	const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Connection: close\r\n\r\n";
	const char *dir;

	FUZZ_CHECK(sodium_init() >= 0);
	pb_log_init("fuzz-sync");
	pb_log_set_level(getenv("FUZZ_LOG") != NULL ? LOG_DEBUG : LOG_CRIT);
	/* the hub is on loopback: no proxy from the environment */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	dir = fuzzdb_make_dir("sync");
	atexit(cleanup);
	pb_config_defaults(&s.cfg);
	snprintf(s.cfg.data_dir, sizeof(s.cfg.data_dir), "%s", dir);
	hub_start(s.cfg.sync_hub_url, sizeof(s.cfg.sync_hub_url));
	s.cfg.sync_test_mode = 1;
	snprintf(s.cfg.sync_enrol_token, sizeof(s.cfg.sync_enrol_token), "token-fuzz-1");
	FUZZ_CHECK(pb_config_db_path(&s.cfg, path, sizeof(path)) == 0);
	FUZZ_CHECK(pb_db_open(path, PB_DB_CREATE, &s.db, err, sizeof(err)) == 0);
	fuzzdb_no_sync(s.db);
	FUZZ_CHECK(pb_config_store_path(&s.cfg, path, sizeof(path)) == 0);
	FUZZ_CHECK(pb_store_open(&s.store, path) == 0);
	FUZZ_CHECK(pb_box_id(s.db, s.box_id, sizeof(s.box_id)) == 0);
	FUZZ_CHECK(pb_hubc_key_path(&s.cfg, key, sizeof(key)) == 0);
	FUZZ_CHECK(pb_hubc_init(&s.hc, &s.cfg, s.box_id, key) == 0);
	s.hc.stop = &stop_flag;
	s.stop = &stop_flag;
	s.wake_fd = -1;
	s.loopback_hub = 1;
	for (int i = 0; i < OUTBOX_RECORDS; i++) {
		snprintf(doc, sizeof(doc), "{\"n\":%d,\"nuptk\":\"320000000000000%d\"}", i, i);
		FUZZ_CHECK(pb_db_begin(s.db) == 0);
		FUZZ_CHECK(pb_outbox_append(s.db, "attendance.checkin", doc, NULL, NULL) == 0);
		FUZZ_CHECK(pb_db_commit(s.db) == 0);
	}
	/* the module file, and the catalogue feed that names it */
	for (int i = 0; i < FILE_REPEAT; i++)
		memcpy(file_text + i * 16, "isi modul hub.\n ", 16);
	file_text[FILE_REPEAT * 16] = '\0';
	pb_sha256_hex(file_text, strlen(file_text), file_sha);
	for (int k = 0; FEED_KINDS[k] != NULL; k++) {
		size_t h = strlen(head);
		memcpy(doc, head, h);
		if (strcmp(FEED_KINDS[k], "catalogue") == 0)
			snprintf(doc + h, sizeof(doc) - h, "{\"kind\":\"catalogue\",\"cursor\":7,\"more\":false,"
				 "\"items\":[{\"cursor\":7,\"doc\":{\"id\":\"hub-modul-1\",\"title\":"
				 "\"Modul dari hub\",\"kk\":\"A\",\"subject\":\"IPA\",\"level\":\"SMP\","
				 "\"files\":[{\"path\":\"isi.txt\",\"name\":\"Isi\",\"sha256\":\"%s\","
				 "\"size\":%zu,\"mime\":\"text/plain\"}]}}]}", file_sha,
				 strlen(file_text));
		else
			snprintf(doc + h, sizeof(doc) - h, "{\"kind\":\"%s\",\"cursor\":0,\"more\":false,"
				 "\"items\":[]}", FEED_KINDS[k]);
		hub_add(doc, strlen(doc), 1);
	}
	FUZZ_CHECK(sync_feeds(&s) == SYNC_OK);
	FUZZ_CHECK(pb_db_count(s.db, "SELECT count(*) FROM module_files") == 1);
	hub_clear();
	add_photo_claim(dir);
	pristine = fuzzdb_snapshot(s.db);
}

static void check(void)
{
	int64_t bad_seq = 0;
	char p[PATH_MAX], got[PB_SHA256_HEX_LEN + 1];
	int64_t size;

	FUZZ_CHECK(pb_outbox_verify(s.db, &bad_seq) == 0);
	FUZZ_CHECK(pb_db_count(s.db, "SELECT count(*) FROM outbox WHERE acked = 1 AND seq > "
			       "(SELECT min(seq) FROM outbox WHERE acked = 0)") == 0);
	FUZZ_CHECK(pb_db_count(s.db, "SELECT count(*) FROM sync_inbox WHERE kind NOT IN "
			       "('roster', 'rates', 'payments', 'catalogue')") == 0);
	for (const struct pb_inbox_rule *r = pb_inbox_rules; r->kind != NULL; r++) {
		sqlite3_stmt *st = NULL;
		FUZZ_CHECK(sqlite3_prepare_v2(s.db, "SELECT count(*) FROM sync_inbox WHERE "
					      "kind = ?1 AND applied = 0", -1, &st, NULL) == SQLITE_OK);
		sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
		FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0);
		sqlite3_finalize(st);
	}
	/* a photo counts as held by the hub only when an answer named it */
	if (pb_db_count(s.db, "SELECT count(*) FROM receipt_upload") > 0) {
		int named = 0;
		for (int i = 0; i < hub.n; i++)
			named |= memmem(hub.text[i], hub.len[i], photo_sha, strlen(photo_sha)) != NULL;
		FUZZ_CHECK(named);
	}
	if (pb_store_path(&s.store, file_sha, p, sizeof(p)) == 0 && access(p, F_OK) == 0) {
		FUZZ_CHECK(pb_sha256_file(p, got, &size) == 0);
		FUZZ_CHECK(strcmp(got, file_sha) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "@NEXT@";
	size_t at = 2;
	int raw;

	if (s.db == NULL)
		setup();
	if (size < 2)
		return 0;
	raw = data[1] & 1;
	hub_clear();
	while (at <= size) {
		const uint8_t *p = data + at;
		size_t n = size - at;
		const uint8_t *e = memmem(p, n, sep, sizeof(sep) - 1);
		size_t len = e != NULL ? (size_t)(e - p) : n;
		hub_add((const char *)p, len, raw);
		at += len + sizeof(sep) - 1;
		if (e == NULL)
			break;
	}
	switch (data[0] % 5) {
	case 4:
		(void)sync_photos(&s);
		break;
	case 0:
		(void)sync_enrol(&s);
		break;
	case 1:
		(void)sync_upload(&s);
		break;
	case 2:
		(void)sync_feeds(&s);
		sync_apply_inbox(&s);
		break;
	default:
		(void)sync_files(&s);
		break;
	}
	check();
	fuzzdb_copy(s.db, pristine);
	store_reset();
	return 0;
}
