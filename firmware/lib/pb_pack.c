#include "pb_pack.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "pb_sig.h"

#define SIG_KEY  "signature"
#define SIG_MARK "~"               /* the next line of the signatures frame */

struct sigbuf {
	char *p;
	size_t len, cap;
};

int pb_pack_is(const void *body, size_t len)
{
	return len >= PB_PACK_MAGIC_LEN && memcmp(body, PB_PACK_MAGIC, PB_PACK_MAGIC_LEN) == 0;
}

/* The stored text of a payload sent as an object (malloc'd), or NULL. A
 * "signature" of "~" takes the packed signature sig. */
static char *payload_text(const json_t *o, const char *sig)
{
	json_t *copy = json_deep_copy(o);
	const json_t *v;
	char *text = NULL;

	if (copy == NULL)
		return NULL;
	v = json_object_get(copy, SIG_KEY);
	if (json_is_string(v) && strcmp(json_string_value(v), SIG_MARK) == 0) {
		json_t *strokes = sig != NULL ? pb_sig_unpack(sig) : NULL;

		if (strokes == NULL || json_object_set_new(copy, SIG_KEY, strokes) != 0)
			goto out;
	}
	text = json_dumps(copy, JSON_COMPACT);
out:
	json_decref(copy);
	return text;
}

/* The separators of o as sent (pb_proto_json_marks); SIZE_MAX when it
 * cannot be written. */
static size_t marks(const json_t *o)
{
	char *t = json_dumps(o, JSON_COMPACT);
	size_t n = t != NULL ? pb_proto_json_marks(t, strlen(t)) : SIZE_MAX;

	free(t);
	return n;
}

/* A payload as it travels: the object when unpacking it gives back the
 * exact text, else the text. A signature it holds goes to *sig (malloc'd)
 * and its place says SIG_MARK. */
static json_t *payload_packed(const char *text, char **sig)
{
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const json_t *v;
	char *back;

	*sig = NULL;
	if (!json_is_object(o))
		goto text;
	v = json_object_get(o, SIG_KEY);
	if (json_is_string(v) && strcmp(json_string_value(v), SIG_MARK) == 0)
		goto text;                      /* would read as a packed one */
	if (json_is_object(v)) {
		*sig = pb_sig_pack(v);
		if (*sig != NULL)
			json_object_set_new(o, SIG_KEY, json_string(SIG_MARK));
	}
	if (marks(o) > PB_PACK_PAYLOAD_MARKS_MAX)
		goto text;
	back = payload_text(o, *sig);
	if (back != NULL && strcmp(back, text) == 0) {
		free(back);
		return o;
	}
	free(back);
text:
	free(*sig);
	*sig = NULL;
	json_decref(o);
	return json_string(text);
}

static json_t *same_or(const char *now, const char *before)
{
	return before != NULL && strcmp(now, before) == 0 ? json_null() : json_string(now);
}

/* One zstd frame of text appended at buf + *at (cap bytes in all). */
static int frame(ZSTD_CCtx *cc, unsigned char *buf, size_t cap, size_t *at, const char *text,
		 size_t len, int dict)
{
	size_t n = ZSTD_compress_usingDict(cc, buf + *at, cap - *at, text, len,
					   dict ? pb_pack_dict : NULL, dict ? pb_pack_dict_len : 0,
					   PB_PACK_LEVEL);

	if (ZSTD_isError(n))
		return -1;
	*at += n;
	return 0;
}

/* The body: the magic, the JSON's frame, the signatures' frame. */
static int compress(const char *text, const struct sigbuf *sigs, unsigned char **body,
		    size_t *body_len)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t len = strlen(text), at = PB_PACK_MAGIC_LEN;
	size_t cap = at + ZSTD_compressBound(len) + ZSTD_compressBound(sigs->len);
	unsigned char *buf = malloc(cap);

	*body = NULL;
	if (cc == NULL || buf == NULL)
		goto fail;
	memcpy(buf, PB_PACK_MAGIC, PB_PACK_MAGIC_LEN);
	if (frame(cc, buf, cap, &at, text, len, 1) != 0 ||
	    frame(cc, buf, cap, &at, sigs->p != NULL ? sigs->p : "", sigs->len, 0) != 0)
		goto fail;
	ZSTD_freeCCtx(cc);
	*body = buf;
	*body_len = at;
	return 0;
fail:
	ZSTD_freeCCtx(cc);
	free(buf);
	return -1;
}

/* The signatures' text: one packed signature a line. */
static int sig_add(struct sigbuf *b, const char *sig)
{
	size_t n = strlen(sig) + 1;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	if (b->len > 0)
		b->p[b->len++] = '\n';
	memcpy(b->p + b->len, sig, n);
	b->len += n - 1;
	return 0;
}

static int build_n(const char *box_id, const struct pb_proto_record *r, size_t n,
		   unsigned char **body, size_t *body_len)
{
	struct sigbuf sigs = { NULL, 0, 0 };
	json_t *root, *arr;
	char *text = NULL;
	int rc = -1;

	root = json_pack("{si ss sI ss ss s[]}", "v", PB_PACK_VERSION, "box_id", box_id,
			 "seq", (json_int_t)r[0].seq, "prev", r[0].prev_hash,
			 "head", r[n - 1].hash, "r");
	if (root == NULL)
		return -1;
	arr = json_object_get(root, "r");
	for (size_t i = 0; i < n; i++) {
		const struct pb_proto_record *p = i > 0 ? &r[i - 1] : NULL;
		char *sig = NULL;
		json_t *pl = payload_packed(r[i].payload, &sig);
		json_t *rec;

		if (sig != NULL && sig_add(&sigs, sig) != 0) {
			free(sig);
			json_decref(pl);
			goto out;
		}
		free(sig);
		rec = json_pack("[ss o I o o I]", r[i].id, r[i].type, pl,
			(json_int_t)(r[i].wall_ms - (p != NULL ? p->wall_ms : 0)),
			same_or(r[i].clock_source, p != NULL ? p->clock_source : NULL),
			same_or(r[i].boot_id, p != NULL ? p->boot_id : NULL),
			(json_int_t)(r[i].mono_ms - (p != NULL ? p->mono_ms : 0)));

		if (json_array_append_new(arr, rec) != 0)
			goto out;
	}
	text = json_dumps(root, JSON_COMPACT);
	if (text == NULL)
		goto out;
	rc = compress(text, &sigs, body, body_len);
out:
	free(sigs.p);
	free(text);
	json_decref(root);
	return rc;
}

int pb_pack_build(const char *box_id, const struct pb_proto_record *records, size_t n,
		  size_t max, unsigned char **body, size_t *body_len, size_t *used)
{
	return pb_proto_batch_fit(build_n, box_id, records, n, max, body, body_len, used);
}

/* The text of one frame (malloc'd, NUL-ended), or NULL: a frame that states
 * its size, within max. */
static char *inflate_frame(const unsigned char *f, size_t flen, int dict, size_t max,
			   size_t *out_len)
{
	unsigned long long size = ZSTD_getFrameContentSize(f, flen);
	ZSTD_DCtx *dc;
	char *text;
	size_t n;

	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size > max)
		return NULL;
	dc = ZSTD_createDCtx();
	text = malloc((size_t)size + 1);
	if (dc == NULL || text == NULL)
		goto fail;
	n = ZSTD_decompress_usingDict(dc, text, (size_t)size, f, flen,
				      dict ? pb_pack_dict : NULL, dict ? pb_pack_dict_len : 0);
	if (ZSTD_isError(n) || n != size)
		goto fail;
	ZSTD_freeDCtx(dc);
	text[n] = '\0';
	*out_len = n;
	return text;
fail:
	ZSTD_freeDCtx(dc);
	free(text);
	return NULL;
}

/* The JSON's and the signatures' texts of a body: exactly two frames
 * after the magic. 0 or -1. */
static int decompress(const unsigned char *body, size_t len, char **json, size_t *json_len,
		      char **sigs)
{
	const unsigned char *f = body + PB_PACK_MAGIC_LEN;
	size_t left = len - PB_PACK_MAGIC_LEN, first, second, slen = 0;

	*json = *sigs = NULL;
	first = ZSTD_findFrameCompressedSize(f, left);
	if (ZSTD_isError(first))
		return -1;
	second = ZSTD_findFrameCompressedSize(f + first, left - first);
	if (ZSTD_isError(second) || first + second != left)
		return -1;
	*json = inflate_frame(f, first, 1, PB_PROTO_BATCH_JSON_MAX, json_len);
	*sigs = inflate_frame(f + first, second, 0, PB_PROTO_BATCH_JSON_MAX, &slen);
	if (*json == NULL || *sigs == NULL || strlen(*sigs) != slen) {
		free(*json);
		free(*sigs);
		*json = *sigs = NULL;
		return -1;
	}
	return 0;
}

static int text_field(const json_t *v, const char *before, char *dst, size_t size, size_t min)
{
	const char *s = json_is_null(v) ? before : json_string_value(v);
	size_t n;

	if (s == NULL)
		return -1;
	n = json_is_string(v) ? json_string_length(v) : strlen(s);
	if (n < min || n >= size || strlen(s) != n)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Record i from its array; p is the record before (NULL for the first).
 * A payload sent as an object is replaced in the array by its text, which
 * r->payload borrows. */
static int record(json_t *a, const struct pb_proto_record *p, struct pb_proto_record *r,
		  char **sigs)
{
	json_t *pl = json_array_get(a, 2), *w = json_array_get(a, 3), *m = json_array_get(a, 6);

	if (!json_is_array(a) || json_array_size(a) != 7 || !json_is_integer(w) ||
	    !json_is_integer(m))
		return -1;
	if (text_field(json_array_get(a, 0), NULL, r->id, sizeof(r->id), 1) != 0 ||
	    text_field(json_array_get(a, 1), NULL, r->type, sizeof(r->type), 1) != 0 ||
	    text_field(json_array_get(a, 4), p != NULL ? p->clock_source : NULL,
		       r->clock_source, sizeof(r->clock_source), 1) != 0 ||
	    text_field(json_array_get(a, 5), p != NULL ? p->boot_id : NULL, r->boot_id,
		       sizeof(r->boot_id), 0) != 0 ||
	    !pb_hex_valid(r->id, PB_PROTO_ID_LEN))
		return -1;
	/* differences from the record before, wrapping rather than overflowing
	 * (a wrong sum only gives a hash that does not match) */
	r->wall_ms = (int64_t)((uint64_t)(p != NULL ? p->wall_ms : 0) +
			       (uint64_t)json_integer_value(w));
	r->mono_ms = (int64_t)((uint64_t)(p != NULL ? p->mono_ms : 0) +
			       (uint64_t)json_integer_value(m));
	if (json_is_object(pl)) {
		const json_t *mark = json_object_get(pl, SIG_KEY);
		const char *sig = NULL;
		char *text;

		if (json_is_string(mark) && strcmp(json_string_value(mark), SIG_MARK) == 0) {
			/* the next line of the signatures' text */
			if (*sigs == NULL)
				return -1;
			sig = strsep(sigs, "\n");
		}
		text = payload_text(pl, sig);

		if (text == NULL || json_array_set_new(a, 2, json_string(text)) != 0) {
			free(text);
			return -1;
		}
		free(text);
		pl = json_array_get(a, 2);
	}
	if (!json_is_string(pl) || json_string_length(pl) > PB_PROTO_PAYLOAD_MAX ||
	    strlen(json_string_value(pl)) != json_string_length(pl))
		return -1;
	r->payload = json_string_value(pl);
	return 0;
}

enum pb_proto_err pb_pack_parse(const void *body, size_t len, const char *box_id,
				struct pb_proto_batch *b, char *why, size_t whylen)
{
	const json_t *seq, *prev, *head;
	json_t *arr;
	size_t tlen = 0;
	char *text = NULL, *sigs = NULL, *next;
	enum pb_proto_err e = PB_PROTO_MALFORMED;

	memset(b, 0, sizeof(*b));
	if (!pb_pack_is(body, len) || decompress(body, len, &text, &tlen, &sigs) != 0) {
		snprintf(why, whylen, "not two zstd frames of at most %d bytes each",
			 PB_PROTO_BATCH_JSON_MAX);
		goto out;
	}
	next = sigs[0] != '\0' ? sigs : NULL;
	e = pb_proto_batch_open(b, text, tlen, PB_PACK_VERSION, box_id, "r", why, whylen);
	if (e != PB_PROTO_OK)
		goto out;
	e = PB_PROTO_MALFORMED;
	seq = json_object_get(b->root, "seq");
	prev = json_object_get(b->root, "prev");
	head = json_object_get(b->root, "head");
	arr = json_object_get(b->root, "r");
	if (!json_is_integer(seq) || json_integer_value(seq) < 1 ||
	    json_integer_value(seq) > INT64_MAX - PB_PROTO_BATCH_RECORDS_MAX ||
	    !json_is_string(prev) || !pb_sha256_hex_valid(json_string_value(prev)) ||
	    !json_is_string(head) || !pb_sha256_hex_valid(json_string_value(head))) {
		snprintf(why, whylen, "no seq, prev or head");
		goto out;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct pb_proto_record *r = &b->records[i], *p = i > 0 ? &b->records[i - 1] : NULL;

		if (record(json_array_get(arr, i), p, r, &next) != 0) {
			snprintf(why, whylen, "record %zu: missing or bad field", i);
			goto out;
		}
		r->seq = (int64_t)json_integer_value(seq) + (int64_t)i;
		memcpy(r->prev_hash, p != NULL ? p->hash : json_string_value(prev),
		       PB_SHA256_HEX_LEN + 1);
		pb_proto_record_hash(box_id, r, r->hash);
	}
	if (next != NULL) {
		snprintf(why, whylen, "more signatures than records name");
		goto out;
	}
	if (strcmp(b->records[b->n - 1].hash, json_string_value(head)) != 0) {
		snprintf(why, whylen, "seq %" PRId64 ": hash", b->records[b->n - 1].seq);
		e = PB_PROTO_BAD_HASH;
		goto out;
	}
	e = PB_PROTO_OK;
out:
	free(text);
	free(sigs);
	if (e != PB_PROTO_OK)
		pb_proto_batch_free(b);
	return e;
}
