/* Unit tests: field tables (pb_fields) over real jansson objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pb_fields.h"

struct form {
	const char *nuptk;
	const char *note;
	const char *color;
	const char *uid;
	json_int_t count;
	int flag;
	const json_t *ids;
	const json_t *photo;
	const char *lenient;
};

static int not_bob(const char *s)
{
	return strcmp(s, "bob") != 0;
}

static const char *const colors[] = { "red", "green", NULL };
static const struct pb_field positive = {
	.type = PB_FT_INT, .min = 1, .max = 1000000,
	.bad = { 400, "bad_id", "Nomor tidak sah", NULL },
};

static const struct pb_field form_fields[] = {
	{ .name = "nuptk", .type = PB_FT_STRING, .flags = PB_F_REQUIRED, .min = 16, .max = 16,
	  .chars = PB_FC_DIGITS, .offset = offsetof(struct form, nuptk),
	  .bad = { 400, "bad_nuptk", "NUPTK harus 16 angka", "nuptk" },
	  .missing = { 400, "nuptk_required", "Isi NUPTK", "nuptk" } },
	{ .name = "note", .type = PB_FT_STRING, .flags = PB_F_NULL_IS_ABSENT, .max = 8,
	  .chars = PB_FC_TEXT, .valid = not_bob, .offset = offsetof(struct form, note),
	  .bad = { 400, "bad_note", "Catatan tidak sah", NULL } },
	{ .name = "color", .type = PB_FT_ENUM, .choices = colors,
	  .offset = offsetof(struct form, color), .bad = { 400, "bad_color", "Warna", NULL } },
	{ .name = "uid", .type = PB_FT_STRING, .min = 4, .max = 4, .chars = PB_FC_HEX,
	  .offset = offsetof(struct form, uid), .bad = { 400, "bad_uid", "ID", NULL } },
	{ .name = "count", .type = PB_FT_INT, .min = -5, .max = 5,
	  .offset = offsetof(struct form, count), .bad = { 422, "bad_count", "Jumlah", NULL } },
	{ .name = "flag", .type = PB_FT_BOOL, .offset = offsetof(struct form, flag),
	  .bad = { 400, "bad_flag", "Ya/tidak", NULL } },
	{ .name = "ids", .type = PB_FT_ARRAY, .min = 1, .max = 3, .item = &positive,
	  .offset = offsetof(struct form, ids), .bad = { 400, "bad_ids", "Nomor", NULL } },
	{ .name = "photo", .type = PB_FT_OBJECT, .offset = offsetof(struct form, photo),
	  .bad = { 400, "bad_photo", "Foto", NULL } },
	{ .name = "lenient", .type = PB_FT_STRING, .flags = PB_F_OTHER_IS_ABSENT,
	  .offset = offsetof(struct form, lenient), .bad = { 400, "bad_lenient", "L", NULL } },
};
static const struct pb_fields form_table = PB_FIELDS(form_fields);

/* Checks text against t; the failing code (NULL when it passes). */
static const char *check(const struct pb_fields *t, const char *text, struct form *f,
			 const char **name)
{
	json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);
	const struct pb_field_error *e = NULL;
	static char kept[64];                       /* an unknown member's name is the JSON's */
	int rc;

	assert_non_null(j);
	memset(f, 0, sizeof(*f));
	f->count = 42;                              /* a default the table keeps */
	rc = pb_fields_check(t, j, f, &e, name);
	if (rc != 0 && name != NULL) {
		snprintf(kept, sizeof(kept), "%s", *name);
		*name = kept;
	}
	json_decref(j);                             /* strings in f are not read after */
	if (rc == 0)
		return NULL;
	assert_non_null(e);
	return e->code;
}

static void test_all_good(void **state)
{
	struct form f;
	json_t *j = json_loads("{\"nuptk\":\"1234567890123456\",\"note\":\"hai\",\"color\":\"red\","
			       "\"uid\":\"0a9f\",\"count\":-5,\"flag\":true,\"ids\":[1,2,3],"
			       "\"photo\":{\"type\":\"jpg\"},\"lenient\":\"x\",\"other\":1}", 0, NULL);
	const struct pb_field_error *e = NULL;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(pb_fields_check(&form_table, j, &f, &e, NULL), 0);
	assert_string_equal(f.nuptk, "1234567890123456");
	assert_string_equal(f.note, "hai");
	assert_string_equal(f.color, "red");
	assert_string_equal(f.uid, "0a9f");
	assert_int_equal(f.count, -5);
	assert_int_equal(f.flag, 1);
	assert_int_equal(json_array_size(f.ids), 3);
	assert_ptr_equal(f.photo, json_object_get(j, "photo"));
	assert_string_equal(f.lenient, "x");
	json_decref(j);
}

static void test_absent_keeps_defaults(void **state)
{
	struct form f;

	(void)state;
	assert_null(check(&form_table, "{\"nuptk\":\"1234567890123456\",\"note\":null}", &f, NULL));
	assert_null(f.note);
	assert_null(f.color);
	assert_int_equal(f.count, 42);
	assert_int_equal(f.flag, 0);
	assert_null(f.ids);
}

static void test_missing(void **state)
{
	struct form f;
	const char *name = NULL;

	(void)state;
	assert_string_equal(check(&form_table, "{}", &f, &name), "nuptk_required");
	assert_string_equal(name, "nuptk");
	/* null is not absent for a field without PB_F_NULL_IS_ABSENT: it is bad */
	assert_string_equal(check(&form_table, "{\"nuptk\":null}", &f, NULL), "bad_nuptk");
	/* a body that is not an object has every field absent */
	assert_string_equal(check(&form_table, "[1]", &f, NULL), "nuptk_required");
}

static void test_strings(void **state)
{
	struct form f;
	const char *name = NULL;

	(void)state;
	assert_string_equal(check(&form_table, "{\"nuptk\":1234567890123456}", &f, NULL),
			    "bad_nuptk");                    /* a number, not a string */
	assert_string_equal(check(&form_table, "{\"nuptk\":\"123456789012345\"}", &f, NULL),
			    "bad_nuptk");                    /* 15 digits */
	assert_string_equal(check(&form_table, "{\"nuptk\":\"12345678901234567\"}", &f, NULL),
			    "bad_nuptk");                    /* 17 digits */
	assert_string_equal(check(&form_table, "{\"nuptk\":\"12345678901234a6\"}", &f, NULL),
			    "bad_nuptk");                    /* not digits */
	assert_string_equal(check(&form_table, "{\"nuptk\":\"123456789012345\\u0000\"}", &f,
				  NULL), "bad_nuptk");       /* NUL inside */
#define OK_NUPTK "\"nuptk\":\"1234567890123456\""
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"note\":\"123456789\"}", &f, &name),
			    "bad_note");                     /* 9 bytes > 8 */
	assert_string_equal(name, "note");
	assert_null(check(&form_table, "{" OK_NUPTK ",\"note\":\"12345678\"}", &f, NULL));
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"note\":\"a\\tb\"}", &f, NULL),
			    "bad_note");                     /* a control character */
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"note\":\"bob\"}", &f, NULL),
			    "bad_note");                     /* its own check */
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"uid\":\"0A9F\"}", &f, NULL),
			    "bad_uid");                      /* hex is lower case */
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"uid\":\"0a9g\"}", &f, NULL),
			    "bad_uid");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"color\":\"blue\"}", &f, NULL),
			    "bad_color");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"color\":1}", &f, NULL),
			    "bad_color");
}

static void test_numbers_and_lists(void **state)
{
	struct form f;

	(void)state;
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"count\":6}", &f, NULL), "bad_count");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"count\":-6}", &f, NULL), "bad_count");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"count\":1.0}", &f, NULL), "bad_count");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"count\":\"1\"}", &f, NULL),
			    "bad_count");
	assert_null(check(&form_table, "{" OK_NUPTK ",\"count\":5}", &f, NULL));
	assert_int_equal(f.count, 5);
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"flag\":1}", &f, NULL), "bad_flag");
	assert_null(check(&form_table, "{" OK_NUPTK ",\"flag\":false}", &f, NULL));
	assert_int_equal(f.flag, 0);
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"ids\":[]}", &f, NULL), "bad_ids");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"ids\":[1,2,3,4]}", &f, NULL),
			    "bad_ids");
	/* a bad item answers with the item's own error */
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"ids\":[1,0]}", &f, NULL), "bad_id");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"ids\":[1,\"2\"]}", &f, NULL),
			    "bad_id");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"ids\":{}}", &f, NULL), "bad_ids");
	assert_string_equal(check(&form_table, "{" OK_NUPTK ",\"photo\":[]}", &f, NULL),
			    "bad_photo");
	/* a lenient field of another type is as if absent */
	assert_null(check(&form_table, "{" OK_NUPTK ",\"lenient\":7}", &f, NULL));
	assert_null(f.lenient);
}

static void test_order(void **state)
{
	struct form f;

	(void)state;
	/* the first failing field in table order is the one answered */
	assert_string_equal(check(&form_table, "{\"count\":9,\"note\":\"bob\"," OK_NUPTK "}", &f,
				  NULL), "bad_note");
}

static void test_extra_policy(void **state)
{
	static const struct pb_field two[] = {
		{ .name = "a", .type = PB_FT_INT, .offset = PB_FIELD_NOWHERE,
		  .bad = { 400, "bad_a", "A", NULL } },
		{ .name = "b", .type = PB_FT_BOOL, .offset = PB_FIELD_NOWHERE,
		  .bad = { 400, "bad_b", "B", NULL } },
		{ .name = "c", .type = PB_FT_BOOL, .min = 1, .max = 1, .offset = PB_FIELD_NOWHERE,
		  .bad = { 400, "bad_c", "C", NULL } },
	};
	static const struct pb_fields strict = {
		two, 3, PB_EXTRA_REFUSE, { 400, "unknown_field", "Isian tidak dikenal", NULL }
	};
	static const struct pb_fields lax = PB_FIELDS(two);
	struct form f;
	const char *name = NULL;

	(void)state;
	assert_null(check(&lax, "{\"a\":1,\"zzz\":2}", &f, NULL));
	assert_null(check(&strict, "{\"a\":1,\"b\":true}", &f, NULL));
	assert_string_equal(check(&strict, "{\"a\":1,\"zzz\":2}", &f, &name), "unknown_field");
	assert_string_equal(name, "zzz");
	/* a bad listed field is answered before an unknown one */
	assert_string_equal(check(&strict, "{\"zzz\":2,\"b\":0}", &f, NULL), "bad_b");
	/* a bool bounded 1..1 must be true */
	assert_null(check(&strict, "{\"c\":true}", &f, NULL));
	assert_string_equal(check(&strict, "{\"c\":false}", &f, NULL), "bad_c");
	/* PB_FIELD_NOWHERE stores nothing */
	assert_int_equal(f.count, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_good),
		cmocka_unit_test(test_absent_keeps_defaults),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers_and_lists),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_extra_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
