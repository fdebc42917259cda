#include "pb_ids.h"
#include "pb_hash.h"

#include <sodium.h>

void pb_id_new(char out[PB_ID_HEX_LEN + 1])
{
	unsigned char b[PB_ID_HEX_LEN / 2];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, PB_ID_HEX_LEN + 1, b, sizeof(b));
}

int pb_id_valid(const char *s)
{
	return pb_hex_valid(s, PB_ID_HEX_LEN);
}

void pb_password_generate(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}
