#include "pb_hash.h"

#include <stdio.h>

void pb_sha256_init(struct pb_sha256 *h)
{
	crypto_hash_sha256_init(&h->st);
}

void pb_sha256_update(struct pb_sha256 *h, const void *data, size_t len)
{
	crypto_hash_sha256_update(&h->st, data, len);
}

void pb_sha256_final_hex(struct pb_sha256 *h, char out[PB_SHA256_HEX_LEN + 1])
{
	unsigned char bin[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(&h->st, bin);
	sodium_bin2hex(out, PB_SHA256_HEX_LEN + 1, bin, sizeof(bin));
}

void pb_sha256_hex(const void *data, size_t len, char out[PB_SHA256_HEX_LEN + 1])
{
	struct pb_sha256 h;

	pb_sha256_init(&h);
	pb_sha256_update(&h, data, len);
	pb_sha256_final_hex(&h, out);
}

int pb_hex_valid(const char *s, size_t n)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

int pb_sha256_hex_valid(const char *s)
{
	return pb_hex_valid(s, PB_SHA256_HEX_LEN);
}

int pb_sha256_file(const char *path, char out[PB_SHA256_HEX_LEN + 1], int64_t *size)
{
	unsigned char buf[16384];
	struct pb_sha256 h;
	FILE *f = fopen(path, "rb");
	int64_t total = 0;
	size_t n;
	int rc;

	if (f == NULL)
		return -1;
	pb_sha256_init(&h);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		pb_sha256_update(&h, buf, n);
		total += (int64_t)n;
	}
	rc = ferror(f) ? -1 : 0;
	fclose(f);
	pb_sha256_final_hex(&h, out);
	if (size != NULL)
		*size = total;
	return rc;
}
