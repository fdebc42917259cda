/* Unit tests: tests and worksheets in a module manifest (pb_learnspec). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_learnspec.h"

#define ITEM "{\"id\":\"s1\",\"text\":\"Satuan arus\",\"options\":[{\"id\":\"a\",\"text\":\"volt\"}," \
	     "{\"id\":\"b\",\"text\":\"ampere\"}],\"answer\":[\"b\"]}"

static int parse(const char *module, char **out, char *err, size_t errlen)
{
	json_t *m = json_loads(module, 0, NULL);
	int rc;

	assert_non_null(m);
	rc = pb_learnspec_parse(m, out, err, errlen);
	json_decref(m);
	return rc;
}

static void test_defaults_and_key_kept(void **state)
{
	char err[PB_LEARN_ERR_LEN] = "", *out = NULL;
	json_t *j, *t;
	(void)state;
	assert_int_equal(parse("{\"tests\":[{\"id\":\"awal\",\"kind\":\"pre\",\"title\":\"Tes\","
			       "\"items\":[" ITEM "],\"extra\":1}]}", &out, err, sizeof(err)), 0);
	assert_non_null(out);
	j = json_loads(out, 0, NULL);
	t = json_array_get(json_object_get(j, "tests"), 0);
	assert_int_equal(json_integer_value(json_object_get(t, "kkm")), 70);
	assert_int_equal(json_integer_value(json_object_get(t, "attempts")), 1);
	assert_int_equal(json_integer_value(json_object_get(t, "time_limit_s")), 0);
	assert_true(json_is_true(json_object_get(t, "shuffle")));
	assert_null(json_object_get(t, "extra"));           /* unknown fields dropped */
	t = json_array_get(json_object_get(t, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "type")), "single");
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "answer"), 0)), "b");
	assert_int_equal(json_array_size(json_object_get(j, "worksheets")), 0);
	json_decref(j);
	free(out);
	/* a module without either has nothing */
	assert_int_equal(parse("{\"id\":\"x\"}", &out, err, sizeof(err)), 0);
	assert_null(out);
}

static void expect_error(const char *module, const char *needle)
{
	char err[PB_LEARN_ERR_LEN] = "", *out = NULL;

	assert_int_equal(parse(module, &out, err, sizeof(err)), -1);
	assert_null(out);
	if (strstr(err, needle) == NULL)
		fail_msg("'%s' lacks '%s'", err, needle);
}

static void test_refused(void **state)
{
	(void)state;
	expect_error("{\"tests\":{}}", "tests must be a list");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"mid\",\"title\":\"T\",\"items\":[" ITEM "]}]}",
		     "kind must be");
	expect_error("{\"tests\":[{\"id\":\"A!\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[" ITEM "]}]}",
		     "tests[0].id may only use");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"kkm\":101,"
		     "\"items\":[" ITEM "]}]}", "kkm");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"attempts\":11,"
		     "\"items\":[" ITEM "]}]}", "attempts");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[]}]}",
		     "items must be a list");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[" ITEM
		     "," ITEM "]}]}", "item id appears twice");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[{\"id\":\"s\","
		     "\"text\":\"x\",\"options\":[{\"id\":\"a\",\"text\":\"1\"},{\"id\":\"a\",\"text\":\"2\"}],"
		     "\"answer\":[\"a\"]}]}]}", "appears twice");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[{\"id\":\"s\","
		     "\"text\":\"x\",\"options\":[{\"id\":\"a\",\"text\":\"1\"},{\"id\":\"b\",\"text\":\"2\"}],"
		     "\"answer\":[\"a\",\"b\"]}]}]}", "exactly one");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[{\"id\":\"s\","
		     "\"type\":\"multiple\",\"text\":\"x\",\"options\":[{\"id\":\"a\",\"text\":\"1\"},"
		     "{\"id\":\"b\",\"text\":\"2\"}],\"answer\":[\"a\",\"a\"]}]}]}", "twice");
	expect_error("{\"tests\":[{\"id\":\"a\",\"kind\":\"pre\",\"title\":\"T\",\"items\":[{\"id\":\"s\","
		     "\"text\":\"x\",\"options\":[{\"id\":\"a\",\"text\":\"1\"}],\"answer\":[\"a\"]}]}]}",
		     "options must be a list of 2 to 8");
	expect_error("{\"worksheets\":[{\"id\":\"lk\",\"title\":\"LK\",\"instructions\":\"x\","
		     "\"due\":\"2030-13-01\"}]}", "YYYY-MM-DD");
	expect_error("{\"worksheets\":[{\"id\":\"lk\",\"title\":\"LK\"}]}", "instructions is missing");
	expect_error("{\"worksheets\":[{\"id\":\"lk\",\"title\":\"LK\",\"instructions\":\"x\"},"
		     "{\"id\":\"lk\",\"title\":\"LK\",\"instructions\":\"y\"}]}", "appears twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_key_kept),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
