/* pb_release: a box software release as the hub publishes it and a box
 * checks it (docs/updates.md): the manifest (format, version, notes, the
 * arm64 .deb set by name, SHA-256 and size) and its Ed25519 signature by
 * the release key, a key of its own (not the hub's TLS key, not a box
 * key). The signature covers the manifest text exactly as sent. Shared by
 * pb-hub (making one), pb-sync (fetching one) and pbctl (installing one). */
#ifndef PB_RELEASE_H
#define PB_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pb_hash.h"
#include "pb_proto.h"

#define PB_RELEASE_FORMAT       "pb-release-1"
#define PB_RELEASE_VERSION_MAX  32               /* bytes of a version: digits and dots */
#define PB_RELEASE_NOTES_MAX    2000             /* bytes of the notes */
#define PB_RELEASE_NAME_MAX     128              /* bytes of a .deb's file name */
#define PB_RELEASE_DEBS_MAX     16               /* .deb files in one release */
#define PB_RELEASE_DEB_MAX      (256LL << 20)    /* bytes of one .deb */
#define PB_RELEASE_MANIFEST_MAX (16 * 1024)      /* bytes of the manifest text */
#define PB_RELEASE_ERR_LEN      160

struct pb_release_deb {
	char name[PB_RELEASE_NAME_MAX + 1];
	char sha256[PB_SHA256_HEX_LEN + 1];
	int64_t size;
};

struct pb_release {
	char version[PB_RELEASE_VERSION_MAX + 1];
	char notes[PB_RELEASE_NOTES_MAX + 1];
	int ndebs;
	struct pb_release_deb debs[PB_RELEASE_DEBS_MAX];
};

/* 1 when v is a version: 1 to 4 dot-separated numbers ("1.4.0"). */
int pb_release_version_valid(const char *v);
/* Dotted versions compared number by number: <0, 0, >0. */
int pb_release_version_cmp(const char *a, const char *b);
/* 1 when name is a plain .deb file name ([A-Za-z0-9._+~-], ends .deb, no
 * leading dot). */
int pb_release_name_valid(const char *name);

/* The manifest text of r (malloc'd, NUL-terminated), NULL on failure. */
char *pb_release_manifest(const struct pb_release *r);
/* Parse and check a manifest text. 0, or -1 with err. */
int pb_release_parse(const char *text, size_t len, struct pb_release *r, char *err,
		     size_t errlen);
/* Check a signed release as the feed carries it ({"manifest": TEXT,
 * "signature": HEX}) against the trusted public key (hex): the signature
 * first, only then the manifest is read. 0, or -1 with err. */
int pb_release_open(const json_t *doc, const char *pk_hex, struct pb_release *r, char *err,
		    size_t errlen);

#endif
