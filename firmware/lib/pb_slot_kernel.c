/* Each root's own kernel in its folder on the boot partition
 * (docs/updates.md). */
#include "pb_slot_kernel.h"

#include "pb_carry.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KERNEL_STEM "vmlinuz-"
#define INITRD_STEM "initrd.img-"
#define DTB_SUFFIX  ".dtb"

const char *pb_slot_prefix(enum pb_slot s)
{
	return s == PB_SLOT_B ? "slot-b/" : "slot-a/";
}

/* boot_dir/slot-a (no trailing slash). 0/-1. */
static int slot_dir(const char *boot_dir, enum pb_slot s, char *out, size_t len)
{
	const char *p = pb_slot_prefix(s);
	int n = snprintf(out, len, "%s/%.*s", boot_dir, (int)(strlen(p) - 1), p);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int pb_slot_has_kernel(const char *boot_dir, enum pb_slot s)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];

	if (slot_dir(boot_dir, s, dir, sizeof(dir)) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/" PB_SLOT_KERNEL, dir);
	return is_file(path);
}

static int set_version(const char *name, char *version, size_t len)
{
	const char *v = name + strlen(KERNEL_STEM);

	if (strlen(v) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(version, v, strlen(v) + 1);
	return 1;
}

/* The kernel a root's /vmlinuz (or /boot/vmlinuz) link names: 1, else 0. */
static int linked_kernel(const char *root, char *version, size_t len)
{
	static const char *const links[] = { "vmlinuz", "boot/vmlinuz" };
	char path[PATH_MAX], target[PATH_MAX], file[2 * PATH_MAX];
	const char *base;
	ssize_t n;

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, links[i]);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		base = strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target;
		if (strncmp(base, KERNEL_STEM, strlen(KERNEL_STEM)) != 0 ||
		    !base[strlen(KERNEL_STEM)])
			continue;
		snprintf(file, sizeof(file), "%s/boot/%s", root, base);
		if (is_file(file))
			return set_version(base, version, len);
	}
	return 0;
}

int pb_slot_root_kernel(const char *root, char *version, size_t len)
{
	char path[PATH_MAX], best[NAME_MAX + 1] = "", file[2 * PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc;

	if ((rc = linked_kernel(root, version, len)) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/boot", root);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, KERNEL_STEM, strlen(KERNEL_STEM)) != 0 ||
		    !e->d_name[strlen(KERNEL_STEM)] || strstr(e->d_name, ".dpkg-") != NULL)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (is_file(file) && (!best[0] || strverscmp(e->d_name, best) > 0))
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	return best[0] ? set_version(best, version, len) : 0;
}

/* Remove the folder's kernel first (it is no longer named by os_prefix),
 * then every other file in it (the last kernel's, a temporary file a cut
 * left). 0/-1. */
static int empty_dir(const char *dir)
{
	char path[PATH_MAX + NAME_MAX + 2];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/" PB_SLOT_KERNEL, dir);
	if ((unlink(path) != 0 && errno != ENOENT) || pb_carry_sync_dir(dir) != 0)
		return -1;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (is_file(path) && unlink(path) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return pb_carry_sync_dir(dir);
}

static int copy_in(const char *src, const char *dir, const char *name)
{
	int64_t size;

	return pb_carry_copy(src, dir, name, NULL, &size) == 0 ? 0 : -1;
}

/* Every device tree of the kernel package. 0/-1 (ENOENT: none). */
static int copy_dtbs(const char *root, const char *version, const char *dir)
{
	char from[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	size_t n = 0, len;
	struct dirent *e;
	DIR *d;

	snprintf(from, sizeof(from), "%s/usr/lib/linux-image-%s/broadcom", root, version);
	if ((d = opendir(from)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= strlen(DTB_SUFFIX) ||
		    strcmp(e->d_name + len - strlen(DTB_SUFFIX), DTB_SUFFIX) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", from, e->d_name);
		if (!is_file(path))
			continue;
		if (++n > PB_SLOT_FILES_MAX) {
			errno = E2BIG;
			break;
		}
		if (copy_in(path, dir, e->d_name) != 0)
			break;
	}
	if (e != NULL) {
		int saved = errno;

		closedir(d);
		errno = saved;
		return -1;
	}
	closedir(d);
	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int pb_slot_kernel_write(const char *boot_dir, enum pb_slot s, const char *root,
			 char *version, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + PB_SLOT_VERSION_MAX + 32], *line = NULL;
	size_t n;
	int found = pb_slot_root_kernel(root, version, len), rc;

	if (found < 0 || slot_dir(boot_dir, s, dir, sizeof(dir)) != 0)
		return -1;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	if (empty_dir(dir) != 0)
		return -1;
	if (found == 0)
		return 0;
	if (copy_dtbs(root, version, dir) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/boot/" INITRD_STEM "%s", root, version);
	if (copy_in(path, dir, PB_SLOT_INITRD) != 0)
		return -1;
	if (pb_carry_read(boot_dir, pb_slot_cmdline_name(s), PB_SLOT_CMDLINE_MAX, &line, &n) != 0)
		return -1;
	rc = pb_carry_write(dir, pb_slot_cmdline_name(s), line, n);
	free(line);
	if (rc != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/boot/" KERNEL_STEM "%s", root, version);
	return copy_in(path, dir, PB_SLOT_KERNEL) == 0 ? 1 : -1;
}
