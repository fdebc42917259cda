/* pb_code: the session code a facilitator shows and teachers type in.
 *
 * code = 6 digits of HMAC-SHA-512/256 (libsodium crypto_auth) keyed with
 * the session's secret over the period counter, a big-endian 64-bit
 * number. While guessing is suspected the box shows long codes instead
 * (PB_CODE_LONG_DIGITS, web/guard.c): the MAC over the counter followed
 * by the number of digits, so a long code says nothing about a short one. The counter comes from the box's monotonic clock (seconds since
 * boot / period), never from a phone or the wall clock. The code of the
 * period before stays valid for a grace window after it changes. */
#ifndef PB_CODE_H
#define PB_CODE_H

#include <sodium.h>
#include <stdint.h>

#define PB_CODE_DIGITS      6    /* a session code normally */
#define PB_CODE_LONG_DIGITS 9    /* while wrong codes pour in (web/guard.c) */
#define PB_CODE_DIGITS_MAX  PB_CODE_LONG_DIGITS
#define PB_CODE_SECRET_LEN  crypto_auth_KEYBYTES
#define PB_CODE_OLD_PERIODS 10   /* codes this many periods old are "expired", not "wrong" */

enum pb_code_check {
	PB_CODE_VALID = 0,
	PB_CODE_EXPIRED,          /* an older code of this session */
	PB_CODE_WRONG,
	PB_CODE_MALFORMED,        /* not `digits` digits */
};

void pb_code_secret_new(unsigned char secret[PB_CODE_SECRET_LEN]);

/* The code for one counter value, as `digits` digits (PB_CODE_DIGITS or
 * PB_CODE_LONG_DIGITS) + NUL. */
void pb_code_for(const unsigned char secret[PB_CODE_SECRET_LEN], uint64_t counter,
		 unsigned digits, char out[PB_CODE_DIGITS_MAX + 1]);

/* Counter and ms until the next change for a monotonic time. */
uint64_t pb_code_counter(int64_t mono_ms, unsigned period_s);
int64_t pb_code_ms_left(int64_t mono_ms, unsigned period_s);

/* Check a typed code of `digits` digits at monotonic time mono_ms. */
enum pb_code_check pb_code_check(const unsigned char secret[PB_CODE_SECRET_LEN],
				 const char *typed, int64_t mono_ms, unsigned period_s,
				 unsigned grace_s, unsigned digits);

#endif
