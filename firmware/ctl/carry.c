/* pbctl outbox export DIR | import-ack DIR: the outbox carried to the hub
 * on a USB stick and the hub's acknowledgement carried back
 * (docs/sync-protocol.md §10). */
#include "ctl.h"

#include "pb_carry.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hubclient.h"
#include "pb_outbox.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
 * *last gets its last seq. 0/-1 (message printed). */
static int write_batch(struct pb_ctl *c, const char *bdir, const char *box_id,
		       const unsigned char *sk, const struct pb_outbox_loaded *l,
		       struct pb_carry_manifest *m, int64_t *last)
{
	struct pb_carry_batch *b = &m->batches[m->n];
	unsigned char *body = NULL;
	size_t len, used;
	int rc = -1;

	if (pb_proto_batch_build(box_id, l->r, l->n, c->cfg.sync_batch_bytes, &body, &len,
				 &used) != 0) {
		fprintf(stderr, "pbctl: tidak dapat menyusun batch dari seq %" PRId64 "\n",
			l->r[0].seq);
		return -1;
	}
	pb_proto_sign(sk, body, len, b->signature);
	pb_sha256_hex(body, len, b->sha256);
	b->first = l->r[0].seq;
	b->last = l->r[used - 1].seq;
	snprintf(b->file, sizeof(b->file), "%012" PRId64 "-%012" PRId64 "-%.12s.batch",
		 b->first, b->last, b->sha256);
	if (pb_carry_write(bdir, b->file, body, len) != 0) {
		fprintf(stderr, "pbctl: tidak dapat menulis %s/%s: %s\n", bdir, b->file,
			strerror(errno));
		goto out;
	}
	m->n++;
	*last = b->last;
	rc = 0;
out:
	free(body);
	return rc;
}

static int outbox_export(struct pb_ctl *c, const char *dir)
{
	struct pb_carry_manifest m;
	struct pb_outbox_loaded l;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char key[PATH_MAX], bdir[PATH_MAX], *text = NULL;
	int64_t after = -1, records = 0, first = 0;
	size_t cap = 64;
	int rc = 1;

	memset(&m, 0, sizeof(m));
	memset(&l, 0, sizeof(l));
	if (pb_box_id(c->db, m.box_id, sizeof(m.box_id)) != 0 ||
	    pb_hubc_key_path(&c->cfg, key, sizeof(key)) != 0)
		return 1;
	if (pb_proto_key_load(key, sk) != 0) {
		fprintf(stderr, "pbctl: kunci kotak %s tidak dapat dibaca (%s): %s\n", key,
			strerror(errno), errno == EACCES ? "jalankan sebagai root" :
			"daftarkan kotak ke hub dulu (pbctl enrol)");
		return 1;
	}
	if (pb_carry_box_dir_make(dir, m.box_id, bdir, sizeof(bdir)) != 0) {
		fprintf(stderr, "pbctl: tidak dapat membuat %s/" PB_CARRY_DIR "/%s: %s\n", dir,
			m.box_id, strerror(errno));
		goto out;
	}
	m.made_ms = pb_clock_wall_ms();
	m.batches = calloc(cap, sizeof(*m.batches));
	if (m.batches == NULL)
		goto out;
	for (;;) {
		if (pb_outbox_load(c->db, after, c->cfg.sync_batch_records, &l) != 0) {
			fprintf(stderr, "pbctl: tidak dapat membaca outbox: %s\n",
				sqlite3_errmsg(c->db));
			goto out;
		}
		if (l.n == 0)
			break;
		if (m.n == cap) {
			struct pb_carry_batch *nb;

			if (cap >= PB_CARRY_BATCHES_MAX) {
				fprintf(stderr, "pbctl: lebih dari %d batch: naikkan [sync] "
					"batch_records\n", PB_CARRY_BATCHES_MAX);
				goto out;
			}
			nb = realloc(m.batches, 2 * cap * sizeof(*nb));
			if (nb == NULL)
				goto out;
			m.batches = nb;
			cap *= 2;
		}
		if (first == 0)
			first = l.r[0].seq;
		if (write_batch(c, bdir, m.box_id, sk, &l, &m, &after) != 0)
			goto out;
		records += after - m.batches[m.n - 1].first + 1;
		pb_outbox_loaded_free(&l);
	}
	text = pb_carry_manifest_dump(&m);
	if (text == NULL || pb_carry_write(bdir, PB_CARRY_MANIFEST, text, strlen(text)) != 0) {
		fprintf(stderr, "pbctl: tidak dapat menulis %s/" PB_CARRY_MANIFEST ": %s\n", bdir,
			strerror(errno));
		goto out;
	}
	drop_stale(bdir, &m);
	if (m.n == 0)
		printf("tidak ada catatan yang menunggu hub / nothing waiting: %s\n", bdir);
	else
		printf("diekspor / exported: %" PRId64 " catatan (seq %" PRId64 "..%" PRId64
		       ") dalam %zu batch ke %s\n", records, first, after, m.n, bdir);
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	free(text);
	pb_outbox_loaded_free(&l);
	pb_carry_manifest_free(&m);
	return rc;
}

static int outbox_import_ack(struct pb_ctl *c, const char *dir)
{
	struct pb_carry_ack a;
	char box_id[PB_PROTO_ID_LEN + 1], hub_key[PB_PROTO_PK_HEX_LEN + 2] = "";
	char bdir[PATH_MAX], *text = NULL;
	enum pb_carry_ack_err e;
	int64_t marked = 0;
	size_t len;
	int rc = 1;

	if (pb_box_id(c->db, box_id, sizeof(box_id)) != 0 ||
	    pb_carry_box_dir(dir, box_id, bdir, sizeof(bdir)) != 0)
		return 1;
	if (pb_db_meta_get(c->db, "sync.hub_key", hub_key, sizeof(hub_key)) != 0 ||
	    !pb_hex_valid(hub_key, PB_PROTO_PK_HEX_LEN) || hub_key[PB_PROTO_PK_HEX_LEN] != '\0') {
		fprintf(stderr, "pbctl: kotak ini belum mengenal kunci hub: daftarkan ulang "
			"(pbctl enrol) saat hub dapat dihubungi; tidak ada yang diubah\n");
		return 1;
	}
	if (pb_carry_read(bdir, PB_CARRY_ACK, PB_CARRY_ACK_MAX, &text, &len) != 0) {
		fprintf(stderr, "pbctl: tidak ada tanda terima hub di %s/" PB_CARRY_ACK " (%s)\n",
			bdir, strerror(errno));
		return 1;
	}
	e = pb_carry_ack_check(text, len, hub_key, box_id, &a);
	if (e != PB_CARRY_ACK_OK) {
		fprintf(stderr, "pbctl: tanda terima ditolak, tidak ada yang diubah: %s\n",
			pb_carry_ack_strerror(e));
		goto out;
	}
	if (a.acked == 0) {
		printf("hub belum menyimpan catatan kotak ini / the hub holds none yet\n");
		rc = 0;
		goto out;
	}
	switch (pb_outbox_ack_forward(c->db, a.acked, a.hash, pb_clock_wall_ms(), &marked)) {
	case PB_OUTBOX_ACK_DONE:
		printf("diterima hub / acknowledged: sampai seq %" PRId64 ", %" PRId64
		       " catatan baru ditandai terkirim\n", a.acked, marked);
		rc = 0;
		break;
	case PB_OUTBOX_ACK_ALREADY:
		printf("sudah tercatat / already recorded: hub menyimpan sampai seq %" PRId64
		       "; tidak ada yang berubah\n", a.acked);
		rc = 0;
		break;
	case PB_OUTBOX_ACK_UNKNOWN:
		fprintf(stderr, "pbctl: tanda terima ditolak, tidak ada yang diubah: kotak ini "
			"tidak punya catatan seq %" PRId64 "\n", a.acked);
		break;
	case PB_OUTBOX_ACK_OTHER:
		fprintf(stderr, "pbctl: tanda terima ditolak, tidak ada yang diubah: catatan seq %"
			PRId64 " di hub berbeda dengan di kotak (hash)\n", a.acked);
		break;
	case PB_OUTBOX_ACK_ERROR:
		fprintf(stderr, "pbctl: tidak dapat mencatat tanda terima: %s\n",
			sqlite3_errmsg(c->db));
		break;
	}
out:
	free(text);
	return rc;
}

int ctl_outbox_carry(struct pb_ctl *c, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "export") == 0)
		return outbox_export(c, argv[2]);
	if (argc == 3 && strcmp(argv[1], "import-ack") == 0)
		return outbox_import_ack(c, argv[2]);
	fprintf(stderr, "usage: pbctl outbox export DIR | import-ack DIR\n");
	return 2;
}
