/* Unit tests: the rate table reader (pb_rates) and claim pricing
 * (pb_claims): amounts, places, per-line reports, duplicates, limits,
 * flat and at-cost prices, the 100x refusal, receipt magic bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_claims.h"
#include "pb_rates.h"

static void test_amount_parse(void **state)
{
	int64_t v = -1;
	(void)state;
	assert_int_equal(pb_amount_parse("150000", &v), PB_AMOUNT_OK);
	assert_true(v == 150000);
	assert_int_equal(pb_amount_parse(" 0 ", &v), PB_AMOUNT_OK);
	assert_true(v == 0);
	assert_int_equal(pb_amount_parse("000000000000000007", &v), PB_AMOUNT_OK);
	assert_true(v == 7);
	assert_int_equal(pb_amount_parse("999999999999", &v), PB_AMOUNT_OK);
	assert_true(v == 999999999999LL);
	assert_int_equal(pb_amount_parse("1000000000000", &v), PB_AMOUNT_TOO_LARGE);
	assert_int_equal(pb_amount_parse("99999999999999999999999", &v), PB_AMOUNT_TOO_LARGE);
	assert_int_equal(pb_amount_parse("-5", &v), PB_AMOUNT_NEGATIVE);
	assert_int_equal(pb_amount_parse("12.5", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("150.000", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("150,000", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("1e5", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("+5", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("Rp5000", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("1 000", &v), PB_AMOUNT_NOT_INTEGER);
	assert_int_equal(pb_amount_parse("", &v), PB_AMOUNT_EMPTY);
	assert_int_equal(pb_amount_parse("   ", &v), PB_AMOUNT_EMPTY);
	assert_int_equal(pb_amount_parse(NULL, &v), PB_AMOUNT_EMPTY);
}

static void test_place_and_rupiah(void **state)
{
	char out[PB_RATE_PLACE_MAX + 1], big[300], rp[40];
	(void)state;
	assert_int_equal(pb_place_normalise("  Kota   malang ", out, sizeof(out)), 0);
	assert_string_equal(out, "KOTA MALANG");
	assert_int_equal(pb_place_normalise("   ", out, sizeof(out)), -1);
	assert_int_equal(pb_place_normalise("a\x01b", out, sizeof(out)), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pb_place_normalise(big, out, sizeof(out)), -1);
	pb_rupiah(0, rp, sizeof(rp));
	assert_string_equal(rp, "Rp 0");
	pb_rupiah(150000, rp, sizeof(rp));
	assert_string_equal(rp, "Rp 150.000");
	pb_rupiah(1234567, rp, sizeof(rp));
	assert_string_equal(rp, "Rp 1.234.567");
	pb_rupiah(INT64_MAX, rp, sizeof(rp));
	assert_string_equal(rp, "Rp 9.223.372.036.854.775.807");
	pb_rupiah(-999, rp, sizeof(rp));
	assert_string_equal(rp, "-Rp 999");
}

/* The status of one line in a report. */
static const char *line_error(const json_t *rep, int line)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(rep, "lines"), i, l)
		if (json_integer_value(json_object_get(l, "line")) == line) {
			const char *e = json_string_value(json_object_get(l, "error"));
			return e != NULL ? e : "ok";
		}
	return "missing";
}

static void test_parse_good(void **state)
{
	const char *csv = "\xEF\xBB\xBFTahun,Provinsi,Item,Asal,Jumlah\r\n"
			  "2026,Jawa Timur,uang_harian,,150000\r\n"
			  "\r\n"
			  "2026,jawa timur,TRANSPORT,Kota Malang,100000\r\n"
			  "2026,Jawa Timur,transport,Kabupaten Malang,150000\r\n"
			  "2026,Jawa Timur,transport,Kota Batu,0\r\n"
			  "2027,Jawa Timur,uang_harian,,160000\r\n";
	struct pb_rate_row *rows = NULL;
	size_t n = 0;
	json_t *rep = NULL;
	(void)state;
	assert_int_equal(pb_rates_parse(csv, strlen(csv), &rows, &n, &rep), PB_RATES_OK);
	assert_int_equal(n, 5);
	assert_int_equal(rows[1].item, PB_ITEM_TRANSPORT);
	assert_string_equal(rows[1].province, "JAWA TIMUR");
	assert_string_equal(rows[1].origin, "KOTA MALANG");
	assert_true(rows[3].amount == 0);
	assert_int_equal(rows[1].line, 4);
	assert_int_equal(json_integer_value(json_object_get(rep, "accepted")), 5);
	assert_string_equal(line_error(rep, 7), "ok");
	free(rows);
	json_decref(rep);
}

static void test_parse_bad_lines(void **state)
{
	const char *csv = "tahun;provinsi;item;asal;jumlah\n"
			  "2026;Jawa Timur;uang_harian;;150000\n"     /* 2 ok */
			  "2026;Jawa Timur;uang_makan;;-1\n"         /* 3 */
			  "2026;Jawa Timur;uang_makan;;1.5\n"        /* 4 */
			  "2026;Jawa Timur;uang_makan;;0\n"          /* 5 */
			  "2026;Jawa Timur;sangu;;1000\n"            /* 6 */
			  "2026;JAWA TIMUR;uang_harian;;150000\n"    /* 7 duplicate of 2 */
			  "2026;Jawa Timur;uang_harian;;5000001\n"   /* 8 over the named max */
			  "1999;Jawa Timur;uang_makan;;1000\n"       /* 9 */
			  ";Jawa Timur;uang_makan;;1000\n"           /* 10 */
			  "2026;;uang_makan;;1000\n"                 /* 11 */
			  "2026;Jawa Timur;uang_makan;Kota Batu;1000\n" /* 12 */
			  "2026;Jawa Timur;transport;;1000\n"        /* 13 */
			  "2026;Jawa Timur;penginapan;;\n"           /* 14 */
			  "2026;\"Jawa \"Timur;penginapan;;1000\n"   /* 15 bad quote */
			  "2026;Jawa Timur;penginapan;;300000\n";    /* 16 ok */
	struct pb_rate_row *rows = (struct pb_rate_row *)1;
	size_t n = 99;
	json_t *rep = NULL;
	(void)state;
	assert_int_equal(pb_rates_parse(csv, strlen(csv), &rows, &n, &rep), PB_RATES_REJECTED);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_string_equal(line_error(rep, 2), "ok");
	assert_string_equal(line_error(rep, 3), "amount_negative");
	assert_string_equal(line_error(rep, 4), "amount_not_integer");
	assert_string_equal(line_error(rep, 5), "amount_zero");
	assert_string_equal(line_error(rep, 6), "unknown_item");
	assert_string_equal(line_error(rep, 7), "duplicate");
	assert_string_equal(line_error(rep, 8), "amount_absurd");
	assert_string_equal(line_error(rep, 9), "bad_year");
	assert_string_equal(line_error(rep, 10), "bad_year");
	assert_string_equal(line_error(rep, 11), "bad_province");
	assert_string_equal(line_error(rep, 12), "origin_not_allowed");
	assert_string_equal(line_error(rep, 13), "origin_required");
	assert_string_equal(line_error(rep, 14), "amount_missing");
	assert_string_equal(line_error(rep, 15), "unreadable");
	assert_string_equal(line_error(rep, 16), "ok");
	assert_int_equal(json_integer_value(json_object_get(rep, "accepted")), 2);
	assert_int_equal(json_integer_value(json_object_get(rep, "rejected")), 13);
	json_decref(rep);
}

/* The SBM's own split: kinds of uang_harian, konsumsi, the legal basis. */
static void test_parse_kinds_and_dasar(void **state)
{
	const char *csv = "Tahun,Provinsi,Item,Jenis,Asal,Jumlah,Dasar\n"
			  "2026,Jawa Timur,uang_harian,luar_kota,,410000,PMK 39 Tahun 2024\n" /* 2 */
			  "2026,Jawa Timur,uang_harian,dalam_kota_8jam,,160000,\n"             /* 3 */
			  "2026,Jawa Timur,uang_harian,,,110000,PMK 39 Tahun 2024\n"           /* 4 diklat */
			  "2026,Jawa Timur,Konsumsi,,,50000,\n"                                /* 5 */
			  "2026,Jawa Timur,transport,,Kota Batu,150000,\n";                   /* 6 */
	const char *bad = "tahun,provinsi,item,jenis,jumlah,dasar\n"
			  "2026,Jawa Timur,uang_harian,Diklat,110000,PMK A\n"     /* 2 ok, any case */
			  "2026,Jawa Timur,uang_harian,diklat,120000,\n"          /* 3 duplicate of 2 */
			  "2026,Jawa Timur,uang_harian,luar_negeri,1,\n"          /* 4 */
			  "2026,Jawa Timur,uang_makan,luar_kota,50000,\n"         /* 5 */
			  "2026,Jawa Timur,penginapan,,300000,PMK B\n";           /* 6 another basis */
	struct pb_rate_row *rows = NULL;
	size_t n = 0;
	json_t *rep = NULL;
	(void)state;
	assert_int_equal(pb_rates_parse(csv, strlen(csv), &rows, &n, &rep), PB_RATES_OK);
	assert_int_equal(n, 5);
	assert_int_equal(rows[0].item, PB_ITEM_UANG_HARIAN);
	assert_string_equal(rows[0].origin, "luar_kota");
	assert_string_equal(rows[1].origin, "dalam_kota_8jam");
	assert_string_equal(rows[2].origin, "");              /* diklat, as in older files */
	assert_int_equal(rows[3].item, PB_ITEM_UANG_MAKAN);
	assert_string_equal(rows[4].origin, "KOTA BATU");
	assert_string_equal(json_string_value(json_object_get(rep, "dasar")), "PMK 39 Tahun 2024");
	free(rows);
	json_decref(rep);
	rows = NULL;
	assert_int_equal(pb_rates_parse(bad, strlen(bad), &rows, &n, &rep), PB_RATES_REJECTED);
	assert_string_equal(line_error(rep, 2), "ok");
	assert_string_equal(line_error(rep, 3), "duplicate");
	assert_string_equal(line_error(rep, 4), "bad_kind");
	assert_string_equal(line_error(rep, 5), "kind_not_allowed");
	assert_string_equal(line_error(rep, 6), "dasar_differs");
	json_decref(rep);
	assert_string_equal(pb_rate_variant(PB_ITEM_UANG_HARIAN, "", "diklat"), "");
	assert_string_equal(pb_rate_variant(PB_ITEM_UANG_HARIAN, "", "luar_kota"), "luar_kota");
	assert_string_equal(pb_rate_variant(PB_ITEM_TRANSPORT, "KOTA BATU", "luar_kota"), "KOTA BATU");
	assert_string_equal(pb_uang_harian_label("dalam_kota_8jam"), "Uang harian dalam kota > 8 jam");
	assert_true(pb_uang_harian_kind_valid("luar_kota") && !pb_uang_harian_kind_valid("Luar_kota"));
}

static void test_parse_whole_file_errors(void **state)
{
	json_t *rep = NULL;
	struct pb_rate_row *rows = NULL;
	size_t n = 0;
	char *big;
	size_t len = 0, cap = (PB_RATE_ROWS_MAX + 2) * 40;
	(void)state;
	assert_int_equal(pb_rates_parse("", 0, &rows, &n, &rep), PB_RATES_NO_HEADER);
	assert_int_equal(pb_rates_parse("tahun,provinsi,jumlah\n", 22, &rows, &n, &rep),
			 PB_RATES_MISSING_COLUMN);
	assert_int_equal(pb_rates_parse("tahun,provinsi,item,jumlah\n", 27, &rows, &n, &rep),
			 PB_RATES_NO_ROWS);
	assert_null(rep);
	big = malloc(cap);
	assert_non_null(big);
	len += (size_t)snprintf(big, cap, "tahun,provinsi,item,asal,jumlah\n");
	for (int i = 0; i <= PB_RATE_ROWS_MAX; i++)
		len += (size_t)snprintf(big + len, cap - len, "2026,P,transport,K%d,1000\n", i);
	assert_int_equal(pb_rates_parse(big, len, &rows, &n, &rep), PB_RATES_TOO_MANY_ROWS);
	assert_null(rows);
	free(big);
}

static void test_price(void **state)
{
	int64_t pay = -1;
	int capped = -1;
	(void)state;
	/* flat: the rate, never a typed amount */
	assert_int_equal(pb_claim_price(PB_ITEM_UANG_HARIAN, 150000, 0, 0, &pay, &capped), PB_PRICE_OK);
	assert_true(pay == 150000 && capped == 0);
	assert_int_equal(pb_claim_price(PB_ITEM_UANG_MAKAN, 50000, 1, 50000, &pay, &capped),
			 PB_PRICE_TYPED);
	/* at cost: min(claimed, ceiling) */
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, 75000, &pay, &capped), PB_PRICE_OK);
	assert_true(pay == 75000 && capped == 0);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, 100000, &pay, &capped), PB_PRICE_OK);
	assert_true(pay == 100000 && capped == 0);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, 100001, &pay, &capped), PB_PRICE_OK);
	assert_true(pay == 100000 && capped == 1);
	assert_int_equal(pb_claim_price(PB_ITEM_PENGINAPAN, 400000, 1, 40000000, &pay, &capped),
			 PB_PRICE_OK);
	assert_true(pay == 400000 && capped == 1);
	/* over 100x: refused; zero, negative, missing */
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, 10000001, &pay, &capped),
			 PB_PRICE_ABSURD);
	assert_true(pay == 0);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, INT64_MAX, &pay, &capped),
			 PB_PRICE_ABSURD);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, INT64_MAX / 2, 1, INT64_MAX / 2 + 1,
					&pay, &capped), PB_PRICE_ABSURD);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, 0, &pay, &capped),
			 PB_PRICE_NOT_POSITIVE);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 1, -5, &pay, &capped),
			 PB_PRICE_NOT_POSITIVE);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 100000, 0, 0, &pay, &capped),
			 PB_PRICE_MISSING);
	assert_int_equal(pb_claim_price(PB_ITEM_TRANSPORT, 0, 1, 5000, &pay, &capped),
			 PB_PRICE_NO_CEILING);
	assert_int_equal(pb_claim_price(-1, 100, 0, 0, &pay, &capped), PB_PRICE_NO_CEILING);
}

static void test_why_and_sniff(void **state)
{
	char why[PB_CLAIM_WHY_MAX];
	static const unsigned char jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10 };
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0 };
	(void)state;
	pb_claim_why(PB_ITEM_TRANSPORT, "KOTA MALANG", 100000, 250000, 100000, 1, why, sizeof(why));
	assert_non_null(strstr(why, "dari KOTA MALANG"));
	assert_non_null(strstr(why, "diminta Rp 250.000, plafon Rp 100.000, dibayar Rp 100.000"));
	pb_claim_why(PB_ITEM_UANG_HARIAN, "", 150000, 150000, 150000, 0, why, sizeof(why));
	assert_string_equal(why, "Uang harian diklat: tarif tetap Rp 150.000 per hari");
	assert_string_equal(pb_receipt_sniff(jpeg, sizeof(jpeg)), "image/jpeg");
	assert_string_equal(pb_receipt_sniff(png, sizeof(png)), "image/png");
	assert_null(pb_receipt_sniff(png, 7));
	assert_null(pb_receipt_sniff((const unsigned char *)"GIF89a", 6));
	assert_null(pb_receipt_sniff((const unsigned char *)"%PDF-1.4", 8));
	assert_true(pb_claim_mode_valid("ojek"));
	assert_false(pb_claim_mode_valid("pesawat"));
	assert_false(pb_claim_mode_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amount_parse),
		cmocka_unit_test(test_place_and_rupiah),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_parse_kinds_and_dasar),
		cmocka_unit_test(test_parse_whole_file_errors),
		cmocka_unit_test(test_price),
		cmocka_unit_test(test_why_and_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
