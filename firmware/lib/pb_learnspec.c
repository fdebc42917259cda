#include "pb_learnspec.h"
#include "pb_manifest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PB_LEARN_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* A text member: NULL if fine (with *val set, "" when absent and not
 * required), else what is wrong. */
static const char *text(json_t *o, const char *key, long max, int required, const char **val)
{
	return pb_manifest_text(o, key, max, SIZE_MAX, required, val);
}

static const char *idtext(json_t *o, const char *key, const char **val)
{
	const char *e = text(o, key, PB_LEARN_ID_MAX, 1, val);

	if (e == NULL && !id_ok(*val))
		return "may only use a-z, 0-9, '-' and '_'";
	return e;
}

/* An integer member in [lo, hi], def when absent. */
static const char *integer(json_t *o, const char *key, long lo, long hi, long def, long *val)
{
	json_t *v = json_object_get(o, key);

	*val = def;
	if (v == NULL)
		return NULL;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return "is not a whole number in range";
	*val = (long)json_integer_value(v);
	return NULL;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static json_t *parse_item(json_t *it, const char *where, char *err, size_t errlen)
{
	json_t *out = NULL, *opts, *o, *ans, *a, *oout, *aout;
	const char *id, *type, *t, *e;
	size_t i, j;

	if (!json_is_object(it))
		FAIL("%s is not an object", where);
	if ((e = idtext(it, "id", &id)) != NULL)
		FAIL("%s.id %s", where, e);
	if ((e = text(it, "type", 16, 0, &type)) != NULL)
		FAIL("%s.type %s", where, e);
	if (type[0] == '\0')
		type = "single";
	if (strcmp(type, "single") != 0 && strcmp(type, "multiple") != 0)
		FAIL("%s.type must be \"single\" or \"multiple\"", where);
	if ((e = text(it, "text", PB_LEARN_TEXT_MAX, 1, &t)) != NULL)
		FAIL("%s.text %s", where, e);
	opts = json_object_get(it, "options");
	if (!json_is_array(opts) || json_array_size(opts) < PB_LEARN_OPTIONS_MIN ||
	    json_array_size(opts) > PB_LEARN_OPTIONS_MAX)
		FAIL("%s.options must be a list of %d to %d", where, PB_LEARN_OPTIONS_MIN,
		     PB_LEARN_OPTIONS_MAX);
	out = json_pack("{s:s, s:s, s:s, s:[], s:[]}", "id", id, "type", type, "text", t,
			"options", "answer");
	if (out == NULL)
		FAIL("out of memory");
	oout = json_object_get(out, "options");
	aout = json_object_get(out, "answer");
	json_array_foreach(opts, i, o) {
		const char *oid, *ot;
		if (!json_is_object(o))
			FAIL("%s.options[%zu] is not an object", where, i);
		if ((e = idtext(o, "id", &oid)) != NULL)
			FAIL("%s.options[%zu].id %s", where, i, e);
		if ((e = text(o, "text", PB_LEARN_TEXT_MAX, 1, &ot)) != NULL)
			FAIL("%s.options[%zu].text %s", where, i, e);
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(oout, j), "id")),
				   oid) == 0)
				FAIL("%s.options: id '%s' appears twice", where, oid);
		json_array_append_new(oout, json_pack("{s:s, s:s}", "id", oid, "text", ot));
	}
	ans = json_object_get(it, "answer");
	if (!json_is_array(ans) || json_array_size(ans) == 0)
		FAIL("%s.answer must be a non-empty list of option ids", where);
	if (strcmp(type, "single") == 0 && json_array_size(ans) != 1)
		FAIL("%s.answer of a single-choice item names exactly one option", where);
	json_array_foreach(ans, i, a) {
		int found = 0;
		if (!json_is_string(a))
			FAIL("%s.answer[%zu] is not an option id", where, i);
		json_array_foreach(oout, j, o)
			found |= strcmp(json_string_value(json_object_get(o, "id")),
					json_string_value(a)) == 0;
		if (!found)
			FAIL("%s.answer names '%s', which is not an option", where,
			     json_string_value(a));
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(aout, j), a))
				FAIL("%s.answer names '%s' twice", where, json_string_value(a));
		json_array_append(aout, a);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

static json_t *parse_test(json_t *t, int idx, char *err, size_t errlen)
{
	char where[96];
	json_t *out = NULL, *items, *it, *iout;
	const char *id, *kind, *title, *instr, *e;
	long kkm, limit, attempts;
	json_t *shuffle;
	size_t i, j;

	snprintf(where, sizeof(where), "tests[%d]", idx);
	if (!json_is_object(t))
		FAIL("%s is not an object", where);
	if ((e = idtext(t, "id", &id)) != NULL)
		FAIL("%s.id %s", where, e);
	if ((e = text(t, "kind", 8, 1, &kind)) != NULL)
		FAIL("%s.kind %s", where, e);
	if (strcmp(kind, "pre") != 0 && strcmp(kind, "post") != 0)
		FAIL("%s.kind must be \"pre\" or \"post\"", where);
	if ((e = text(t, "title", PB_LEARN_TITLE_MAX, 1, &title)) != NULL)
		FAIL("%s.title %s", where, e);
	if ((e = text(t, "instructions", PB_LEARN_TEXT_MAX, 0, &instr)) != NULL)
		FAIL("%s.instructions %s", where, e);
	if ((e = integer(t, "kkm", 0, 100, 70, &kkm)) != NULL)
		FAIL("%s.kkm %s (0 to 100)", where, e);
	if ((e = integer(t, "time_limit_s", 0, PB_LEARN_TIME_LIMIT_MAX, 0, &limit)) != NULL)
		FAIL("%s.time_limit_s %s (0 to %d seconds)", where, e, PB_LEARN_TIME_LIMIT_MAX);
	if ((e = integer(t, "attempts", 1, PB_LEARN_ATTEMPTS_MAX, 1, &attempts)) != NULL)
		FAIL("%s.attempts %s (1 to %d)", where, e, PB_LEARN_ATTEMPTS_MAX);
	shuffle = json_object_get(t, "shuffle");
	if (shuffle != NULL && !json_is_boolean(shuffle))
		FAIL("%s.shuffle must be true or false", where);
	items = json_object_get(t, "items");
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    json_array_size(items) > PB_LEARN_ITEMS_MAX)
		FAIL("%s.items must be a list of 1 to %d", where, PB_LEARN_ITEMS_MAX);
	out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:b, s:[]}", "id", id,
			"kind", kind, "title", title, "instructions", instr, "kkm", (int)kkm,
			"time_limit_s", (int)limit, "attempts", (int)attempts,
			"shuffle", shuffle == NULL || json_is_true(shuffle), "items");
	if (out == NULL)
		FAIL("out of memory");
	iout = json_object_get(out, "items");
	json_array_foreach(items, i, it) {
		char iw[sizeof(where) + 24];
		json_t *item, *prev;
		snprintf(iw, sizeof(iw), "%s.items[%zu]", where, i);
		if ((item = parse_item(it, iw, err, errlen)) == NULL)
			goto fail;
		json_array_foreach(iout, j, prev)
			if (json_equal(json_object_get(prev, "id"), json_object_get(item, "id"))) {
				json_decref(item);
				FAIL("%s: item id appears twice", iw);
			}
		json_array_append_new(iout, item);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* "YYYY-MM-DD" with a plausible month and day. */
static int date_ok(const char *s)
{
	int y, m, d;
	char tail;

	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	       y >= 2000 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static json_t *parse_worksheet(json_t *w, int idx, char *err, size_t errlen)
{
	const char *id, *title, *instr, *due, *e;

	if (!json_is_object(w))
		FAIL("worksheets[%d] is not an object", idx);
	if ((e = idtext(w, "id", &id)) != NULL)
		FAIL("worksheets[%d].id %s", idx, e);
	if ((e = text(w, "title", PB_LEARN_TITLE_MAX, 1, &title)) != NULL)
		FAIL("worksheets[%d].title %s", idx, e);
	if ((e = text(w, "instructions", PB_LEARN_TEXT_MAX, 1, &instr)) != NULL)
		FAIL("worksheets[%d].instructions %s", idx, e);
	if ((e = text(w, "due", 10, 0, &due)) != NULL)
		FAIL("worksheets[%d].due %s", idx, e);
	if (due[0] != '\0' && !date_ok(due))
		FAIL("worksheets[%d].due must be YYYY-MM-DD", idx);
	return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "title", title,
			 "instructions", instr, "due", due);
fail:
	return NULL;
}

/* A list member: NULL (absent), or the array; -1 through *bad when it
 * is not a list of at most max. */
static json_t *list(json_t *m, const char *key, size_t max, int *bad)
{
	json_t *v = json_object_get(m, key);

	*bad = v != NULL && (!json_is_array(v) || json_array_size(v) > max);
	return v;
}

static int unique_ids(json_t *arr)
{
	json_t *a, *b;
	size_t i, j;

	json_array_foreach(arr, i, a)
		for (j = 0; j < i; j++) {
			b = json_array_get(arr, j);
			if (json_equal(json_object_get(a, "id"), json_object_get(b, "id")))
				return 0;
		}
	return 1;
}

int pb_learnspec_parse(json_t *module, char **out, char *err, size_t errlen)
{
	json_t *tests, *sheets, *t, *res = NULL, *tout, *wout, *one;
	int bad;
	size_t i;

	*out = NULL;
	tests = list(module, "tests", PB_LEARN_TESTS_MAX, &bad);
	if (bad)
		FAIL("tests must be a list of at most %d", PB_LEARN_TESTS_MAX);
	sheets = list(module, "worksheets", PB_LEARN_WORKSHEETS_MAX, &bad);
	if (bad)
		FAIL("worksheets must be a list of at most %d", PB_LEARN_WORKSHEETS_MAX);
	if (json_array_size(tests) == 0 && json_array_size(sheets) == 0)
		return 0;
	res = json_pack("{s:[], s:[]}", "tests", "worksheets");
	if (res == NULL)
		FAIL("out of memory");
	tout = json_object_get(res, "tests");
	wout = json_object_get(res, "worksheets");
	json_array_foreach(tests, i, t) {
		if ((one = parse_test(t, (int)i, err, errlen)) == NULL)
			goto fail;
		json_array_append_new(tout, one);
	}
	if (!unique_ids(tout))
		FAIL("tests: an id appears twice");
	json_array_foreach(sheets, i, t) {
		if ((one = parse_worksheet(t, (int)i, err, errlen)) == NULL)
			goto fail;
		json_array_append_new(wout, one);
	}
	if (!unique_ids(wout))
		FAIL("worksheets: an id appears twice");
	*out = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
	if (*out == NULL)
		FAIL("out of memory");
	json_decref(res);
	return 0;
fail:
	json_decref(res);
	return -1;
}
