#include "pb_code.h"

#include <stdio.h>
#include <string.h>

void pb_code_secret_new(unsigned char secret[PB_CODE_SECRET_LEN])
{
	crypto_auth_keygen(secret);
}

void pb_code_for(const unsigned char secret[PB_CODE_SECRET_LEN], uint64_t counter,
		 unsigned digits, char out[PB_CODE_DIGITS_MAX + 1])
{
	unsigned char msg[9], mac[crypto_auth_BYTES];
	unsigned off;

	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (digits != PB_CODE_LONG_DIGITS) {
		uint32_t v;
		crypto_auth(mac, msg, 8, secret);
		/* dynamic truncation as in RFC 4226 */
		off = mac[crypto_auth_BYTES - 1] & 0x0f;
		v = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		    ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
		snprintf(out, PB_CODE_DIGITS_MAX + 1, "%06u", (unsigned)(v % 1000000u));
		return;
	}
	/* a long code: its own message, and 63 bits so that every code of
	 * 10^9 is as likely as any other */
	msg[8] = (unsigned char)digits;
	crypto_auth(mac, msg, sizeof(msg), secret);
	off = mac[crypto_auth_BYTES - 1] & 0x0f;
	{
		uint64_t v = mac[off] & 0x7f;
		for (unsigned i = 1; i < 8; i++)
			v = (v << 8) | mac[off + i];
		snprintf(out, PB_CODE_DIGITS_MAX + 1, "%09llu",
			 (unsigned long long)(v % 1000000000ull));
	}
}

uint64_t pb_code_counter(int64_t mono_ms, unsigned period_s)
{
	if (mono_ms < 0 || period_s == 0)
		return 0;
	return (uint64_t)mono_ms / ((uint64_t)period_s * 1000u);
}

int64_t pb_code_ms_left(int64_t mono_ms, unsigned period_s)
{
	int64_t p = (int64_t)period_s * 1000;

	if (mono_ms < 0 || p == 0)
		return 0;
	return p - mono_ms % p;
}

static int all_digits(const char *s, unsigned n)
{
	if (s == NULL || strlen(s) != n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

enum pb_code_check pb_code_check(const unsigned char secret[PB_CODE_SECRET_LEN],
				 const char *typed, int64_t mono_ms, unsigned period_s,
				 unsigned grace_s, unsigned digits)
{
	char want[PB_CODE_DIGITS_MAX + 1];
	uint64_t now = pb_code_counter(mono_ms, period_s);
	int64_t into = (int64_t)period_s * 1000 - pb_code_ms_left(mono_ms, period_s);

	if ((digits != PB_CODE_DIGITS && digits != PB_CODE_LONG_DIGITS) || !all_digits(typed, digits))
		return PB_CODE_MALFORMED;
	pb_code_for(secret, now, digits, want);
	if (sodium_memcmp(want, typed, digits) == 0)
		return PB_CODE_VALID;
	for (uint64_t k = 1; k <= PB_CODE_OLD_PERIODS && k <= now; k++) {
		pb_code_for(secret, now - k, digits, want);
		if (sodium_memcmp(want, typed, digits) != 0)
			continue;
		/* the previous code, within grace after the change */
		if (k == 1 && into <= (int64_t)grace_s * 1000)
			return PB_CODE_VALID;
		return PB_CODE_EXPIRED;
	}
	return PB_CODE_WRONG;
}
