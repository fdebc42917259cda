/* Unit tests: the strict RFC 4180 reader and writer (pb_csv). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_csv.h"

static struct pb_csv c;

static void open_text(const char *s)
{
	pb_csv_init(&c, s, strlen(s), pb_csv_sniff(s, strlen(s)));
}

static void test_plain_and_crlf(void **state)
{
	struct pb_csv_record r;
	(void)state;
	open_text("a,b,c\r\n1,2,3\n");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_int_equal(r.nfields, 3);
	assert_string_equal(r.field[0], "a");
	assert_string_equal(r.field[2], "c");
	assert_int_equal(r.line, 1);
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_string_equal(r.field[1], "2");
	assert_int_equal(r.line, 2);
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_END);
}

static void test_quotes(void **state)
{
	struct pb_csv_record r;
	(void)state;
	open_text("\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\nnext,1\n");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_int_equal(r.nfields, 4);
	assert_string_equal(r.field[0], "x, y");
	assert_string_equal(r.field[1], "say \"hi\"");
	assert_string_equal(r.field[2], "two\nlines");
	assert_string_equal(r.field[3], "");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_int_equal(r.line, 3);           /* the quoted line break counts */
	assert_string_equal(r.field[0], "next");
}

static void test_no_final_newline_and_empty_fields(void **state)
{
	struct pb_csv_record r;
	(void)state;
	open_text("a,,\nb");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_int_equal(r.nfields, 3);
	assert_string_equal(r.field[1], "");
	assert_string_equal(r.field[2], "");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_int_equal(r.nfields, 1);
	assert_string_equal(r.field[0], "b");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_END);
}

static void test_errors_and_recovery(void **state)
{
	struct pb_csv_record r;
	(void)state;
	open_text("ab\"c,d\n\"x\"y,z\nok,1\n\"open,2\n");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_BAD_QUOTE);   /* quote inside */
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_BAD_QUOTE);   /* text after quote */
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);          /* recovered */
	assert_string_equal(r.field[0], "ok");
	assert_int_equal(r.line, 3);
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_BAD_QUOTE);   /* unterminated */
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_END);
	open_text("a\rb\n");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_BAD_CR);
	pb_csv_init(&c, "a\0b\n", 4, ',');
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_NUL);
}

static void test_limits(void **state)
{
	struct pb_csv_record r;
	char *big = malloc(PB_CSV_FIELD_MAX + 10);
	char many[PB_CSV_FIELDS_MAX * 2 + 8];
	(void)state;
	memset(big, 'x', PB_CSV_FIELD_MAX + 1);
	memcpy(big + PB_CSV_FIELD_MAX + 1, "\n", 2);
	open_text(big);
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_FIELD_TOO_LONG);
	big[PB_CSV_FIELD_MAX] = '\n';
	big[PB_CSV_FIELD_MAX + 1] = '\0';
	open_text(big);
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);        /* exactly the limit */
	free(big);
	for (size_t i = 0, o = 0; i <= PB_CSV_FIELDS_MAX && o + 3 <= sizeof(many); i++, o += 2)
		memcpy(many + o, "a,", 3);      /* each copy also ends the text */
	many[strlen(many) - 1] = '\0';       /* no comma after the last field */
	open_text(many);
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_TOO_MANY_FIELDS);
}

static void test_bom_and_semicolon(void **state)
{
	struct pb_csv_record r;
	(void)state;
	open_text("\xEF\xBB\xBFNUPTK;Nama\n1;\"a;b\"\n");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_string_equal(r.field[0], "NUPTK");
	assert_int_equal(pb_csv_next(&c, &r), PB_CSV_OK);
	assert_int_equal(r.nfields, 2);
	assert_string_equal(r.field[1], "a;b");
	assert_int_equal(pb_csv_sniff("a,b;c,d", 7), ',');
	assert_int_equal(pb_csv_sniff("\"a,b\";c", 7), ';');
}

static void test_writer_neutralises(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	(void)state;
	pb_csv_write_row(f, (const char *[]){ "=1+2", "+x", "-y", "@z", "ok \"q\"", "", NULL });
	fclose(f);
	assert_string_equal(buf, "\"'=1+2\",\"'+x\",\"'-y\",\"'@z\",\"ok \"\"q\"\"\",\"\"\r\n");
	free(buf);
	assert_true(pb_csv_needs_neutral("\tcmd"));
	assert_false(pb_csv_needs_neutral("Budi"));
}

/* Random bytes (biased towards the special characters) never crash the
 * reader, never loop, and every field stays within its limits. */
static void test_random_input(void **state)
{
	static const char alphabet[] = "ab,;\"\r\n \x00\xef\xbb\xbf";
	char buf[700];
	struct pb_csv_record r;
	unsigned seed = 12345;
	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(round % (int)sizeof(buf));
		int records = 0;
		enum pb_csv_result res;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (seed >> 16) % 4 == 0 ? (char)(seed >> 8) :
				 alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		pb_csv_init(&c, buf, len, (round & 1) ? ';' : ',');
		while ((res = pb_csv_next(&c, &r)) != PB_CSV_END) {
			assert_true(++records <= (int)len + 1);      /* always progresses */
			if (res != PB_CSV_OK)
				continue;
			assert_true(r.nfields >= 1 && r.nfields <= PB_CSV_FIELDS_MAX);
			for (int f = 0; f < r.nfields; f++)
				assert_true(strlen(r.field[f]) <= PB_CSV_FIELD_MAX);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_crlf),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_no_final_newline_and_empty_fields),
		cmocka_unit_test(test_errors_and_recovery),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bom_and_semicolon),
		cmocka_unit_test(test_writer_neutralises),
		cmocka_unit_test(test_random_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
