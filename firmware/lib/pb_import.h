/* pb_import: a module folder (manifest.json and the files it names)
 * installed into the content store and the catalogue. */
#ifndef PB_IMPORT_H
#define PB_IMPORT_H

#include <sqlite3.h>
#include <stdio.h>

#include "pb_store.h"

#define PB_IMPORT_MANIFEST "manifest.json"

struct pb_import_tally {
	int added, updated, unchanged, refused;   /* modules */
	int copied, present, failed;              /* files */
	int files_total, files_done;              /* files of the modules read well */
};

/* Called after each file: done of total. */
typedef void (*pb_import_progress_fn)(void *arg, int done, int total);

/* Import DIR/manifest.json's modules; a line per module and file goes to
 * out. 0 when everything was imported, 1 when something was refused, -1
 * when the folder has no readable manifest. tally may be NULL. */
int pb_import_folder(sqlite3 *db, const struct pb_store *st, const char *dir, FILE *out,
		     pb_import_progress_fn fn, void *arg, struct pb_import_tally *tally);

#endif
