/* crashvfs: a SQLite VFS that wraps the default unix VFS, records every
 * write, truncate and sync, and can produce the files as a power cut at a
 * chosen point would leave them.
 *
 * Model (what a disk without a battery may keep after the power goes):
 *   - everything written before a file's last xSync is on the disk;
 *   - of what was written to a file after its last xSync, any subset of the
 *     writes survives, in any combination, and a surviving write may be
 *     torn: only some of its 512-byte sectors reach the disk;
 *   - a truncate after the last sync survives or not, like a write;
 *   - a file deleted with xDelete is gone (SQLite syncs what matters before
 *     it deletes a WAL or journal);
 *   - directory entries of files that were synced at least once survive.
 * The choice is made by a seeded PRNG, so a seed reproduces a cut. */
#ifndef CRASHVFS_H
#define CRASHVFS_H

#include <stdint.h>

#define CRASHVFS_NAME    "crashvfs"
#define CRASHVFS_SECTOR  512
#define CRASHVFS_FILES_MAX 16

/* Register as the default VFS (wrapping the current default). */
int crashvfs_register(void);
/* Make the plain unix VFS the default again (for reopening the result). */
void crashvfs_unregister(void);

/* Forget every file and start counting operations from zero. cut_at is
 * the number of write/truncate/sync operations allowed to happen; the next
 * one and every later one fail with SQLITE_IOERR (the power is gone).
 * cut_at < 0: never cut. */
void crashvfs_reset(int64_t cut_at);

/* Keep the files and the count, and cut the power once n more operations
 * happened (n < 0: never): a cut placed inside one step of a run whose
 * earlier steps vary in length. */
void crashvfs_cut_after(int64_t n);

/* Count one operation of another layer (crashfs) on the same clock:
 * 0 to go on, -1 once the power is gone. */
int crashvfs_tick(void);

/* Operations seen so far (writes, truncates, syncs). */
int64_t crashvfs_ops(void);
/* 1 once the cut has happened. */
int crashvfs_cut(void);

/* Write every recorded file into dir (same base names) as the power cut
 * leaves it: durable content plus a seeded random subset of the unsynced
 * writes, torn at sector boundaries. Returns 0/-1. */
int crashvfs_materialize(const char *dir, uint64_t seed);

/* Statistics of the last materialize: unsynced writes kept whole, torn,
 * dropped. */
struct crashvfs_stats {
	long kept, torn, dropped;
};
void crashvfs_last_stats(struct crashvfs_stats *out);

/* splitmix64: small, seedable, good enough to pick cuts and subsets. */
uint64_t crash_splitmix(uint64_t *state);

#endif
