#include "pb_sig.h"

#include <stdint.h>
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

/* Squared distance from (px, py) to the segment a-b. */
static double seg_dist2(double px, double py, double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, t = 0;

	if (len2 > 0) {
		t = ((px - ax) * dx + (py - ay) * dy) / len2;
		t = t < 0 ? 0 : (t > 1 ? 1 : t);
	}
	dx = ax + t * dx - px;
	dy = ay + t * dy - py;
	return dx * dx + dy * dy;
}

/* Ramer-Douglas-Peucker over pts[0..n) (x, y pairs): keep[i] set for the
 * points kept. An explicit stack of spans: no recursion. */
static int simplify(const json_int_t *pts, size_t n, unsigned char *keep)
{
	size_t *stack = malloc(2 * n * sizeof(*stack)), top = 0;
	const double eps2 = (double)PB_SIG_SIMPLIFY_PX * PB_SIG_SIMPLIFY_PX;

	if (stack == NULL)
		return -1;
	memset(keep, 0, n);
	keep[0] = keep[n - 1] = 1;
	stack[top++] = 0;
	stack[top++] = n - 1;
	while (top > 0) {
		size_t b = stack[--top], a = stack[--top], far = 0;
		double worst = eps2;

		for (size_t i = a + 1; i < b; i++) {
			double d = seg_dist2((double)pts[2 * i], (double)pts[2 * i + 1],
					     (double)pts[2 * a], (double)pts[2 * a + 1],
					     (double)pts[2 * b], (double)pts[2 * b + 1]);
			if (d > worst) {
				worst = d;
				far = i;
			}
		}
		if (far != 0) {
			keep[far] = 1;
			stack[top++] = a;
			stack[top++] = far;
			stack[top++] = far;
			stack[top++] = b;
		}
	}
	free(stack);
	return 0;
}

/* One stroke simplified, as a new JSON array of start point + deltas. */
static json_t *stroke_simplified(const json_t *stroke)
{
	size_t n = json_array_size(stroke) / 2;
	json_int_t *pts = malloc(2 * n * sizeof(*pts)), x = 0, y = 0, px = 0, py = 0;
	unsigned char *keep = malloc(n);
	json_t *out = json_array();
	int first = 1;

	if (pts == NULL || keep == NULL || out == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		x += json_integer_value(json_array_get(stroke, 2 * i));
		y += json_integer_value(json_array_get(stroke, 2 * i + 1));
		pts[2 * i] = x;
		pts[2 * i + 1] = y;
	}
	if (simplify(pts, n, keep) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (json_array_append_new(out, json_integer(first ? pts[2 * i] : pts[2 * i] - px))
		    != 0 ||
		    json_array_append_new(out, json_integer(first ? pts[2 * i + 1] :
							    pts[2 * i + 1] - py)) != 0)
			goto fail;
		px = pts[2 * i];
		py = pts[2 * i + 1];
		first = 0;
	}
	free(pts);
	free(keep);
	return out;
fail:
	free(pts);
	free(keep);
	json_decref(out);
	return NULL;
}

enum pb_sig_result pb_sig_store(const json_t *sig, char **canonical)
{
	enum pb_sig_result r = pb_sig_validate(sig, canonical);
	json_t *strokes, *stroke, *out = NULL;
	size_t i;
	char *text;

	if (r != PB_SIG_OK)
		return r;
	strokes = json_array();
	out = json_pack("{s:O, s:o, s:O}", "h", json_object_get(sig, "h"), "s", strokes,
			"w", json_object_get(sig, "w"));
	if (out == NULL)
		goto fail;
	json_array_foreach(json_object_get(sig, "s"), i, stroke)
		if (json_array_append_new(strokes, stroke_simplified(stroke)) != 0)
			goto fail;
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		goto fail;
	free(*canonical);
	*canonical = text;
	json_decref(out);
	return PB_SIG_OK;
fail:
	json_decref(out);
	free(*canonical);
	*canonical = NULL;
	return PB_SIG_TOO_LARGE;        /* out of memory: the only way to get here */
}

/* ---- packed form ---- */

static const char digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#define PACK_DIGITS_MAX 4           /* 20 bits: more than any coordinate needs */

static int digit_value(char c)
{
	const char *p = c != '\0' ? strchr(digits, c) : NULL;

	return p != NULL ? (int)(p - digits) : -1;
}

static int put_varint(struct buf *b, json_int_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v < 0 ? -1 : 0);
	char tmp[16];
	int n = 0;

	while (z >= 32) {
		tmp[n++] = digits[32 | (z & 31)];
		z >>= 5;
	}
	tmp[n++] = digits[z];
	tmp[n] = '\0';
	return put_text(b, tmp, n);
}

static int get_varint(const char **p, json_int_t *v)
{
	uint64_t z = 0;

	for (int i = 0; i < PACK_DIGITS_MAX; i++) {
		int d = digit_value(**p);

		if (d < 0)
			return -1;
		(*p)++;
		z |= (uint64_t)(d & 31) << (5 * i);
		if (!(d & 32)) {
			*v = (json_int_t)(z >> 1) ^ -(json_int_t)(z & 1);
			return 0;
		}
	}
	return -1;
}

char *pb_sig_pack(const json_t *sig)
{
	struct buf b = { NULL, 0, 0 };
	char *check = NULL;
	const json_t *stroke, *v;
	size_t i, j;

	if (pb_sig_validate(sig, &check) != PB_SIG_OK)
		return NULL;
	free(check);
	if (put_s(&b, "~") != 0 ||
	    put_varint(&b, json_integer_value(json_object_get(sig, "w"))) != 0 ||
	    put_varint(&b, json_integer_value(json_object_get(sig, "h"))) != 0)
		goto fail;
	json_array_foreach(json_object_get(sig, "s"), i, stroke) {
		if (i > 0 && put_s(&b, ".") != 0)
			goto fail;
		json_array_foreach(stroke, j, v)
			if (put_varint(&b, json_integer_value(v)) != 0)
				goto fail;
	}
	return b.p;
fail:
	free(b.p);
	return NULL;
}

json_t *pb_sig_unpack(const char *packed)
{
	json_t *strokes = json_array(), *stroke = NULL, *sig = NULL;
	json_int_t w, h, v;
	const char *p = packed;
	char *check = NULL;

	if (strokes == NULL || p == NULL || *p++ != '~' || strlen(packed) > PB_SIG_PACKED_MAX ||
	    get_varint(&p, &w) != 0 || get_varint(&p, &h) != 0)
		goto fail;
	while (*p != '\0') {
		if (stroke == NULL) {
			stroke = json_array();
			if (json_array_append_new(strokes, stroke) != 0)
				goto fail;
		}
		if (*p == '.') {
			if (json_array_size(stroke) == 0)
				goto fail;
			stroke = NULL;
			p++;
			continue;
		}
		if (get_varint(&p, &v) != 0 || json_array_append_new(stroke, json_integer(v)) != 0)
			goto fail;
	}
	if (stroke == NULL)                    /* no stroke, or a "." at the end */
		goto fail;
	sig = json_pack("{s:I, s:o, s:I}", "h", h, "s", strokes, "w", w);
	strokes = NULL;
	if (sig == NULL || pb_sig_validate(sig, &check) != PB_SIG_OK)
		goto fail;
	free(check);
	return sig;
fail:
	json_decref(strokes);
	json_decref(sig);
	return NULL;
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
