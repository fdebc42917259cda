/* Mirroring the running root into the other root (pbctl update apply).
 *
 * The other root normally holds the previous system already, so only what
 * differs is written: an entry whose type, size, mtime, link count, link
 * target or device number differs is made anew under a temporary name in
 * its folder (content with its holes, owner, mode, xattrs, times) and
 * renamed over the old one; an equal entry only gets its owner, mode,
 * xattrs and times set where they differ; an entry src does not hold is
 * removed, before its folder's new entries are written. Hard links between
 * files are kept. Folders on another file system than src's top are made
 * but not entered (as cp --one-file-system does). The result equals a
 * copy into an empty folder; nothing in src is ever written.
 *
 * Files are not synced one by one (one sync() at the end): a cut could
 * leave one with its new size and mtime but not all its blocks. So a mark
 * at dst's top says "being written" from before the copy until the
 * install into dst is on disk, and a copy that finds it writes every file
 * again. */
#include "rootcopy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define ROOTCOPY_SEND_MAX  (4 * 1024 * 1024)   /* bytes asked of one sendfile() */
#define ROOTCOPY_XATTR_MAX (64 * 1024)   /* an entry's xattr names, or one value */
#define ROOTCOPY_TMP       ".pb-rootcopy.tmp"
#define ROOTCOPY_MARK      ".pb-rootcopy.unfinished"

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *dst;
};

struct rc {
	dev_t dev;
	const char *top;          /* dst, where the mark is */
	int full;
	struct rootcopy_stats *st;
	FILE *err;
	char *names[2], *vals[2];
	struct link_seen *links;
	size_t nlinks, cap;
};

static int fail(struct rc *r, const char *what, const char *path)
{
	fprintf(r->err, "pbctl: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

static int join(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Names of path's xattrs into buf: their total length, 0 when none. */
static ssize_t xattr_names(const char *path, char *buf)
{
	ssize_t n = llistxattr(path, buf, ROOTCOPY_XATTR_MAX);

	if (n < 0 && (errno == ENOTSUP || errno == ENODATA))
		return 0;
	return n;
}

/* 1 when d's xattrs are s's, 0 not, -1 error. */
static int xattrs_equal(struct rc *r, const char *s, const char *d)
{
	ssize_t ns = xattr_names(s, r->names[0]), nd = xattr_names(d, r->names[1]);
	int count_s = 0, count_d = 0;

	if (ns < 0 || nd < 0)
		return -1;
	for (ssize_t i = 0; i < nd; i += (ssize_t)strlen(r->names[1] + i) + 1)
		count_d++;
	for (ssize_t i = 0; i < ns; i += (ssize_t)strlen(r->names[0] + i) + 1) {
		const char *name = r->names[0] + i;
		ssize_t a = lgetxattr(s, name, r->vals[0], ROOTCOPY_XATTR_MAX);
		ssize_t b = lgetxattr(d, name, r->vals[1], ROOTCOPY_XATTR_MAX);

		if (a < 0)
			return -1;
		if (b != a || memcmp(r->vals[0], r->vals[1], (size_t)a) != 0)
			return 0;
		count_s++;
	}
	return count_s == count_d;
}

/* d's xattrs made s's: those s lacks removed, all of s's set. */
static int xattrs_copy(struct rc *r, const char *s, const char *d)
{
	ssize_t ns = xattr_names(s, r->names[0]), nd = xattr_names(d, r->names[1]);

	if (ns < 0 || nd < 0)
		return -1;
	for (ssize_t i = 0; i < nd; i += (ssize_t)strlen(r->names[1] + i) + 1)
		if (lgetxattr(s, r->names[1] + i, NULL, 0) < 0 &&
		    lremovexattr(d, r->names[1] + i) != 0)
			return -1;
	for (ssize_t i = 0; i < ns; i += (ssize_t)strlen(r->names[0] + i) + 1) {
		const char *name = r->names[0] + i;
		ssize_t a = lgetxattr(s, name, r->vals[0], ROOTCOPY_XATTR_MAX);

		if (a < 0 || lsetxattr(d, name, r->vals[0], (size_t)a, 0) != 0)
			return -1;
	}
	return 0;
}

/* d given s's owner, mode, xattrs and times where they differ (all of
 * them when fresh): 1 when something was set, 0 nothing, -1 error. Owner
 * first (chown clears set-id bits and capabilities), times last. */
static int meta(struct rc *r, const char *s, const char *d, const struct stat *ss, int fresh)
{
	struct stat ds;
	int set = 0, eq;

	if (lstat(d, &ds) != 0)
		return fail(r, "cannot read", d);
	if (fresh || ds.st_uid != ss->st_uid || ds.st_gid != ss->st_gid) {
		if (lchown(d, ss->st_uid, ss->st_gid) != 0)
			return fail(r, "cannot set the owner of", d);
		set = 1;
	}
	if (!S_ISLNK(ss->st_mode) && (set || (ds.st_mode & 07777) != (ss->st_mode & 07777))) {
		if (chmod(d, ss->st_mode & 07777) != 0)
			return fail(r, "cannot set the mode of", d);
		set = 1;
	}
	if ((eq = xattrs_equal(r, s, d)) < 0)
		return fail(r, "cannot read the xattrs of", d);
	if (!eq) {
		if (xattrs_copy(r, s, d) != 0)
			return fail(r, "cannot set the xattrs of", d);
		set = 1;
	}
	if (fresh || !same_time(&ds.st_mtim, &ss->st_mtim) || !same_time(&ds.st_atim, &ss->st_atim)) {
		struct timespec ts[2] = { ss->st_atim, ss->st_mtim };

		if (utimensat(AT_FDCWD, d, ts, AT_SYMLINK_NOFOLLOW) != 0)
			return fail(r, "cannot set the times of", d);
		set = 1;
	}
	return set;
}

static struct link_seen *link_find(struct rc *r, const struct stat *ss)
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (r->links[i].dev == ss->st_dev && r->links[i].ino == ss->st_ino)
			return &r->links[i];
	return NULL;
}

static int link_add(struct rc *r, const struct stat *ss, const char *d)
{
	if (r->nlinks == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct link_seen *n = realloc(r->links, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		r->links = n;
		r->cap = cap;
	}
	if ((r->links[r->nlinks].dst = strdup(d)) == NULL)
		return -1;
	r->links[r->nlinks].dev = ss->st_dev;
	r->links[r->nlinks++].ino = ss->st_ino;
	return 0;
}

/* Remove path and, for a folder of the same file system, all it holds. */
static int remove_tree(struct rc *r, const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *dir;
	int rc = 0;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : fail(r, "cannot read", path);
	if (S_ISDIR(st.st_mode)) {
		if ((dir = opendir(path)) == NULL)
			return fail(r, "cannot read", path);
		while (rc == 0 && (e = readdir(dir)) != NULL) {
			char p[PATH_MAX];

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			rc = join(p, path, e->d_name) != 0 ? fail(r, "cannot name", path)
							   : remove_tree(r, p);
		}
		closedir(dir);
		if (rc != 0 || rmdir(path) != 0)
			return rc != 0 ? rc : fail(r, "cannot remove", path);
	} else if (unlink(path) != 0) {
		return fail(r, "cannot remove", path);
	}
	r->st->removed++;
	return 0;
}

/* 1 when d (ds) already holds what s (ss) holds, content-wise. */
static int same_content(struct rc *r, const char *s, const char *d, const struct stat *ss,
			const struct stat *ds)
{
	struct link_seen *l;
	struct stat ls;
	char a[PATH_MAX], b[PATH_MAX];
	ssize_t na, nb;

	if (r->full)
		return 0;
	switch (ss->st_mode & S_IFMT) {
	case S_IFREG:
		if (ss->st_nlink > 1 && (l = link_find(r, ss)) != NULL)
			return lstat(l->dst, &ls) == 0 && ls.st_ino == ds->st_ino &&
			       ls.st_dev == ds->st_dev;
		return ds->st_size == ss->st_size && ds->st_nlink == ss->st_nlink &&
		       same_time(&ds->st_mtim, &ss->st_mtim);
	case S_IFLNK:
		na = readlink(s, a, sizeof(a));
		nb = ds->st_size == ss->st_size ? readlink(d, b, sizeof(b)) : -1;
		return na >= 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
	case S_IFCHR:
	case S_IFBLK:
		return ds->st_rdev == ss->st_rdev;
	default:
		return 1;
	}
}

/* Content of s into the new file tmp, with s's metadata. */
static int copy_file(struct rc *r, const char *s, const char *tmp, const struct stat *ss)
{
	int in = -1, out = -1, rc = -1;
	ssize_t n;

	/* src's atime left as it is, as a read-only mount does */
	in = open(s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
	if (in < 0 && errno == EPERM)
		in = open(s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0) {
		fail(r, "cannot read", s);
		goto out;
	}
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		fail(r, "cannot create", tmp);
		goto out;
	}
	/* the data extents only: a hole stays a hole, as cp -a keeps it */
	for (off_t data = 0, hole; (data = lseek(in, data, SEEK_DATA)) >= 0; data = hole) {
		if ((hole = lseek(in, data, SEEK_HOLE)) < 0 || lseek(out, data, SEEK_SET) < 0) {
			fail(r, "cannot seek in", s);
			goto out;
		}
		/* in the kernel, page cache to page cache: one copy of each
		 * byte instead of two through a buffer here (copy_file_range
		 * refuses two file systems, which the roots are) */
		for (off_t pos = data; pos < hole;) {
			off_t left = hole - pos;
			size_t len = left < ROOTCOPY_SEND_MAX ? (size_t)left : ROOTCOPY_SEND_MAX;

			if ((n = sendfile(out, in, &pos, len)) <= 0) {
				if (n == 0)
					errno = EIO;    /* shorter than its extents said */
				fail(r, "cannot copy", s);
				goto out;
			}
			r->st->bytes += (unsigned long long)n;
		}
	}
	if (errno != ENXIO) {           /* ENXIO: no data past the last extent */
		fail(r, "cannot read", s);
		goto out;
	}
	if (ftruncate(out, ss->st_size) != 0) {   /* a hole at the end */
		fail(r, "cannot write", tmp);
		goto out;
	}
	if (meta(r, s, tmp, ss, 1) < 0)
		goto out;
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0 && rc == 0)
		rc = fail(r, "cannot write", tmp);
	return rc;
}

/* A non-folder entry s made anew as tmp, then renamed to d. */
static int create(struct rc *r, const char *s, const char *d, const char *tmp,
		  const struct stat *ss)
{
	struct link_seen *l = NULL;
	char target[PATH_MAX];
	ssize_t n;

	if (unlink(tmp) != 0 && errno != ENOENT)
		return fail(r, "cannot remove", tmp);
	switch (ss->st_mode & S_IFMT) {
	case S_IFREG:
		if (ss->st_nlink > 1 && (l = link_find(r, ss)) != NULL) {
			if (link(l->dst, tmp) != 0)
				return fail(r, "cannot link", tmp);
		} else if (copy_file(r, s, tmp, ss) != 0) {
			unlink(tmp);
			return -1;
		}
		break;
	case S_IFLNK:
		if ((n = readlink(s, target, sizeof(target) - 1)) < 0)
			return fail(r, "cannot read", s);
		target[n] = '\0';
		if (symlink(target, tmp) != 0)
			return fail(r, "cannot create", tmp);
		break;
	default:
		if (mknod(tmp, (ss->st_mode & S_IFMT) | 0600, ss->st_rdev) != 0)
			return fail(r, "cannot create", tmp);
	}
	if (!S_ISREG(ss->st_mode) && meta(r, s, tmp, ss, 1) < 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, d) != 0)
		return fail(r, "cannot rename to", d);
	if (S_ISREG(ss->st_mode) && ss->st_nlink > 1 && l == NULL && link_add(r, ss, d) != 0)
		return fail(r, "cannot remember the links of", d);
	r->st->written++;
	return 0;
}

static int walk(struct rc *r, const char *s, const char *d);

/* One entry of src (s, ss) made equal in dst (d), in folder dir. */
static int entry(struct rc *r, const char *s, const char *d, const char *dir,
		 const struct stat *ss)
{
	struct stat ds;
	int have = lstat(d, &ds) == 0, set;
	char tmp[PATH_MAX];

	if (!have && errno != ENOENT)
		return fail(r, "cannot read", d);
	if (have && (ds.st_mode & S_IFMT) != (ss->st_mode & S_IFMT)) {
		if (remove_tree(r, d) != 0)
			return -1;
		have = 0;
	}
	if (S_ISDIR(ss->st_mode)) {
		if (!have && mkdir(d, 0700) != 0)
			return fail(r, "cannot create", d);
		if (walk(r, ss->st_dev == r->dev ? s : NULL, d) != 0)
			return -1;
		if ((set = meta(r, s, d, ss, !have)) < 0)
			return -1;
		if (!have)
			r->st->written++;
		else if (set)
			r->st->fixed++;
		else
			r->st->kept++;
		return 0;
	}
	if (join(tmp, dir, ROOTCOPY_TMP) != 0)
		return fail(r, "cannot name", d);
	if (!have || !same_content(r, s, d, ss, &ds))
		return create(r, s, d, tmp, ss);
	if (S_ISREG(ss->st_mode) && ss->st_nlink > 1 && link_find(r, ss) != NULL) {
		r->st->kept++;          /* a further name of a file set already */
		return 0;
	}
	if (S_ISREG(ss->st_mode) && ss->st_nlink > 1 && link_add(r, ss, d) != 0)
		return fail(r, "cannot remember the links of", d);
	if ((set = meta(r, s, d, ss, 0)) < 0)
		return -1;
	if (set)
		r->st->fixed++;
	else
		r->st->kept++;
	return 0;
}

/* Folder d made to hold what folder s holds (nothing when s is NULL: a
 * mount point): first what s lacks removed, then each entry of s made equal. */
/* "." and "..", and the target's own mark at its top: never copied or removed. */
static int skipped(const struct rc *r, const char *d, const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	       (d == r->top && strcmp(name, ROOTCOPY_MARK) == 0);
}

static int walk(struct rc *r, const char *s, const char *d)
{
	char sp[PATH_MAX], dp[PATH_MAX];
	struct stat ss;
	struct dirent *e;
	DIR *dir;
	int rc = 0;

	if ((dir = opendir(d)) == NULL)
		return fail(r, "cannot read", d);
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		if (skipped(r, d, e->d_name))
			continue;
		if (join(dp, d, e->d_name) != 0 || (s != NULL && join(sp, s, e->d_name) != 0))
			rc = fail(r, "cannot name", d);
		else if (s == NULL || lstat(sp, &ss) != 0)
			rc = s == NULL || errno == ENOENT ? remove_tree(r, dp)
							  : fail(r, "cannot read", sp);
	}
	closedir(dir);
	if (rc != 0 || s == NULL)
		return rc;
	if ((dir = opendir(s)) == NULL)
		return fail(r, "cannot read", s);
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		if (skipped(r, d, e->d_name))
			continue;
		if (join(sp, s, e->d_name) != 0 || join(dp, d, e->d_name) != 0)
			rc = fail(r, "cannot name", s);
		else if (lstat(sp, &ss) != 0)
			rc = fail(r, "cannot read", sp);
		else
			rc = entry(r, sp, dp, d, &ss);
	}
	closedir(dir);
	return rc;
}

/* The mark's path, and dst's folder opened: its fd, or -1. */
static int mark_path(const char *dst, char *path)
{
	if (join(path, dst, ROOTCOPY_MARK) != 0)
		return -1;
	return open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int rootcopy_begin(const char *dst, FILE *err)
{
	char path[PATH_MAX];
	int dir = mark_path(dst, path), fd = -1, rc = -1;

	if (dir < 0)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		rc = errno == EEXIST ? 1 : -1;
		goto out;
	}
	if (fsync(fd) == 0 && fsync(dir) == 0)
		rc = 0;
out:
	if (rc < 0)
		fprintf(err, "pbctl: cannot mark %s as being written: %s\n", dst, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	return rc;
}

int rootcopy_unfinished(const char *dst)
{
	char path[PATH_MAX];
	struct stat st;

	return join(path, dst, ROOTCOPY_MARK) != 0 || lstat(path, &st) == 0;
}

int rootcopy_end(const char *dst, FILE *err)
{
	char path[PATH_MAX];
	int dir, rc = -1;

	sync();
	if ((dir = mark_path(dst, path)) >= 0 && unlink(path) == 0 && fsync(dir) == 0)
		rc = 0;
	else
		fprintf(err, "pbctl: cannot mark %s as whole: %s\n", dst, strerror(errno));
	if (dir >= 0)
		close(dir);
	return rc;
}

int rootcopy_mirror(const char *src, const char *dst, int full, struct rootcopy_stats *st,
		    FILE *err)
{
	struct rc r = { .st = st, .err = err, .top = dst, .full = full };
	struct stat ss, ds;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (lstat(src, &ss) != 0 || !S_ISDIR(ss.st_mode) || lstat(dst, &ds) != 0 ||
	    !S_ISDIR(ds.st_mode)) {
		fprintf(err, "pbctl: %s and %s must both be folders\n", src, dst);
		return -1;
	}
	r.dev = ss.st_dev;
	for (int i = 0; i < 2; i++) {
		r.names[i] = malloc(ROOTCOPY_XATTR_MAX);
		r.vals[i] = malloc(ROOTCOPY_XATTR_MAX);
	}
	if (!r.names[0] || !r.names[1] || !r.vals[0] || !r.vals[1]) {
		fprintf(err, "pbctl: out of memory\n");
		goto out;
	}
	if (walk(&r, src, dst) == 0 && meta(&r, src, dst, &ss, 0) >= 0)
		rc = 0;
out:
	for (size_t i = 0; i < r.nlinks; i++)
		free(r.links[i].dst);
	free(r.links);
	for (int i = 0; i < 2; i++) {
		free(r.names[i]);
		free(r.vals[i]);
	}
	return rc;
}
