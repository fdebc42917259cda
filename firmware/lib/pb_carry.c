#include "pb_carry.h"

#include "pb_hash.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CARRY_VERSION 1
#define CARRY_ACK_PREFIX "pb-usb-ack-1"

int pb_carry_box_dir(const char *dir, const char *box_id, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/" PB_CARRY_DIR "/%s", dir, box_id);

	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_carry_box_dir_make(const char *dir, const char *box_id, char *out, size_t len)
{
	char top[PATH_MAX];
	int n = snprintf(top, sizeof(top), "%s/" PB_CARRY_DIR, dir);

	if (n < 0 || (size_t)n >= sizeof(top) || pb_carry_box_dir(dir, box_id, out, len) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(top, 0755) != 0 && errno != EEXIST)
		return -1;
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int pb_carry_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int pb_carry_write(const char *dir, const char *name, const void *data, size_t len)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	const unsigned char *p = data;
	size_t done = 0;
	int fd, n, m, saved;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	m = snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp) || m < 0 || (size_t)m >= sizeof(dst)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) != 0)
		goto fail;
	return pb_carry_sync_dir(dir);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int pb_carry_copy(const char *src, const char *dir, const char *name, const char *sha256,
		  int64_t *size)
{
	char tmp[PATH_MAX], dst[PATH_MAX], got[PB_SHA256_HEX_LEN + 1];
	unsigned char *buf = malloc(PB_CARRY_COPY_CHUNK);
	struct pb_sha256 hs;
	int in = -1, out = -1, rc = -1, saved;
	int n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	int m = snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	ssize_t r;

	*size = 0;
	errno = ENAMETOOLONG;
	if (buf == NULL || n < 0 || (size_t)n >= sizeof(tmp) || m < 0 || (size_t)m >= sizeof(dst))
		goto out;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		goto out;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		goto out;
	pb_sha256_init(&hs);
	while ((r = read(in, buf, PB_CARRY_COPY_CHUNK)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || write(out, buf, (size_t)r) != r)
			goto out;
		pb_sha256_update(&hs, buf, (size_t)r);
		*size += r;
	}
	pb_sha256_final_hex(&hs, got);
	if (sha256 != NULL && strcmp(got, sha256) != 0) {
		rc = -2;
		goto out;
	}
	if (fsync(out) != 0)
		goto out;
	r = close(out);
	out = -1;
	if (r != 0 || rename(tmp, dst) != 0)
		goto out;
	rc = pb_carry_sync_dir(dir);
out:
	saved = errno;
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (rc != 0 && n > 0 && (size_t)n < sizeof(tmp))
		unlink(tmp);
	free(buf);
	errno = saved;
	return rc;
}

int pb_carry_read(const char *dir, const char *name, size_t max, char **out, size_t *len)
{
	char path[PATH_MAX];
	struct stat sb;
	char *buf = NULL;
	FILE *f = NULL;
	int fd, n = snprintf(path, sizeof(path), "%s/%s", dir, name), saved;

	*out = NULL;
	*len = 0;
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "rb");
	if (f == NULL || fstat(fd, &sb) != 0)
		goto fail;
	errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max)
		goto fail;
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL)
		goto fail;
	/* a file shorter than it said gives what is there */
	*len = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	fclose(f);
	buf[*len] = '\0';
	*out = buf;
	return 0;
fail:
	saved = errno;
	if (f != NULL)
		fclose(f);
	else
		close(fd);
	free(buf);
	*len = 0;
	errno = saved;
	return -1;
}

int pb_carry_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PB_CARRY_NAME_MAX || name[0] == '.')
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.") == n;
}

char *pb_carry_manifest_dump(const struct pb_carry_manifest *m)
{
	json_t *root, *list;
	char *text = NULL;

	list = json_array();
	root = json_pack("{si ss sI so}", "v", CARRY_VERSION, "box_id", m->box_id,
			 "made_ms", (json_int_t)m->made_ms, "batches", list);
	if (root == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct pb_carry_batch *b = &m->batches[i];
		if (json_array_append_new(list, json_pack("{ss sI sI ss ss}", "file", b->file,
				"first", (json_int_t)b->first, "last", (json_int_t)b->last,
				"sha256", b->sha256, "signature", b->signature)) != 0)
			goto out;
	}
	text = json_dumps(root, JSON_INDENT(1));
out:
	json_decref(root);
	return text;
}

void pb_carry_manifest_free(struct pb_carry_manifest *m)
{
	if (m == NULL)
		return;
	free(m->batches);
	memset(m, 0, sizeof(*m));
}

/* A string field shorter than size into out; then one of exactly hexlen
 * hex digits. */
static int get_str(json_t *o, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v == NULL || strlen(v) >= size)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int get_hex(json_t *o, const char *key, char *out, size_t hexlen)
{
	return get_str(o, key, out, hexlen + 1) == 0 && pb_hex_valid(out, hexlen) ? 0 : -1;
}

static int get_int(json_t *o, const char *key, int64_t lo, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo)
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int pb_carry_manifest_parse(const char *text, size_t len, struct pb_carry_manifest *m,
			    char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *root = NULL, *list, *it;
	int64_t v = 0;
	size_t i, marks = pb_proto_json_marks(text, len);
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (marks > PB_CARRY_MANIFEST_MARKS_MAX) {
		snprintf(why, whylen, "manifest holds %zu JSON values and members (at most %d)",
			 marks, PB_CARRY_MANIFEST_MARKS_MAX);
		return -1;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(why, whylen, "manifest is not JSON: %s", jerr.text);
		return -1;
	}
	list = json_object_get(root, "batches");
	if (get_int(root, "v", 0, &v) != 0 || v != CARRY_VERSION ||
	    get_hex(root, "box_id", m->box_id, PB_PROTO_ID_LEN) != 0 ||
	    get_int(root, "made_ms", 0, &m->made_ms) != 0 || !json_is_array(list)) {
		snprintf(why, whylen, "manifest lacks v 1, box_id, made_ms or batches");
		goto out;
	}
	if (json_array_size(list) > PB_CARRY_BATCHES_MAX) {
		snprintf(why, whylen, "manifest lists more than %d batches", PB_CARRY_BATCHES_MAX);
		goto out;
	}
	m->batches = calloc(json_array_size(list) + 1, sizeof(*m->batches));
	if (m->batches == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, it) {
		struct pb_carry_batch *b = &m->batches[i];

		if (get_str(it, "file", b->file, sizeof(b->file)) != 0 ||
		    !pb_carry_name_ok(b->file) || get_int(it, "first", 1, &b->first) != 0 ||
		    get_int(it, "last", b->first, &b->last) != 0 ||
		    get_hex(it, "sha256", b->sha256, PB_SHA256_HEX_LEN) != 0 ||
		    get_hex(it, "signature", b->signature, PB_PROTO_SIG_HEX_LEN) != 0) {
			snprintf(why, whylen, "manifest batch %zu is malformed", i + 1);
			goto out;
		}
		m->n++;
	}
	rc = 0;
out:
	if (rc != 0)
		pb_carry_manifest_free(m);
	json_decref(root);
	return rc;
}

static int ack_message(const struct pb_carry_ack *a, char *out, size_t len)
{
	int n = snprintf(out, len, CARRY_ACK_PREFIX "\n%s\n%" PRId64 "\n%s\n%" PRId64,
			 a->box_id, a->acked, a->hash, a->made_ms);

	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

char *pb_carry_ack_dump(struct pb_carry_ack *a, const unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	char msg[256], *text;
	json_t *o;

	if (ack_message(a, msg, sizeof(msg)) != 0)
		return NULL;
	pb_proto_public_hex(sk, a->hub_key);
	pb_proto_sign(sk, msg, strlen(msg), a->signature);
	o = json_pack("{si ss sI ss sI ss ss}", "v", CARRY_VERSION, "box_id", a->box_id,
		      "acked", (json_int_t)a->acked, "hash", a->hash,
		      "made_ms", (json_int_t)a->made_ms, "hub_key", a->hub_key,
		      "signature", a->signature);
	text = o != NULL ? json_dumps(o, JSON_INDENT(1)) : NULL;
	json_decref(o);
	return text;
}

enum pb_carry_ack_err pb_carry_ack_check(const char *text, size_t len, const char *hub_key,
					 const char *box_id, struct pb_carry_ack *a)
{
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	enum pb_carry_ack_err e = PB_CARRY_ACK_MALFORMED;
	char msg[256];
	int64_t v = 0;

	memset(a, 0, sizeof(*a));
	if (o == NULL || get_int(o, "v", 0, &v) != 0 || v != CARRY_VERSION ||
	    get_hex(o, "box_id", a->box_id, PB_PROTO_ID_LEN) != 0 ||
	    get_int(o, "acked", 0, &a->acked) != 0 ||
	    get_hex(o, "hash", a->hash, PB_SHA256_HEX_LEN) != 0 ||
	    get_int(o, "made_ms", 0, &a->made_ms) != 0 ||
	    get_hex(o, "hub_key", a->hub_key, PB_PROTO_PK_HEX_LEN) != 0 ||
	    get_hex(o, "signature", a->signature, PB_PROTO_SIG_HEX_LEN) != 0 ||
	    ack_message(a, msg, sizeof(msg)) != 0)
		goto out;
	/* the key the box trusts decides, not the one the file names */
	e = PB_CARRY_ACK_OTHER_KEY;
	if (strcmp(a->hub_key, hub_key) != 0)
		goto out;
	e = PB_CARRY_ACK_BAD_SIGNATURE;
	if (pb_proto_verify(hub_key, msg, strlen(msg), a->signature) != 0)
		goto out;
	e = strcmp(a->box_id, box_id) == 0 ? PB_CARRY_ACK_OK : PB_CARRY_ACK_OTHER_BOX;
out:
	json_decref(o);
	return e;
}

const char *pb_carry_ack_strerror(enum pb_carry_ack_err e)
{
	switch (e) {
	case PB_CARRY_ACK_OK:
		return "sah";
	case PB_CARRY_ACK_MALFORMED:
		return "berkas tanda terima rusak atau bukan tanda terima hub (malformed)";
	case PB_CARRY_ACK_OTHER_KEY:
		return "ditandatangani dengan kunci yang bukan kunci hub yang dipercaya kotak ini "
		       "(unknown key)";
	case PB_CARRY_ACK_BAD_SIGNATURE:
		return "tanda tangan hub tidak cocok: berkas telah diubah (bad signature)";
	case PB_CARRY_ACK_OTHER_BOX:
		return "tanda terima ini untuk kotak lain (other box)";
	}
	return "?";
}
