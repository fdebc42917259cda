/* Software releases (docs/updates.md): the hub's feed "release" names the
 * latest; its signature is checked with [update] release_key before
 * anything of it is kept or fetched, then its .deb files come into
 * DATA/update by Range resume within the daily budget, each checked by
 * SHA-256 before it takes its name. box_meta says how far it got:
 * update.available (the version kept), update.state ("downloading",
 * "ready", "refused") and update.error. While a release is on trial
 * (update.pending set) the feed is not asked: the trial's release and its
 * state stay as they are, and a newer one comes once the trial ended. */
#include "sync.h"

#include "pb_db.h"
#include "pb_log.h"
#include "pb_update.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RELEASE_TRIAL_MAX (PB_RELEASE_VERSION_MAX + 16)  /* "1.2.0 on root B" */

static void meta(struct pb_sync *s, const char *key, const char *value)
{
	if (pb_db_meta_set(s->db, key, value) != 0)
		pb_warn("cannot write %s: %s", key, sqlite3_errmsg(s->db));
}

static void refuse(struct pb_sync *s, const char *why)
{
	char words[PB_RELEASE_ERR_LEN + 32];

	snprintf(words, sizeof(words), "release refused: %s", why);
	meta(s, "update.state", "refused");
	meta(s, "update.error", words);
	sync_set_error(s, words);
}

/* Ask the feed for a release after the cursor; keep one that verifies
 * and is newer than this software. */
static enum sync_result fetch_manifest(struct pb_sync *s, const char *dir)
{
	static struct pb_release r;
	char etag[96], query[48], err[PB_RELEASE_ERR_LEN];
	json_t *ans = NULL, *items, *cur, *doc;
	int64_t cursor = sync_meta_int(s, "update.cursor", 0);
	long st;

	if (pb_db_meta_get(s->db, "update.etag", etag, sizeof(etag)) != 0)
		etag[0] = '\0';
	snprintf(query, sizeof(query), "after=%" PRId64, cursor);
	st = pb_hubc_get_json(&s->hc, "/v1/feed/release", query, etag, &ans);
	sync_save_bytes(s);
	if (st == 304)
		return SYNC_OK;
	items = json_object_get(ans, "items");
	cur = json_object_get(ans, "cursor");
	if (st != 200 || !json_is_array(items) || !json_is_integer(cur)) {
		if (st > 0)
			pb_hubc_answer_error(&s->hc, st, ans);
		json_decref(ans);
		sync_set_error(s, "release feed failed");
		return sync_busy(s, st, "release feed");
	}
	doc = json_object_get(json_array_get(items, 0), "doc");
	if (doc != NULL) {
		if (pb_release_open(doc, s->cfg.update_release_key, &r, err, sizeof(err)) != 0) {
			/* the cursor stays: asked again each round, so a box whose
			 * key is mended takes it then */
			refuse(s, err);
			json_decref(ans);
			return SYNC_OK;
		} else if (pb_release_version_cmp(r.version, PB_VERSION) <= 0) {
			pb_info("release %s is not newer than %s: left alone", r.version,
				PB_VERSION);
		} else if (pb_update_keep(dir, doc, &r) != 0) {
			pb_warn("cannot keep release %s in %s: %s", r.version, dir, strerror(errno));
			json_decref(ans);
			return SYNC_ERROR;
		} else {
			pb_notice("release %s signed by the release key: downloading", r.version);
			meta(s, "update.available", r.version);
			meta(s, "update.state", "downloading");
			meta(s, "update.error", "");
		}
	}
	sync_meta_set_int(s, "update.cursor", json_integer_value(cur));
	snprintf(etag, sizeof(etag), "\"release-%" PRId64 "\"", (int64_t)json_integer_value(cur));
	meta(s, "update.etag", etag);
	json_decref(ans);
	return SYNC_OK;
}

/* One .deb: resume NAME.part, check, rename to NAME. *budget_hit when
 * the day's budget ended it. */
static enum sync_result fetch_deb(struct pb_sync *s, const char *dir,
				  const struct pb_release_deb *b, int *budget_hit)
{
	char part[PATH_MAX], path[PATH_MAX], url[96], sha[PB_SHA256_HEX_LEN + 1];
	char what[PB_SYNC_WHAT_MAX], words[PB_SYNC_WHAT_MAX + 96];
	enum sync_result res;
	struct stat sb;
	uint64_t off;
	int64_t size;
	int fd;

	if (snprintf(part, sizeof(part), "%s/%s.part", dir, b->name) >= (int)sizeof(part) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, b->name) >= (int)sizeof(path))
		return SYNC_ERROR;
	fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		sync_set_error(s, "cannot write into the update folder");
		return SYNC_ERROR;
	}
	off = (uint64_t)sb.st_size;
	if (off > (uint64_t)b->size) {          /* not this file: start again */
		if (ftruncate(fd, 0) != 0) {
			close(fd);
			return SYNC_ERROR;
		}
		off = 0;
	}
	snprintf(url, sizeof(url), "/v1/files/%s", b->sha256);
	snprintf(what, sizeof(what), "release file %s", b->name);
	res = sync_fetch_part(s, url, fd, part, &off, (uint64_t)b->size, what, budget_hit);
	if (res != SYNC_OK || fsync(fd) != 0) {
		close(fd);
		return res != SYNC_OK ? res : SYNC_ERROR;
	}
	close(fd);
	if (off < (uint64_t)b->size)
		return SYNC_OK;                 /* budget: the rest another day */
	if (pb_sha256_file(part, sha, &size) != 0)
		return SYNC_ERROR;
	if (strcmp(sha, b->sha256) != 0 || size != b->size) {
		unlink(part);
		snprintf(words, sizeof(words), "%s does not have the SHA-256 its signed release "
			 "says: removed, fetched again next round", b->name);
		meta(s, "update.error", words);
		sync_set_error(s, words);
		return SYNC_ERROR;
	}
	if (rename(part, path) != 0)
		return SYNC_ERROR;
	pb_info("release file %s verified (%" PRId64 " bytes)", b->name, b->size);
	return SYNC_OK;
}

enum sync_result sync_release(struct pb_sync *s)
{
	static struct pb_release r;
	char dir[PATH_MAX], err[PB_RELEASE_ERR_LEN], trial[RELEASE_TRIAL_MAX];
	enum sync_result res;
	int budget_hit = 0, kept;

	if (s->cfg.update_release_key[0] == '\0')
		return SYNC_OK;
	if (pb_db_meta_get(s->db, PB_UPDATE_TRIAL_KEY, trial, sizeof(trial)) == 0 &&
	    trial[0] != '\0') {
		/* the cursor stays: the next round after the trial takes the newer */
		pb_info("the release feed waits: %s is on trial", trial);
		return SYNC_OK;
	}
	if (pb_update_dir(&s->cfg, dir, sizeof(dir)) != 0)
		return SYNC_ERROR;
	res = fetch_manifest(s, dir);
	if (res != SYNC_OK)
		return res;
	kept = pb_update_load(dir, s->cfg.update_release_key, &r, err, sizeof(err));
	if (kept == 1)
		return SYNC_OK;
	if (kept != 0) {
		refuse(s, err);
		return SYNC_OK;
	}
	if (pb_release_version_cmp(r.version, PB_VERSION) <= 0)
		return SYNC_OK;                 /* installed already */
	if (pb_update_complete(dir, &r, 0, err, sizeof(err)) == 1)
		return SYNC_OK;
	for (int i = 0; i < r.ndebs && !budget_hit && !*s->stop; i++) {
		char path[PATH_MAX];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, r.debs[i].name);
		if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == r.debs[i].size)
			continue;
		res = fetch_deb(s, dir, &r.debs[i], &budget_hit);
		if (res != SYNC_OK)
			return res;
	}
	if (pb_update_complete(dir, &r, 0, err, sizeof(err)) == 1) {
		meta(s, "update.state", "ready");
		pb_notice("release %s downloaded and verified: pbctl update apply installs it",
			  r.version);
	} else if (budget_hit) {
		sync_set_error(s, "daily download budget used up; the release's rest comes "
			       "tomorrow");
	}
	return *s->stop ? SYNC_STOPPED : SYNC_OK;
}
