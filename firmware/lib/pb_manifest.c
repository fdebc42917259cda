#include "pb_manifest.h"
#include "pb_hash.h"
#include "pb_learnspec.h"
#include "pb_mime.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long pb_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		int extra;
		if (*p < 0x80)
			extra = 0;
		else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			extra = 1;
		else if ((*p & 0xf0) == 0xe0)
			extra = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			extra = 3;
		else
			return -1;
		p++;
		for (int i = 0; i < extra; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return -1;
		n++;
	}
	return n;
}

int pb_manifest_path_safe(const char *path)
{
	const char *c = path;

	if (path == NULL || *path == '\0' || *path == '/' ||
	    strlen(path) > PB_FILE_PATH_MAX)
		return 0;
	while (*c) {
		const char *end = strchr(c, '/');
		size_t len = end != NULL ? (size_t)(end - c) : strlen(c);
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		for (size_t i = 0; i < len; i++)
			if (c[i] == '\\' || (unsigned char)c[i] < 0x20 || c[i] == 0x7f)
				return 0;
		if (end == NULL)
			break;
		c = end + 1;
		if (*c == '\0')
			return 0;          /* trailing slash: a folder, not a file */
	}
	return 1;
}

static int id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > PB_MODULE_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

const char *pb_manifest_text(json_t *obj, const char *key, long max_chars, size_t max_bytes,
			     int required, const char **val)
{
	json_t *v = json_object_get(obj, key);
	long chars;

	*val = "";
	if (v == NULL || json_is_null(v))
		return required ? "is missing" : NULL;
	if (!json_is_string(v))
		return "is not text";
	*val = json_string_value(v);
	chars = pb_utf8_len(*val);
	if (chars < 0 || strlen(*val) != json_string_length(v))
		return "is not valid text";
	if (required && chars == 0)
		return "is empty";
	if (chars > max_chars || strlen(*val) > max_bytes)
		return "is too long";
	for (const char *c = *val; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t')
			return "has control characters";
	return NULL;
}

/* Copy a string member with a character limit. Returns NULL or an error. */
static const char *take_text(json_t *obj, const char *key, char *dst, size_t dstsize,
			     long max_chars, int required)
{
	const char *s;
	const char *e = pb_manifest_text(obj, key, max_chars, dstsize - 1, required, &s);

	if (e == NULL)
		memcpy(dst, s, strlen(s) + 1);
	return e;
}

static void module_error(struct pb_module *m, const char *fmt, const char *a,
			 const char *b)
{
	if (m->error[0] == '\0')
		snprintf(m->error, sizeof(m->error), fmt, a, b);
}

static void parse_file(struct pb_module *m, json_t *f, int idx)
{
	struct pb_module_file *mf = &m->files[m->nfiles];
	char where[32];
	const char *e;
	json_t *size;

	snprintf(where, sizeof(where), "files[%d]", idx);
	if (!json_is_object(f)) {
		module_error(m, "%s: %s", where, "is not an object");
		return;
	}
	if ((e = take_text(f, "path", mf->path, sizeof(mf->path), PB_FILE_PATH_MAX, 1))) {
		module_error(m, "%s.path %s", where, e);
		return;
	}
	if (!pb_manifest_path_safe(mf->path)) {
		module_error(m, "%s: unsafe path '%s'", where, mf->path);
		return;
	}
	if ((e = take_text(f, "name", mf->name, sizeof(mf->name), PB_FILE_PATH_MAX, 0))) {
		module_error(m, "%s.name %s", where, e);
		return;
	}
	if (mf->name[0] == '\0') {
		const char *base = strrchr(mf->path, '/');
		snprintf(mf->name, sizeof(mf->name), "%s", base ? base + 1 : mf->path);
	}
	if (strchr(mf->name, '/') != NULL || strchr(mf->name, '"') != NULL) {
		module_error(m, "%s: name '%s' may not contain / or \"", where, mf->name);
		return;
	}
	if ((e = take_text(f, "sha256", mf->sha256, sizeof(mf->sha256), 64, 1))) {
		module_error(m, "%s.sha256 %s", where, e);
		return;
	}
	if (!pb_sha256_hex_valid(mf->sha256)) {
		module_error(m, "%s: sha256 '%s' is not 64 lowercase hex digits",
			     where, mf->sha256);
		return;
	}
	if ((e = take_text(f, "mime", mf->mime, sizeof(mf->mime), 100, 0))) {
		module_error(m, "%s.mime %s", where, e);
		return;
	}
	if (mf->mime[0] == '\0')
		snprintf(mf->mime, sizeof(mf->mime), "%s", pb_mime_for_name(mf->name));
	if ((e = take_text(f, "kind", mf->kind, sizeof(mf->kind), PB_FILE_KIND_MAX, 0))) {
		module_error(m, "%s.kind %s", where, e);
		return;
	}
	if (mf->kind[0] != '\0' && strcmp(mf->kind, PB_FILE_KIND_HTML5) != 0) {
		module_error(m, "%s: kind '%s' is not \"" PB_FILE_KIND_HTML5 "\"", where, mf->kind);
		return;
	}
	mf->size = -1;
	size = json_object_get(f, "size");
	if (size != NULL) {
		if (!json_is_integer(size) || json_integer_value(size) < 0) {
			module_error(m, "%s: %s", where, "size is not a whole number");
			return;
		}
		mf->size = json_integer_value(size);
	}
	m->nfiles++;
}

static void parse_module(struct pb_module *m, json_t *o)
{
	char kk[8], lerr[PB_LEARN_ERR_LEN];
	const char *e;
	json_t *files, *f;
	size_t i;

	if (!json_is_object(o)) {
		module_error(m, "%s%s", "module is not an object", "");
		return;
	}
	if ((e = take_text(o, "id", m->id, sizeof(m->id), PB_MODULE_ID_MAX, 1))) {
		module_error(m, "id %s%s", e, "");
		return;
	}
	if (!id_valid(m->id)) {
		module_error(m, "id '%s' %s", m->id,
			     "may only use a-z, 0-9, '-', '_' and '.'");
		return;
	}
	if ((e = take_text(o, "title", m->title, sizeof(m->title), PB_MODULE_TITLE_MAX, 1))) {
		module_error(m, "title %s%s", e, "");
		return;
	}
	if ((e = take_text(o, "kk", kk, sizeof(kk), 1, 1)) || kk[0] < 'A' || kk[0] > 'J') {
		module_error(m, "kk %s%s", e ? e : "must be one letter A to J", "");
		return;
	}
	m->kk = kk[0];
	if ((e = take_text(o, "subject", m->subject, sizeof(m->subject),
			   PB_MODULE_SUBJECT_MAX, 1))) {
		module_error(m, "subject %s%s", e, "");
		return;
	}
	if ((e = take_text(o, "level", m->level, sizeof(m->level), PB_MODULE_LEVEL_MAX, 1))) {
		module_error(m, "level %s%s", e, "");
		return;
	}
	if ((e = take_text(o, "description", m->description, sizeof(m->description),
			   PB_MODULE_DESC_MAX, 0))) {
		module_error(m, "description %s%s", e, "");
		return;
	}
	files = json_object_get(o, "files");
	if (!json_is_array(files) || json_array_size(files) == 0) {
		module_error(m, "files %s%s", "must be a non-empty list", "");
		return;
	}
	if (json_array_size(files) > PB_MODULE_MAX_FILES) {
		module_error(m, "files %s%s", "has too many entries", "");
		return;
	}
	m->files = calloc(json_array_size(files), sizeof(*m->files));
	if (m->files == NULL) {
		module_error(m, "%s%s", "out of memory", "");
		return;
	}
	json_array_foreach(files, i, f) {
		parse_file(m, f, (int)i);
		if (m->error[0] != '\0')
			return;
	}
	if (pb_learnspec_parse(o, &m->learning, lerr, sizeof(lerr)) != 0)
		module_error(m, "%s%s", lerr, "");
}

int pb_manifest_parse(const char *json, size_t len, struct pb_manifest *m,
		      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = NULL, *mods, *o, *fmt;
	size_t i;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (len > PB_MANIFEST_MAX_BYTES) {
		snprintf(err, errlen, "manifest is larger than %d bytes", PB_MANIFEST_MAX_BYTES);
		goto out;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON: line %d: %s", jerr.line, jerr.text);
		goto out;
	}
	fmt = json_object_get(root, "format");
	if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
		snprintf(err, errlen, "\"format\" must be 1");
		goto out;
	}
	mods = json_object_get(root, "modules");
	if (!json_is_array(mods)) {
		snprintf(err, errlen, "\"modules\" must be a list");
		goto out;
	}
	if (json_array_size(mods) > PB_MANIFEST_MAX_MODULES) {
		snprintf(err, errlen, "more than %d modules", PB_MANIFEST_MAX_MODULES);
		goto out;
	}
	if (json_array_size(mods) > 0) {
		m->modules = calloc(json_array_size(mods), sizeof(*m->modules));
		if (m->modules == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	json_array_foreach(mods, i, o) {
		struct pb_module *mod = &m->modules[m->nmodules++];
		parse_module(mod, o);
		for (int j = 0; j < m->nmodules - 1 && mod->error[0] == '\0'; j++)
			if (strcmp(m->modules[j].id, mod->id) == 0)
				module_error(mod, "id '%s' %s", mod->id, "appears twice");
	}
	rc = 0;
out:
	json_decref(root);
	if (rc != 0)
		pb_manifest_free(m);
	return rc;
}

void pb_manifest_free(struct pb_manifest *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < m->nmodules; i++) {
		free(m->modules[i].files);
		free(m->modules[i].learning);
	}
	free(m->modules);
	m->modules = NULL;
	m->nmodules = 0;
}
