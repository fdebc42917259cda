/* pb_catalog: the module catalogue in the box database: modules and their
 * files (which live in the content store by SHA-256). */
#ifndef PB_CATALOG_H
#define PB_CATALOG_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_manifest.h"

#define PB_CATALOG_QUERY_MAX 100       /* characters of a search text */
#define PB_FILE_URL_MAX      1024
#define PB_CATALOG_PAGE_MAX  500       /* modules in one answer when paging */

enum pb_catalog_change {
	PB_CATALOG_UNCHANGED = 0,
	PB_CATALOG_ADDED,
	PB_CATALOG_UPDATED,
};

struct pb_catalog_filter {
	const char *kk;        /* "A".."J" or NULL */
	const char *subject;   /* exact subject or NULL */
	const char *q;         /* substring of title/subject/description or NULL */
	const char *id;        /* one module or NULL */
	long limit;            /* modules per answer, 0 = all */
	long offset;           /* modules to skip */
};

struct pb_file_info {
	char name[PB_FILE_PATH_MAX + 1];
	char mime[128];
	int64_t size;
};

/* Insert or replace a module and its file list (sizes must be set). */
int pb_catalog_upsert(sqlite3 *db, const struct pb_module *m, const char *source,
		      enum pb_catalog_change *change);

/* {"modules":[…], "count":N (in this answer), "total":N (matching),
 * "subjects":[…]}; NULL on a database error. */
json_t *pb_catalog_query(sqlite3 *db, const struct pb_catalog_filter *f);

/* Look a file up by hash: 0 found, 1 unknown, -1 error. */
int pb_catalog_file(sqlite3 *db, const char *sha256, struct pb_file_info *out);

/* A number that grows with every change to the catalogue (for caches);
 * -1 on error. */
int64_t pb_catalog_version(sqlite3 *db);

/* The URL a file is served at: /f/SHA256/percent-encoded-name. */
int pb_catalog_file_url(const char *sha256, const char *name, char *out, size_t len);

#endif
