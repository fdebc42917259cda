/* pbctl roster import SESSION FILE.csv, and the demo session. */
#include "ctl.h"

#include "pb_attendance.h"
#include "pb_audit.h"
#include "pb_db.h"
#include "pb_outbox.h"
#include "pb_roster.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ROSTER_FILE_MAX (4 * 1024 * 1024)   /* bytes of a roster CSV file */

static void print_report(const json_t *rep)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(rep, "lines"), i, l) {
		const char *msg = json_string_value(json_object_get(l, "message"));
		printf("baris %lld\t%s\t%s%s\n",
		       (long long)json_integer_value(json_object_get(l, "line")),
		       json_string_value(json_object_get(l, "nuptk")),
		       msg == NULL ? "diterima" : "ditolak: ", msg == NULL ? "" : msg);
	}
	printf("%lld diterima / accepted, %lld ditolak / rejected\n",
	       (long long)json_integer_value(json_object_get(rep, "accepted")),
	       (long long)json_integer_value(json_object_get(rep, "rejected")));
}

static int roster_import(struct pb_ctl *c, const char *sid, const char *path)
{
	struct pb_kegiatan k;
	enum pb_roster_result rr;
	json_t *rep = NULL;
	char *csv, detail[128], *end;
	size_t len = 0;
	long long id = strtoll(sid, &end, 10);
	int rc = 1;

	if (*end != '\0' || id < 1 || pb_kegiatan_get(c->db, id, &k) != 0) {
		fprintf(stderr, "pbctl: no session %s\n", sid);
		return 1;
	}
	csv = ctl_read_file(path, ROSTER_FILE_MAX, &len);
	if (csv == NULL) {
		fprintf(stderr, "pbctl: cannot read %s (missing or larger than %d bytes)\n",
			path, ROSTER_FILE_MAX);
		return 1;
	}
	if (pb_db_begin(c->db) != 0)
		goto out;
	rr = pb_roster_import(c->db, k.id, csv, len, &rep);
	if (rr != PB_ROSTER_OK) {
		fprintf(stderr, "pbctl: %s: %s\n", path, pb_roster_strerror(rr));
		pb_db_rollback(c->db);
		goto out;
	}
	snprintf(detail, sizeof(detail), "{\"session\":\"%s\",\"accepted\":%lld,\"rejected\":%lld}",
		 k.uid, (long long)json_integer_value(json_object_get(rep, "accepted")),
		 (long long)json_integer_value(json_object_get(rep, "rejected")));
	if (pb_audit_add(c->db, "pbctl", "attendance.roster", detail, "") != 0 ||
	    pb_outbox_append(c->db, "attendance.roster", detail, NULL, NULL) != 0 ||
	    pb_db_commit(c->db) != 0) {
		fprintf(stderr, "pbctl: database error: %s\n", sqlite3_errmsg(c->db));
		pb_db_rollback(c->db);
		goto out;
	}
	print_report(rep);
	rc = json_integer_value(json_object_get(rep, "rejected")) > 0 ? 1 : 0;
out:
	sodium_memzero(k.secret, sizeof(k.secret));
	json_decref(rep);
	free(csv);
	return rc;
}

int cmd_roster(struct pb_ctl *c, int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "import") == 0)
		return roster_import(c, argv[2], argv[3]);
	fprintf(stderr, "usage: pbctl roster import SESSION FILE.csv\n");
	return 2;
}

/* The demo: a two-day session starting today with a small roster, unless
 * a session of today is there already. Prints its number. */
static const char demo_roster[] =
	"NUPTK;Nama;NPSN;Sekolah;Mata Pelajaran\n"
	"3273012345670001;Budi Santoso;20219001;SMPN 2 Kota Contoh;Matematika\n"
	"3273012345670002;Siti Rahmawati;20219002;SMPN 5 Kota Contoh;Matematika\n"
	"3273012345670003;Agus Pranoto;20219003;SMP Muhammadiyah 1 Contoh;Matematika\n"
	"3273012345670004;Dewi Lestari;20219004;MTsN 1 Contoh;Matematika\n"
	"3273012345670005;Yohanes Manek;20219005;SMPK Santo Yosef Contoh;Matematika\n"
	"3273012345670006;Ni Made Ayu Suartini;20219006;SMPN 1 Desa Contoh;Matematika\n";

int ctl_demo_attendance(struct pb_ctl *c)
{
	char today[PB_DAY_LEN + 1];
	const char *bad = NULL;
	json_t *in, *rep = NULL;
	json_t *list = pb_kegiatan_list(c->db), *s;
	int64_t id = 0;
	size_t i;
	int rc = -1;

	pb_att_today(today);
	json_array_foreach(list, i, s)
		if (json_is_true(json_object_get(s, "today")))
			id = json_integer_value(json_object_get(s, "id"));
	json_decref(list);
	if (id > 0) {
		printf("   kegiatan hari ini: nomor %lld (sudah ada)\n", (long long)id);
		return 0;
	}
	in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:[s]}",
		       "title", "Diklat Guru Pembelajar Matematika SMP KK A", "mode", "tatap_muka",
		       "kk", "A", "subject", "Matematika", "start_date", today, "days", 2,
		       "jp_per_day", 8, "facilitators", "fasilitator");
	if (in == NULL || pb_kegiatan_create(c->db, in, "pbctl", "", &id, &bad) != PB_ATT_OK)
		goto out;
	if (pb_db_begin(c->db) != 0)
		goto out;
	if (pb_roster_import(c->db, id, demo_roster, sizeof(demo_roster) - 1, &rep) != PB_ROSTER_OK ||
	    pb_db_commit(c->db) != 0) {
		pb_db_rollback(c->db);
		goto out;
	}
	printf("   kegiatan hari ini: nomor %lld, %lld peserta\n", (long long)id,
	       (long long)json_integer_value(json_object_get(rep, "accepted")));
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "pbctl: cannot create the demo session%s%s\n",
			bad != NULL ? ": " : "", bad != NULL ? bad : "");
	json_decref(in);
	json_decref(rep);
	return rc;
}
