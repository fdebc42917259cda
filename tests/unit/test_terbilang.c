/* Unit tests: rupiah in words (pb_terbilang). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_terbilang.h"

static const struct {
	int64_t n;
	const char *words;
} known[] = {
	{ 0, "nol" },
	{ 1, "satu" },
	{ 9, "sembilan" },
	{ 10, "sepuluh" },
	{ 11, "sebelas" },
	{ 12, "dua belas" },
	{ 19, "sembilan belas" },
	{ 20, "dua puluh" },
	{ 21, "dua puluh satu" },
	{ 99, "sembilan puluh sembilan" },
	{ 100, "seratus" },
	{ 101, "seratus satu" },
	{ 111, "seratus sebelas" },
	{ 110, "seratus sepuluh" },
	{ 200, "dua ratus" },
	{ 999, "sembilan ratus sembilan puluh sembilan" },
	{ 1000, "seribu" },
	{ 1001, "seribu satu" },
	{ 1100, "seribu seratus" },
	{ 2000, "dua ribu" },
	{ 11000, "sebelas ribu" },
	{ 100000, "seratus ribu" },
	{ 101000, "seratus satu ribu" },
	{ 150000, "seratus lima puluh ribu" },
	{ 1000000, "satu juta" },
	{ 1001000, "satu juta seribu" },
	{ 1250500, "satu juta dua ratus lima puluh ribu lima ratus" },
	{ 10000000, "sepuluh juta" },
	{ 1000000000, "satu miliar" },
	{ 123456789012LL, "seratus dua puluh tiga miliar empat ratus lima puluh enam juta "
			  "tujuh ratus delapan puluh sembilan ribu dua belas" },
	{ 999999999999LL, "sembilan ratus sembilan puluh sembilan miliar sembilan ratus "
			  "sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan "
			  "ribu sembilan ratus sembilan puluh sembilan" },
	{ 1000000000000LL, "satu triliun" },
};

/* An independent reader of the words, to check many amounts both ways. */
static int64_t read_words(const char *s)
{
	char buf[PB_TERBILANG_LEN], *save = NULL, *tok;
	int64_t total = 0, group = 0, small = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		static const char *const digit[] = { "nol", "satu", "dua", "tiga", "empat", "lima",
						     "enam", "tujuh", "delapan", "sembilan" };
		int d = -1;
		for (int i = 0; i < 10; i++)
			if (strcmp(tok, digit[i]) == 0)
				d = i;
		if (d >= 0)
			small += d;
		else if (strcmp(tok, "sepuluh") == 0)
			small += 10;
		else if (strcmp(tok, "sebelas") == 0)
			small += 11;
		else if (strcmp(tok, "belas") == 0)
			small += 10;
		else if (strcmp(tok, "puluh") == 0)
			small *= 10;
		else if (strcmp(tok, "seratus") == 0)
			group += 100;
		else if (strcmp(tok, "ratus") == 0) {
			group += small * 100;
			small = 0;
		} else if (strcmp(tok, "seribu") == 0)
			total += 1000;
		else {
			int64_t scale = strcmp(tok, "ribu") == 0 ? 1000 :
					strcmp(tok, "juta") == 0 ? 1000000 :
					strcmp(tok, "miliar") == 0 ? 1000000000LL :
					strcmp(tok, "triliun") == 0 ? 1000000000000LL : -1;
			if (scale < 0)
				return -1;
			total += (group + small) * scale;
			group = small = 0;
		}
	}
	return total + group + small;
}

static void test_known(void **state)
{
	char out[PB_TERBILANG_LEN];
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_int_equal(pb_terbilang(known[i].n, out, sizeof(out)), 0);
		assert_string_equal(out, known[i].words);
	}
	assert_int_equal(pb_terbilang_rupiah(150000, out, sizeof(out)), 0);
	assert_string_equal(out, "seratus lima puluh ribu rupiah");
	assert_int_equal(pb_terbilang_rupiah(0, out, sizeof(out)), 0);
	assert_string_equal(out, "nol rupiah");
}

static void test_round_trip(void **state)
{
	char out[PB_TERBILANG_LEN];
	uint64_t x = 88172645463325252ULL;
	(void)state;
	for (int64_t n = 0; n <= 20000; n++) {
		assert_int_equal(pb_terbilang(n, out, sizeof(out)), 0);
		assert_true(read_words(out) == n);
	}
	/* amounts spread over every size up to hundreds of billions and beyond */
	for (int i = 0; i < 200000; i++) {
		int64_t n;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = (int64_t)(x % (uint64_t)(PB_TERBILANG_MAX + 1));
		n /= (int64_t)1 << (i % 48);             /* every magnitude */
		assert_int_equal(pb_terbilang(n, out, sizeof(out)), 0);
		assert_true(read_words(out) == n);
		/* "seribu" exactly when the thousands are one ("dua puluh satu ribu" is right) */
		assert_int_equal((n / 1000) % 1000 == 1, strstr(out, "seribu") != NULL);
		assert_null(strstr(out, "satu ratus"));
		assert_null(strstr(out, "satu puluh"));
		assert_null(strstr(out, "satu belas"));
		assert_null(strstr(out, "  "));
		assert_true(out[0] != ' ' && out[strlen(out) - 1] != ' ');
	}
	assert_int_equal(pb_terbilang(PB_TERBILANG_MAX, out, sizeof(out)), 0);
	assert_true(read_words(out) == PB_TERBILANG_MAX);
}

static void test_refused(void **state)
{
	char out[PB_TERBILANG_LEN], small[12];
	(void)state;
	assert_int_equal(pb_terbilang(-1, out, sizeof(out)), -1);
	assert_int_equal(pb_terbilang(PB_TERBILANG_MAX + 1, out, sizeof(out)), -1);
	assert_int_equal(pb_terbilang(1, NULL, 10), -1);
	assert_int_equal(pb_terbilang(150000, small, sizeof(small)), -1);  /* never cut short */
	assert_int_equal(pb_terbilang(12, small, sizeof(small)), 0);
	assert_string_equal(small, "dua belas");
	assert_int_equal(pb_terbilang_rupiah(12, small, sizeof(small)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
