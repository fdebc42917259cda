/* pb_import: a module folder (manifest.json and its files: a USB stick,
 * the hub's export-content folder, the demo) installed into the content
 * store and the catalogue; pbctl content import and pb-sync's stick jobs. */
#include "pb_import.h"

#include "pb_catalog.h"
#include "pb_html5.h"
#include "pb_manifest.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(buf);
		snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Unpack the lesson zip f (already in the store) into the store and keep
 * its index in f->html5; if refused, the zip leaves the store again when
 * this import put it there (zip_added). 0/-1, said on out. */
static int import_lesson(const struct pb_store *st, struct pb_module_file *f, int zip_added, FILE *out)
{
	char zip[PATH_MAX], err[256];
	struct pb_html5_index *idx = calloc(1, sizeof(*idx));

	if (idx == NULL || pb_store_path(st, f->sha256, zip, sizeof(zip)) != 0 ||
	    pb_html5_unpack(st, zip, idx, err, sizeof(err)) != 0) {
		fprintf(out, "  ! %s: DITOLAK / REFUSED: pelajaran HTML5 / HTML5 lesson: %s\n",
			f->path, idx != NULL ? err : "memori habis / out of memory");
		free(idx);
		if (zip_added)
			(void)pb_store_remove(st, f->sha256);
		return -1;
	}
	fprintf(out, "    pelajaran HTML5 / HTML5 lesson: %d berkas / files\n", idx->n);
	f->html5 = idx;
	return 0;
}

/* The lesson indexes import_lesson made for m. */
static void free_lessons(struct pb_module *m)
{
	for (int i = 0; i < m->nfiles; i++) {
		pb_html5_free(m->files[i].html5);
		free(m->files[i].html5);
		m->files[i].html5 = NULL;
	}
}

/* Copy one module's files in; 0 when all are in the store. */
static int import_files(const struct pb_store *st, const char *dir, struct pb_module *m,
			struct pb_import_tally *t, FILE *out, pb_import_progress_fn fn, void *arg)
{
	char src[PATH_MAX], err[256];
	int ok = 1;

	for (int i = 0; i < m->nfiles; i++) {
		struct pb_module_file *f = &m->files[i];
		int64_t size = 0;
		enum pb_store_result r;

		snprintf(src, sizeof(src), "%s/%s", dir, f->path);
		r = pb_store_import(st, src, f->sha256, &size, err, sizeof(err));
		if (r == PB_STORE_ADDED || r == PB_STORE_PRESENT) {
			if (f->size >= 0 && f->size != size) {
				fprintf(out, "  ! %s: GAGAL: ukuran %lld, manifest %lld\n",
					f->path, (long long)size, (long long)f->size);
				t->failed++;
				ok = 0;
				continue;
			}
			f->size = size;
			fprintf(out, "  %c %s  %lld B  %s\n", r == PB_STORE_ADDED ? '+' : '=',
				f->path, (long long)size,
				r == PB_STORE_ADDED ? "disalin / copied" : "sudah ada / present");
			if (strcmp(f->kind, PB_HTML5_KIND) == 0 &&
			    import_lesson(st, f, r == PB_STORE_ADDED, out) != 0) {
				t->failed++;
				ok = 0;
				continue;
			}
			if (r == PB_STORE_ADDED)
				t->copied++;
			else
				t->present++;
		} else {
			fprintf(out, "  ! %s: GAGAL / FAILED: %s%s%s\n", f->path,
				r == PB_STORE_ERR_HASH ? "SHA-256 tidak cocok / hash mismatch: " : "",
				err, "");
			t->failed++;
			ok = 0;
		}
		fflush(out);
		t->files_done++;
		if (fn != NULL)
			fn(arg, t->files_done, t->files_total);
	}
	return ok ? 0 : -1;
}

int pb_import_folder(sqlite3 *db, const struct pb_store *st, const char *dir, FILE *out,
		     pb_import_progress_fn fn, void *arg, struct pb_import_tally *tally)
{
	struct pb_manifest man;
	struct pb_import_tally t;
	char path[PATH_MAX], err[256];
	char *json;
	size_t len = 0;

	memset(&t, 0, sizeof(t));
	snprintf(path, sizeof(path), "%s/%s", dir, PB_IMPORT_MANIFEST);
	json = read_file(path, PB_MANIFEST_MAX_BYTES, &len, err, sizeof(err));
	if (json == NULL) {
		fprintf(out, "GAGAL: %s\n", err);
		return -1;
	}
	if (pb_manifest_parse(json, len, &man, err, sizeof(err)) != 0) {
		free(json);
		fprintf(out, "GAGAL: %s: %s\n", path, err);
		return -1;
	}
	free(json);
	fprintf(out, "%s: %d modul\n", path, man.nmodules);
	for (int i = 0; i < man.nmodules; i++)
		if (man.modules[i].error[0] == '\0')
			t.files_total += man.modules[i].nfiles;
	if (fn != NULL)
		fn(arg, 0, t.files_total);
	for (int i = 0; i < man.nmodules; i++) {
		struct pb_module *m = &man.modules[i];
		enum pb_catalog_change ch;

		if (m->error[0] != '\0') {
			fprintf(out, "modul #%d %s: DITOLAK / REFUSED: %s\n", i + 1, m->id, m->error);
			t.refused++;
			continue;
		}
		fprintf(out, "modul %s — %s (KK %c, %s, %s)\n", m->id, m->title, m->kk,
			m->subject, m->level);
		if (import_files(st, dir, m, &t, out, fn, arg) != 0) {
			fprintf(out, "modul %s: DITOLAK / REFUSED: berkas gagal\n", m->id);
			free_lessons(m);
			t.refused++;
			continue;
		}
		if (pb_catalog_upsert(db, m, "usb", &ch) != 0) {
			fprintf(out, "modul %s: GAGAL: basis data: %s\n", m->id, sqlite3_errmsg(db));
			free_lessons(m);
			t.refused++;
			continue;
		}
		free_lessons(m);
		if (ch == PB_CATALOG_ADDED)
			t.added++;
		else if (ch == PB_CATALOG_UPDATED)
			t.updated++;
		else
			t.unchanged++;
	}
	fprintf(out, "ringkasan / summary: %d baru, %d diperbarui, %d tidak berubah, "
		"%d ditolak; berkas: %d disalin, %d sudah ada, %d gagal\n",
		t.added, t.updated, t.unchanged, t.refused, t.copied, t.present, t.failed);
	pb_manifest_free(&man);
	if (tally != NULL)
		*tally = t;
	return t.refused > 0 ? 1 : 0;
}
