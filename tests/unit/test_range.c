/* Unit tests: HTTP Range parsing (pb_range). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pb_range.h"

static void parse(const char *h, uint64_t size, struct pb_range_set *rs)
{
	pb_range_parse(h, size, rs);
}

static void test_single(void **state)
{
	struct pb_range_set rs;
	(void)state;
	parse("bytes=0-99", 1000, &rs);
	assert_int_equal(rs.kind, PB_RANGE_SINGLE);
	assert_int_equal(rs.r[0].first, 0);
	assert_int_equal(rs.r[0].last, 99);
	parse("bytes=500-", 1000, &rs);
	assert_int_equal(rs.kind, PB_RANGE_SINGLE);
	assert_int_equal(rs.r[0].first, 500);
	assert_int_equal(rs.r[0].last, 999);
	parse("bytes=900-5000", 1000, &rs);            /* clipped */
	assert_int_equal(rs.r[0].last, 999);
	parse(" bytes=1-1", 10, &rs);
	assert_int_equal(rs.kind, PB_RANGE_SINGLE);
	assert_int_equal(rs.r[0].first, 1);
	assert_int_equal(rs.r[0].last, 1);
}

static void test_suffix(void **state)
{
	struct pb_range_set rs;
	(void)state;
	parse("bytes=-100", 1000, &rs);
	assert_int_equal(rs.kind, PB_RANGE_SINGLE);
	assert_int_equal(rs.r[0].first, 900);
	assert_int_equal(rs.r[0].last, 999);
	parse("bytes=-5000", 1000, &rs);               /* whole file */
	assert_int_equal(rs.r[0].first, 0);
	assert_int_equal(rs.r[0].last, 999);
	parse("bytes=-0", 1000, &rs);
	assert_int_equal(rs.kind, PB_RANGE_UNSATISFIABLE);
}

static void test_unsatisfiable(void **state)
{
	struct pb_range_set rs;
	(void)state;
	parse("bytes=1000-", 1000, &rs);
	assert_int_equal(rs.kind, PB_RANGE_UNSATISFIABLE);
	parse("bytes=2000-3000,1000-1001", 1000, &rs);
	assert_int_equal(rs.kind, PB_RANGE_UNSATISFIABLE);
	parse("bytes=0-0", 0, &rs);                    /* empty file */
	assert_int_equal(rs.kind, PB_RANGE_UNSATISFIABLE);
}

static void test_multi(void **state)
{
	struct pb_range_set rs;
	(void)state;
	parse("bytes=0-1, 5-9,-2", 100, &rs);
	assert_int_equal(rs.kind, PB_RANGE_MULTI);
	assert_int_equal(rs.count, 3);
	assert_int_equal(rs.r[2].first, 98);
	parse("bytes=0-1,500-600", 100, &rs);          /* one satisfiable */
	assert_int_equal(rs.kind, PB_RANGE_SINGLE);
}

static void test_ignored(void **state)
{
	struct pb_range_set rs;
	const char *bad[] = {
		"items=0-1", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=-", "bytes=1-2x",
		"bytes=0-1;", "bytes 0-1", "bytes=99999999999999999999999-",
		"bytes=0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1",
		NULL,
	};
	(void)state;
	parse(NULL, 10, &rs);
	assert_int_equal(rs.kind, PB_RANGE_NONE);
	for (int i = 0; bad[i] != NULL; i++) {
		parse(bad[i], 1000, &rs);
		assert_int_equal(rs.kind, PB_RANGE_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_suffix),
		cmocka_unit_test(test_unsatisfiable),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
