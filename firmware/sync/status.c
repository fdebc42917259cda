#include "sync.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void meta_set(struct pb_sync *s, const char *key, const char *value)
{
	if (pb_db_meta_set(s->db, key, value) != 0)
		pb_warn("cannot write %s: %s", key, sqlite3_errmsg(s->db));
}

void sync_set_state(struct pb_sync *s, const char *state)
{
	char old[32] = "";

	if (pb_db_meta_get(s->db, "sync.state", old, sizeof(old)) == 0 &&
	    strcmp(old, state) == 0)
		return;
	meta_set(s, "sync.state", state);
	pb_info("state %s", state);
	snprintf(old, sizeof(old), "STATUS=%s", state);
	pb_notify(old);
}

void sync_tick(void *arg)
{
	struct pb_sync *s = arg;
	int64_t now;

	if (s->watchdog_ms <= 0)
		return;
	now = pb_clock_mono_ms();
	if (now - s->last_ping_ms < s->watchdog_ms)
		return;
	s->last_ping_ms = now;
	pb_notify("WATCHDOG=1");
}

void sync_set_error(struct pb_sync *s, const char *words)
{
	meta_set(s, "sync.last_error", words);
	sync_health_note_error(s, words);
	if (words[0] != '\0')
		pb_notice("%s", words);
}

int64_t sync_meta_int(struct pb_sync *s, const char *key, int64_t def)
{
	char buf[32];
	char *end;
	long long v;

	if (pb_db_meta_get(s->db, key, buf, sizeof(buf)) != 0)
		return def;
	v = strtoll(buf, &end, 10);
	return (*end == '\0' && end != buf) ? (int64_t)v : def;
}

void sync_meta_set_int(struct pb_sync *s, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	meta_set(s, key, buf);
}

void sync_save_bytes(struct pb_sync *s)
{
	sync_meta_set_int(s, "sync.bytes_up", (int64_t)(s->base_up + s->hc.bytes_up));
	sync_meta_set_int(s, "sync.bytes_down", (int64_t)(s->base_down + s->hc.bytes_down));
}

enum sync_result sync_busy(struct pb_sync *s, long st, const char *what)
{
	char words[PB_HUBC_ERR_LEN + 128];

	if ((st != 429 && st != 503) || s->hc.retry_after_s == 0)
		return SYNC_ERROR;
	snprintf(words, sizeof(words), "%s: hub busy (%s), asked to wait %u s; nothing is lost, "
		 "the records go later", what, st == 429 ? "too many requests" :
		 "its database is unavailable", s->hc.retry_after_s);
	sync_set_error(s, words);
	return SYNC_WAIT;
}

void sync_mark_success(struct pb_sync *s)
{
	sync_meta_set_int(s, "sync.last_success_ms", pb_clock_wall_ms());
	sync_set_error(s, "");
	sync_save_bytes(s);
}
