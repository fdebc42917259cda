/* Upload: the outbox in signed, packed batches from the first record
 * the hub has not acknowledged (docs/sync-protocol.md §4). */
#include "sync.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_outbox.h"
#include "pb_pack.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void col(char *dst, size_t size, sqlite3_stmt *st, int c)
{
	const unsigned char *v = sqlite3_column_text(st, c);

	snprintf(dst, size, "%s", v != NULL ? (const char *)v : "");
}

static int answer_acked(json_t *ans, int64_t *acked)
{
	json_t *v = json_object_get(ans, "acked");

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*acked = (int64_t)json_integer_value(v);
	return 0;
}

/* Records the hub acknowledged but keeps without using (an id in use,
 * docs/sync-protocol.md §4): logged and noted in the audit log, since
 * sending them again would change nothing. */
static void note_refused(struct pb_sync *s, json_t *ans)
{
	json_t *list = json_object_get(ans, "refused"), *it;
	char detail[PB_AUDIT_DETAIL_MAX];
	size_t i;

	json_array_foreach(list, i, it) {
		const char *id = json_string_value(json_object_get(it, "id"));
		const char *code = json_string_value(json_object_get(it, "error"));

		snprintf(detail, sizeof(detail), "seq %" JSON_INTEGER_FORMAT " id %.64s: %.64s",
			 json_integer_value(json_object_get(it, "seq")), id != NULL ? id : "?",
			 code != NULL ? code : "?");
		pb_warn("the hub keeps record %s but refused it", detail);
		if (pb_audit_add(s->db, "hub", "sync.record_refused", detail, "") != 0)
			pb_warn("cannot note the refusal in the audit log");
	}
}

enum sync_result sync_enrol(struct pb_sync *s)
{
	char centre[128], token[PB_CONFIG_STR_LEN] = "";
	int refused;

	if (sync_meta_int(s, "sync.enrolled", 0) == 1)
		return SYNC_OK;
	/* A token from `pbctl enrol --bundle` wins over the config. */
	if (pb_db_meta_get(s->db, "sync.enrol_token", token, sizeof(token)) != 0 ||
	    token[0] == '\0')
		snprintf(token, sizeof(token), "%s", s->cfg.sync_enrol_token);
	if (token[0] == '\0') {
		sync_set_error(s, "not enrolled: no enrolment token ([sync] enrol_token or "
			       "pbctl enrol --bundle)");
		return SYNC_REFUSED;
	}
	if (pb_hubc_enrol(&s->hc, token, centre, sizeof(centre), &refused) != 0) {
		char words[PB_HUBC_ERR_LEN + 32];
		snprintf(words, sizeof(words), "enrolment failed: %s", s->hc.err);
		sync_set_error(s, words);
		return refused ? SYNC_REFUSED : sync_busy(s, s->hc.status, "enrolment");
	}
	pb_db_meta_set(s->db, "sync.centre", centre);
	sync_meta_set_int(s, "sync.enrolled", 1);
	pb_notice("enrolled at the hub for centre %s", centre);
	return SYNC_OK;
}

enum sync_result sync_upload(struct pb_sync *s)
{
	struct pb_outbox_loaded l;
	unsigned char *body = NULL;
	size_t len, used;
	char sig[PB_PROTO_SIG_HEX_LEN + 1], words[PB_HUBC_ERR_LEN + 64];
	json_t *ans = NULL;
	int64_t acked;
	long st;
	int rewinds = 0;
	/* Batches start small and double with each one acknowledged, up to
	 * batch_bytes: on a link that drops now and then no body trickles so
	 * long that the hub's slow-body guard (10 s, then 1 KiB/s) closes it
	 * and all of it has to go again; on a good link a backlog soon goes
	 * up in big batches. */
	size_t start = s->cfg.sync_batch_start_bytes < s->cfg.sync_batch_bytes ?
		       s->cfg.sync_batch_start_bytes : s->cfg.sync_batch_bytes;
	/* the check's batch is one segment; the next starts at start */
	size_t cap = s->batch_probes && start > PB_SYNC_PROBE_BATCH_BYTES ?
		     PB_SYNC_PROBE_BATCH_BYTES : start;
	enum sync_result res = SYNC_ERROR;

	memset(&l, 0, sizeof(l));
	while (!*s->stop) {
		if (pb_outbox_load(s->db, -1, s->cfg.sync_batch_records, &l) != 0) {
			sync_set_error(s, "cannot read the outbox");
			goto out;
		}
		if (l.n == 0) {
			res = SYNC_OK;
			goto out;
		}
		sync_set_state(s, "uploading");
		if (pb_pack_build(s->box_id, l.r, l.n, cap, &body, &len, &used) != 0) {
			sync_set_error(s, "cannot build a batch");
			goto out;
		}
		pb_proto_sign(s->hc.sk, body, len, sig);
		st = pb_hubc_post(&s->hc, "/v1/batch", PB_PACK_MIME, body, len, sig, &ans);
		sync_save_bytes(s);
		/* what the records cost on the wire, retries included */
		sync_meta_set_int(s, "sync.bytes_batches", sync_meta_int(s, "sync.bytes_batches", 0) +
				  (int64_t)s->hc.last_up);
		free(body);
		body = NULL;
		/* each try, for whoever looks at where the seconds of a bad link go */
		pb_info("batch %" PRId64 "..%" PRId64 ", %zu B: connected after %ld ms, answer "
			"after %ld ms, %ld ms in all, %u TCP retransmissions: %s",
			l.r[0].seq, l.r[used - 1].seq, len, s->hc.t_connect_ms, s->hc.t_first_ms,
			s->hc.t_total_ms, s->hc.retrans, st < 0 ? s->hc.err : "answered");
		if (st < 0) {
			snprintf(words, sizeof(words), "upload broke off: %s", s->hc.err);
			sync_set_error(s, words);
			res = *s->stop ? SYNC_STOPPED : SYNC_ERROR;
			goto out;
		}
		if (st == 200 && answer_acked(ans, &acked) == 0) {
			if (pb_outbox_set_acked(s->db, acked, pb_clock_wall_ms()) != 0) {
				sync_set_error(s, "cannot record the acknowledgement");
				goto out;
			}
			pb_debug("batch %" PRId64 "..%" PRId64 ": hub holds up to %" PRId64,
				 l.r[0].seq, l.r[used - 1].seq, acked);
			if (s->batch_probes)
				cap = start;        /* the hub is there */
			else if (cap * 2 < s->cfg.sync_batch_bytes)
				cap *= 2;
			else
				cap = s->cfg.sync_batch_bytes;
			s->batch_probes = 0;
			note_refused(s, ans);
			if (acked < l.r[0].seq) {
				/* The hub holds less than the batch started from: it
				 * will answer with a gap next time and we rewind. */
				if (++rewinds > PB_SYNC_REWINDS_MAX) {
					sync_set_error(s, "hub does not acknowledge the records sent");
					goto out;
				}
			}
		} else if (st == 409 && pb_proto_err_from_code(json_string_value(
				json_object_get(ans, "error"))) == PB_PROTO_GAP &&
			   answer_acked(ans, &acked) == 0 && ++rewinds <= PB_SYNC_REWINDS_MAX) {
			pb_notice("hub holds up to %" PRId64 ": sending again from there", acked);
			if (pb_outbox_set_acked(s->db, acked, pb_clock_wall_ms()) != 0)
				goto out;
		} else {
			enum pb_proto_err e = pb_proto_err_from_code(json_string_value(
				json_object_get(ans, "error")));
			pb_hubc_answer_error(&s->hc, st, ans);
			sync_set_error(s, s->hc.err);
			if (sync_busy(s, st, "upload") == SYNC_WAIT) {
				res = SYNC_WAIT;
				goto out;
			}
			res = (e == PB_PROTO_REVOKED || e == PB_PROTO_UNKNOWN_BOX ||
			       e == PB_PROTO_CONFLICT || e == PB_PROTO_BAD_HASH ||
			       e == PB_PROTO_BROKEN_CHAIN) ? SYNC_REFUSED : SYNC_ERROR;
			if (e == PB_PROTO_UNKNOWN_BOX)
				sync_meta_set_int(s, "sync.enrolled", 0);
			goto out;
		}
		json_decref(ans);
		ans = NULL;
		pb_outbox_loaded_free(&l);
	}
	res = SYNC_STOPPED;
out:
	free(body);
	json_decref(ans);
	pb_outbox_loaded_free(&l);
	return res;
}

/* ------------------------------------------------------------------ */
/* Receipt and worksheet photos (docs/sync-protocol.md §4b) */

struct photo {
	char sha[PB_SHA256_HEX_LEN + 1];
	char mime[32];
};

/* Photos named by claims (first) and by worksheets that the hub has not
 * confirmed, oldest first. receipt_upload holds every confirmed photo,
 * whichever record names it. */
static int photos_pending(struct pb_sync *s, size_t skip, struct photo *p, size_t max,
			  size_t *n)
{
	sqlite3_stmt *st = NULL;
	int step;

	*n = 0;
	if ((st = pb_db_stmt(s->db,
			"SELECT sha, min(mime) FROM (SELECT receipt_sha256 AS sha, receipt_mime AS mime, "
			"0 AS kind, id AS ord FROM claim WHERE receipt_sha256 IS NOT NULL UNION ALL "
			"SELECT sha256, mime, 1, rowid FROM learning_photo) "
			"WHERE sha NOT IN (SELECT sha256 FROM receipt_upload) "
			"GROUP BY sha ORDER BY min(kind), min(ord) LIMIT ?1 OFFSET ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)skip);
	while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		col(p[*n].sha, sizeof(p[*n].sha), st, 0);
		col(p[*n].mime, sizeof(p[*n].mime), st, 1);
		(*n)++;
	}
	pb_db_stmt_done(st);
	return step == SQLITE_DONE || step == SQLITE_ROW ? 0 : -1;
}

/* The photo's bytes from the content store (malloc'd), at most
 * PB_PROTO_PHOTO_MAX; NULL if missing, too big or unreadable. */
static unsigned char *photo_read(struct pb_sync *s, const char *sha, size_t *len)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	struct stat sb;
	size_t got = 0;
	int fd;

	if (pb_store_path(&s->store, sha, path, sizeof(path)) != 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    sb.st_size > PB_PROTO_PHOTO_MAX)
		goto fail;
	buf = malloc((size_t)sb.st_size);
	if (buf == NULL)
		goto fail;
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

static int photo_confirmed(struct pb_sync *s, const char *sha, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(s->db, "INSERT OR REPLACE INTO receipt_upload(sha256, size, "
				    "confirmed_ms) VALUES (?1, ?2, ?3)")) != NULL) {
		sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
		sqlite3_bind_int64(st, 3, pb_clock_wall_ms());
		rc = pb_db_write_one(s->db, st);
	}
	pb_db_stmt_done(st);
	return rc;
}

enum sync_result sync_photos(struct pb_sync *s)
{
	struct photo p[PB_SYNC_PHOTO_BATCH];
	char sig[PB_PROTO_SIG_HEX_LEN + 1], path[64 + PB_SHA256_HEX_LEN], got[PB_SHA256_HEX_LEN + 1];
	char words[PB_HUBC_ERR_LEN + 96];
	size_t n, sent = 0, skipped = 0;
	json_t *ans = NULL;
	long st;

	/* sent photos leave the pending list, skipped ones stay at its head */
	while (!*s->stop) {
		if (photos_pending(s, skipped, p, PB_SYNC_PHOTO_BATCH, &n) != 0) {
			sync_set_error(s, "cannot read the photos to upload");
			return SYNC_ERROR;
		}
		for (size_t i = 0; i < n && !*s->stop; i++) {
			unsigned char *body;
			size_t len = 0;

			body = photo_read(s, p[i].sha, &len);
			if (body != NULL)
				pb_sha256_hex(body, len, got);
			if (body == NULL || strcmp(got, p[i].sha) != 0) {
				/* never confirmed, so never purged: a person can look */
				pb_warn("photo %s is missing or damaged in the content store",
					p[i].sha);
				free(body);
				skipped++;
				continue;
			}
			sync_set_state(s, "uploading");
			snprintf(path, sizeof(path), PB_PROTO_PHOTO_PATH "%s", p[i].sha);
			pb_proto_sign(s->hc.sk, body, len, sig);
			st = pb_hubc_post(&s->hc, path, p[i].mime, body, len, sig, &ans);
			free(body);
			sync_save_bytes(s);
			if (st < 0) {
				snprintf(words, sizeof(words), "photo upload broke off: %s", s->hc.err);
				sync_set_error(s, words);
				return *s->stop ? SYNC_STOPPED : SYNC_ERROR;
			}
			if (st != 200 || !json_is_string(json_object_get(ans, "sha256")) ||
			    strcmp(json_string_value(json_object_get(ans, "sha256")), p[i].sha) != 0) {
				enum pb_proto_err e = pb_proto_err_from_code(json_string_value(
					json_object_get(ans, "error")));
				pb_hubc_answer_error(&s->hc, st, ans);
				if (e == PB_PROTO_BAD_HASH || e == PB_PROTO_MALFORMED ||
				    e == PB_PROTO_TOO_LARGE) {
					/* this photo only: the others and the downloads go on */
					pb_warn("photo %s: %s", p[i].sha, s->hc.err);
					json_decref(ans);
					ans = NULL;
					skipped++;
					continue;
				}
				snprintf(words, sizeof(words), "photo refused: %s", s->hc.err);
				sync_set_error(s, words);
				json_decref(ans);
				if (e == PB_PROTO_UNKNOWN_BOX)
					sync_meta_set_int(s, "sync.enrolled", 0);
				if (e == PB_PROTO_REVOKED || e == PB_PROTO_UNKNOWN_BOX)
					return SYNC_REFUSED;
				return sync_busy(s, st, "photo");
			}
			json_decref(ans);
			ans = NULL;
			if (photo_confirmed(s, p[i].sha, len) != 0) {
				sync_set_error(s, "cannot record the hub's receipt of a photo");
				return SYNC_ERROR;
			}
			sent++;
		}
		if (n < PB_SYNC_PHOTO_BATCH)
			break;                 /* that was the last of them */
	}
	if (sent > 0)
		pb_info("%zu photo(s) now held by the hub", sent);
	return *s->stop ? SYNC_STOPPED : SYNC_OK;
}
