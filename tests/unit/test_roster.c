/* Unit tests: NUPTK checks, text checks and masking (pb_roster). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_roster.h"

static void test_nuptk(void **state)
{
	(void)state;
	assert_true(pb_nuptk_valid("1234567890123456"));
	assert_false(pb_nuptk_valid("123456789012345"));      /* 15 */
	assert_false(pb_nuptk_valid("12345678901234567"));    /* 17 */
	assert_false(pb_nuptk_valid("12345678901234a6"));
	assert_false(pb_nuptk_valid(" 234567890123456"));
	assert_false(pb_nuptk_valid("１234567890123456"));     /* full-width digit */
	assert_false(pb_nuptk_valid(""));
	assert_false(pb_nuptk_valid(NULL));
}

static void test_mask(void **state)
{
	char out[PB_MASK_MAX];
	(void)state;
	pb_mask_name("Budi Santoso", out, sizeof(out));
	assert_string_equal(out, "Budi S\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
	pb_mask_name("  Siti   Ñurhaliza Putri ", out, sizeof(out));
	assert_string_equal(out, "Siti \xc3\x91\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 "
			    "P\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
	pb_mask_name("Sukarno", out, sizeof(out));
	assert_string_equal(out, "Sukarno");
	pb_mask_school("SMPN 2 Kota Malang", out, sizeof(out));
	assert_string_equal(out, "SMPN 2 \xe2\x80\xa6");
	pb_mask_school("SDN 5", out, sizeof(out));
	assert_string_equal(out, "SDN 5");
	pb_mask_name("Budi Santoso", out, 6);                 /* never overflows */
	assert_true(strlen(out) < 6);
}

static void test_text_valid(void **state)
{
	(void)state;
	assert_true(pb_text_valid("Budi <b>", 100));
	assert_false(pb_text_valid("a\nb", 100));
	assert_false(pb_text_valid("\xc3\x28", 100));          /* bad UTF-8 */
	assert_false(pb_text_valid("\xc0\xaf", 100));          /* overlong */
	assert_false(pb_text_valid("abcdef", 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nuptk),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_text_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
