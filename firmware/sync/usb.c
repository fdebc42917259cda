/* The admin page's USB stick jobs (pb_usb): pb-sync holds the box key,
 * so the export, the hub's acknowledgement and the modules carried back
 * are done here, with the same code as pbctl outbox export | import-ack
 * and pbctl content import, between rounds and whenever woken. */
#include "sync.h"

#include "pb_clock.h"
#include "pb_import.h"
#include "pb_log.h"
#include "pb_stick.h"
#include "pb_usb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NO_STICK_CODE  "no_stick"
#define NO_STICK_WORDS "Tidak ada flashdisk terpasang."

struct job_progress {
	struct pb_sync *s;
	int64_t id;
	int64_t base;          /* steps done before this part */
};

static void export_progress(void *arg, int64_t done, int64_t total)
{
	struct job_progress *p = arg;

	sync_tick(p->s);
	if (pb_usb_progress(p->s->db, p->id, done, total) != 0)
		pb_warn("usb job %" PRId64 ": cannot write its progress", p->id);
}

static void import_progress(void *arg, int done, int total)
{
	struct job_progress *p = arg;

	export_progress(arg, p->base + done, p->base + total);
}

static void finish(struct pb_sync *s, int64_t id, const char *code, const char *message,
		   const char *detail)
{
	if (pb_usb_finish(s->db, id, code, message, detail, pb_clock_wall_ms()) != 0)
		pb_warn("usb job %" PRId64 ": cannot record its end: %s", id,
			sqlite3_errmsg(s->db));
	else
		pb_notice("usb job %" PRId64 ": %s: %s", id, code != NULL ? code : "done", message);
}

static void run_export(struct pb_sync *s, int64_t id)
{
	struct job_progress p = { s, id, 0 };
	struct pb_stick_export rep;
	enum pb_stick_err e;
	char words[PB_USB_MESSAGE_MAX];

	e = pb_stick_export(s->db, &s->cfg, s->cfg.sync_usb_dir, export_progress, &p, &rep);
	if (e != PB_STICK_OK) {
		snprintf(words, sizeof(words), "%s%s%s", pb_stick_strerror(e),
			 rep.sys_errno != 0 ? " " : "", rep.sys_errno != 0 ?
			 strerror(rep.sys_errno) : "");
		finish(s, id, pb_stick_code(e), words, "");
		return;
	}
	if (rep.records == 0)
		snprintf(words, sizeof(words), "Tidak ada catatan yang menunggu; flashdisk "
			 "tetap berisi daftar kosong.");
	else
		snprintf(words, sizeof(words), "%" PRId64 " catatan (seq %" PRId64 "..%" PRId64
			 ") diekspor dalam %zu batch. Bawa flashdisk ke kantor.", rep.records,
			 rep.first, rep.last, rep.batches);
	export_progress(&p, rep.records, rep.records);
	finish(s, id, NULL, words, "");
}

static int has_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The acknowledgement: words about it appended to msg; the error code
 * when it was refused, else NULL. */
static const char *import_ack(struct pb_sync *s, char *msg, size_t len)
{
	struct pb_stick_ack rep;
	enum pb_stick_err e = pb_stick_import_ack(s->db, s->cfg.sync_usb_dir, &rep);
	size_t used = strlen(msg);

	if (e != PB_STICK_OK) {
		snprintf(msg + used, len - used, "%s%s%s ", pb_stick_strerror(e),
			 rep.check != PB_CARRY_ACK_OK ? " " : "",
			 rep.check != PB_CARRY_ACK_OK ? pb_carry_ack_strerror(rep.check) : "");
		return pb_stick_code(e);
	}
	if (rep.acked == 0)
		snprintf(msg + used, len - used, "Tanda terima: hub belum menyimpan catatan "
			 "kotak ini. ");
	else if (rep.result == PB_OUTBOX_ACK_DONE)
		snprintf(msg + used, len - used, "Tanda terima: %" PRId64 " catatan ditandai "
			 "terkirim (sampai seq %" PRId64 "). ", rep.marked, rep.acked);
	else
		snprintf(msg + used, len - used, "Tanda terima sudah tercatat (sampai seq %"
			 PRId64 "); tidak ada yang berubah. ", rep.acked);
	return NULL;
}

static void run_import(struct pb_sync *s, int64_t id)
{
	struct job_progress p = { s, id, 0 };
	struct pb_import_tally t;
	char content[PATH_MAX], ackdir[PATH_MAX];
	char msg[PB_USB_MESSAGE_MAX] = "";
	const char *code = NULL;
	char *detail = NULL;
	size_t dlen = 0;
	FILE *out = NULL;
	int want_ack, want_content, rc;

	if (pb_carry_box_dir(s->cfg.sync_usb_dir, s->box_id, ackdir, sizeof(ackdir)) != 0)
		ackdir[0] = '\0';
	want_ack = ackdir[0] != '\0' && has_file(ackdir, PB_CARRY_ACK);
	/* modules: STICK/konten/ (pb-hub export-content), else the stick itself */
	snprintf(content, sizeof(content), "%s/" PB_USB_CONTENT_DIR, s->cfg.sync_usb_dir);
	if (!has_file(content, PB_IMPORT_MANIFEST))
		snprintf(content, sizeof(content), "%s", s->cfg.sync_usb_dir);
	want_content = has_file(content, PB_IMPORT_MANIFEST);
	if (!want_ack && !want_content) {
		finish(s, id, "nothing_to_import", "Flashdisk tidak berisi tanda terima hub "
		       "untuk kotak ini maupun folder konten (" PB_USB_CONTENT_DIR "/manifest.json).",
		       "");
		return;
	}
	export_progress(&p, 0, want_ack ? 1 : 0);
	if (want_ack) {
		code = import_ack(s, msg, sizeof(msg));
		p.base = 1;
		export_progress(&p, 1, 1);
	}
	if (want_content) {
		out = open_memstream(&detail, &dlen);
		if (out == NULL) {
			finish(s, id, "memory", "Memori habis.", "");
			return;
		}
		rc = pb_import_folder(s->db, &s->store, content, out, import_progress, &p, &t);
		fclose(out);
		if (rc < 0) {
			if (code == NULL)
				code = "content_unreadable";
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
				 "Folder konten tidak dapat dibaca.");
		} else {
			if (rc > 0 && code == NULL)
				code = "content_refused";
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
				 "Modul: %d baru, %d diperbarui, %d tidak berubah, %d ditolak.",
				 t.added, t.updated, t.unchanged, t.refused);
		}
	}
	finish(s, id, code, msg, detail);
	free(detail);
}

void sync_usb_jobs(struct pb_sync *s)
{
	struct pb_usb_stick stick;
	struct pb_usb_job j;
	int rc;

	while ((rc = pb_usb_take(s->db, &j)) == 0) {
		pb_info("usb job %" PRId64 ": %s", j.id, pb_usb_kind_name(j.kind));
		if (pb_usb_stick(s->cfg.sync_usb_dir, &stick) != 0 || !stick.present)
			finish(s, j.id, NO_STICK_CODE, NO_STICK_WORDS, "");
		else if (j.kind == PB_USB_EXPORT)
			run_export(s, j.id);
		else
			run_import(s, j.id);
		sync_tick(s);
		if (*s->stop)
			break;
	}
	if (rc < 0)
		pb_warn("cannot read the usb jobs: %s", sqlite3_errmsg(s->db));
}
