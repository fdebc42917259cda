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

/* A teacher's key: a NUPTK as typed, or a participant number. */
static void test_person_key(void **state)
{
	char key[PB_NUPTK_LEN + 1], n[PB_NUPTK_LEN + 1], p[PB_NO_PESERTA_MAX + 1];
	char long_typed[PB_PERSON_TYPED_MAX + 2];
	(void)state;
	assert_int_equal(pb_person_key("3273 0100-0000.0005", key), 0);
	assert_string_equal(key, "3273010000000005");
	assert_false(pb_person_is_peserta(key));
	assert_int_equal(pb_person_key(" ppg-2024/ 0007", key), 0);
	assert_string_equal(key, "#PPG-2024/0007##");
	assert_true(pb_person_is_peserta(key) && pb_person_valid(key));
	pb_person_split(key, n, p);
	assert_string_equal(n, "");
	assert_string_equal(p, "PPG-2024/0007");
	assert_int_equal(pb_person_key("123456789012345", key), 0);   /* 15 characters */
	assert_string_equal(key, "#123456789012345");
	pb_person_split(key, n, p);
	assert_string_equal(p, "123456789012345");
	assert_int_equal(pb_person_key("1234567890ABCDEF", key), -1); /* 16 */
	assert_int_equal(pb_person_key("AB#1", key), -1);
	assert_int_equal(pb_person_key("A\xc3\x91", key), -1);
	assert_int_equal(pb_person_key("", key), -1);
	assert_int_equal(pb_person_key("  ", key), -1);
	assert_int_equal(pb_person_key(NULL, key), -1);
	memset(long_typed, ' ', sizeof(long_typed) - 2);
	long_typed[sizeof(long_typed) - 2] = '1';
	long_typed[sizeof(long_typed) - 1] = '\0';
	assert_int_equal(pb_person_key(long_typed, key), -1);
	/* keys that are neither */
	assert_false(pb_person_valid("#ABC#D##########"));
	assert_false(pb_person_valid("################"));
	assert_false(pb_person_valid("#ABC"));
	assert_false(pb_person_valid(NULL));
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
		cmocka_unit_test(test_person_key),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_text_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
