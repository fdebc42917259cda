/* crashfs: see crashfs.h. */
#include "crashfs.h"
#include "crashvfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRASHFS_INODES_MAX  4096
#define CRASHFS_ENTRIES_MAX 8192
#define CRASHFS_OPS_MAX     8192
#define CRASHFS_FDS_MAX     1024
#define CRASHFS_NAME_MAX    128

int __real_open(const char *path, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_close(int fd);
int __real_rename(const char *a, const char *b);
int __real_mkdir(const char *path, mode_t mode);
int __real_unlink(const char *path);

struct inode {
	int is_dir;
	unsigned char *data;      /* files: everything written */
	size_t len, cap, durable; /* bytes on the disk for sure */
};

struct entry {               /* a name in a folder */
	int dir, ino;
	char name[CRASHFS_NAME_MAX];
};

enum op_kind { OP_ADD, OP_DEL };
struct dop {                 /* a directory change not yet synced */
	int dir, ino;
	enum op_kind kind;
	char name[CRASHFS_NAME_MAX];
};

static char g_root[1024];
static size_t g_rootlen;
static int g_on, g_ignore_dir_sync;
static struct inode g_ino[CRASHFS_INODES_MAX];
static int g_nino;
static struct entry g_live[CRASHFS_ENTRIES_MAX], g_durable[CRASHFS_ENTRIES_MAX];
static int g_nlive, g_ndurable;
static struct dop g_ops[CRASHFS_OPS_MAX];
static int g_nops;
static int g_fd_ino[CRASHFS_FDS_MAX];   /* inode + 1, 0 = not tracked */

static int new_inode(int is_dir)
{
	if (g_nino >= CRASHFS_INODES_MAX)
		return -1;
	memset(&g_ino[g_nino], 0, sizeof(g_ino[0]));
	g_ino[g_nino].is_dir = is_dir;
	return g_nino++;
}

static int find(const struct entry *t, int n, int dir, const char *name)
{
	for (int i = 0; i < n; i++)
		if (t[i].dir == dir && strcmp(t[i].name, name) == 0)
			return i;
	return -1;
}

/* Put name → ino in a table (replacing), or remove it (ino < 0). */
static int table_set(struct entry *t, int *n, int dir, const char *name, int ino)
{
	int i = find(t, *n, dir, name);

	if (ino < 0) {
		if (i >= 0)
			t[i] = t[--*n];
		return 0;
	}
	if (i < 0) {
		if (*n >= CRASHFS_ENTRIES_MAX)
			return -1;
		i = (*n)++;
	}
	t[i].dir = dir;
	t[i].ino = ino;
	snprintf(t[i].name, sizeof(t[i].name), "%s", name);
	return 0;
}

static int push_op(int dir, enum op_kind k, const char *name, int ino)
{
	if (g_nops >= CRASHFS_OPS_MAX)
		return -1;
	g_ops[g_nops].dir = dir;
	g_ops[g_nops].kind = k;
	g_ops[g_nops].ino = ino;
	snprintf(g_ops[g_nops].name, sizeof(g_ops[0].name), "%s", name);
	g_nops++;
	return 0;
}

/* Folder inode and last name of a tracked path; -1 if not below the root. */
static int resolve(const char *path, int *dir, const char **name)
{
	const char *p;
	char seg[CRASHFS_NAME_MAX];
	int cur = 0;

	if (!g_on || strncmp(path, g_root, g_rootlen) != 0 || path[g_rootlen] != '/')
		return -1;
	p = path + g_rootlen + 1;
	for (;;) {
		size_t n = strcspn(p, "/");
		int i;
		if (p[n] == '\0') {
			*dir = cur;
			*name = p;
			return n > 0 && n < CRASHFS_NAME_MAX ? 0 : -1;
		}
		if (n == 0 || n >= sizeof(seg))
			return -1;
		memcpy(seg, p, n);
		seg[n] = '\0';
		i = find(g_live, g_nlive, cur, seg);
		if (i < 0 || !g_ino[g_live[i].ino].is_dir)
			return -1;
		cur = g_live[i].ino;
		p += n + 1;
	}
}

static int lookup(const char *path)
{
	int dir, i;
	const char *name;

	if (strcmp(path, g_root) == 0 && g_on)
		return 0;
	if (resolve(path, &dir, &name) != 0)
		return -1;
	i = find(g_live, g_nlive, dir, name);
	return i < 0 ? -1 : g_live[i].ino;
}

static int power_gone(void)
{
	if (crashvfs_tick() == 0)
		return 0;
	errno = EIO;
	return 1;
}

/* ---- the wrappers ---- */

int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd, dir, ino, existed;
	const char *name;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, unsigned);
		va_end(ap);
	}
	ino = lookup(path);
	existed = ino >= 0;
	if (ino < 0 && !(g_on && resolve(path, &dir, &name) == 0 && (flags & O_CREAT)))
		return __real_open(path, flags, mode);
	if (!existed && power_gone())
		return -1;
	fd = __real_open(path, flags, mode);
	if (fd < 0)
		return fd;
	if (!existed) {
		ino = new_inode(0);
		if (ino < 0 || table_set(g_live, &g_nlive, dir, name, ino) != 0 ||
		    push_op(dir, OP_ADD, name, ino) != 0) {
			__real_close(fd);
			errno = ENOMEM;
			return -1;
		}
	}
	if (fd < CRASHFS_FDS_MAX)
		g_fd_ino[fd] = ino + 1;
	return fd;
}

ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	struct inode *in;
	ssize_t w;

	if (fd < 0 || fd >= CRASHFS_FDS_MAX || g_fd_ino[fd] == 0)
		return __real_write(fd, buf, n);
	if (power_gone())
		return -1;
	w = __real_write(fd, buf, n);
	if (w <= 0)
		return w;
	in = &g_ino[g_fd_ino[fd] - 1];
	if (in->len + (size_t)w > in->cap) {
		size_t cap = in->cap ? in->cap : 4096;
		unsigned char *d;
		while (cap < in->len + (size_t)w)
			cap *= 2;
		d = realloc(in->data, cap);
		if (d == NULL) {
			errno = ENOMEM;
			return -1;
		}
		in->data = d;
		in->cap = cap;
	}
	memcpy(in->data + in->len, buf, (size_t)w);   /* pb_store only appends */
	in->len += (size_t)w;
	return w;
}

int __wrap_fsync(int fd);
int __wrap_fsync(int fd)
{
	int ino;

	if (fd < 0 || fd >= CRASHFS_FDS_MAX || g_fd_ino[fd] == 0)
		return __real_fsync(fd);
	if (power_gone())
		return -1;
	ino = g_fd_ino[fd] - 1;
	if (!g_ino[ino].is_dir) {
		g_ino[ino].durable = g_ino[ino].len;
		return 0;
	}
	if (g_ignore_dir_sync)
		return 0;
	for (int i = 0; i < g_nops;) {       /* this folder's changes become durable */
		if (g_ops[i].dir != ino) {
			i++;
			continue;
		}
		if (table_set(g_durable, &g_ndurable, ino, g_ops[i].name,
			      g_ops[i].kind == OP_ADD ? g_ops[i].ino : -1) != 0)
			return -1;
		memmove(&g_ops[i], &g_ops[i + 1], (size_t)(g_nops - i - 1) * sizeof(g_ops[0]));
		g_nops--;
	}
	return 0;
}

int __wrap_close(int fd);
int __wrap_close(int fd)
{
	if (fd >= 0 && fd < CRASHFS_FDS_MAX)
		g_fd_ino[fd] = 0;
	return __real_close(fd);
}

int __wrap_rename(const char *a, const char *b);
int __wrap_rename(const char *a, const char *b)
{
	int ino = lookup(a), ad, bd;
	const char *an, *bn;

	if (ino < 0 || resolve(a, &ad, &an) != 0 || resolve(b, &bd, &bn) != 0)
		return __real_rename(a, b);
	if (power_gone())
		return -1;
	if (__real_rename(a, b) != 0)
		return -1;
	if (table_set(g_live, &g_nlive, ad, an, -1) != 0 ||
	    table_set(g_live, &g_nlive, bd, bn, ino) != 0 ||
	    push_op(ad, OP_DEL, an, -1) != 0 || push_op(bd, OP_ADD, bn, ino) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_mkdir(const char *path, mode_t mode)
{
	int dir, ino;
	const char *name;

	if (!g_on || resolve(path, &dir, &name) != 0)
		return __real_mkdir(path, mode);
	if (find(g_live, g_nlive, dir, name) >= 0)
		return __real_mkdir(path, mode);      /* EEXIST */
	if (power_gone())
		return -1;
	if (__real_mkdir(path, mode) != 0)
		return -1;
	ino = new_inode(1);
	if (ino < 0 || table_set(g_live, &g_nlive, dir, name, ino) != 0 ||
	    push_op(dir, OP_ADD, name, ino) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int __wrap_unlink(const char *path);
int __wrap_unlink(const char *path)
{
	int dir;
	const char *name;

	if (lookup(path) < 0 || resolve(path, &dir, &name) != 0)
		return __real_unlink(path);
	if (power_gone())
		return -1;
	if (__real_unlink(path) != 0)
		return -1;
	table_set(g_live, &g_nlive, dir, name, -1);
	return push_op(dir, OP_DEL, name, -1);
}

/* ---- tracking and the result ---- */

static int scan(const char *path, int dir_ino)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[2048];
	int rc = 0;

	if (d == NULL)
		return -1;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat sb;
		int ino;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (stat(p, &sb) != 0)
			continue;
		ino = new_inode(S_ISDIR(sb.st_mode));
		if (ino < 0 || table_set(g_live, &g_nlive, dir_ino, e->d_name, ino) != 0 ||
		    table_set(g_durable, &g_ndurable, dir_ino, e->d_name, ino) != 0) {
			rc = -1;
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			rc = scan(p, ino);
		} else {
			FILE *f = fopen(p, "rb");
			struct inode *in = &g_ino[ino];
			in->data = malloc((size_t)sb.st_size + 1);
			if (f == NULL || in->data == NULL ||
			    fread(in->data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
				rc = -1;
			in->len = in->cap = in->durable = (size_t)sb.st_size;
			if (f != NULL)
				fclose(f);
		}
	}
	closedir(d);
	return rc;
}

void crashfs_reset(void)
{
	for (int i = 0; i < g_nino; i++)
		free(g_ino[i].data);
	g_nino = g_nlive = g_ndurable = g_nops = 0;
	memset(g_fd_ino, 0, sizeof(g_fd_ino));
	g_on = 0;
}

void crashfs_set_ignore_dir_sync(int on)
{
	g_ignore_dir_sync = on;
}

int crashfs_track(const char *dir)
{
	crashfs_reset();
	if (strlen(dir) >= sizeof(g_root))
		return -1;
	snprintf(g_root, sizeof(g_root), "%s", dir);
	g_rootlen = strlen(g_root);
	if (new_inode(1) != 0 || scan(dir, 0) != 0)
		return -1;
	g_on = 1;
	return 0;
}

static uint64_t g_rng;

static int write_tree(int dir, const char *out, unsigned tear)
{
	char p[2048];

	if (__real_mkdir(out, 0755) != 0 && errno != EEXIST)
		return -1;
	for (int i = 0; i < g_ndurable; i++) {
		const struct entry *e = &g_durable[i];
		const struct inode *in = &g_ino[e->ino];
		FILE *f;
		size_t len, s;

		if (e->dir != dir)
			continue;
		snprintf(p, sizeof(p), "%s/%s", out, e->name);
		if (in->is_dir) {
			if (write_tree(e->ino, p, tear) != 0)
				return -1;
			continue;
		}
		/* Synced bytes, then a random prefix of the rest, sector by sector
		 * written or left as zeros. */
		len = in->durable + (in->len > in->durable ?
			(size_t)(crash_splitmix(&g_rng) % (in->len - in->durable + 1)) : 0);
		f = fopen(p, "wb");
		/* an empty file has no data buffer at all */
		if (f == NULL || (in->durable > 0 &&
				  fwrite(in->data, 1, in->durable, f) != in->durable)) {
			if (f != NULL)
				fclose(f);
			return -1;
		}
		for (s = in->durable; s < len; s += CRASHVFS_SECTOR) {
			static const unsigned char zero[CRASHVFS_SECTOR];
			size_t n = len - s < CRASHVFS_SECTOR ? len - s : CRASHVFS_SECTOR;
			int keep = crash_splitmix(&g_rng) % 100 >= tear;
			fwrite(keep ? in->data + s : zero, 1, n, f);
		}
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

int crashfs_materialize(const char *out_dir, uint64_t seed)
{
	unsigned keep, tear;

	g_rng = seed;
	keep = (unsigned)(crash_splitmix(&g_rng) % 101);
	tear = (unsigned)(crash_splitmix(&g_rng) % 101);
	/* Unsynced directory changes: each kept with probability keep%, in order. */
	for (int i = 0; i < g_nops; i++) {
		if (crash_splitmix(&g_rng) % 100 >= keep)
			continue;
		if (table_set(g_durable, &g_ndurable, g_ops[i].dir, g_ops[i].name,
			      g_ops[i].kind == OP_ADD ? g_ops[i].ino : -1) != 0)
			return -1;
	}
	g_nops = 0;
	return write_tree(0, out_dir, tear);
}
