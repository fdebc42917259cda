/* pb-hub release: box software releases (docs/updates.md).
 *
 *   pb-hub release key FILE
 *   pb-hub release add FILE.deb… --key FILE --version V --notes TEXT
 *   pb-hub release list
 *
 * A release is the arm64 .deb set of one version with its notes. Its
 * manifest (pb_release) is signed with the release key, an Ed25519 key
 * kept apart from the hub's TLS key and its -k key: whoever holds the
 * hub's server does not hold the right to change the boxes' software.
 * The .deb files go into the file folder by SHA-256, served to boxes by
 * /v1/files like module files; the manifest and signature go into the
 * table releases and the feed's "release" kind, whose answer is the latest
 * release only (feed.c). */
#include "hub.h"

#include "pb_release.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HUB_DEB_MAGIC "!<arch>\ndebian-binary"

int hub_cmd_release_key(int argc, char **argv)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char pk[PB_PROTO_PK_HEX_LEN + 1];
	int made = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: pb-hub release key FILE\n");
		return 2;
	}
	if (pb_proto_key_load_or_create(argv[2], sk, &made) != 0) {
		fprintf(stderr, "pb-hub: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	pb_proto_public_hex(sk, pk);
	sodium_memzero(sk, sizeof(sk));
	fprintf(stderr, "%s release key %s; boxes trust its public half, "
		"[update] release_key =\n", made ? "made the" : "kept the existing", argv[2]);
	printf("%s\n", pk);
	return 0;
}

/* 1 when path begins like a Debian package (an ar archive whose first
 * member is debian-binary). */
static int looks_like_deb(const char *path)
{
	char head[sizeof(HUB_DEB_MAGIC) - 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return n == sizeof(head) && memcmp(head, HUB_DEB_MAGIC, sizeof(head)) == 0;
}

/* 1 when version is newer than every stored release (said when not). */
static int newest(PGconn *pg, const char *version)
{
	PGresult *res = PQexec(pg, "SELECT version FROM releases");
	int ok = hub_db_ok(res, PGRES_TUPLES_OK, "releases") == 0;

	for (int i = 0; ok && i < PQntuples(res); i++)
		if (pb_release_version_cmp(PQgetvalue(res, i, 0), version) >= 0) {
			fprintf(stderr, "pb-hub: release %s exists; a new one must be newer than "
				"%s\n", PQgetvalue(res, i, 0), version);
			ok = 0;
		}
	PQclear(res);
	return ok;
}

static int store(PGconn *pg, const struct pb_release *r, const char *manifest,
		 const char *sig, const char *pk)
{
	json_t *doc = json_pack("{ss ss ss}", "version", r->version, "manifest", manifest,
				"signature", sig);
	char *doc_text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	const char *p1[4] = { r->version, manifest, sig, pk };
	const char *p2[1] = { doc_text };
	PGresult *res = NULL;
	int rc = -1;

	json_decref(doc);
	if (doc_text == NULL || hub_db_exec(pg, "BEGIN") != 0)
		goto out;
	res = PQexecParams(pg, "INSERT INTO releases(version, manifest, signature, public_key) "
			   "VALUES ($1, $2, $3, $4)", 4, NULL, p1, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_COMMAND_OK, "releases") != 0)
		goto rollback;
	PQclear(res);
	res = PQexecParams(pg, "INSERT INTO feed(kind, centre_id, doc) VALUES ('release', NULL, "
			   "$1)", 1, NULL, p2, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_COMMAND_OK, "feed") != 0)
		goto rollback;
	rc = hub_db_exec(pg, "COMMIT");
	goto out;
rollback:
	hub_db_exec(pg, "ROLLBACK");
out:
	PQclear(res);
	free(doc_text);
	return rc;
}

static int release_add(struct hub *h, PGconn *pg, int argc, char **argv)
{
	const char *key = NULL, *version = NULL, *notes = NULL;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char sig[PB_PROTO_SIG_HEX_LEN + 1], pk[PB_PROTO_PK_HEX_LEN + 1];
	static struct pb_release r;
	const char *paths[PB_RELEASE_DEBS_MAX];
	char *manifest = NULL;
	int rc = 1, have_key = 0;

	memset(&r, 0, sizeof(r));
	for (int i = 2; i < argc; i++) {
		const char **slot = strcmp(argv[i], "--key") == 0 ? &key :
				    strcmp(argv[i], "--version") == 0 ? &version :
				    strcmp(argv[i], "--notes") == 0 ? &notes : NULL;
		if (slot != NULL) {
			if (i + 1 >= argc)
				goto usage;
			*slot = argv[++i];
			continue;
		}
		if (r.ndebs == PB_RELEASE_DEBS_MAX) {
			fprintf(stderr, "pb-hub: at most %d .deb files in a release\n",
				PB_RELEASE_DEBS_MAX);
			return 2;
		}
		{
			const char *slash = strrchr(argv[i], '/');
			const char *name = slash != NULL ? slash + 1 : argv[i];

			if (!pb_release_name_valid(name)) {
				fprintf(stderr, "pb-hub: %s: not a .deb file name\n", argv[i]);
				return 2;
			}
			paths[r.ndebs] = argv[i];
			snprintf(r.debs[r.ndebs++].name, sizeof(r.debs[0].name), "%s", name);
		}
	}
	if (key == NULL || version == NULL || notes == NULL || r.ndebs == 0)
		goto usage;
	if (!pb_release_version_valid(version) || strlen(notes) > PB_RELEASE_NOTES_MAX) {
		fprintf(stderr, "pb-hub: the version is 1 to 4 dotted numbers (1.4.0), the notes "
			"at most %d bytes\n", PB_RELEASE_NOTES_MAX);
		return 2;
	}
	snprintf(r.version, sizeof(r.version), "%s", version);
	snprintf(r.notes, sizeof(r.notes), "%s", notes);
	if (pb_proto_key_load(key, sk) != 0) {
		fprintf(stderr, "pb-hub: release key %s: %s (make one with pb-hub release key "
			"FILE)\n", key, strerror(errno));
		return 1;
	}
	have_key = 1;
	if (!newest(pg, version))
		goto out;
	for (int k = 0; k < r.ndebs; k++) {
		if (!looks_like_deb(paths[k])) {
			fprintf(stderr, "pb-hub: %s is not a Debian package\n", paths[k]);
			goto out;
		}
		if (pb_sha256_file(paths[k], r.debs[k].sha256, &r.debs[k].size) != 0 ||
		    r.debs[k].size > PB_RELEASE_DEB_MAX ||
		    hub_put_file(h, paths[k], r.debs[k].sha256, &r.debs[k].size) != 0) {
			fprintf(stderr, "pb-hub: %s: cannot read it, too large, or cannot copy it "
				"into %s\n", paths[k], h->files_dir);
			goto out;
		}
	}
	manifest = pb_release_manifest(&r);
	if (manifest == NULL)
		goto out;
	pb_proto_sign(sk, manifest, strlen(manifest), sig);
	pb_proto_public_hex(sk, pk);
	if (store(pg, &r, manifest, sig, pk) != 0) {
		fprintf(stderr, "pb-hub: cannot store the release\n");
		goto out;
	}
	printf("release %s published: %d .deb file(s), signed by %s\n", r.version, r.ndebs, pk);
	rc = 0;
out:
	if (have_key)
		sodium_memzero(sk, sizeof(sk));
	free(manifest);
	return rc;
usage:
	fprintf(stderr, "usage: pb-hub release add FILE.deb… --key FILE --version V "
		"--notes TEXT\n");
	return 2;
}

static int release_list(PGconn *pg)
{
	PGresult *res = PQexec(pg, "SELECT version, to_char(created_at AT TIME ZONE 'UTC', "
			       HUB_SQL_ISO "), public_key, manifest FROM releases "
			       "ORDER BY created_at");
	static struct pb_release r;
	char err[PB_RELEASE_ERR_LEN];

	if (hub_db_ok(res, PGRES_TUPLES_OK, "releases") != 0) {
		PQclear(res);
		return 1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *m = PQgetvalue(res, i, 3);
		int n = pb_release_parse(m, strlen(m), &r, err, sizeof(err)) == 0 ? r.ndebs : 0;

		printf("%s\t%s\t%d deb\t%.16s…\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), n,
		       PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return 0;
}

int hub_cmd_release(struct hub *h, PGconn *pg, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return release_add(h, pg, argc, argv);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return release_list(pg);
	fprintf(stderr, "usage: pb-hub release key FILE | release add FILE.deb… --key FILE "
		"--version V --notes TEXT | release list\n");
	return 2;
}
