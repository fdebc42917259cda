/* Box software releases: the signed manifest (docs/updates.md). */
#include "pb_release.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pb_release_version_valid(const char *v)
{
	int parts = 0, digits = 0;

	if (v == NULL || strlen(v) > PB_RELEASE_VERSION_MAX)
		return 0;
	for (const char *p = v;; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++digits > 9)
				return 0;
			continue;
		}
		if (digits == 0 || (*p != '.' && *p != '\0'))
			return 0;
		parts++;
		digits = 0;
		if (*p == '\0')
			break;
	}
	return parts >= 1 && parts <= 4;
}

int pb_release_version_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (ea == a && eb == b)          /* neither is a number: stop here */
			break;
		if (*a != '\0' && (*a < '0' || *a > '9'))
			a += strlen(a);
		if (*b != '\0' && (*b < '0' || *b > '9'))
			b += strlen(b);
	}
	return 0;
}

int pb_release_name_valid(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n < 5 || n > PB_RELEASE_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    strcmp(name + n - 4, ".deb") != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("._+~-", name[i]) == NULL)
			return 0;
	return 1;
}

char *pb_release_manifest(const struct pb_release *r)
{
	json_t *o = json_pack("{ss ss ss s[]}", "format", PB_RELEASE_FORMAT, "version",
			      r->version, "notes", r->notes, "debs");
	json_t *debs = json_object_get(o, "debs");
	char *text;

	if (o == NULL)
		return NULL;
	for (int i = 0; i < r->ndebs; i++)
		json_array_append_new(debs, json_pack("{ss ss sI}", "name", r->debs[i].name,
						      "sha256", r->debs[i].sha256, "size",
						      (json_int_t)r->debs[i].size));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

int pb_release_parse(const char *text, size_t len, struct pb_release *r, char *err,
		     size_t errlen)
{
	json_t *o = NULL, *debs, *d;
	const char *fmt, *ver, *notes;
	json_error_t jerr;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (len > PB_RELEASE_MANIFEST_MAX)
		return fail(err, errlen, "manifest too large");
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		fail(err, errlen, "manifest is not a JSON object");
		goto out;
	}
	fmt = json_string_value(json_object_get(o, "format"));
	ver = json_string_value(json_object_get(o, "version"));
	notes = json_string_value(json_object_get(o, "notes"));
	debs = json_object_get(o, "debs");
	if (fmt == NULL || strcmp(fmt, PB_RELEASE_FORMAT) != 0) {
		fail(err, errlen, "unknown manifest format");
		goto out;
	}
	if (!pb_release_version_valid(ver)) {
		fail(err, errlen, "bad version");
		goto out;
	}
	if (notes == NULL || strlen(notes) > PB_RELEASE_NOTES_MAX) {
		fail(err, errlen, "notes missing or too long");
		goto out;
	}
	if (!json_is_array(debs) || json_array_size(debs) == 0 ||
	    json_array_size(debs) > PB_RELEASE_DEBS_MAX) {
		fail(err, errlen, "no .deb files, or too many");
		goto out;
	}
	snprintf(r->version, sizeof(r->version), "%s", ver);
	snprintf(r->notes, sizeof(r->notes), "%s", notes);
	json_array_foreach(debs, i, d) {
		struct pb_release_deb *b = &r->debs[i];
		const char *name = json_string_value(json_object_get(d, "name"));
		const char *sha = json_string_value(json_object_get(d, "sha256"));
		json_t *size = json_object_get(d, "size");

		if (!pb_release_name_valid(name) || !pb_sha256_hex_valid(sha) ||
		    !json_is_integer(size) || json_integer_value(size) <= 0 ||
		    json_integer_value(size) > PB_RELEASE_DEB_MAX) {
			snprintf(err, errlen, "bad .deb entry %zu", i + 1);
			goto out;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->debs[k].name, name) == 0) {
				fail(err, errlen, "a .deb named twice");
				goto out;
			}
		snprintf(b->name, sizeof(b->name), "%s", name);
		memcpy(b->sha256, sha, sizeof(b->sha256));
		b->size = json_integer_value(size);
		r->ndebs++;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int pb_release_open(const json_t *doc, const char *pk_hex, struct pb_release *r, char *err,
		    size_t errlen)
{
	const char *text = json_string_value(json_object_get(doc, "manifest"));
	const char *sig = json_string_value(json_object_get(doc, "signature"));

	memset(r, 0, sizeof(*r));
	if (pk_hex == NULL || !pb_hex_valid(pk_hex, PB_PROTO_PK_HEX_LEN))
		return fail(err, errlen, "no trusted release key ([update] release_key)");
	if (text == NULL || sig == NULL || !pb_hex_valid(sig, PB_PROTO_SIG_HEX_LEN))
		return fail(err, errlen, "release without manifest or signature");
	if (strlen(text) > PB_RELEASE_MANIFEST_MAX)
		return fail(err, errlen, "manifest too large");
	if (pb_proto_verify(pk_hex, text, strlen(text), sig) != 0)
		return fail(err, errlen, "release signature does not verify with the trusted key");
	return pb_release_parse(text, strlen(text), r, err, errlen);
}
