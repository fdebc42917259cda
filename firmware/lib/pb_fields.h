/* Field tables: what a JSON request body may carry, checked in one place.
 *
 * A table lists the fields of one body in the order they are checked:
 * the JSON name, the type, whether it must be there, its bounds, a class
 * of characters or a check of its own, and the error the API answers when
 * it fails (HTTP status, error code, Indonesian message: lang.c gives the
 * English text by the code). pb_fields_check() walks the table over a
 * JSON object and either stores every value in the caller's struct (at
 * each field's offset) or returns the first failure.
 *
 * Rules between fields (a reason needed unless the status is present, an
 * amount only for some items) stay in the handler, after the table: they
 * are decisions, not shapes. */
#ifndef PB_FIELDS_H
#define PB_FIELDS_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

/* The largest JSON integer: an int field bounded only below. */
#if JSON_INTEGER_IS_LONG_LONG
#define PB_FIELD_INT_MAX LLONG_MAX
#else
#define PB_FIELD_INT_MAX LONG_MAX
#endif

/* What a field is, and the C type its value is stored as. */
enum pb_field_type {
	PB_FT_STRING,   /* const char * (borrowed from the JSON, valid while it lives) */
	PB_FT_ENUM,     /* const char *, one of .choices */
	PB_FT_INT,      /* json_int_t */
	PB_FT_BOOL,     /* int, 0 or 1 (bounds 1..1: must be true) */
	PB_FT_ARRAY,    /* const json_t *; each item checked against .item */
	PB_FT_OBJECT,   /* const json_t * */
	PB_FT_ANY,      /* const json_t *: present, any type (checked elsewhere) */
};

/* Characters a string may hold (after its length is checked). */
enum pb_field_chars {
	PB_FC_ANY = 0,  /* any JSON string (jansson has checked the UTF-8) */
	PB_FC_TEXT,     /* text a person typed: no control characters (pb_text_valid) */
	PB_FC_DIGITS,   /* 0-9 only (NUPTK, NIP, a session code) */
	PB_FC_HEX,      /* 0-9 a-f only (ids, hashes) */
};

enum pb_field_flags {
	PB_F_REQUIRED = 1 << 0,  /* absent: the missing error (or the bad one) */
	PB_F_NULL_IS_ABSENT = 1 << 1,   /* a JSON null counts as absent */
	/* A value of another JSON type counts as absent: routes that have
	 * always read the field this leniently keep answering the same. */
	PB_F_OTHER_IS_ABSENT = 1 << 2,
};

/* The answer for a failed field. */
struct pb_field_error {
	unsigned status;          /* HTTP status */
	const char *code;         /* the API's error code; NULL: none set */
	const char *message;      /* Indonesian; English by the code (lang.c) */
	const char *field;        /* the "field" the answer names (the form marks
				   * it), or NULL for an answer without one */
};

/* No place in the output struct: the field is only checked. */
#define PB_FIELD_NOWHERE ((size_t)-1)

struct pb_field {
	const char *name;                 /* JSON member name */
	enum pb_field_type type;
	unsigned flags;                   /* enum pb_field_flags */
	/* Bounds: bytes of a string, items of an array, value of an int;
	 * min == max == 0 means unbounded. */
	json_int_t min, max;
	enum pb_field_chars chars;        /* PB_FT_STRING */
	const char *const *choices;       /* PB_FT_ENUM: NULL-terminated */
	int (*valid)(const char *s);      /* PB_FT_STRING/ENUM: a check of its own (1 ok) */
	/* PB_FT_ARRAY: each item (name, flags, offset unused); a bad item
	 * answers the item's .bad, or the array's when that has no code */
	const struct pb_field *item;
	size_t offset;                    /* where the value goes, or PB_FIELD_NOWHERE */
	struct pb_field_error bad;        /* present but not right */
	struct pb_field_error missing;    /* required and absent; code NULL: .bad */
};

/* Members the table does not list. */
enum pb_fields_extra {
	PB_EXTRA_IGNORE = 0,     /* left alone (every route so far) */
	PB_EXTRA_REFUSE,         /* the first one fails with .extra */
};

struct pb_fields {
	const struct pb_field *fields;
	size_t n;
	enum pb_fields_extra extra_policy;
	struct pb_field_error extra;      /* PB_EXTRA_REFUSE */
};

#define PB_FIELDS(arr) { (arr), sizeof(arr) / sizeof((arr)[0]), PB_EXTRA_IGNORE, { 0 } }

/* Check obj (a JSON object) against t in table order. 0 with every
 * present value stored into out (absent fields leave out as the caller
 * set it: that is the default), or -1 with the first failure's error in
 * *err and its JSON name in *name (name may be NULL; an unknown member's
 * name is its key in obj, valid while obj lives). out may be NULL
 * (check only). NULL or a non-object has every field absent. */
int pb_fields_check(const struct pb_fields *t, const json_t *obj, void *out,
		    const struct pb_field_error **err, const char **name);

#endif
