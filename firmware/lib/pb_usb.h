/* pb_usb: the USB stick at [sync] usb_dir and the jobs the admin page
 * asks for on it. pb-web cannot read the box key, so it only queues a job
 * (usb_job, one open at a time) and wakes pb-sync; pb-sync takes the job,
 * does it with pb_stick / pb_import and writes its progress, which the
 * page reads back. */
#ifndef PB_USB_H
#define PB_USB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define PB_USB_CONTENT_DIR  "konten"      /* modules on a stick: STICK/konten/ */
#define PB_USB_MESSAGE_MAX  512           /* bytes of a job's message */
#define PB_USB_DETAIL_MAX   8192          /* bytes of a job's detail (import lines) */
#define PB_USB_CODE_MAX     32

/* Whether a file system is mounted at dir (its device differs from its
 * parent's) and its space. */
struct pb_usb_stick {
	int present;
	int64_t free_bytes, total_bytes;
};
int pb_usb_stick(const char *dir, struct pb_usb_stick *out);

enum pb_usb_kind { PB_USB_EXPORT = 0, PB_USB_IMPORT };
const char *pb_usb_kind_name(enum pb_usb_kind k);

enum pb_usb_request {
	PB_USB_QUEUED = 0,
	PB_USB_BUSY,          /* a job is queued or running already */
	PB_USB_DB_ERROR,
};
/* Queue a job for pb-sync (one write transaction). */
enum pb_usb_request pb_usb_request(sqlite3 *db, enum pb_usb_kind kind, const char *who,
				   int64_t now_ms, int64_t *id);

/* The latest job as {"id","kind","state","done","total","error","message",
 * "detail","requested_by","created_ms","finished_ms"}, json null when none,
 * NULL on a database error. */
json_t *pb_usb_latest(sqlite3 *db);

struct pb_usb_job {
	int64_t id;
	enum pb_usb_kind kind;
};
/* Take the oldest queued job (it becomes running): 0, 1 when none, -1. */
int pb_usb_take(sqlite3 *db, struct pb_usb_job *j);
int pb_usb_progress(sqlite3 *db, int64_t id, int64_t done, int64_t total);
/* End a job: done when code is NULL, else failed with code. 0/-1. */
int pb_usb_finish(sqlite3 *db, int64_t id, const char *code, const char *message,
		  const char *detail, int64_t now_ms);
/* Jobs left running by a pb-sync that stopped: failed ("interrupted");
 * queued ones stay for the next pb-sync. */
int pb_usb_interrupted(sqlite3 *db, int64_t now_ms);

#endif
