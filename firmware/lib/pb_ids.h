/* pb_ids: random identifiers and secrets (libsodium randomness). */
#ifndef PB_IDS_H
#define PB_IDS_H

#include <stddef.h>

#define PB_ID_HEX_LEN 32   /* 128-bit ids as hex, without NUL */

/* 128 random bits as 32 lowercase hex digits. */
void pb_id_new(char out[PB_ID_HEX_LEN + 1]);
/* 1 if s is such an id (32 lowercase hex digits), else 0; NULL gives 0. */
int pb_id_valid(const char *s);

/* A password of len characters from an alphabet without look-alikes. */
void pb_password_generate(char *out, size_t len);

#endif
