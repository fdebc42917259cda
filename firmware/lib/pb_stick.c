#include "pb_stick.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hubclient.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STICK_FIRST_CAP 64        /* batches before the manifest's list grows */

static const struct {
	const char *code;
	const char *words;
} stick_errors[] = {
	[PB_STICK_OK] = { "ok", "Selesai." },
	[PB_STICK_NO_KEY] = { "not_enrolled",
		"Kunci kotak tidak dapat dibaca: daftarkan kotak ke hub dulu." },
	[PB_STICK_NO_HUB_KEY] = { "no_hub_key",
		"Kotak belum mengenal kunci hub: daftarkan ulang saat hub dapat dihubungi." },
	[PB_STICK_FULL] = { "stick_full",
		"Flashdisk penuh: kosongkan sebagian isinya lalu coba lagi." },
	[PB_STICK_WRITE] = { "stick_write",
		"Flashdisk tidak dapat ditulisi (terkunci atau rusak?)." },
	[PB_STICK_DB] = { "database", "Basis data tidak dapat dibaca." },
	[PB_STICK_BUILD] = { "batch", "Catatan tidak dapat disusun menjadi batch." },
	[PB_STICK_TOO_MANY] = { "too_many_batches",
		"Terlalu banyak batch untuk satu flashdisk: naikkan [sync] batch_records." },
	[PB_STICK_NO_ACK] = { "no_ack",
		"Tidak ada tanda terima hub untuk kotak ini di flashdisk." },
	[PB_STICK_ACK_REFUSED] = { "ack_refused",
		"Tanda terima hub ditolak; tidak ada yang diubah." },
};

const char *pb_stick_strerror(enum pb_stick_err e)
{
	if ((unsigned)e >= sizeof(stick_errors) / sizeof(stick_errors[0]))
		return "?";
	return stick_errors[e].words;
}

const char *pb_stick_code(enum pb_stick_err e)
{
	if ((unsigned)e >= sizeof(stick_errors) / sizeof(stick_errors[0]))
		return "?";
	return stick_errors[e].code;
}

static enum pb_stick_err write_error(struct pb_stick_export *rep)
{
	rep->sys_errno = errno;
	return errno == ENOSPC || errno == EDQUOT || errno == EFBIG ? PB_STICK_FULL :
	       PB_STICK_WRITE;
}

/* Once the new manifest is in place: batch files it does not name (an
 * earlier export's, or those of one that failed) and temporary files a
 * pulled stick left behind are removed. */
static void drop_stale(const char *bdir, const struct pb_carry_manifest *now)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dp = opendir(bdir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);
		int named = 0;

		if (n > 4 && d->d_name[0] == '.' && strcmp(d->d_name + n - 4, ".tmp") == 0)
			named = 0;
		else if (n > 6 && strcmp(d->d_name + n - 6, ".batch") == 0)
			for (size_t k = 0; k < now->n && !named; k++)
				named = strcmp(d->d_name, now->batches[k].file) == 0;
		else
			continue;
		if (!named && snprintf(path, sizeof(path), "%s/%s", bdir, d->d_name) <
		    (int)sizeof(path))
			unlink(path);
	}
	closedir(dp);
}

/* One batch from l (as many records as fit), written and added to m;
 * *last gets its last seq. */
static enum pb_stick_err write_batch(const struct pb_config *cfg, const char *box_id,
				     const unsigned char *sk, const struct pb_outbox_loaded *l,
				     struct pb_carry_manifest *m, int64_t *last,
				     struct pb_stick_export *rep)
{
	struct pb_carry_batch *b = &m->batches[m->n];
	unsigned char *body = NULL;
	size_t len, used;
	enum pb_stick_err e = PB_STICK_OK;

	if (pb_proto_batch_build(box_id, l->r, l->n, cfg->sync_batch_bytes, &body, &len,
				 &used) != 0) {
		rep->first = l->r[0].seq;
		return PB_STICK_BUILD;
	}
	pb_proto_sign(sk, body, len, b->signature);
	pb_sha256_hex(body, len, b->sha256);
	b->first = l->r[0].seq;
	b->last = l->r[used - 1].seq;
	snprintf(b->file, sizeof(b->file), "%012" PRId64 "-%012" PRId64 "-%.12s.batch",
		 b->first, b->last, b->sha256);
	if (pb_carry_write(rep->box_dir, b->file, body, len) != 0) {
		e = write_error(rep);
		goto out;
	}
	m->n++;
	*last = b->last;
out:
	free(body);
	return e;
}

/* Room for one more batch in m. */
static enum pb_stick_err grow(struct pb_carry_manifest *m, size_t *cap)
{
	struct pb_carry_batch *nb;

	if (m->n < *cap)
		return PB_STICK_OK;
	if (*cap >= PB_CARRY_BATCHES_MAX)
		return PB_STICK_TOO_MANY;
	nb = realloc(m->batches, 2 * *cap * sizeof(*nb));
	if (nb == NULL)
		return PB_STICK_DB;
	m->batches = nb;
	*cap *= 2;
	return PB_STICK_OK;
}

enum pb_stick_err pb_stick_export(sqlite3 *db, const struct pb_config *cfg, const char *dir,
				  pb_stick_progress_fn fn, void *arg,
				  struct pb_stick_export *rep)
{
	struct pb_carry_manifest m;
	struct pb_outbox_loaded l;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char *text = NULL;
	int64_t after = -1;
	size_t cap = STICK_FIRST_CAP;
	enum pb_stick_err e = PB_STICK_DB;

	memset(rep, 0, sizeof(*rep));
	memset(&m, 0, sizeof(m));
	memset(&l, 0, sizeof(l));
	if (pb_box_id(db, m.box_id, sizeof(m.box_id)) != 0)
		return PB_STICK_DB;
	if (pb_hubc_key_path(cfg, rep->key_path, sizeof(rep->key_path)) != 0 ||
	    pb_proto_key_load(rep->key_path, sk) != 0) {
		rep->sys_errno = errno;
		return PB_STICK_NO_KEY;
	}
	rep->pending = pb_db_count(db, "SELECT count(*) FROM outbox WHERE acked = 0");
	if (rep->pending < 0)
		goto out;
	if (pb_carry_box_dir_make(dir, m.box_id, rep->box_dir, sizeof(rep->box_dir)) != 0) {
		e = write_error(rep);
		goto out;
	}
	if (fn != NULL)
		fn(arg, 0, rep->pending);
	m.made_ms = pb_clock_wall_ms();
	m.batches = calloc(cap, sizeof(*m.batches));
	if (m.batches == NULL)
		goto out;
	for (;;) {
		e = PB_STICK_DB;
		if (pb_outbox_load(db, after, cfg->sync_batch_records, &l) != 0)
			goto out;
		if (l.n == 0)
			break;
		if ((e = grow(&m, &cap)) != PB_STICK_OK)
			goto out;
		if (rep->first == 0)
			rep->first = l.r[0].seq;
		e = write_batch(cfg, m.box_id, sk, &l, &m, &after, rep);
		if (e != PB_STICK_OK)
			goto out;
		rep->records += after - m.batches[m.n - 1].first + 1;
		pb_outbox_loaded_free(&l);
		if (fn != NULL)
			fn(arg, rep->records, rep->pending > rep->records ? rep->pending :
			   rep->records);
	}
	e = PB_STICK_DB;
	text = pb_carry_manifest_dump(&m);
	if (text == NULL)
		goto out;
	if (pb_carry_write(rep->box_dir, PB_CARRY_MANIFEST, text, strlen(text)) != 0) {
		e = write_error(rep);
		goto out;
	}
	drop_stale(rep->box_dir, &m);
	rep->last = after;
	rep->batches = m.n;
	e = PB_STICK_OK;
out:
	sodium_memzero(sk, sizeof(sk));
	free(text);
	pb_outbox_loaded_free(&l);
	pb_carry_manifest_free(&m);
	return e;
}

enum pb_stick_err pb_stick_import_ack(sqlite3 *db, const char *dir, struct pb_stick_ack *rep)
{
	struct pb_carry_ack a;
	char box_id[PB_PROTO_ID_LEN + 1], hub_key[PB_PROTO_PK_HEX_LEN + 2] = "";
	char *text = NULL;
	enum pb_stick_err e = PB_STICK_ACK_REFUSED;
	size_t len;

	memset(rep, 0, sizeof(*rep));
	if (pb_box_id(db, box_id, sizeof(box_id)) != 0)
		return PB_STICK_DB;
	if (pb_carry_box_dir(dir, box_id, rep->box_dir, sizeof(rep->box_dir)) != 0) {
		rep->sys_errno = ENAMETOOLONG;
		return PB_STICK_NO_ACK;
	}
	if (pb_db_meta_get(db, "sync.hub_key", hub_key, sizeof(hub_key)) != 0 ||
	    !pb_hex_valid(hub_key, PB_PROTO_PK_HEX_LEN) || hub_key[PB_PROTO_PK_HEX_LEN] != '\0')
		return PB_STICK_NO_HUB_KEY;
	if (pb_carry_read(rep->box_dir, PB_CARRY_ACK, PB_CARRY_ACK_MAX, &text, &len) != 0) {
		rep->sys_errno = errno;
		return PB_STICK_NO_ACK;
	}
	rep->check = pb_carry_ack_check(text, len, hub_key, box_id, &a);
	if (rep->check != PB_CARRY_ACK_OK)
		goto out;
	rep->acked = a.acked;
	if (a.acked == 0) {
		rep->result = PB_OUTBOX_ACK_ALREADY;
		e = PB_STICK_OK;
		goto out;
	}
	rep->result = pb_outbox_ack_forward(db, a.acked, a.hash, pb_clock_wall_ms(),
					    &rep->marked);
	if (rep->result == PB_OUTBOX_ACK_DONE || rep->result == PB_OUTBOX_ACK_ALREADY)
		e = PB_STICK_OK;
	else if (rep->result == PB_OUTBOX_ACK_ERROR)
		e = PB_STICK_DB;
out:
	free(text);
	return e;
}
