/* box.health: how the box itself is doing, as an outbox record
 * (docs/sync-protocol.md, "box.health"). One goes every
 * [sync] health_interval_s of uptime, and one with each upload of other
 * records, at most one per round; a health record never causes another
 * (it does not count as a record waiting to go up). */
#include "sync.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_outbox.h"
#include "pb_throttled.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#define HEALTH_LAST_KEY   "health.last"        /* "<boot id> <mono ms>" of the last report */
#define HEALTH_BOOTS_KEY  "health.boots"
#define HEALTH_BOOTID_KEY "health.boot_id"
#define HEALTH_ERR_KEY    "health.last_error"
#define HEALTH_ERRMS_KEY  "health.last_error_ms"
#define HEALTH_SECTOR     512                  /* /sys/block/…/stat counts 512-byte sectors */
#define HEALTH_STAT_MAX   512
#define HEALTH_LAST_MAX   (sizeof(((struct pb_stamp *)0)->boot_id) + 32)

void sync_health_boot(struct pb_sync *s)
{
	char seen[64] = "";
	const char *now = pb_clock_boot_id();

	if (pb_db_meta_get(s->db, HEALTH_BOOTID_KEY, seen, sizeof(seen)) == 0 &&
	    strcmp(seen, now) == 0)
		return;
	if (pb_db_begin(s->db) != 0)
		goto fail;
	if (pb_db_meta_set(s->db, HEALTH_BOOTID_KEY, now) != 0)
		goto fail_tx;
	sync_meta_set_int(s, HEALTH_BOOTS_KEY, sync_meta_int(s, HEALTH_BOOTS_KEY, 0) + 1);
	if (pb_db_commit(s->db) == 0)
		return;
fail_tx:
	pb_db_rollback(s->db);
fail:
	pb_warn("cannot count this boot: %s", sqlite3_errmsg(s->db));
}

void sync_health_note_error(struct pb_sync *s, const char *words)
{
	char kept[PB_HEALTH_ERR_MAX + 1];

	if (words[0] == '\0')
		return;
	snprintf(kept, sizeof(kept), "%s", words);
	if (pb_db_meta_set(s->db, HEALTH_ERR_KEY, kept) != 0)
		return;
	sync_meta_set_int(s, HEALTH_ERRMS_KEY, pb_clock_wall_ms());
}

/* Bytes written since boot to the block device holding dir, -1 if unknown. */
static int64_t written_bytes(const char *dir)
{
	char path[64], line[HEALTH_STAT_MAX];
	unsigned long long f[7];
	struct stat sb;
	FILE *fp;
	int n;

	if (stat(dir, &sb) != 0)
		return -1;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat", major(sb.st_dev),
		 minor(sb.st_dev));
	fp = fopen(path, "re");
	if (fp == NULL)
		return -1;
	n = fgets(line, sizeof(line), fp) == NULL ? 0 :
	    sscanf(line, "%llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3],
		   &f[4], &f[5], &f[6]);
	fclose(fp);
	return n == 7 && f[6] <= (unsigned long long)(INT64_MAX / HEALTH_SECTOR) ?
	       (int64_t)f[6] * HEALTH_SECTOR : -1;
}

/* The firmware's throttling flags, -1 if the file is missing or odd. */
static int64_t throttled_flags(const char *file)
{
	unsigned long v;

	return pb_throttled_read(file, &v) == 0 ? (int64_t)v : -1;
}

static int count_query(sqlite3 *db, const char *sql, int64_t arg, int64_t out[2])
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, sql)) == NULL)
		goto out;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	out[0] = sqlite3_column_int64(st, 0);
	out[1] = sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0;
	rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

/* Unacknowledged records: all of them, and how many are box.health. */
static int backlog(struct pb_sync *s, int64_t *all, int64_t *health)
{
	int64_t v[2];

	if (count_query(s->db, "SELECT count(*), coalesce(sum(type = '" PB_HEALTH_TYPE "'), 0) "
			"FROM outbox WHERE acked = 0", 0, v) != 0)
		return -1;
	*all = v[0];
	*health = v[1];
	return 0;
}

static json_t *int_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

char *sync_health_build(struct pb_sync *s)
{
	struct statvfs vfs;
	char err[PB_HEALTH_ERR_MAX + 1] = "";
	int64_t all = 0, hl = 0, phones[2] = { -1, 0 }, free_b = -1, total_b = -1, boots;
	json_t *o;
	char *text;

	if (backlog(s, &all, &hl) != 0)
		return NULL;
	if (statvfs(s->cfg.data_dir, &vfs) == 0) {
		free_b = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
		total_b = (int64_t)vfs.f_blocks * (int64_t)vfs.f_frsize;
	}
	/* phones: check-in devices (the attendance device cookie) of the last 24 h */
	if (count_query(s->db, "SELECT count(DISTINCT device) FROM attendance WHERE "
			"kind = 'checkin' AND device <> '' AND wall_ms >= ?1",
			pb_clock_wall_ms() - PB_HEALTH_PHONES_MS, phones) != 0)
		phones[0] = -1;
	boots = sync_meta_int(s, HEALTH_BOOTS_KEY, -1);
	pb_db_meta_get(s->db, HEALTH_ERR_KEY, err, sizeof(err));
	o = json_pack("{ss sI so so so so so so sI so}",
		      "v", PB_VERSION,
		      "up", (json_int_t)(pb_clock_mono_ms() / 1000),
		      "boot", int_or_null(boots),
		      "df", int_or_null(free_b),
		      "dt", int_or_null(total_b),
		      "wr", int_or_null(written_bytes(s->cfg.data_dir)),
		      "thr", int_or_null(throttled_flags(s->cfg.gpio_throttled_path)),
		      "ph", int_or_null(phones[0]),
		      "bl", (json_int_t)all,
		      "err", err[0] != '\0' ? json_string(err) : json_null());
	if (o == NULL)
		return NULL;
	if (err[0] != '\0')
		json_object_set_new(o, "et", json_integer(
			(json_int_t)sync_meta_int(s, HEALTH_ERRMS_KEY, 0)));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* Whether [sync] health_interval_s of uptime went by since the last report. */
static int interval_due(struct pb_sync *s, int64_t now_ms)
{
	char last[HEALTH_LAST_MAX], bid[HEALTH_LAST_MAX];
	long long ms;

	if (pb_db_meta_get(s->db, HEALTH_LAST_KEY, last, sizeof(last)) != 0 ||
	    sscanf(last, "%63s %lld", bid, &ms) != 2 || strcmp(bid, pb_clock_boot_id()) != 0)
		return 1;
	return now_ms - ms >= (int64_t)s->cfg.sync_health_interval_s * 1000 || now_ms < ms;
}

int sync_health(struct pb_sync *s, int uploading)
{
	int64_t now = pb_clock_mono_ms(), all, hl;
	char last[HEALTH_LAST_MAX], *payload = NULL;
	int rc = -1;

	if (s->cfg.sync_health_interval_s == 0)
		return 0;
	if (!interval_due(s, now)) {
		/* with an upload: only when other records go, and no report waits */
		if (!uploading || backlog(s, &all, &hl) != 0 || all - hl == 0 || hl > 0)
			return 0;
	}
	payload = sync_health_build(s);
	if (payload == NULL)
		goto out;
	snprintf(last, sizeof(last), "%s %" PRId64, pb_clock_boot_id(), now);
	if (pb_db_begin(s->db) != 0)
		goto out;
	if (pb_outbox_append(s->db, PB_HEALTH_TYPE, payload, NULL, NULL) != 0 ||
	    pb_db_meta_set(s->db, HEALTH_LAST_KEY, last) != 0) {
		pb_db_rollback(s->db);
		goto out;
	}
	rc = pb_db_commit(s->db);
out:
	if (rc != 0)
		pb_warn("cannot queue the health report: %s", sqlite3_errmsg(s->db));
	free(payload);
	return rc;
}
