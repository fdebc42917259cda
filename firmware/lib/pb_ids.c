#include "pb_ids.h"

#include <sodium.h>
#include <string.h>

void pb_id_new(char out[PB_ID_HEX_LEN + 1])
{
	unsigned char b[PB_ID_HEX_LEN / 2];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, PB_ID_HEX_LEN + 1, b, sizeof(b));
}

int pb_id_valid(const char *s)
{
	if (s == NULL || strlen(s) != PB_ID_HEX_LEN)
		return 0;
	for (int i = 0; i < PB_ID_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

void pb_password_generate(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}
