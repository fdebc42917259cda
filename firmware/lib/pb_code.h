/* pb_code: the session code a facilitator shows and teachers type in.
 *
 * code = 6 digits of HMAC-SHA-512/256 (libsodium crypto_auth) keyed with
 * the session's secret over the period counter, a big-endian 64-bit
 * number. The counter comes from the box's monotonic clock (seconds since
 * boot / period), never from a phone or the wall clock. The code of the
 * period before stays valid for a grace window after it changes. */
#ifndef PB_CODE_H
#define PB_CODE_H

#include <sodium.h>
#include <stdint.h>

#define PB_CODE_DIGITS      6
#define PB_CODE_SECRET_LEN  crypto_auth_KEYBYTES
#define PB_CODE_OLD_PERIODS 10   /* codes this many periods old are "expired", not "wrong" */

enum pb_code_check {
	PB_CODE_VALID = 0,
	PB_CODE_EXPIRED,          /* an older code of this session */
	PB_CODE_WRONG,
	PB_CODE_MALFORMED,        /* not six digits */
};

void pb_code_secret_new(unsigned char secret[PB_CODE_SECRET_LEN]);

/* The code for one counter value, as 6 digits + NUL. */
void pb_code_for(const unsigned char secret[PB_CODE_SECRET_LEN], uint64_t counter,
		 char out[PB_CODE_DIGITS + 1]);

/* Counter and ms until the next change for a monotonic time. */
uint64_t pb_code_counter(int64_t mono_ms, unsigned period_s);
int64_t pb_code_ms_left(int64_t mono_ms, unsigned period_s);

/* Check a typed code at monotonic time mono_ms. */
enum pb_code_check pb_code_check(const unsigned char secret[PB_CODE_SECRET_LEN],
				 const char *typed, int64_t mono_ms, unsigned period_s,
				 unsigned grace_s);

#endif
