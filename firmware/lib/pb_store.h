/* pb_store: the content store. Module files are kept by their SHA-256 as
 * DIR/ab/abcdef…; a file is written to DIR/tmp, synced, checked and renamed
 * into place, so a name in the store always holds the bytes it names. */
#ifndef PB_STORE_H
#define PB_STORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_hash.h"

#define PB_STORE_COPY_CHUNK (64 * 1024)

struct pb_store {
	char dir[PATH_MAX];
	/* Called after each chunk a long import copies (pb-sync pings its
	 * watchdog), NULL for none; pb_store_open clears it. */
	void (*tick)(void *arg);
	void *tick_arg;
};

enum pb_store_result {
	PB_STORE_ADDED = 0,     /* copied in */
	PB_STORE_PRESENT,       /* already there: nothing written */
	PB_STORE_ERR_IO,        /* cannot read the source or write the store */
	PB_STORE_ERR_HASH,      /* content does not match the expected hash */
	PB_STORE_ERR_NAME,      /* not a valid SHA-256 */
};

const char *pb_store_strerror(enum pb_store_result r);

/* Create the folders if needed. Returns 0/-1. */
int pb_store_open(struct pb_store *s, const char *dir);

/* Path of the object with this hash; -1 if hex is not a valid SHA-256. */
int pb_store_path(const struct pb_store *s, const char *hex, char *out, size_t len);

/* 1 if present with the given size (size < 0: any size). */
int pb_store_has(const struct pb_store *s, const char *hex, int64_t size);

/* Copy a file in, verifying it hashes to expect_hex. */
enum pb_store_result pb_store_import(const struct pb_store *s, const char *src,
				     const char *expect_hex, int64_t *size_out,
				     char *err, size_t errlen);

/* Move an already written temp file (inside s->dir/tmp) into place after
 * hashing it; used by downloads. */
enum pb_store_result pb_store_adopt(const struct pb_store *s, const char *tmp_path,
				    const char *expect_hex, char *err, size_t errlen);

/* Remove the object with this hash (retention). 0 removed, 1 it was not
 * there, -1 error (errno set). */
int pb_store_remove(const struct pb_store *s, const char *hex);

/* Open DIR/tmp/HEX.part to append the rest of a download of size bytes
 * (O_APPEND): *off is where it resumes, its length, or 0 when it was
 * longer than the file (then emptied). part gets its path. 0/-1 (errno). */
int pb_store_part_open(const struct pb_store *s, const char *hex, int64_t size, char *part,
		       size_t plen, int *fd, uint64_t *off);

/* Remove DIR/tmp/HEX.part (a download's part) if the object HEX is in the
 * store whole: a part the power cut left behind after its file was
 * placed (the rename out of tmp/ was not yet durable). 0 removed, 1
 * nothing to remove, -1 error. */
int pb_store_drop_part(const struct pb_store *s, const char *hex);

/* A fresh temp path inside the store (same file system as the objects). */
int pb_store_tmp_path(const struct pb_store *s, char *out, size_t len);

#endif
