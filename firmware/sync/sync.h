/* pb-sync private header: the uplink daemon (docs/sync-protocol.md). */
#ifndef PB_SYNC_H
#define PB_SYNC_H

#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_config.h"
#include "pb_hubclient.h"
#include "pb_store.h"

#define PB_SYNC_ROUTE_POLL_S     5      /* re-read the routing table (no rtnetlink) */
#define PB_SYNC_ROUTE_IDLE_S     60     /* offline with rtnetlink: look anyway */
#define PB_SYNC_NETLINK_BUF      8192
#define PB_SYNC_BACKOFF_MIN_S    2
#define PB_SYNC_REWINDS_MAX      3      /* gap answers in one round */
#define PB_SYNC_FEED_PAGES_MAX   100    /* feed pages in one round */
#define PB_SYNC_PHOTO_BATCH      50     /* receipt photos read per query */
#define PB_SYNC_ROUTE_SIG_LEN    PB_SHA256_HEX_LEN
/* A first batch that is also the reachability check ([sync] batch_probes)
 * holds at most this many compressed bytes: with its ~300 B of headers it
 * fits one TCP segment, no more to lose in a drop than the check it
 * replaces. */
#define PB_SYNC_PROBE_BATCH_BYTES 1024

enum sync_result {
	SYNC_OK = 0,
	SYNC_ERROR,      /* try again after a backoff */
	SYNC_REFUSED,    /* the hub refuses this box: wait for a human */
	SYNC_WAIT,       /* the hub asked to wait (429/503 with Retry-After) */
	SYNC_STOPPED,
};

struct pb_sync {
	struct pb_config cfg;
	sqlite3 *db;
	struct pb_store store;
	struct pb_hubc hc;
	char box_id[PB_PROTO_ID_LEN + 1];
	int wake_fd;
	int route_fd;                  /* rtnetlink route and link events, -1: none */
	char wake_path[PATH_MAX];
	int loopback_hub;
	uint64_t base_up, base_down;   /* totals before this run */
	int64_t watchdog_ms;           /* ping the service manager this often, 0: never */
	int64_t last_ping_ms;
	int batch_probes;              /* the next upload's first batch is the check */
	unsigned feeds_done;           /* bit k: feed k fetched since the last full round */
	volatile sig_atomic_t *stop;
};

/* status.c: box_meta keys other programs read. */
void sync_set_state(struct pb_sync *s, const char *state);
void sync_set_error(struct pb_sync *s, const char *words);
void sync_mark_success(struct pb_sync *s);
void sync_save_bytes(struct pb_sync *s);
int64_t sync_meta_int(struct pb_sync *s, const char *key, int64_t def);
void sync_meta_set_int(struct pb_sync *s, const char *key, int64_t v);
/* Ping the service manager's watchdog when due (also during transfers). */
void sync_tick(void *arg);

/* SYNC_WAIT when the last answer (HTTP status st) asks to come back
 * later, with sync.last_error saying so; else SYNC_ERROR. */
enum sync_result sync_busy(struct pb_sync *s, long st, const char *what);

/* routes.c: 1 when there is a default route; sig is the table's
 * fingerprint. */
int sync_read_routes(char sig[PB_SYNC_ROUTE_SIG_LEN + 1]);
/* Subscribe to route and link changes (s->route_fd); -1 without. */
int sync_routes_open(struct pb_sync *s);
void sync_routes_close(struct pb_sync *s);
/* Read what is pending on s->route_fd: 1 when a route or link changed. */
int sync_routes_event(struct pb_sync *s);

/* upload.c */
enum sync_result sync_upload(struct pb_sync *s);
/* receipt photos the hub has not confirmed (after the records, before
 * any download); each at most PB_PROTO_PHOTO_MAX */
enum sync_result sync_photos(struct pb_sync *s);
/* enrol when not enrolled yet */
enum sync_result sync_enrol(struct pb_sync *s);

/* purge.c: retention, at most every [sync] purge_interval_h */
void sync_purge(struct pb_sync *s);

/* health.c: box.health reports (docs/sync-protocol.md) */
#define PB_HEALTH_TYPE      "box.health"
#define PB_HEALTH_ERR_MAX   120                     /* bytes of the last error kept */
#define PB_HEALTH_PHONES_MS (24LL * 3600 * 1000)    /* "phones seen today": the last 24 h */
/* Count this boot once per boot id (box_meta health.boots). */
void sync_health_boot(struct pb_sync *s);
/* Keep a non-empty error for the next report. */
void sync_health_note_error(struct pb_sync *s, const char *words);
/* The record's payload (malloc'd JSON), NULL on failure. */
char *sync_health_build(struct pb_sync *s);
/* Queue a report when due: every [sync] health_interval_s of uptime, or
 * (uploading) when records other than reports wait and none does; never
 * with health_interval_s = 0. 0/-1. */
int sync_health(struct pb_sync *s, int uploading);

/* usb.c: the admin page's USB stick jobs (pb_usb), all that are queued */
void sync_usb_jobs(struct pb_sync *s);

/* download.c */
enum sync_result sync_feeds(struct pb_sync *s);
void sync_apply_inbox(struct pb_sync *s);
enum sync_result sync_files(struct pb_sync *s);
/* The daily byte budget of downloads (module files and releases): bytes
 * still allowed today (UTC), UINT64_MAX when there is no budget; and
 * what a transfer spent of it. */
uint64_t sync_budget_left(struct pb_sync *s, int64_t *day);
void sync_budget_spend(struct pb_sync *s, uint64_t n);
/* Resume the download of url into fd (opened O_APPEND on the file part,
 * holding *off of its size bytes) within the budget; *off gets what the
 * part holds after. SYNC_OK also when the budget ended it (*budget_hit
 * set); what names the file in sync.last_error. */
#define PB_SYNC_WHAT_MAX 200
enum sync_result sync_fetch_part(struct pb_sync *s, const char *url, int fd, const char *part,
				 uint64_t *off, uint64_t size, const char *what, int *budget_hit);

/* release.c: the latest software release from the hub's feed, its
 * signature checked with [update] release_key before anything else, its
 * .deb files resumed within the budget and checked by SHA-256 into
 * DATA/update (docs/updates.md). SYNC_OK also when there is no key. */
enum sync_result sync_release(struct pb_sync *s);

#endif
