/* Field tables (pb_fields.h): one walk over a JSON object. */
#include "pb_fields.h"

#include "pb_text.h"

#include <string.h>

static int bounded(const struct pb_field *f)
{
	return f->min != 0 || f->max != 0;
}

static int in_bounds(const struct pb_field *f, json_int_t v)
{
	return !bounded(f) || (v >= f->min && v <= f->max);
}

static int chars_ok(enum pb_field_chars c, const char *s, size_t len)
{
	switch (c) {
	case PB_FC_TEXT:
		return pb_text_valid(s, len);
	case PB_FC_DIGITS:
		return strspn(s, "0123456789") == len;
	case PB_FC_HEX:
		return strspn(s, "0123456789abcdef") == len;
	case PB_FC_ANY:
	default:
		return 1;
	}
}

static int choice_ok(const char *const *choices, const char *s)
{
	for (; choices != NULL && *choices != NULL; choices++)
		if (strcmp(*choices, s) == 0)
			return 1;
	return 0;
}

static int type_ok(enum pb_field_type t, const json_t *v)
{
	switch (t) {
	case PB_FT_STRING:
	case PB_FT_ENUM:
		return json_is_string(v);
	case PB_FT_INT:
		return json_is_integer(v);
	case PB_FT_BOOL:
		return json_is_boolean(v);
	case PB_FT_ARRAY:
		return json_is_array(v);
	case PB_FT_OBJECT:
		return json_is_object(v);
	case PB_FT_ANY:
	default:
		return 1;
	}
}

/* 1 if the present value v fits f, not looking into an array's items. */
static int value_ok(const struct pb_field *f, const json_t *v)
{
	const char *s;
	size_t len;

	if (!type_ok(f->type, v))
		return 0;
	switch (f->type) {
	case PB_FT_STRING:
	case PB_FT_ENUM:
		s = json_string_value(v);
		len = json_string_length(v);
		if (strlen(s) != len)            /* a NUL inside: never a field */
			return 0;
		if (!in_bounds(f, (json_int_t)len) || !chars_ok(f->chars, s, len))
			return 0;
		if (f->type == PB_FT_ENUM && !choice_ok(f->choices, s))
			return 0;
		return f->valid == NULL || f->valid(s);
	case PB_FT_INT:
		return in_bounds(f, json_integer_value(v));
	case PB_FT_BOOL:
		return in_bounds(f, json_is_true(v));
	case PB_FT_ARRAY:
		return in_bounds(f, (json_int_t)json_array_size(v));
	default:
		return 1;
	}
}

/* The error of the present value v of f, or NULL: an array's first bad
 * item answers with the item's error when it has one. */
static const struct pb_field_error *value_error(const struct pb_field *f, const json_t *v)
{
	const json_t *it;
	size_t i;

	if (!value_ok(f, v))
		return &f->bad;
	if (f->type != PB_FT_ARRAY || f->item == NULL)
		return NULL;
	json_array_foreach(v, i, it)
		if (!value_ok(f->item, it))
			return f->item->bad.code != NULL ? &f->item->bad : &f->bad;
	return NULL;
}

static void store(const struct pb_field *f, const json_t *v, void *out)
{
	char *at;

	if (out == NULL || f->offset == PB_FIELD_NOWHERE)
		return;
	at = (char *)out + f->offset;
	switch (f->type) {
	case PB_FT_STRING:
	case PB_FT_ENUM: {
		const char *s = json_string_value(v);
		memcpy(at, &s, sizeof(s));
		break;
	}
	case PB_FT_INT: {
		json_int_t i = json_integer_value(v);
		memcpy(at, &i, sizeof(i));
		break;
	}
	case PB_FT_BOOL: {
		int b = json_is_true(v);
		memcpy(at, &b, sizeof(b));
		break;
	}
	default:
		memcpy(at, &v, sizeof(v));
		break;
	}
}

static int listed(const struct pb_fields *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->fields[i].name, key) == 0)
			return 1;
	return 0;
}

/* The error of field f for the value v found (NULL if absent), or NULL. */
static const struct pb_field_error *field_error(const struct pb_field *f, const json_t *v)
{
	if (v != NULL && (((f->flags & PB_F_NULL_IS_ABSENT) && json_is_null(v)) ||
			  ((f->flags & PB_F_OTHER_IS_ABSENT) && !type_ok(f->type, v))))
		v = NULL;
	if (v == NULL)
		return !(f->flags & PB_F_REQUIRED) ? NULL :
		       f->missing.code != NULL ? &f->missing : &f->bad;
	return value_error(f, v);
}

int pb_fields_check(const struct pb_fields *t, const json_t *obj, void *out,
		    const struct pb_field_error **err, const char **name)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		obj = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct pb_field *f = &t->fields[i];

		v = obj != NULL ? json_object_get(obj, f->name) : NULL;
		*err = field_error(f, v);
		if (*err != NULL) {
			if (name != NULL)
				*name = f->name;
			return -1;
		}
		if (v != NULL && type_ok(f->type, v) &&
		    !((f->flags & PB_F_NULL_IS_ABSENT) && json_is_null(v)))
			store(f, v, out);
	}
	if (t->extra_policy != PB_EXTRA_REFUSE || obj == NULL)
		return 0;
	json_object_foreach((json_t *)obj, key, v) {
		if (!listed(t, key)) {
			*err = &t->extra;
			if (name != NULL)
				*name = key;
			return -1;
		}
	}
	return 0;
}
