/* GET /healthz and the write probe behind its "database" field.
 *
 * "database": "ok" means: the last probe, at most PB_HEALTH_STALE_MS ago,
 * took the process's writer lock and began and committed an empty write
 * transaction (BEGIN IMMEDIATE; COMMIT) within PB_HEALTH_WRITE_LIMIT_MS,
 * and no probe has been waiting longer than that since. Otherwise 503 with
 * the reason. The probe runs on its own thread with its own connection,
 * every PB_HEALTH_PROBE_EVERY_MS; /healthz only reads its last result, so
 * it stays quick (it runs in the event loop) even while writes wait. */
#include "web.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"

#include <stdlib.h>
#include <string.h>

#define PB_HEALTH_PROBE_EVERY_MS 2000   /* a write probe this often */
#define PB_HEALTH_WRITE_LIMIT_MS 3000   /* a write must begin and commit within this */
/* Without a finished probe for this long, the database is not called ok. */
#define PB_HEALTH_STALE_MS (PB_HEALTH_PROBE_EVERY_MS + 2 * PB_HEALTH_WRITE_LIMIT_MS)

struct pb_health {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int running;                     /* the thread was started */
	int stopping;
	const char *db_path;
	sqlite3 *db;                     /* the probe's own connection */
	/* under lock */
	int ok;
	int64_t probed_ms;               /* when the last probe ended (monotonic) */
	int64_t waiting_since_ms;        /* when the probe under way began, or 0 */
	char reason[PB_DB_ERR_LEN];
};

/* One probe: 1 if an empty write transaction began and committed within
 * the limit, else 0 with the reason. */
static int probe_once(struct pb_health *h, char *reason, size_t len)
{
	char err[PB_DB_ERR_LEN];
	int ok = 0;

	if (h->db == NULL && pb_db_open(h->db_path, PB_DB_NOCHECK, &h->db, err, sizeof(err)) != 0) {
		snprintf(reason, len, "cannot open: %s", err);
		return 0;
	}
	if (pb_db_writer_lock_timed(PB_HEALTH_WRITE_LIMIT_MS) != 0) {
		snprintf(reason, len, "writes have waited for more than %d ms",
			 PB_HEALTH_WRITE_LIMIT_MS);
		return 0;
	}
	sqlite3_busy_timeout(h->db, PB_HEALTH_WRITE_LIMIT_MS);
	if (pb_db_begin(h->db) != 0) {
		snprintf(reason, len, "cannot begin a write: %s", sqlite3_errmsg(h->db));
	} else if (pb_db_commit(h->db) != 0) {
		snprintf(reason, len, "cannot commit a write: %s", sqlite3_errmsg(h->db));
		pb_db_rollback(h->db);
	} else {
		ok = 1;
	}
	pb_db_writer_unlock();
	if (!ok) {
		/* open afresh next time: the files may have been mended */
		pb_db_close(h->db);
		h->db = NULL;
	}
	return ok;
}

static void probe_record(struct pb_health *h)
{
	char reason[PB_DB_ERR_LEN] = "";
	int ok, was, first;

	pthread_mutex_lock(&h->lock);
	h->waiting_since_ms = pb_clock_mono_ms();
	pthread_mutex_unlock(&h->lock);
	ok = probe_once(h, reason, sizeof(reason));
	pthread_mutex_lock(&h->lock);
	was = h->ok;
	first = h->probed_ms == 0;
	h->ok = ok;
	h->probed_ms = pb_clock_mono_ms();
	h->waiting_since_ms = 0;
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	pthread_mutex_unlock(&h->lock);
	if (!ok && (was || first))
		pb_err("database not writable: %s", reason);
	else if (ok && !was && h->running)
		pb_notice("database writable again");
}

static void *probe_main(void *arg)
{
	struct pb_health *h = arg;
	struct timespec until;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		pb_clock_after(CLOCK_REALTIME, PB_HEALTH_PROBE_EVERY_MS, &until);
		pthread_cond_timedwait(&h->wake, &h->lock, &until);
		if (h->stopping)
			break;
		pthread_mutex_unlock(&h->lock);
		probe_record(h);
		pthread_mutex_lock(&h->lock);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct pb_health *pb_health_start(const char *db_path)
{
	struct pb_health *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->db_path = db_path;
	if (pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h);
		return NULL;
	}
	if (pthread_cond_init(&h->wake, NULL) != 0) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	probe_record(h);                 /* true from the first answer on */
	h->running = 1;
	if (pthread_create(&h->thread, NULL, probe_main, h) != 0) {
		h->running = 0;
		pb_health_stop(h);
		return NULL;
	}
	return h;
}

void pb_health_stop(struct pb_health *h)
{
	if (h == NULL)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->lock);
		h->stopping = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->thread, NULL);
	}
	pb_db_close(h->db);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* 1 if the database is called writable now, else 0 with the reason. */
static int health_db_ok(struct pb_health *h, char *reason, size_t len)
{
	int64_t now = pb_clock_mono_ms();
	int ok;

	if (h == NULL) {
		snprintf(reason, len, "no write probe");
		return 0;
	}
	pthread_mutex_lock(&h->lock);
	ok = h->ok;
	snprintf(reason, len, "%s", h->reason);
	if (h->waiting_since_ms != 0 && now - h->waiting_since_ms > PB_HEALTH_WRITE_LIMIT_MS) {
		ok = 0;
		snprintf(reason, len, "a write has waited for %lld ms (limit %d ms)",
			 (long long)(now - h->waiting_since_ms), PB_HEALTH_WRITE_LIMIT_MS);
	} else if (ok && now - h->probed_ms > PB_HEALTH_STALE_MS) {
		ok = 0;
		snprintf(reason, len, "no write probe for %lld ms", (long long)(now - h->probed_ms));
	}
	pthread_mutex_unlock(&h->lock);
	return ok;
}

/* GET /healthz: 200 when the database can be written (see above), 503
 * with the reason when it cannot. */
enum MHD_Result pb_handle_health(struct pb_req *r)
{
	sqlite3 *db = pb_web_db(r->web);
	sqlite3_stmt *st = NULL;
	char reason[PB_DB_ERR_LEN] = "";
	int ok, schema = 0;
	json_t *body;

	ok = health_db_ok(r->web->health, reason, sizeof(reason));
	/* a read on the request's own connection */
	if (db != NULL && (st = pb_db_stmt(db, "PRAGMA user_version")) == NULL)
		st = NULL;
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		schema = sqlite3_column_int(st, 0);
	} else if (ok) {
		ok = 0;
		snprintf(reason, sizeof(reason), "cannot read: %s",
			 db != NULL ? sqlite3_errmsg(db) : "no connection");
	}
	pb_db_stmt_done(st);
	body = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I}",
			 "status", ok ? "ok" : "error",
			 "version", PB_VERSION,
			 "database", ok ? "ok" : "unavailable",
			 "schema", schema,
			 "centre", r->web->cfg.centre_name,
			 "uptime_s", (json_int_t)((pb_clock_mono_ms() - r->web->started_ms) / 1000));
	if (body != NULL && !ok) {
		/* the API's error form too, so pages get the answer (common.js) */
		json_object_set_new(body, "error", json_string("database_unavailable"));
		json_object_set_new(body, "message", json_string(
			"Basis data tidak dapat ditulis: kotak belum siap"));
		json_object_set_new(body, "database_error", json_string(reason));
	}
	return pb_respond_json(r, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body);
}
