/* pbctl data check | mend: the group and modes of the data folder that let
 * every box program write, whatever order they start in.
 *
 * The box's programs run as different users in one group (pb on the box):
 * the data folder's own group. What must hold (docs/operations.md):
 *   - the data folder is set-group-ID and group-writable;
 *   - every folder below it is set-group-ID and belongs to that group, so
 *     what any program makes there belongs to the group too;
 *   - every file below it belongs to that group;
 *   - the database and its -wal, -shm and -journal are group-readable and
 *     -writable (PB_DB_FILE_MODE): SQLite gives -wal and -shm the
 *     database's mode, and a program that cannot write one of them fails
 *     every write.
 * check reports what does not hold (exit 1); mend, run as root (the first
 * boot's unit), puts it right and says what it changed. Owners are left as
 * they are: the group is what the programs share. */
#include "ctl.h"

#include "pb_db.h"

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA_WALK_FDS 16          /* folders nftw keeps open at once */

static const char *const db_suffix[] = { "", "-wal", "-shm", "-journal" };

static struct {
	gid_t group;
	char db[PATH_MAX];
	int mend;
	int wrong;                    /* found and not put right */
	int mended;
} walk;

static int is_db_file(const char *path)
{
	size_t n = strlen(walk.db);

	if (strncmp(path, walk.db, n) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(db_suffix) / sizeof(db_suffix[0]); i++)
		if (strcmp(path + n, db_suffix[i]) == 0)
			return 1;
	return 0;
}

/* The mode path must have: its own with the bits it lacks added. */
static mode_t wanted_mode(const char *path, const struct stat *sb, int top)
{
	mode_t m = sb->st_mode & 07777;

	if (S_ISDIR(sb->st_mode))
		return m | S_ISGID | (top ? 0070 : 0);
	if (is_db_file(path))
		return m | PB_DB_FILE_MODE;
	return m;
}

static int one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	mode_t want;
	int top = ftw->level == 0;

	if (flag == FTW_SL || flag == FTW_SLN || (!S_ISDIR(sb->st_mode) && !S_ISREG(sb->st_mode)))
		return 0;                 /* links and sockets: nothing to share */
	if (ftw->level == 1 && strcmp(path + ftw->base, "lost+found") == 0)
		return 0;                 /* e2fsck's, on the data partition */
	if (flag == FTW_DNR || flag == FTW_NS) {
		printf("%s: cannot be read\n", path);
		walk.wrong++;
		return 0;
	}
	if (!top && sb->st_gid != walk.group) {
		if (walk.mend && lchown(path, (uid_t)-1, walk.group) == 0) {
			printf("%s: group %u -> %u\n", path, (unsigned)sb->st_gid,
			       (unsigned)walk.group);
			walk.mended++;
		} else {
			printf("%s: group %u, should be %u (the data folder's)\n", path,
			       (unsigned)sb->st_gid, (unsigned)walk.group);
			walk.wrong++;
		}
	}
	/* chown clears the set-group-ID bit of folders for non-root: read the
	 * mode again before mending it */
	want = wanted_mode(path, sb, top);
	if ((sb->st_mode & 07777) != want || (walk.mend && S_ISDIR(sb->st_mode))) {
		struct stat now;
		mode_t have = sb->st_mode & 07777;

		if (walk.mend && lstat(path, &now) == 0)
			have = now.st_mode & 07777;
		if (have == want)
			return 0;
		if (walk.mend && chmod(path, want) == 0) {
			printf("%s: mode %04o -> %04o\n", path, (unsigned)have, (unsigned)want);
			walk.mended++;
		} else {
			printf("%s: mode %04o, should be %04o\n", path, (unsigned)have,
			       (unsigned)want);
			walk.wrong++;
		}
	}
	return 0;
}

/* pbctl data check | mend */
int cmd_data(struct pb_ctl *c, int argc, char **argv)
{
	struct stat sb;

	if (argc != 2 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "mend") != 0)) {
		fprintf(stderr, "usage: pbctl data check | mend\n");
		return 2;
	}
	if (pb_config_load(&c->cfg, c->config_path) != 0) {
		pb_config_print_errors(&c->cfg, stderr);
		return 1;
	}
	if (pb_config_db_path(&c->cfg, walk.db, sizeof(walk.db)) != 0) {
		fprintf(stderr, "pbctl: data_dir path too long\n");
		return 1;
	}
	if (stat(c->cfg.data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "pbctl: data folder %s: %s\n", c->cfg.data_dir,
			errno ? strerror(errno) : "not a folder");
		return 1;
	}
	walk.group = sb.st_gid;
	walk.mend = strcmp(argv[1], "mend") == 0;
	walk.wrong = walk.mended = 0;
	if (nftw(c->cfg.data_dir, one, DATA_WALK_FDS, FTW_PHYS) != 0) {
		fprintf(stderr, "pbctl: reading %s: %s\n", c->cfg.data_dir, strerror(errno));
		return 1;
	}
	if (walk.wrong > 0) {
		fprintf(stderr, "pbctl: %d file(s) in %s the box's programs may not share%s\n",
			walk.wrong, c->cfg.data_dir,
			walk.mend ? "" : ": run `pbctl data mend` as root");
		return 1;
	}
	if (walk.mended > 0)
		fprintf(stderr, "pbctl: %d change(s) in %s\n", walk.mended, c->cfg.data_dir);
	return 0;
}
