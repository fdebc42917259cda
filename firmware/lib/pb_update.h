/* pb_update: the software release a box holds on its data partition,
 * DATA/update/ (docs/updates.md): release.json (the manifest and its
 * signature, as the hub's feed sent them) and the release's .deb files,
 * each NAME.part while it comes and NAME once its SHA-256 matched. pb-sync
 * fills it; pbctl update checks and installs from it. Only one release is
 * kept: a newer one replaces the files of the older. */
#ifndef PB_UPDATE_H
#define PB_UPDATE_H

#include <stddef.h>

#include <jansson.h>

#include "pb_config.h"
#include "pb_release.h"

#define PB_UPDATE_SUBDIR       "update"
#define PB_UPDATE_RELEASE_FILE "release.json"
#define PB_UPDATE_DOC_MAX      (PB_RELEASE_MANIFEST_MAX + 1024)

/* DATA/update; 0, or -1 when too long. */
int pb_update_dir(const struct pb_config *cfg, char *out, size_t len);
/* The release kept in dir, its signature checked with pk_hex: 0, 1 when
 * none is kept, -1 with err (unreadable, or no longer verifies). */
int pb_update_load(const char *dir, const char *pk_hex, struct pb_release *r, char *err,
		   size_t errlen);
/* Keep doc (already checked into r) as the release of dir, made when
 * missing, and remove every file of another release. 0/-1 (errno). */
int pb_update_keep(const char *dir, const json_t *doc, const struct pb_release *r);
/* Remove the kept release and its files (once it is installed and
 * committed): 0/-1 (errno); a missing dir is empty. */
int pb_update_clear(const char *dir);
/* 1 when every .deb of r is in dir whole: its size, and its SHA-256 when
 * rehash (else trusted from when it was placed); 0 with err naming the
 * first that is not; -1 with err on a read error. */
int pb_update_complete(const char *dir, const struct pb_release *r, int rehash, char *err,
		       size_t errlen);

#endif
