/* The release a box holds on its data partition (docs/updates.md). */
#include "pb_update.h"

#include "pb_carry.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pb_update_dir(const struct pb_config *cfg, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/" PB_UPDATE_SUBDIR, cfg->data_dir);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_update_load(const char *dir, const char *pk_hex, struct pb_release *r, char *err,
		   size_t errlen)
{
	char *text = NULL;
	size_t len;
	json_t *doc;
	int rc;

	memset(r, 0, sizeof(*r));
	if (pb_carry_read(dir, PB_UPDATE_RELEASE_FILE, PB_UPDATE_DOC_MAX, &text, &len) != 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "cannot read %s/%s: %s", dir, PB_UPDATE_RELEASE_FILE,
			 strerror(errno));
		return -1;
	}
	doc = json_loadb(text, len, 0, NULL);
	free(text);
	rc = pb_release_open(doc, pk_hex, r, err, errlen);
	json_decref(doc);
	return rc;
}

/* 1 when name belongs to r: release.json, a .deb of r or its part. */
static int belongs(const struct pb_release *r, const char *name)
{
	size_t n = strlen(name);

	if (strcmp(name, PB_UPDATE_RELEASE_FILE) == 0)
		return 1;
	for (int i = 0; i < r->ndebs; i++) {
		size_t d = strlen(r->debs[i].name);
		if (strncmp(name, r->debs[i].name, d) == 0 &&
		    (n == d || strcmp(name + d, ".part") == 0))
			return 1;
	}
	return 0;
}

/* Remove every file of dir but those of keep (NULL: every file). */
static int remove_others(const char *dir, const struct pb_release *keep)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = -1;

	if (d == NULL)
		return errno == ENOENT && keep == NULL ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (keep != NULL && belongs(keep, e->d_name)))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    unlink(path) != 0)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

int pb_update_keep(const char *dir, const json_t *doc, const struct pb_release *r)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	int rc = -1;

	if (text == NULL)
		return -1;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		goto out;
	if (pb_carry_write(dir, PB_UPDATE_RELEASE_FILE, text, strlen(text)) != 0)
		goto out;
	rc = remove_others(dir, r);
out:
	free(text);
	return rc;
}

int pb_update_clear(const char *dir)
{
	return remove_others(dir, NULL);
}

int pb_update_complete(const char *dir, const struct pb_release *r, int rehash, char *err,
		       size_t errlen)
{
	char path[PATH_MAX], sha[PB_SHA256_HEX_LEN + 1];
	struct stat sb;
	int64_t size;

	for (int i = 0; i < r->ndebs; i++) {
		const struct pb_release_deb *b = &r->debs[i];

		if (snprintf(path, sizeof(path), "%s/%s", dir, b->name) >= (int)sizeof(path)) {
			snprintf(err, errlen, "path too long");
			return -1;
		}
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size != b->size) {
			snprintf(err, errlen, "%s not downloaded yet", b->name);
			return 0;
		}
		if (!rehash)
			continue;
		if (pb_sha256_file(path, sha, &size) != 0) {
			snprintf(err, errlen, "cannot read %s: %s", b->name, strerror(errno));
			return -1;
		}
		if (strcmp(sha, b->sha256) != 0 || size != b->size) {
			snprintf(err, errlen, "%s does not have the SHA-256 its release says", b->name);
			return 0;
		}
	}
	return 1;
}
