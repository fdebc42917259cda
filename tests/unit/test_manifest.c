/* Unit tests: module manifest validation (pb_manifest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pb_manifest.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static int parse(const char *json, struct pb_manifest *m)
{
	char err[256];
	return pb_manifest_parse(json, strlen(json), m, err, sizeof(err));
}

static void test_good(void **state)
{
	struct pb_manifest m;
	(void)state;
	assert_int_equal(parse("{\"format\":1,\"modules\":[{\"id\":\"kk-a-1\",\"title\":\"Modul\","
		"\"kk\":\"A\",\"subject\":\"Matematika\",\"level\":\"SMP\",\"files\":["
		"{\"path\":\"a/modul.pdf\",\"sha256\":\"" SHA "\",\"size\":4}]}]}", &m), 0);
	assert_int_equal(m.nmodules, 1);
	assert_string_equal(m.modules[0].error, "");
	assert_int_equal(m.modules[0].kk, 'A');
	assert_string_equal(m.modules[0].files[0].name, "modul.pdf");
	assert_string_equal(m.modules[0].files[0].mime, "application/pdf");
	assert_int_equal(m.modules[0].files[0].size, 4);
	pb_manifest_free(&m);
}

static void expect_module_error(const char *module_json, const char *needle)
{
	char doc[2048];
	struct pb_manifest m;

	snprintf(doc, sizeof(doc), "{\"format\":1,\"modules\":[%s]}", module_json);
	assert_int_equal(parse(doc, &m), 0);
	assert_int_equal(m.nmodules, 1);
	if (strstr(m.modules[0].error, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", m.modules[0].error, needle);
	pb_manifest_free(&m);
}

static void test_bad_modules(void **state)
{
	(void)state;
	expect_module_error("{\"id\":\"x\",\"title\":\"t\",\"kk\":\"K\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"a\",\"sha256\":\"" SHA "\"}]}", "kk");
	expect_module_error("{\"id\":\"X Y\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"a\",\"sha256\":\"" SHA "\"}]}", "id");
	expect_module_error("{\"id\":\"x\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[]}", "files");
	expect_module_error("{\"id\":\"x\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"../etc/passwd\",\"sha256\":\"" SHA "\"}]}",
			    "unsafe");
	expect_module_error("{\"id\":\"x\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"/etc/passwd\",\"sha256\":\"" SHA "\"}]}",
			    "unsafe");
	expect_module_error("{\"id\":\"x\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"a\",\"sha256\":\"ABC\"}]}", "sha256");
	expect_module_error("{\"id\":\"x\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"a\",\"sha256\":\"" SHA "\"}]}", "title");
	expect_module_error("{\"id\":\"x\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			    "\"level\":\"l\",\"files\":[{\"path\":\"a\",\"sha256\":\"" SHA "\",\"size\":-1}]}",
			    "size");
}

static void test_not_manifest(void **state)
{
	struct pb_manifest m;
	(void)state;
	assert_int_equal(parse("not json", &m), -1);
	assert_int_equal(parse("{\"format\":2,\"modules\":[]}", &m), -1);
	assert_int_equal(parse("{\"format\":1}", &m), -1);
	assert_int_equal(parse("{\"format\":1,\"modules\":[],\"format\":1}", &m), -1);
}

static void test_duplicate_ids(void **state)
{
	struct pb_manifest m;
	const char *mod = "{\"id\":\"x\",\"title\":\"t\",\"kk\":\"A\",\"subject\":\"s\","
			  "\"level\":\"l\",\"files\":[{\"path\":\"a\",\"sha256\":\"" SHA "\"}]}";
	char doc[1024];
	(void)state;
	snprintf(doc, sizeof(doc), "{\"format\":1,\"modules\":[%s,%s]}", mod, mod);
	assert_int_equal(parse(doc, &m), 0);
	assert_string_equal(m.modules[0].error, "");
	assert_non_null(strstr(m.modules[1].error, "twice"));
	pb_manifest_free(&m);
}

static void test_path_safe(void **state)
{
	(void)state;
	assert_true(pb_manifest_path_safe("a/b/c.pdf"));
	assert_true(pb_manifest_path_safe("..a"));
	assert_false(pb_manifest_path_safe("a/../b"));
	assert_false(pb_manifest_path_safe("a//b"));
	assert_false(pb_manifest_path_safe("./a"));
	assert_false(pb_manifest_path_safe("a\\b"));
	assert_false(pb_manifest_path_safe(""));
	assert_false(pb_manifest_path_safe("a/"));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_int_equal(pb_utf8_len("Budi"), 4);
	assert_int_equal(pb_utf8_len("\xe2\x80\x94"), 1);
	assert_int_equal(pb_utf8_len("\xc0\xaf"), -1);      /* overlong */
	assert_int_equal(pb_utf8_len("\xe2\x80"), -1);      /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_modules),
		cmocka_unit_test(test_not_manifest),
		cmocka_unit_test(test_duplicate_ids),
		cmocka_unit_test(test_path_safe),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
