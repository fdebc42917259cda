/* Unit tests: the row limit of a spreadsheet (pb_xlsx), which pb-hub checks
 * before it hands a book to its export worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pb_xlsx.h"

/* A book of two sheets, the second with rows rows. */
static json_t *book_of(size_t rows)
{
	json_t *r = json_array(), *book;

	for (size_t i = 0; i < rows; i++)
		json_array_append_new(r, json_pack("[I]", (json_int_t)i));
	book = json_pack("[{s:s, s:[s], s:[], s:[[s]], s:[]}, {s:s, s:[s], s:[], s:o, s:[]}]",
			 "name", "A", "head", "x", "money", "rows", "a", "sum",
			 "name", "B", "head", "n", "money", "rows", r, "sum");
	assert_non_null(book);
	return book;
}

static void test_rows_limit(void **state)
{
	json_t *at = book_of(PB_XLSX_ROWS_MAX), *over = book_of(PB_XLSX_ROWS_MAX + 1);
	char dir[] = "/tmp/pb-xlsx-test-XXXXXX";
	char *data = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(pb_xlsx_rows_over(at), 0);
	assert_int_equal(pb_xlsx_rows_over(over), 1);
	/* what the check says would not be written is not */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pb_xlsx_build(dir, over, &data, &len), -1);
	assert_null(data);
	json_decref(at);
	json_decref(over);
	at = book_of(3);
	assert_int_equal(pb_xlsx_rows_over(at), 0);
	assert_int_equal(pb_xlsx_build(dir, at, &data, &len), 0);
	assert_true(len > 4 && memcmp(data, "PK", 2) == 0);
	free(data);
	json_decref(at);
	assert_int_equal(rmdir(dir), 0);    /* nothing left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
