/* Unit tests: the signature codec (pb_sig). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

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

/* ---- simplification and the packed form ---- */

static unsigned lcg(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* A finger's signature like the check-in pad sends: 2-4 smooth strokes,
 * ~180 points 2-5 units apart in 300 x 150, the heading turning a little
 * at each sample. */
static json_t *finger(unsigned *seed)
{
	json_t *strokes = json_array();
	int n = 2 + (int)(lcg(seed) % 3);

	for (int k = 0; k < n; k++) {
		json_t *st = json_array();
		double x = 30 + lcg(seed) % 240, y = 30 + lcg(seed) % 90;
		double heading = (lcg(seed) % 628) / 100.0, turn = 0;
		long px = lrint(x), py = lrint(y);

		json_array_append_new(st, json_integer(px));
		json_array_append_new(st, json_integer(py));
		for (int i = 1; i < 180 / n; i++) {
			turn += ((double)(lcg(seed) % 200) - 100) / 500.0;
			turn = turn > 0.45 ? 0.45 : (turn < -0.45 ? -0.45 : turn);
			heading += turn;
			x += 3.5 * cos(heading);
			y += 3.5 * sin(heading);
			if (x < 4 || x > 296 || y < 4 || y > 146) {
				heading += 3.14159;
				x = x < 4 ? 4 : (x > 296 ? 296 : x);
				y = y < 4 ? 4 : (y > 146 ? 146 : y);
			}
			json_array_append_new(st, json_integer(lrint(x) - px));
			json_array_append_new(st, json_integer(lrint(y) - py));
			px = lrint(x);
			py = lrint(y);
		}
		json_array_append_new(strokes, st);
	}
	return json_pack("{s:i, s:i, s:o}", "w", 300, "h", 150, "s", strokes);
}

/* A stroke's absolute points; returns how many. */
static size_t points(const json_t *stroke, long *xy)
{
	long x = 0, y = 0;
	size_t n = json_array_size(stroke) / 2;

	for (size_t i = 0; i < n; i++) {
		x += (long)json_integer_value(json_array_get(stroke, 2 * i));
		y += (long)json_integer_value(json_array_get(stroke, 2 * i + 1));
		xy[2 * i] = x;
		xy[2 * i + 1] = y;
	}
	return n;
}

static double dist_to_segment(long px, long py, long ax, long ay, long bx, long by)
{
	double dx = (double)(bx - ax), dy = (double)(by - ay), t = 0, len2 = dx * dx + dy * dy;

	if (len2 > 0) {
		t = ((double)(px - ax) * dx + (double)(py - ay) * dy) / len2;
		t = t < 0 ? 0 : (t > 1 ? 1 : t);
	}
	return hypot((double)ax + t * dx - (double)px, (double)ay + t * dy - (double)py);
}

/* Every drawn point lies within PB_SIG_SIMPLIFY_PX of the stored polyline
 * (of the stored segment spanning it), the stored points are drawn ones in
 * their order with both ends kept, and a finger's curves lose points. */
static void test_sig_simplify(void **state)
{
	unsigned seed = 4242;
	size_t drawn = 0, kept = 0;
	static long a[2 * PB_SIG_POINTS_MAX], b[2 * PB_SIG_POINTS_MAX];

	(void)state;
	for (int round = 0; round < 200; round++) {
		json_t *sig = finger(&seed), *stored, *st;
		char *canon = NULL, *plain = NULL;
		size_t i;

		assert_int_equal(pb_sig_store(sig, &canon), PB_SIG_OK);
		stored = json_loads(canon, 0, NULL);
		assert_non_null(stored);
		/* what is stored is itself valid and canonical */
		assert_int_equal(pb_sig_validate(stored, &plain), PB_SIG_OK);
		assert_string_equal(plain, canon);
		assert_int_equal(json_array_size(json_object_get(stored, "s")),
				 json_array_size(json_object_get(sig, "s")));
		json_array_foreach(json_object_get(sig, "s"), i, st) {
			size_t n = points(st, a);
			size_t m = points(json_array_get(json_object_get(stored, "s"), i), b);
			size_t j = 0, k = 0;

			drawn += n;
			kept += m;
			assert_true(m >= 2 && m <= n);
			assert_true(a[0] == b[0] && a[1] == b[1]);
			assert_true(a[2 * n - 2] == b[2 * m - 2] && a[2 * n - 1] == b[2 * m - 1]);
			for (j = 0; j < n; j++) {
				/* b[k] is the kept point at or before a[j] */
				if (k + 1 < m && a[2 * j] == b[2 * k + 2] && a[2 * j + 1] == b[2 * k + 3])
					k++;
				if (a[2 * j] == b[2 * k] && a[2 * j + 1] == b[2 * k + 1])
					continue;
				assert_true(k + 1 < m);
				assert_true(dist_to_segment(a[2 * j], a[2 * j + 1], b[2 * k], b[2 * k + 1],
							    b[2 * k + 2], b[2 * k + 3])
					    <= PB_SIG_SIMPLIFY_PX + 1e-9);
			}
			assert_int_equal(k, m - 1);     /* every kept point was met, in order */
		}
		free(plain);
		free(canon);
		json_decref(stored);
		json_decref(sig);
	}
	assert_true(kept * 10 < drawn * 8);      /* at least a fifth fewer points */

	/* a straight line keeps its ends; a dot stays a dot */
	{
		json_t *line = json_array(), *sig;
		char *canon = NULL;

		json_array_append_new(line, json_integer(10));
		json_array_append_new(line, json_integer(10));
		for (int i = 0; i < 40; i++) {
			json_array_append_new(line, json_integer(3));
			json_array_append_new(line, json_integer(1));
		}
		sig = json_pack("{s:i, s:i, s:[o, [i, i]]}", "w", 300, "h", 150, "s", line, 5, 5);
		assert_int_equal(pb_sig_store(sig, &canon), PB_SIG_OK);
		assert_string_equal(canon, "{\"h\":150,\"s\":[[10,10,120,40],[5,5]],\"w\":300}");
		free(canon);
		json_decref(sig);
	}
}

/* Packed and unpacked, a signature is the same JSON text; what is not a
 * packed valid signature is refused. */
static void test_sig_pack(void **state)
{
	unsigned seed = 99;
	static const char *const bad[] = {
		"", "~", "~E", "x4SsJAA", "~4Ss", "~4SsJAA.", "~4SsJAA..AA", "~4SsJA", "~4SsJ____A",
		"~4SsJAA*A", "~4SsJ+AA", "~4SsJ_AA" /* x beyond w */,
	};

	(void)state;
	for (int round = 0; round < 200; round++) {
		json_t *sig = finger(&seed), *back;
		char *canon = NULL, *packed, *again = NULL;

		assert_int_equal(pb_sig_store(sig, &canon), PB_SIG_OK);
		json_decref(sig);
		sig = json_loads(canon, 0, NULL);
		packed = pb_sig_pack(sig);
		assert_non_null(packed);
		assert_true(packed[0] == '~');
		assert_true(strspn(packed + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789-_.") == strlen(packed) - 1);
		assert_true(strlen(packed) < strlen(canon) / 2);
		back = pb_sig_unpack(packed);
		assert_non_null(back);
		again = json_dumps(back, JSON_COMPACT);
		assert_string_equal(again, canon);
		free(again);
		free(packed);
		free(canon);
		json_decref(back);
		json_decref(sig);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = pb_sig_unpack(bad[i]);
		if (j != NULL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	{
		json_t *not_sig = json_loads("{\"w\":1}", 0, NULL);
		assert_null(pb_sig_pack(not_sig));
		json_decref(not_sig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig),
		cmocka_unit_test(test_sig_limits),
		cmocka_unit_test(test_sig_random),
		cmocka_unit_test(test_sig_simplify),
		cmocka_unit_test(test_sig_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
