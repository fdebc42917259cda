/* Retention without a person: after an upload, at most once every
 * [sync] purge_interval_h, pb-sync purges the personal data of sessions
 * the hub has acknowledged and retention_days lets go (pb_purge.c; the
 * same as pbctl purge). */
#include "sync.h"

#include "pb_clock.h"
#include "pb_log.h"
#include "pb_purge.h"

#include <inttypes.h>
#include <stdio.h>

#define PURGE_LAST_KEY "sync.purge_last_ms"
#define MS_PER_HOUR    3600000LL

void sync_purge(struct pb_sync *s)
{
	struct pb_purge_report rep;
	int64_t now = pb_clock_wall_ms();
	int64_t last;

	if (s->cfg.sync_purge_interval_h == 0)
		return;
	last = sync_meta_int(s, PURGE_LAST_KEY, 0);
	if (last > 0 && last <= now && now - last < (int64_t)s->cfg.sync_purge_interval_h *
	    MS_PER_HOUR)
		return;
	if (pb_purge_run(s->db, &s->store, now, s->cfg.sync_retention_days, 0, stderr,
			 &rep) != 0) {
		pb_warn("purge failed: %s (tried again after the next upload)",
			sqlite3_errmsg(s->db));
		return;
	}
	sync_meta_set_int(s, PURGE_LAST_KEY, now);
	if (rep.sessions > 0 || rep.held > 0)
		pb_notice("purge: %d session(s), %" PRId64 " row(s), %" PRId64 " photo "
			  "file(s) (%" PRId64 " bytes) removed; %" PRId64 " photo(s) kept "
			  "until the hub confirms them", rep.sessions, rep.rows, rep.files,
			  rep.file_bytes, rep.held);
}
