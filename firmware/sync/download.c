/* Downloads: the feeds by cursor/ETag, then module files by hash with
 * Range resume, SHA-256 check and atomic placement, within the daily
 * byte budget (docs/sync-protocol.md §5). */
#include "sync.h"

#include "pb_catalog.h"
#include "pb_inbox.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_html5.h"
#include "pb_log.h"
#include "pb_manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const feeds[] = { "roster", "rates", "payments", "catalogue", NULL };

/* Modules from the catalogue feed go into the box's catalogue. */
static void apply_catalogue(struct pb_sync *s, json_t *items)
{
	json_t *doc = json_pack("{si s[]}", "format", 1, "modules"), *mods, *it;
	struct pb_manifest m;
	char err[PB_MANIFEST_ERR_LEN], *text;
	size_t i;

	memset(&m, 0, sizeof(m));
	mods = json_object_get(doc, "modules");
	json_array_foreach(items, i, it)
		json_array_append(mods, json_object_get(it, "doc"));
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL)
		return;
	if (pb_manifest_parse(text, strlen(text), &m, err, sizeof(err)) != 0) {
		pb_warn("catalogue from the hub refused: %s", err);
		free(text);
		return;
	}
	free(text);
	for (int k = 0; k < m.nmodules; k++) {
		enum pb_catalog_change ch;
		int sized = 1;

		for (int f = 0; f < m.modules[k].nfiles; f++)
			sized &= m.modules[k].files[f].size >= 0;
		if (m.modules[k].error[0] != '\0' || !sized) {
			pb_warn("module %s from the hub refused: %s", m.modules[k].id,
				m.modules[k].error[0] ? m.modules[k].error : "file without size");
			continue;
		}
		if (pb_catalog_upsert(s->db, &m.modules[k], "hub", &ch) != 0)
			pb_warn("cannot store module %s", m.modules[k].id);
	}
	pb_manifest_free(&m);
}

static int store_items(struct pb_sync *s, const char *kind, json_t *items, int64_t cursor,
		       const char *etag)
{
	sqlite3_stmt *st = NULL;
	char key[64];
	json_t *it;
	size_t i;
	int rc = -1;

	if (pb_db_begin(s->db) != 0)
		return -1;
	if ((st = pb_db_stmt(s->db, "INSERT OR IGNORE INTO sync_inbox(kind, cursor, doc, "
				    "received_ms) VALUES (?1, ?2, ?3, ?4)")) == NULL)
		goto out;
	json_array_foreach(items, i, it) {
		char *doc = json_dumps(json_object_get(it, "doc"), JSON_COMPACT);
		json_t *c = json_object_get(it, "cursor");

		if (doc == NULL || !json_is_integer(c)) {
			free(doc);
			goto out;
		}
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, json_integer_value(c));
		sqlite3_bind_text(st, 3, doc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, pb_clock_wall_ms());
		free(doc);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	snprintf(key, sizeof(key), "sync.cursor.%s", kind);
	sync_meta_set_int(s, key, cursor);
	snprintf(key, sizeof(key), "sync.etag.%s", kind);
	if (pb_db_meta_set(s->db, key, etag) != 0)
		goto out;
	rc = pb_db_commit(s->db);
out:
	pb_db_stmt_done(st);
	if (rc != 0)
		pb_db_rollback(s->db);
	return rc;
}

/* What the feeds brought, into the box's tables (pb_inbox rules). A
 * failure leaves the rows pending for the next round. */
void sync_apply_inbox(struct pb_sync *s)
{
	struct pb_inbox_report rep;

	if (pb_inbox_apply(s->db, &rep) != 0)
		pb_warn("applying downloads failed: %s; will try again", sqlite3_errmsg(s->db));
	if (rep.applied > 0 || rep.refused > 0)
		pb_info("downloads applied: %d, refused: %d", rep.applied, rep.refused);
}

enum sync_result sync_feeds(struct pb_sync *s)
{
	char key[64], etag[96], query[48], path[64], words[PB_HUBC_ERR_LEN + 64];

	for (int k = 0; feeds[k] != NULL; k++) {
		/* Fetched to the end in a round the hub cut short with a wait:
		 * go on from the next feed, so that a box with one request
		 * allowed per wait still gets through all of them. */
		if (s->feeds_done & (1u << k))
			continue;
		for (int page = 0; page < PB_SYNC_FEED_PAGES_MAX && !*s->stop; page++) {
			json_t *ans = NULL, *items, *cur;
			int64_t cursor;
			long st;
			int more;

			snprintf(key, sizeof(key), "sync.cursor.%s", feeds[k]);
			cursor = sync_meta_int(s, key, 0);
			snprintf(key, sizeof(key), "sync.etag.%s", feeds[k]);
			if (pb_db_meta_get(s->db, key, etag, sizeof(etag)) != 0)
				etag[0] = '\0';
			snprintf(query, sizeof(query), "after=%" PRId64, cursor);
			snprintf(path, sizeof(path), "/v1/feed/%s", feeds[k]);
			st = pb_hubc_get_json(&s->hc, path, query, etag, &ans);
			sync_save_bytes(s);
			if (st == 304) {
				s->feeds_done |= 1u << k;
				break;
			}
			items = json_object_get(ans, "items");
			cur = json_object_get(ans, "cursor");
			if (st != 200 || !json_is_array(items) || !json_is_integer(cur)) {
				enum pb_proto_err e = pb_proto_err_from_code(
					json_string_value(json_object_get(ans, "error")));
				if (st > 0)
					pb_hubc_answer_error(&s->hc, st, ans);
				snprintf(words, sizeof(words), "%s download failed: %s", feeds[k],
					 s->hc.err);
				sync_set_error(s, words);
				json_decref(ans);
				if (e == PB_PROTO_REVOKED || e == PB_PROTO_UNKNOWN_BOX)
					return SYNC_REFUSED;
				return sync_busy(s, st, feeds[k]);
			}
			snprintf(etag, sizeof(etag), "\"%s-%" PRId64 "\"", feeds[k],
				 (int64_t)json_integer_value(cur));
			if (strcmp(feeds[k], "catalogue") == 0 && json_array_size(items) > 0)
				apply_catalogue(s, items);
			if (store_items(s, feeds[k], items, json_integer_value(cur), etag) != 0) {
				sync_set_error(s, "cannot store what the hub sent");
				json_decref(ans);
				return SYNC_ERROR;
			}
			if (json_array_size(items) > 0)
				pb_info("%s: %zu item(s), cursor %" PRId64, feeds[k],
					json_array_size(items), (int64_t)json_integer_value(cur));
			more = json_is_true(json_object_get(ans, "more"));
			json_decref(ans);
			if (!more) {
				s->feeds_done |= 1u << k;
				break;
			}
		}
	}
	s->feeds_done = 0;
	return *s->stop ? SYNC_STOPPED : SYNC_OK;
}

uint64_t sync_budget_left(struct pb_sync *s, int64_t *day)
{
	uint64_t budget = (uint64_t)s->cfg.sync_daily_budget_mb * 1024 * 1024;
	int64_t used;

	*day = pb_clock_wall_ms() / 86400000;
	if (budget == 0)
		return UINT64_MAX;
	if (sync_meta_int(s, "sync.budget_day", -1) != *day) {
		sync_meta_set_int(s, "sync.budget_day", *day);
		sync_meta_set_int(s, "sync.budget_used", 0);
	}
	used = sync_meta_int(s, "sync.budget_used", 0);
	return (uint64_t)used >= budget ? 0 : budget - (uint64_t)used;
}

void sync_budget_spend(struct pb_sync *s, uint64_t n)
{
	if (s->cfg.sync_daily_budget_mb == 0 || n == 0)
		return;
	sync_meta_set_int(s, "sync.budget_used", sync_meta_int(s, "sync.budget_used", 0) +
			  (int64_t)n);
}

enum sync_result sync_fetch_part(struct pb_sync *s, const char *url, int fd, const char *part,
				 uint64_t *off, uint64_t size, const char *what, int *budget_hit)
{
	char words[PB_HUBC_ERR_LEN + PB_SYNC_WHAT_MAX + 64];
	uint64_t want = size - *off, left, got = 0;
	int64_t day;
	long st;

	left = sync_budget_left(s, &day);
	if (want > left) {
		want = left;
		*budget_hit = 1;
	}
	if (want == 0)
		return SYNC_OK;
	st = pb_hubc_get_file(&s->hc, url, fd, *off, want, &got);
	sync_budget_spend(s, got);
	sync_save_bytes(s);
	if (st == 200 && *off > 0) {
		/* The whole file came instead of the range asked for: what was
		 * appended does not continue the part; start again. */
		if (truncate(part, 0) != 0)
			pb_warn("cannot truncate %s", part);
		sync_set_error(s, "hub ignored the Range request; downloading the file again");
		return SYNC_ERROR;
	}
	*off += got;
	if (st != 200 && st != 206) {
		if (st == 416 && truncate(part, 0) == 0)
			return SYNC_ERROR;
		snprintf(words, sizeof(words), "%s stopped at %" PRIu64 " of %" PRIu64
			 " bytes: %s", what, *off, size, s->hc.err);
		sync_set_error(s, words);
		return *s->stop ? SYNC_STOPPED : sync_busy(s, st, what);
	}
	return SYNC_OK;
}

/* One file: resume into store/tmp/SHA.part, verify, adopt. */
static enum sync_result fetch_file(struct pb_sync *s, const char *sha, int64_t size,
				   int *budget_hit)
{
	char part[PATH_MAX], url[96], err[256], what[PB_SYNC_WHAT_MAX];
	char words[PB_SYNC_WHAT_MAX + 300];
	uint64_t off = 0;
	enum pb_store_result r;
	enum sync_result res;
	int fd;

	if (pb_store_part_open(&s->store, sha, size, part, sizeof(part), &fd, &off) != 0) {
		sync_set_error(s, "cannot write into the content store");
		return SYNC_ERROR;
	}
	snprintf(url, sizeof(url), "/v1/files/%s", sha);
	snprintf(what, sizeof(what), "module file %.12s…", sha);
	res = sync_fetch_part(s, url, fd, part, &off, (uint64_t)size, what, budget_hit);
	if (res != SYNC_OK || fsync(fd) != 0) {
		close(fd);
		return res != SYNC_OK ? res : SYNC_ERROR;
	}
	close(fd);
	if (off < (uint64_t)size)
		return SYNC_OK;                 /* budget: the rest another day */
	r = pb_store_adopt(&s->store, part, sha, err, sizeof(err));
	if (r != PB_STORE_ADDED) {
		snprintf(words, sizeof(words), "%s refused: %s", what, err);
		sync_set_error(s, words);
		return SYNC_ERROR;
	}
	pb_info("module file %s verified and stored (%" PRId64 " bytes)", sha, size);
	return SYNC_OK;
}

/* HTML5 lessons whose zip is in the store but not unpacked yet (it came
 * after its module): unpacked here, a few a round. A zip the checks
 * refuse stays a plain file of its module; the lesson is not served. */
static void sync_lessons(struct pb_sync *s)
{
	char shas[PB_HTML5_INSTALL_MAX][PB_SHA256_HEX_LEN + 1], err[256];
	sqlite3_stmt *st = NULL;
	int n = 0;

	if ((st = pb_db_stmt(s->db, "SELECT DISTINCT f.sha256 FROM module_files f "
				    "WHERE f.kind = '" PB_HTML5_KIND "' AND NOT EXISTS (SELECT 1 FROM "
				    "html5_entry e WHERE e.zip_sha256 = f.sha256) LIMIT ?1")) == NULL)
		return;
	sqlite3_bind_int(st, 1, PB_HTML5_INSTALL_MAX);
	while (n < PB_HTML5_INSTALL_MAX && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);
		if (h != NULL && pb_sha256_hex_valid((const char *)h))
			memcpy(shas[n++], h, PB_SHA256_HEX_LEN + 1);
	}
	pb_db_stmt_done(st);
	for (int i = 0; i < n && !*s->stop; i++) {
		if (!pb_store_has(&s->store, shas[i], -1))
			continue;
		err[0] = '\0';
		if (pb_html5_install(s->db, &s->store, shas[i], err, sizeof(err)) != 0)
			pb_warn("HTML5 lesson %.12s… refused: %s", shas[i], err);
		else
			pb_info("HTML5 lesson %.12s… unpacked", shas[i]);
	}
}

enum sync_result sync_files(struct pb_sync *s)
{
	sqlite3_stmt *st = NULL;
	enum sync_result res = SYNC_OK, r;
	int budget_hit = 0, step;
	char sha[PB_SHA256_HEX_LEN + 1];

	if ((st = pb_db_stmt(s->db, "SELECT DISTINCT f.sha256, f.size FROM module_files f "
				    "JOIN modules m ON m.id = f.module_id WHERE m.source = 'hub' "
				    "ORDER BY f.size")) == NULL)
		return SYNC_ERROR;
	while (!*s->stop && !budget_hit && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);
		int64_t size = sqlite3_column_int64(st, 1);

		if (h == NULL || !pb_sha256_hex_valid((const char *)h))
			continue;
		memcpy(sha, h, sizeof(sha));
		if (pb_store_has(&s->store, sha, size)) {
			/* a part a power cut left beside the placed file */
			if (pb_store_drop_part(&s->store, sha) == 0)
				pb_notice("removed a stale part of %.12s…", sha);
			continue;
		}
		r = fetch_file(s, sha, size, &budget_hit);
		if (r != SYNC_OK) {
			res = r;
			break;
		}
	}
	pb_db_stmt_done(st);
	sync_lessons(s);
	if (budget_hit && res == SYNC_OK)
		sync_set_error(s, "daily download budget for module files used up; "
			       "the rest comes tomorrow");
	return *s->stop ? SYNC_STOPPED : res;
}
