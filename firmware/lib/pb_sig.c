#include "pb_sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pb_sig_strerror(enum pb_sig_result r)
{
	switch (r) {
	case PB_SIG_OK:            return "ok";
	case PB_SIG_BAD_FORMAT:    return "not {w, h, s: [[x, y, dx, dy, ...], ...]}";
	case PB_SIG_TOO_LARGE:     return "too large";
	case PB_SIG_OUT_OF_BOUNDS: return "a point lies outside the drawing area";
	case PB_SIG_EMPTY:         return "no strokes";
	}
	return "unknown";
}

static int int_in(const json_t *v, json_int_t lo, json_int_t hi, json_int_t *out)
{
	if (!json_is_integer(v))
		return 0;
	*out = json_integer_value(v);
	return *out >= lo && *out <= hi;
}

enum pb_sig_result pb_sig_validate(const json_t *sig, char **canonical)
{
	const json_t *strokes, *stroke;
	json_int_t w, h;
	size_t i, points = 0;
	char *text;

	*canonical = NULL;
	if (!json_is_object(sig) || json_object_size(sig) != 3)
		return PB_SIG_BAD_FORMAT;
	if (!int_in(json_object_get(sig, "w"), 1, PB_SIG_DIM_MAX, &w) ||
	    !int_in(json_object_get(sig, "h"), 1, PB_SIG_DIM_MAX, &h))
		return PB_SIG_BAD_FORMAT;
	strokes = json_object_get(sig, "s");
	if (!json_is_array(strokes))
		return PB_SIG_BAD_FORMAT;
	if (json_array_size(strokes) == 0)
		return PB_SIG_EMPTY;
	if (json_array_size(strokes) > PB_SIG_STROKES_MAX)
		return PB_SIG_TOO_LARGE;
	json_array_foreach(strokes, i, stroke) {
		size_t n = json_array_size(stroke), j;
		json_int_t x = 0, y = 0, d;

		if (!json_is_array(stroke) || n < 2 || n % 2 != 0)
			return PB_SIG_BAD_FORMAT;
		points += n / 2;
		if (points > PB_SIG_POINTS_MAX)
			return PB_SIG_TOO_LARGE;
		for (j = 0; j < n; j++) {
			if (!int_in(json_array_get(stroke, j), -PB_SIG_DIM_MAX, PB_SIG_DIM_MAX, &d))
				return json_is_integer(json_array_get(stroke, j)) ?
					PB_SIG_OUT_OF_BOUNDS : PB_SIG_BAD_FORMAT;
			if (j % 2 == 0)
				x += d;
			else
				y += d;
			if (j % 2 == 1 && (x < 0 || x > w || y < 0 || y > h))
				return PB_SIG_OUT_OF_BOUNDS;
		}
	}
	text = json_dumps(sig, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return PB_SIG_BAD_FORMAT;
	if (strlen(text) > PB_SIG_BYTES_MAX) {
		free(text);
		return PB_SIG_TOO_LARGE;
	}
	*canonical = text;
	return PB_SIG_OK;
}

/* Append to a growing buffer; returns -1 when out of memory. */
struct buf {
	char *p;
	size_t len, cap;
};

static int put_text(struct buf *b, const char *tmp, int n)
{
	if (n < 0)
		return -1;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, tmp, (size_t)n + 1);
	b->len += (size_t)n;
	return 0;
}

static int put(struct buf *b, const char *fmt, long long a, long long c)
{
	char tmp[160];
	int n = snprintf(tmp, sizeof(tmp), fmt, a, c);

	return n < 0 || (size_t)n >= sizeof(tmp) ? -1 : put_text(b, tmp, n);
}

static int put_s(struct buf *b, const char *s)
{
	return put_text(b, s, (int)strlen(s));
}

char *pb_sig_svg(const char *canonical, size_t *len)
{
	json_t *sig = json_loads(canonical, 0, NULL), *strokes, *stroke;
	char *check = NULL;
	struct buf b = { NULL, 0, 0 };
	size_t i;
	int ok = 0;

	if (sig == NULL || pb_sig_validate(sig, &check) != PB_SIG_OK)
		goto out;
	if (put(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %lld %lld\" ",
		json_integer_value(json_object_get(sig, "w")),
		json_integer_value(json_object_get(sig, "h"))) != 0 ||
	    put(&b, "width=\"%lld\" height=\"%lld\"><g fill=\"none\" stroke=\"#000\" "
		"stroke-width=\"2\" stroke-linecap=\"round\" stroke-linejoin=\"round\">",
		json_integer_value(json_object_get(sig, "w")),
		json_integer_value(json_object_get(sig, "h"))) != 0)
		goto out;
	strokes = json_object_get(sig, "s");
	json_array_foreach(strokes, i, stroke) {
		size_t n = json_array_size(stroke);
		long long x = json_integer_value(json_array_get(stroke, 0));
		long long y = json_integer_value(json_array_get(stroke, 1));

		if (put(&b, "<path d=\"M%lld %lld", x, y) != 0)
			goto out;
		if (n == 2 && put_s(&b, "h0.1") != 0)   /* a dot */
			goto out;
		for (size_t j = 2; j + 1 < n; j += 2)
			if (put(&b, "l%lld %lld", json_integer_value(json_array_get(stroke, j)),
				json_integer_value(json_array_get(stroke, j + 1))) != 0)
				goto out;
		if (put_s(&b, "\"/>") != 0)
			goto out;
	}
	if (put_s(&b, "</g></svg>\n") != 0)
		goto out;
	ok = 1;
out:
	free(check);
	json_decref(sig);
	if (!ok) {
		free(b.p);
		return NULL;
	}
	if (len != NULL)
		*len = b.len;
	return b.p;
}
