/* pbctl outbox export DIR | import-ack DIR: the outbox carried to the hub
 * on a USB stick and the hub's acknowledgement carried back
 * (docs/sync-protocol.md §10); the work is pb_stick's, the words here. */
#include "ctl.h"

#include "pb_stick.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static int outbox_export(struct pb_ctl *c, const char *dir)
{
	struct pb_stick_export rep;
	enum pb_stick_err e = pb_stick_export(c->db, &c->cfg, dir, NULL, NULL, &rep);

	switch (e) {
	case PB_STICK_OK:
		break;
	case PB_STICK_NO_KEY:
		fprintf(stderr, "pbctl: kunci kotak %s tidak dapat dibaca (%s): %s\n",
			rep.key_path, strerror(rep.sys_errno), rep.sys_errno == EACCES ?
			"jalankan sebagai root" : "daftarkan kotak ke hub dulu (pbctl enrol)");
		return 1;
	case PB_STICK_FULL:
	case PB_STICK_WRITE:
		fprintf(stderr, "pbctl: tidak dapat menulis ke %s: %s\n",
			rep.box_dir[0] != '\0' ? rep.box_dir : dir, strerror(rep.sys_errno));
		return 1;
	case PB_STICK_BUILD:
		fprintf(stderr, "pbctl: tidak dapat menyusun batch dari seq %" PRId64 "\n",
			rep.first);
		return 1;
	case PB_STICK_TOO_MANY:
		fprintf(stderr, "pbctl: lebih dari %d batch: naikkan [sync] batch_records\n",
			PB_CARRY_BATCHES_MAX);
		return 1;
	default:
		fprintf(stderr, "pbctl: tidak dapat membaca outbox: %s\n", sqlite3_errmsg(c->db));
		return 1;
	}
	if (rep.batches == 0)
		printf("tidak ada catatan yang menunggu hub / nothing waiting: %s\n", rep.box_dir);
	else
		printf("diekspor / exported: %" PRId64 " catatan (seq %" PRId64 "..%" PRId64
		       ") dalam %zu batch ke %s\n", rep.records, rep.first, rep.last, rep.batches,
		       rep.box_dir);
	return 0;
}

static int outbox_import_ack(struct pb_ctl *c, const char *dir)
{
	struct pb_stick_ack rep;
	enum pb_stick_err e = pb_stick_import_ack(c->db, dir, &rep);

	switch (e) {
	case PB_STICK_OK:
		break;
	case PB_STICK_NO_HUB_KEY:
		fprintf(stderr, "pbctl: kotak ini belum mengenal kunci hub: daftarkan ulang "
			"(pbctl enrol) saat hub dapat dihubungi; tidak ada yang diubah\n");
		return 1;
	case PB_STICK_NO_ACK:
		fprintf(stderr, "pbctl: tidak ada tanda terima hub di %s/" PB_CARRY_ACK " (%s)\n",
			rep.box_dir, strerror(rep.sys_errno));
		return 1;
	case PB_STICK_ACK_REFUSED:
		if (rep.check != PB_CARRY_ACK_OK)
			fprintf(stderr, "pbctl: tanda terima ditolak, tidak ada yang diubah: %s\n",
				pb_carry_ack_strerror(rep.check));
		else if (rep.result == PB_OUTBOX_ACK_UNKNOWN)
			fprintf(stderr, "pbctl: tanda terima ditolak, tidak ada yang diubah: kotak "
				"ini tidak punya catatan seq %" PRId64 "\n", rep.acked);
		else
			fprintf(stderr, "pbctl: tanda terima ditolak, tidak ada yang diubah: "
				"catatan seq %" PRId64 " di hub berbeda dengan di kotak (hash)\n",
				rep.acked);
		return 1;
	default:
		fprintf(stderr, "pbctl: tidak dapat mencatat tanda terima: %s\n",
			sqlite3_errmsg(c->db));
		return 1;
	}
	if (rep.acked == 0)
		printf("hub belum menyimpan catatan kotak ini / the hub holds none yet\n");
	else if (rep.result == PB_OUTBOX_ACK_DONE)
		printf("diterima hub / acknowledged: sampai seq %" PRId64 ", %" PRId64
		       " catatan baru ditandai terkirim\n", rep.acked, rep.marked);
	else
		printf("sudah tercatat / already recorded: hub menyimpan sampai seq %" PRId64
		       "; tidak ada yang berubah\n", rep.acked);
	return 0;
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
