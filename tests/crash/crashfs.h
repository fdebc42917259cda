/* crashfs: the power-cut model for the content store's files.
 *
 * crashsim is linked with -Wl,--wrap for open, write, fsync, close, rename,
 * mkdir and unlink, so the unchanged pb_store code in libpb.a calls these
 * wrappers. Below the tracked folder they record what happens (and still do
 * it on the real disk); elsewhere they only pass the call on.
 *
 * Model (POSIX without a journal's kindness):
 *   - a file's bytes are on the disk up to its last fsync; of what was
 *     written after it, a prefix of random length survives, each 512-byte
 *     sector of it written or left as zeros;
 *   - a directory entry (a create, mkdir, rename in or out, unlink) is on
 *     the disk once its folder was fsynced; of the later ones any subset
 *     survives, so a rename can leave the file under both names or neither.
 * Operations count on the same clock as crashvfs, so one cut point cuts the
 * database and the store at the same moment. */
#ifndef CRASHFS_H
#define CRASHFS_H

#include <stdint.h>

/* Track everything below dir (which exists, as do its present entries,
 * all taken as durable). Forgets what was tracked before. */
int crashfs_track(const char *dir);
/* Stop tracking and free. */
void crashfs_reset(void);
/* -u for the store: fsync of a folder does nothing, so entries are never
 * made durable (the control experiment). */
void crashfs_set_ignore_dir_sync(int on);
/* Write the tracked tree as the power cut leaves it into out_dir. */
int crashfs_materialize(const char *out_dir, uint64_t seed);

#endif
