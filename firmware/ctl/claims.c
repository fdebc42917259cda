/* pbctl rates import FILE.csv, pbctl claims paid CLAIM_ID REF */
#include "ctl.h"

#include "pb_claims.h"
#include "pb_inbox.h"
#include "pb_rates.h"

#include <stdlib.h>
#include <string.h>

static void print_report(const json_t *rep)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(rep, "lines"), i, l) {
		const char *err = json_string_value(json_object_get(l, "error"));
		printf("baris %lld\t%s%s%s%s\n",
		       (long long)json_integer_value(json_object_get(l, "line")),
		       err == NULL ? "diterima" : "ditolak (", err == NULL ? "" : err,
		       err == NULL ? "" : "): ",
		       err == NULL ? "" : json_string_value(json_object_get(l, "message")));
	}
	printf("%lld diterima / accepted, %lld ditolak / rejected\n",
	       (long long)json_integer_value(json_object_get(rep, "accepted")),
	       (long long)json_integer_value(json_object_get(rep, "rejected")));
}

static int rates_import(struct pb_ctl *c, const char *path)
{
	enum pb_rates_result rr;
	json_t *rep = NULL;
	size_t len = 0;
	int version = 0, rc = 1;
	char *csv = ctl_read_file(path, PB_RATE_FILE_MAX, &len);

	if (csv == NULL) {
		fprintf(stderr, "pbctl: cannot read %s (missing, not a file, or larger than %d "
			"bytes)\n", path, PB_RATE_FILE_MAX);
		return 1;
	}
	rr = pb_rates_import(c->db, csv, len, "pbctl", "pbctl", "", &version, &rep);
	if (rep != NULL)
		print_report(rep);
	if (rr == PB_RATES_OK) {
		printf("tabel tarif versi %d disimpan / rate table version %d stored\n",
		       version, version);
		rc = 0;
	} else if (rr == PB_RATES_REJECTED) {
		fprintf(stderr, "pbctl: %s: ada baris yang ditolak, tabel tarif tidak diubah / "
			"some lines are bad, nothing imported\n", path);
	} else {
		fprintf(stderr, "pbctl: %s: %s%s%s\n", path, pb_rates_strerror(rr),
			rr == PB_RATES_DB ? ": " : "", rr == PB_RATES_DB ? sqlite3_errmsg(c->db) : "");
	}
	json_decref(rep);
	free(csv);
	return rc;
}

int cmd_rates(struct pb_ctl *c, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		return rates_import(c, argv[2]);
	fprintf(stderr, "usage: pbctl rates import FILE.csv\n");
	return 2;
}

/* What pb-sync brought down (rosters, rates, payments), applied now;
 * pb-sync does it after each round too. */
static int claims_apply(struct pb_ctl *c)
{
	struct pb_inbox_report rep;

	if (pb_inbox_apply(c->db, &rep) != 0) {
		fprintf(stderr, "pbctl: cannot apply what the hub sent: %s\n", sqlite3_errmsg(c->db));
		return 1;
	}
	printf("%d dokumen dari pusat diterapkan, %d ditolak / documents from the hub applied, "
	       "refused\n", rep.applied, rep.refused);
	return 0;
}

/* A payment reported upstream (until pb-sync brings them down). */
int cmd_claims(struct pb_ctl *c, int argc, char **argv)
{
	enum pb_claim_result cr;
	json_t *out = NULL;

	if (argc == 2 && strcmp(argv[1], "apply") == 0)
		return claims_apply(c);
	if (argc != 4 || strcmp(argv[1], "paid") != 0 || strlen(argv[3]) > PB_PAID_REF_MAX) {
		fprintf(stderr, "usage: pbctl claims paid CLAIM_UID REFERENCE | claims apply\n");
		return 2;
	}
	cr = pb_claim_paid(c->db, argv[2], argv[3], "pbctl", &out);
	json_decref(out);
	if (cr == PB_CLAIM_OK) {
		printf("klaim %s dibayar / paid\n", argv[2]);
		return 0;
	}
	if (cr == PB_CLAIM_UNCHANGED) {
		printf("klaim %s sudah dibayar / already paid\n", argv[2]);
		return 0;
	}
	fprintf(stderr, "pbctl: claim %s: %s\n", argv[2],
		cr == PB_CLAIM_NOT_FOUND ? "no approved claim with this id" : pb_claim_strerror(cr));
	return 1;
}
