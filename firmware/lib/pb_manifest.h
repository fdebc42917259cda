/* pb_manifest: the module manifest that comes with content on a USB stick
 * (manifest.json) or from the hub's catalogue. Validation only: no I/O. */
#ifndef PB_MANIFEST_H
#define PB_MANIFEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_hash.h"

#define PB_MANIFEST_MAX_BYTES   (4 * 1024 * 1024)
#define PB_MANIFEST_MAX_MODULES 2000
#define PB_MODULE_MAX_FILES     64
#define PB_MODULE_ID_MAX        64
#define PB_MODULE_TITLE_MAX     200
#define PB_MODULE_SUBJECT_MAX   64
#define PB_MODULE_LEVEL_MAX     32
#define PB_MODULE_DESC_MAX      1000
#define PB_FILE_PATH_MAX        255
#define PB_MANIFEST_ERR_LEN     200
#define PB_FILE_KIND_MAX        8
#define PB_FILE_KIND_HTML5      "html5"   /* a lesson zip (pb_html5) */

struct pb_html5_index;

struct pb_module_file {
	char path[PB_FILE_PATH_MAX + 1];   /* relative to the manifest's folder */
	char name[PB_FILE_PATH_MAX + 1];   /* name shown and used for download */
	char sha256[PB_SHA256_HEX_LEN + 1];
	char mime[128];
	int64_t size;                      /* -1 when the manifest does not say */
	char kind[PB_FILE_KIND_MAX + 1];   /* "" or "html5": a lesson zip (pb_html5) */
	struct pb_html5_index *html5;      /* its index once unpacked, else NULL;
					    * owned by whoever unpacked it */
};

struct pb_module {
	char id[PB_MODULE_ID_MAX + 1];
	char title[PB_MODULE_TITLE_MAX * 4 + 1];  /* UTF-8: characters, not bytes */
	char kk;                                   /* 'A'..'J' */
	char subject[PB_MODULE_SUBJECT_MAX * 4 + 1];
	char level[PB_MODULE_LEVEL_MAX + 1];
	char description[PB_MODULE_DESC_MAX * 4 + 1];
	int nfiles;
	struct pb_module_file *files;              /* nfiles entries */
	char *learning;                            /* tests and worksheets as compact
						    * JSON (pb_learnspec), or NULL */
	char error[PB_MANIFEST_ERR_LEN];           /* non-empty: module is invalid */
};

struct pb_manifest {
	int nmodules;
	struct pb_module *modules;
};

/* Parse and validate. Returns 0 when the document is a manifest (modules
 * may still be individually invalid: see pb_module.error), -1 with err set
 * when it is not one at all. */
int pb_manifest_parse(const char *json, size_t len, struct pb_manifest *m,
		      char *err, size_t errlen);
void pb_manifest_free(struct pb_manifest *m);

/* 1 if a relative path is safe inside a folder: no "..", no absolute,
 * no NUL, no backslash, no empty component. */
int pb_manifest_path_safe(const char *path);

/* A text member of a manifest object: NULL when fine (*val then points at
 * it, "" when absent and not required), else what is wrong. At most
 * max_chars characters and max_bytes bytes, valid UTF-8 without control
 * characters but line breaks and tabs. */
const char *pb_manifest_text(json_t *obj, const char *key, long max_chars, size_t max_bytes,
			     int required, const char **val);

/* Count UTF-8 characters; -1 if not valid UTF-8. */
long pb_utf8_len(const char *s);

#endif
