/* The office side of the hub: command-line verbs run against the same
 * PostgreSQL database (tokens, revocation, publishing, payments, exports,
 * chain verification). */
#include "hub.h"

#include "pb_carry.h"
#include "pb_fields.h"
#include "pb_log.h"
#include "pb_manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUB_TOKEN_BYTES     16
#define HUB_PUBLISH_MAX     (16 * 1024 * 1024)

/* --name VALUE options after the positional arguments. */
static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

int hub_ident_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* A random token for owner, stored as its SHA-256 by sql ($1 hash,
 * $2 owner). Returns 0 with the token in out. */
static int new_token(PGconn *pg, const char *sql, const char *owner,
		     char out[HUB_TOKEN_BYTES * 2 + 1])
{
	unsigned char raw[HUB_TOKEN_BYTES];
	char hash[PB_SHA256_HEX_LEN + 1];
	const char *params[2] = { hash, owner };
	PGresult *res;
	int rc;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, HUB_TOKEN_BYTES * 2 + 1, raw, sizeof(raw));
	pb_sha256_hex(out, strlen(out), hash);
	res = PQexecParams(pg, sql, 2, NULL, params, NULL, NULL, 0);
	rc = hub_db_ok(res, PGRES_COMMAND_OK, "token");
	PQclear(res);
	return rc;
}

int hub_cmd_token(struct hub *h, PGconn *pg, int argc, char **argv)
{
	char token[HUB_TOKEN_BYTES * 2 + 1];

	(void)h;
	if (argc < 2 || !hub_ident_ok(argv[1])) {
		fprintf(stderr, "usage: pb-hub token CENTRE_ID [--bundle]\n");
		return 2;
	}
	if (new_token(pg, "INSERT INTO tokens(token_sha256, centre_id) VALUES ($1, $2)",
		      argv[1], token) != 0)
		return 1;
	/* --bundle: the JSON a centre's provisioning bundle carries
	 * (pbctl enrol --bundle FILE). */
	if (argc >= 3 && strcmp(argv[2], "--bundle") == 0)
		printf("{\"centre_id\": \"%s\", \"token\": \"%s\"}\n", argv[1], token);
	else
		printf("%s\n", token);
	return 0;
}

const char *hub_revoke_strerror(enum hub_revoke_result r)
{
	switch (r) {
	case HUB_REVOKE_OK:      return "revoked";
	case HUB_REVOKE_ALREADY: return "already revoked";
	case HUB_REVOKE_UNKNOWN: return "no such box";
	case HUB_REVOKE_ERROR:   return "database error";
	}
	return "unknown";
}

enum hub_revoke_result hub_revoke_box(PGconn *pg, const char *box, char *at, size_t atlen)
{
	const char *params[1] = { box };
	PGresult *res;
	enum hub_revoke_result r = HUB_REVOKE_ERROR;

	if (at != NULL && atlen > 0)
		at[0] = '\0';
	if (!pb_hex_valid(box, PB_PROTO_ID_LEN))
		return HUB_REVOKE_UNKNOWN;
	/* The first revocation's time stays; the answer says whether this
	 * call made it. */
	res = PQexecParams(pg, "WITH old AS (SELECT revoked_at FROM boxes WHERE box_id = $1 "
			   "FOR UPDATE) UPDATE boxes b SET revoked_at = coalesce(b.revoked_at, now()) "
			   "FROM old WHERE b.box_id = $1 RETURNING old.revoked_at IS NOT NULL, "
			   "to_char(b.revoked_at AT TIME ZONE 'UTC', " HUB_SQL_ISO ")",
			   1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "revoke") != 0)
		goto out;
	if (PQntuples(res) != 1) {
		r = HUB_REVOKE_UNKNOWN;
		goto out;
	}
	if (at != NULL)
		snprintf(at, atlen, "%s", PQgetvalue(res, 0, 1));
	r = PQgetvalue(res, 0, 0)[0] == 't' ? HUB_REVOKE_ALREADY : HUB_REVOKE_OK;
out:
	PQclear(res);
	return r;
}

int hub_cmd_revoke(struct hub *h, PGconn *pg, int argc, char **argv)
{
	char at[64];
	enum hub_revoke_result r;

	(void)h;
	if (argc < 2) {
		fprintf(stderr, "usage: pb-hub revoke BOX_ID\n");
		return 2;
	}
	r = hub_revoke_box(pg, argv[1], at, sizeof(at));
	if (r != HUB_REVOKE_OK && r != HUB_REVOKE_ALREADY) {
		fprintf(stderr, "pb-hub: box %s: %s\n", argv[1], hub_revoke_strerror(r));
		return 1;
	}
	printf("box %s revoked%s%s\n", argv[1], r == HUB_REVOKE_ALREADY ? " since " : "",
	       r == HUB_REVOKE_ALREADY ? at : "");
	return 0;
}

static int feed_add(PGconn *pg, const char *kind, const char *centre, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	const char *params[3];
	PGresult *res;
	int rc;

	if (text == NULL)
		return -1;
	params[0] = kind;
	params[1] = centre;
	params[2] = text;
	res = PQexecParams(pg, "INSERT INTO feed(kind, centre_id, doc) VALUES ($1, $2, $3)",
			   3, NULL, params, NULL, NULL, 0);
	rc = hub_db_ok(res, PGRES_COMMAND_OK, "feed");
	PQclear(res);
	free(text);
	return rc;
}

/* What publish reads: one document, or a list of them as "items" (the
 * documents' own members are the boxes' to check: pb_roster, pb_rates). */
struct publish_doc {
	const json_t *items;
};

static const struct pb_field publish_item = {
	.name = "", .type = PB_FT_OBJECT,
	.bad = { 0, "bad_item", "each item of the list is a JSON object", NULL },
};

static const struct pb_field publish_fields[] = {
	{ .name = "items", .type = PB_FT_ARRAY, .flags = PB_F_REQUIRED, .min = 0,
	  .max = HUB_PUBLISH_ITEMS_MAX, .item = &publish_item,
	  .offset = offsetof(struct publish_doc, items),
	  .bad = { 0, "too_many_items", "at most " HUB_XSTR(HUB_PUBLISH_ITEMS_MAX)
		   " items in one list", NULL } },
};
static const struct pb_fields publish_table = PB_FIELDS(publish_fields);

int hub_cmd_publish(struct hub *h, PGconn *pg, int argc, char **argv)
{
	const char *centre = opt(argc, argv, "--centre");
	const struct pb_field_error *e;
	struct publish_doc pd = { 0 };
	json_error_t jerr;
	json_t *doc, *list = NULL;
	size_t n = 0;
	int rc = 1;

	(void)h;
	if (argc < 2 || (strcmp(argv[1], "roster") != 0 && strcmp(argv[1], "rates") != 0)) {
		fprintf(stderr, "usage: pb-hub publish roster|rates [--centre ID] < JSON\n");
		return 2;
	}
	if (centre != NULL && !hub_ident_ok(centre)) {
		fprintf(stderr, "pb-hub: bad centre id\n");
		return 2;
	}
	doc = json_loadf(stdin, 0, &jerr);
	if (doc == NULL || !(json_is_object(doc) || json_is_array(doc))) {
		fprintf(stderr, "pb-hub: stdin is not a JSON object or array: %s\n", jerr.text);
		goto out;
	}
	if (json_is_array(doc) && (list = json_pack("{sO}", "items", doc)) == NULL)
		goto out;
	if (list != NULL && pb_fields_check(&publish_table, list, &pd, &e, NULL) != 0) {
		fprintf(stderr, "pb-hub: nothing published: %s (%s)\n", e->message, e->code);
		goto out;
	}
	if (hub_db_exec(pg, "BEGIN") != 0)
		goto out;
	if (json_is_array(doc)) {
		size_t i;
		json_t *v;
		json_array_foreach(pd.items, i, v) {
			if (feed_add(pg, argv[1], centre, v) != 0) {
				hub_db_exec(pg, "ROLLBACK");
				goto out;
			}
			n++;
		}
	} else {
		if (feed_add(pg, argv[1], centre, doc) != 0) {
			hub_db_exec(pg, "ROLLBACK");
			goto out;
		}
		n = 1;
	}
	if (hub_db_exec(pg, "COMMIT") != 0)
		goto out;
	printf("%zu %s item(s) published\n", n, argv[1]);
	rc = 0;
out:
	json_decref(list);
	json_decref(doc);
	return rc;
}

int hub_put_file(const struct hub *h, const char *src, const char *sha, int64_t *size)
{
	char shard[PATH_MAX];
	int rc;

	*size = 0;
	if (!pb_sha256_hex_valid(sha) ||
	    snprintf(shard, sizeof(shard), "%s/%.2s", h->files_dir, sha) >= (int)sizeof(shard))
		return -1;
	if ((mkdir(h->files_dir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(shard, 0755) != 0 && errno != EEXIST))
		return -1;
	rc = pb_carry_copy(src, shard, sha, sha, size);
	if (rc == -2)
		fprintf(stderr, "pb-hub: %s does not have the SHA-256 its manifest says (%s)\n",
			src, sha);
	return rc == 0 ? 0 : -1;
}

int hub_cmd_catalogue(struct hub *h, PGconn *pg, int argc, char **argv)
{
	const char *centre = opt(argc, argv, "--centre");
	char path[PATH_MAX], err[PB_MANIFEST_ERR_LEN];
	struct pb_manifest m;
	json_t *root = NULL, *mods;
	json_error_t jerr;
	int rc = 1, added = 0;

	memset(&m, 0, sizeof(m));
	if (argc < 3 || strcmp(argv[1], "add") != 0) {
		fprintf(stderr, "usage: pb-hub catalogue add DIR [--centre ID]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", argv[2]);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		fprintf(stderr, "pb-hub: %s: %s\n", path, jerr.text);
		return 1;
	}
	{
		char *text = json_dumps(root, JSON_COMPACT);
		int prc = text != NULL ? pb_manifest_parse(text, strlen(text), &m, err,
							   sizeof(err)) : -1;
		free(text);
		if (prc != 0) {
			fprintf(stderr, "pb-hub: %s: %s\n", path, err);
			goto out;
		}
	}
	mods = json_object_get(root, "modules");
	if (hub_db_exec(pg, "BEGIN") != 0)
		goto out;
	for (int i = 0; i < m.nmodules; i++) {
		json_t *mod = json_array_get(mods, (size_t)i), *files;
		int ok = 1;

		if (m.modules[i].error[0] != '\0') {
			fprintf(stderr, "pb-hub: module %d refused: %s\n", i, m.modules[i].error);
			continue;
		}
		files = json_object_get(mod, "files");
		for (int f = 0; f < m.modules[i].nfiles; f++) {
			char src[PATH_MAX * 2];
			int64_t size;
			const struct pb_module_file *mf = &m.modules[i].files[f];

			snprintf(src, sizeof(src), "%s/%s", argv[2], mf->path);
			if (hub_put_file(h, src, mf->sha256, &size) != 0) {
				fprintf(stderr, "pb-hub: cannot store %s\n", src);
				ok = 0;
				break;
			}
			json_object_set_new(json_array_get(files, (size_t)f), "size",
					    json_integer(size));
		}
		if (!ok || feed_add(pg, "catalogue", centre, mod) != 0) {
			hub_db_exec(pg, "ROLLBACK");
			goto out;
		}
		added++;
	}
	if (hub_db_exec(pg, "COMMIT") != 0)
		goto out;
	printf("%d module(s) published\n", added);
	rc = 0;
out:
	pb_manifest_free(&m);
	json_decref(root);
	return rc;
}

const char *hub_paid_strerror(enum hub_paid_result r)
{
	switch (r) {
	case HUB_PAID_OK:      return "marked paid";
	case HUB_PAID_UNKNOWN: return "no such claim has reached the hub";
	case HUB_PAID_ALREADY: return "already marked paid";
	case HUB_PAID_BAD:     return "claim id or reference too long";
	case HUB_PAID_ERROR:   return "database error";
	}
	return "unknown";
}

enum hub_paid_result hub_mark_paid(PGconn *pg, const char *claim, const char *reference,
				   const char *by)
{
	const char *params[4];
	char centre[128];
	PGresult *res = NULL;
	json_t *doc;
	enum hub_paid_result r = HUB_PAID_ERROR;

	if (strlen(claim) == 0 || strlen(claim) > HUB_CLAIM_ID_MAX ||
	    strlen(reference) > HUB_REFERENCE_MAX)
		return HUB_PAID_BAD;
	if (hub_db_exec(pg, "BEGIN") != 0)
		return HUB_PAID_ERROR;
	params[0] = claim;
	/* the centre of the box the claim belongs to (the first to use its id) */
	res = PQexecParams(pg, "SELECT b.centre_id FROM claim_owners o JOIN boxes b USING (box_id) "
			   "WHERE o.claim_id = $1", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "paid") != 0)
		goto fail;
	if (PQntuples(res) != 1) {
		r = HUB_PAID_UNKNOWN;
		goto fail;
	}
	snprintf(centre, sizeof(centre), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[1] = centre;
	params[2] = reference;
	params[3] = by;
	res = PQexecParams(pg, "INSERT INTO payments(claim_id, centre_id, reference, paid_by) "
			   "VALUES ($1, $2, $3, $4) ON CONFLICT (claim_id) DO NOTHING",
			   4, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_COMMAND_OK, "paid") != 0)
		goto fail;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		r = HUB_PAID_ALREADY;
		goto fail;
	}
	PQclear(res);
	res = NULL;
	/* an office account's payment is audited in the same transaction */
	if (by != NULL && hub_office_audit(pg, by, "claim.paid", claim, NULL) != 0)
		goto fail;
	doc = json_pack("{ss ss sI ss}", "claim_id", claim, "status", "paid", "paid_at_ms",
			(json_int_t)((int64_t)time(NULL) * 1000), "reference", reference);
	if (feed_add(pg, "payments", centre, doc) != 0) {
		json_decref(doc);
		goto fail;
	}
	json_decref(doc);
	if (hub_db_exec(pg, "COMMIT") != 0)
		goto fail;
	return HUB_PAID_OK;
fail:
	PQclear(res);
	hub_db_exec(pg, "ROLLBACK");
	return r;
}

int hub_cmd_paid(struct hub *h, PGconn *pg, int argc, char **argv)
{
	enum hub_paid_result r;

	(void)h;
	if (argc < 2) {
		fprintf(stderr, "usage: pb-hub paid CLAIM_ID [REFERENCE]\n");
		return 2;
	}
	r = hub_mark_paid(pg, argv[1], argc >= 3 ? argv[2] : "", NULL);
	if (r != HUB_PAID_OK) {
		fprintf(stderr, "pb-hub: claim %s: %s\n", argv[1], hub_paid_strerror(r));
		return r == HUB_PAID_BAD ? 2 : 1;
	}
	printf("claim %s marked paid\n", argv[1]);
	return 0;
}

/* One CSV field: quoted when needed; a leading = + - @ tab or CR is
 * neutralised with a quote so spreadsheets do not run it. */
static void csv_field(FILE *f, const char *s, int last)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int neut = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
		   s[0] == '\t' || s[0] == '\r';

	if (quote || neut)
		fputc('"', f);
	if (neut)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote || neut)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
}

void hub_csv_rows(FILE *out, const char *head, PGresult *res, int cols)
{
	fprintf(out, "%s\r\n", head);
	for (int i = 0; i < PQntuples(res); i++)
		for (int c = 0; c < cols; c++)
			csv_field(out, PQgetvalue(res, i, c), c == cols - 1);
}

/* Attendance records with their clock: when the hub received each, the
 * day a held check-in was given later (attendance.dated), and whether its
 * time runs backwards within its box's sequence (earlier than a record
 * the box made before it). */
static const char sql_attendance[] =
	"WITH r AS (SELECT r.*, b.centre_id, r.wall_ms < max(r.wall_ms) OVER (PARTITION BY "
	"  r.box_id ORDER BY r.seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS back "
	"  FROM records r JOIN boxes b USING (box_id) "
	"  WHERE ($1::text IS NULL OR b.centre_id = $1)) "
	"SELECT r.centre_id, coalesce(r.session_id, ''), r.box_id, r.seq, "
	"r.id, r.type, coalesce(r.payload_json->>'nuptk', ''), "
	"coalesce(r.payload_json->>'no_peserta', ''), coalesce(r.payload_json->>'name', ''), "
	"coalesce(d.day, r.payload_json->>'day', ''), "
	"r.wall_ms, r.clock_source, "
	"to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	"CASE WHEN r.back THEN 'yes' ELSE 'no' END "
	"FROM r LEFT JOIN LATERAL (SELECT x.payload_json->>'day' AS day FROM records x "
	"  WHERE x.box_id = r.box_id AND x.type = 'attendance.dated' AND x.refused IS NULL "
	"  AND x.payload_json->>'id' = r.payload_json->>'id' ORDER BY x.seq DESC LIMIT 1) d ON true "
	"WHERE r.type LIKE 'attendance.%' AND r.type <> 'attendance.dated' AND r.refused IS NULL "
	"AND ($2::text IS NULL OR r.session_id = $2) "
	"ORDER BY r.centre_id, 2, r.box_id, r.seq";

/* The latest decision per claim (in the box's own order) that approves
 * it, with the submitted claim's details from the same box. Records the
 * hub refused (a claim id another box used first) are left out. */
static const char sql_claims[] =
	"WITH d AS (SELECT DISTINCT ON (payload_json->>'claim_id') box_id, seq, "
	"  payload_json AS p FROM records WHERE type = 'claim.decision' AND refused IS NULL "
	"  ORDER BY payload_json->>'claim_id', box_id, seq DESC), "
	"s AS (SELECT DISTINCT ON (payload_json->>'claim_id') box_id, payload_json AS p "
	"  FROM records WHERE type = 'claim.submit' AND refused IS NULL "
	"  ORDER BY payload_json->>'claim_id', box_id, seq DESC) "
	"SELECT b.centre_id, coalesce(d.p->>'session_id', s.p->>'session_id', ''), "
	"d.p->>'claim_id', coalesce(s.p->>'nuptk', d.p->>'nuptk', ''), "
	"coalesce(s.p->>'no_peserta', d.p->>'no_peserta', ''), "
	"coalesce(s.p->>'name', d.p->>'name', ''), coalesce(s.p->>'item', d.p->>'item', ''), "
	"coalesce(d.p->>'amount_rp', s.p->>'amount_rp', '0'), "
	"CASE WHEN pay.claim_id IS NULL THEN 'no' ELSE 'yes' END, "
	/* beyond the CSV's columns, for the spreadsheet's summaries: the
	 * kabupaten/kota the teacher came from, the activity's title */
	"coalesce(s.p->>'origin', ''), coalesce(t.title, '') "
	"FROM d JOIN boxes b USING (box_id) "
	"LEFT JOIN s ON s.p->>'claim_id' = d.p->>'claim_id' AND s.box_id = d.box_id "
	"LEFT JOIN (SELECT DISTINCT ON (box_id, payload_json->>'id') box_id, "
	"  payload_json->>'id' AS sid, payload_json->>'title' AS title FROM records "
	"  WHERE type = 'attendance.session' AND refused IS NULL "
	"  ORDER BY box_id, payload_json->>'id', seq DESC) t "
	"  ON t.box_id = d.box_id AND t.sid = coalesce(d.p->>'session_id', s.p->>'session_id') "
	"LEFT JOIN payments pay ON pay.claim_id = d.p->>'claim_id' "
	"WHERE d.p->>'decision' IN ('approved', 'approve') "
	"AND ($1::text IS NULL OR b.centre_id = $1) "
	"AND ($2::text IS NULL OR coalesce(d.p->>'session_id', s.p->>'session_id') = $2) "
	"ORDER BY 1, 2, 3";

PGresult *hub_export_rows(PGconn *pg, const char *kind, const char *centre,
			  const char *session, const char **head, int *ncsv, int *unknown)
{
	const char *params[2] = { centre, session };
	const char *sql;
	PGresult *res;

	*unknown = 0;
	if (strcmp(kind, "attendance") == 0) {
		sql = sql_attendance;
		*head = "centre_id,session_id,box_id,seq,record_id,type,nuptk,no_peserta,name,day,"
			"wall_ms,clock_source,received_at,time_backwards";
		*ncsv = 14;
	} else if (strcmp(kind, "claims") == 0) {
		sql = sql_claims;
		*head = "centre_id,session_id,claim_id,nuptk,no_peserta,name,item,amount_rp,paid";
		*ncsv = 9;
	} else {
		*unknown = 1;
		return NULL;
	}
	res = PQexecParams(pg, sql, 2, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "export") != 0) {
		PQclear(res);
		return NULL;
	}
	return res;
}

int hub_export(PGconn *pg, const char *kind, const char *centre, const char *session,
	       FILE *out)
{
	const char *head;
	int ncsv, unknown;
	PGresult *res;

	if (strcmp(kind, "learning") == 0)
		return hub_learning_export(pg, centre, session, NULL, NULL, out);
	if (strcmp(kind, "worksheets") == 0)
		return hub_worksheets_export(pg, centre, session, NULL, NULL, out);
	res = hub_export_rows(pg, kind, centre, session, &head, &ncsv, &unknown);
	if (res == NULL)
		return unknown ? -2 : -1;
	/* the first ncsv columns: the rest are for the spreadsheet */
	hub_csv_rows(out, head, res, ncsv);
	PQclear(res);
	return 0;
}

int hub_cmd_export(struct hub *h, PGconn *pg, int argc, char **argv)
{
	const char *xlsx = opt(argc, argv, "--xlsx");
	int rc = argc < 2 ? -2 : strcmp(argv[1], "learning") == 0 ?
		 hub_learning_export(pg, opt(argc, argv, "--centre"), opt(argc, argv, "--session"),
				     opt(argc, argv, "--nuptk"), opt(argc, argv, "--module"), stdout) :
		 strcmp(argv[1], "worksheets") == 0 ?
		 hub_worksheets_export(pg, opt(argc, argv, "--centre"), opt(argc, argv, "--session"),
				       opt(argc, argv, "--nuptk"), opt(argc, argv, "--module"),
				       stdout) :
		 xlsx != NULL ?
		 hub_export_xlsx(pg, argv[1], opt(argc, argv, "--centre"),
				 opt(argc, argv, "--session"), xlsx) :
		 hub_export(pg, argv[1], opt(argc, argv, "--centre"),
			    opt(argc, argv, "--session"), stdout);

	(void)h;
	if (rc == -2)
		fprintf(stderr, "usage: pb-hub export attendance|claims|learning|worksheets [--centre ID] "
			"[--session ID] [--nuptk N] [--module ID] (the last two: learning, worksheets) "
			"[--xlsx FILE] (attendance, claims)\n");
	return rc == 0 ? 0 : (rc == -2 ? 2 : 1);
}

/* An office login: a random bearer token, of which only the SHA-256 is
 * kept. */
int hub_cmd_office_token(struct hub *h, PGconn *pg, int argc, char **argv)
{
	char token[HUB_TOKEN_BYTES * 2 + 1];

	(void)h;
	if (argc < 2 || !hub_ident_ok(argv[1])) {
		fprintf(stderr, "usage: pb-hub office-token NAME\n");
		return 2;
	}
	if (new_token(pg, "INSERT INTO office_tokens(token_sha256, name) VALUES ($1, $2)",
		      argv[1], token) != 0)
		return 1;
	printf("%s\n", token);
	return 0;
}

/* Recompute a box's stored chain from the genesis. */
static int verify_box(PGconn *pg, const char *box, int64_t *count, int64_t *bad)
{
	const char *params[1] = { box };
	char prev[PB_SHA256_HEX_LEN + 1] = PB_PROTO_GENESIS, want[PB_SHA256_HEX_LEN + 1];
	PGresult *res;
	int rc = 0;

	*count = 0;
	*bad = 0;
	res = PQexecParams(pg, "SELECT seq, id, type, payload, wall_ms, clock_source, boot_id, "
			   "mono_ms, prev_hash, hash FROM records WHERE box_id = $1 ORDER BY seq",
			   1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "verify") != 0) {
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct pb_proto_record r;

		memset(&r, 0, sizeof(r));
		r.seq = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		snprintf(r.id, sizeof(r.id), "%s", PQgetvalue(res, i, 1));
		snprintf(r.type, sizeof(r.type), "%s", PQgetvalue(res, i, 2));
		r.payload = PQgetvalue(res, i, 3);
		r.wall_ms = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		snprintf(r.clock_source, sizeof(r.clock_source), "%s", PQgetvalue(res, i, 5));
		snprintf(r.boot_id, sizeof(r.boot_id), "%s", PQgetvalue(res, i, 6));
		r.mono_ms = strtoll(PQgetvalue(res, i, 7), NULL, 10);
		snprintf(r.prev_hash, sizeof(r.prev_hash), "%s", PQgetvalue(res, i, 8));
		pb_proto_record_hash(box, &r, want);
		if (r.seq != i + 1 || strcmp(r.prev_hash, prev) != 0 ||
		    strcmp(want, PQgetvalue(res, i, 9)) != 0) {
			*bad = r.seq;
			rc = 1;
			break;
		}
		memcpy(prev, want, sizeof(prev));
		(*count)++;
	}
	PQclear(res);
	return rc;
}

int hub_cmd_verify(struct hub *h, PGconn *pg, int argc, char **argv)
{
	PGresult *res;
	int failed = 0;

	(void)h;
	res = argc >= 2 ? PQexecParams(pg, "SELECT box_id FROM boxes WHERE box_id = $1", 1, NULL,
				       (const char *const *)&argv[1], NULL, NULL, 0)
			: PQexec(pg, "SELECT box_id FROM boxes ORDER BY box_id");
	if (hub_db_ok(res, PGRES_TUPLES_OK, "verify") != 0) {
		PQclear(res);
		return 1;
	}
	if (PQntuples(res) == 0) {
		fprintf(stderr, "pb-hub: no such box\n");
		PQclear(res);
		return 1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t n, bad;
		int v = verify_box(pg, PQgetvalue(res, i, 0), &n, &bad);

		if (v == 0)
			printf("%s: chain OK, %" PRId64 " records\n", PQgetvalue(res, i, 0), n);
		else {
			printf("%s: chain BROKEN at seq %" PRId64 "\n", PQgetvalue(res, i, 0), bad);
			failed = 1;
		}
	}
	PQclear(res);
	return failed;
}

static int print_rows(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);

	if (hub_db_ok(res, PGRES_TUPLES_OK, "list") != 0) {
		PQclear(res);
		return 1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		for (int c = 0; c < PQnfields(res); c++)
			printf("%s%s", PQgetvalue(res, i, c), c == PQnfields(res) - 1 ? "\n" : "\t");
	PQclear(res);
	return 0;
}

int hub_cmd_boxes(struct hub *h, PGconn *pg, int argc, char **argv)
{
	(void)h;
	(void)argc;
	(void)argv;
	return print_rows(pg, "SELECT box_id, centre_id, last_seq, "
			  "CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END "
			  "FROM boxes ORDER BY centre_id, box_id");
}

int hub_cmd_conflicts(struct hub *h, PGconn *pg, int argc, char **argv)
{
	(void)h;
	(void)argc;
	(void)argv;
	return print_rows(pg, "SELECT id, box_id, seq, stored_hash, offered_hash, at "
			  "FROM conflicts ORDER BY id");
}
