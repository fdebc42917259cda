/* Unit tests: session codes (pb_code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_code.h"

static void test_code(void **state)
{
	unsigned char key[PB_CODE_SECRET_LEN], other[PB_CODE_SECRET_LEN];
	char a[PB_CODE_DIGITS_MAX + 1], b[PB_CODE_DIGITS_MAX + 1], cur[PB_CODE_DIGITS_MAX + 1];
	int64_t t = 1000LL * 60 * 500 + 10 * 1000;          /* 10 s into period 500 */
	int differ = 0;
	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	pb_code_secret_new(key);
	pb_code_secret_new(other);
	pb_code_for(key, 500, PB_CODE_DIGITS, a);
	pb_code_for(key, 500, PB_CODE_DIGITS, b);
	assert_string_equal(a, b);                         /* deterministic */
	assert_int_equal(strlen(a), 6);
	for (uint64_t n = 0; n < 20; n++) {
		pb_code_for(key, n, PB_CODE_DIGITS, a);
		pb_code_for(other, n, PB_CODE_DIGITS, b);
		differ += strcmp(a, b) != 0;
	}
	assert_true(differ >= 18);                         /* the key matters */
	assert_int_equal(pb_code_counter(t, 60), 500);
	assert_int_equal(pb_code_ms_left(t, 60), 50 * 1000);
	pb_code_for(key, 500, PB_CODE_DIGITS, cur);
	assert_int_equal(pb_code_check(key, cur, t, 60, 30, PB_CODE_DIGITS), PB_CODE_VALID);
	pb_code_for(key, 499, PB_CODE_DIGITS, a);
	assert_int_equal(pb_code_check(key, a, t, 60, 30, PB_CODE_DIGITS), PB_CODE_VALID);
	/* ... in grace, not past it */
	assert_int_equal(pb_code_check(key, a, t, 60, 5, PB_CODE_DIGITS), PB_CODE_EXPIRED);
	pb_code_for(key, 495, PB_CODE_DIGITS, a);
	assert_int_equal(pb_code_check(key, a, t, 60, 30, PB_CODE_DIGITS), PB_CODE_EXPIRED);
	pb_code_for(key, 501, PB_CODE_DIGITS, a);        /* a future code is not valid */
	if (strcmp(a, cur) != 0)
		assert_int_not_equal(pb_code_check(key, a, t, 60, 30, PB_CODE_DIGITS), PB_CODE_VALID);
	assert_int_equal(pb_code_check(key, "12345", t, 60, 30, PB_CODE_DIGITS), PB_CODE_MALFORMED);
	assert_int_equal(pb_code_check(key, "12a456", t, 60, 30, PB_CODE_DIGITS), PB_CODE_MALFORMED);
	assert_int_equal(pb_code_check(key, NULL, t, 60, 30, PB_CODE_DIGITS), PB_CODE_MALFORMED);
}

/* Long codes (guessing suspected): 9 digits, the same periods and grace,
 * and nothing in common with the short code of the same period. */
static void test_long_code(void **state)
{
	unsigned char key[PB_CODE_SECRET_LEN];
	char l[PB_CODE_DIGITS_MAX + 1], s[PB_CODE_DIGITS_MAX + 1];
	int64_t t = 1000LL * 60 * 500 + 10 * 1000;
	int same_tail = 0;
	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	pb_code_secret_new(key);
	pb_code_for(key, 500, PB_CODE_LONG_DIGITS, l);
	pb_code_for(key, 500, PB_CODE_DIGITS, s);
	assert_int_equal(strlen(l), 9);
	assert_int_equal(pb_code_check(key, l, t, 60, 30, PB_CODE_LONG_DIGITS), PB_CODE_VALID);
	/* a code of the other length is malformed, not valid */
	assert_int_equal(pb_code_check(key, s, t, 60, 30, PB_CODE_LONG_DIGITS), PB_CODE_MALFORMED);
	assert_int_equal(pb_code_check(key, l, t, 60, 30, PB_CODE_DIGITS), PB_CODE_MALFORMED);
	assert_int_equal(pb_code_check(key, l, t, 60, 30, 7), PB_CODE_MALFORMED);
	pb_code_for(key, 499, PB_CODE_LONG_DIGITS, l);
	assert_int_equal(pb_code_check(key, l, t, 60, 30, PB_CODE_LONG_DIGITS), PB_CODE_VALID);
	assert_int_equal(pb_code_check(key, l, t, 60, 5, PB_CODE_LONG_DIGITS), PB_CODE_EXPIRED);
	for (uint64_t n = 0; n < 1000; n++) {
		pb_code_for(key, n, PB_CODE_LONG_DIGITS, l);
		pb_code_for(key, n, PB_CODE_DIGITS, s);
		same_tail += strcmp(l + 3, s) == 0 || strncmp(l, s, 6) == 0;
	}
	assert_true(same_tail <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_long_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
