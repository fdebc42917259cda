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
	char a[PB_CODE_DIGITS + 1], b[PB_CODE_DIGITS + 1], cur[PB_CODE_DIGITS + 1];
	int64_t t = 1000LL * 60 * 500 + 10 * 1000;          /* 10 s into period 500 */
	int differ = 0;
	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	pb_code_secret_new(key);
	pb_code_secret_new(other);
	pb_code_for(key, 500, a);
	pb_code_for(key, 500, b);
	assert_string_equal(a, b);                         /* deterministic */
	assert_int_equal(strlen(a), 6);
	for (uint64_t n = 0; n < 20; n++) {
		pb_code_for(key, n, a);
		pb_code_for(other, n, b);
		differ += strcmp(a, b) != 0;
	}
	assert_true(differ >= 18);                         /* the key matters */
	assert_int_equal(pb_code_counter(t, 60), 500);
	assert_int_equal(pb_code_ms_left(t, 60), 50 * 1000);
	pb_code_for(key, 500, cur);
	assert_int_equal(pb_code_check(key, cur, t, 60, 30), PB_CODE_VALID);
	pb_code_for(key, 499, a);
	assert_int_equal(pb_code_check(key, a, t, 60, 30), PB_CODE_VALID);    /* in grace */
	assert_int_equal(pb_code_check(key, a, t, 60, 5), PB_CODE_EXPIRED);   /* past grace */
	pb_code_for(key, 495, a);
	assert_int_equal(pb_code_check(key, a, t, 60, 30), PB_CODE_EXPIRED);
	pb_code_for(key, 501, a);                          /* a future code is not valid */
	if (strcmp(a, cur) != 0)
		assert_int_not_equal(pb_code_check(key, a, t, 60, 30), PB_CODE_VALID);
	assert_int_equal(pb_code_check(key, "12345", t, 60, 30), PB_CODE_MALFORMED);
	assert_int_equal(pb_code_check(key, "12a456", t, 60, 30), PB_CODE_MALFORMED);
	assert_int_equal(pb_code_check(key, NULL, t, 60, 30), PB_CODE_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
