#include "pb_catalog.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hash.h"
#include "pb_html5.h"
#include "pb_learning.h"

#include <stdio.h>
#include <string.h>

int pb_catalog_file_url(const char *sha256, const char *name, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o;
	int n = snprintf(out, len, "/f/%s/", sha256);

	if (n < 0 || (size_t)n >= len)
		return -1;
	o = (size_t)n;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			    *p == '.' || *p == '~';
		if (o + (plain ? 1 : 3) >= len)
			return -1;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

/* A digest of everything the catalogue keeps of a module, so a re-import
 * of the same manifest changes nothing. */
static void module_digest(const struct pb_module *m, char out[PB_SHA256_HEX_LEN + 1])
{
	struct pb_sha256 h;
	char kk[2] = { m->kk, '\0' };
	char num[32];

	pb_sha256_init(&h);
#define FIELD(s) do { pb_sha256_update(&h, (s), strlen(s) + 1); } while (0)
	FIELD(m->id);
	FIELD(m->title);
	FIELD(kk);
	FIELD(m->subject);
	FIELD(m->level);
	FIELD(m->description);
	for (int i = 0; i < m->nfiles; i++) {
		FIELD(m->files[i].name);
		FIELD(m->files[i].sha256);
		FIELD(m->files[i].mime);
		snprintf(num, sizeof(num), "%lld", (long long)m->files[i].size);
		FIELD(num);
		if (m->files[i].kind[0] != '\0')      /* older digests stay as they were */
			FIELD(m->files[i].kind);
	}
	if (m->learning != NULL)
		FIELD(m->learning);
#undef FIELD
	pb_sha256_final_hex(&h, out);
}

static int stored_digest(sqlite3 *db, const char *id, char out[PB_SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	out[0] = '\0';
	if ((st = pb_db_stmt(db, "SELECT digest FROM modules WHERE id = ?1")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(st, 0);
		snprintf(out, PB_SHA256_HEX_LEN + 1, "%s", d ? (const char *)d : "");
		rc = 1;
	} else if (step == SQLITE_DONE) {
		rc = 0;
	}
out:
	pb_db_stmt_done(st);
	return rc;
}

int pb_catalog_upsert(sqlite3 *db, const struct pb_module *m, const char *source,
		      enum pb_catalog_change *change)
{
	char digest[PB_SHA256_HEX_LEN + 1], old[PB_SHA256_HEX_LEN + 1];
	char kk[2] = { m->kk, '\0' };
	sqlite3_stmt *st = NULL;
	int exists, rc = -1;

	module_digest(m, digest);
	if (pb_db_begin(db) != 0)
		return -1;
	exists = stored_digest(db, m->id, old);
	if (exists < 0)
		goto out;
	if (exists && strcmp(old, digest) == 0) {
		*change = PB_CATALOG_UNCHANGED;
		rc = 0;
		goto out;
	}
	if ((st = pb_db_stmt(db,
			"INSERT INTO modules(id, title, kk, subject, level, description, source, "
			"digest, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) "
			"ON CONFLICT(id) DO UPDATE SET title=excluded.title, kk=excluded.kk, "
			"subject=excluded.subject, level=excluded.level, "
			"description=excluded.description, source=excluded.source, "
			"digest=excluded.digest, updated_at=excluded.updated_at")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, m->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, pb_clock_wall_ms() / 1000);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	st = NULL;
	if ((st = pb_db_stmt(db, "DELETE FROM module_files WHERE module_id = ?1")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	st = NULL;
	if ((st = pb_db_stmt(db,
			"INSERT INTO module_files(module_id, pos, name, sha256, size, mime, kind) "
			"VALUES (?1,?2,?3,?4,?5,?6,?7)")) == NULL)
		goto out;
	for (int i = 0; i < m->nfiles; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, m->files[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, m->files[i].sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, m->files[i].size);
		sqlite3_bind_text(st, 6, m->files[i].mime, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, m->files[i].kind, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	for (int i = 0; i < m->nfiles; i++)
		if (m->files[i].html5 != NULL &&
		    pb_html5_index_store(db, m->files[i].sha256, m->files[i].html5) != 0)
			goto out;
	pb_db_stmt_done(st);
	st = NULL;
	if (pb_learning_store(db, m->id, m->learning) != 0)
		goto out;
	if ((st = pb_db_stmt(db,
			"INSERT INTO box_meta(key, value) VALUES ('catalog.version', '1') "
			"ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")) == NULL ||
	    sqlite3_step(st) != SQLITE_DONE)
		goto out;
	*change = exists ? PB_CATALOG_UPDATED : PB_CATALOG_ADDED;
	rc = 0;
out:
	pb_db_stmt_done(st);
	if (rc == 0 && pb_db_commit(db) != 0)
		rc = -1;
	if (rc != 0)
		pb_db_rollback(db);
	return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v != NULL ? (const char *)v : "";
}

static json_t *module_files(sqlite3_stmt *fst, const char *id)
{
	json_t *arr = json_array(), *f;
	char url[PB_FILE_URL_MAX];

	sqlite3_reset(fst);
	sqlite3_bind_text(fst, 1, id, -1, SQLITE_TRANSIENT);
	while (arr != NULL && sqlite3_step(fst) == SQLITE_ROW) {
		if (pb_catalog_file_url(col(fst, 1), col(fst, 0), url, sizeof(url)) != 0)
			continue;
		f = json_pack("{s:s, s:I, s:s, s:s, s:s}",
			"name", col(fst, 0), "size", (json_int_t)sqlite3_column_int64(fst, 2),
			"sha256", col(fst, 1), "mime", col(fst, 3), "url", url);
		/* a lesson opens at its index page, under its own prefix */
		if (f != NULL && strcmp(col(fst, 4), PB_HTML5_KIND) == 0 &&
		    pb_html5_url(col(fst, 1), url, sizeof(url)) == 0) {
			json_object_set_new(f, "kind", json_string(PB_HTML5_KIND));
			json_object_set_new(f, "lesson_url", json_string(url));
		}
		json_array_append_new(arr, f);
	}
	return arr;
}

/* The filter of the catalogue query, shared by the page and its count. */
#define CATALOG_WHERE \
	"WHERE (?1 IS NULL OR kk = ?1) AND (?2 IS NULL OR subject = ?2) " \
	"AND (?3 IS NULL OR title LIKE ?3 ESCAPE '\\' OR subject LIKE ?3 ESCAPE '\\' " \
	"  OR description LIKE ?3 ESCAPE '\\' OR id LIKE ?3 ESCAPE '\\') " \
	"AND (?4 IS NULL OR id = ?4) "

static void bind_filter(sqlite3_stmt *st, const struct pb_catalog_filter *f,
			const char *like)
{
	if (f->kk != NULL && f->kk[0] != '\0')
		sqlite3_bind_text(st, 1, f->kk, -1, SQLITE_STATIC);
	if (f->subject != NULL && f->subject[0] != '\0')
		sqlite3_bind_text(st, 2, f->subject, -1, SQLITE_STATIC);
	if (like[0] != '\0')
		sqlite3_bind_text(st, 3, like, -1, SQLITE_STATIC);
	if (f->id != NULL)
		sqlite3_bind_text(st, 4, f->id, -1, SQLITE_STATIC);
}

json_t *pb_catalog_query(sqlite3 *db, const struct pb_catalog_filter *f)
{
	sqlite3_stmt *st = NULL, *fst = NULL, *sst = NULL, *cst = NULL;
	json_t *res = NULL, *mods, *subjects;
	char like[PB_CATALOG_QUERY_MAX * 8 + 3];
	int step;

	like[0] = '\0';
	if (f->q != NULL && f->q[0] != '\0') {
		size_t o = 0;
		like[o++] = '%';
		for (const char *c = f->q; *c && o + 3 < sizeof(like); c++) {
			if (*c == '%' || *c == '_' || *c == '\\')
				like[o++] = '\\';
			like[o++] = *c;
		}
		like[o++] = '%';
		like[o] = '\0';
	}
	if ((st = pb_db_stmt(db,
			"SELECT id, title, kk, subject, level, description FROM modules "
			CATALOG_WHERE "ORDER BY kk, subject, title LIMIT ?5 OFFSET ?6")) == NULL ||
	    (cst = pb_db_stmt(db, "SELECT count(*) FROM modules " CATALOG_WHERE)) == NULL ||
	    (fst = pb_db_stmt(db,
			    "SELECT name, sha256, size, mime, kind FROM module_files WHERE module_id = ?1 "
			    "ORDER BY pos")) == NULL ||
	    (sst = pb_db_stmt(db, "SELECT DISTINCT subject FROM modules ORDER BY subject")) == NULL)
		goto fail;
	bind_filter(st, f, like);
	bind_filter(cst, f, like);
	sqlite3_bind_int64(st, 5, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int64(st, 6, f->offset > 0 ? f->offset : 0);
	if (sqlite3_step(cst) != SQLITE_ROW)
		goto fail;

	res = json_object();
	mods = json_array();
	subjects = json_array();
	if (res == NULL || mods == NULL || subjects == NULL) {
		json_decref(mods);
		json_decref(subjects);
		goto fail;
	}
	json_object_set_new(res, "modules", mods);
	json_object_set_new(res, "subjects", subjects);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *learn = pb_learning_summary(db, col(st, 0));
		json_t *m = learn == NULL ? NULL :
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:O, s:O}",
			"id", col(st, 0), "title", col(st, 1), "kk", col(st, 2),
			"subject", col(st, 3), "level", col(st, 4),
			"description", col(st, 5), "files", module_files(fst, col(st, 0)),
			"tests", json_object_get(learn, "tests"),
			"worksheets", json_object_get(learn, "worksheets"));
		json_decref(learn);
		if (m == NULL)
			goto fail;
		json_array_append_new(mods, m);
	}
	if (step != SQLITE_DONE)
		goto fail;
	while ((step = sqlite3_step(sst)) == SQLITE_ROW)
		json_array_append_new(subjects, json_string(col(sst, 0)));
	if (step != SQLITE_DONE)
		goto fail;
	json_object_set_new(res, "count", json_integer((json_int_t)json_array_size(mods)));
	json_object_set_new(res, "total", json_integer(sqlite3_column_int64(cst, 0)));
	goto out;
fail:
	json_decref(res);
	res = NULL;
out:
	pb_db_stmt_done(st);
	pb_db_stmt_done(fst);
	pb_db_stmt_done(sst);
	pb_db_stmt_done(cst);
	return res;
}

int pb_catalog_file(sqlite3 *db, const char *sha256, struct pb_file_info *out)
{
	sqlite3_stmt *st;
	int rc = -1, step;

	st = pb_db_stmt(db, "SELECT name, mime, size FROM module_files "
			    "WHERE sha256 = ?1 LIMIT 1");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(out->name, sizeof(out->name), "%s", col(st, 0));
		snprintf(out->mime, sizeof(out->mime), "%s", col(st, 1));
		out->size = sqlite3_column_int64(st, 2);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

int64_t pb_catalog_version(sqlite3 *db)
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT CAST(value AS INTEGER) FROM box_meta "
					  "WHERE key = 'catalog.version'");
	int64_t v = -1;
	int step;

	if (st == NULL)
		return -1;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (step == SQLITE_DONE)
		v = 0;
	pb_db_stmt_done(st);
	return v;
}
