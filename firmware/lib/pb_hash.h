/* pb_hash: SHA-256 (libsodium) as lowercase hex, for files and records. */
#ifndef PB_HASH_H
#define PB_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define PB_SHA256_HEX_LEN 64   /* without the terminating NUL */

struct pb_sha256 {
	crypto_hash_sha256_state st;
};

void pb_sha256_init(struct pb_sha256 *h);
void pb_sha256_update(struct pb_sha256 *h, const void *data, size_t len);
void pb_sha256_final_hex(struct pb_sha256 *h, char out[PB_SHA256_HEX_LEN + 1]);

/* One-shot over a buffer. */
void pb_sha256_hex(const void *data, size_t len, char out[PB_SHA256_HEX_LEN + 1]);

/* 1 if s is exactly n lowercase hex digits. */
int pb_hex_valid(const char *s, size_t n);

/* A whole file; size may be NULL. Returns 0/-1. */
int pb_sha256_file(const char *path, char out[PB_SHA256_HEX_LEN + 1], int64_t *size);

/* 1 if s is exactly 64 lowercase hex digits. */
int pb_sha256_hex_valid(const char *s);

#endif
