#include "pb_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *pb_store_strerror(enum pb_store_result r)
{
	switch (r) {
	case PB_STORE_ADDED:    return "added";
	case PB_STORE_PRESENT:  return "already present";
	case PB_STORE_ERR_IO:   return "input/output error";
	case PB_STORE_ERR_HASH: return "content does not match its SHA-256";
	case PB_STORE_ERR_NAME: return "not a valid SHA-256";
	}
	return "unknown";
}

/* The store is shared by the box's programs through their common group
 * (pb on the box, where the data folder is set-group-ID, so every folder
 * below it belongs to that group). A new folder is made group-writable
 * whatever the creating program's umask (pbctl as root has 022), so that
 * pb-web (receipt photos), pb-sync (module files, the purge) and pbctl
 * can each add and remove files in folders another one made. */
#define PB_STORE_DIR_MODE 0770
#define PB_STORE_TMP_NAME_BYTES 8  /* random bytes in the name of a file being written */

/* 0 when path is a folder now (*made says if it is new), -1 on error. */
static int store_mkdir(const char *path, int *made)
{
	struct stat sb;
	int fd, rc = -1;

	*made = 0;
	if (mkdir(path, PB_STORE_DIR_MODE) != 0)
		return errno == EEXIST ? 0 : -1;
	*made = 1;
	/* Mend the mode only when the umask took bits away: the box's units
	 * run with UMask=0007 and never need it (and with RestrictSUIDSGID a
	 * mode carrying the set-group-ID bit is refused). fchmod on the
	 * folder itself: pb-web's system call filter has no chmod. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) == 0 &&
	    ((sb.st_mode & 0777) == PB_STORE_DIR_MODE ||
	     fchmod(fd, (sb.st_mode & S_ISGID) | PB_STORE_DIR_MODE) == 0))
		rc = 0;
	close(fd);
	return rc;
}

int pb_store_open(struct pb_store *s, const char *dir)
{
	char tmp[PATH_MAX];
	int n, made;

	if (strlen(dir) >= sizeof(s->dir))
		return -1;
	memcpy(s->dir, dir, strlen(dir) + 1);
	s->tick = NULL;
	s->tick_arg = NULL;
	n = snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	if (store_mkdir(dir, &made) != 0 || store_mkdir(tmp, &made) != 0)
		return -1;
	return 0;
}

int pb_store_path(const struct pb_store *s, const char *hex, char *out, size_t len)
{
	int n;

	if (!pb_sha256_hex_valid(hex))
		return -1;
	n = snprintf(out, len, "%s/%.2s/%s", s->dir, hex, hex);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_store_has(const struct pb_store *s, const char *hex, int64_t size)
{
	char path[PATH_MAX];
	struct stat sb;

	if (pb_store_path(s, hex, path, sizeof(path)) != 0)
		return 0;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	return size < 0 || sb.st_size == size;
}

int pb_store_remove(const struct pb_store *s, const char *hex)
{
	char path[PATH_MAX];

	if (pb_store_path(s, hex, path, sizeof(path)) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (unlink(path) != 0)
		return errno == ENOENT ? 1 : -1;
	return 0;
}

int pb_store_part_open(const struct pb_store *s, const char *hex, int64_t size, char *part,
		       size_t plen, int *fd, uint64_t *off)
{
	struct stat sb;
	int n;

	*fd = -1;
	*off = 0;
	if (!pb_sha256_hex_valid(hex) || size < 0) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(part, plen, "%s/tmp/%s.part", s->dir, hex);
	if (n < 0 || (size_t)n >= plen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (*fd < 0 || fstat(*fd, &sb) != 0)
		goto fail;
	*off = (uint64_t)sb.st_size;
	if (*off > (uint64_t)size) {           /* not this file: start again */
		if (ftruncate(*fd, 0) != 0)
			goto fail;
		*off = 0;
	}
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return -1;
}

int pb_store_drop_part(const struct pb_store *s, const char *hex)
{
	char part[PATH_MAX];
	int n;

	if (!pb_sha256_hex_valid(hex)) {
		errno = EINVAL;
		return -1;
	}
	if (!pb_store_has(s, hex, -1))
		return 1;
	n = snprintf(part, sizeof(part), "%s/tmp/%s.part", s->dir, hex);
	if (n < 0 || (size_t)n >= sizeof(part))
		return -1;
	if (unlink(part) != 0)
		return errno == ENOENT ? 1 : -1;
	return 0;
}

int pb_store_tmp_path(const struct pb_store *s, char *out, size_t len)
{
	unsigned char rnd[PB_STORE_TMP_NAME_BYTES];
	char hex[PB_STORE_TMP_NAME_BYTES * 2 + 1];
	int n;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	n = snprintf(out, len, "%s/tmp/%s.part", s->dir, hex);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Rename tmp into the object path for hex, creating the shard folder. */
static enum pb_store_result place(const struct pb_store *s, const char *tmp,
				  const char *hex, char *err, size_t errlen)
{
	char dst[PATH_MAX], shard[PATH_MAX];
	int n, made;

	if (pb_store_path(s, hex, dst, sizeof(dst)) != 0)
		return PB_STORE_ERR_NAME;
	n = snprintf(shard, sizeof(shard), "%s/%.2s", s->dir, hex);
	if (n < 0 || (size_t)n >= sizeof(shard)) {
		snprintf(err, errlen, "store path too long");
		return PB_STORE_ERR_IO;
	}
	if (store_mkdir(shard, &made) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", shard, strerror(errno));
		return PB_STORE_ERR_IO;
	}
	if (made) {
		/* A new shard folder is only durable once its parent is synced:
		 * without this a power cut could lose the folder, and the file
		 * renamed into it, after the catalogue committed it. */
		if (fsync_dir(s->dir) != 0) {
			snprintf(err, errlen, "cannot sync %s: %s", s->dir, strerror(errno));
			return PB_STORE_ERR_IO;
		}
	}
	if (rename(tmp, dst) != 0) {
		snprintf(err, errlen, "cannot rename into the store: %s", strerror(errno));
		return PB_STORE_ERR_IO;
	}
	if (fsync_dir(shard) != 0) {
		snprintf(err, errlen, "cannot sync %s: %s", shard, strerror(errno));
		return PB_STORE_ERR_IO;
	}
	return PB_STORE_ADDED;
}

enum pb_store_result pb_store_import(const struct pb_store *s, const char *src,
				     const char *expect_hex, int64_t *size_out,
				     char *err, size_t errlen)
{
	char tmp[PATH_MAX], got[PB_SHA256_HEX_LEN + 1];
	static __thread unsigned char buf[PB_STORE_COPY_CHUNK];
	struct pb_sha256 h;
	struct stat sb;
	int in = -1, out = -1;
	int64_t total = 0;
	enum pb_store_result r = PB_STORE_ERR_IO;
	ssize_t n;

	err[0] = '\0';
	if (!pb_sha256_hex_valid(expect_hex)) {
		snprintf(err, errlen, "'%s' is not a SHA-256", expect_hex);
		return PB_STORE_ERR_NAME;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "cannot read %s: %s", src,
			 in < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	if (size_out != NULL)
		*size_out = sb.st_size;
	if (pb_store_has(s, expect_hex, sb.st_size)) {
		r = PB_STORE_PRESENT;
		goto out;
	}
	if (pb_store_tmp_path(s, tmp, sizeof(tmp)) != 0)
		goto out;
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	pb_sha256_init(&h);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		pb_sha256_update(&h, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				snprintf(err, errlen, "write failed: %s", strerror(errno));
				goto out_unlink;
			}
			off += w;
		}
		total += n;
		if (s->tick != NULL)
			s->tick(s->tick_arg);
	}
	if (n < 0) {
		snprintf(err, errlen, "read failed on %s: %s", src, strerror(errno));
		goto out_unlink;
	}
	pb_sha256_final_hex(&h, got);
	if (strcmp(got, expect_hex) != 0) {
		snprintf(err, errlen, "SHA-256 is %s, manifest says %s", got, expect_hex);
		r = PB_STORE_ERR_HASH;
		goto out_unlink;
	}
	if (fsync(out) != 0 || close(out) != 0) {
		out = -1;
		snprintf(err, errlen, "cannot sync: %s", strerror(errno));
		goto out_unlink;
	}
	out = -1;
	if (size_out != NULL)
		*size_out = total;
	r = place(s, tmp, expect_hex, err, errlen);
	if (r != PB_STORE_ADDED)
		goto out_unlink;
	goto out;
out_unlink:
	if (out >= 0)
		close(out);
	out = -1;
	unlink(tmp);
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	return r;
}

enum pb_store_result pb_store_adopt(const struct pb_store *s, const char *tmp_path,
				    const char *expect_hex, char *err, size_t errlen)
{
	char got[PB_SHA256_HEX_LEN + 1];
	static __thread unsigned char buf[PB_STORE_COPY_CHUNK];
	struct pb_sha256 h;
	int fd;
	ssize_t n;
	enum pb_store_result r;

	err[0] = '\0';
	if (!pb_sha256_hex_valid(expect_hex))
		return PB_STORE_ERR_NAME;
	fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s: %s", tmp_path, strerror(errno));
		return PB_STORE_ERR_IO;
	}
	pb_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		pb_sha256_update(&h, buf, (size_t)n);
	if (n < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot read back %s: %s", tmp_path, strerror(errno));
		close(fd);
		return PB_STORE_ERR_IO;
	}
	close(fd);
	pb_sha256_final_hex(&h, got);
	if (strcmp(got, expect_hex) != 0) {
		snprintf(err, errlen, "SHA-256 is %s, expected %s", got, expect_hex);
		unlink(tmp_path);
		return PB_STORE_ERR_HASH;
	}
	r = place(s, tmp_path, expect_hex, err, errlen);
	if (r != PB_STORE_ADDED)
		unlink(tmp_path);
	return r;
}
