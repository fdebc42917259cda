/* pb_html5: HTML5 lessons, a zip with index.html at its root, listed in a
 * module's manifest as a file of kind "html5". At import the zip is
 * checked as a whole (entries, sizes, compression ratio, names, types)
 * before anything is written; then every entry is copied into the content
 * store under its own SHA-256, and the lesson's index (path -> SHA-256,
 * size, media type) goes into the catalogue with the module. pb-web
 * serves an entry only by a path its index names: /h/ZIPSHA256/path. */
#ifndef PB_HTML5_H
#define PB_HTML5_H

#include <sqlite3.h>
#include <stdint.h>
#include <zip.h>

#include "pb_hash.h"
#include "pb_manifest.h"
#include "pb_store.h"

#define PB_HTML5_KIND            PB_FILE_KIND_HTML5
#define PB_HTML5_INDEX_PAGE      "index.html"
#define PB_HTML5_URL_PREFIX      "/h/"
#define PB_HTML5_MAX_ENTRIES     2000                  /* files in one lesson */
#define PB_HTML5_PATH_MAX        PB_FILE_PATH_MAX      /* bytes of a path in the zip */
#define PB_HTML5_MAX_ENTRY_BYTES (64LL * 1024 * 1024)  /* one file, unpacked */
#define PB_HTML5_MAX_TOTAL_BYTES (256LL * 1024 * 1024) /* the whole lesson, unpacked */
/* A zip bomb: an entry unpacking to more than this many times its packed
 * size. Small entries (below the floor) are not held to it: a short run
 * of spaces packs far better than that and harms nobody. */
#define PB_HTML5_MAX_RATIO       100
#define PB_HTML5_RATIO_FLOOR     (1024 * 1024)
#define PB_HTML5_MIME_MAX        128
#define PB_HTML5_INSTALL_MAX     16   /* lessons pb-sync unpacks in one round */

struct pb_html5_entry {
	char path[PB_HTML5_PATH_MAX + 1];
	char sha256[PB_SHA256_HEX_LEN + 1];     /* set by pb_html5_unpack */
	char mime[PB_HTML5_MIME_MAX];
	int64_t size;
	zip_uint64_t zindex;                    /* the entry's number in the zip */
};

struct pb_html5_index {
	int n;
	struct pb_html5_entry *e;               /* n entries, sorted by path */
};

/* Check an open zip against the limits and rules above and list its
 * files (folders are left out) in idx. 0, or -1 with a message in err
 * (Indonesian / English) and idx empty. Reads only the zip's directory. */
int pb_html5_check(zip_t *z, struct pb_html5_index *idx, char *err, size_t errlen);

/* Check the zip at zip_path and copy its files into the store, setting
 * each entry's SHA-256. 0, or -1 with err set; objects this call added
 * to the store are removed again, and idx is left empty. */
int pb_html5_unpack(const struct pb_store *s, const char *zip_path, struct pb_html5_index *idx,
		    char *err, size_t errlen);

void pb_html5_free(struct pb_html5_index *idx);

/* A lesson that reached the store after its module entered the
 * catalogue (from the hub): unpack the zip zip_sha and keep its index in
 * its own transaction. 0, or -1 with err set (nothing kept). */
int pb_html5_install(sqlite3 *db, const struct pb_store *s, const char *zip_sha, char *err,
		     size_t errlen);

/* Replace the index of the lesson zip_sha in the database (inside the
 * caller's transaction). 0/-1. */
int pb_html5_index_store(sqlite3 *db, const char *zip_sha, const struct pb_html5_index *idx);

struct pb_html5_hit {
	char sha256[PB_SHA256_HEX_LEN + 1];
	char mime[PB_HTML5_MIME_MAX];
	int64_t size;
};

/* The entry path of the lesson zip_sha, if a catalogued module has that
 * lesson: 0 found, 1 not, -1 database error. */
int pb_html5_lookup(sqlite3 *db, const char *zip_sha, const char *path, struct pb_html5_hit *out);

/* The lesson's address: /h/ZIPSHA256/index.html. 0/-1. */
int pb_html5_url(const char *zip_sha, char *out, size_t len);

#endif
