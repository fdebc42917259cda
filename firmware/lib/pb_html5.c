#include "pb_html5.h"

#include "pb_db.h"
#include "pb_mime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNPACK_CHUNK (64 * 1024)

void pb_html5_free(struct pb_html5_index *idx)
{
	if (idx == NULL)
		return;
	free(idx->e);
	idx->e = NULL;
	idx->n = 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct pb_html5_entry *)a)->path,
		      ((const struct pb_html5_entry *)b)->path);
}

/* 1 when the entry's Unix type (if the zip says one) is a plain file or
 * a folder: symbolic links, devices and pipes are refused. */
static int plain_type(zip_t *z, zip_uint64_t i)
{
	zip_uint8_t opsys;
	zip_uint32_t attr;
	mode_t type;

	if (zip_file_get_external_attributes(z, i, 0, &opsys, &attr) != 0)
		return 0;
	if (opsys != ZIP_OPSYS_UNIX)
		return 1;
	type = (mode_t)(attr >> 16) & S_IFMT;
	return type == 0 || type == S_IFREG || type == S_IFDIR;
}

/* What is wrong with entry i (NULL: nothing); *skip when it is a folder. */
static const char *entry_problem(zip_t *z, zip_uint64_t i, const zip_stat_t *st, int *skip)
{
	size_t len;

	*skip = 0;
	if ((st->valid & (ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE)) !=
	    (ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE))
		return "tanpa nama atau ukuran / without a name or size";
	if (!plain_type(z, i))
		return "tautan simbolik atau bukan berkas biasa / a symbolic link or not a plain file";
	if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) && st->encryption_method != ZIP_EM_NONE)
		return "terenkripsi / encrypted";
	if ((st->valid & ZIP_STAT_COMP_METHOD) &&
	    !zip_compression_method_supported(st->comp_method, 0))
		return "cara kompresi tidak dikenal / unknown compression method";
	len = strlen(st->name);
	if (len > PB_HTML5_PATH_MAX)
		return "nama terlalu panjang / name too long";
	if (len > 0 && st->name[len - 1] == '/') {
		/* a folder: nothing to copy, but its name follows the rules too */
		char dir[PB_HTML5_PATH_MAX + 1];

		memcpy(dir, st->name, len - 1);
		dir[len - 1] = '\0';
		*skip = 1;
		if (!pb_manifest_path_safe(dir))
			return "nama tidak aman (.., /, \\) / unsafe name";
		return st->size == 0 ? NULL : "folder berisi data / a folder with data";
	}
	if (!pb_manifest_path_safe(st->name) || pb_utf8_len(st->name) < 0)
		return "nama tidak aman (.., /, \\) / unsafe name";
	if (st->size > (zip_uint64_t)PB_HTML5_MAX_ENTRY_BYTES)
		return "berkas terlalu besar / file too large";
	if (st->size > PB_HTML5_RATIO_FLOOR &&
	    (st->comp_size == 0 || st->size / st->comp_size > PB_HTML5_MAX_RATIO))
		return "rasio kompresi terlalu tinggi (bom zip) / compression ratio too high (zip bomb)";
	return NULL;
}

int pb_html5_check(zip_t *z, struct pb_html5_index *idx, char *err, size_t errlen)
{
	zip_int64_t count = zip_get_num_entries(z, 0);
	int64_t total = 0;
	int has_index = 0, rc = -1;

	idx->n = 0;
	idx->e = NULL;
	if (count < 0 || count > PB_HTML5_MAX_ENTRIES) {
		snprintf(err, errlen, "zip berisi lebih dari %d entri / more than %d entries",
			 PB_HTML5_MAX_ENTRIES, PB_HTML5_MAX_ENTRIES);
		goto out;
	}
	idx->e = calloc(count > 0 ? (size_t)count : 1, sizeof(*idx->e));
	if (idx->e == NULL) {
		snprintf(err, errlen, "memori habis / out of memory");
		goto out;
	}
	for (zip_uint64_t i = 0; i < (zip_uint64_t)count; i++) {
		zip_stat_t st;
		const char *why;
		int skip;
		struct pb_html5_entry *e;

		zip_stat_init(&st);
		if (zip_stat_index(z, i, 0, &st) != 0) {
			snprintf(err, errlen, "entri #%llu tidak terbaca / unreadable entry: %s",
				 (unsigned long long)i + 1, zip_strerror(z));
			goto out;
		}
		why = entry_problem(z, i, &st, &skip);
		if (why != NULL) {
			snprintf(err, errlen, "entri '%.*s': %s", PB_HTML5_PATH_MAX,
				 (st.valid & ZIP_STAT_NAME) ? st.name : "?", why);
			goto out;
		}
		if (skip)
			continue;
		total += (int64_t)st.size;
		if (total > PB_HTML5_MAX_TOTAL_BYTES) {
			snprintf(err, errlen, "isi zip lebih dari %lld B / unpacks to more than %lld B",
				 (long long)PB_HTML5_MAX_TOTAL_BYTES,
				 (long long)PB_HTML5_MAX_TOTAL_BYTES);
			goto out;
		}
		e = &idx->e[idx->n++];
		snprintf(e->path, sizeof(e->path), "%s", st.name);
		snprintf(e->mime, sizeof(e->mime), "%s", pb_mime_for_name(st.name));
		e->size = (int64_t)st.size;
		e->zindex = i;
		if (strcmp(e->path, PB_HTML5_INDEX_PAGE) == 0)
			has_index = 1;
	}
	qsort(idx->e, (size_t)idx->n, sizeof(*idx->e), by_path);
	for (int i = 1; i < idx->n; i++)
		if (strcmp(idx->e[i - 1].path, idx->e[i].path) == 0) {
			snprintf(err, errlen, "entri '%s' ada dua kali / named twice", idx->e[i].path);
			goto out;
		}
	if (!has_index) {
		snprintf(err, errlen, "tidak ada %s di akar zip / no %s at the zip's root",
			 PB_HTML5_INDEX_PAGE, PB_HTML5_INDEX_PAGE);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		pb_html5_free(idx);
	return rc;
}

/* Copy entry e out of the zip into the store; *added when it was not
 * there yet. 0/-1 with err. */
static int unpack_one(const struct pb_store *s, zip_t *z, struct pb_html5_entry *e,
		      unsigned char *buf, int *added, char *err, size_t errlen)
{
	char tmp[PATH_MAX], serr[128];
	struct pb_sha256 h;
	zip_file_t *zf = NULL;
	int fd = -1, rc = -1;
	int64_t got = 0;
	zip_int64_t n;
	enum pb_store_result r;

	*added = 0;
	tmp[0] = '\0';
	if (pb_store_tmp_path(s, tmp, sizeof(tmp)) != 0 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "'%s': tidak dapat menulis / cannot write: %s", e->path,
			 strerror(errno));
		goto out;
	}
	zf = zip_fopen_index(z, e->zindex, 0);
	if (zf == NULL) {
		snprintf(err, errlen, "'%s': %s", e->path, zip_strerror(z));
		goto out;
	}
	pb_sha256_init(&h);
	/* never more than the directory says, whatever the data claims */
	while ((n = zip_fread(zf, buf, UNPACK_CHUNK)) > 0) {
		got += n;
		if (got > e->size) {
			snprintf(err, errlen, "'%s': isi melebihi ukurannya / more data than its size",
				 e->path);
			goto out;
		}
		pb_sha256_update(&h, buf, (size_t)n);
		for (zip_int64_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				snprintf(err, errlen, "'%s': tidak dapat menulis / cannot write: %s",
					 e->path, strerror(errno));
				goto out;
			}
			off += w;
		}
	}
	if (n < 0 || got != e->size) {
		snprintf(err, errlen, "'%s': rusak / damaged: %s", e->path,
			 n < 0 ? zip_file_strerror(zf) : "ukuran tidak cocok / size mismatch");
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "'%s': tidak dapat menulis / cannot write: %s", e->path,
			 strerror(errno));
		goto out;
	}
	fd = -1;
	pb_sha256_final_hex(&h, e->sha256);
	if (pb_store_has(s, e->sha256, e->size) == 1) {
		rc = 0;                /* already there (another lesson): not ours to remove */
		goto out;
	}
	r = pb_store_adopt(s, tmp, e->sha256, serr, sizeof(serr));
	tmp[0] = '\0';                 /* adopt moved or removed it */
	if (r != PB_STORE_ADDED && r != PB_STORE_PRESENT) {
		snprintf(err, errlen, "'%s': %s", e->path, serr);
		goto out;
	}
	*added = r == PB_STORE_ADDED;
	rc = 0;
out:
	if (zf != NULL)
		zip_fclose(zf);
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}

int pb_html5_unpack(const struct pb_store *s, const char *zip_path, struct pb_html5_index *idx,
		    char *err, size_t errlen)
{
	unsigned char *buf = NULL, *added = NULL;
	zip_t *z;
	zip_error_t ze;
	int zerr = 0, rc = -1, i = 0;

	idx->n = 0;
	idx->e = NULL;
	z = zip_open(zip_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (z == NULL && zerr == ZIP_ER_EXISTS) {
		snprintf(err, errlen, "zip menyebut satu nama dua kali / names an entry twice");
		return -1;
	}
	if (z == NULL) {
		zip_error_init_with_code(&ze, zerr);
		snprintf(err, errlen, "bukan zip yang utuh / not a sound zip: %s",
			 zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return -1;
	}
	if (pb_html5_check(z, idx, err, errlen) != 0)
		goto out;
	buf = malloc(UNPACK_CHUNK);
	added = calloc((size_t)idx->n + 1, 1);
	if (buf == NULL || added == NULL) {
		snprintf(err, errlen, "memori habis / out of memory");
		goto out;
	}
	for (i = 0; i < idx->n; i++) {
		int a;

		if (unpack_one(s, z, &idx->e[i], buf, &a, err, errlen) != 0)
			goto out;
		added[i] = (unsigned char)a;
	}
	rc = 0;
out:
	if (rc != 0 && added != NULL)
		for (int k = 0; k < i; k++)
			if (added[k])
				(void)pb_store_remove(s, idx->e[k].sha256);
	if (rc != 0)
		pb_html5_free(idx);
	free(added);
	free(buf);
	zip_discard(z);
	return rc;
}

int pb_html5_install(sqlite3 *db, const struct pb_store *s, const char *zip_sha, char *err,
		     size_t errlen)
{
	struct pb_html5_index idx = { 0, NULL };
	char zip[PATH_MAX];
	int rc = -1;

	err[0] = '\0';
	if (pb_store_path(s, zip_sha, zip, sizeof(zip)) != 0) {
		snprintf(err, errlen, "not a SHA-256: %s", zip_sha);
		return -1;
	}
	if (pb_html5_unpack(s, zip, &idx, err, errlen) != 0)
		return -1;
	if (pb_db_begin(db) != 0)
		goto out;
	if (pb_html5_index_store(db, zip_sha, &idx) != 0 || pb_db_commit(db) != 0) {
		pb_db_rollback(db);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
	pb_html5_free(&idx);
	return rc;
}

int pb_html5_index_store(sqlite3 *db, const char *zip_sha, const struct pb_html5_index *idx)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db, "DELETE FROM html5_entry WHERE zip_sha256 = ?1")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, zip_sha, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	st = NULL;
	if ((st = pb_db_stmt(db,
			"INSERT INTO html5_entry(zip_sha256, path, sha256, size, mime) "
			"VALUES (?1,?2,?3,?4,?5)")) == NULL)
		goto out;
	for (int i = 0; i < idx->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, zip_sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, idx->e[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, idx->e[i].sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, idx->e[i].size);
		sqlite3_bind_text(st, 5, idx->e[i].mime, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

int pb_html5_lookup(sqlite3 *db, const char *zip_sha, const char *path, struct pb_html5_hit *out)
{
	/* every file a lesson page loads comes through here: a kept statement */
	sqlite3_stmt *st = pb_db_stmt(db,
		"SELECT e.sha256, e.mime, e.size FROM html5_entry e WHERE e.zip_sha256 = ?1 "
		"AND e.path = ?2 AND EXISTS (SELECT 1 FROM module_files f WHERE "
		"f.sha256 = e.zip_sha256 AND f.kind = '" PB_HTML5_KIND "')");
	int rc = -1, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, zip_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
	    sqlite3_column_type(st, 1) == SQLITE_TEXT) {
		snprintf(out->sha256, sizeof(out->sha256), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(out->mime, sizeof(out->mime), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		out->size = sqlite3_column_int64(st, 2);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

int pb_html5_url(const char *zip_sha, char *out, size_t len)
{
	int n = snprintf(out, len, PB_HTML5_URL_PREFIX "%s/" PB_HTML5_INDEX_PAGE, zip_sha);

	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}
