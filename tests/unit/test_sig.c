/* Unit tests: the signature codec (pb_sig). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pb_sig.h"

static enum pb_sig_result check(const char *text, char **canon)
{
	json_t *j = json_loads(text, 0, NULL);
	enum pb_sig_result r = pb_sig_validate(j, canon);
	json_decref(j);
	return r;
}

static void test_sig(void **state)
{
	char *canon = NULL, *svg;
	size_t len = 0;
	(void)state;
	assert_int_equal(check("{\"w\":100,\"h\":50,\"s\":[[10,10,5,5,-3,2],[50,25]]}", &canon),
			 PB_SIG_OK);
	assert_string_equal(canon, "{\"h\":50,\"s\":[[10,10,5,5,-3,2],[50,25]],\"w\":100}");
	svg = pb_sig_svg(canon, &len);
	assert_non_null(svg);
	assert_int_equal(strlen(svg), len);
	assert_non_null(strstr(svg, "viewBox=\"0 0 100 50\""));
	assert_non_null(strstr(svg, "<path d=\"M10 10l5 5l-3 2\"/>"));
	assert_non_null(strstr(svg, "<path d=\"M50 25h0.1\"/>"));
	free(svg);
	free(canon);
	assert_int_equal(check("{\"w\":100,\"h\":50,\"s\":[]}", &canon), PB_SIG_EMPTY);
	assert_int_equal(check("{\"w\":100,\"h\":50,\"s\":[[10,10,95,0]]}", &canon),
			 PB_SIG_OUT_OF_BOUNDS);
	assert_int_equal(check("{\"w\":100,\"h\":50,\"s\":[[10,10,-11,0]]}", &canon),
			 PB_SIG_OUT_OF_BOUNDS);
	assert_int_equal(check("{\"w\":100,\"h\":50,\"s\":[[10,10,5]]}", &canon),
			 PB_SIG_BAD_FORMAT);
	assert_int_equal(check("{\"w\":100,\"h\":50,\"s\":[[10,\"x\"]]}", &canon),
			 PB_SIG_BAD_FORMAT);
	assert_int_equal(check("{\"w\":0,\"h\":50,\"s\":[[1,1]]}", &canon), PB_SIG_BAD_FORMAT);
	assert_int_equal(check("{\"w\":10,\"h\":5,\"s\":[[1,1]],\"x\":1}", &canon),
			 PB_SIG_BAD_FORMAT);
	assert_int_equal(check("[1,2]", &canon), PB_SIG_BAD_FORMAT);
	assert_null(pb_sig_svg("{\"w\":1}", &len));
	assert_null(pb_sig_svg("not json", &len));
}

static void test_sig_limits(void **state)
{
	json_t *s = json_array(), *st, *sig;
	char *canon = NULL;
	(void)state;
	for (int i = 0; i < PB_SIG_STROKES_MAX + 1; i++)
		json_array_append_new(s, json_pack("[i,i]", 1, 1));
	sig = json_pack("{s:i, s:i, s:o}", "w", 10, "h", 10, "s", s);
	assert_int_equal(pb_sig_validate(sig, &canon), PB_SIG_TOO_LARGE);
	json_decref(sig);
	st = json_array();
	json_array_append_new(st, json_integer(0));
	json_array_append_new(st, json_integer(0));
	for (int i = 0; i < 1500; i++) {                  /* under the point limit, over bytes */
		json_array_append_new(st, json_integer(i % 2 ? -1000 : 1000));
		json_array_append_new(st, json_integer(0));
	}
	s = json_array();
	json_array_append_new(s, st);
	sig = json_pack("{s:i, s:i, s:o}", "w", 1000, "h", 10, "s", s);
	assert_int_equal(pb_sig_validate(sig, &canon), PB_SIG_TOO_LARGE);
	assert_null(canon);
	json_decref(sig);
}

/* Random stroke data never crashes the codec; whatever it accepts it can
 * render, and the rendering is bounded. */
static void test_sig_random(void **state)
{
	unsigned seed = 777;
	(void)state;
	for (int round = 0; round < 2000; round++) {
		json_t *s = json_array(), *sig;
		char *canon = NULL, *svg;
		size_t len = 0;
		int strokes = (int)(round % 5);
		for (int i = 0; i < strokes; i++) {
			json_t *st = json_array();
			int n = (int)((seed >> 16) % 12);
			for (int j = 0; j < n; j++) {
				seed = seed * 1103515245u + 12345u;
				json_array_append_new(st, json_integer((json_int_t)((seed >> 16) % 61) - 20));
			}
			json_array_append_new(s, st);
			seed = seed * 1103515245u + 12345u;
		}
		sig = json_pack("{s:i, s:i, s:o}", "w", 40, "h", 40, "s", s);
		if (pb_sig_validate(sig, &canon) == PB_SIG_OK) {
			assert_true(strlen(canon) <= PB_SIG_BYTES_MAX);
			svg = pb_sig_svg(canon, &len);
			assert_non_null(svg);
			assert_true(len > 0 && strstr(svg, "</svg>") != NULL);
			free(svg);
			free(canon);
		} else {
			assert_null(canon);
		}
		json_decref(sig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig),
		cmocka_unit_test(test_sig_limits),
		cmocka_unit_test(test_sig_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
