/* Mirroring the running root into the other root, writing only what differs. */
#ifndef PB_ROOTCOPY_H
#define PB_ROOTCOPY_H

#include <stdio.h>

struct rootcopy_stats {
	unsigned long written;   /* entries (re)created: files, links, nodes, folders */
	unsigned long long bytes; /* file content written */
	unsigned long kept;      /* entries already equal (content untouched) */
	unsigned long fixed;     /* kept entries whose owner, mode, times or xattrs were set */
	unsigned long removed;   /* entries of dst absent from src, removed */
};

/* Mark dst as being written (a file at its top, on disk before this
 * returns): 1 when the mark was there already, an earlier copy or install
 * into dst having been cut, so that its files cannot be judged by their
 * size and mtime; 0 when not; -1 error (said on err). */
int rootcopy_begin(const char *dst, FILE *err);

/* Make dst hold what src holds: same entries, content, type, mode, owner,
 * times, xattrs and hard links, staying on src's file system; with full,
 * every file is written whatever dst holds. dst's mark is left alone.
 * 0, or -1 with the failing path said on err. */
int rootcopy_mirror(const char *src, const char *dst, int full, struct rootcopy_stats *st,
		    FILE *err);

/* 1 when dst is marked as being written (an install into it was cut). */
int rootcopy_unfinished(const char *dst);

/* Everything written into dst put on disk, then its mark removed. */
int rootcopy_end(const char *dst, FILE *err);

#endif
