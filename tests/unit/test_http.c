/* Unit tests: the HTTP layer pb-web and pb-hub share (pb_http): route
 * tables and their matcher, the Allow header, bodies, the path's
 * decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pb_http.h"

#include <stdlib.h>
#include <string.h>

static enum MHD_Result one(struct pb_req *r)
{
	(void)r;
	return MHD_YES;
}

static enum MHD_Result two(struct pb_req *r)
{
	(void)r;
	return MHD_NO;
}

static const struct pb_http_route table[] = {
	{ "GET", "/healthz", one, 0 },
	{ "GET", "/items/*", one, 0 },
	{ "POST", "/items/*/parts/*", two, 0 },
	{ "GET", "/office/", one, PB_HTTP_PREFIX },
	{ "POST", "/office/", two, PB_HTTP_PREFIX },
	{ "GET", "/h/", one, PB_HTTP_PREFIX },
	{ "GET", "/", two, PB_HTTP_PREFIX },          /* the catch-all */
	{ NULL, NULL, NULL, 0 },
};

static const struct pb_http_route extra[] = {
	{ "DELETE", "/more", two, 0 },
	{ NULL, NULL, NULL, 0 },
};

static pb_http_routes tables = { table, extra, NULL };

static const struct pb_http_route *find(const char *method, const char *url,
					pb_http_params p, int *named)
{
	return pb_http_route_find(tables, method, url, p, named);
}

static void test_exact_and_segments(void **state)
{
	pb_http_params p;
	int named;
	const struct pb_http_route *rt;

	(void)state;
	rt = find("GET", "/healthz", p, &named);
	assert_ptr_equal(rt, &table[0]);
	assert_int_equal(named, 1);
	rt = find("HEAD", "/healthz", p, &named);      /* GET answers HEAD */
	assert_ptr_equal(rt, &table[0]);
	rt = find("POST", "/items/42/parts/7", p, &named);
	assert_ptr_equal(rt, &table[2]);
	assert_string_equal(p[0], "42");
	assert_string_equal(p[1], "7");
	/* an empty segment, and one segment for '*' only */
	assert_null(find("POST", "/items//parts/7", p, &named));
	rt = find("GET", "/items/a/b", p, &named);
	assert_ptr_equal(rt, &table[6]);              /* the catch-all: a star is one segment */
	/* the second table is searched too */
	rt = find("DELETE", "/more", p, &named);
	assert_ptr_equal(rt, &extra[0]);
}

static void test_segment_limit(void **state)
{
	pb_http_params p;
	char url[PB_HTTP_SEGMENT_MAX + 16];
	int named;

	(void)state;
	memset(url, 'x', sizeof(url));
	memcpy(url, "/items/", 7);
	url[7 + PB_HTTP_SEGMENT_MAX - 1] = '\0';         /* the longest segment taken */
	assert_ptr_equal(find("GET", url, p, &named), &table[1]);
	assert_int_equal(strlen(p[0]), PB_HTTP_SEGMENT_MAX - 1);
	url[7 + PB_HTTP_SEGMENT_MAX - 1] = 'x';
	url[7 + PB_HTTP_SEGMENT_MAX] = '\0';             /* one more: no longer that route */
	assert_ptr_equal(find("GET", url, p, &named), &table[6]);
}

static void test_named_path_is_405_not_catch_all(void **state)
{
	pb_http_params p;
	int named;
	char allow[PB_HTTP_ALLOW_MAX];

	(void)state;
	/* /healthz is named for GET only: a POST is refused (405), and the
	 * catch-all below does not take it */
	assert_null(find("POST", "/healthz", p, &named));
	assert_int_equal(named, 1);
	pb_http_route_allow(tables, "/healthz", allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD");
	/* a prefix pattern with two methods answers both */
	assert_ptr_equal(find("POST", "/office/boxes/1/revoke", p, &named), &table[4]);
	assert_ptr_equal(find("GET", "/office/boxes", p, &named), &table[3]);
	assert_string_equal(pb_http_rest(&table[3], "/office/boxes"), "boxes");
	pb_http_route_allow(tables, "/office/x", allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, POST");
	/* a lesson path is the lessons' prefix, not the catch-all */
	assert_null(find("POST", "/h/lesson/index.html", p, &named));
	assert_int_equal(named, 1);
	pb_http_route_allow(tables, "/h/x", allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD");
	/* no route at all names a path outside "/" */
	assert_null(find("GET", "nothing", p, &named));
	assert_int_equal(named, 0);
}

static void test_route_named(void **state)
{
	pb_http_params p;

	(void)state;
	/* the first route naming a path, whatever its method */
	assert_ptr_equal(pb_http_route_named(tables, "/healthz", NULL), &table[0]);
	assert_ptr_equal(pb_http_route_named(tables, "/items/7/parts/2", p), &table[2]);
	assert_string_equal(p[0], "7");
	assert_string_equal(p[1], "2");
	/* a prefix route names what no other pattern named before it */
	assert_ptr_equal(pb_http_route_named(tables, "/office/x/y", NULL), &table[3]);
	assert_ptr_equal(pb_http_route_named(tables, "/h/lesson/index.html", NULL), &table[5]);
	assert_ptr_equal(pb_http_route_named(tables, "/elsewhere", NULL), &table[6]);
	/* the catch-all "/" answers "/more" first: the later table's exact
	 * route is not the one that names it */
	assert_ptr_equal(pb_http_route_named(tables, "/more", NULL), &table[6]);
	/* no route names a path outside "/" */
	assert_null(pb_http_route_named(tables, "nothing", NULL));
}

static int held;

static int hold(void *ctx, size_t total)
{
	size_t budget = *(size_t *)ctx;

	if (total > budget)
		return -1;
	held = (int)total;
	return 0;
}

static void test_body(void **state)
{
	struct pb_http_body b = { .max = 10 };
	size_t budget = 100;

	(void)state;
	assert_int_equal(pb_http_body_add(&b, "hello", 5, hold, &budget), 0);
	assert_int_equal(pb_http_body_add(&b, "world", 5, hold, &budget), 0);
	assert_string_equal(b.data, "helloworld");
	assert_int_equal(held, 11);                       /* the NUL counted */
	assert_int_equal(pb_http_body_add(&b, "!", 1, hold, &budget), -1);
	assert_true(b.too_big);
	assert_null(b.data);
	assert_int_equal(pb_http_body_add(&b, "", 0, hold, &budget), -1);   /* stays refused */

	/* the budget refuses */
	memset(&b, 0, sizeof(b));
	b.max = 1000;
	budget = 4;
	assert_int_equal(pb_http_body_add(&b, "abc", 3, hold, &budget), 0);
	assert_int_equal(pb_http_body_add(&b, "d", 1, hold, &budget), -1);
	assert_true(b.no_room);
	assert_false(b.too_big);
	assert_null(b.data);

	/* granted in advance: allocated once, at the limit */
	memset(&b, 0, sizeof(b));
	b.max = 6;
	assert_int_equal(pb_http_body_add(&b, "abc", 3, NULL, NULL), 0);
	assert_int_equal(b.room, 7);
	assert_int_equal(pb_http_body_add(&b, "def", 3, NULL, NULL), 0);
	assert_string_equal(b.data, "abcdef");
	assert_int_equal(pb_http_body_add(&b, "g", 1, NULL, NULL), -1);
	assert_true(b.too_big);
	pb_http_body_drop(&b);
}

static void test_body_slow(void **state)
{
	struct pb_http_body b = { .max = 100000, .start_ms = 1000 };

	(void)state;
	b.len = 0;
	assert_false(pb_http_body_slow(&b, 1000 + 10000, 10, 100));   /* within the grace */
	assert_true(pb_http_body_slow(&b, 1000 + 10001, 10, 100));
	b.len = 1001;                                                 /* 100 B/s over 10.01 s */
	assert_false(pb_http_body_slow(&b, 1000 + 10010, 10, 100));
	assert_true(pb_http_body_slow(&b, 1000 + 20000, 10, 100));
}

static void test_unescape(void **state)
{
	char a[] = "/app.css%00.txt", b[] = "/a%20b%2Fc";

	(void)state;
	assert_int_equal(pb_http_unescape(NULL, NULL, a), strlen("/app.css%00.txt"));
	assert_string_equal(a, "/app.css%00.txt");        /* left as it came */
	pb_http_unescape(NULL, NULL, b);
	assert_string_equal(b, "/a b/c");
}

static void test_error_object(void **state)
{
	char *text;

	(void)state;
	text = pb_http_json_text(pb_http_error_object("not_found", "Tidak ditemukan"), 0);
	assert_string_equal(text, "{\"error\":\"not_found\",\"message\":\"Tidak ditemukan\"}");
	free(text);
	text = pb_http_json_text(pb_http_error_object("x", "é"), 1);
	assert_string_equal(text, "{\"error\":\"x\",\"message\":\"\\u00E9\"}");
	free(text);
	assert_null(pb_http_json_text(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_segments),
		cmocka_unit_test(test_segment_limit),
		cmocka_unit_test(test_named_path_is_405_not_catch_all),
		cmocka_unit_test(test_route_named),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_slow),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_error_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
