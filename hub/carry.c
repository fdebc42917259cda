/* What a USB stick carries for the hub (docs/sync-protocol.md §10).
 * pb-hub import DIR: boxes' outbox batches, each checked and stored
 * exactly as an upload over HTTP (hub_ingest_batch); then an
 * acknowledgement signed with the hub's key (-k) goes back into each
 * box's folder. pb-hub export-content DIR: modules back to a centre. */
#include "hub.h"

#include "pb_carry.h"
#include "pb_fields.h"
#include "pb_log.h"
#include "pb_manifest.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

struct import_totals {
	size_t boxes, batches, stored, duplicates, refused;
};

enum pb_proto_err hub_carry_box_key(PGconn *pg, const char *box, char *pk, size_t pklen)
{
	const char *params[1] = { box };
	PGresult *res = PQexecParams(pg, "SELECT public_key, revoked_at IS NOT NULL FROM boxes "
				     "WHERE box_id = $1", 1, NULL, params, NULL, NULL, 0);
	enum pb_proto_err e = PB_PROTO_INTERNAL;

	if (hub_db_ok(res, PGRES_TUPLES_OK, "import: box") != 0)
		goto out;
	e = PB_PROTO_UNKNOWN_BOX;
	if (PQntuples(res) != 1)
		goto out;
	e = PB_PROTO_REVOKED;
	if (PQgetvalue(res, 0, 1)[0] == 't')
		goto out;
	snprintf(pk, pklen, "%s", PQgetvalue(res, 0, 0));
	e = PB_PROTO_OK;
out:
	PQclear(res);
	return e;
}

enum pb_proto_err hub_carry_batch(PGconn *pg, const char *box, const char *pk,
				  const struct pb_carry_batch *b, const char *body, size_t len,
				  struct hub_ingest_result *got, char *why, size_t whylen)
{
	char sha[PB_SHA256_HEX_LEN + 1];

	pb_sha256_hex(body, len, sha);
	if (strcmp(sha, b->sha256) != 0) {
		snprintf(why, whylen, "the file is not the one the manifest names (altered "
			 "or cut short on the stick)");
		return PB_PROTO_BAD_HASH;
	}
	if (pb_proto_verify(pk, body, len, b->signature) != 0) {
		snprintf(why, whylen, "not signed by the box's enrolled key");
		return PB_PROTO_BAD_SIGNATURE;
	}
	return hub_ingest_batch(pg, box, body, len, b->first, b->last, got, why, whylen);
}

/* One batch file of the manifest: 0 stored or already held, -1 refused
 * (said on stderr). */
static int import_batch(PGconn *pg, const char *bdir, const char *box, const char *pk,
			const struct pb_carry_batch *b, struct import_totals *t)
{
	struct hub_ingest_result got;
	char why[256] = "", *body = NULL;
	enum pb_proto_err e;
	size_t len;

	if (pb_carry_read(bdir, b->file, PB_PROTO_BATCH_GZ_MAX, &body, &len) != 0) {
		fprintf(stderr, "pb-hub: box %s: %s: cannot read: %s\n", box, b->file,
			errno == EFBIG ? "larger than a batch may be" : strerror(errno));
		return -1;
	}
	e = hub_carry_batch(pg, box, pk, b, body, len, &got, why, sizeof(why));
	free(body);
	if (e != PB_PROTO_OK) {
		fprintf(stderr, "pb-hub: box %s: %s (seq %" PRId64 "..%" PRId64 ") refused: %s: "
			"%s%s%s\n", box, b->file, b->first, b->last, pb_proto_err_code(e),
			pb_proto_err_words(e), why[0] ? ": " : "", why);
		return -1;
	}
	printf("box %s: seq %" PRId64 "..%" PRId64 ": %zu stored, %zu already held\n", box,
	       b->first, b->last, got.stored, got.duplicates);
	if (json_array_size(got.refused) > 0)
		printf("box %s: %zu record(s) kept but refused (ids in use, see pb-hub "
		       "export)\n", box, json_array_size(got.refused));
	json_decref(got.refused);
	t->batches++;
	t->stored += got.stored;
	t->duplicates += got.duplicates;
	return 0;
}

char *hub_carry_ack(struct hub *h, PGconn *pg, const char *box, int64_t *acked)
{
	const char *params[1] = { box };
	PGresult *res = PQexecParams(pg, "SELECT last_seq, last_hash FROM boxes WHERE box_id = $1",
				     1, NULL, params, NULL, NULL, 0);
	struct pb_carry_ack a;
	struct timeval tv;
	char *text = NULL;

	memset(&a, 0, sizeof(a));
	if (hub_db_ok(res, PGRES_TUPLES_OK, "import: ack") != 0 || PQntuples(res) != 1)
		goto out;
	snprintf(a.box_id, sizeof(a.box_id), "%s", box);
	a.acked = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(a.hash, sizeof(a.hash), "%s", PQgetvalue(res, 0, 1));
	gettimeofday(&tv, NULL);
	a.made_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	text = pb_carry_ack_dump(&a, h->sign_sk);
	*acked = a.acked;
out:
	PQclear(res);
	return text;
}

/* What the hub holds of box now, signed into the box's folder. 0/-1. */
static int write_ack(struct hub *h, PGconn *pg, const char *bdir, const char *box)
{
	int64_t acked = 0;
	char *text = hub_carry_ack(h, pg, box, &acked);
	int rc = -1;

	if (text == NULL || pb_carry_write(bdir, PB_CARRY_ACK, text, strlen(text)) != 0) {
		fprintf(stderr, "pb-hub: box %s: cannot write %s/" PB_CARRY_ACK ": %s\n", box, bdir,
			strerror(errno));
		goto out;
	}
	printf("box %s: acknowledgement written: the hub holds up to seq %" PRId64 "\n", box,
	       acked);
	rc = 0;
out:
	free(text);
	return rc;
}

/* One box's folder: 0 all taken, -1 something refused. */
static int import_box(struct hub *h, PGconn *pg, const char *dir, const char *box,
		      struct import_totals *t)
{
	struct pb_carry_manifest m;
	char bdir[PATH_MAX], pk[PB_PROTO_PK_HEX_LEN + 1], why[128] = "", *text = NULL;
	enum pb_proto_err e;
	size_t len;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	if (pb_carry_box_dir(dir, box, bdir, sizeof(bdir)) != 0)
		return -1;
	t->boxes++;
	if (pb_carry_read(bdir, PB_CARRY_MANIFEST, PB_CARRY_MANIFEST_MAX, &text, &len) != 0) {
		fprintf(stderr, "pb-hub: box %s: no readable %s: %s\n", box, PB_CARRY_MANIFEST,
			strerror(errno));
		goto out;
	}
	if (pb_carry_manifest_parse(text, len, &m, why, sizeof(why)) != 0 ||
	    strcmp(m.box_id, box) != 0) {
		fprintf(stderr, "pb-hub: box %s: %s\n", box,
			why[0] ? why : "the manifest names another box");
		goto out;
	}
	e = hub_carry_box_key(pg, box, pk, sizeof(pk));
	if (e != PB_PROTO_OK) {
		fprintf(stderr, "pb-hub: box %s refused: %s: %s\n", box, pb_proto_err_code(e),
			pb_proto_err_words(e));
		t->refused += m.n;
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < m.n && rc == 0; i++) {
		rc = import_batch(pg, bdir, box, pk, &m.batches[i], t);
		if (rc != 0)
			t->refused += m.n - i;     /* the later ones follow on from it */
	}
	if (write_ack(h, pg, bdir, box) != 0)
		rc = -1;
out:
	free(text);
	pb_carry_manifest_free(&m);
	return rc;
}

int hub_cmd_import(struct hub *h, PGconn *pg, int argc, char **argv)
{
	struct import_totals t;
	char top[PATH_MAX];
	struct dirent *d;
	DIR *dp;
	int bad = 0;

	memset(&t, 0, sizeof(t));
	if (argc != 2) {
		fprintf(stderr, "usage: pb-hub -k HUB.key import DIR\n");
		return 2;
	}
	if (!h->has_sign_key) {
		fprintf(stderr, "pb-hub: import needs the hub's key (-k FILE) to sign the "
			"acknowledgements it writes back\n");
		return 2;
	}
	if (snprintf(top, sizeof(top), "%s/" PB_CARRY_DIR, argv[1]) >= (int)sizeof(top))
		return 2;
	dp = opendir(top);
	if (dp == NULL) {
		fprintf(stderr, "pb-hub: %s: %s (nothing a box exported)\n", top, strerror(errno));
		return 1;
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (strlen(d->d_name) != PB_PROTO_ID_LEN ||
		    !pb_hex_valid(d->d_name, PB_PROTO_ID_LEN)) {
			fprintf(stderr, "pb-hub: %s/%s is not a box's folder: skipped\n", top,
				d->d_name);
			continue;
		}
		if (t.boxes >= PB_CARRY_BOXES_MAX) {
			fprintf(stderr, "pb-hub: more than %d box folders: the rest are left\n",
				PB_CARRY_BOXES_MAX);
			bad = 1;
			break;
		}
		if (import_box(h, pg, argv[1], d->d_name, &t) != 0)
			bad = 1;
	}
	closedir(dp);
	if (t.boxes == 0) {
		fprintf(stderr, "pb-hub: no box's folder in %s\n", top);
		return 1;
	}
	printf("imported: %zu box(es), %zu batch(es), %zu record(s) stored, %zu already held, "
	       "%zu batch(es) refused\n", t.boxes, t.batches, t.stored, t.duplicates, t.refused);
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* pb-hub export-content DIR --centre ID: the modules published for a
 * centre (its own and those for every centre), as a content folder the
 * box installs with pbctl content import DIR (docs/content.md). */

#define HUB_CONTENT_FILES "files"       /* DIR/files/SHA256 */

/* What the stick's manifest takes of a published module (the rest of
 * its members go along as they are): the catalogue's rows were checked by
 * pb_manifest when published, these tables check them again as read. */
struct module_doc {
	const char *id;
	const json_t *files;
};

static const struct pb_field module_file_item = {
	.name = "", .type = PB_FT_OBJECT,
	.bad = { 0, "bad_file", "each file is an object", NULL },
};

static const struct pb_field module_fields[] = {
	{ .name = "id", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_MODULE_ID_MAX, .chars = PB_FC_TEXT, .offset = offsetof(struct module_doc, id),
	  .bad = { 0, "bad_module", "an id of 1 to " HUB_XSTR(PB_MODULE_ID_MAX) " bytes", NULL } },
	{ .name = "files", .type = PB_FT_ARRAY, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_MODULE_MAX_FILES, .item = &module_file_item,
	  .offset = offsetof(struct module_doc, files),
	  .bad = { 0, "bad_module", "a list of 1 to " HUB_XSTR(PB_MODULE_MAX_FILES) " files",
		   NULL } },
};
static const struct pb_fields module_table = PB_FIELDS(module_fields);

struct file_doc {
	const char *sha256, *path, *name;
};

static const struct pb_field file_fields[] = {
	{ .name = "sha256", .type = PB_FT_STRING, .flags = PB_F_REQUIRED,
	  .min = PB_SHA256_HEX_LEN, .max = PB_SHA256_HEX_LEN, .chars = PB_FC_HEX,
	  .offset = offsetof(struct file_doc, sha256),
	  .bad = { 0, "bad_file", "a SHA-256 in lower-case hex", NULL } },
	{ .name = "path", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_FILE_PATH_MAX, .chars = PB_FC_TEXT, .offset = offsetof(struct file_doc, path),
	  .bad = { 0, "bad_file", "a path of 1 to " HUB_XSTR(PB_FILE_PATH_MAX) " bytes", NULL } },
	/* no name (or not text): the path's last part, as before */
	{ .name = "name", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .max = PB_FILE_PATH_MAX, .chars = PB_FC_TEXT, .offset = offsetof(struct file_doc, name),
	  .bad = { 0, "bad_file", "a name of at most " HUB_XSTR(PB_FILE_PATH_MAX) " bytes",
		   NULL } },
};
static const struct pb_fields file_table = PB_FIELDS(file_fields);

/* One module's files into files_dir; its paths then name those copies,
 * and *nfiles and *bytes count them. 0, or -1 (said on stderr; a module
 * left off counts none of its files). */
static int export_module(struct hub *h, const char *files_dir, json_t *mod,
			 size_t *nfiles, int64_t *bytes)
{
	struct module_doc m = { 0 };
	const struct pb_field_error *e;
	const char *field;
	char src[PATH_MAX], dst[PATH_MAX], path[16 + PB_SHA256_HEX_LEN];
	char got[PB_SHA256_HEX_LEN + 1];
	json_t *f;
	size_t i, n = 0;
	int64_t total = 0;

	if (pb_fields_check(&module_table, mod, &m, &e, &field) != 0) {
		fprintf(stderr, "pb-hub: a published module is malformed: %s: %s (%s)\n", field,
			e->message, e->code);
		return -1;
	}
	json_array_foreach(m.files, i, f) {
		struct file_doc fd = { 0 };
		const char *sha, *from, *name;
		struct stat sb;
		int64_t size = 0;
		int crc;

		if (pb_fields_check(&file_table, f, &fd, &e, &field) != 0) {
			fprintf(stderr, "pb-hub: module %s: file %zu is malformed: %s: %s (%s)\n",
				m.id, i + 1, field, e->message, e->code);
			return -1;
		}
		sha = fd.sha256;
		from = fd.path;
		name = fd.name;
		if (hub_file_path(h, sha, src, sizeof(src)) != 0 ||
		    snprintf(dst, sizeof(dst), "%s/%s", files_dir, sha) >= (int)sizeof(dst)) {
			fprintf(stderr, "pb-hub: module %s: file %zu is malformed\n", m.id, i + 1);
			return -1;
		}
		/* the name the box shows stays the published one */
		if (name == NULL || name[0] == '\0') {
			const char *slash = strrchr(from, '/');
			json_object_set_new(f, "name", json_string(slash ? slash + 1 : from));
		}
		/* there whole from an earlier export: not written again */
		if (stat(dst, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    pb_sha256_file(dst, got, &size) == 0 && strcmp(got, sha) == 0) {
			pb_debug("%s: already on the stick", sha);
		} else if ((crc = pb_carry_copy(src, files_dir, sha, sha, &size)) != 0) {
			fprintf(stderr, "pb-hub: module %s: %s: missing or damaged in the hub's "
				"files (%s)\n", m.id, sha, crc == -2 ? "its SHA-256 differs" :
				strerror(errno));
			return -1;
		}
		n++;
		snprintf(path, sizeof(path), HUB_CONTENT_FILES "/%s", sha);
		json_object_set_new(f, "path", json_string(path));
		total += size;
	}
	*nfiles += n;
	*bytes += total;
	return 0;
}

int hub_cmd_export_content(struct hub *h, PGconn *pg, int argc, char **argv)
{
	const char *params[2];
	char files_dir[PATH_MAX], limit[16];
	PGresult *res = NULL;
	json_t *mods = NULL, *root = NULL;
	char *text = NULL;
	size_t nfiles = 0;
	int64_t bytes = 0;
	int rc = 1, bad = 0;

	if (argc != 4 || strcmp(argv[2], "--centre") != 0) {
		fprintf(stderr, "usage: pb-hub export-content DIR --centre ID\n");
		return 2;
	}
	if (snprintf(files_dir, sizeof(files_dir), "%s/" HUB_CONTENT_FILES, argv[1]) >=
	    (int)sizeof(files_dir))
		return 2;
	if ((mkdir(argv[1], 0755) != 0 && errno != EEXIST) ||
	    (mkdir(files_dir, 0755) != 0 && errno != EEXIST)) {
		fprintf(stderr, "pb-hub: cannot make %s: %s\n", files_dir, strerror(errno));
		return 1;
	}
	/* the latest publication of each module for this centre */
	snprintf(limit, sizeof(limit), "%d", PB_MANIFEST_MAX_MODULES + 1);
	params[0] = argv[3];
	params[1] = limit;
	res = PQexecParams(pg, "SELECT doc::text FROM (SELECT DISTINCT ON (doc->>'id') doc "
			   "FROM feed WHERE kind = 'catalogue' AND (centre_id IS NULL OR "
			   "centre_id = $1) ORDER BY doc->>'id', cursor DESC) m LIMIT $2",
			   2, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "export-content") != 0)
		goto out;
	if (PQntuples(res) > PB_MANIFEST_MAX_MODULES) {
		fprintf(stderr, "pb-hub: more than %d modules for one folder\n",
			PB_MANIFEST_MAX_MODULES);
		goto out;
	}
	mods = json_array();
	root = json_pack("{si sO}", "format", 1, "modules", mods);
	if (root == NULL)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *mod = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (mod == NULL || export_module(h, files_dir, mod, &nfiles, &bytes) != 0)
			bad = 1;
		else
			json_array_append(mods, mod);
		json_decref(mod);
	}
	/* the manifest last: a stick pulled out before it holds no folder to install */
	text = json_dumps(root, JSON_INDENT(1));
	if (text == NULL || pb_carry_write(argv[1], "manifest.json", text, strlen(text)) != 0) {
		fprintf(stderr, "pb-hub: cannot write %s/manifest.json: %s\n", argv[1],
			strerror(errno));
		goto out;
	}
	printf("%zu module(s), %zu file(s), %" PRId64 " bytes for centre %s in %s "
	       "(on the box: pbctl content import %s)\n", json_array_size(mods), nfiles, bytes,
	       argv[3], argv[1], argv[1]);
	rc = bad;
out:
	free(text);
	json_decref(root);
	json_decref(mods);
	PQclear(res);
	return rc;
}
